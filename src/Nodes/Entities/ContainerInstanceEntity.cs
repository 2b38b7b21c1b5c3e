using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Scheduling;
using Actors.Domain.Tasks;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Entities;

/// <summary>
/// An agent's sync: its report (a heartbeat and every task change it implies), then the desired state - at once when
/// it differs from <paramref name="KnownVersion"/>, else when it changes or <paramref name="MaxWait"/> is over.
/// </summary>
/// <param name="PrecedingParts">How many <see cref="AgentReportPart"/>s of the same request came before, holding the rest of the report.</param>
public sealed record AgentSync(ReportAgentState Report, long KnownVersion, TimeSpan MaxWait, int PrecedingParts = 0);

/// <summary>
/// Part of a large agent report, sent ahead of its <see cref="AgentSync"/> so that no message grows with the number
/// of tasks on a host (a report of 500 tasks would not fit one remote frame).
/// </summary>
/// <param name="Principal">Who sent it: parts from anyone but the instance's agent are dropped, so they cannot spoil its report.</param>
public sealed record AgentReportPart(string RequestId, string Principal, int Index, ImmutableList<ReportedTask> Tasks);

/// <summary>
/// Ends the long poll of the sync with this request id now, with the desired state as it is: the gateway that holds it is
/// stopping, and the agent's next sync must go to a gateway that stays.
/// </summary>
public sealed record EndLongPoll(string RequestId);

/// <param name="Registered">False: the instance is not (or no longer) registered and the agent must register anew.</param>
public sealed record AgentSyncAnswer(bool Registered, DomainError? Error, long DesiredVersion, ContainerInstanceDesiredState? Desired);

