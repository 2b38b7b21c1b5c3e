using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Launches;

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
/// crash leaves it to be completed, never half done: the coordinator asks the unconfirmed instances again when it restarts.
/// </summary>
/// <param name="Attempts">Placements tried per task; a task refused too often becomes a failure.</param>
public sealed record PendingLaunch(
    string LaunchId,
    RequestContext Requested,
    string? ClientToken,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures,
    ImmutableDictionary<string, int> Attempts)
{
    /// <summary>Tasks their instances confirmed holding (missing in snapshots of builds that did not record confirmations).</summary>
    public ImmutableHashSet<string> Confirmed { get; init; } = ImmutableHashSet<string>.Empty;

    /// <summary>Tasks still to be confirmed by their instances, in plan order.</summary>
    public IEnumerable<PlannedTask> Unconfirmed() => Tasks.Where(t => !Confirmed.Contains(t.TaskId));

    /// <summary>A refused task may be placed elsewhere: the caller did not name its instance, and it was not tried too often.</summary>
    public bool MayPlaceAgain(string taskId) => !Spec.NamedInstances && Attempts.GetValueOrDefault(taskId) < LaunchProcess.MaxPlacementAttempts;
}

/// <summary>
/// What a launch ended with: where its tasks went and the failures, answered again to a retry with its clientToken.
/// Why each went where it did is in the plan (and in each TaskPlaced), not repeated here.
/// </summary>
public sealed record LaunchOutcome(ImmutableList<TaskLocation> Tasks, ImmutableList<LaunchFailure> Failures);

/// <param name="RequestFingerprint">A digest of the request: the same token with another request is a conflict.</param>
/// <param name="Outcome">Null while the launch is still pending.</param>
public sealed record ClientTokenUse(string LaunchId, string RequestFingerprint, DateTimeOffset At, LaunchOutcome? Outcome);

/// <summary>A command of the launch process. Its events are the cluster's: launches are recorded in the cluster's stream.</summary>
public interface ILaunchCommand : IClusterCommand;

public interface ILaunchEvent : IClusterEvent;

/// <summary>Records a launch decided on the scheduler's placement view (the request and its plan: one record, one write).</summary>
public sealed record PlanLaunch(
    RequestContext Context,
    string LaunchId,
    string? ClientToken,
    string? RequestFingerprint,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures) : ILaunchCommand;

/// <summary>
/// The instance <paramref name="RefusedBy"/> refused a task: it goes to <paramref name="Replacement"/>, or becomes
/// <paramref name="Failure"/>. A refusal by an instance the task is no longer planned on changes nothing.
/// </summary>
public sealed record ReplanLaunchTask(
    RequestContext Context, string LaunchId, string TaskId, string RefusedBy, PlannedTask? Replacement, LaunchFailure? Failure) : ILaunchCommand;

/// <summary>Instances confirmed that they hold these tasks of the launch (each where it is planned).</summary>
public sealed record ConfirmLaunchTasks(RequestContext Context, string LaunchId, ImmutableList<TaskLocation> Tasks) : ILaunchCommand;

/// <summary>clientTokens used before <paramref name="UsedBefore"/> are forgotten (ECS keeps them for a while, not forever).</summary>
public sealed record ForgetClientTokens(RequestContext Context, DateTimeOffset UsedBefore) : ILaunchCommand;

public sealed record LaunchPlanned(
    EventMetadata Metadata,
    string LaunchId,
    string? ClientToken,
    string? RequestFingerprint,
    LaunchSpec Spec,
    ImmutableList<PlannedTask> Tasks,
    ImmutableList<LaunchFailure> Failures) : ILaunchEvent;

public sealed record LaunchTaskReplanned(
    EventMetadata Metadata, string LaunchId, string TaskId, PlannedTask? Replacement, LaunchFailure? Failure) : ILaunchEvent;

/// <summary>Some tasks of a launch are held by their instances; the rest are not yet.</summary>
public sealed record LaunchTasksConfirmed(EventMetadata Metadata, string LaunchId, ImmutableList<string> TaskIds) : ILaunchEvent;

/// <summary>
/// The launch is done - every task confirmed, or failed: <paramref name="Outcome"/> is what it answers, to its callers and to
/// every retry with its clientToken. A launch whose every task failed completes too, with no task.
/// </summary>
public sealed record LaunchCompleted(EventMetadata Metadata, string LaunchId, LaunchOutcome Outcome) : ILaunchEvent;

public sealed record ClientTokensForgotten(EventMetadata Metadata, ImmutableList<string> ClientTokens) : ILaunchEvent;

/// <summary>The launches of one cluster: those pending, and the clientTokens with what their launches answered.</summary>
public sealed record LaunchesState(
    ImmutableDictionary<string, PendingLaunch> Pending,
    ImmutableDictionary<string, ClientTokenUse> ClientTokens)
{
    public static LaunchesState Empty { get; } = new(ImmutableDictionary<string, PendingLaunch>.Empty, ImmutableDictionary<string, ClientTokenUse>.Empty);
}

