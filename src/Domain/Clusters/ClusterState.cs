using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Launches;

namespace Actors.Domain.Clusters;

/// <summary>ECS's cluster statuses; member names are the strings ECS answers.</summary>
public enum ClusterStatus { ACTIVE, PROVISIONING, DEPROVISIONING, FAILED, INACTIVE }

public sealed record ClusterSetting(string Name, string? Value);

public sealed record ClusterConfiguration
{
    public ExecuteCommandConfiguration? ExecuteCommandConfiguration { get; init; }
    public ManagedStorageConfiguration? ManagedStorageConfiguration { get; init; }
}

public sealed record ExecuteCommandConfiguration
{
    public string? KmsKeyId { get; init; }
    public string? Logging { get; init; }
    public ExecuteCommandLogConfiguration? LogConfiguration { get; init; }
}

public sealed record ExecuteCommandLogConfiguration
{
    public string? CloudWatchLogGroupName { get; init; }
    public bool? CloudWatchEncryptionEnabled { get; init; }
    public string? S3BucketName { get; init; }
    public bool? S3EncryptionEnabled { get; init; }
    public string? S3KeyPrefix { get; init; }
}

public sealed record ManagedStorageConfiguration
{
    public string? KmsKeyId { get; init; }
    public string? FargateEphemeralStorageKmsKeyId { get; init; }
}

public sealed record ServiceConnectDefaults(string? Namespace);

/// <summary>
/// One cluster. It owns the membership of container instances (which ids are registered in it) and where each task
/// was placed; the instances, and the tasks they hold, are entities of their own. Tasks live only on registered
/// instances (a forced deregistration stops them), so a cluster without instances has no active tasks.
/// </summary>
public sealed record ClusterState
{
    public required string Name { get; init; }
    /// <summary>Null until the cluster is first created.</summary>
    public ClusterStatus? Status { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public ImmutableList<ClusterSetting> Settings { get; init; } = [];
    public ClusterConfiguration? Configuration { get; init; }
    public ServiceConnectDefaults? ServiceConnectDefaults { get; init; }
    public ImmutableList<Tag> Tags { get; init; } = [];
    /// <summary>Ids of the container instances registered in this cluster (ACTIVE or DRAINING).</summary>
    public ImmutableSortedSet<string> ContainerInstanceIds { get; init; } = [];
    /// <summary>Launches recorded but not yet confirmed by their instances: completed after a crash, never half done.</summary>
    public ImmutableDictionary<string, PendingLaunch> Launches { get; init; } = ImmutableDictionary<string, PendingLaunch>.Empty;
    /// <summary>RunTask's clientTokens: the launch that first used each one and, once done, what it answered.</summary>
    public ImmutableDictionary<string, ClientTokenUse> ClientTokens { get; init; } = ImmutableDictionary<string, ClientTokenUse>.Empty;
    /// <summary>The services of the cluster that are not INACTIVE, by name, with their scheduling strategy (ListServices filters on it).</summary>
    public ImmutableSortedDictionary<string, Services.SchedulingStrategy> Services { get; init; } =
        ImmutableSortedDictionary.Create<string, Services.SchedulingStrategy>(StringComparer.Ordinal);
    /// <summary>Set only where the service names were left out of a reply (see <see cref="Public"/>).</summary>
    public int? ServiceCount { get; init; }

    /// <summary>ECS's activeServicesCount: services ACTIVE or still DRAINING.</summary>
    public int ActiveServicesCount => ServiceCount ?? Services.Count;
    /// <summary>Set only where the member ids were left out of a reply (see <see cref="Public"/>).</summary>
    public int? MemberCount { get; init; }

    /// <summary>ECS's registeredContainerInstancesCount.</summary>
    public int RegisteredContainerInstancesCount() => MemberCount ?? ContainerInstanceIds.Count;

    /// <summary>The launch process's state: these two fields (kept where snapshots have always had them).</summary>
    public LaunchesState Launching() => new(Launches, ClientTokens);

    public ClusterState WithLaunches(LaunchesState launches) => this with { Launches = launches.Pending, ClientTokens = launches.ClientTokens };

    public bool Exists => Status is not null;
    public bool IsActive => Status == ClusterStatus.ACTIVE;

    /// <summary>
    /// The cluster as replies carry it: without the member ids (a count instead) and the launch bookkeeping, which only
    /// the scheduler needs - a cluster of 5,000 instances still answers in a few hundred bytes.
    /// </summary>
    public ClusterState Public() => this with
    {
        MemberCount = RegisteredContainerInstancesCount(),
        ContainerInstanceIds = [],
        ServiceCount = ActiveServicesCount,
        Services = ImmutableSortedDictionary.Create<string, Services.SchedulingStrategy>(StringComparer.Ordinal),
        Launches = ImmutableDictionary<string, PendingLaunch>.Empty,
        ClientTokens = ImmutableDictionary<string, ClientTokenUse>.Empty,
    };
}
