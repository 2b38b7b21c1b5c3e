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

    public async Task<TState> GetState(string entityId, CancellationToken cancellationToken = default) =>
        (await region.Ask<EntityResponse<TState>>(new ShardingEnvelope(entityId, GetEntityState.Instance), timeout, cancellationToken)).State;
}
