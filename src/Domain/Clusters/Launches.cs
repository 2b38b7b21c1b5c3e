using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Clusters;

/// <summary>
/// What every task of one launch (a RunTask, a StartTask, a service's step) is made of, and how it is placed: the
/// request's constraints and strategies are kept so that a task refused by its instance is placed again the same way.
/// </summary>
/// <param name="NamedInstances">StartTask: the caller named the instances, so nothing is placed elsewhere.</param>
public sealed record LaunchSpec(
    TaskDefinitionRevision Revision,
    TaskOverride? Overrides,
    string Group,
    string? StartedBy,
    ImmutableList<Tag> Tags,
    ResourceDemand Demand,
    ImmutableList<Placement.PlacementConstraint> Constraints,
    ImmutableList<Placement.PlacementStrategy> Strategies,
    bool NamedInstances);

/// <summary>One task of a launch and the instance chosen for it, with why.</summary>
public sealed record PlannedTask(string TaskId, string ContainerInstanceId, PlacementRecord Placement);

/// <summary>
/// RunTask's <c>Failure</c> as the cluster records it: <paramref name="Target"/> is a container instance id, or the name
/// the caller gave when it named no instance of the cluster.
/// </summary>
public sealed record LaunchFailure(string Target, string Reason, string? Detail);

/// <summary>
/// A launch decided but not yet confirmed by every chosen instance. Recorded before any instance is asked, so that a
/// crash leaves it to be completed, never half done: the scheduler asks the instances again when it restarts.
/// </summary>
/// <param name="Attempts">Placements tried per task; a task refused too often becomes a failure.</param>
public sealed record PendingLaunch(
    string LaunchId,
    RequestContext Requested,
    string? ClientToken,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures,
    ImmutableDictionary<string, int> Attempts);

/// <summary>
/// What a launch ended with: where its tasks went and the failures, answered again to a retry with its clientToken.
/// Why each went where it did is in the plan (and in each TaskPlaced), not repeated here.
/// </summary>
public sealed record LaunchOutcome(ImmutableList<TaskLocation> Tasks, ImmutableList<LaunchFailure> Failures);

/// <param name="RequestFingerprint">A digest of the request: the same token with another request is a conflict.</param>
/// <param name="Outcome">Null while the launch is still pending.</param>
public sealed record ClientTokenUse(string LaunchId, string RequestFingerprint, DateTimeOffset At, LaunchOutcome? Outcome);

/// <summary>Records a launch decided on the scheduler's placement view.</summary>
public sealed record PlanLaunch(
    RequestContext Context,
    string LaunchId,
    string? ClientToken,
    string? RequestFingerprint,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures) : IClusterCommand;

/// <summary>A chosen instance refused a task: it goes to <paramref name="Replacement"/>, or becomes <paramref name="Failure"/>.</summary>
public sealed record ReplanLaunchTask(
    RequestContext Context, string LaunchId, string TaskId, PlannedTask? Replacement, LaunchFailure? Failure) : IClusterCommand;

/// <summary>Every chosen instance has answered: the launch is done with these tasks and failures.</summary>
public sealed record CompleteLaunch(RequestContext Context, string LaunchId) : IClusterCommand;

/// <summary>clientTokens used before <paramref name="UsedBefore"/> are forgotten (ECS keeps them for a while, not forever).</summary>
public sealed record ForgetClientTokens(RequestContext Context, DateTimeOffset UsedBefore) : IClusterCommand;

public sealed record LaunchPlanned(
    EventMetadata Metadata,
    string LaunchId,
    string? ClientToken,
    string? RequestFingerprint,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures) : IClusterEvent;

public sealed record LaunchTaskReplanned(
    EventMetadata Metadata, string LaunchId, string TaskId, PlannedTask? Replacement, LaunchFailure? Failure) : IClusterEvent;

/// <summary>The launch is done; <paramref name="Outcome"/> is what it answered.</summary>
public sealed record LaunchCompleted(EventMetadata Metadata, string LaunchId, LaunchOutcome Outcome) : IClusterEvent;

public sealed record ClientTokensForgotten(EventMetadata Metadata, ImmutableList<string> ClientTokens) : IClusterEvent;

/// <summary>The launch bookkeeping of the cluster aggregate: plan, re-plan refused tasks, complete, forget old tokens.</summary>
public sealed partial class Cluster
{
    public const int MaxPlacementAttempts = 3;

