using Akka.Configuration;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>The Split Brain Resolver a node runs: static-quorum, its quorum a majority of the node's peers.</summary>
public class FailoverTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    public void The_quorum_is_a_majority_of_the_peers(int peers, int quorum)
    {
        Assert.Equal(quorum, Failover.Quorum(peers));
        var resolver = ConfigurationFactory.ParseString(Failover.Hocon(peers)).GetConfig("akka.cluster.split-brain-resolver");
        Assert.Equal("static-quorum", resolver.GetString("active-strategy"));
        Assert.Equal(quorum, resolver.GetInt("static-quorum.quorum-size"));
    }
}

/// <summary>The same on the real node wiring: a node alone is its own quorum.</summary>
public class FailoverWiringTests(ITestOutputHelper output) : NodeTestKit(output)
{
    [Fact]
    public void A_node_alone_runs_static_quorum_with_a_quorum_of_one()
    {
        var resolver = Sys.Settings.Config.GetConfig("akka.cluster.split-brain-resolver");
        Assert.Equal("static-quorum", resolver.GetString("active-strategy"));
        Assert.Equal(1, resolver.GetInt("static-quorum.quorum-size"));
        Assert.Equal(Failover.StableAfter, resolver.GetTimeSpan("stable-after"));
    }

    [Fact]
    public void A_node_tolerates_heartbeats_three_seconds_late_before_it_calls_a_peer_unreachable()
    {
        var detector = Sys.Settings.Config.GetConfig("akka.cluster.failure-detector");
        Assert.Equal(TimeSpan.FromSeconds(3), detector.GetTimeSpan("acceptable-heartbeat-pause"));
        Assert.Equal(TimeSpan.FromSeconds(1), detector.GetTimeSpan("heartbeat-interval"));
    }

    [Fact]
    public void A_node_gossips_and_acts_as_leader_more_often_than_akka_by_default()
    {
        var settings = Akka.Cluster.Cluster.Get(Sys).Settings;
        Assert.Equal(Failover.GossipInterval, settings.GossipInterval);
        Assert.Equal(Failover.LeaderActionsInterval, settings.LeaderActionsInterval);
        Assert.True(Failover.GossipInterval < TimeSpan.FromSeconds(1) && Failover.LeaderActionsInterval < TimeSpan.FromSeconds(1));
    }
}
