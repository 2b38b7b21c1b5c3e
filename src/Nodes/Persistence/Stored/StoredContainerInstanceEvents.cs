using System.Text.Json.Serialization;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Attribute = Actors.Domain.ContainerInstances.Attribute;
using KeyValuePair = Actors.Domain.TaskDefinitions.KeyValuePair;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>
/// A container instance's events, its tasks' included, as stored. A new event: its manifest in <see cref="Manifests"/>,
/// a record below, a codec here.
/// </summary>
public static class StoredContainerInstanceEvents
{
    public static IReadOnlyList<StoredEventCodec> Codecs { get; } =
    [
        StoredEventCodec.Of<ContainerInstanceRegistered, StoredContainerInstanceRegisteredV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ClusterName, e.InstanceId, e.Ec2InstanceId, Stored.List(e.RegisteredResources, StoredResourceV1.From),
                StoredVersionInfoV1.FromOrNull(e.VersionInfo), Stored.List(e.Attributes, StoredAttributeV1.From), Stored.List(e.Tags, StoredTagV1.From),
                Stored.List(e.PlatformDevices, StoredPlatformDeviceV1.From)),
            s => new(s.Metadata.ToDomain(), s.ClusterName, s.InstanceId, s.Ec2InstanceId, Stored.List(s.RegisteredResources, r => r.ToDomain()),
                s.VersionInfo?.ToDomain(), Stored.List(s.Attributes, a => a.ToDomain()), Stored.List(s.Tags, t => t.ToDomain()),
                Stored.List(s.PlatformDevices, d => d.ToDomain()))),
        StoredEventCodec.Of<ContainerInstanceReregistered, StoredContainerInstanceReregisteredV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Ec2InstanceId, Stored.List(e.RegisteredResources, StoredResourceV1.From),
                Stored.List(e.RemainingResources, StoredResourceV1.From), StoredVersionInfoV1.FromOrNull(e.VersionInfo),
                Stored.List(e.Attributes, StoredAttributeV1.From), Stored.List(e.Tags, StoredTagV1.From), Stored.List(e.PlatformDevices, StoredPlatformDeviceV1.From)),
            s => new(s.Metadata.ToDomain(), s.Ec2InstanceId, Stored.List(s.RegisteredResources, r => r.ToDomain()),
                Stored.List(s.RemainingResources, r => r.ToDomain()), s.VersionInfo?.ToDomain(),
                Stored.List(s.Attributes, a => a.ToDomain()), Stored.List(s.Tags, t => t.ToDomain()), Stored.List(s.PlatformDevices, d => d.ToDomain()))),
        StoredEventCodec.Of<ContainerInstanceDeregistered, StoredContainerInstanceDeregisteredV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Forced),
            s => new(s.Metadata.ToDomain(), s.Forced)),
        StoredEventCodec.Of<ContainerInstanceStateChanged, StoredContainerInstanceStateChangedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.EnumName(e.Status)),
            s => new(s.Metadata.ToDomain(), Stored.ParseEnum<ContainerInstanceStatus>(s.Status))),
        StoredEventCodec.Of<ContainerInstanceAttributesPut, StoredContainerInstanceAttributesPutV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Attributes, StoredAttributeV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Attributes, a => a.ToDomain()))),
        StoredEventCodec.Of<ContainerInstanceAttributesDeleted, StoredContainerInstanceAttributesDeletedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Names)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Names))),
        StoredEventCodec.Of<ContainerInstanceTagged, StoredContainerInstanceTaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Tags, StoredTagV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Tags, t => t.ToDomain()))),
        StoredEventCodec.Of<ContainerInstanceUntagged, StoredContainerInstanceUntaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.TagKeys)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.TagKeys))),
        StoredEventCodec.Of<TaskPlaced, StoredTaskPlacedV2>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredTaskV1.From(e.Task), StoredPlacementRecordV2.From(e.Placement),
                Stored.ListOrNull(e.RemainingResources, StoredResourceV1.From)),
            s => new(s.Metadata.ToDomain(), s.Task.ToDomain(), s.Placement.ToDomain(), Stored.ListOrNull(s.RemainingResources, r => r.ToDomain()))),
        StoredEventCodec.Of<TaskStopRequested, StoredTaskStopRequestedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.TaskId, Stored.EnumName(e.StopCode), e.Reason),
            s => new(s.Metadata.ToDomain(), s.TaskId, Stored.ParseEnum<TaskStopCode>(s.StopCode), s.Reason)),
        StoredEventCodec.Of<TaskStateChanged, StoredTaskStateChangedV2>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredTaskProgressV1.From(e.Progress), Stored.ListOrNull(e.RemainingResources, StoredResourceV1.From)),
            s => new(s.Metadata.ToDomain(), s.Progress.ToDomain(), Stored.ListOrNull(s.RemainingResources, r => r.ToDomain()))),
        StoredEventCodec.Of<TasksForgotten, StoredTasksForgottenV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.TaskIds)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.TaskIds))),
        StoredEventCodec.Of<TaskTagged, StoredTaskTaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.TaskId, Stored.List(e.Tags, StoredTagV1.From)),
            s => new(s.Metadata.ToDomain(), s.TaskId, Stored.List(s.Tags, t => t.ToDomain()))),
        StoredEventCodec.Of<TaskUntagged, StoredTaskUntaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.TaskId, Stored.List(e.TagKeys)),
            s => new(s.Metadata.ToDomain(), s.TaskId, Stored.List(s.TagKeys))),
        StoredEventCodec.Of<AgentConnected, StoredAgentConnectedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata)),
            s => new(s.Metadata.ToDomain())),
        StoredEventCodec.Of<AgentDisconnected, StoredAgentDisconnectedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.LastSeenAt),
            s => new(s.Metadata.ToDomain(), s.LastSeenAt)),
    ];
}

