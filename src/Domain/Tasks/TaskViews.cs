using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;

namespace Actors.Domain.Tasks;

/// <summary>
/// What a cluster's scheduler keeps of one task: enough to find it by id, list it with ListTasks' filters, count its
/// group for spread and distinctInstance, and forget it after retention. Small on purpose: thousands cross nodes.
/// </summary>
/// <param name="InstanceVersion">The version of the instance whose change last touched this task (orders updates).</param>
/// <param name="HealthStatus">With <paramref name="StartedAt"/> and <paramref name="StopCode"/>: what a service needs to tell healthy tasks and failed starts.</param>
public sealed record TaskSummary(
    string TaskId,
    string Group,
    string Family,
    string? StartedBy,
    TaskLifecycleStatus LastStatus,
    TaskLifecycleStatus DesiredStatus,
    DateTimeOffset? StoppedAt,
    long InstanceVersion,
    string HealthStatus = "UNKNOWN",
    DateTimeOffset? StartedAt = null,
    TaskStopCode? StopCode = null)
{
    public static TaskSummary Of(TaskState task, long instanceVersion) => new(
        task.TaskId, GroupOf(task), task.TaskDefinition.Family, task.StartedBy,
        task.LastStatus, task.DesiredStatus, task.StoppedAt, instanceVersion, task.HealthStatus, task.StartedAt, task.StopCode);

    /// <summary>The group a task counts in for placement: its own, else ECS's default, its family.</summary>
    public static string GroupOf(TaskState task) => task.Group ?? Placement.PlacementRequest.DefaultGroup(task.TaskDefinition.Family);

    /// <summary>Holds resources and counts for its group until it has stopped.</summary>
    public bool IsActive => LastStatus != TaskLifecycleStatus.STOPPED;
}

/// <summary>
/// A task as DescribeTasks, RunTask and StopTask answer it: what it was placed with, without its task definition (only
/// the ARN's family and revision and the task-level cpu/memory), its progress, and the two facts ECS shows of its instance.
/// </summary>
public sealed record TaskDescription
{
    public required string TaskId { get; init; }
    public required string ClusterName { get; init; }
    public required string ContainerInstanceId { get; init; }
    public required string Family { get; init; }
    public required int Revision { get; init; }
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public TaskOverride? Overrides { get; init; }
    public string? Group { get; init; }
    public string? StartedBy { get; init; }
    public ImmutableList<Tag> Tags { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public required TaskProgress Progress { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? CpuArchitecture { get; init; }

    public static TaskDescription Of(TaskState task, ContainerInstanceState instance) => new()
    {
        TaskId = task.TaskId,
        ClusterName = task.ClusterName,
        ContainerInstanceId = task.ContainerInstanceId,
        Family = task.TaskDefinition.Family,
        Revision = task.TaskDefinition.Revision,
        Cpu = task.Overrides?.Cpu ?? task.TaskDefinition.Spec.Cpu,
        Memory = task.Overrides?.Memory ?? task.TaskDefinition.Spec.Memory,
        Overrides = task.Overrides,
        Group = task.Group,
        StartedBy = task.StartedBy,
        Tags = task.Tags,
        CreatedAt = task.CreatedAt,
        Progress = TaskProgress.Of(task),
        AvailabilityZone = instance.AttributeValue("ecs.availability-zone"),
        CpuArchitecture = instance.AttributeValue("ecs.cpu-architecture"),
    };
}

/// <summary>
/// What an agent's report (or a forced stop) changes of a task: its lifecycle, containers and times - never what it
/// was placed with (definition, overrides, group, tags, reservation), which <c>TaskPlaced</c> recorded once.
/// </summary>
public sealed record TaskProgress
{
    public required string TaskId { get; init; }
    public TaskLifecycleStatus LastStatus { get; init; }
    public TaskLifecycleStatus DesiredStatus { get; init; }
    public required ImmutableList<TaskContainer> Containers { get; init; }
    public DateTimeOffset? PullStartedAt { get; init; }
    public DateTimeOffset? PullStoppedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? StoppingAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? ExecutionStoppedAt { get; init; }
    public TaskStopCode? StopCode { get; init; }
    public string? StoppedReason { get; init; }
    public string HealthStatus { get; init; } = "UNKNOWN";
    public long Version { get; init; }

    public static TaskProgress Of(TaskState task) => new()
    {
        TaskId = task.TaskId,
        LastStatus = task.LastStatus,
        DesiredStatus = task.DesiredStatus,
        Containers = task.Containers,
        PullStartedAt = task.PullStartedAt,
        PullStoppedAt = task.PullStoppedAt,
        StartedAt = task.StartedAt,
        StoppingAt = task.StoppingAt,
        StoppedAt = task.StoppedAt,
        ExecutionStoppedAt = task.ExecutionStoppedAt,
        StopCode = task.StopCode,
        StoppedReason = task.StoppedReason,
        HealthStatus = task.HealthStatus,
        Version = task.Version,
    };

    public TaskState ApplyTo(TaskState task) => task with
    {
        LastStatus = LastStatus,
        DesiredStatus = DesiredStatus,
        Containers = Containers,
        PullStartedAt = PullStartedAt,
        PullStoppedAt = PullStoppedAt,
        StartedAt = StartedAt,
        StoppingAt = StoppingAt,
        StoppedAt = StoppedAt,
        ExecutionStoppedAt = ExecutionStoppedAt,
        StopCode = StopCode,
        StoppedReason = StoppedReason,
        HealthStatus = HealthStatus,
        Version = Version,
    };
}
