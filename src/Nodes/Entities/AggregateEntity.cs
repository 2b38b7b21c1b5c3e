using Actors.Domain.Common;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Actors.Nodes.Persistence;

namespace Actors.Nodes.Entities;

/// <summary>
/// The thin shell around a pure aggregate: receive a command, Decide, persist the events, Apply them, reply.
/// Snapshots keep recovery short (only the newest two are kept); events are never deleted because the journal is the
/// audit trail. Every event is persisted as a <see cref="ChainedEvent"/>: its stored bytes with a hash chained to the
/// entity's previous event, so the journal is tamper-evident (see <see cref="EventChain"/>); the head of the chain is
/// kept in memory and in each snapshot.
/// A journal that fails is answered for at once: whoever asked while the entity recovered or waited for a write hears
/// why (the entity then stops, as Akka.Persistence requires), instead of waiting for their ask to time out.
/// </summary>
public class AggregateEntity<TAggregate, TState, TCommand, TEvent> : ReceivePersistentActor
    where TAggregate : IAggregate<TState, TCommand, TEvent>
    where TCommand : class, IDomainCommand
    where TEvent : class, IDomainEvent
    where TState : class
{
    private readonly int _snapshotEvery;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AggregateEntity(string persistenceId, string entityId, int snapshotEvery = 100, TimeProvider? clock = null)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;
        Clock = clock ?? TimeProvider.System;
        State = TAggregate.Empty(entityId);

        Recover<SnapshotOffer>(offer =>
        {
            _newestSnapshotSequenceNr = offer.Metadata.SequenceNr;
            // A snapshot from before the chain carries no hash: the chain then begins again with the next event.
            (State, _chainHash) = offer.Snapshot is EntitySnapshot chained ? ((TState)chained.State, chained.ChainHash) : ((TState)offer.Snapshot, "");
        });
        Recover<ChainedEvent>(chained =>
        {
            if (chained.Event is not TEvent @event)
                throw new System.Runtime.Serialization.SerializationException(
                    $"Event {LastSequenceNr} of {PersistenceId} ({chained.Manifest}) cannot be read: {chained.ReadError}");
            State = TAggregate.Apply(State, @event);
            _chainHash = chained.Hash;
        });
        // Events written before the chain existed.
        Recover<TEvent>(@event =>
        {
            State = TAggregate.Apply(State, @event);
            _chainHash = "";
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _askedWhileRecovering.Clear();
            OnRecovered();
        });

        Command<TCommand>(command => Execute(command, Sender));
        Command<GetEntityState>(_ => Sender.Tell(new EntityResponse<TState>(PublicState(State), null)));
        Command<SaveSnapshotSuccess>(saved =>
        {
            // The newest two are kept (should the newest be unreadable, recovery starts from the one before); older ones
            // only take room: the events they were made of stay in the journal.
            if (_newestSnapshotSequenceNr > 0) DeleteSnapshots(new SnapshotSelectionCriteria(_newestSnapshotSequenceNr - 1));
            _newestSnapshotSequenceNr = saved.Metadata.SequenceNr;
        });
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Snapshot of {0} failed; recovery replays more events", PersistenceId));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "Old snapshots of {0} could not be deleted", PersistenceId));
    }

    public override string PersistenceId { get; }

    protected TState State { get; private set; }

    /// <summary>Where entities read the time: injectable, so tests of leases and retention need not wait.</summary>
    protected TimeProvider Clock { get; }

    /// <summary>Decides a command, persists and applies its events, then answers <paramref name="replyTo"/> (if any).</summary>
    protected void Execute(TCommand command, IActorRef? replyTo) =>
        Enqueue(command, (error, after) => replyTo?.Tell(Reply(command, error, after)));

    /// <summary>
    /// Decides a command, persists and applies its events, then calls <paramref name="then"/> with the refusal, if any.
    /// One write is in flight at a time; commands that arrive meanwhile are decided together, each on the state the
    /// ones before it leave, and written in one batch - so a busy entity writes many commands per round trip instead of
    /// one. Nobody hears an answer before the write that it depends on is stored.
    /// </summary>
    protected void Execute(TCommand command, Action<DomainError?> then) => Enqueue(command, (error, _) => then(error));

    /// <summary>As <see cref="Execute(TCommand, Action{DomainError?})"/>; <c>then</c> also gets the state this command's own
    /// events left (later commands of its batch are not in it), which its answer is made from.</summary>
    private void Enqueue(TCommand command, Action<DomainError?, TState> then)
    {
        _queued.Add((command, then));
        if (!_writing) WriteQueued();
    }

    private readonly List<(TCommand Command, Action<DomainError?, TState> Then)> _queued = [];
    private bool _writing;
    private Action<DomainError>? _whenWriteFails;
    private readonly List<IActorRef> _askedWhileRecovering = [];
    /// <summary>The hash of the last event stored (empty before the first, or after events from before the chain).</summary>
    private string _chainHash = "";

    private void WriteQueued()
    {
        var batch = _queued.ToList();
        _queued.Clear();
        var working = State;
        var events = new List<ChainedEvent>();
        var answers = new List<(Action<DomainError?, TState> Then, DomainError? Error, TState After)>(batch.Count);
        foreach (var (command, then) in batch)
        {
            var decision = TAggregate.Decide(working, command);
            if (decision.IsAccepted)
            {
                foreach (var @event in decision.Events)
                {
                    events.Add(Chain(@event, working, events.Count == 0 ? _chainHash : events[^1].Hash, LastSequenceNr + events.Count + 1));
                    working = TAggregate.Apply(working, @event);
                }
            }
            answers.Add((then, decision.Error, working));
        }
        if (events.Count == 0)
        {
            foreach (var (then, error, after) in answers) then(error, after);
            return;
        }

        _writing = true;
        var remaining = events.Count;
        var done = false;
        void Finish(DomainError? failure)
        {
            if (done) return;
            done = true;
            _writing = false;
            // A failed write changed nothing: its commands are answered from the state as it is.
            foreach (var (then, error, after) in answers) then(failure ?? error, failure is null ? after : State);
            if (failure is null) OnStateChanged();
            if (_queued.Count > 0 && !_writing) WriteQueued();
        }
        _whenWriteFails = Finish;
        PersistAllAsync(events, chained =>
        {
            var @event = (TEvent)chained.Event!;
            State = TAggregate.Apply(State, @event);
            _chainHash = chained.Hash;
            OnPersisted(@event);
            _eventsSinceSnapshot++;
            _bytesSinceSnapshot += chained.Payload.Length;
            if (_eventsSinceSnapshot >= _snapshotEvery && _bytesSinceSnapshot >= _lastSnapshotBytes) TakeSnapshot();
            if (--remaining == 0) Finish(null);
        });
    }

    /// <summary>
    /// Snapshots are taken after at least <c>snapshotEvery</c> events, and once the events since the last one weigh as much
    /// as it did: an entity whose state grows (a family of many revisions) then writes snapshots less often as they grow,
    /// so their cost stays in proportion to the events, and a recovery reads at most about twice the state's size.
    /// </summary>
    private void TakeSnapshot()
    {
        _lastSnapshotBytes = MessageBudget.SizeOf(State);
        _eventsSinceSnapshot = 0;
        _bytesSinceSnapshot = 0;
        SaveSnapshot(new EntitySnapshot(State, _chainHash));
    }

    private int _eventsSinceSnapshot;
    private long _bytesSinceSnapshot;
    private long _lastSnapshotBytes;
    private long _newestSnapshotSequenceNr;

    /// <summary>
    /// The event as it will be stored, linked to <paramref name="previousHash"/>. One write is in flight at a time and each
    /// batch is decided after the previous one was stored, so the events take the sequence numbers that follow
    /// <see cref="Eventsourced.LastSequenceNr"/> in order.
    /// </summary>
    private ChainedEvent Chain(TEvent @event, TState stateBefore, string previousHash, long sequenceNr) =>
        EventChain.Link(Context.System.Serialization, PersistenceId, sequenceNr, @event, stateBefore, previousHash) with { Incarnation = _incarnation };

    /// <summary>This start of the entity, named in every event it writes (see <see cref="ChainedEvent.Incarnation"/>).</summary>
    private readonly string _incarnation = Guid.NewGuid().ToString("N");

    /// <summary>
    /// The journal refused the events (they cannot be stored): the callers hear it instead of waiting for nothing, and the
    /// entity stops as after a failed write. Akka would let it go on, but its sequence number has already moved past the
    /// refused events: it would leave a gap, and its state would no longer be what the journal replays. Its next start
    /// recovers from the journal.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        var failure = new DomainError(ErrorCodes.Server, $"The change could not be recorded: {cause.Message}");
        var queued = _queued.ToList();
        _queued.Clear();
        _whenWriteFails?.Invoke(failure);
        foreach (var (_, then) in queued) then(failure, State);
        Context.Stop(Self);
    }

    /// <summary>
    /// The journal failed to write (the entity stops after this): the callers of the write and of the commands queued behind
    /// it hear it now. The events may or may not have been stored, so the message says to look before retrying.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        JournalFailure.Report(Context.System, $"a write to the journal failed ({JournalFailure.Describe(cause)})");
        var failure = new DomainError(ErrorCodes.Server,
            $"The journal failed while recording the change ({JournalFailure.Describe(cause)}); it may or may not have been stored: describe the resource before retrying.");
        var queued = _queued.ToList();
        _queued.Clear();
        _whenWriteFails?.Invoke(failure);
        foreach (var (_, then) in queued) then(failure, State);
    }

    /// <summary>Notes who asks while the journal is replayed: if the replay fails, they are told so (see <see cref="OnRecoveryFailure"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (IsRecovering && JournalFailure.IsAsker(Sender)) _askedWhileRecovering.Add(Sender);
        return base.AroundReceive(receive, message);
    }

    /// <summary>
    /// The journal could not be replayed (the entity stops after this, and Akka drops the commands it kept meanwhile): each
    /// asker hears a <see cref="JournalFailureException"/> now rather than an ask timeout later.
    /// </summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        base.OnRecoveryFailure(reason, message);
        var failure = new Status.Failure(JournalFailure.Unreadable(Context.System, $"{PersistenceId} cannot be loaded", reason));
        foreach (var asker in _askedWhileRecovering.Distinct()) asker.Tell(failure);
        _askedWhileRecovering.Clear();
    }

    /// <summary>
    /// What a command's sender hears, made from <paramref name="after"/>, the state its own events left: later commands
    /// of the same batch are already in <see cref="State"/>, and an answer that names what the command made (a revision
    /// number, a task) must not read theirs. By default the entity as <see cref="PublicState"/> shows it, and the refusal.
    /// </summary>
    protected virtual object Reply(TCommand command, DomainError? error, TState after) => new EntityResponse<TState>(PublicState(after), error);

    /// <summary>The state as it may travel in replies: entities whose state grows override this to keep answers small.</summary>
    protected virtual TState PublicState(TState state) => state;

    /// <summary>Called once the journal has been replayed, before the first command.</summary>
    protected virtual void OnRecovered() { }

    /// <summary>Called for each event persisted (not replayed), right after it was applied.</summary>
    protected virtual void OnPersisted(TEvent @event) { }

    /// <summary>Called after the events of one command have been persisted and applied.</summary>
    protected virtual void OnStateChanged() { }
}
