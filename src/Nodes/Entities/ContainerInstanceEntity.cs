using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Entities;

/// <summary>Holds the answer until the instance's desired state differs from <paramref name="KnownVersion"/> or the wait ends.</summary>
public sealed record AwaitDesiredState(long KnownVersion, TimeSpan MaxWait);

/// <summary>How long an agent may stay silent before its instance is marked disconnected.</summary>
public sealed record AgentLeaseOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>An instance whose agent is not connected needs no timer: it sleeps after this long without messages.</summary>
    public TimeSpan IdlePassivation { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// The container-instance entity: the aggregate's shell, plus the two things only a shell can do - time the agent's
/// lease (heartbeats are syncs; silence longer than the lease marks the agent disconnected) and hold long-polling
/// syncs until the desired state changes. The last heartbeat is kept in memory; after a restart the lease starts
/// afresh from the recovery, so a control-plane restart never expires an agent that keeps syncing.
/// </summary>
public sealed class ContainerInstanceEntity
    : AggregateEntity<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>, IWithTimers
{
    private const string LeaseTimer = "lease";
    private readonly AgentLeaseOptions _lease;
    private readonly List<(IActorRef ReplyTo, long KnownVersion, DateTimeOffset Deadline)> _waiting = [];
    private DateTimeOffset _lastSeen;

    public ContainerInstanceEntity(string persistenceId, string entityId, int snapshotEvery, AgentLeaseOptions lease)
        : base(persistenceId, entityId, snapshotEvery)
    {
        _lease = lease;
        Command<AwaitDesiredState>(Await);
        Command<CheckLease>(_ => CheckLeaseNow());
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnRecovered()
    {
        _lastSeen = DateTimeOffset.UtcNow;
        Timers.StartPeriodicTimer(LeaseTimer, CheckLease.Instance, _lease.CheckInterval);
        UpdateIdlePassivation();
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        // Every sync is a heartbeat, whether or not it changes anything.
        if (message is ReportAgentState) _lastSeen = DateTimeOffset.UtcNow;
        return base.AroundReceive(receive, message);
    }

    protected override void OnStateChanged()
    {
        AnswerWaiters(DateTimeOffset.UtcNow);
        UpdateIdlePassivation();
    }

    private void Await(AwaitDesiredState request)
    {
        if (State.DesiredVersion != request.KnownVersion || !State.IsRegistered)
        {
            Sender.Tell(new EntityResponse<ContainerInstanceState>(State, null));
            return;
        }
        _waiting.Add((Sender, request.KnownVersion, DateTimeOffset.UtcNow + request.MaxWait));
    }

    private void CheckLeaseNow()
    {
        var now = DateTimeOffset.UtcNow;
        AnswerWaiters(now);
        if (State.AgentConnected && now - _lastSeen > _lease.Timeout)
            Execute(new MarkAgentDisconnected(new RequestContext(now, $"lease-{Guid.NewGuid():N}", "actors:agent-lease"), _lastSeen), replyTo: null);
    }

    /// <summary>Answers the long polls whose version is stale or whose wait is over.</summary>
    private void AnswerWaiters(DateTimeOffset now)
    {
        _waiting.RemoveAll(waiter =>
        {
            if (waiter.KnownVersion == State.DesiredVersion && now < waiter.Deadline) return false;
            waiter.ReplyTo.Tell(new EntityResponse<ContainerInstanceState>(State, null));
            return true;
        });
    }

    /// <summary>A connected instance stays awake to time its lease (and remember-entities restarts it after a crash); any other sleeps when idle.</summary>
    private void UpdateIdlePassivation() =>
        Context.SetReceiveTimeout(State.AgentConnected || _waiting.Count > 0 ? null : _lease.IdlePassivation);

    // The lease timer must not keep an idle, disconnected instance from passivating.
    private sealed record CheckLease : INotInfluenceReceiveTimeout
    {
        public static CheckLease Instance { get; } = new();
    }
}