// Events

public sealed record StoredContainerInstanceRegisteredV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("clusterName")] string ClusterName,
    [property: JsonPropertyName("instanceId")] string InstanceId,
    [property: JsonPropertyName("ec2InstanceId")] string? Ec2InstanceId,
    [property: JsonPropertyName("registeredResources")] IReadOnlyList<StoredResourceV1> RegisteredResources,
    [property: JsonPropertyName("versionInfo")] StoredVersionInfoV1? VersionInfo,
    [property: JsonPropertyName("attributes")] IReadOnlyList<StoredAttributeV1> Attributes,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("platformDevices")] IReadOnlyList<StoredPlatformDeviceV1> PlatformDevices);

public sealed record StoredContainerInstanceReregisteredV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("ec2InstanceId")] string? Ec2InstanceId,
    [property: JsonPropertyName("registeredResources")] IReadOnlyList<StoredResourceV1> RegisteredResources,
    [property: JsonPropertyName("remainingResources")] IReadOnlyList<StoredResourceV1> RemainingResources,
    [property: JsonPropertyName("versionInfo")] StoredVersionInfoV1? VersionInfo,
    [property: JsonPropertyName("attributes")] IReadOnlyList<StoredAttributeV1> Attributes,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("platformDevices")] IReadOnlyList<StoredPlatformDeviceV1> PlatformDevices);

public sealed record StoredContainerInstanceDeregisteredV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("forced")] bool Forced);

public sealed record StoredContainerInstanceStateChangedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("status")] string Status);

public sealed record StoredContainerInstanceAttributesPutV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("attributes")] IReadOnlyList<StoredAttributeV1> Attributes);

public sealed record StoredContainerInstanceAttributesDeletedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("names")] IReadOnlyList<string> Names);

public sealed record StoredContainerInstanceTaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags);

public sealed record StoredContainerInstanceUntaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string> TagKeys);

