using System.Text.Json.Serialization;
using Actors.Domain.Clusters;
using Actors.Domain.Launches;
using Actors.Domain.Services;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>The cluster's events as stored. A new event: its manifest in <see cref="Manifests"/>, a record below, a codec here.</summary>
public static class StoredClusterEvents
{
    public static IReadOnlyList<StoredEventCodec> Codecs { get; } =
    [
        StoredEventCodec.Of<ClusterCreated, StoredClusterCreatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ClusterName, Stored.List(e.Tags, StoredTagV1.From), Stored.List(e.Settings, StoredClusterSettingV1.From),
                StoredClusterConfigurationV1.FromOrNull(e.Configuration), StoredServiceConnectDefaultsV1.FromOrNull(e.ServiceConnectDefaults)),
            s => new(s.Metadata.ToDomain(), s.ClusterName, Stored.List(s.Tags, t => t.ToDomain()), Stored.List(s.Settings, t => t.ToDomain()),
                s.Configuration?.ToDomain(), s.ServiceConnectDefaults?.ToDomain())),
        StoredEventCodec.Of<ClusterSettingsUpdated, StoredClusterSettingsUpdatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Settings, StoredClusterSettingV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Settings, t => t.ToDomain()))),
        StoredEventCodec.Of<ClusterConfigurationUpdated, StoredClusterConfigurationUpdatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredClusterConfigurationV1.From(e.Configuration)),
            s => new(s.Metadata.ToDomain(), s.Configuration.ToDomain())),
        StoredEventCodec.Of<ClusterServiceConnectDefaultsUpdated, StoredClusterServiceConnectDefaultsUpdatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredServiceConnectDefaultsV1.From(e.ServiceConnectDefaults)),
            s => new(s.Metadata.ToDomain(), s.ServiceConnectDefaults.ToDomain())),
        StoredEventCodec.Of<ClusterDeleted, StoredClusterDeletedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata)),
            s => new(s.Metadata.ToDomain())),
        StoredEventCodec.Of<ClusterTagged, StoredClusterTaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Tags, StoredTagV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Tags, t => t.ToDomain()))),
        StoredEventCodec.Of<ClusterUntagged, StoredClusterUntaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.TagKeys)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.TagKeys))),
        StoredEventCodec.Of<ContainerInstanceAdmitted, StoredClusterContainerInstanceAdmittedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ContainerInstanceId),
            s => new(s.Metadata.ToDomain(), s.ContainerInstanceId)),
        StoredEventCodec.Of<ContainerInstanceReleased, StoredClusterContainerInstanceReleasedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ContainerInstanceId),
            s => new(s.Metadata.ToDomain(), s.ContainerInstanceId)),
        StoredEventCodec.Of<ServiceAdmitted, StoredClusterServiceAdmittedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ServiceName, Stored.EnumName(e.SchedulingStrategy)),
            s => new(s.Metadata.ToDomain(), s.ServiceName, Stored.ParseEnum<SchedulingStrategy>(s.SchedulingStrategy))),
        StoredEventCodec.Of<ServiceReleased, StoredClusterServiceReleasedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ServiceName),
            s => new(s.Metadata.ToDomain(), s.ServiceName)),
        StoredEventCodec.Of<TaskLocationsRecorded, StoredClusterTaskLocationsRecordedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Locations, StoredTaskLocationV1.From), e.ClientToken, e.RequestFingerprint),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Locations, l => l.ToDomain()), s.ClientToken, s.RequestFingerprint)),
        StoredEventCodec.Of<LaunchPlanned, StoredClusterLaunchPlannedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.LaunchId, e.ClientToken, e.RequestFingerprint, StoredLaunchSpecV1.From(e.Spec),
                Stored.List(e.Tasks, StoredPlannedTaskV1.From), Stored.List(e.Failures, StoredLaunchFailureV1.From)),
            s => new(s.Metadata.ToDomain(), s.LaunchId, s.ClientToken, s.RequestFingerprint, s.Spec.ToDomain(),
                Stored.List(s.Tasks, t => t.ToDomain()), Stored.List(s.Failures, f => f.ToDomain()))),
        StoredEventCodec.Of<LaunchTaskReplanned, StoredClusterLaunchTaskReplannedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.LaunchId, e.TaskId, StoredPlannedTaskV1.FromOrNull(e.Replacement),
                StoredLaunchFailureV1.FromOrNull(e.Failure)),
            s => new(s.Metadata.ToDomain(), s.LaunchId, s.TaskId, s.Replacement?.ToDomain(), s.Failure?.ToDomain())),
        StoredEventCodec.Of<LaunchTasksConfirmed, StoredClusterLaunchTasksConfirmedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.LaunchId, Stored.List(e.TaskIds)),
            s => new(s.Metadata.ToDomain(), s.LaunchId, Stored.List(s.TaskIds))),
        StoredEventCodec.Of<LaunchCompleted, StoredClusterLaunchCompletedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.LaunchId, StoredLaunchOutcomeV1.From(e.Outcome)),
            s => new(s.Metadata.ToDomain(), s.LaunchId, s.Outcome.ToDomain())),
        StoredEventCodec.Of<ClientTokensForgotten, StoredClusterClientTokensForgottenV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.ClientTokens)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.ClientTokens))),
    ];
}

