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
/// these bring them back in under 10 s:
/// <list type="bullet">
/// <item>failure detector: heartbeats every second, a node is unreachable about 3 s after its last one (2 s pause, default 3 s);</item>
/// <item>Split Brain Resolver keep-majority decides once the set of unreachable nodes has been stable for 2 s (default 20 s);
/// the minority side downs itself, which stops its entities;</item>
/// <item>down-removal-margin 1.5 s (default: stable-after): the survivors start a downed node's shards only 1.5 s after it
/// was removed - removal itself follows the decision by up to a gossip round, so a minority that decided at the same
/// moment has stopped its entities by then;</item>
/// <item>down-all-when-unstable off: on a busy machine a flapping node would otherwise down every node;</item>
/// <item>sharding's retry-interval 500 ms (default 2 s): a region asks again where a shard lives, and registers with a
/// coordinator that moved with the dead node, this often; each try is one small message.</item>
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

    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DownRemovalMargin = TimeSpan.FromSeconds(1.5);

    public static readonly string Hocon = $$"""
        akka.cluster {
          failure-detector {
            heartbeat-interval = 1s
            acceptable-heartbeat-pause = 2s
          }
          split-brain-resolver {
            active-strategy = keep-majority
            stable-after = {{StableAfter.TotalMilliseconds}}ms
            down-all-when-unstable = off
          }
          down-removal-margin = {{DownRemovalMargin.TotalMilliseconds}}ms
          sharding.retry-interval = 500ms
        }
        """;
}