/// <summary>task-placed.v1: only read, through the upcaster to <see cref="StoredTaskPlacedV2"/>.</summary>
public sealed record StoredTaskPlacedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("task")] StoredTaskV1 Task,
    [property: JsonPropertyName("placement")] StoredPlacementRecordV1 Placement);

/// <param name="RemainingResources">The instance's remaining resources after the placement; null when written before
/// they were recorded (every v1 event), which the domain's Apply handles.</param>
public sealed record StoredTaskPlacedV2(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("task")] StoredTaskV1 Task,
    [property: JsonPropertyName("placement")] StoredPlacementRecordV2 Placement,
    [property: JsonPropertyName("remainingResources")] IReadOnlyList<StoredResourceV1>? RemainingResources)
{
    /// <summary>v1 -> v2: v1 recorded neither the remaining resources nor the chosen instance's version; both stay absent.</summary>
    public static StoredTaskPlacedV2 FromV1(StoredTaskPlacedV1 v1) => new(v1.Metadata, v1.Task, StoredPlacementRecordV2.FromV1(v1.Placement), null);
}

public sealed record StoredTaskStopRequestedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("stopCode")] string StopCode,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>task-state-changed.v1: only read, through the upcaster to <see cref="StoredTaskStateChangedV2"/>.</summary>
public sealed record StoredTaskStateChangedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("task")] StoredTaskV1 Task);

/// <param name="RemainingResources">The instance's remaining resources after the change; null when written before they
/// were recorded (every v1 event), which the domain's Apply handles.</param>
public sealed record StoredTaskStateChangedV2(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("progress")] StoredTaskProgressV1 Progress,
    [property: JsonPropertyName("remainingResources")] IReadOnlyList<StoredResourceV1>? RemainingResources)
{
    /// <summary>
    /// v1 -> v2: v1 stored the whole task (its definition again, each step); v2 keeps what changed. v1 did not record
    /// the remaining resources; they stay absent.
    /// </summary>
    public static StoredTaskStateChangedV2 FromV1(StoredTaskStateChangedV1 v1) => new(v1.Metadata, StoredTaskProgressV1.FromTask(v1.Task), null);
}

/// <summary>What a task state change records of the task: its lifecycle, containers and times.</summary>
public sealed record StoredTaskProgressV1(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("lastStatus")] string LastStatus,
    [property: JsonPropertyName("desiredStatus")] string DesiredStatus,
    [property: JsonPropertyName("containers")] IReadOnlyList<StoredTaskContainerV1> Containers,
    [property: JsonPropertyName("pullStartedAt")] DateTimeOffset? PullStartedAt,
    [property: JsonPropertyName("pullStoppedAt")] DateTimeOffset? PullStoppedAt,
    [property: JsonPropertyName("startedAt")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("stoppingAt")] DateTimeOffset? StoppingAt,
    [property: JsonPropertyName("stoppedAt")] DateTimeOffset? StoppedAt,
    [property: JsonPropertyName("executionStoppedAt")] DateTimeOffset? ExecutionStoppedAt,
    [property: JsonPropertyName("stopCode")] string? StopCode,
    [property: JsonPropertyName("stoppedReason")] string? StoppedReason,
    [property: JsonPropertyName("healthStatus")] string HealthStatus,
    [property: JsonPropertyName("version")] long Version)
{
    public static StoredTaskProgressV1 From(TaskProgress p) => new(
        p.TaskId, Stored.EnumName(p.LastStatus), Stored.EnumName(p.DesiredStatus), Stored.List(p.Containers, StoredTaskContainerV1.From), p.PullStartedAt,
        p.PullStoppedAt, p.StartedAt, p.StoppingAt, p.StoppedAt, p.ExecutionStoppedAt, Stored.EnumName(p.StopCode), p.StoppedReason, p.HealthStatus, p.Version);

    public static StoredTaskProgressV1 FromTask(StoredTaskV1 t) => new(
        t.TaskId, t.LastStatus, t.DesiredStatus, t.Containers, t.PullStartedAt, t.PullStoppedAt, t.StartedAt, t.StoppingAt, t.StoppedAt,
        t.ExecutionStoppedAt, t.StopCode, t.StoppedReason, t.HealthStatus, t.Version);

    public TaskProgress ToDomain() => new()
    {
        TaskId = TaskId,
        LastStatus = Stored.ParseEnum<TaskLifecycleStatus>(LastStatus),
        DesiredStatus = Stored.ParseEnum<TaskLifecycleStatus>(DesiredStatus),
        Containers = Stored.List(Containers, c => c.ToDomain()),
        PullStartedAt = PullStartedAt,
        PullStoppedAt = PullStoppedAt,
        StartedAt = StartedAt,
        StoppingAt = StoppingAt,
        StoppedAt = StoppedAt,
        ExecutionStoppedAt = ExecutionStoppedAt,
        StopCode = Stored.ParseEnumOrNull<TaskStopCode>(StopCode),
        StoppedReason = StoppedReason,
        HealthStatus = HealthStatus,
        Version = Version,
    };
}