/// <summary>What a request with a clientToken gets: a conflict, the recorded outcome, or a wait for a pending launch.</summary>
public sealed record ClientTokenAnswer(DomainError? Conflict, LaunchOutcome? Outcome, string? PendingLaunchId);

/// <summary>
/// The launch process, pure: a launch is planned (request and placement in one record), tasks refused by their instance
/// are planned again or failed, instances confirm the tasks they hold, and the launch completes once no task is left
/// unconfirmed. The decision that leaves nothing to confirm records the completion with it, so the outcome is in the journal
/// before anyone is answered, and the record of the last confirmation is the completion itself.
/// </summary>
public static class LaunchProcess
{
    public const int MaxPlacementAttempts = 3;

    public static DomainError TokenConflict(string token) =>
        new(ErrorCodes.Conflict, $"The clientToken {token} was already used by a different request.");

    public static Decision<ILaunchEvent> Decide(LaunchesState state, ILaunchCommand command) => command switch
    {
        PlanLaunch plan => DecidePlan(state, plan),
        ReplanLaunchTask replan => DecideReplan(state, replan),
        ConfirmLaunchTasks confirm => DecideConfirm(state, confirm),
        ForgetClientTokens forget => DecideForgetTokens(state, forget),
        _ => DomainError.InvalidParameter($"{command.GetType().Name} is not a launch command."),
    };

    /// <summary>A request naming <paramref name="token"/>: null when the token is new.</summary>
    public static ClientTokenAnswer? ForClientToken(LaunchesState state, string token, string fingerprint) =>
        !state.ClientTokens.TryGetValue(token, out var use) ? null
        : use.RequestFingerprint != fingerprint ? new ClientTokenAnswer(TokenConflict(token), null, null)
        : use.Outcome is { } outcome ? new ClientTokenAnswer(null, outcome, null)
        : new ClientTokenAnswer(null, null, use.LaunchId);

    private static Decision<ILaunchEvent> DecidePlan(LaunchesState state, PlanLaunch plan)
    {
        if (state.Pending.ContainsKey(plan.LaunchId)) return Decision<ILaunchEvent>.Unchanged;
        if (plan.ClientToken is { } token && state.ClientTokens.TryGetValue(token, out var use))
            return use.RequestFingerprint == (plan.RequestFingerprint ?? "") ? Decision<ILaunchEvent>.Unchanged : TokenConflict(token);
        if (plan.Tasks.Select(t => t.TaskId).Distinct().Count() != plan.Tasks.Count)
            return DomainError.InvalidParameter("Every task of a launch has its own id.");
        var placed = plan.Tasks.Count == 0 ? "no task" : $"{plan.Tasks.Count} task(s) of {plan.Spec.Revision.Family}:{plan.Spec.Revision.Revision}";
        var planned = new LaunchPlanned(
            plan.Context.Because($"planned {placed}" + (plan.Failures.IsEmpty ? "" : $", {plan.Failures.Count} failure(s)")),
            plan.LaunchId, plan.ClientToken, plan.RequestFingerprint, plan.Spec, plan.Tasks, plan.Failures);
        return WithCompletionIfDone(Apply(state, planned), planned, plan.Context, plan.LaunchId);
    }

    private static Decision<ILaunchEvent> DecideReplan(LaunchesState state, ReplanLaunchTask replan)
    {
        if (!state.Pending.TryGetValue(replan.LaunchId, out var launch) || launch.Tasks.Find(t => t.TaskId == replan.TaskId) is not { } task
            || task.ContainerInstanceId != replan.RefusedBy || launch.Confirmed.Contains(replan.TaskId))
            return Decision<ILaunchEvent>.Unchanged;
        if ((replan.Replacement is null) == (replan.Failure is null))
            return DomainError.InvalidParameter("A refused task is either placed again or failed.");
        if (replan.Replacement is { } again && (again.TaskId != task.TaskId || !launch.MayPlaceAgain(task.TaskId)))
            return DomainError.InvalidParameter($"Task {task.TaskId} may not be placed again: it keeps its id, and is tried at most {MaxPlacementAttempts} times.");
        var why = replan.Replacement is { } moved
            ? $"task {replan.TaskId} refused by its instance, placed again on {moved.ContainerInstanceId}: {moved.Placement.ChosenBy}"
            : $"task {replan.TaskId} could not be placed: {replan.Failure!.Reason}";
        var replanned = new LaunchTaskReplanned(replan.Context.Because(why), replan.LaunchId, replan.TaskId, replan.Replacement, replan.Failure);
        return WithCompletionIfDone(Apply(state, replanned), replanned, replan.Context, replan.LaunchId);
    }

