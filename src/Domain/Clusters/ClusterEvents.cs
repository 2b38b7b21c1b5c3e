using Actors.Domain.Common;

namespace Actors.Domain.Clusters;

public interface IClusterEvent : IDomainEvent;

public sealed record ClusterCreated(
    EventMetadata Metadata,
    string ClusterName,
    IReadOnlyList<Tag> Tags,
    IReadOnlyList<ClusterSetting> Settings,
    ClusterConfiguration? Configuration,
    ServiceConnectDefaults? ServiceConnectDefaults) : IClusterEvent;

public sealed record ClusterSettingsUpdated(EventMetadata Metadata, IReadOnlyList<ClusterSetting> Settings) : IClusterEvent;

public sealed record ClusterConfigurationUpdated(EventMetadata Metadata, ClusterConfiguration Configuration) : IClusterEvent;

public sealed record ClusterServiceConnectDefaultsUpdated(EventMetadata Metadata, ServiceConnectDefaults ServiceConnectDefaults) : IClusterEvent;

public sealed record ClusterDeleted(EventMetadata Metadata) : IClusterEvent;

public sealed record ClusterTagged(EventMetadata Metadata, IReadOnlyList<Tag> Tags) : IClusterEvent;

public sealed record ClusterUntagged(EventMetadata Metadata, IReadOnlyList<string> TagKeys) : IClusterEvent;

public sealed record ContainerInstanceAdmitted(EventMetadata Metadata, string ContainerInstanceId) : IClusterEvent;

public sealed record ContainerInstanceReleased(EventMetadata Metadata, string ContainerInstanceId) : IClusterEvent;

public sealed record ServiceAdmitted(EventMetadata Metadata, string ServiceName, Services.SchedulingStrategy SchedulingStrategy) : IClusterEvent;

public sealed record ServiceReleased(EventMetadata Metadata, string ServiceName) : IClusterEvent;

public sealed record TaskLocationsRecorded(EventMetadata Metadata, IReadOnlyList<TaskLocation> Locations, string? ClientToken = null,
    string? RequestFingerprint = null) : IClusterEvent;
