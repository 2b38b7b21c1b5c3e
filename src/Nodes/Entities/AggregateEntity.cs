using Actors.Domain.Common;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Actors.Nodes.Entities;

/// <summary>
/// The thin shell around a pure aggregate: receive a command, Decide, persist the events, Apply them, reply.
/// Snapshots keep recovery short; events are never deleted because the journal is the audit trail.
/// </summary>
public sealed class AggregateEntity<TAggregate, TState, TCommand, TEvent> : ReceivePersistentActor
    where TAggregate : IAggregate<TState, TCommand, TEvent>
    where TCommand : class, IDomainCommand
    where TEvent : class, IDomainEvent
    where TState : class
{
    private readonly int _snapshotEvery;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TState _state;

    public AggregateEntity(string persistenceId, string entityId, int snapshotEvery = 100)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;
        _state = TAggregate.Empty(entityId);

        Recover<SnapshotOffer>(offer => _state = (TState)offer.Snapshot);
        Recover<TEvent>(@event => _state = TAggregate.Apply(_state, @event));

        Command<TCommand>(Handle);
        Command<GetEntityState>(_ => Sender.Tell(new EntityResponse<TState>(_state, null)));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Snapshot of {0} failed; recovery replays more events", PersistenceId));
    }

    public override string PersistenceId { get; }

    private void Handle(TCommand command)
    {
        var decision = TAggregate.Decide(_state, command);
        if (!decision.IsAccepted || decision.Events.Count == 0)
        {
            Sender.Tell(new EntityResponse<TState>(_state, decision.Error));
            return;
        }

        var sender = Sender;
        var remaining = decision.Events.Count;
        PersistAll(decision.Events, @event =>
        {
            _state = TAggregate.Apply(_state, @event);
            if (LastSequenceNr % _snapshotEvery == 0) SaveSnapshot(_state);
            if (--remaining == 0) sender.Tell(new EntityResponse<TState>(_state, null));
        });
    }
}
