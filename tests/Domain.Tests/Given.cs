using Actors.Domain.Common;

namespace Actors.Domain.Tests;

/// <summary>Given/When/Then over a pure aggregate: the state is rebuilt from events exactly as an entity recovers.</summary>
public static class Given
{
    public static RequestContext Context(int minute = 0) =>
        new(new DateTimeOffset(2026, 11, 24, 12, minute, 0, TimeSpan.Zero), $"req-{minute}", "AKIATEST");

    public static TState Replay<TAggregate, TState, TCommand, TEvent>(string id, IEnumerable<TEvent> events)
        where TAggregate : IAggregate<TState, TCommand, TEvent> where TEvent : IDomainEvent =>
        events.Aggregate(TAggregate.Empty(id), TAggregate.Apply);

    /// <summary>Decides each command in turn, requiring acceptance, and returns the state after all of them.</summary>
    public static TState After<TAggregate, TState, TCommand, TEvent>(string id, params TCommand[] commands)
        where TAggregate : IAggregate<TState, TCommand, TEvent> where TEvent : IDomainEvent
    {
        var state = TAggregate.Empty(id);
        foreach (var command in commands)
        {
            var decision = TAggregate.Decide(state, command);
            Assert.True(decision.IsAccepted, $"{command!.GetType().Name} was refused: {decision.Error}");
            state = decision.Events.Aggregate(state, TAggregate.Apply);
        }
        return state;
    }
}