public sealed record StoredTasksForgottenV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("taskIds")] IReadOnlyList<string> TaskIds);

public sealed record StoredTaskTaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags);

public sealed record StoredTaskUntaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string> TagKeys);

public sealed record StoredAgentConnectedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata);

public sealed record StoredAgentDisconnectedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("lastSeenAt")] DateTimeOffset LastSeenAt);

// Nested values: the instance

public sealed record StoredResourceV1(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("doubleValue")] double? DoubleValue,
    [property: JsonPropertyName("longValue")] long? LongValue,
    [property: JsonPropertyName("integerValue")] int? IntegerValue,
    [property: JsonPropertyName("stringSetValue")] IReadOnlyList<string>? StringSetValue)
{
    public static StoredResourceV1 From(Resource r) => new(r.Name, r.Type, r.DoubleValue, r.LongValue, r.IntegerValue, Stored.ListOrNull(r.StringSetValue));

    public Resource ToDomain() => new(Name, Type, DoubleValue, LongValue, IntegerValue, Stored.ListOrNull(StringSetValue));
}

public sealed record StoredAttributeV1(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("targetType")] string? TargetType,
    [property: JsonPropertyName("targetId")] string? TargetId)
{
    public static StoredAttributeV1 From(Attribute a) => new(a.Name, a.Value, a.TargetType, a.TargetId);

    public Attribute ToDomain() => new(Name, Value, TargetType, TargetId);
}

public sealed record StoredVersionInfoV1(
    [property: JsonPropertyName("agentVersion")] string? AgentVersion,
    [property: JsonPropertyName("agentHash")] string? AgentHash,
    [property: JsonPropertyName("dockerVersion")] string? DockerVersion)
{
    public static StoredVersionInfoV1? FromOrNull(VersionInfo? v) => v is null ? null : new(v.AgentVersion, v.AgentHash, v.DockerVersion);

    public VersionInfo ToDomain() => new(AgentVersion, AgentHash, DockerVersion);
}

public sealed record StoredPlatformDeviceV1(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type)
{
    public static StoredPlatformDeviceV1 From(PlatformDevice d) => new(d.Id, d.Type);

    public PlatformDevice ToDomain() => new(Id, Type);
}

// Nested values: a task

