using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Tasks;

namespace Actors.Domain.ContainerInstances;

/// <summary>The tasks of a container instance: placement, stop requests and the agent's reports, decided in one place.</summary>
public sealed partial class ContainerInstance
{
    public const string TaskNotFoundMessage = "The referenced task was not found.";

    private static Decision<IContainerInstanceEvent> DecideTask(ContainerInstanceState state, ITaskCommand command) => command switch
    {
        PlaceTask place => DecidePlace(state, place),
        StopTask stop => DecideStop(state, stop),
        TagTask tag => DecideTagTask(state, tag),
        UntagTask untag => DecideUntagTask(state, untag),
        ReportAgentState report => DecideReport(state, report),
        MarkAgentDisconnected disconnected => state.AgentConnected
            ? Decision<IContainerInstanceEvent>.Accept(new AgentDisconnected(
                disconnected.Context.Because($"no heartbeat from the agent since {disconnected.LastSeenAt:O}"), disconnected.LastSeenAt))
            : Decision<IContainerInstanceEvent>.Unchanged,
        MarkInstanceLost lost => state.AgentConnected
            ? Decision<IContainerInstanceEvent>.Unchanged
            : Decision<IContainerInstanceEvent>.Accept([.. StopAllTasks(state, lost.Context,
                $"Container instance {state.InstanceId} was lost: its agent has been disconnected since {lost.LastSeenAt:O}",
                "its container instance was lost")]),
        ForgetStoppedTasks forget => DecideForget(state, forget),
        _ => DomainError.InvalidParameter($"{command.GetType().Name} is not a task command."),
    };

    private static Decision<IContainerInstanceEvent> DecidePlace(ContainerInstanceState state, PlaceTask command)
    {
        // A placement retried after a crash or a lost reply finds its task already here: done once, answered again.
        if (state.Tasks.ContainsKey(command.Task.TaskId)) return Decision<IContainerInstanceEvent>.Unchanged;
        // Not (or no longer) part of the cluster: the Placer never offers such an instance either.
        if (!state.IsRegistered) return DomainError.Client("MISSING");
        if (Feasibility.Of(command.Task, command.Binding).Check(state, ActiveTaskGroups(state)) is { } unfit) return DomainError.Client(unfit.Reason);
        var task = command.Task with { LastStatus = TaskLifecycleStatus.PROVISIONING, DesiredStatus = TaskLifecycleStatus.RUNNING };
        return Decision<IContainerInstanceEvent>.Accept(new TaskPlaced(
            command.Context.Because($"placed task {task.TaskId} of {task.TaskDefinition.Family}:{task.TaskDefinition.Revision}: {command.Placement.ChosenBy}"),
            task, command.Placement, ResourceLedger.Take(state.RegisteredResources, state.RemainingResources, task.Reserved)));
    }

    /// <summary>The group of every active task here, one entry per task: what placement sees of the instance's tasks.</summary>
    private static List<string> ActiveTaskGroups(ContainerInstanceState state)
    {
        var groups = new List<string>(state.Tasks.Count);
        foreach (var task in state.Tasks.Values)
            if (TaskLifecycle.IsActive(task)) groups.Add(TaskSummary.GroupOf(task));
        return groups;
    }