    private static Decision<ILaunchEvent> DecideConfirm(LaunchesState state, ConfirmLaunchTasks confirm)
    {
        if (!state.Pending.TryGetValue(confirm.LaunchId, out var launch)) return Decision<ILaunchEvent>.Unchanged;
        // A confirmation from an instance the task was since moved away from does not count.
        var confirmed = confirm.Tasks
            .Where(c => !launch.Confirmed.Contains(c.TaskId) && launch.Tasks.Exists(t => t.TaskId == c.TaskId && t.ContainerInstanceId == c.ContainerInstanceId))
            .Select(c => c.TaskId).Distinct().ToImmutableList();
        if (confirmed.IsEmpty) return Decision<ILaunchEvent>.Unchanged;
        var @event = new LaunchTasksConfirmed(confirm.Context.Because($"{confirmed.Count} task(s) of launch {launch.LaunchId} held by their instances"),
            launch.LaunchId, confirmed);
        var after = Apply(state, @event);
        // The confirmation that leaves nothing to confirm is recorded as the completion alone: it names every task.
        return Completion(after, confirm.Context, confirm.LaunchId) is { } completed
            ? Decision<ILaunchEvent>.Accept(completed)
            : Decision<ILaunchEvent>.Accept(@event);
    }

    private static Decision<ILaunchEvent> DecideForgetTokens(LaunchesState state, ForgetClientTokens forget)
    {
        var expired = state.ClientTokens.Where(t => t.Value.Outcome is not null && t.Value.At < forget.UsedBefore).Select(t => t.Key)
            .Order(StringComparer.Ordinal).ToImmutableList();
        return expired.IsEmpty
            ? Decision<ILaunchEvent>.Unchanged
            : Decision<ILaunchEvent>.Accept(new ClientTokensForgotten(
                forget.Context.Because($"{expired.Count} clientToken(s) used before {forget.UsedBefore:O} expired"), expired));
    }

    private static Decision<ILaunchEvent> WithCompletionIfDone(LaunchesState after, ILaunchEvent @event, RequestContext context, string launchId) =>
        Completion(after, context, launchId) is { } completed
            ? Decision<ILaunchEvent>.Accept(@event, completed)
            : Decision<ILaunchEvent>.Accept(@event);

    private static LaunchCompleted? Completion(LaunchesState state, RequestContext context, string launchId)
    {
        if (!state.Pending.TryGetValue(launchId, out var launch) || launch.Unconfirmed().Any()) return null;
        return new LaunchCompleted(
            context.Because($"launch {launch.LaunchId} done: {launch.Tasks.Count} task(s) placed, {launch.Failures.Count} failure(s)"),
            launch.LaunchId, new LaunchOutcome([.. launch.Tasks.Select(t => new TaskLocation(t.TaskId, t.ContainerInstanceId))], launch.Failures));
    }

    public static LaunchesState Apply(LaunchesState state, ILaunchEvent @event) => @event switch
    {
        LaunchPlanned planned => state with
        {
            Pending = state.Pending.SetItem(planned.LaunchId, new PendingLaunch(planned.LaunchId,
                new RequestContext(planned.Metadata.At, planned.Metadata.RequestId, planned.Metadata.Principal), planned.ClientToken, planned.Spec,
                planned.Tasks, planned.Failures, planned.Tasks.ToImmutableDictionary(t => t.TaskId, _ => 1))),
            ClientTokens = planned.ClientToken is { } token
                ? state.ClientTokens.SetItem(token, new ClientTokenUse(planned.LaunchId, planned.RequestFingerprint ?? "", planned.Metadata.At, null))
                : state.ClientTokens,
        },
        LaunchTaskReplanned replanned when state.Pending.TryGetValue(replanned.LaunchId, out var launch) => state with
        {
            Pending = state.Pending.SetItem(launch.LaunchId, launch with
            {
                Tasks = replanned.Replacement is { } again
                    ? launch.Tasks.Select(t => t.TaskId == replanned.TaskId ? again : t).ToImmutableList()
                    : launch.Tasks.RemoveAll(t => t.TaskId == replanned.TaskId),
                Failures = replanned.Failure is { } failure ? launch.Failures.Add(failure) : launch.Failures,
                Attempts = launch.Attempts.SetItem(replanned.TaskId, launch.Attempts.GetValueOrDefault(replanned.TaskId) + 1),
            }),
        },
        LaunchTasksConfirmed confirmed when state.Pending.TryGetValue(confirmed.LaunchId, out var launch) => state with
        {
            Pending = state.Pending.SetItem(launch.LaunchId, launch with { Confirmed = launch.Confirmed.Union(confirmed.TaskIds) }),
        },
        LaunchCompleted completed => state with
        {
            Pending = state.Pending.Remove(completed.LaunchId),
            ClientTokens = state.Pending.GetValueOrDefault(completed.LaunchId)?.ClientToken is { } token
                           && state.ClientTokens.TryGetValue(token, out var use)
                ? state.ClientTokens.SetItem(token, use with { Outcome = completed.Outcome })
                : state.ClientTokens,
        },
        ClientTokensForgotten forgotten => state with { ClientTokens = state.ClientTokens.RemoveRange(forgotten.ClientTokens) },
        _ => state,
    };
}