// Events

public sealed record StoredClusterCreatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("clusterName")] string ClusterName,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("settings")] IReadOnlyList<StoredClusterSettingV1> Settings,
    [property: JsonPropertyName("configuration")] StoredClusterConfigurationV1? Configuration,
    [property: JsonPropertyName("serviceConnectDefaults")] StoredServiceConnectDefaultsV1? ServiceConnectDefaults);

public sealed record StoredClusterSettingsUpdatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("settings")] IReadOnlyList<StoredClusterSettingV1> Settings);

public sealed record StoredClusterConfigurationUpdatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("configuration")] StoredClusterConfigurationV1 Configuration);

public sealed record StoredClusterServiceConnectDefaultsUpdatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("serviceConnectDefaults")] StoredServiceConnectDefaultsV1 ServiceConnectDefaults);

public sealed record StoredClusterDeletedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata);

public sealed record StoredClusterTaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags);

public sealed record StoredClusterUntaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string> TagKeys);

public sealed record StoredClusterContainerInstanceAdmittedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId);

public sealed record StoredClusterContainerInstanceReleasedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId);

public sealed record StoredClusterServiceAdmittedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("serviceName")] string ServiceName,
    [property: JsonPropertyName("schedulingStrategy")] string SchedulingStrategy);

public sealed record StoredClusterServiceReleasedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("serviceName")] string ServiceName);

public sealed record StoredClusterTaskLocationsRecordedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("locations")] IReadOnlyList<StoredTaskLocationV1> Locations,
    [property: JsonPropertyName("clientToken")] string? ClientToken,
    [property: JsonPropertyName("requestFingerprint")] string? RequestFingerprint);

public sealed record StoredClusterLaunchPlannedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("launchId")] string LaunchId,
    [property: JsonPropertyName("clientToken")] string? ClientToken,
    [property: JsonPropertyName("requestFingerprint")] string? RequestFingerprint,
    [property: JsonPropertyName("spec")] StoredLaunchSpecV1 Spec,
    [property: JsonPropertyName("tasks")] IReadOnlyList<StoredPlannedTaskV1> Tasks,
    [property: JsonPropertyName("failures")] IReadOnlyList<StoredLaunchFailureV1> Failures);

public sealed record StoredClusterLaunchTaskReplannedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("launchId")] string LaunchId,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("replacement")] StoredPlannedTaskV1? Replacement,
    [property: JsonPropertyName("failure")] StoredLaunchFailureV1? Failure);

public sealed record StoredClusterLaunchTasksConfirmedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("launchId")] string LaunchId,
    [property: JsonPropertyName("taskIds")] IReadOnlyList<string> TaskIds);

public sealed record StoredClusterLaunchCompletedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("launchId")] string LaunchId,
    [property: JsonPropertyName("outcome")] StoredLaunchOutcomeV1 Outcome);

public sealed record StoredClusterClientTokensForgottenV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("clientTokens")] IReadOnlyList<string> ClientTokens);

// Nested values

public sealed record StoredClusterSettingV1(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string? Value)
{
    public static StoredClusterSettingV1 From(ClusterSetting s) => new(s.Name, s.Value);

    public ClusterSetting ToDomain() => new(Name, Value);
}

public sealed record StoredClusterConfigurationV1(
    [property: JsonPropertyName("executeCommandConfiguration")] StoredExecuteCommandConfigurationV1? ExecuteCommandConfiguration,
    [property: JsonPropertyName("managedStorageConfiguration")] StoredManagedStorageConfigurationV1? ManagedStorageConfiguration)
{
    public static StoredClusterConfigurationV1? FromOrNull(ClusterConfiguration? c) => c is null ? null : From(c);

    public static StoredClusterConfigurationV1 From(ClusterConfiguration c) => new(
        c.ExecuteCommandConfiguration is { } e
            ? new StoredExecuteCommandConfigurationV1(e.KmsKeyId, e.Logging, e.LogConfiguration is { } l
                ? new StoredExecuteCommandLogConfigurationV1(l.CloudWatchLogGroupName, l.CloudWatchEncryptionEnabled, l.S3BucketName, l.S3EncryptionEnabled, l.S3KeyPrefix)
                : null)
            : null,
        c.ManagedStorageConfiguration is { } m ? new StoredManagedStorageConfigurationV1(m.KmsKeyId, m.FargateEphemeralStorageKmsKeyId) : null);

    public ClusterConfiguration ToDomain() => new()
    {
        ExecuteCommandConfiguration = ExecuteCommandConfiguration is { } e
            ? new ExecuteCommandConfiguration
            {
                KmsKeyId = e.KmsKeyId,
                Logging = e.Logging,
                LogConfiguration = e.LogConfiguration is { } l
                    ? new ExecuteCommandLogConfiguration
                    {
                        CloudWatchLogGroupName = l.CloudWatchLogGroupName,
                        CloudWatchEncryptionEnabled = l.CloudWatchEncryptionEnabled,
                        S3BucketName = l.S3BucketName,
                        S3EncryptionEnabled = l.S3EncryptionEnabled,
                        S3KeyPrefix = l.S3KeyPrefix,
                    }
                    : null,
            }
            : null,
        ManagedStorageConfiguration = ManagedStorageConfiguration is { } m
            ? new ManagedStorageConfiguration { KmsKeyId = m.KmsKeyId, FargateEphemeralStorageKmsKeyId = m.FargateEphemeralStorageKmsKeyId }
            : null,
    };
}

public sealed record StoredExecuteCommandConfigurationV1(
    [property: JsonPropertyName("kmsKeyId")] string? KmsKeyId,
    [property: JsonPropertyName("logging")] string? Logging,
    [property: JsonPropertyName("logConfiguration")] StoredExecuteCommandLogConfigurationV1? LogConfiguration);

public sealed record StoredExecuteCommandLogConfigurationV1(
    [property: JsonPropertyName("cloudWatchLogGroupName")] string? CloudWatchLogGroupName,
    [property: JsonPropertyName("cloudWatchEncryptionEnabled")] bool? CloudWatchEncryptionEnabled,
    [property: JsonPropertyName("s3BucketName")] string? S3BucketName,
    [property: JsonPropertyName("s3EncryptionEnabled")] bool? S3EncryptionEnabled,
    [property: JsonPropertyName("s3KeyPrefix")] string? S3KeyPrefix);

public sealed record StoredManagedStorageConfigurationV1(
    [property: JsonPropertyName("kmsKeyId")] string? KmsKeyId,
    [property: JsonPropertyName("fargateEphemeralStorageKmsKeyId")] string? FargateEphemeralStorageKmsKeyId);