/// <summary>How long an agent may stay silent before its instance is marked disconnected, and how long stopped tasks stay.</summary>
public sealed record AgentLeaseOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>An instance whose agent is not connected needs no timer: it sleeps after this long without messages.</summary>
    public TimeSpan IdlePassivation { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>ECS keeps a stopped task describable for about an hour; then it leaves the live state (the journal keeps it).</summary>
    public TimeSpan StoppedTaskRetention { get; init; } = TimeSpan.FromHours(1);
    /// <summary>
    /// How long an agent may stay disconnected before its instance is lost: its tasks are then recorded STOPPED, and
    /// services replace them. ECS leaves them RUNNING until the instance goes; users ask for better (containers-roadmap #2040).
    /// </summary>
    public TimeSpan LostInstanceTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The container-instance entity: the aggregate's shell, plus what only a shell can do - time the agent's lease
/// (heartbeats are syncs; silence longer than the lease marks the agent disconnected), hold long-polling syncs until
/// the desired state changes, forget stopped tasks after retention, and tell its cluster's scheduler every change
/// (resent until acknowledged: the change feed). The last heartbeat is kept in memory; after a restart the lease
/// starts afresh from the recovery, so a control-plane restart never expires an agent that keeps syncing.
/// </summary>
public sealed class ContainerInstanceEntity
    : AggregateEntity<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>, IWithTimers
{
    private const string LeaseTimer = "lease";
    /// <summary>Task summaries per change message: a few dozen KB at most.</summary>
    private const int MaxTasksPerChange = 100;
    private readonly AgentLeaseOptions _lease;
    private readonly Func<IActorRef> _schedulers;
    private readonly List<WaitingSync> _waiting = [];
    /// <summary>Tasks changed since the scheduler last acknowledged, with the instance version of their latest change.</summary>
    private readonly Dictionary<string, long> _unacknowledged = new(StringComparer.Ordinal);
    private long _acknowledgedVersion = -1;
    private DateTimeOffset _lastSeen;
    private DateTimeOffset _lastSent;
    private DateTimeOffset _lastRetentionCheck;
    private (string RequestId, List<ReportedTask> Tasks, int Parts) _reportParts = ("", [], 0);

    public ContainerInstanceEntity(string persistenceId, string entityId, int snapshotEvery, AgentLeaseOptions lease, TimeProvider clock,
        Func<IActorRef> schedulers)
        : base(persistenceId, entityId, snapshotEvery, clock)
    {
        _lease = lease;
        _schedulers = schedulers;
        Command<AgentSync>(Sync);
        Command<AgentReportPart>(part =>
        {
            if (!ContainerInstance.IsAgentOf(State, part.Principal)) return;
            if (part.RequestId != _reportParts.RequestId || part.Index != _reportParts.Parts) _reportParts = (part.RequestId, [], 0);
            if (part.Index != _reportParts.Parts) return;
            _reportParts.Tasks.AddRange(part.Tasks);
            _reportParts.Parts++;
        });
        Command<EndLongPoll>(end =>
        {
            AnswerWaiters(waiter => waiter.RequestId == end.RequestId);
            UpdateIdlePassivation();
        });
        Command<CheckLease>(_ => Tick());
        Command<InstanceChangesAcknowledged>(Acknowledged);
        Command<ResendChanges>(_ =>
        {
            // A restarted scheduler waits for every member's first report: an instance without tasks reports too.
            _acknowledgedVersion = -1;
            MarkAllTasksChanged();
            SendChanges();
        });
        Command<DescribeInstanceTasks>(query =>
        {
            var (described, _) = MessageBudget.Take(
                query.TaskIds.Select(id => State.Tasks.GetValueOrDefault(id)).OfType<TaskState>().Select(t => TaskDescription.Of(t, State)));
            Sender.Tell(new TasksDescribed([.. described]));
        });
        Command<GetTaskTags>(query => Sender.Tell(TagsOf(query.TaskId, null, State)));
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override ContainerInstanceState PublicState(ContainerInstanceState state) => state.WithoutTasks();

    protected override object Reply(IContainerInstanceCommand command, DomainError? error, ContainerInstanceState after) => command switch
    {
        PlaceTask place => new TaskAnswer(error is null ? Described(place.Task.TaskId, after) : null, error),
        StopTask stop => new TaskAnswer(error is null ? Described(stop.TaskId, after) : null, error),
        TagTask tag => TagsOf(tag.TaskId, error, after),
        UntagTask untag => TagsOf(untag.TaskId, error, after),
        _ => base.Reply(command, error, after),
    };

    private static TaskTags TagsOf(string taskId, DomainError? error, ContainerInstanceState state) =>
        error is null && state.Tasks.GetValueOrDefault(taskId) is { } task
            ? new TaskTags(task.Tags, null)
            : new TaskTags([], error ?? ContainerInstance.TaskResourceNotFound(state.ClusterName, taskId));

    private static TaskDescription? Described(string taskId, ContainerInstanceState state) =>
        state.Tasks.GetValueOrDefault(taskId) is { } task ? TaskDescription.Of(task, state) : null;

    protected override void OnRecovered()
    {
        var now = Clock.GetUtcNow();
        _lastSeen = now;
        _lastRetentionCheck = now;
        Timers.StartPeriodicTimer(LeaseTimer, CheckLease.Instance, _lease.CheckInterval);
        // What was sent before a restart may not have arrived: the scheduler hears everything once more.
        MarkAllTasksChanged();
        SendChanges();
        UpdateIdlePassivation();
    }

    protected override void OnPersisted(IContainerInstanceEvent @event)
    {
        foreach (var taskId in ContainerInstance.TasksTouchedBy(@event)) _unacknowledged[taskId] = State.Version;
    }

    protected override void OnStateChanged()
    {
        AnswerWaiters(Clock.GetUtcNow());
        SendChanges();
        UpdateIdlePassivation();
    }

    private void Sync(AgentSync sync)
    {
        // Every sync of the instance's own agent is a heartbeat, whether or not it changes anything; the domain refuses
        // anyone else's, which must not keep a dead host connected either.
        if (ContainerInstance.IsAgentOf(State, sync.Report.Context.Principal))
        {
            _lastSeen = Clock.GetUtcNow();
            // The agent waits on its latest sync only: a poll it left behind (it had something to report) ends now,
            // so its request completes and its connection is reused rather than torn down by a cancellation.
            AnswerWaiters(_ => true);
        }
        var replyTo = Sender;
        if (sync.PrecedingParts > 0)
        {
            var complete = _reportParts.RequestId == sync.Report.Context.RequestId && _reportParts.Parts == sync.PrecedingParts;
            var parts = _reportParts.Tasks;
            _reportParts = ("", [], 0);
            if (!complete)
            {
                // A part was lost (this entity restarted in between): a partial report would stop tasks it left out.
                replyTo.Tell(new AgentSyncAnswer(State.IsRegistered, DomainError.Client("The report arrived incomplete: sync again."), State.DesiredVersion, null));
                return;
            }
            sync = sync with { Report = sync.Report with { Tasks = [.. parts, .. sync.Report.Tasks] } };
        }
        var runningOnAgent = sync.Report.Tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        Execute(sync.Report, error =>
        {
            if (error is null && State.IsRegistered && State.DesiredVersion == sync.KnownVersion && sync.MaxWait > TimeSpan.Zero)
            {
                _waiting.Add(new WaitingSync(replyTo, sync.Report.Context.RequestId, sync.KnownVersion, Clock.GetUtcNow() + sync.MaxWait, runningOnAgent));
                // The asker watches this incarnation: should it die holding the poll, the agent is answered by the next one.
                replyTo.Tell(LongPollHeld.Instance);
                UpdateIdlePassivation();
                return;
            }
            replyTo.Tell(SyncAnswer(runningOnAgent, error));
        });
    }

    private AgentSyncAnswer SyncAnswer(IReadOnlySet<string> runningOnAgent, DomainError? error = null) =>
        SyncAnswer(State, runningOnAgent, error);

    /// <summary>
    /// What an agent hears; definitions with long overrides are large, so the rest follow in the next answer, asked for
    /// at once. A refused sync hears no desired state: it holds the tasks' environment values.
    /// </summary>
    public static AgentSyncAnswer SyncAnswer(ContainerInstanceState state, IReadOnlySet<string> runningOnAgent, DomainError? error = null)
    {
        if (!state.IsRegistered || error is not null) return new AgentSyncAnswer(state.IsRegistered, error, state.DesiredVersion, null);
        var desired = ContainerInstanceDesiredState.Of(state, runningOnAgent);
        var (run, more) = MessageBudget.Take(desired.Run);
        return new AgentSyncAnswer(true, error, state.DesiredVersion, desired with { Run = run, More = desired.More || more });
    }

    private void Tick()
    {
        var now = Clock.GetUtcNow();
        AnswerWaiters(now);
        if (State.AgentConnected && now - _lastSeen > _lease.Timeout)
            Execute(new MarkAgentDisconnected(Internal(now, "agent-lease"), _lastSeen), replyTo: null);
        else if (!State.AgentConnected && HasActiveTasks && State.LastHeartbeatAt is { } lastSeen && now - lastSeen > _lease.LostInstanceTimeout)
            Execute(new MarkInstanceLost(Internal(now, "lost-instance"), lastSeen), replyTo: null);
        if (now - _lastRetentionCheck >= RetentionCheckInterval)
        {
            _lastRetentionCheck = now;
            Execute(new ForgetStoppedTasks(Internal(now, "task-retention"), now - _lease.StoppedTaskRetention), replyTo: null);
        }
        if (IsBehind && now - _lastSent >= _lease.CheckInterval) SendChanges();
    }

    private TimeSpan RetentionCheckInterval => TimeSpan.FromTicks(Math.Min(_lease.StoppedTaskRetention.Ticks / 4, TimeSpan.FromMinutes(1).Ticks));

    private static RequestContext Internal(DateTimeOffset now, string actor) => new(now, $"{actor}-{Guid.NewGuid():N}", $"actors:{actor}");

    /// <summary>Answers the long polls whose version is stale or whose wait is over.</summary>
    private void AnswerWaiters(DateTimeOffset now) =>
        AnswerWaiters(waiter => waiter.KnownVersion != State.DesiredVersion || now >= waiter.Deadline || !State.IsRegistered);

    private void AnswerWaiters(Predicate<WaitingSync> due) =>
        _waiting.RemoveAll(waiter =>
        {
            if (!due(waiter)) return false;
            waiter.ReplyTo.Tell(SyncAnswer(waiter.RunningOnAgent));
            return true;
        });

    /// <summary>An entity that stops (its shard handed off as its node leaves) answers its long polls instead of leaving them to time out.</summary>
    protected override void PostStop()
    {
        AnswerWaiters(_ => true);
        base.PostStop();
    }

    private bool IsBehind => State.Status is not null && (_unacknowledged.Count > 0 || _acknowledgedVersion < State.Version);

    private void MarkAllTasksChanged()
    {
        foreach (var taskId in State.Tasks.Keys) _unacknowledged[taskId] = State.Version;
    }

    /// <summary>Tells the scheduler this instance's state and the oldest unacknowledged task changes (at-least-once).</summary>
    private void SendChanges()
    {
        if (!IsBehind) return;
        var batch = _unacknowledged.OrderBy(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(MaxTasksPerChange).ToList();
        var tasks = ImmutableList.CreateBuilder<TaskSummary>();
        var forgotten = ImmutableList.CreateBuilder<string>();
        foreach (var (taskId, version) in batch)
        {
            if (State.Tasks.TryGetValue(taskId, out var task)) tasks.Add(TaskSummary.Of(task, version));
            else forgotten.Add(taskId);
        }
        _lastSent = Clock.GetUtcNow();
        _schedulers().Tell(new ShardingEnvelope(State.ClusterName,
            new InstanceChanged(new InstanceChanges(State.WithoutTasks(), tasks.ToImmutable(), forgotten.ToImmutable(), State.Version))));
    }

    private void Acknowledged(InstanceChangesAcknowledged ack)
    {
        _acknowledgedVersion = Math.Max(_acknowledgedVersion, ack.UpToVersion);
        // A task changed again after the acknowledged message was sent stays to be sent.
        var before = _unacknowledged.Count;
        foreach (var taskId in ack.TaskIds)
            if (_unacknowledged.TryGetValue(taskId, out var version) && version <= ack.UpToVersion) _unacknowledged.Remove(taskId);
        if (_unacknowledged.Count > 0 && _unacknowledged.Count < before) SendChanges();
        UpdateIdlePassivation();
    }

    /// <summary>
    /// A connected instance stays awake to time its lease (and remember-entities restarts it after a crash), and so does
    /// one whose changes the scheduler has not acknowledged; any other sleeps when idle.
    /// </summary>
    // A disconnected instance with tasks stays awake to time its loss.
    private void UpdateIdlePassivation() =>
        Context.SetReceiveTimeout(State.AgentConnected || _waiting.Count > 0 || IsBehind || HasActiveTasks ? null : _lease.IdlePassivation);

    private bool HasActiveTasks => State.Tasks.Values.Any(TaskLifecycle.IsActive);

    /// <summary>A sync held until the desired state moves past <paramref name="KnownVersion"/> or <paramref name="Deadline"/>.</summary>
    private sealed record WaitingSync(IActorRef ReplyTo, string RequestId, long KnownVersion, DateTimeOffset Deadline, IReadOnlySet<string> RunningOnAgent);

    // The lease timer must not keep an idle, disconnected instance from passivating.
    private sealed record CheckLease : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static CheckLease Instance { get; } = new();
    }
}
