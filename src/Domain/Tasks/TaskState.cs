using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tasks;

/// <summary>ECS's task lifecycle; a task's desired status is RUNNING or STOPPED. Member names are ECS's strings.</summary>
public enum TaskLifecycleStatus { PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED }

/// <summary>Why a task stopped, as ECS's <c>stopCode</c>.</summary>
public enum TaskStopCode { TaskFailedToStart, EssentialContainerExited, UserInitiated, ServiceSchedulerInitiated }

public sealed record ContainerOverride
{
    public string? Name { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<TaskDefinitions.KeyValuePair>? Environment { get; init; }
    public IReadOnlyList<EnvironmentFile>? EnvironmentFiles { get; init; }
    public int? Cpu { get; init; }
    public int? Memory { get; init; }
    public int? MemoryReservation { get; init; }
    public IReadOnlyList<ResourceRequirement>? ResourceRequirements { get; init; }
}

public sealed record TaskOverride
{
    public IReadOnlyList<ContainerOverride>? ContainerOverrides { get; init; }
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public string? TaskRoleArn { get; init; }
    public string? ExecutionRoleArn { get; init; }
    public EphemeralStorage? EphemeralStorage { get; init; }
}

public sealed record NetworkBinding(string? BindIP, int? ContainerPort, int? HostPort, string? Protocol);

/// <summary>One container of a task as ECS describes it (the <c>Container</c> shape).</summary>
public sealed record TaskContainer
{
    public required string Name { get; init; }
    /// <summary>Stable id of this container within the task; ECS's containerArn ends with it.</summary>
    public required string ContainerId { get; init; }
    public string? Image { get; init; }
    public string? ImageDigest { get; init; }
    /// <summary>The Docker container id, once created.</summary>
    public string? RuntimeId { get; init; }
    /// <summary>PENDING, RUNNING or STOPPED.</summary>
    public string LastStatus { get; init; } = "PENDING";
    public int? ExitCode { get; init; }
    public string? Reason { get; init; }
    public ImmutableList<NetworkBinding> NetworkBindings { get; init; } = [];
    /// <summary>HEALTHY, UNHEALTHY or UNKNOWN.</summary>
    public string HealthStatus { get; init; } = "UNKNOWN";
    public bool Essential { get; init; } = true;
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public string? MemoryReservation { get; init; }
}

/// <summary>
/// One task, held by the container instance it was placed on (tasks live inside the instance aggregate so a placement,
/// its reservation and the agent's reports are decided in one place).
/// </summary>
public sealed record TaskState
{
    public required string TaskId { get; init; }
    public required string ClusterName { get; init; }
    public required string ContainerInstanceId { get; init; }
    /// <summary>The revision as it was when the task was placed: what the agent runs, whatever happens to the family later.</summary>
    public required TaskDefinitionRevision TaskDefinition { get; init; }
    public TaskOverride? Overrides { get; init; }
    public string? Group { get; init; }
    public string? StartedBy { get; init; }
    public ImmutableList<Tag> Tags { get; init; } = [];
    public TaskLifecycleStatus LastStatus { get; init; } = TaskLifecycleStatus.PROVISIONING;
    public TaskLifecycleStatus DesiredStatus { get; init; } = TaskLifecycleStatus.RUNNING;
    public required ImmutableList<TaskContainer> Containers { get; init; }
    /// <summary>What the task holds of its instance's CPU, memory and ports until it stops.</summary>
    public required ResourceDemand Reserved { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? PullStartedAt { get; init; }
    public DateTimeOffset? PullStoppedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? StoppingAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? ExecutionStoppedAt { get; init; }
    public TaskStopCode? StopCode { get; init; }
    public string? StoppedReason { get; init; }
    /// <summary>HEALTHY, UNHEALTHY or UNKNOWN, from the essential containers' health checks.</summary>
    public string HealthStatus { get; init; } = "UNKNOWN";
    /// <summary>ECS's <c>version</c>: incremented by every change of the task.</summary>
    public long Version { get; init; } = 1;
}
