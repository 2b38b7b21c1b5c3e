using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tasks;

/// <summary>
/// How a task moves through ECS's lifecycle, as pure functions: creation from a revision, and the fold of an agent's
/// report (what Docker says) into the task (what ECS says).
/// </summary>
public static class TaskLifecycle
{
    public const string EssentialContainerExitedReason = "Essential container in task exited";
    public const string ContainersGoneReason = "Task containers are no longer on the container instance";

    public static TaskState Create(string taskId, string cluster, string containerInstanceId, TaskDefinitionRevision revision,
        TaskOverride? overrides, string group, string? startedBy, ImmutableList<Common.Tag> tags, ResourceDemand reserved, DateTimeOffset at) => new()
    {
        TaskId = taskId,
        ClusterName = cluster,
        ContainerInstanceId = containerInstanceId,
        TaskDefinition = revision,
        Overrides = overrides,
        Group = group,
        StartedBy = startedBy,
        Tags = tags,
        Reserved = reserved,
        CreatedAt = at,
        Containers = [.. revision.Spec.ContainerDefinitions.Select((definition, index) => new TaskContainer
        {
            Name = definition.Name!,
            // Deterministic per task, so a replayed or retried placement names its containers the same way.
            ContainerId = $"{taskId[..8]}-{index:D4}-{taskId[8..]}",
            Image = definition.Image,
            Essential = definition.Essential ?? true,
            Cpu = (Override(overrides, definition.Name)?.Cpu ?? definition.Cpu)?.ToString(),
            Memory = (Override(overrides, definition.Name)?.Memory ?? definition.Memory)?.ToString(),
            MemoryReservation = (Override(overrides, definition.Name)?.MemoryReservation ?? definition.MemoryReservation)?.ToString(),
        })],
    };

    private static ContainerOverride? Override(TaskOverride? overrides, string? name) =>
        overrides?.ContainerOverrides?.FirstOrDefault(o => o?.Name == name);

    public static bool IsActive(TaskState task) => task.LastStatus != TaskLifecycleStatus.STOPPED;

    /// <summary>
    /// The task after an agent's report (null: the agent does not report it at all). Level-triggered: the same report
    /// twice gives the same task, so a steady agent changes nothing.
    /// </summary>
    public static TaskState Fold(TaskState task, ReportedTask? report, DateTimeOffset now)
    {
        if (!IsActive(task)) return task;
        if (report is null) return Unreported(task, now);
        if (report.FailedToStartReason is { } failure)
            return Stopped(Merge(task, report) with
            {
                DesiredStatus = TaskLifecycleStatus.STOPPED,
                StopCode = task.StopCode ?? TaskStopCode.TaskFailedToStart,
                StoppedReason = task.StoppedReason ?? failure,
                StoppingAt = task.StoppingAt ?? now,
            }, now);

        var merged = Merge(task, report);
        var containers = merged.Containers;
        var created = report.Containers.Count > 0;
        if (created && containers.All(c => c.LastStatus == "STOPPED"))
            return Stopped(StopBecauseEssentialExited(merged, now), now);
        if (containers.Any(c => c.Essential && c.LastStatus == "STOPPED"))
            return StopBecauseEssentialExited(merged, now) with { LastStatus = TaskLifecycleStatus.STOPPING };
        if (merged.DesiredStatus == TaskLifecycleStatus.STOPPED && created)
            return merged with { LastStatus = TaskLifecycleStatus.STOPPING };
        if (created && containers.Where(c => c.Essential).All(c => c.LastStatus == "RUNNING"))
            return SameOr(task, merged with { LastStatus = TaskLifecycleStatus.RUNNING, StartedAt = merged.StartedAt ?? now });
        return SameOr(task, merged with { LastStatus = TaskLifecycleStatus.PENDING });
    }

    /// <summary>The task itself when the fold left it as it was: a steady agent's report then changes (and allocates) nothing.</summary>
    private static TaskState SameOr(TaskState task, TaskState folded) => folded == task ? task : folded;

    /// <summary>
    /// What the report says of each container, and the task's pull times and health; the task itself (the same object)
    /// when the report says nothing new, as a steady agent's reports of its running tasks do at every sync.
    /// </summary>
    private static TaskState Merge(TaskState task, ReportedTask report)
    {
        ImmutableList<TaskContainer>.Builder? changed = null;
        for (var index = 0; index < task.Containers.Count; index++)
        {
            var container = task.Containers[index];
            var reported = ReportOf(report, container.Name);
            if (reported is null || Agrees(container, reported))
            {
                changed?.Add(container);
                continue;
            }
            changed ??= ImmutableList.CreateRange(task.Containers.Take(index)).ToBuilder();
            changed.Add(container with
            {
                RuntimeId = reported.RuntimeId ?? container.RuntimeId,
                ImageDigest = reported.ImageDigest ?? container.ImageDigest,
                LastStatus = reported.Status,
                ExitCode = reported.ExitCode,
                Reason = reported.Reason ?? container.Reason,
                NetworkBindings = reported.NetworkBindings,
                HealthStatus = reported.HealthStatus ?? container.HealthStatus,
            });
        }
        var containers = changed?.ToImmutable() ?? task.Containers;
        var pullStartedAt = task.PullStartedAt ?? report.PullStartedAt;
        var pullStoppedAt = task.PullStoppedAt ?? report.PullStoppedAt;
        var health = Health(containers);
        if (changed is null && pullStartedAt == task.PullStartedAt && pullStoppedAt == task.PullStoppedAt && health == task.HealthStatus) return task;
        return task with { Containers = containers, PullStartedAt = pullStartedAt, PullStoppedAt = pullStoppedAt, HealthStatus = health };
    }

