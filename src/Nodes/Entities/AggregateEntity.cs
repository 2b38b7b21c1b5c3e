using Actors.Domain.Common;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Actors.Nodes.Entities;

/// <summary>
/// The thin shell around a pure aggregate: receive a command, Decide, persist the events, Apply them, reply.
/// Snapshots keep recovery short; events are never deleted because the journal is the audit trail.
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

        Recover<SnapshotOffer>(offer => State = (TState)offer.Snapshot);
        Recover<TEvent>(@event => State = TAggregate.Apply(State, @event));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<TCommand>(command => Execute(command, Sender));
        Command<GetEntityState>(_ => Sender.Tell(new EntityResponse<TState>(PublicState(State), null)));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Snapshot of {0} failed; recovery replays more events", PersistenceId));
    }

    public override string PersistenceId { get; }

    protected TState State { get; private set; }

    /// <summary>Where entities read the time: injectable, so tests of leases and retention need not wait.</summary>
    protected TimeProvider Clock { get; }

    /// <summary>Decides a command, persists and applies its events, then answers <paramref name="replyTo"/> (if any).</summary>
    protected void Execute(TCommand command, IActorRef? replyTo) =>
        Execute(command, error => replyTo?.Tell(Reply(command, error)));

    /// <summary>Decides a command, persists and applies its events, then calls <paramref name="then"/> with the refusal, if any.</summary>
    protected void Execute(TCommand command, Action<DomainError?> then)
    {
        var decision = TAggregate.Decide(State, command);
        if (!decision.IsAccepted || decision.Events.Count == 0)
        {
            then(decision.Error);
            return;
        }

        var remaining = decision.Events.Count;
        var answered = false;
        _whenRejected = cause =>
        {
            // The journal refused the events (they cannot be stored): the caller hears it instead of waiting for nothing.
            if (answered) return;
            answered = true;
            then(new DomainError(ErrorCodes.Server, $"The change could not be recorded: {cause.Message}"));
        };
        PersistAll(decision.Events, @event =>
        {
            State = TAggregate.Apply(State, @event);
            OnPersisted(@event);
            if (LastSequenceNr % _snapshotEvery == 0) SaveSnapshot(State);
            if (--remaining > 0 || answered) return;
            answered = true;
            then(null);
            OnStateChanged();
        });
    }

    private Action<Exception>? _whenRejected;

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        _whenRejected?.Invoke(cause);
    }

    /// <summary>What a command's sender hears: by default the entity as <see cref="PublicState"/> shows it, and the refusal.</summary>
    protected virtual object Reply(TCommand command, DomainError? error) => new EntityResponse<TState>(PublicState(State), error);

    /// <summary>The state as it may travel in replies: entities whose state grows override this to keep answers small.</summary>
    protected virtual TState PublicState(TState state) => state;

    /// <summary>Called once the journal has been replayed, before the first command.</summary>
    protected virtual void OnRecovered() { }

    /// <summary>Called for each event persisted (not replayed), right after it was applied.</summary>
    protected virtual void OnPersisted(TEvent @event) { }

    /// <summary>Called after the events of one command have been persisted and applied.</summary>
    protected virtual void OnStateChanged() { }
}
