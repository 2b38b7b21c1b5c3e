using Actors.Domain.Common;

namespace Actors.Nodes.Entities;

/// <summary>
/// A question that changes nothing. <see cref="Sharding.EntityClient{TState}"/> asks it again when an attempt goes
/// unanswered: a shard being handed over (a node leaving, a rebalance) drops the messages it had buffered, and a read
/// asked twice costs a second answer, never a second effect. Commands are never asked twice.
/// </summary>
public interface IEntityQuery;

/// <summary>Asks an entity for its current state without changing it.</summary>
public sealed record GetEntityState : IEntityQuery
{
    public static GetEntityState Instance { get; } = new();
}

/// <summary>
/// What an entity answers to a command or a state query: its state after the command, or why the command was refused
/// (then the state is the unchanged one).
/// </summary>
public sealed record EntityResponse<TState>(TState State, DomainError? Error)
{
    public bool IsAccepted => Error is null;
}
