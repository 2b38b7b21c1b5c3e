using Actors.Domain.Common;
using Actors.Nodes.Entities;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Sharding;

/// <summary>Sends a command or query to one sharded entity and awaits its <see cref="EntityResponse{TState}"/>.</summary>
public sealed class EntityClient<TState>(IActorRef region, TimeSpan timeout)
{
    public Task<EntityResponse<TState>> Send(string entityId, IDomainCommand command, CancellationToken cancellationToken = default) =>
        region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, command), timeout, cancellationToken);

    /// <summary>Any other question an entity answers with its state (e.g. a long poll), with a timeout of its own.</summary>
    public Task<EntityResponse<TState>> Ask(string entityId, object message, TimeSpan askTimeout, CancellationToken cancellationToken = default) =>
        region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, message), askTimeout, cancellationToken);

    /// <summary>A message that needs no answer (its sender asks later, in order: the same sender reaches the same entity in order).</summary>
    public void Tell(string entityId, object message) => region.Tell(new ShardingEnvelope(entityId, message));

    /// <summary>A question with an answer of its own type (the scheduler's queries, an instance's task descriptions).</summary>
    public Task<TAnswer> Ask<TAnswer>(string entityId, object message, CancellationToken cancellationToken = default) =>
        region.Ask<TAnswer>(new ShardingEnvelope(entityId, message), timeout, cancellationToken);

    public async Task<TState> GetState(string entityId, CancellationToken cancellationToken = default) =>
        (await region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, GetEntityState.Instance), timeout, cancellationToken)).State;
}