    private static Decision<IClusterEvent> DecidePlan(ClusterState state, PlanLaunch plan)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (state.Launches.ContainsKey(plan.LaunchId)) return Decision<IClusterEvent>.Unchanged;
        if (plan.ClientToken is { } token && state.ClientTokens.TryGetValue(token, out var use))
            return use.RequestFingerprint == plan.RequestFingerprint
                ? Decision<IClusterEvent>.Unchanged
                : TokenConflict(token);
        var placed = plan.Tasks.Count == 0 ? "no task" : $"{plan.Tasks.Count} task(s) of {plan.Spec.Revision.Family}:{plan.Spec.Revision.Revision}";
        return Decision<IClusterEvent>.Accept(new LaunchPlanned(
            plan.Context.Because($"planned {placed} in cluster {state.Name}" + (plan.Failures.IsEmpty ? "" : $", {plan.Failures.Count} failure(s)")),
            plan.LaunchId, plan.ClientToken, plan.RequestFingerprint, plan.Spec, plan.Tasks, plan.Failures));
    }

    public static DomainError TokenConflict(string token) =>
        new(ErrorCodes.Conflict, $"The clientToken {token} was already used by a different request.");

    private static Decision<IClusterEvent> DecideReplan(ClusterState state, ReplanLaunchTask replan)
    {
        if (!state.Launches.TryGetValue(replan.LaunchId, out var launch) || !launch.Tasks.Exists(t => t.TaskId == replan.TaskId))
            return Decision<IClusterEvent>.Unchanged;
        if ((replan.Replacement is null) == (replan.Failure is null))
            return DomainError.InvalidParameter("A refused task is either placed again or failed.");
        var why = replan.Replacement is { } again
            ? $"task {replan.TaskId} refused by its instance, placed again on {again.ContainerInstanceId}: {again.Placement.ChosenBy}"
            : $"task {replan.TaskId} could not be placed: {replan.Failure!.Reason}";
        return Decision<IClusterEvent>.Accept(new LaunchTaskReplanned(replan.Context.Because(why), replan.LaunchId, replan.TaskId, replan.Replacement,
            replan.Failure));
    }

    private static Decision<IClusterEvent> DecideComplete(ClusterState state, CompleteLaunch complete)
    {
        if (!state.Launches.TryGetValue(complete.LaunchId, out var launch)) return Decision<IClusterEvent>.Unchanged;
        return Decision<IClusterEvent>.Accept(new LaunchCompleted(
            complete.Context.Because($"launch {launch.LaunchId} done: {launch.Tasks.Count} task(s) placed, {launch.Failures.Count} failure(s)"),
            launch.LaunchId, new LaunchOutcome([.. launch.Tasks.Select(t => new TaskLocation(t.TaskId, t.ContainerInstanceId))], launch.Failures)));
    }

    private static Decision<IClusterEvent> DecideForgetTokens(ClusterState state, ForgetClientTokens forget)
    {
        var expired = state.ClientTokens.Where(t => t.Value.Outcome is not null && t.Value.At < forget.UsedBefore).Select(t => t.Key)
            .Order(StringComparer.Ordinal).ToImmutableList();
        return expired.IsEmpty
            ? Decision<IClusterEvent>.Unchanged
            : Decision<IClusterEvent>.Accept(new ClientTokensForgotten(
                forget.Context.Because($"{expired.Count} clientToken(s) used before {forget.UsedBefore:O} expired"), expired));
    }

    private static ClusterState ApplyLaunch(ClusterState state, IClusterEvent @event) => @event switch
    {
        LaunchPlanned planned => state with
        {
            Launches = state.Launches.SetItem(planned.LaunchId, new PendingLaunch(planned.LaunchId,
                new RequestContext(planned.Metadata.At, planned.Metadata.RequestId, planned.Metadata.Principal), planned.ClientToken, planned.Spec,
                planned.Tasks, planned.Failures, planned.Tasks.ToImmutableDictionary(t => t.TaskId, _ => 1))),
            ClientTokens = planned.ClientToken is { } token
                ? state.ClientTokens.SetItem(token, new ClientTokenUse(planned.LaunchId, planned.RequestFingerprint ?? "", planned.Metadata.At, null))
                : state.ClientTokens,
        },
        LaunchTaskReplanned replanned when state.Launches.TryGetValue(replanned.LaunchId, out var launch) => state with
        {
            Launches = state.Launches.SetItem(launch.LaunchId, launch with
            {
                Tasks = replanned.Replacement is { } again
                    ? launch.Tasks.Select(t => t.TaskId == replanned.TaskId ? again : t).ToImmutableList()
                    : launch.Tasks.RemoveAll(t => t.TaskId == replanned.TaskId),
                Failures = replanned.Failure is { } failure ? launch.Failures.Add(failure) : launch.Failures,
                Attempts = launch.Attempts.SetItem(replanned.TaskId, launch.Attempts.GetValueOrDefault(replanned.TaskId) + 1),
            }),
        },
        LaunchCompleted completed => state with
        {
            Launches = state.Launches.Remove(completed.LaunchId),
            ClientTokens = state.Launches.GetValueOrDefault(completed.LaunchId)?.ClientToken is { } token
                           && state.ClientTokens.TryGetValue(token, out var use)
                ? state.ClientTokens.SetItem(token, use with { Outcome = completed.Outcome })
                : state.ClientTokens,
        },
        ClientTokensForgotten forgotten => state with { ClientTokens = state.ClientTokens.RemoveRange(forgotten.ClientTokens) },
        _ => state,
    };
}