    private static Decision<IContainerInstanceEvent> DecideStop(ContainerInstanceState state, StopTask command)
    {
        if (!state.Tasks.TryGetValue(command.TaskId, out var task)) return DomainError.InvalidParameter(TaskNotFoundMessage);
        if (task.DesiredStatus == TaskLifecycleStatus.STOPPED) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new TaskStopRequested(
            command.Context.Because($"stop of task {task.TaskId} requested ({command.StopCode}): {command.Reason}"), command.TaskId, command.StopCode,
            command.Reason));
    }

    private static Decision<IContainerInstanceEvent> DecideTagTask(ContainerInstanceState state, TagTask command)
    {
        if (!state.Tasks.TryGetValue(command.TaskId, out var task)) return TaskResourceNotFound(state.ClusterName, command.TaskId);
        if (Tags.ValidateTagging(task.Tags, command.Tags) is { } invalid) return invalid;
        var changed = Tags.Changed(task.Tags, command.Tags);
        if (changed.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new TaskTagged(
            command.Context.Because($"tagged task {task.TaskId} with {string.Join(", ", changed.Select(t => t.Key))}"), task.TaskId, changed));
    }

    private static Decision<IContainerInstanceEvent> DecideUntagTask(ContainerInstanceState state, UntagTask command)
    {
        if (!state.Tasks.TryGetValue(command.TaskId, out var task)) return TaskResourceNotFound(state.ClusterName, command.TaskId);
        if (Tags.ValidateUntagging(command.TagKeys) is { } invalid) return invalid;
        var present = Tags.Present(task.Tags, command.TagKeys);
        if (present.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new TaskUntagged(
            command.Context.Because($"removed tags {string.Join(", ", present)} from task {task.TaskId}"), task.TaskId, present));
    }

    /// <summary>TagResource, UntagResource and ListTagsForResource of a task this cluster does not hold (or no longer: it was forgotten).</summary>
    public static DomainError TaskResourceNotFound(string cluster, string taskId) =>
        new(ErrorCodes.ResourceNotFound, $"The specified resource was not found: task {taskId} in cluster {cluster}.");

    private static Decision<IContainerInstanceEvent> DecideReport(ContainerInstanceState state, ReportAgentState command)
    {
        if (!state.IsRegistered) return DomainError.Client($"Container instance {state.InstanceId} is not registered.");
        if (RefuseOtherAgent(state, command.Context) is { } notItsAgent) return notItsAgent;
        var events = new List<IContainerInstanceEvent>();
        if (!state.AgentConnected) events.Add(new AgentConnected(command.Context.Because("the agent synced")));
        var reports = new Dictionary<string, ReportedTask>(StringComparer.Ordinal);
        foreach (var reported in command.Tasks) reports.TryAdd(reported.TaskId, reported);
        var remaining = state.RemainingResources;
        foreach (var task in state.Tasks.Values.Where(TaskLifecycle.IsActive).OrderBy(t => t.TaskId, StringComparer.Ordinal))
        {
            var folded = TaskLifecycle.Fold(task, reports.GetValueOrDefault(task.TaskId), command.Context.At);
            if (!TaskLifecycle.Differs(task, folded)) continue;
            remaining = AfterChange(state.RegisteredResources, remaining, task, folded);
            events.Add(new TaskStateChanged(
                command.Context.Because($"the agent reported task {task.TaskId} {folded.LastStatus}"
                                        + (folded.StoppedReason is { } why && folded.LastStatus == TaskLifecycleStatus.STOPPED ? $": {why}" : "")),
                TaskProgress.Of(folded with { Version = task.Version + 1 }), remaining));
        }
        return Decision<IContainerInstanceEvent>.Accept(events);
    }

    private static Decision<IContainerInstanceEvent> DecideForget(ContainerInstanceState state, ForgetStoppedTasks command)
    {
        var expired = state.Tasks.Values
            .Where(t => t.LastStatus == TaskLifecycleStatus.STOPPED && (t.StoppedAt ?? t.CreatedAt) < command.StoppedBefore)
            .Select(t => t.TaskId).Order(StringComparer.Ordinal).ToImmutableList();
        if (expired.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new TasksForgotten(
            command.Context.Because($"{expired.Count} task(s) stopped before {command.StoppedBefore:O} left the live state"), expired));
    }

    /// <summary>The remaining resources after a task changed: a task that stopped just now gives its reservation back, once.</summary>
    private static ImmutableList<Resource> AfterChange(ImmutableList<Resource> registered, ImmutableList<Resource> remaining, TaskState before, TaskState after) =>
        IsStoppingNow(before, after) ? ResourceLedger.Release(registered, remaining, before.Reserved) : remaining;

    private static bool IsStoppingNow(TaskState before, TaskState after) =>
        before.LastStatus != TaskLifecycleStatus.STOPPED && after.LastStatus == TaskLifecycleStatus.STOPPED;

    public const string DeregisteredWithForceReason = "The container instance was deregistered with force";

    private static IEnumerable<IContainerInstanceEvent> StopTasksOfDeregisteredInstance(ContainerInstanceState state, RequestContext context) =>
        StopAllTasks(state, context, DeregisteredWithForceReason, "its container instance was deregistered with force");

    /// <summary>Every active task stops at once, its containers presumed gone, with <paramref name="reason"/> as its stoppedReason.</summary>
    private static IEnumerable<IContainerInstanceEvent> StopAllTasks(ContainerInstanceState state, RequestContext context, string reason, string why)
    {
        var remaining = state.RemainingResources;
        foreach (var task in state.Tasks.Values.Where(TaskLifecycle.IsActive).OrderBy(t => t.TaskId, StringComparer.Ordinal))
        {
            var stopped = TaskLifecycle.Abandon(task, reason, context.At);
            remaining = AfterChange(state.RegisteredResources, remaining, task, stopped);
            yield return new TaskStateChanged(context.Because($"task {task.TaskId} stopped: {why}"), TaskProgress.Of(stopped), remaining);
        }
    }

    private static ContainerInstanceState ApplyTask(ContainerInstanceState state, ITaskEvent @event) => @event switch
    {
        TaskPlaced placed => WithTasks(state with
        {
            // Events written before the remaining resources were recorded: derive them as the build that wrote them did.
            RemainingResources = placed.RemainingResources
                                 ?? ResourceLedger.Reserve(state, placed.Task.Reserved).Remaining ?? state.RemainingResources,
            DesiredVersion = state.DesiredVersion + 1,
        }, state.Tasks.SetItem(placed.Task.TaskId, placed.Task)),
        TaskStopRequested stop => WithTasks(state with { DesiredVersion = state.DesiredVersion + 1 }, state.Tasks.SetItem(stop.TaskId,
            state.Tasks[stop.TaskId] with
            {
                DesiredStatus = TaskLifecycleStatus.STOPPED,
                StopCode = stop.StopCode,
                StoppedReason = stop.Reason,
                StoppingAt = stop.Metadata.At,
                Version = state.Tasks[stop.TaskId].Version + 1,
            })),
        TaskStateChanged changed => ApplyTaskChange(state, state.Tasks[changed.Progress.TaskId], changed),
        TaskTagged tagged => WithTaskTags(state, tagged.TaskId, tags => Tags.Merge(tags, tagged.Tags)),
        TaskUntagged untagged => WithTaskTags(state, untagged.TaskId, tags => Tags.Remove(tags, untagged.TagKeys)),
        TasksForgotten forgotten => WithTasks(state, state.Tasks.RemoveRange(forgotten.TaskIds)),
        AgentConnected connected => state with { AgentConnected = true, LastHeartbeatAt = connected.Metadata.At },
        AgentDisconnected disconnected => state with { AgentConnected = false, LastHeartbeatAt = disconnected.LastSeenAt },
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Not a task event."),
    };

    /// <summary>Records the task as the event has it; a change of what the agent should do moves the desired version.</summary>
    private static ContainerInstanceState ApplyTaskChange(ContainerInstanceState state, TaskState before, TaskStateChanged changed)
    {
        var after = changed.Progress.ApplyTo(before);
        var desiredChanged = IsStoppingNow(before, after) || before.DesiredStatus != after.DesiredStatus;
        return WithTasks(state with
        {
            // Events written before the remaining resources were recorded: derive them as the build that wrote them did.
            RemainingResources = changed.RemainingResources ?? AfterChange(state.RegisteredResources, state.RemainingResources, before, after),
            DesiredVersion = desiredChanged ? state.DesiredVersion + 1 : state.DesiredVersion,
        }, state.Tasks.SetItem(after.TaskId, after));
    }

    /// <summary>Tags are no part of a task's lifecycle: neither its version nor what the agent should run changes.</summary>
    private static ContainerInstanceState WithTaskTags(ContainerInstanceState state, string taskId, Func<ImmutableList<Tag>, ImmutableList<Tag>> change) =>
        state with { Tasks = state.Tasks.SetItem(taskId, state.Tasks[taskId] with { Tags = change(state.Tasks[taskId].Tags) }) };

    private static ContainerInstanceState WithTasks(ContainerInstanceState state, ImmutableDictionary<string, TaskState> tasks) => state with
    {
        Tasks = tasks,
        RunningTasksCount = tasks.Values.Count(t => t.LastStatus == TaskLifecycleStatus.RUNNING),
        PendingTasksCount = tasks.Values.Count(t => t.LastStatus is not (TaskLifecycleStatus.RUNNING or TaskLifecycleStatus.STOPPED)),
    };

    /// <summary>The ids of the tasks an event touched, so the entity can tell the scheduler what changed.</summary>
    public static IEnumerable<string> TasksTouchedBy(IContainerInstanceEvent @event) => @event switch
    {
        TaskPlaced e => [e.Task.TaskId],
        TaskStopRequested e => [e.TaskId],
        TaskStateChanged e => [e.Progress.TaskId],
        TasksForgotten e => e.TaskIds,
        _ => [],
    };
}