    private static ReportedContainer? ReportOf(ReportedTask report, string name)
    {
        foreach (var reported in report.Containers)
            if (reported.Name == name) return reported;
        return null;
    }

    /// <summary>Whether merging <paramref name="reported"/> would leave <paramref name="container"/> as it is.</summary>
    private static bool Agrees(TaskContainer container, ReportedContainer reported) =>
        (reported.RuntimeId ?? container.RuntimeId) == container.RuntimeId
        && (reported.ImageDigest ?? container.ImageDigest) == container.ImageDigest
        && reported.Status == container.LastStatus
        && reported.ExitCode == container.ExitCode
        && (reported.Reason ?? container.Reason) == container.Reason
        && (reported.HealthStatus ?? container.HealthStatus) == container.HealthStatus
        && reported.NetworkBindings.SequenceEqual(container.NetworkBindings);

    /// <summary>A task's health from its essential containers': any UNHEALTHY, else HEALTHY when all are, else UNKNOWN.</summary>
    private static string Health(ImmutableList<TaskContainer> containers)
    {
        var essentials = 0;
        var healthy = 0;
        foreach (var container in containers)
        {
            if (!container.Essential) continue;
            essentials++;
            if (container.HealthStatus == "UNHEALTHY") return "UNHEALTHY";
            if (container.HealthStatus == "HEALTHY") healthy++;
        }
        return essentials > 0 && healthy == essentials ? "HEALTHY" : "UNKNOWN";
    }

    private static TaskState StopBecauseEssentialExited(TaskState task, DateTimeOffset now) => task.DesiredStatus == TaskLifecycleStatus.STOPPED
        ? task
        : task with
        {
            DesiredStatus = TaskLifecycleStatus.STOPPED,
            StopCode = TaskStopCode.EssentialContainerExited,
            StoppedReason = EssentialContainerExitedReason,
            StoppingAt = now,
        };

    /// <summary>
    /// The agent does not report the task: before it started anything, a task desired STOPPED simply stops; a task
    /// whose containers existed has lost them.
    /// </summary>
    private static TaskState Unreported(TaskState task, DateTimeOffset now)
    {
        var hadContainers = task.Containers.Any(c => c.RuntimeId is not null);
        if (task.DesiredStatus == TaskLifecycleStatus.STOPPED) return Stopped(task, now);
        if (!hadContainers) return task;
        return Stopped(task with
        {
            DesiredStatus = TaskLifecycleStatus.STOPPED,
            StopCode = TaskStopCode.EssentialContainerExited,
            StoppedReason = ContainersGoneReason,
            StoppingAt = now,
        }, now);
    }

    /// <summary>The task is stopped without its agent, which will never report it again.</summary>
    public static TaskState Abandon(TaskState task, string reason, DateTimeOffset now) => Stopped(task with
    {
        StopCode = task.StopCode ?? TaskStopCode.UserInitiated,
        StoppedReason = task.StoppedReason ?? reason,
        Version = task.Version + 1,
    }, now);

    private static TaskState Stopped(TaskState task, DateTimeOffset now) => task with
    {
        LastStatus = TaskLifecycleStatus.STOPPED,
        DesiredStatus = TaskLifecycleStatus.STOPPED,
        Containers = [.. task.Containers.Select(c => c with { LastStatus = "STOPPED" })],
        StoppingAt = task.StoppingAt ?? now,
        StoppedAt = now,
        ExecutionStoppedAt = now,
    };

    /// <summary>Whether two versions of a task differ in anything ECS shows (records with lists compare lists by reference).</summary>
    public static bool Differs(TaskState before, TaskState after) =>
        !ReferenceEquals(before, after)
        && (before with { Containers = [], Tags = [], Version = 0 } != after with { Containers = [], Tags = [], Version = 0 }
            || !before.Containers.SequenceEqual(after.Containers, TaskContainerComparer.Instance));

    private sealed class TaskContainerComparer : IEqualityComparer<TaskContainer>
    {
        public static TaskContainerComparer Instance { get; } = new();

        public bool Equals(TaskContainer? x, TaskContainer? y) =>
            x is not null && y is not null && x with { NetworkBindings = [] } == y with { NetworkBindings = [] }
            && x.NetworkBindings.SequenceEqual(y.NetworkBindings);

        public int GetHashCode(TaskContainer obj) => obj.Name.GetHashCode();
    }
}
