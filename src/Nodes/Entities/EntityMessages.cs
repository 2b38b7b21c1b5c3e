using Actors.Domain.Common;

namespace Actors.Nodes.Entities;

/// <summary>Asks an entity for its current state without changing it.</summary>
public sealed record GetEntityState
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
