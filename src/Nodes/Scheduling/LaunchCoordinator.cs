using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Launches;
using Actors.Domain.Placement;
using Actors.Domain.Scheduling;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Scheduling;

/// <summary>
/// Runs the launch process (<see cref="LaunchProcess"/>) of one cluster inside its <see cref="ClusterScheduler"/>, which
/// persists its commands in the cluster's stream and hands it the messages of launches. Every launch - RunTask, StartTask,
/// a service's step - takes the same path: place on the view, record the plan (the commit point), ask the chosen instances
/// to take their tasks, place refused ones again on the fresh view, record what the instances confirmed, and answer once
/// the completion is recorded, from the recorded outcome. A crash at any step resumes from the journal: the pending
/// launches ask their unconfirmed instances again (placing is idempotent).
/// What it keeps in memory is a cache a restart does without: who waits for which launch (their asks die with the node),
/// the revisions its families answered (what a revision runs never changes), the task descriptions instances answered (a completion without them describes its tasks from the instances), the
/// confirmations not yet recorded (asked again), and per launch how many instances failed each requirement.
/// </summary>
public sealed class LaunchCoordinator
{
    /// <summary>
    /// RunTask names a failure per instance that could not take a task; in a cluster of thousands the first hundred (in
    /// instance id order) say why as well as all of them, and keep the answer small.
    /// </summary>
    public const int MaxFailuresPerLaunch = 100;

    private readonly IHost _host;
    private readonly PlacementView _view;
    /// <summary>Who waits for each pending launch (the first caller, and retries with its clientToken).</summary>
    private readonly Dictionary<string, List<IActorRef>> _waiters = new(StringComparer.Ordinal);
    /// <summary>Tasks of pending launches as their instances answered them.</summary>
    private readonly Dictionary<string, Dictionary<string, TaskDescription>> _described = new(StringComparer.Ordinal);
    /// <summary>Confirmations that arrived while the launch's previous ones were being recorded: recorded together next.</summary>
    private readonly Dictionary<string, List<TaskLocation>> _unrecorded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recording = new(StringComparer.Ordinal);
    /// <summary>Revisions as their families answered them (what a revision runs never changes; its status is asked when it matters).</summary>
    private readonly Dictionary<(string Family, int Revision), TaskDefinitionRevision> _revisions = [];
    /// <summary>Per pending launch, how many instances failed each requirement (its recorded failures are only the first hundred).</summary>
    private readonly Dictionary<string, ImmutableSortedDictionary<string, int>> _failureCounts = new(StringComparer.Ordinal);

    /// <summary>What the coordinator needs of the scheduler that hosts it.</summary>
    public interface IHost
    {
        ClusterState State { get; }
        IActorRef Self { get; }
        IActorRef Instances { get; }
        IActorRef Families { get; }
        TimeSpan PlacementAskTimeout { get; }
        void Execute(ILaunchCommand command, Action<DomainError?> then);
        RequestContext Internal(string reason);
    }

    public LaunchCoordinator(IHost host, PlacementView view)
    {
        _host = host;
        _view = view;
    }

    private ClusterState State => _host.State;

    private string InstanceEntityId(string instanceId) => ContainerInstanceState.EntityIdOf(State.Name, instanceId);

    /// <summary>The scheduler recovered: launches recorded before a crash go on where they were.</summary>
    public void Resume()
    {
        foreach (var launch in State.Launches.Values) Dispatch(launch, launch.Unconfirmed());
    }

    public void Launch(LaunchTasks request, IActorRef replyTo)
    {
        if (!State.IsActive)
        {
            replyTo.Tell(new LaunchResult([], [], DomainError.ClusterNotFound()));
            return;
        }
        if (request.ClientToken is { } token && LaunchProcess.ForClientToken(State.Launching(), token, request.RequestFingerprint ?? "") is { } known)
        {
            if (known.Conflict is { } conflict) replyTo.Tell(new LaunchResult([], [], conflict));
            else if (known.Outcome is { } outcome) AnswerFromOutcome(outcome, [replyTo], null);
            else Waiters(known.PendingLaunchId!).Add(replyTo);
            return;
        }
        if (LaunchSpecs.ParseTaskDefinition(request.TaskDefinition, out var family, out var number) is { } invalid)
        {
            replyTo.Tell(new LaunchResult([], [], invalid));
            return;
        }
        // A revision never changes what it runs, but its status does: RunTask and StartTask hear it from its family each time.
        if (number is { } named && request.Options.ActiveRevisionFor is null && _revisions.TryGetValue((family, named), out var cached))
        {
            Plan(request, replyTo, cached);
            return;
        }
        _host.Families.Ask<RevisionAnswer>(new ShardingEnvelope(family, new GetRevision(number)), _host.PlacementAskTimeout)
            .PipeTo(_host.Self, success: answer => new RevisionResolved(request, replyTo, answer), failure: _ => new RevisionResolved(request, replyTo, null));
    }