public sealed record StoredTaskV1(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("clusterName")] string ClusterName,
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId,
    [property: JsonPropertyName("taskDefinition")] StoredTaskDefinitionRevisionV1 TaskDefinition,
    [property: JsonPropertyName("overrides")] StoredTaskOverrideV1? Overrides,
    [property: JsonPropertyName("group")] string? Group,
    [property: JsonPropertyName("startedBy")] string? StartedBy,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("lastStatus")] string LastStatus,
    [property: JsonPropertyName("desiredStatus")] string DesiredStatus,
    [property: JsonPropertyName("containers")] IReadOnlyList<StoredTaskContainerV1> Containers,
    [property: JsonPropertyName("reserved")] StoredResourceDemandV1 Reserved,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("pullStartedAt")] DateTimeOffset? PullStartedAt,
    [property: JsonPropertyName("pullStoppedAt")] DateTimeOffset? PullStoppedAt,
    [property: JsonPropertyName("startedAt")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("stoppingAt")] DateTimeOffset? StoppingAt,
    [property: JsonPropertyName("stoppedAt")] DateTimeOffset? StoppedAt,
    [property: JsonPropertyName("executionStoppedAt")] DateTimeOffset? ExecutionStoppedAt,
    [property: JsonPropertyName("stopCode")] string? StopCode,
    [property: JsonPropertyName("stoppedReason")] string? StoppedReason,
    [property: JsonPropertyName("healthStatus")] string HealthStatus,
    [property: JsonPropertyName("version")] long Version)
{
    public static StoredTaskV1 From(TaskState t) => new(
        t.TaskId, t.ClusterName, t.ContainerInstanceId, StoredTaskDefinitionRevisionV1.From(t.TaskDefinition), StoredTaskOverrideV1.FromOrNull(t.Overrides),
        t.Group, t.StartedBy, Stored.List(t.Tags, StoredTagV1.From), Stored.EnumName(t.LastStatus), Stored.EnumName(t.DesiredStatus),
        Stored.List(t.Containers, StoredTaskContainerV1.From), StoredResourceDemandV1.From(t.Reserved), t.CreatedAt, t.PullStartedAt, t.PullStoppedAt,
        t.StartedAt, t.StoppingAt, t.StoppedAt, t.ExecutionStoppedAt, Stored.EnumName(t.StopCode), t.StoppedReason, t.HealthStatus, t.Version);

    public TaskState ToDomain() => new()
    {
        TaskId = TaskId,
        ClusterName = ClusterName,
        ContainerInstanceId = ContainerInstanceId,
        TaskDefinition = TaskDefinition.ToDomain(),
        Overrides = Overrides?.ToDomain(),
        Group = Group,
        StartedBy = StartedBy,
        Tags = Stored.List(Tags, t => t.ToDomain()),
        LastStatus = Stored.ParseEnum<TaskLifecycleStatus>(LastStatus),
        DesiredStatus = Stored.ParseEnum<TaskLifecycleStatus>(DesiredStatus),
        Containers = Stored.List(Containers, c => c.ToDomain()),
        Reserved = Reserved.ToDomain(),
        CreatedAt = CreatedAt,
        PullStartedAt = PullStartedAt,
        PullStoppedAt = PullStoppedAt,
        StartedAt = StartedAt,
        StoppingAt = StoppingAt,
        StoppedAt = StoppedAt,
        ExecutionStoppedAt = ExecutionStoppedAt,
        StopCode = Stored.ParseEnumOrNull<TaskStopCode>(StopCode),
        StoppedReason = StoppedReason,
        HealthStatus = HealthStatus,
        Version = Version,
    };
}

