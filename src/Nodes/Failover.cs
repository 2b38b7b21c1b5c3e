namespace Actors.Nodes;

/// <summary>
/// Which failure detection and downing timings a node runs: <see cref="Tuned"/> (the default, <see cref="Failover"/>) or
/// <see cref="AkkaDefaults"/>, Akka's own, kept selectable (configuration key <c>Actors:Node:Failover</c>) so the benchmark
/// can show what the tuning buys.
/// </summary>
public enum FailoverTimings { Tuned, AkkaDefaults }

/// <summary>
/// How fast a node that died is noticed and its entities start elsewhere, and why that never gives one entity two live
/// writers (docs/ARCHITECTURE.md, "Failover"). Akka's defaults bring a killed node's entities back after about 46 s here;
/// these bring them back in about 10 s:
/// <list type="bullet">
/// <item>failure detector: Akka's own, heartbeats every second and a node unreachable about 4 s after its last one (3 s
/// pause). A 2 s pause was tried: on a loaded two-core machine it marked live nodes unreachable (heartbeats 4.4 s apart
/// were seen while a node started beside other work), which stalls the leader's convergence, and only stable-after
/// then stood between a busy node and its downing;</item>
/// <item>Split Brain Resolver static-quorum (a majority of the <c>--peers</c>, which list every control-plane node) decides
/// once the set of unreachable nodes has been stable for 2 s (default 20 s); the side with fewer reachable nodes than the
/// quorum downs itself, which stops its entities. Not keep-majority: it counts the majority among the members not yet
/// downed, so a node that loses its links one at a time (seen in a partition on a loaded machine: the second 3 s after
/// the first) first downs one peer as a majority of three, then keeps itself against the other as the lower address
/// of two - and both sides live. A quorum of the whole cluster does not shrink as nodes are downed;</item>
/// <item>down-removal-margin 1.5 s (default: stable-after): the survivors start a downed node's shards only 1.5 s after it
/// was removed - removal itself follows the decision by up to a gossip round, so a minority that decided at the same
/// moment has stopped its entities by then;</item>
/// <item>down-all-when-unstable off: on a busy machine a flapping node would otherwise down every node;</item>
/// <item>sharding's retry-interval 500 ms (default 2 s): a region asks again where a shard lives, and registers with a
/// coordinator that moved with the dead node, this often; each try is one small message.</item>
/// <item>sharding's handoff-timeout 10 s (default 60 s): a rebalance (the coordinator moves shards to a node that just
/// joined) asks every region to let go of the shard and holds the shard's messages until they have; a node killed in
/// that moment left a shard unanswered for the whole minute (failover benchmark: 2 rounds of 10 at 60-62 s, every other
/// at 9-10 s). A rebalance that times out leaves the shard where it was, so a shorter bound never gives it two homes;
/// our entities stop in well under a second.</item>
/// <item>gossip every 500 ms and leader actions every 250 ms (defaults 1 s each): a node that leaves (SIGTERM, a rolling
/// restart) is moved to Exiting and then removed on the leader's ticks after its gossip arrives, and the coordinators it
/// hands over become active only once it is removed (a cluster this small reads their state from every orchestrator,
/// Akka's majority-min-cap, the leaving one among them): with the defaults about 2 s of every graceful leave went to
/// waiting for ticks.</item>
/// </list>
/// </summary>
public static class Failover
{
    /// <summary>The configuration values of <see cref="FailoverTimings"/>: "tuned" and "akka-defaults".</summary>
    public static readonly IReadOnlyDictionary<string, FailoverTimings> Names = new Dictionary<string, FailoverTimings>(StringComparer.OrdinalIgnoreCase)
    {
        ["tuned"] = FailoverTimings.Tuned,
        ["akka-defaults"] = FailoverTimings.AkkaDefaults,
    };

    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DownRemovalMargin = TimeSpan.FromSeconds(1.5);
    public static readonly TimeSpan GossipInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan LeaderActionsInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The fewest reachable nodes a side needs to stay up: a majority of the cluster's <paramref name="nodes"/>.</summary>
    public static int Quorum(int nodes) => Math.Max(1, nodes) / 2 + 1;

    /// <summary>The tuned settings for a cluster of <paramref name="nodes"/> control-plane nodes (the <c>--peers</c>; 1 alone).</summary>
    public static string Hocon(int nodes) => $$"""
        akka.cluster {
          failure-detector {
            heartbeat-interval = 1s
            acceptable-heartbeat-pause = {{AcceptableHeartbeatPause.TotalMilliseconds}}ms
          }
          split-brain-resolver {
            active-strategy = static-quorum
            static-quorum.quorum-size = {{Quorum(nodes)}}
            stable-after = {{StableAfter.TotalMilliseconds}}ms
            down-all-when-unstable = off
          }
          down-removal-margin = {{DownRemovalMargin.TotalMilliseconds}}ms
          gossip-interval = {{GossipInterval.TotalMilliseconds}}ms
          leader-actions-interval = {{LeaderActionsInterval.TotalMilliseconds}}ms
          sharding.retry-interval = 500ms
          sharding.handoff-timeout = 10s
        }
        """;
}