public sealed record StoredServiceConnectDefaultsV1(
    [property: JsonPropertyName("namespace")] string? Namespace)
{
    public static StoredServiceConnectDefaultsV1? FromOrNull(ServiceConnectDefaults? d) => d is null ? null : From(d);

    public static StoredServiceConnectDefaultsV1 From(ServiceConnectDefaults d) => new(d.Namespace);

    public ServiceConnectDefaults ToDomain() => new(Namespace);
}

public sealed record StoredTaskLocationV1(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId)
{
    public static StoredTaskLocationV1 From(TaskLocation l) => new(l.TaskId, l.ContainerInstanceId);

    public TaskLocation ToDomain() => new(TaskId, ContainerInstanceId);
}

// Nested values: launches

/// <summary>What every task of one launch is made of and how it is placed; the records of tasks and placements are shared with the instance's events.</summary>
public sealed record StoredLaunchSpecV1(
    [property: JsonPropertyName("revision")] StoredTaskDefinitionRevisionV1 Revision,
    [property: JsonPropertyName("overrides")] StoredTaskOverrideV1? Overrides,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("startedBy")] string? StartedBy,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("demand")] StoredResourceDemandV1 Demand,
    [property: JsonPropertyName("constraints")] IReadOnlyList<StoredPlacementConstraintV1> Constraints,
    [property: JsonPropertyName("strategies")] IReadOnlyList<StoredPlacementStrategyV1> Strategies,
    [property: JsonPropertyName("namedInstances")] bool NamedInstances)
{
    public static StoredLaunchSpecV1 From(LaunchSpec s) => new(
        StoredTaskDefinitionRevisionV1.From(s.Revision), StoredTaskOverrideV1.FromOrNull(s.Overrides), s.Group, s.StartedBy,
        Stored.List(s.Tags, StoredTagV1.From), StoredResourceDemandV1.From(s.Demand), Stored.List(s.Constraints, StoredPlacementConstraintV1.From),
        Stored.List(s.Strategies, StoredPlacementStrategyV1.From), s.NamedInstances);

    public LaunchSpec ToDomain() => new(
        Revision.ToDomain(), Overrides?.ToDomain(), Group, StartedBy, Stored.List(Tags, t => t.ToDomain()), Demand.ToDomain(),
        Stored.List(Constraints, c => c.ToDomain()), Stored.List(Strategies, s => s.ToDomain()), NamedInstances);
}

public sealed record StoredPlannedTaskV1(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId,
    [property: JsonPropertyName("placement")] StoredPlacementRecordV2 Placement)
{
    public static StoredPlannedTaskV1? FromOrNull(PlannedTask? t) => t is null ? null : From(t);

    public static StoredPlannedTaskV1 From(PlannedTask t) => new(t.TaskId, t.ContainerInstanceId, StoredPlacementRecordV2.From(t.Placement));

    public PlannedTask ToDomain() => new(TaskId, ContainerInstanceId, Placement.ToDomain());
}

public sealed record StoredLaunchFailureV1(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("detail")] string? Detail)
{
    public static StoredLaunchFailureV1? FromOrNull(LaunchFailure? f) => f is null ? null : From(f);

    public static StoredLaunchFailureV1 From(LaunchFailure f) => new(f.Target, f.Reason, f.Detail);

    public LaunchFailure ToDomain() => new(Target, Reason, Detail);
}

public sealed record StoredLaunchOutcomeV1(
    [property: JsonPropertyName("tasks")] IReadOnlyList<StoredTaskLocationV1> Tasks,
    [property: JsonPropertyName("failures")] IReadOnlyList<StoredLaunchFailureV1> Failures)
{
    public static StoredLaunchOutcomeV1 From(LaunchOutcome o) => new(Stored.List(o.Tasks, StoredTaskLocationV1.From), Stored.List(o.Failures, StoredLaunchFailureV1.From));

    public LaunchOutcome ToDomain() => new(Stored.List(Tasks, t => t.ToDomain()), Stored.List(Failures, f => f.ToDomain()));
}