/// <summary>How a launch's tasks are made and placed, as its request says: the scheduler makes the spec of it and the revision.</summary>
/// <param name="OverridesLength">The overrides as sent, JSON formatting characters included (ECS counts them so).</param>
/// <param name="Group">Null: the family's default group.</param>
/// <param name="PropagateTags">RunTask's and StartTask's propagateTags; a service passes the tags it propagates as <paramref name="Tags"/>.</param>
/// <param name="ActiveRevisionFor">RunTask and StartTask run ACTIVE revisions only, and name a refused one by its ARN in this account;
/// null for a service, which keeps running its deployment's revision after it was deregistered.</param>
public sealed record LaunchOptions(
    TaskOverride? Overrides,
    int OverridesLength,
    string? Group,
    string? StartedBy,
    ImmutableList<Tag>? Tags,
    string? PropagateTags,
    bool ManagedTags,
    ImmutableList<Placement.PlacementConstraint> Constraints,
    ImmutableList<Placement.PlacementStrategy> Strategies,
    AccountScope? ActiveRevisionFor);

/// <summary>The one place a launch's spec is made, for RunTask, StartTask and a service's steps alike.</summary>
public static class LaunchSpecs
{
    public const int MaxOverridesLength = 8192;

    /// <summary>"family", "family:revision" or a task definition ARN: the family and the revision, if named.</summary>
    public static DomainError? ParseTaskDefinition(string? taskDefinition, out string family, out int? revision)
    {
        family = "";
        revision = null;
        if (string.IsNullOrEmpty(taskDefinition)) return DomainError.InvalidParameter("taskDefinition is required.");
        var name = taskDefinition;
        if (Arn.LooksLikeArn(taskDefinition))
        {
            if (!Arn.TryParse(taskDefinition, out var arn) || arn.ResourceType != "task-definition")
                return DomainError.InvalidParameter($"Invalid task definition ARN: {taskDefinition}");
            name = arn.ResourcePath;
        }
        var colon = name.LastIndexOf(':');
        family = colon < 0 ? name : name[..colon];
        if (colon >= 0)
        {
            if (!int.TryParse(name[(colon + 1)..], out var number) || number <= 0)
                return DomainError.InvalidParameter($"Invalid revision number in '{taskDefinition}'.");
            revision = number;
        }
        return TaskDefinitionValidation.IsValidName(family) ? null : DomainError.Client(TaskDefinitionFamily.UnknownRevisionMessage);
    }

    /// <summary>What may run: ACTIVE (when the launch asks so), in a network mode the agents have.</summary>
    public static DomainError? Runnable(TaskDefinitionRevision revision, AccountScope? activeOnlyFor)
    {
        if (activeOnlyFor is { } account && revision.Status != TaskDefinitionStatus.ACTIVE)
            return DomainError.Client($"TaskDefinition is inactive: {revision.Arn(account)}");
        if (revision.Spec.NetworkMode == "awsvpc")
            return DomainError.InvalidParameter("Network mode awsvpc needs elastic network interfaces, which Actors' agents do not have: use bridge, host or none.");
        return null;
    }

    public static (LaunchSpec? Spec, DomainError? Error) Of(string cluster, TaskDefinitionRevision revision, LaunchOptions options, bool namedInstances)
    {
        if (Placement.TaskResources.ValidateOverrides(options.Overrides) is { } badOverrides) return (null, badOverrides);
        if (options.OverridesLength > MaxOverridesLength)
            return (null, DomainError.InvalidParameter($"Container Overrides length must be at most {MaxOverridesLength}."));
        if (options.StartedBy is { Length: > 128 }) return (null, DomainError.InvalidParameter("startedBy can be at most 128 characters."));
        if (options.Group is { Length: > 255 }) return (null, DomainError.InvalidParameter("group can be at most 255 characters."));
        var (launchTags, badTags) = LaunchTags.Of(cluster, options.Tags, options.PropagateTags, options.ManagedTags, revision);
        if (badTags is not null) return (null, badTags);
        return (new LaunchSpec(revision, options.Overrides, options.Group ?? Placement.PlacementRequest.DefaultGroup(revision.Family), options.StartedBy,
            launchTags, Placement.TaskResources.Demand(revision.Spec, options.Overrides), options.Constraints, options.Strategies, namedInstances), null);
    }
}
