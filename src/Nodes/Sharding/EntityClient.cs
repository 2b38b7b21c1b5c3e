using Actors.Domain.Common;
using Actors.Nodes.Entities;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Sharding;

/// <summary>
/// Sends a command or query to one sharded entity and awaits its answer. A command is sent once and waited for up to the
/// client's timeout. An <see cref="IEntityQuery"/> is sent again each <paramref name="queryAttempt"/> within that timeout:
/// a shard handed over while the query waited in a region's buffer was dropped, and would otherwise hold the caller for
/// the whole timeout.
/// </summary>
public sealed class EntityClient<TState>(IActorRef region, TimeSpan timeout, TimeSpan? queryAttempt = null)
{
    /// <summary>How long one attempt at a query waits: well above an entity's recovery, well below the client's timeout.</summary>
    public static readonly TimeSpan DefaultQueryAttempt = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _queryAttempt = queryAttempt ?? DefaultQueryAttempt;

    public Task<EntityResponse<TState>> Send(string entityId, IDomainCommand command, CancellationToken cancellationToken = default) =>
        region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, command), timeout, cancellationToken);

    /// <summary>Any other question an entity answers with its state (e.g. a long poll), with a timeout of its own.</summary>
    public Task<EntityResponse<TState>> Ask(string entityId, object message, TimeSpan askTimeout, CancellationToken cancellationToken = default) =>
        region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, message), askTimeout, cancellationToken);

    /// <summary>
    /// A question the entity may hold as a long poll, after the messages that must precede it (<paramref name="preceding"/>):
    /// the answer, or null when the entity stopped holding it without answering (its node was killed). Sent again each
    /// query attempt until the entity holds it, within the client's timeout (<see cref="LongPoll"/>).
    /// </summary>
    public Task<TAnswer?> AskHeld<TAnswer>(IActorRefFactory actors, string entityId, IEnumerable<object> preceding, object question,
        CancellationToken cancellationToken = default) where TAnswer : class =>
        LongPoll.Ask<TAnswer>(actors, region, [.. preceding.Append(question).Select(message => new ShardingEnvelope(entityId, message))],
            _queryAttempt, timeout, cancellationToken);

    /// <summary>A message that needs no answer (its sender asks later, in order: the same sender reaches the same entity in order).</summary>
    public void Tell(string entityId, object message) => region.Tell(new ShardingEnvelope(entityId, message));

    /// <summary>A question with an answer of its own type (the scheduler's queries, an instance's task descriptions, a command's outcome).</summary>
    public Task<TAnswer> Ask<TAnswer>(string entityId, object message, CancellationToken cancellationToken = default) =>
        message is IEntityQuery
            ? Query<TAnswer>(new ShardingEnvelope(entityId, message), cancellationToken)
            : region.Ask<TAnswer>(new ShardingEnvelope(entityId, message), timeout, cancellationToken);

    public async Task<TState> GetState(string entityId, CancellationToken cancellationToken = default) =>
        (await Query<EntityResponse<TState>>(new ShardingEnvelope(entityId, GetEntityState.Instance), cancellationToken)).State;

    /// <summary>Attempts of <see cref="_queryAttempt"/> (the last one shorter) that together take the client's timeout.</summary>
    private async Task<TAnswer> Query<TAnswer>(ShardingEnvelope envelope, CancellationToken cancellationToken)
    {
        for (var left = timeout; ; left -= _queryAttempt)
        {
            var attempt = left < _queryAttempt ? left : _queryAttempt;
            try
            {
                return await region.Ask<TAnswer>(envelope, attempt, cancellationToken);
            }
            catch (AskTimeoutException) when (left > attempt)
            {
                // Unanswered: dropped in a handover, or slow. Asking again is harmless either way: a slow entity
                // answers the new attempt right after the one it was busy with.
            }
        }
    }
}
