using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Launches;
using Actors.Domain.Placement;
using Actors.Domain.Scheduling;
using Actors.Domain.Tasks;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Services;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace Actors.Nodes.Scheduling;

public sealed record SchedulerOptions
{
    /// <summary>How long instances that have not reported yet may keep a restarted scheduler from answering.</summary>
    public TimeSpan ViewRebuildTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a clientToken is remembered (ECS's stopped tasks live about as long).</summary>
    public TimeSpan ClientTokenRetention { get; init; } = TimeSpan.FromHours(1);
    /// <summary>How long stopped tasks stay in the view (as long as the instances keep them).</summary>
    public TimeSpan StoppedTaskRetention { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long an instance may take to answer a placement before it is asked again (placing is idempotent).</summary>
    public TimeSpan PlacementAskTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How long a (de)registration waits for its instance: nearly as long as the gateway waits, since an agent that
    /// hears nothing registers again as a new instance.
    /// </summary>
    public TimeSpan RegistrationAskTimeout { get; init; } = TimeSpan.FromSeconds(25);
    /// <summary>
    /// Tasks (and instances) per page of a service's observation: far below a remote frame, each task on an instance of
    /// its own with the longest zone (56 KB). Services read whole rarely: their feed tells them what changes.
    /// </summary>
    public int ObservationPageSize { get; init; } = 100;
    /// <summary>A service's feed message unacknowledged this long (one to two of these) is sent again, with what is then current.</summary>
    public TimeSpan ServiceFeedResendInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The cluster entity and its scheduler, one per cluster: the cluster aggregate's shell (settings, tags, membership,
/// admission of services) plus the placement view, fed by the instances' changes. Launches are run by its
/// <see cref="LaunchCoordinator"/>, whose records it persists in the cluster's stream. Registration and deregistration of
/// instances go through here too, so membership and the instances agree.
/// What it keeps in memory is a cache a restart rebuilds: the placement view (every member reports what it holds again,
/// requests wait meanwhile), the instances whose (de)registration is in flight (their asks die with it; an instance left
/// unregistered leaves the cluster when it reports), and the coordinator's caches (see there).
/// </summary>
public sealed partial class ClusterScheduler : AggregateEntity<Cluster, ClusterState, IClusterCommand, IClusterEvent>, IWithTimers, LaunchCoordinator.IHost
{
    private const string HousekeepingTimer = "housekeeping";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SchedulerOptions _options;
    private readonly Func<IActorRef> _instances;
    private readonly Func<IActorRef> _services;
    private readonly Func<IActorRef> _families;
    private readonly PlacementView _view = new();
    private readonly HashSet<string> _awaitingFirstReport = new(StringComparer.Ordinal);
    private readonly List<(object Message, IActorRef Sender)> _deferred = [];
    private bool _viewReady;
    /// <summary>Instances whose (de)registration is in flight: their changes do not settle membership meanwhile.</summary>
    private readonly HashSet<string> _registering = new(StringComparer.Ordinal);
    private readonly LaunchCoordinator _launches;

    public ClusterScheduler(string persistenceId, string entityId, int snapshotEvery, SchedulerOptions options, TimeProvider clock,
        Func<IActorRef> instances, Func<IActorRef> services, Func<IActorRef> families)
        : base(persistenceId, entityId, snapshotEvery, clock)
    {
        _families = families;
        _options = options;
        _instances = instances;
        _services = services;
        _launches = new LaunchCoordinator(this, _view);
        Command<InstanceChanged>(OnInstanceChanged);
        Command<ViewRebuildTimedOut>(_ => MarkViewReady());
        Command<LaunchTasks>(launch => WhenViewReady(launch, () => _launches.Launch(launch, Sender)));
        Command<LaunchCoordinator.RevisionResolved>(_launches.OnRevisionResolved);
        Command<LaunchCoordinator.PlacementAnswered>(_launches.OnPlacementAnswered);
        Command<LaunchCoordinator.OutcomeDescribed>(LaunchCoordinator.OnOutcomeDescribed);
        Command<StopClusterTask>(stop => WhenViewReady(stop, () => HandToInstance(stop.TaskId,
            new Domain.ContainerInstances.StopTask(stop.Context, stop.TaskId, stop.StopCode, stop.Reason),
            new TaskAnswer(null, DomainError.InvalidParameter(ContainerInstance.TaskNotFoundMessage)), Sender)));
        Command<TagClusterTask>(tag => WhenViewReady(tag, () =>
            HandToInstance(tag.Command.TaskId, tag.Command, TaskTagsNotFound(tag.Command.TaskId), Sender)));
        Command<UntagClusterTask>(untag => WhenViewReady(untag, () =>
            HandToInstance(untag.Command.TaskId, untag.Command, TaskTagsNotFound(untag.Command.TaskId), Sender)));
        Command<GetClusterTaskTags>(get => WhenViewReady(get, () =>
            HandToInstance(get.TaskId, new GetTaskTags(get.TaskId), TaskTagsNotFound(get.TaskId), Sender)));
        Command<LocateTasks>(locate => WhenViewReady(locate, () => Sender.Tell(new TaskLocations(locate.TaskIds
            .Select(id => (Id: id, Instance: _view.Locate(id))).Where(l => l.Instance is not null)
            .ToImmutableDictionary(l => l.Id, l => l.Instance!, StringComparer.Ordinal)))));
        Command<ListClusterTasks>(list => WhenViewReady(list, () => Sender.Tell(ListTasks(list))));
        Command<ListClusterInstances>(list => WhenViewReady(list, () => Sender.Tell(ListInstances(list))));
        Command<ListClusterAttributes>(list => WhenViewReady(list, () => Sender.Tell(ListAttributes(list))));
        Command<GetClusterSummary>(summary => WhenViewReady(summary, () =>
        {
            var (registered, running, pending) = _view.Statistics();
            Sender.Tell(new ClusterSummary(State.Public(), registered, running, pending));
        }));
        Command<RegisterInstance>(request =>
        {
            // Named once, here: a registration that waits is looked at again with the same name.
            var register = request with { Command = ContainerInstance.Named(request.Command, () => Guid.NewGuid().ToString("N")) };
            WhenInstancesFree(register, [register.Command.InstanceId!], includeRegistering: false, () => Register(register, Sender));
        });
        Command<RegistrationAnswered>(OnRegistrationAnswered);
        Command<DeregisterInstance>(deregister =>
            WhenInstancesFree(deregister, [deregister.InstanceId], includeRegistering: false, () => Deregister(deregister, Sender)));
        Command<DeregistrationAnswered>(OnDeregistrationAnswered);
        Command<Housekeeping>(_ => Housekeep());
        Command<CreateServiceInCluster>(create => CreateService(create, Sender));
        Command<ServiceCreationAnswered>(OnServiceCreationAnswered);
        Command<ListClusterServices>(list => Sender.Tell(Page(
            State.Services.Where(s => list.SchedulingStrategy is null || s.Value == list.SchedulingStrategy).Select(s => s.Key), list.AfterName, list.Limit)));
        Command<ObserveService>(observe => WhenViewReady(observe, () => Sender.Tell(Observe(observe))));
        ReceiveInstanceWrites();
        Command<ServiceObservationAcknowledged>(OnServiceFeedAcknowledged);
        Command<ServiceFeedTick>(_ => OnServiceFeedTick());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override ClusterState PublicState(ClusterState state) => state.Public();

    protected override void OnRecovered()
    {
        Timers.StartPeriodicTimer(HousekeepingTimer, Housekeeping.Instance, _options.HousekeepingInterval);
        Timers.StartPeriodicTimer(ServiceFeedTimer, ServiceFeedTick.Instance, _options.ServiceFeedResendInterval);
        // The view lives in memory: every member tells it again what it holds.
        foreach (var instanceId in State.ContainerInstanceIds)
        {
            _awaitingFirstReport.Add(instanceId);
            _instances().Tell(new ShardingEnvelope(InstanceEntityId(instanceId), ResendChanges.Instance));
        }
        if (_awaitingFirstReport.Count == 0) MarkViewReady();
        else Timers.StartSingleTimer(nameof(ViewRebuildTimedOut), ViewRebuildTimedOut.Instance, _options.ViewRebuildTimeout);
        _launches.Resume();
    }

    protected override void OnPersisted(IClusterEvent @event)
    {
        if (@event is LaunchCompleted completed) _launches.OnCompleted(completed);
    }

    ClusterState LaunchCoordinator.IHost.State => State;
    IActorRef LaunchCoordinator.IHost.Self => Self;
    IActorRef LaunchCoordinator.IHost.Instances => _instances();
    IActorRef LaunchCoordinator.IHost.Families => _families();
    TimeSpan LaunchCoordinator.IHost.PlacementAskTimeout => _options.PlacementAskTimeout;
    void LaunchCoordinator.IHost.Execute(ILaunchCommand command, Action<DomainError?> then) => Execute(command, then);
    RequestContext LaunchCoordinator.IHost.Internal(string reason) => Internal(reason);

    private string InstanceEntityId(string instanceId) => ContainerInstanceState.EntityIdOf(State.Name, instanceId);

    private RequestContext Internal(string reason) => new(Clock.GetUtcNow(), $"{reason}-{Guid.NewGuid():N}", "actors:scheduler");

    // ------------------------------------------------------------------ the view

    private void WhenViewReady(object message, Action handle)
    {
        if (_viewReady) handle();
        else _deferred.Add((message, Sender));
    }

    private void MarkViewReady()
    {
        if (_viewReady) return;
        _viewReady = true;
        if (_awaitingFirstReport.Count > 0)
            _log.Warning("Cluster {0}: placing without {1} instance(s) that did not report within {2}", State.Name, _awaitingFirstReport.Count,
                _options.ViewRebuildTimeout);
        foreach (var (message, sender) in _deferred) Self.Tell(message, sender);
        _deferred.Clear();
        // What services knew came from an earlier scheduler, whose feed is gone with it: each reads again.
        foreach (var service in State.Services.Keys) TellStale(service);
    }

    private void OnInstanceChanged(InstanceChanged changed)
    {
        var changes = changed.Changes;
        var instanceId = changes.Instance.InstanceId;
        Sender.Tell(new InstanceChangesAcknowledged(changes.UpToVersion, [.. changes.Tasks.Select(t => t.TaskId), .. changes.Forgotten]));
        var member = State.ContainerInstanceIds.Contains(instanceId);
        if (member && !changes.Instance.IsRegistered && !_registering.Contains(instanceId))
        {
            // A registration or deregistration cut short by a crash: the instance is not registered, so it leaves the cluster.
            Execute(new ReleaseContainerInstance(Internal("membership"), instanceId), _ => { });
            RemoveFromView(instanceId);
        }
        else if (member || _registering.Contains(instanceId))
        {
            var before = _view.Instance(instanceId);
            // Forgotten tasks leave the view with their groups: the services they belonged to are found first.
            var forgotten = changes.Forgotten.Count == 0
                ? []
                : _view.Tasks(instanceId).Where(t => changes.Forgotten.Contains(t.TaskId)).Select(t => (t.TaskId, t.Group)).ToList();
            _view.Apply(changes);
            FeedServices(before, changes.Instance, [.. changes.Tasks.Select(t => (t.TaskId, t.Group)), .. forgotten]);
        }
        if (_awaitingFirstReport.Remove(instanceId) && _awaitingFirstReport.Count == 0) MarkViewReady();
    }

    private const string ServiceGroupPrefix = "service:";

    // ------------------------------------------------------------------ tasks

    /// <summary>
    /// Hands a message about one task to the instance holding it, which answers the caller itself: nothing comes back
    /// through here. A task the view does not know is answered at once with <paramref name="whenUnknown"/>.
    /// </summary>
    private void HandToInstance(string taskId, object message, object whenUnknown, IActorRef replyTo)
    {
        if (_view.Locate(taskId) is { } instanceId) _instances().Tell(new ShardingEnvelope(InstanceEntityId(instanceId), message), replyTo);
        else replyTo.Tell(whenUnknown);
    }

    private TaskTags TaskTagsNotFound(string taskId) => new([], ContainerInstance.TaskResourceNotFound(State.Name, taskId));

    private IdPage ListTasks(ListClusterTasks list)
    {
        var ids = _view.Tasks(list.ContainerInstanceId)
            .Where(t => t.DesiredStatus == list.DesiredStatus)
            .Where(t => list.Family is null || t.Family == list.Family)
            .Where(t => list.StartedBy is null || t.StartedBy == list.StartedBy)
            .Where(t => list.Group is null || t.Group == list.Group)
            .Select(t => t.TaskId);
        return Page(ids, list.AfterTaskId, list.Limit);
    }

    private IdPage ListInstances(ListClusterInstances list)
    {
        ClusterQuery? filter = null;
        if (list.Filter is { } text && !ClusterQuery.TryParse(text, out filter, out _)) return new IdPage([], false);
        var ids = _view.Candidates()
            .Where(c => list.Status is null || c.Instance.Status == list.Status)
            .Where(c => filter is null || filter.Matches(new ContainerInstanceQuerySubject(c.Instance, c.TaskGroups.Distinct().ToList())))
            .Select(c => c.Instance.InstanceId);
        return Page(ids, list.AfterInstanceId, list.Limit);
    }

    private AttributePage ListAttributes(ListClusterAttributes list)
    {
        var page = _view.Instances
            .Where(i => i.IsRegistered)
            .SelectMany(i => i.Attributes.Select(a => new InstanceAttribute(i.InstanceId, a.Name, a.Value)))
            .Where(a => list.AttributeName is null || a.Name == list.AttributeName)
            .Where(a => list.AttributeValue is null || a.Value == list.AttributeValue)
            .Where(a => list.AfterInstanceId is null
                        || string.CompareOrdinal(a.ContainerInstanceId, list.AfterInstanceId) > 0
                        || (a.ContainerInstanceId == list.AfterInstanceId && string.CompareOrdinal(a.Name, list.AfterName) > 0))
            .OrderBy(a => a.ContainerInstanceId, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal)
            .Take(list.Limit + 1).ToList();
        return new AttributePage([.. page.Take(list.Limit)], page.Count > list.Limit);
    }

    private static IdPage Page(IEnumerable<string> ids, string? after, int limit)
    {
        var page = ids.Where(id => after is null || string.CompareOrdinal(id, after) > 0).Order(StringComparer.Ordinal).Take(limit + 1).ToList();
        var more = page.Count > limit;
        return new IdPage([.. page.Take(limit)], more);
    }

    // ------------------------------------------------------------------ membership

    private void Register(RegisterInstance register, IActorRef replyTo)
    {
        var command = register.Command;
        var instanceId = command.InstanceId!;
        if (!State.IsActive && State.Name == Cluster.DefaultName)
        {
            // ECS creates the cluster "default" for the first instance that registers into it (again, once deleted).
            Execute(new CreateCluster(command.Context, [], [], null, null, []), error =>
            {
                if (error is null) Register(register, replyTo);
                else replyTo.Tell(new EntityResponse<ContainerInstanceState>(ContainerInstanceState.Unregistered(State.Name, instanceId), error));
            });
            return;
        }
        Execute(new AdmitContainerInstance(command.Context, instanceId, register.MaxInstances), error =>
        {
            if (error is not null)
            {
                replyTo.Tell(new EntityResponse<ContainerInstanceState>(ContainerInstanceState.Unregistered(State.Name, instanceId), error));
                return;
            }
            _registering.Add(instanceId);
            _instances().Ask<EntityResponse<ContainerInstanceState>>(new ShardingEnvelope(InstanceEntityId(instanceId), command),
                    _options.RegistrationAskTimeout)
                .PipeTo(Self, success: response => new RegistrationAnswered(replyTo, instanceId, response),
                    failure: _ => new RegistrationAnswered(replyTo, instanceId, null));
        });
    }

    private void OnRegistrationAnswered(RegistrationAnswered answered)
    {
        _registering.Remove(answered.InstanceId);
        ReleaseWaitingForInstances();
        if (answered.Response is { Error: null, State.IsRegistered: true } registered) Remember(registered.State);
        if (answered.Response is not { } response)
        {
            // Unknown whether the instance recorded it: leave the member; the instance's own changes settle it.
            answered.ReplyTo.Tell(new Status.Failure(new TimeoutException($"Container instance {answered.InstanceId} did not answer in time.")));
            return;
        }
        if (response.Error is not null && !response.State.IsRegistered)
        {
            // A refused registration must not leave a member behind in the cluster (nor re-admit a deregistered one).
            Execute(new ReleaseContainerInstance(Internal("membership"), answered.InstanceId), _ => answered.ReplyTo.Tell(response));
            return;
        }
        answered.ReplyTo.Tell(response);
    }

    private void Deregister(DeregisterInstance deregister, IActorRef replyTo)
    {
        _registering.Add(deregister.InstanceId);
        _instances().Ask<EntityResponse<ContainerInstanceState>>(new ShardingEnvelope(InstanceEntityId(deregister.InstanceId), deregister.Command),
                _options.RegistrationAskTimeout)
            .PipeTo(Self, success: response => new DeregistrationAnswered(replyTo, deregister, response),
                failure: _ => new DeregistrationAnswered(replyTo, deregister, null));
    }

    private void OnDeregistrationAnswered(DeregistrationAnswered answered)
    {
        _registering.Remove(answered.Request.InstanceId);
        ReleaseWaitingForInstances();
        if (answered.Response is not { } response)
        {
            answered.ReplyTo.Tell(new Status.Failure(new TimeoutException($"Container instance {answered.Request.InstanceId} did not answer in time.")));
            return;
        }
        if (response.Error is not null)
        {
            answered.ReplyTo.Tell(response);
            return;
        }
        Execute(new ReleaseContainerInstance(answered.Request.Command.Context, answered.Request.InstanceId), _ =>
        {
            RemoveFromView(answered.Request.InstanceId);
            _written.Remove(answered.Request.InstanceId);
            answered.ReplyTo.Tell(response);
        });
    }

    // ------------------------------------------------------------------ services

    private void CreateService(CreateServiceInCluster create, IActorRef replyTo)
    {
        var command = create.Command;
        Execute(new AdmitService(command.Context, create.ServiceName, command.SchedulingStrategy, create.MaxServices), error =>
        {
            if (error is not null)
            {
                replyTo.Tell(new ServiceAnswer(null, error));
                return;
            }
            _services().Ask<ServiceAnswer>(new ShardingEnvelope(ServiceState.EntityIdOf(State.Name, create.ServiceName), command),
                    _options.RegistrationAskTimeout)
                .PipeTo(Self, success: answer => new ServiceCreationAnswered(replyTo, create.ServiceName, answer),
                    failure: _ => new ServiceCreationAnswered(replyTo, create.ServiceName, null));
        });
    }

    private void OnServiceCreationAnswered(ServiceCreationAnswered answered)
    {
        if (answered.Answer is not { } answer)
        {
            // Unknown whether the service recorded itself: it stays a member; an INACTIVE service releases itself.
            answered.ReplyTo.Tell(new Status.Failure(new TimeoutException($"Service {answered.ServiceName} did not answer in time.")));
            return;
        }
        if (answer.Error is not null && answer.Service?.Service.Status is null or ServiceStatus.INACTIVE)
        {
            // A refused creation leaves no service behind in the cluster.
            Execute(new ReleaseService(Internal("services"), answered.ServiceName), _ => answered.ReplyTo.Tell(answer));
            return;
        }
        answered.ReplyTo.Tell(answer);
    }

    /// <summary>
    /// One page of what runs of a service: its tasks in id order with their instances, then (DAEMON) every instance. The
    /// first page subscribes the service to its feed; the last one starts it.
    /// </summary>
    private ServiceObservationPage Observe(ObserveService observe)
    {
        if (observe.AfterTaskId is null && observe.AfterInstanceId is null) Subscribe(observe.ServiceName, observe.Daemon);
        var limit = _options.ObservationPageSize;
        var tasks = ImmutableList.CreateBuilder<ObservedTask>();
        var instances = new Dictionary<string, ObservedInstance>(StringComparer.Ordinal);
        string? nextTaskId = null;
        var eligibility = Eligibility(observe.Daemon);
        if (observe.AfterInstanceId is null)
        {
            foreach (var (task, instanceId) in _view.TasksOfGroup(ServiceGroupPrefix + observe.ServiceName, observe.AfterTaskId))
            {
                if (tasks.Count == limit)
                {
                    nextTaskId = tasks[^1].TaskId;
                    break;
                }
                tasks.Add(ObservedTaskOf(task, instanceId));
                if (!instances.ContainsKey(instanceId) && _view.Instance(instanceId) is { } instance)
                    instances[instanceId] = Observed(instance, eligibility);
            }
        }
        string? nextInstanceId = null;
        if (observe.Daemon is not null && nextTaskId is null)
        {
            var count = 0;
            string? last = null;
            // The view keeps instances in id order, so a page ends at the last id it holds.
            foreach (var instance in _view.Instances)
            {
                if (!instance.IsRegistered || (observe.AfterInstanceId is { } after && string.CompareOrdinal(instance.InstanceId, after) <= 0)) continue;
                if (count++ == limit)
                {
                    nextInstanceId = last;
                    break;
                }
                instances[instance.InstanceId] = Observed(instance, eligibility);
                last = instance.InstanceId;
            }
        }
        var page = new ServiceObservationPage(tasks.ToImmutable(), [.. instances.Values], nextTaskId, nextInstanceId, null, _epoch, _feedSequence);
        if (nextTaskId is null && nextInstanceId is null) StartFeed(observe.ServiceName);
        return page;
    }

    private static ObservedTask ObservedTaskOf(TaskSummary task, string instanceId) => new(task.TaskId, task.StartedBy, instanceId, task.LastStatus,
        task.DesiredStatus, task.HealthStatus, task.StartedAt, task.StopCode, task.StoppedAt);

    private static ObservedInstance Observed(ContainerInstanceState instance, Feasibility eligibility) => new(
        instance.InstanceId,
        eligibility.Check(instance, []) is null,
        instance.Status == ContainerInstanceStatus.DRAINING,
        instance.AttributeValue(PlacementStrategy.AvailabilityZoneAttribute));

    private static readonly Feasibility TakesTasks = Feasibility.ForDaemon([], []);

    /// <summary>
    /// Whether an instance takes the service's tasks (ACTIVE, agent connected) and, for a daemon, meets its requirements:
    /// the placement rule without resources. Task groups are not given, so a task:group query sees no task there.
    /// </summary>
    private static Feasibility Eligibility(DaemonEligibility? daemon) =>
        daemon is null ? TakesTasks : Feasibility.ForDaemon(daemon.RequiredAttributes, daemon.Constraints);

    // ------------------------------------------------------------------ housekeeping

    private void Housekeep()
    {
        var now = Clock.GetUtcNow();
        var forgotten = _view.ForgetStopped(now - _options.StoppedTaskRetention - _options.HousekeepingInterval);
        FeedServices(null, null, [.. forgotten.Select(t => (t.TaskId, t.Group))]);
        _launches.Housekeep(now, _options.ClientTokenRetention);
    }

    private sealed record RegistrationAnswered(IActorRef ReplyTo, string InstanceId, EntityResponse<ContainerInstanceState>? Response) : INoSerializationVerificationNeeded;

    private sealed record DeregistrationAnswered(IActorRef ReplyTo, DeregisterInstance Request, EntityResponse<ContainerInstanceState>? Response) : INoSerializationVerificationNeeded;

    private sealed record ServiceCreationAnswered(IActorRef ReplyTo, string ServiceName, ServiceAnswer? Answer) : INoSerializationVerificationNeeded;

    private sealed record ViewRebuildTimedOut : INoSerializationVerificationNeeded
    {
        public static ViewRebuildTimedOut Instance { get; } = new();
    }

    private sealed record Housekeeping : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static Housekeeping Instance { get; } = new();
    }
}