    public void OnRevisionResolved(RevisionResolved resolved)
    {
        if (resolved.Answer is not { } answer)
        {
            resolved.ReplyTo.Tell(new Status.Failure(new TimeoutException($"Task definition {resolved.Request.TaskDefinition} did not answer in time.")));
            return;
        }
        if (answer.Revision is not { } revision)
        {
            resolved.ReplyTo.Tell(new LaunchResult([], [], answer.Error ?? DomainError.Client(TaskDefinitionFamily.UnknownRevisionMessage)));
            return;
        }
        _revisions[(revision.Family, revision.Revision)] = revision;
        if (LaunchSpecs.Runnable(revision, resolved.Request.Options.ActiveRevisionFor) is { } refused)
        {
            resolved.ReplyTo.Tell(new LaunchResult([], [], refused));
            return;
        }
        Plan(resolved.Request, resolved.ReplyTo, revision);
    }

    /// <summary>Places the launch's tasks on the view and records the plan; a new request with a used clientToken is re-handled.</summary>
    private void Plan(LaunchTasks request, IActorRef replyTo, TaskDefinitionRevision revision)
    {
        var (built, invalid) = LaunchSpecs.Of(State.Name, revision, request.Options, namedInstances: request.Targets is not null);
        if (invalid is not null || !State.IsActive)
        {
            replyTo.Tell(new LaunchResult([], [], invalid ?? DomainError.ClusterNotFound()));
            return;
        }
        var spec = built!;
        var launchId = request.Context.RequestId;
        var planned = ImmutableList.CreateBuilder<PlannedTask>();
        var failures = request.Failures.ToBuilder();
        if (request.Targets is { } targets)
        {
            foreach (var instanceId in targets)
                planned.Add(new PlannedTask(NewTaskId(), instanceId, PlacementRecord.ChosenByCaller(instanceId)));
        }
        else
        {
            var placement = Place(spec, request.Count);
            if (placement.NoContainerInstances)
            {
                replyTo.Tell(new LaunchResult([], [], PlacementErrors.NoContainerInstances));
                return;
            }
            planned.AddRange(placement.Placements.Select(decision => Planned(NewTaskId(), decision)));
            failures.AddRange(placement.Failures.Take(MaxFailuresPerLaunch).Select(f => new LaunchFailure(f.ContainerInstanceId, f.Reason, f.Detail)));
            if (placement.Failures.Count > 0)
                _failureCounts[launchId] = placement.Failures.GroupBy(f => f.Reason).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }

        foreach (var task in planned) _view.Reserve(task.ContainerInstanceId, task.TaskId, spec.Demand, spec.Group);
        var plan = new PlanLaunch(request.Context, launchId, request.ClientToken, request.RequestFingerprint, spec, planned.ToImmutable(),
            failures.ToImmutable());
        // The caller waits from now: a plan without tasks is completed in the same write, and answered when it is stored.
        Waiters(launchId).Add(replyTo);
        _host.Execute(plan, error =>
        {
            if (State.Launches.TryGetValue(launchId, out var launch))
            {
                Dispatch(launch, launch.Tasks);
                return;
            }
            // Completed with the plan, and answered.
            if (!_waiters.TryGetValue(launchId, out var waiters) || !waiters.Remove(replyTo)) return;
            foreach (var task in plan.Tasks) _view.Settle(task.ContainerInstanceId, task.TaskId);
            if (waiters.Count == 0) Forget(launchId);
            // Refused, or the same clientToken was planned by another request in the meantime: that one's outcome answers.
            if (error is not null) replyTo.Tell(new LaunchResult([], [], error));
            else _host.Self.Tell(request, replyTo);
        });
    }

    private static string NewTaskId() => Guid.NewGuid().ToString("N");

