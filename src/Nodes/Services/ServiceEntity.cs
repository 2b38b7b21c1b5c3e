using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Launches;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace Actors.Nodes.Services;

public sealed record ServiceOptions
{
    /// <summary>How often a service that is not steady (rolling out, launching, stopping, short of tasks) reconciles.</summary>
    public TimeSpan BusyReconcileInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often a steady service reconciles anyway: changes it hears make it reconcile sooner.</summary>
    public TimeSpan SteadyReconcileInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// How often a service reads what runs of it whole even though its feed keeps it current: whatever a fault of the
    /// feed could leave wrong lasts no longer than this.
    /// </summary>
    public TimeSpan WholeObservationInterval { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>A burst of changes heard makes one reconcile, this long after the first.</summary>
    public TimeSpan ChangeDebounce { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a new task must run (and be HEALTHY, with a health check) before it counts toward its deployment.</summary>
    public TimeSpan MinimumHealthyTime { get; init; } = ServiceSchedulerSettings.Default.MinimumHealthyTime;
    /// <summary>How long a finished deployment stays in the service's live state (ECS: 90 days); the journal keeps it.</summary>
    public TimeSpan DeploymentHistoryRetention { get; init; } = ServiceSchedulerSettings.Default.DeploymentHistoryRetention;

    public ServiceSchedulerSettings Scheduler => new(MinimumHealthyTime, DeploymentHistoryRetention);
}

/// <summary>
/// One service: the service aggregate's shell and its scheduler's hands. Level-triggered: on every change it hears
/// from its cluster's scheduler, and on a timer, it lets the pure <see cref="ServiceScheduler"/> decide on what its
/// cluster runs of it, records the decision, then carries it out - launches through the cluster's launch path with a
/// clientToken per launch (so asking again after a crash gets the first answer), stops through the cluster to the
/// instances. Whatever is lost on the way, the next reconcile sees and mends. What runs of it is kept in memory
/// (<see cref="ObservationCache"/>): read whole when the service starts, when its scheduler started anew, when a
/// DAEMON's primary changes and every <see cref="ServiceOptions.WholeObservationInterval"/>; in between the scheduler's
/// feed tells it what changed, so a reconcile reads the change, not the service.
/// </summary>
public sealed class ServiceEntity : AggregateEntity<Service, ServiceState, IServiceCommand, IServiceEvent>, IWithTimers
{
    private const string ReconcileTimer = "reconcile";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ServiceOptions _options;
    private readonly Func<IActorRef> _clusters;
    private readonly Func<IActorRef> _families;
    // Read and filled by the asks that run outside the actor.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Family, int Revision), TaskDefinitionRevision> _revisions = new();
    private readonly HashSet<string> _launching = new(StringComparer.Ordinal);
    private ServiceObservation? _lastObservation;
    private ObservationCache? _cache;
    /// <summary>Feed messages that came while the service read whole: they are applied after the read, newer ones only.</summary>
    private readonly List<object> _heardWhileReading = [];
    private bool _observing;
    private bool _observeAgain;
    private DateTimeOffset? _reconcileDue;

    public ServiceEntity(string persistenceId, string entityId, int snapshotEvery, ServiceOptions options, TimeProvider clock,
        Func<IActorRef> clusters, Func<IActorRef> families)
        : base(persistenceId, entityId, snapshotEvery, clock)
    {
        _options = options;
        _clusters = clusters;
        _families = families;
        Command<DescribeService>(_ => Sender.Tell(new ServiceAnswer(State.Exists ? View() : null, null)));
        Command<ListDeployments>(list => Sender.Tell(ListedDeployments(State, list)));
        Command<DescribeDeployments>(describe => Sender.Tell(NamedDeployments(State, describe.DeploymentIds)));
        Command<ServiceObservationChanged>(changed =>
        {
            Sender.Tell(new ServiceObservationAcknowledged(State.Name, changed.Epoch, changed.Sequence));
            Hear(changed);
        });
        Command<ServiceObservationStale>(Hear);
        Command<ReconcileNow>(_ => Observe());
        Command<ObservationCollected>(OnObserved);
        Command<LaunchAnswered>(OnLaunchAnswered);
        // Answers to what this service told its cluster (stops, release): nothing to do with them.
        Command<TaskAnswer>(_ => { });
        Command<EntityResponse<ClusterState>>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private IActorRef Cluster => _clusters();

    protected override ServiceState PublicState(ServiceState state) => state.Public();

    protected override object Reply(IServiceCommand command, DomainError? error, ServiceState after) =>
        new ServiceAnswer(after.Exists ? ViewOf(after, _lastObservation) : null, error);

    protected override void OnRecovered()
    {
        if (State.Status == ServiceStatus.INACTIVE) Release();
        else if (State.Exists) ReconcileIn(TimeSpan.Zero);
    }

    protected override void OnPersisted(IServiceEvent @event)
    {
        switch (@event)
        {
            case ServiceTasksLaunchRequested launch:
                Launch(State.Launches.Find(l => l.Token == launch.Token)!);
                break;
            case ServiceTasksStopRequested stop:
                foreach (var task in stop.Tasks)
                    Cluster.Tell(new ShardingEnvelope(State.ClusterName,
                        new StopClusterTask(Internal("stop"), task.TaskId, TaskStopCode.ServiceSchedulerInitiated, task.Reason)));
                break;
            case ServiceInactivated:
                Release();
                break;
            case ServiceCreated or ServiceUpdated or ServiceDeleted or ServiceDeploymentStarted:
                ReconcileIn(TimeSpan.Zero);
                break;
        }
    }

    private RequestContext Internal(string what) => new(Clock.GetUtcNow(), $"{what}-{Guid.NewGuid():N}", "actors:service-scheduler");

    private void Release() => Cluster.Tell(new ShardingEnvelope(State.ClusterName, new ReleaseService(Internal("release"), State.Name)));

    // ------------------------------------------------------------------ the reconcile loop

    /// <summary>Reconciles after <paramref name="delay"/>, unless one is already due sooner.</summary>
    private void ReconcileIn(TimeSpan delay)
    {
        var due = Clock.GetUtcNow() + delay;
        if (_reconcileDue is { } planned && planned <= due && Timers.IsTimerActive(ReconcileTimer)) return;
        _reconcileDue = due;
        Timers.StartSingleTimer(ReconcileTimer, ReconcileNow.Instance, delay);
    }

    private void Observe()
    {
        _reconcileDue = null;
        if (!State.Exists || State.Status == ServiceStatus.INACTIVE) return;
        if (_observing)
        {
            _observeAgain = true;
            return;
        }
        // Launches nobody is waiting for (asked before a crash, or their answer was lost) are asked again, same token.
        foreach (var launch in State.Launches.Where(l => l.TaskIds is null && !_launching.Contains(l.Token))) Launch(launch);
        if (AwaitingLaunchAnswers) return;

        var daemon = State.SchedulingStrategy == SchedulingStrategy.DAEMON ? State.Primary : null;
        if (_cache is { } cache && cache.DaemonDeployment == daemon?.Id && Clock.GetUtcNow() < cache.ReadAt + _options.WholeObservationInterval)
        {
            Reconcile(cache.Observation);
            return;
        }
        _observing = true;
        _cache = null;
        var cluster = Cluster;
        var clusterName = State.ClusterName;
        var serviceName = State.Name;
        var readAt = Clock.GetUtcNow();
        Collect(cluster, clusterName, serviceName, daemon?.Revision).PipeTo(Self,
            success: read => new ObservationCollected(read, daemon?.Id, readAt, null),
            failure: cause => new ObservationCollected(null, daemon?.Id, readAt, cause));
    }

    /// <summary>
    /// Every page of what the cluster runs of this service; the first subscribes it to the scheduler's feed. Runs outside
    /// the actor: it reads nothing of its state.
    /// </summary>
    private async Task<WholeRead> Collect(IActorRef cluster, string clusterName, string serviceName, ServiceRevision? daemon)
    {
        DaemonEligibility? eligibility = null;
        if (daemon is not null)
        {
            var revision = await Revision(daemon.Family, daemon.Revision);
            eligibility = new DaemonEligibility(PlacementRules.Combine(revision.Spec.PlacementConstraints, daemon.Constraints),
                [.. revision.RequiresAttributes]);
        }
        var tasks = ImmutableList.CreateBuilder<ObservedTask>();
        var instances = new Dictionary<string, ObservedInstance>(StringComparer.Ordinal);
        string? afterTask = null, afterInstance = null;
        ServiceObservationPage? first = null;
        var pages = 0;
        while (true)
        {
            var page = await cluster.Ask<ServiceObservationPage>(
                new ShardingEnvelope(clusterName, new ObserveService(serviceName, eligibility, afterTask, afterInstance)), _options.AskTimeout);
            pages++;
            if (page.Error is { } error) throw new InvalidOperationException(error.Message);
            first ??= page;
            // The scheduler started anew between two pages: what was read of the earlier one may be gone.
            if (page.Epoch != first.Epoch) throw new InvalidOperationException("The cluster's scheduler restarted during the read.");
            tasks.AddRange(page.Tasks);
            foreach (var instance in page.Instances) instances[instance.InstanceId] = instance;
            if (page.NextTaskId is null && page.NextInstanceId is null) break;
            (afterTask, afterInstance) = (page.NextTaskId, page.NextInstanceId);
        }
        return new WholeRead(first.Epoch, first.Sequence, new ServiceObservation(tasks.ToImmutable(), [.. instances.Values]), pages);
    }

    private void OnObserved(ObservationCollected collected)
    {
        _observing = false;
        var heard = _heardWhileReading.ToList();
        _heardWhileReading.Clear();
        if (collected.Read is not { } read)
        {
            _log.Warning("Service {0}: could not observe its cluster ({1}); trying again", State.EntityId, collected.Failure?.Message);
            ReconcileIn(_options.BusyReconcileInterval);
            return;
        }
        Context.System.EventStream.Publish(new ServiceObservationRead(State.EntityId, true, read.Pages, read.Observation.Tasks.Count));
        _cache = new ObservationCache(read.Epoch, read.Sequence, collected.DaemonDeployment, collected.ReadAt, read.Observation);
        foreach (var message in heard) Hear(message);
        if (_cache is not { } cache) return;
        if (AwaitingLaunchAnswers) return;
        Reconcile(cache.Observation);
    }

    /// <summary>
    /// A message of the scheduler's feed: a change applied to what the service knows (and a reconcile soon), or word that
    /// its feed began anew, so that it reads whole at the next reconcile. While a read is under way it waits for the read.
    /// </summary>
    private void Hear(object message)
    {
        if (_observing)
        {
            _heardWhileReading.Add(message);
            return;
        }
        switch (message)
        {
            case ServiceObservationChanged changed when _cache is { } cache && changed.Epoch == cache.Epoch:
                if (!cache.Apply(changed)) return;
                Context.System.EventStream.Publish(new ServiceObservationRead(State.EntityId, false, 1, changed.Tasks.Count + changed.RemovedTasks.Count));
                break;
            // The scheduler said so before the read began (it has a feed for this service since the read's first page).
            case ServiceObservationStale stale when _cache?.Epoch == stale.Epoch:
                return;
            default:
                _cache = null;
                break;
        }
        ReconcileIn(_options.ChangeDebounce);
    }

    private void Reconcile(ServiceObservation observation)
    {
        _lastObservation = observation;
        Execute(new ReconcileService(Internal("reconcile"), observation, _options.Scheduler), error =>
        {
            if (error is not null) _log.Warning("Service {0}: reconcile refused: {1}", State.EntityId, error.Message);
            if (_observeAgain)
            {
                _observeAgain = false;
                ReconcileIn(_options.ChangeDebounce);
            }
            else ReconcileIn(NextLook());
        });
    }

    /// <summary>
    /// A launch whose answer has not been recorded may have placed its tasks already: an observation would show them while
    /// the launch still counts them as to come, and the reconcile would take them for an excess. The answer reconciles.
    /// </summary>
    private bool AwaitingLaunchAnswers => State.Launches.Any(l => l.TaskIds is null);

    /// <summary>Soon while there is work in flight; at the throttle's or the placement retry's time; rarely when steady.</summary>
    private TimeSpan NextLook()
    {
        var now = Clock.GetUtcNow();
        var busy = State.Primary?.RolloutState == RolloutState.IN_PROGRESS || !State.Launches.IsEmpty || !State.Stopping.IsEmpty
                   || State.Status == ServiceStatus.DRAINING || (_lastObservation is { } seen && Counts(seen).Running != DesiredCount(State, seen));
        var next = busy ? _options.BusyReconcileInterval : _options.SteadyReconcileInterval;
        foreach (var waitUntil in new[] { State.NextLaunchNotBefore, State.PlacementFailedAt + ServiceScheduler.PlacementRetryDelay })
            if (waitUntil is { } at && at > now) next = TimeSpan.FromTicks(Math.Min(Math.Max(next.Ticks, (at - now).Ticks), _options.SteadyReconcileInterval.Ticks));
        return next;
    }

    private static int DesiredCount(ServiceState state, ServiceObservation observation) => !state.IsActive ? 0
        : state.SchedulingStrategy == SchedulingStrategy.DAEMON ? observation.Instances.Count(i => i.Eligible)
        : state.DesiredCount;

    // ------------------------------------------------------------------ launches

    private void Launch(ServiceLaunch launch)
    {
        if (!_launching.Add(launch.Token)) return;
        var deployment = State.Deployment(launch.DeploymentId)!;
        var request = new LaunchInputs(State.ClusterName, State.Name, deployment.Id, deployment.Revision, State.Tags,
            State.PropagateTags == "SERVICE", launch);
        Ask(request).PipeTo(Self,
            success: result => new LaunchAnswered(launch.Token, result),
            failure: _ => new LaunchAnswered(launch.Token, null));
    }

    /// <summary>The launch as every launch is asked: by task definition and options; the scheduler resolves the revision and makes the spec.</summary>
    private Task<LaunchResult> Ask(LaunchInputs inputs)
    {
        var strategies = inputs.Revision.Strategies.IsEmpty && inputs.Launch.Targets.IsEmpty
            ? [.. PlacementStrategy.ServiceDefault, PlacementStrategy.SpreadOn(PlacementStrategy.InstanceIdField)]
            : inputs.Revision.Strategies;
        var options = new LaunchOptions(null, 0, $"service:{inputs.ServiceName}", inputs.DeploymentId, inputs.PropagateServiceTags ? inputs.Tags : [],
            null, false, inputs.Revision.Constraints, strategies, ActiveRevisionFor: null);
        var token = $"service:{inputs.ServiceName}:{inputs.Launch.Token}";
        var launch = new LaunchTasks(new RequestContext(inputs.Launch.RequestedAt, token, "actors:service-scheduler"),
            $"{inputs.Revision.Family}:{inputs.Revision.Revision}", options, inputs.Launch.Count,
            inputs.Launch.Targets.IsEmpty ? null : inputs.Launch.Targets, token, inputs.Launch.Token, []);
        return _clusters().Ask<LaunchResult>(new ShardingEnvelope(inputs.ClusterName, launch), _options.AskTimeout);
    }

    private void OnLaunchAnswered(LaunchAnswered answered)
    {
        _launching.Remove(answered.Token);
        if (answered.Result is not { } result)
        {
            // No answer in time: the next reconcile asks again with the same token.
            ReconcileIn(_options.BusyReconcileInterval);
            return;
        }
        var failures = result.Error is { } error
            ? ImmutableList.Create($"{PlacementFailureSentence.Opening} {error.Message}")
            : result.Failures.IsEmpty ? [] : ImmutableList.Create(PlacementFailureSentence.Of(result.Failures, result.FailureCounts));
        Execute(new RecordServiceLaunch(Internal("launch"), answered.Token, [.. result.Tasks.Select(t => t.TaskId)], failures),
            _ => ReconcileIn(TimeSpan.Zero));
    }

    /// <summary>A task definition revision, fetched once: revisions never change what they run.</summary>
    private async Task<TaskDefinitionRevision> Revision(string family, int number)
    {
        if (_revisions.TryGetValue((family, number), out var known)) return known;
        var answer = await _families().Ask<RevisionAnswer>(new ShardingEnvelope(family, new GetRevision(number)), _options.AskTimeout);
        return _revisions[(family, number)] = answer.Revision
            ?? throw new InvalidOperationException(answer.Error?.Message ?? $"Task definition {family}:{number} not found.");
    }

    // ------------------------------------------------------------------ queries

    private ServiceView View() => ViewOf(State, _lastObservation);

    /// <summary>
    /// The service as DescribeServices shows it, counted from an observation of its cluster (null before the first).
    /// Lean, as replies are: the current deployments only, the primary's placement only (the others are named by their
    /// task definition), and the newest events that fit one message beside the rest - all 100 of ECS's unless the
    /// service's tags and placement are as long as ECS allows.
    /// </summary>
    public static ServiceView ViewOf(ServiceState state, ServiceObservation? observation)
    {
        observation ??= ServiceObservation.Empty;
        var primary = state.Primary;
        var current = state.Deployments.Where(d => d.Status != DeploymentStatus.INACTIVE).ToList();
        var counts = current.ToImmutableDictionary(d => d.Id, d => CountsOf(state, observation, d.Id));
        var shown = state.Public() with
        {
            Deployments = [.. current.Select(d => d.Id == primary?.Id ? d with { CountedFailures = [] } : Lean(d))],
            Messages = [],
        };
        var view = new ServiceView(shown, DesiredCount(state, observation), counts.Values.Sum(c => c.Running), counts.Values.Sum(c => c.Pending), counts);
        var room = Math.Max(0, MessageBudget.Bytes - MessageBudget.SizeOf(view));
        return view with { Service = shown with { Messages = [.. MessageBudget.Take(state.Messages, room).Taken] } };
    }

    private (int Running, int Pending) Counts(ServiceObservation observation)
    {
        var all = State.CurrentDeployments.Select(d => CountsOf(State, observation, d.Id)).ToList();
        return (all.Sum(c => c.Running), all.Sum(c => c.Pending));
    }

    private static DeploymentCounts CountsOf(ServiceState state, ServiceObservation observation, string deploymentId)
    {
        var live = observation.Tasks.Where(t => t.DeploymentId == deploymentId && t.IsLive && t.DesiredStatus == TaskLifecycleStatus.RUNNING).ToList();
        var running = live.Count(t => t.LastStatus == TaskLifecycleStatus.RUNNING);
        var launching = state.Launches.Where(l => l.DeploymentId == deploymentId).Sum(l => l.TaskIds is null
            ? l.Count
            : l.TaskIds.Count(id => !observation.Tasks.Exists(t => t.TaskId == id)));
        return new DeploymentCounts(running, live.Count - running + launching);
    }

    /// <summary>A deployment without its placement and failure ids: what a list of deployments needs of each.</summary>
    private static Deployment Lean(Deployment deployment) => deployment with
    {
        CountedFailures = [],
        Revision = deployment.Revision with { Constraints = [], Strategies = [] },
    };

    /// <summary>ListServiceDeployments: newest first, without placement, as many of the page asked for as fit one message.</summary>
    public static DeploymentPage ListedDeployments(ServiceState state, ListDeployments list)
    {
        if (!state.Exists) return new DeploymentPage([], false, Service.ServiceNotFound());
        var matching = state.Deployments.Reverse()
            .Where(d => d.RollbackOf is null)
            .Where(d => list.CreatedAfter is null || d.CreatedAt >= list.CreatedAfter)
            .Where(d => list.CreatedBefore is null || d.CreatedAt <= list.CreatedBefore)
            .Where(d => list.Statuses.IsEmpty || list.Statuses.Contains(d.Lifecycle))
            .SkipWhile(d => list.AfterDeploymentId is not null && d.Id != list.AfterDeploymentId)
            .Skip(list.AfterDeploymentId is null ? 0 : 1)
            .Take(list.Limit + 1).Select(Lean).ToList();
        var (page, cut) = MessageBudget.Take(matching.Take(list.Limit));
        return new DeploymentPage([.. page], cut || matching.Count > list.Limit, null);
    }

    /// <summary>
    /// DescribeServiceDeployments / DescribeServiceRevisions: each named deployment whole, followed by the deployments that
    /// rolled it back (without placement), as many as fit one message; More says to ask again for the rest.
    /// </summary>
    public static DeploymentPage NamedDeployments(ServiceState state, IReadOnlyCollection<string> ids)
    {
        var named = state.Deployments.Where(d => ids.Contains(d.Id)).Select(d => (List<Deployment>)
            [d with { CountedFailures = [] }, .. state.Deployments.Where(r => r.RollbackOf == d.Id && !ids.Contains(r.Id)).Select(Lean)]);
        var (taken, more) = MessageBudget.Take(named);
        return new DeploymentPage([.. taken.SelectMany(group => group)], more, null);
    }

    private sealed record LaunchInputs(
        string ClusterName, string ServiceName, string DeploymentId, ServiceRevision Revision, ImmutableList<Tag> Tags, bool PropagateServiceTags,
        ServiceLaunch Launch);

    private sealed record ReconcileNow : INoSerializationVerificationNeeded
    {
        public static ReconcileNow Instance { get; } = new();
    }

    /// <summary>A whole read: its pages, and the scheduler's start and feed sequence as of its first page.</summary>
    private sealed record WholeRead(string Epoch, long Sequence, ServiceObservation Observation, int Pages);

    private sealed record ObservationCollected(WholeRead? Read, string? DaemonDeployment, DateTimeOffset ReadAt, Exception? Failure)
        : INoSerializationVerificationNeeded;

    private sealed record LaunchAnswered(string Token, LaunchResult? Result) : INoSerializationVerificationNeeded;
}
