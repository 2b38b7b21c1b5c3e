using Actors.Domain.Common;

namespace Actors.Domain.Clusters;

public interface IClusterCommand : IDomainCommand;

public sealed record CreateCluster(
    RequestContext Context,
    IReadOnlyList<Tag> Tags,
    IReadOnlyList<ClusterSetting> Settings,
    ClusterConfiguration? Configuration,
    ServiceConnectDefaults? ServiceConnectDefaults,
    IReadOnlyList<string> CapacityProviders) : IClusterCommand;

public sealed record UpdateCluster(
    RequestContext Context,
    IReadOnlyList<ClusterSetting>? Settings,
    ClusterConfiguration? Configuration,
    ServiceConnectDefaults? ServiceConnectDefaults) : IClusterCommand;

public sealed record UpdateClusterSettings(RequestContext Context, IReadOnlyList<ClusterSetting> Settings) : IClusterCommand;

public sealed record DeleteCluster(RequestContext Context) : IClusterCommand;

public sealed record TagCluster(RequestContext Context, IReadOnlyList<Tag> Tags) : IClusterCommand;

public sealed record UntagCluster(RequestContext Context, IReadOnlyList<string> TagKeys) : IClusterCommand;

/// <summary>Admits a container instance into the cluster before the instance entity records its registration.</summary>
public sealed record AdmitContainerInstance(RequestContext Context, string ContainerInstanceId, int MaxInstances) : IClusterCommand;

/// <summary>CreateService: the cluster takes the service in (at most <paramref name="MaxServices"/>), then the service records itself.</summary>
public sealed record AdmitService(RequestContext Context, string ServiceName, Services.SchedulingStrategy SchedulingStrategy, int MaxServices) : IClusterCommand;

/// <summary>A service became INACTIVE (or its creation was refused): it no longer counts in the cluster.</summary>
public sealed record ReleaseService(RequestContext Context, string ServiceName) : IClusterCommand;

/// <summary>Removes a deregistered container instance from the cluster's membership.</summary>
public sealed record ReleaseContainerInstance(RequestContext Context, string ContainerInstanceId) : IClusterCommand;

/// <summary>Where a task was placed (also as builds before the scheduler recorded it, kept to replay their journals).</summary>
public sealed record TaskLocation(string TaskId, string ContainerInstanceId);