    private PlacementResult Place(LaunchSpec spec, int count) =>
        Placer.Place(
            new PlacementRequest(spec.Demand, PlacementRules.Combine(spec.Revision.Spec.PlacementConstraints, spec.Constraints), spec.Strategies, count,
                spec.Group,
                spec.Revision.RequiresAttributes.ToImmutableList(), Random.Shared.Next()),
            _view.Candidates());

    /// <summary>What the chosen instance checks again besides the task's definition; StartTask's named instances check only their own capacity.</summary>
    private static PlacementBinding? Binding(LaunchSpec spec) => spec.NamedInstances ? null : new(spec.Constraints);

    private PlannedTask Planned(string taskId, PlacementDecision decision) => new(taskId, decision.ContainerInstanceId!,
        PlacementRecord.From(decision) with { ChosenInstanceVersion = _view.Instance(decision.ContainerInstanceId!)?.Version });

    private List<IActorRef> Waiters(string launchId) =>
        _waiters.TryGetValue(launchId, out var waiters) ? waiters : _waiters[launchId] = [];

    /// <summary>Asks each chosen instance to take its task; answers come back as <see cref="PlacementAnswered"/>.</summary>
    private void Dispatch(PendingLaunch launch, IEnumerable<PlannedTask> tasks)
    {
        foreach (var planned in tasks)
        {
            var spec = launch.Spec;
            var task = TaskLifecycle.Create(planned.TaskId, State.Name, planned.ContainerInstanceId, spec.Revision, spec.Overrides, spec.Group,
                spec.StartedBy, spec.Tags, spec.Demand, launch.Requested.At);
            var launchId = launch.LaunchId;
            _host.Instances
                .Ask<TaskAnswer>(new ShardingEnvelope(InstanceEntityId(planned.ContainerInstanceId), new PlaceTask(launch.Requested, task, planned.Placement, Binding(spec))),
                    _host.PlacementAskTimeout)
                .PipeTo(_host.Self,
                    success: answer => new PlacementAnswered(launchId, planned.TaskId, planned.ContainerInstanceId, answer),
                    failure: _ => new PlacementAnswered(launchId, planned.TaskId, planned.ContainerInstanceId, null));
        }
    }

    public void OnPlacementAnswered(PlacementAnswered answered)
    {
        if (!State.Launches.TryGetValue(answered.LaunchId, out var launch)) return;
        var planned = launch.Tasks.Find(t => t.TaskId == answered.TaskId);
        // An answer about a placement that was since moved elsewhere, or confirmed already.
        if (planned is null || planned.ContainerInstanceId != answered.InstanceId || launch.Confirmed.Contains(planned.TaskId)) return;
        if (answered.Answer is null)
        {
            // No answer in time (the instance is moving between nodes, or its node is gone): ask again, it is idempotent.
            Dispatch(launch, [planned]);
            return;
        }
        if (answered.Answer.Task is { } placedTask)
        {
            Described(launch.LaunchId)[placedTask.TaskId] = placedTask;
            Confirm(launch.LaunchId, new TaskLocation(planned.TaskId, planned.ContainerInstanceId));
            return;
        }

        _view.Settle(answered.InstanceId, answered.TaskId);
        var reason = answered.Answer.Error?.Message ?? "MISSING";
        PlannedTask? replacement = null;
        // A refusal means the view was behind the instance: place the task again on the fresh view (StartTask named its instance).
        if (launch.MayPlaceAgain(answered.TaskId) && Place(launch.Spec, 1).Placements.FirstOrDefault() is { } decision)
            replacement = Planned(answered.TaskId, decision);
        if (replacement is not null) _view.Reserve(replacement.ContainerInstanceId, replacement.TaskId, launch.Spec.Demand, launch.Spec.Group);
        var replan = new ReplanLaunchTask(_host.Internal("replan"), launch.LaunchId, answered.TaskId, answered.InstanceId, replacement,
            replacement is null ? new LaunchFailure(answered.InstanceId, reason, answered.Answer.Error is null ? "The container instance is not registered." : null) : null);
        _host.Execute(replan, _ =>
        {
            if (replacement is not null && State.Launches.TryGetValue(launch.LaunchId, out var updated)
                && updated.Tasks.Find(t => t.TaskId == replacement.TaskId) is { } moved && moved.ContainerInstanceId == replacement.ContainerInstanceId)
                Dispatch(updated, [moved]);
        });
    }

