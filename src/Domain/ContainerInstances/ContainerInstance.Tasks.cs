using System.Collections.Immutable;
using Actors.Domain.Common;
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
        ReportAgentState report => DecideReport(state, report),
        MarkAgentDisconnected disconnected => state.AgentConnected
            ? Decision<IContainerInstanceEvent>.Accept(new AgentDisconnected(
                disconnected.Context.Because($"no heartbeat from the agent since {disconnected.LastSeenAt:O}"), disconnected.LastSeenAt))
            : Decision<IContainerInstanceEvent>.Unchanged,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Not a task command."),
    };

    private static Decision<IContainerInstanceEvent> DecidePlace(ContainerInstanceState state, PlaceTask command)
    {
        if (state.Tasks.ContainsKey(command.Task.TaskId)) return Decision<IContainerInstanceEvent>.Unchanged;
        if (state.Status != ContainerInstanceStatus.ACTIVE)
            return DomainError.Client(state.Status == ContainerInstanceStatus.DRAINING ? "INACTIVE" : "MISSING");
        if (!state.AgentConnected) return DomainError.Client("AGENT");
        if (ResourceLedger.Reserve(state, command.Task.Reserved).FailureReason is { } shortage) return DomainError.Client(shortage);
        var task = command.Task with { LastStatus = TaskLifecycleStatus.PROVISIONING, DesiredStatus = TaskLifecycleStatus.RUNNING };
        return Decision<IContainerInstanceEvent>.Accept(new TaskPlaced(
            command.Context.Because($"placed task {task.TaskId} of {task.TaskDefinition.Family}:{task.TaskDefinition.Revision}: {command.Placement.ChosenBy}"),
            task, command.Placement));
    }

    private static Decision<IContainerInstanceEvent> DecideStop(ContainerInstanceState state, StopTask command)
    {
        if (!state.Tasks.TryGetValue(command.TaskId, out var task)) return DomainError.InvalidParameter(TaskNotFoundMessage);
        if (task.DesiredStatus == TaskLifecycleStatus.STOPPED) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new TaskStopRequested(
            command.Context.Because($"stop of task {task.TaskId} requested ({command.StopCode}): {command.Reason}"), command.TaskId, command.StopCode,
            command.Reason));
    }

    private static Decision<IContainerInstanceEvent> DecideReport(ContainerInstanceState state, ReportAgentState command)
    {
        if (!state.IsRegistered) return DomainError.Client($"Container instance {state.InstanceId} is not registered.");
        var events = new List<IContainerInstanceEvent>();
        if (!state.AgentConnected) events.Add(new AgentConnected(command.Context.Because("the agent synced")));
        var reports = command.Tasks.ToDictionary(t => t.TaskId);
        foreach (var task in state.Tasks.Values.Where(TaskLifecycle.IsActive).OrderBy(t => t.TaskId, StringComparer.Ordinal))
        {
            var folded = TaskLifecycle.Fold(task, reports.GetValueOrDefault(task.TaskId), command.Context.At);
            if (TaskLifecycle.Differs(task, folded))
                events.Add(new TaskStateChanged(
                    command.Context.Because($"the agent reported task {task.TaskId} {folded.LastStatus}"
                                            + (folded.StoppedReason is { } why && folded.LastStatus == TaskLifecycleStatus.STOPPED ? $": {why}" : "")),
                    folded with { Version = task.Version + 1 }));
        }
        return Decision<IContainerInstanceEvent>.Accept(events);
    }

    public const string DeregisteredWithForceReason = "The container instance was deregistered with force";

    private static IEnumerable<IContainerInstanceEvent> StopTasksOfDeregisteredInstance(ContainerInstanceState state, RequestContext context) =>
        state.Tasks.Values.Where(TaskLifecycle.IsActive).OrderBy(t => t.TaskId, StringComparer.Ordinal).Select(task =>
            new TaskStateChanged(context.Because($"task {task.TaskId} stopped: its container instance was deregistered with force"),
                TaskLifecycle.Abandon(task, DeregisteredWithForceReason, context.At)));

    private static ContainerInstanceState ApplyTask(ContainerInstanceState state, ITaskEvent @event) => @event switch
    {
        TaskPlaced placed => WithTasks(state with
        {
            RemainingResources = ResourceLedger.Reserve(state, placed.Task.Reserved).Remaining ?? state.RemainingResources,
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
        TaskStateChanged changed => ApplyTaskChange(state, state.Tasks[changed.Task.TaskId], changed.Task),
        AgentConnected connected => state with { AgentConnected = true, LastHeartbeatAt = connected.Metadata.At },
        AgentDisconnected disconnected => state with { AgentConnected = false, LastHeartbeatAt = disconnected.LastSeenAt },
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Not a task event."),
    };

    /// <summary>A stopped task gives its resources back, once; a change of what the agent should do moves the desired version.</summary>
    private static ContainerInstanceState ApplyTaskChange(ContainerInstanceState state, TaskState before, TaskState after)
    {
        var stoppedNow = before.LastStatus != TaskLifecycleStatus.STOPPED && after.LastStatus == TaskLifecycleStatus.STOPPED;
        var desiredChanged = stoppedNow || before.DesiredStatus != after.DesiredStatus;
        return WithTasks(state with
        {
            RemainingResources = stoppedNow ? ResourceLedger.Release(state, before.Reserved) : state.RemainingResources,
            DesiredVersion = desiredChanged ? state.DesiredVersion + 1 : state.DesiredVersion,
        }, state.Tasks.SetItem(after.TaskId, after));
    }

    private static ContainerInstanceState WithTasks(ContainerInstanceState state, ImmutableDictionary<string, TaskState> tasks) => state with
    {
        Tasks = tasks,
        RunningTasksCount = tasks.Values.Count(t => t.LastStatus == TaskLifecycleStatus.RUNNING),
        PendingTasksCount = tasks.Values.Count(t => t.LastStatus is not (TaskLifecycleStatus.RUNNING or TaskLifecycleStatus.STOPPED)),
    };
}

/// <summary>What the agent of an instance should do: the tasks to run and the tasks to stop; anything else it holds goes.</summary>
public sealed record ContainerInstanceDesiredState(IReadOnlyList<TaskState> Run, IReadOnlyList<string> Stop)
{
    public static ContainerInstanceDesiredState Of(ContainerInstanceState state) => new(
        [.. state.Tasks.Values.Where(t => TaskLifecycle.IsActive(t) && t.DesiredStatus == TaskLifecycleStatus.RUNNING).OrderBy(t => t.TaskId, StringComparer.Ordinal)],
        [.. state.Tasks.Values.Where(t => TaskLifecycle.IsActive(t) && t.DesiredStatus == TaskLifecycleStatus.STOPPED).Select(t => t.TaskId).Order(StringComparer.Ordinal)]);
}