public sealed record StoredTaskOverrideV1(
    [property: JsonPropertyName("containerOverrides")] IReadOnlyList<StoredContainerOverrideV1>? ContainerOverrides,
    [property: JsonPropertyName("cpu")] string? Cpu,
    [property: JsonPropertyName("memory")] string? Memory,
    [property: JsonPropertyName("taskRoleArn")] string? TaskRoleArn,
    [property: JsonPropertyName("executionRoleArn")] string? ExecutionRoleArn,
    [property: JsonPropertyName("ephemeralStorage")] StoredEphemeralStorageV1? EphemeralStorage)
{
    public static StoredTaskOverrideV1? FromOrNull(TaskOverride? o) => o is null
        ? null
        : new(Stored.ListOrNull(o.ContainerOverrides, StoredContainerOverrideV1.From), o.Cpu, o.Memory, o.TaskRoleArn, o.ExecutionRoleArn,
            o.EphemeralStorage is { } storage ? new StoredEphemeralStorageV1(storage.SizeInGiB) : null);

    public TaskOverride ToDomain() => new()
    {
        ContainerOverrides = Stored.ListOrNull(ContainerOverrides, c => c.ToDomain()),
        Cpu = Cpu,
        Memory = Memory,
        TaskRoleArn = TaskRoleArn,
        ExecutionRoleArn = ExecutionRoleArn,
        EphemeralStorage = EphemeralStorage is { } storage ? new EphemeralStorage { SizeInGiB = storage.SizeInGiB } : null,
    };
}

public sealed record StoredContainerOverrideV1(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("command")] IReadOnlyList<string>? Command,
    [property: JsonPropertyName("environment")] IReadOnlyList<StoredNameValueV1>? Environment,
    [property: JsonPropertyName("environmentFiles")] IReadOnlyList<StoredEnvironmentFileV1>? EnvironmentFiles,
    [property: JsonPropertyName("cpu")] int? Cpu,
    [property: JsonPropertyName("memory")] int? Memory,
    [property: JsonPropertyName("memoryReservation")] int? MemoryReservation,
    [property: JsonPropertyName("resourceRequirements")] IReadOnlyList<StoredResourceRequirementV1>? ResourceRequirements)
{
    public static StoredContainerOverrideV1 From(ContainerOverride o) => new(
        o.Name, Stored.ListOrNull(o.Command), Stored.ListOrNull(o.Environment, e => new StoredNameValueV1(e.Name, e.Value)),
        Stored.ListOrNull(o.EnvironmentFiles, f => new StoredEnvironmentFileV1(f.Value, f.Type)), o.Cpu, o.Memory, o.MemoryReservation,
        Stored.ListOrNull(o.ResourceRequirements, r => new StoredResourceRequirementV1(r.Value, r.Type)));

    public ContainerOverride ToDomain() => new()
    {
        Name = Name,
        Command = Stored.ListOrNull(Command),
        Environment = Stored.ListOrNull(Environment, e => new KeyValuePair { Name = e.Name, Value = e.Value }),
        EnvironmentFiles = Stored.ListOrNull(EnvironmentFiles, f => new EnvironmentFile { Value = f.Value, Type = f.Type }),
        Cpu = Cpu,
        Memory = Memory,
        MemoryReservation = MemoryReservation,
        ResourceRequirements = Stored.ListOrNull(ResourceRequirements, r => new ResourceRequirement { Value = r.Value, Type = r.Type }),
    };
}

public sealed record StoredNameValueV1(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("value")] string? Value);

public sealed record StoredEnvironmentFileV1(
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("type")] string? Type);

public sealed record StoredResourceRequirementV1(
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("type")] string? Type);

public sealed record StoredEphemeralStorageV1(
    [property: JsonPropertyName("sizeInGiB")] int SizeInGiB);