    private Dictionary<string, TaskDescription> Described(string launchId) =>
        _described.TryGetValue(launchId, out var described) ? described : _described[launchId] = new(StringComparer.Ordinal);

    /// <summary>Records a task its instance holds; confirmations arriving while one is being recorded are recorded together next.</summary>
    private void Confirm(string launchId, TaskLocation task)
    {
        (_unrecorded.TryGetValue(launchId, out var unrecorded) ? unrecorded : _unrecorded[launchId] = []).Add(task);
        if (_recording.Add(launchId)) RecordConfirmations(launchId);
    }

    private void RecordConfirmations(string launchId)
    {
        if (!_unrecorded.Remove(launchId, out var tasks))
        {
            _recording.Remove(launchId);
            return;
        }
        _host.Execute(new ConfirmLaunchTasks(_host.Internal("launch"), launchId, [.. tasks]), _ => RecordConfirmations(launchId));
    }

    /// <summary>
    /// A launch's completion is stored (the scheduler calls this for every <see cref="LaunchCompleted"/> it persists): its
    /// callers hear the recorded outcome - the tasks as their instances answered them, and the failures.
    /// </summary>
    public void OnCompleted(LaunchCompleted completed)
    {
        var waiters = _waiters.GetValueOrDefault(completed.LaunchId) ?? [];
        var described = _described.GetValueOrDefault(completed.LaunchId);
        var counts = _failureCounts.GetValueOrDefault(completed.LaunchId);
        Forget(completed.LaunchId);
        if (waiters.Count == 0) return;
        if (described is not null && completed.Outcome.Tasks.All(t => described.ContainsKey(t.TaskId)))
        {
            var result = new LaunchResult([.. completed.Outcome.Tasks.Select(t => described[t.TaskId])], completed.Outcome.Failures, null, counts);
            foreach (var waiter in waiters) waiter.Tell(result);
        }
        else AnswerFromOutcome(completed.Outcome, [.. waiters], counts);
    }

    private void Forget(string launchId)
    {
        _waiters.Remove(launchId);
        _described.Remove(launchId);
        _failureCounts.Remove(launchId);
    }

    /// <summary>A launch done (a retry with its clientToken, or completed after a restart): its tasks as they are now and its failures.</summary>
    private void AnswerFromOutcome(LaunchOutcome outcome, ImmutableList<IActorRef> replyTo, ImmutableSortedDictionary<string, int>? counts)
    {
        var asks = outcome.Tasks.GroupBy(t => t.ContainerInstanceId).Select(group => _host.Instances.Ask<TasksDescribed>(
            new ShardingEnvelope(InstanceEntityId(group.Key), new DescribeInstanceTasks([.. group.Select(t => t.TaskId)])), _host.PlacementAskTimeout));
        var order = outcome.Tasks.Select((t, i) => (t.TaskId, i)).ToDictionary(p => p.TaskId, p => p.i);
        Task.WhenAll(asks).PipeTo(_host.Self,
            success: described => new OutcomeDescribed(replyTo,
                new LaunchResult([.. described.SelectMany(d => d.Tasks).OrderBy(t => order.GetValueOrDefault(t.TaskId))], outcome.Failures, null, counts)),
            failure: _ => new OutcomeDescribed(replyTo, new LaunchResult([], outcome.Failures, null, counts)));
    }

    public static void OnOutcomeDescribed(OutcomeDescribed described)
    {
        foreach (var waiter in described.ReplyTo) waiter.Tell(described.Result);
    }

    /// <summary>clientTokens are kept for <paramref name="retention"/> after their launch was requested.</summary>
    public void Housekeep(DateTimeOffset now, TimeSpan retention) =>
        _host.Execute(new ForgetClientTokens(_host.Internal("client-token-retention"), now - retention), _ => { });

    public sealed record PlacementAnswered(string LaunchId, string TaskId, string InstanceId, TaskAnswer? Answer) : INoSerializationVerificationNeeded;

    public sealed record RevisionResolved(LaunchTasks Request, IActorRef ReplyTo, RevisionAnswer? Answer) : INoSerializationVerificationNeeded;

    public sealed record OutcomeDescribed(ImmutableList<IActorRef> ReplyTo, LaunchResult Result) : INoSerializationVerificationNeeded;
}
