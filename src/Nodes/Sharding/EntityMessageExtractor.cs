using Akka.Cluster.Sharding;

namespace Actors.Nodes.Sharding;

/// <summary>
/// Every message reaches an entity inside a <see cref="ShardingEnvelope"/>, which the base class unwraps itself;
/// anything else has no entity id and is dropped as unhandled. The number of shards is fixed for the life of a journal.
/// </summary>
public sealed class EntityMessageExtractor(int maxShards = 100) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => null;
}