/// <summary>
/// What the agent of an instance should do: start <see cref="Run"/> (with everything needed to run them), keep running
/// <see cref="Keep"/> (it already runs them, so their definitions are not sent again), stop <see cref="Stop"/>; whatever
/// else it holds goes. <see cref="More"/>: more new tasks wait than one answer carries, so the agent asks again at once.
/// </summary>
public sealed record ContainerInstanceDesiredState(IReadOnlyList<TaskState> Run, IReadOnlyList<string> Keep, IReadOnlyList<string> Stop, bool More)
{
    /// <summary>At most this many task definitions travel in one answer, keeping it far below a remote frame.</summary>
    public const int MaxNewTasksPerAnswer = 10;

    public static ContainerInstanceDesiredState Of(ContainerInstanceState state, IReadOnlySet<string> runningOnAgent)
    {
        var active = state.Tasks.Values.Where(TaskLifecycle.IsActive).OrderBy(t => t.TaskId, StringComparer.Ordinal).ToList();
        var toRun = active.Where(t => t.DesiredStatus == TaskLifecycleStatus.RUNNING).ToList();
        var fresh = toRun.Where(t => !runningOnAgent.Contains(t.TaskId)).ToList();
        return new ContainerInstanceDesiredState(
            [.. fresh.Take(MaxNewTasksPerAnswer)],
            [.. toRun.Where(t => runningOnAgent.Contains(t.TaskId)).Select(t => t.TaskId)],
            [.. active.Where(t => t.DesiredStatus == TaskLifecycleStatus.STOPPED).Select(t => t.TaskId)],
            fresh.Count > MaxNewTasksPerAnswer);
    }
}
