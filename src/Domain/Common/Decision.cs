namespace Actors.Domain.Common;

/// <summary>The outcome of deciding a command: the events to persist (possibly none), or the reason it was refused.</summary>
public sealed record Decision<TEvent> where TEvent : IDomainEvent
{
    private Decision(IReadOnlyList<TEvent> events, DomainError? error)
    {
        Events = events;
        Error = error;
    }

    public IReadOnlyList<TEvent> Events { get; }
    public DomainError? Error { get; }
    public bool IsAccepted => Error is null;

    public static Decision<TEvent> Accept(params TEvent[] events) => new(events, null);
    public static Decision<TEvent> Accept(IReadOnlyList<TEvent> events) => new(events, null);
    /// <summary>Accepted with nothing to record: the state already is what the command asks for.</summary>
    public static Decision<TEvent> Unchanged { get; } = new(Array.Empty<TEvent>(), null);
    public static Decision<TEvent> Reject(DomainError error) => new(Array.Empty<TEvent>(), error);

    public static implicit operator Decision<TEvent>(DomainError error) => Reject(error);
}

/// <summary>
/// An event-sourced aggregate as pure functions: actors in src/Nodes call these and do nothing else with domain logic.
/// </summary>
public interface IAggregate<TState, in TCommand, TEvent>
    where TEvent : IDomainEvent
{
    /// <summary>The state of an entity that has no events yet.</summary>
    static abstract TState Empty(string entityId);

    static abstract Decision<TEvent> Decide(TState state, TCommand command);

    static abstract TState Apply(TState state, TEvent @event);
}
