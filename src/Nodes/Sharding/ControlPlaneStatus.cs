using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Sharding;

/// <summary>A member of the Akka cluster as this node sees it.</summary>
public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Leader, bool Self);

/// <summary>The shards of one entity kind that one node hosts, with how many entities each runs now.</summary>
public sealed record NodeShards(string Kind, string Node, IReadOnlyDictionary<string, int> EntitiesByShard);

/// <summary>Where one entity's shard lives (null while no node hosts it).</summary>
public sealed record EntityLocation(string Kind, string EntityId, string ShardId, string? Node);

/// <summary>Members, roles, reachability and where shards live: what <c>actors cluster status</c> shows.</summary>
public sealed record ControlPlaneStatus(IReadOnlyList<MemberView> Members, IReadOnlyList<NodeShards> Shards, IReadOnlyList<EntityLocation> Entities)
{
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Asks every kind's region (a proxy on a gateway-only node) for the cluster's sharding statistics - counts per shard,
    /// small whatever the number of entities - and locates the entities asked for by their shard.
    /// </summary>
    public static async Task<ControlPlaneStatus> Read(ActorSystem system, IReadOnlyDictionary<string, IActorRef> regionsByKind,
        IReadOnlyList<(string Kind, string EntityId)> locate, CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members
            .Select(member => new MemberView(
                HostPort(member.Address), member.Status.ToString(), member.Roles.Order().ToList(),
                !state.Unreachable.Contains(member), member.Address == state.Leader, member.Address == cluster.SelfAddress))
            .ToList();

        var shards = new List<NodeShards>();
        var ownerOfShard = new Dictionary<(string Kind, string Shard), string>();
        foreach (var (kind, region) in regionsByKind)
        {
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + TimeSpan.FromSeconds(1), cancellationToken);
            foreach (var (address, regionStats) in stats.Regions.OrderBy(entry => entry.Key.ToString()))
            {
                var node = HostPort(address);
                shards.Add(new NodeShards(kind, node, regionStats.Stats.OrderBy(entry => entry.Key).ToDictionary(entry => entry.Key, entry => entry.Value)));
                foreach (var shard in regionStats.Stats.Keys) ownerOfShard[(kind, shard)] = node;
            }
        }

        var extractor = new EntityMessageExtractor();
        var entities = locate
            .Select(entity =>
            {
                var shard = extractor.ShardId(entity.EntityId, null);
                return new EntityLocation(entity.Kind, entity.EntityId, shard, ownerOfShard.GetValueOrDefault((entity.Kind, shard)));
            })
            .ToList();
        return new ControlPlaneStatus(members, shards, entities);
    }

    private static string HostPort(Address address) => $"{address.Host}:{address.Port}";
}
