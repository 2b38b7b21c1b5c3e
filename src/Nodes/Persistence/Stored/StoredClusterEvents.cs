using System.Text.Json.Serialization;
using Actors.Domain.Clusters;

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
        StoredEventCodec.Of<TaskLocationsRecorded, StoredClusterTaskLocationsRecordedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Locations, StoredTaskLocationV1.From), e.ClientToken, e.RequestFingerprint),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Locations, l => l.ToDomain()), s.ClientToken, s.RequestFingerprint)),
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

public sealed record StoredClusterTaskLocationsRecordedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("locations")] IReadOnlyList<StoredTaskLocationV1> Locations,
    [property: JsonPropertyName("clientToken")] string? ClientToken,
    [property: JsonPropertyName("requestFingerprint")] string? RequestFingerprint);

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