public sealed record StoredTaskContainerV1(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("containerId")] string ContainerId,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("imageDigest")] string? ImageDigest,
    [property: JsonPropertyName("runtimeId")] string? RuntimeId,
    [property: JsonPropertyName("lastStatus")] string LastStatus,
    [property: JsonPropertyName("exitCode")] int? ExitCode,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("networkBindings")] IReadOnlyList<StoredNetworkBindingV1> NetworkBindings,
    [property: JsonPropertyName("healthStatus")] string HealthStatus,
    [property: JsonPropertyName("essential")] bool Essential,
    [property: JsonPropertyName("cpu")] string? Cpu,
    [property: JsonPropertyName("memory")] string? Memory,
    [property: JsonPropertyName("memoryReservation")] string? MemoryReservation)
{
    public static StoredTaskContainerV1 From(TaskContainer c) => new(
        c.Name, c.ContainerId, c.Image, c.ImageDigest, c.RuntimeId, c.LastStatus, c.ExitCode, c.Reason,
        Stored.List(c.NetworkBindings, b => new StoredNetworkBindingV1(b.BindIP, b.ContainerPort, b.HostPort, b.Protocol)),
        c.HealthStatus, c.Essential, c.Cpu, c.Memory, c.MemoryReservation);

    public TaskContainer ToDomain() => new()
    {
        Name = Name,
        ContainerId = ContainerId,
        Image = Image,
        ImageDigest = ImageDigest,
        RuntimeId = RuntimeId,
        LastStatus = LastStatus,
        ExitCode = ExitCode,
        Reason = Reason,
        NetworkBindings = Stored.List(NetworkBindings, b => new NetworkBinding(b.BindIP, b.ContainerPort, b.HostPort, b.Protocol)),
        HealthStatus = HealthStatus,
        Essential = Essential,
        Cpu = Cpu,
        Memory = Memory,
        MemoryReservation = MemoryReservation,
    };
}

public sealed record StoredNetworkBindingV1(
    [property: JsonPropertyName("bindIP")] string? BindIP,
    [property: JsonPropertyName("containerPort")] int? ContainerPort,
    [property: JsonPropertyName("hostPort")] int? HostPort,
    [property: JsonPropertyName("protocol")] string? Protocol);

public sealed record StoredResourceDemandV1(
    [property: JsonPropertyName("cpu")] int Cpu,
    [property: JsonPropertyName("memory")] int Memory,
    [property: JsonPropertyName("ports")] IReadOnlyList<int> Ports,
    [property: JsonPropertyName("udpPorts")] IReadOnlyList<int> UdpPorts)
{
    public static StoredResourceDemandV1 From(ResourceDemand d) => new(d.Cpu, d.Memory, Stored.List(d.Ports), Stored.List(d.UdpPorts));

    public ResourceDemand ToDomain() => new(Cpu, Memory, Stored.List(Ports), Stored.List(UdpPorts));
}

// Nested values: why a task landed where it did

public sealed record StoredPlacementRecordV1(
    [property: JsonPropertyName("chosenContainerInstanceId")] string ChosenContainerInstanceId,
    [property: JsonPropertyName("chosenBy")] string ChosenBy,
    [property: JsonPropertyName("strategies")] IReadOnlyList<StoredPlacementStrategyV1> Strategies,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("candidateCount")] int CandidateCount,
    [property: JsonPropertyName("accepted")] IReadOnlyList<StoredCandidateVerdictV1> Accepted,
    [property: JsonPropertyName("rejected")] IReadOnlyList<StoredRejectedCandidatesV1> Rejected)
{
    public static StoredPlacementRecordV1 From(PlacementRecord p) => new(
        p.ChosenContainerInstanceId, p.ChosenBy, Stored.List(p.Strategies, s => new StoredPlacementStrategyV1(s.Type, s.Field)), p.Seed, p.CandidateCount,
        Stored.List(p.Accepted, StoredCandidateVerdictV1.From),
        Stored.List(p.Rejected, r => new StoredRejectedCandidatesV1(r.Reason, r.Detail, r.Count, Stored.List(r.ContainerInstanceIds))));

    public PlacementRecord ToDomain() => new(
        ChosenContainerInstanceId, ChosenBy, Stored.List(Strategies, s => new PlacementStrategy(s.Type, s.Field)), Seed, CandidateCount,
        Stored.List(Accepted, a => a.ToDomain()),
        Stored.List(Rejected, r => new RejectedCandidates(r.Reason, r.Detail, r.Count, Stored.List(r.ContainerInstanceIds))));
}

