using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Tasks;

namespace Actors.Domain.ContainerInstances;

/// <summary>Commands about the tasks an instance holds and the agent that runs them.</summary>
public interface ITaskCommand : IContainerInstanceCommand;

/// <summary>Takes a placed task: reserves its resources and adds it to what the agent should run.</summary>
/// <param name="Binding">The request's constraints the Placer placed the task with: with the definition's, the instance checks them
/// again (<see cref="Feasibility"/>). Null (StartTask, or a sender from before it was sent) binds only status, agent and resources.</param>
public sealed record PlaceTask(RequestContext Context, TaskState Task, PlacementRecord Placement, PlacementBinding? Binding = null) : ITaskCommand;

public sealed record StopTask(RequestContext Context, string TaskId, TaskStopCode StopCode, string Reason) : ITaskCommand;

/// <summary>TagResource of a task: tags added or overwritten by key (a STOPPED task can be tagged until it is forgotten).</summary>
public sealed record TagTask(RequestContext Context, string TaskId, ImmutableList<Tag> Tags) : ITaskCommand;

/// <summary>UntagResource of a task.</summary>
public sealed record UntagTask(RequestContext Context, string TaskId, ImmutableList<string> TagKeys) : ITaskCommand;

/// <summary>An agent's sync: its whole actual state, and a heartbeat.</summary>
public sealed record ReportAgentState(RequestContext Context, ImmutableList<ReportedTask> Tasks) : ITaskCommand;

/// <summary>The agent's lease ran out (the entity's timer says so; the domain records the transition).</summary>
public sealed record MarkAgentDisconnected(RequestContext Context, DateTimeOffset LastSeenAt) : ITaskCommand;

/// <summary>
/// The agent has stayed disconnected past the lost-instance timeout: its tasks are presumed gone, so they are recorded
/// STOPPED (and services replace them elsewhere). An agent that comes back stops their containers.
/// </summary>
public sealed record MarkInstanceLost(RequestContext Context, DateTimeOffset LastSeenAt) : ITaskCommand;

/// <summary>Drops tasks that stopped before <paramref name="StoppedBefore"/> from the live state (the journal keeps them).</summary>
public sealed record ForgetStoppedTasks(RequestContext Context, DateTimeOffset StoppedBefore) : ITaskCommand;

public interface ITaskEvent : IContainerInstanceEvent;

/// <param name="Placement">Why the task landed here: the audit trail of the placement.</param>
/// <param name="RemainingResources">The instance's remaining resources once the task's reservation was taken (decided, so replay
/// re-runs no rule). Null only in events written before it was recorded.</param>
public sealed record TaskPlaced(EventMetadata Metadata, TaskState Task, PlacementRecord Placement, ImmutableList<Resource>? RemainingResources = null)
    : ITaskEvent;

public sealed record TaskStopRequested(EventMetadata Metadata, string TaskId, TaskStopCode StopCode, string Reason) : ITaskEvent;

/// <summary>Tags added to a task or overwritten by key: only those that changed.</summary>
public sealed record TaskTagged(EventMetadata Metadata, string TaskId, ImmutableList<Tag> Tags) : ITaskEvent;

/// <summary>Tags removed from a task: only keys it had.</summary>
public sealed record TaskUntagged(EventMetadata Metadata, string TaskId, ImmutableList<string> TagKeys) : ITaskEvent;

/// <summary>The task as an agent's report (or a forced stop) left it: status, containers, exit codes, bindings, times.</summary>
/// <param name="Progress">Everything of the task that changed, so replay needs no report; never its definition again.</param>
/// <param name="RemainingResources">The instance's remaining resources after the change (a task that stopped gave its
/// reservation back). Null only in events written before it was recorded.</param>
public sealed record TaskStateChanged(EventMetadata Metadata, TaskProgress Progress, ImmutableList<Resource>? RemainingResources = null) : ITaskEvent;

/// <summary>Stopped tasks past their retention left the live state; they stay in the journal.</summary>
public sealed record TasksForgotten(EventMetadata Metadata, ImmutableList<string> TaskIds) : ITaskEvent;

public sealed record AgentConnected(EventMetadata Metadata) : ITaskEvent;

public sealed record AgentDisconnected(EventMetadata Metadata, DateTimeOffset LastSeenAt) : ITaskEvent;