/// <summary>
/// <see cref="StoredPlacementRecordV1"/> and the version of the chosen instance the decision was made against (null for
/// StartTask and for records written before it was recorded).
/// </summary>
public sealed record StoredPlacementRecordV2(
    [property: JsonPropertyName("chosenContainerInstanceId")] string ChosenContainerInstanceId,
    [property: JsonPropertyName("chosenInstanceVersion")] long? ChosenInstanceVersion,
    [property: JsonPropertyName("chosenBy")] string ChosenBy,
    [property: JsonPropertyName("strategies")] IReadOnlyList<StoredPlacementStrategyV1> Strategies,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("candidateCount")] int CandidateCount,
    [property: JsonPropertyName("accepted")] IReadOnlyList<StoredCandidateVerdictV1> Accepted,
    [property: JsonPropertyName("rejected")] IReadOnlyList<StoredRejectedCandidatesV1> Rejected)
{
    public static StoredPlacementRecordV2 From(PlacementRecord p) => new(
        p.ChosenContainerInstanceId, p.ChosenInstanceVersion, p.ChosenBy, Stored.List(p.Strategies, StoredPlacementStrategyV1.From), p.Seed,
        p.CandidateCount, Stored.List(p.Accepted, StoredCandidateVerdictV1.From),
        Stored.List(p.Rejected, r => new StoredRejectedCandidatesV1(r.Reason, r.Detail, r.Count, Stored.List(r.ContainerInstanceIds))));

    public static StoredPlacementRecordV2 FromV1(StoredPlacementRecordV1 v1) => new(
        v1.ChosenContainerInstanceId, null, v1.ChosenBy, v1.Strategies, v1.Seed, v1.CandidateCount, v1.Accepted, v1.Rejected);

    public PlacementRecord ToDomain() => new(
        ChosenContainerInstanceId, ChosenBy, Stored.List(Strategies, s => s.ToDomain()), Seed, CandidateCount,
        Stored.List(Accepted, a => a.ToDomain()),
        Stored.List(Rejected, r => new RejectedCandidates(r.Reason, r.Detail, r.Count, Stored.List(r.ContainerInstanceIds))))
    {
        ChosenInstanceVersion = ChosenInstanceVersion,
    };
}

public sealed record StoredPlacementStrategyV1(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("field")] string? Field)
{
    public static StoredPlacementStrategyV1 From(PlacementStrategy s) => new(s.Type, s.Field);

    public PlacementStrategy ToDomain() => new(Type, Field);
}

public sealed record StoredPlacementConstraintV1(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("expression")] string? Expression)
{
    public static StoredPlacementConstraintV1 From(PlacementConstraint c) => new(c.Type, c.Expression);

    public PlacementConstraint ToDomain() => new(Type, Expression);
}

public sealed record StoredCandidateVerdictV1(
    [property: JsonPropertyName("containerInstanceId")] string ContainerInstanceId,
    [property: JsonPropertyName("accepted")] bool Accepted,
    [property: JsonPropertyName("rejection")] string? Rejection,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("scores")] IReadOnlyList<StoredStrategyScoreV1> Scores)
{
    public static StoredCandidateVerdictV1 From(CandidateVerdict v) => new(
        v.ContainerInstanceId, v.Accepted, Stored.EnumName(v.Rejection), v.Reason, v.Detail,
        Stored.List(v.Scores, s => new StoredStrategyScoreV1(s.Strategy, s.Value, s.Meaning)));

    public CandidateVerdict ToDomain() => new(
        ContainerInstanceId, Accepted, Stored.ParseEnumOrNull<Rejection>(Rejection), Reason, Detail,
        Stored.List(Scores, s => new StrategyScore(s.Strategy, s.Value, s.Meaning)));
}

public sealed record StoredStrategyScoreV1(
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("value")] long Value,
    [property: JsonPropertyName("meaning")] string Meaning);

public sealed record StoredRejectedCandidatesV1(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("containerInstanceIds")] IReadOnlyList<string> ContainerInstanceIds);
