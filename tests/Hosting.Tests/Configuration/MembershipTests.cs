using Actors.Hosting.Configuration;
using Actors.Nodes;

namespace Actors.Hosting.Tests.Configuration;

public class MembershipTests
{
    private static ActorsOptions Options(string address = "127.0.0.1:0", string? peers = null, string roles = "gateway,orchestrator",
        string? postgres = null) => new()
    {
        Node = new ActorsOptions.ClusterMembershipSettings { Address = address, Peers = peers, Roles = roles },
        Journal = new ActorsOptions.JournalSettings { Postgres = postgres },
    };

    [Fact]
    public void Without_peers_a_node_forms_a_cluster_of_its_own_with_every_role()
    {
        var (membership, problem) = Membership.Read(new ActorsOptions());
        Assert.Null(problem);
        Assert.Equal(new NodeAddress("127.0.0.1", 0), membership!.Address);
        Assert.Empty(membership.Peers);
        Assert.True(membership.Roles.SetEquals(NodeRoles.All));
    }

    [Fact]
    public void Peers_are_read_in_order_without_repeats_and_bootstrap_one_port_above()
    {
        var (membership, problem) = Membership.Read(Options("node2:4053", "node1:4053, node2:4053,node3:4053,node1:4053", "Gateway", "Host=db"));
        Assert.Null(problem);
        Assert.Equal(["node1:4053", "node2:4053", "node3:4053"], membership!.Peers.Select(p => p.ToString()));
        Assert.Equal(4054, membership.Address.BootstrapPort);
        Assert.Equal(["gateway"], membership.Roles);
    }

    [Theory]
    [InlineData("node1", null, "gateway,orchestrator", null, "--node-address must be HOST:PORT")]
    [InlineData("node1:70000", null, "gateway,orchestrator", null, "--node-address must be HOST:PORT")]
    [InlineData("127.0.0.1:0", null, "scheduler", null, "--roles takes")]
    [InlineData("127.0.0.1:0", null, "gateway", null, "A node alone must host the entities")]
    [InlineData("node1:4053", "node1:4053,node2", "gateway", "Host=db", "'node2' is not one")]
    [InlineData("127.0.0.1:0", "node1:4053,node2:4053", "gateway", "Host=db", "--node-address needs a fixed port")]
    [InlineData("node9:4053", "node1:4053,node2:4053", "gateway", "Host=db", "--peers must name this node too")]
    [InlineData("node1:4053", "node1:4053,node2:4053", "gateway", null, "--peers needs --postgres")]
    public void Mistakes_keep_the_node_from_starting(string address, string? peers, string roles, string? postgres, string expected)
    {
        var (membership, problem) = Membership.Read(Options(address, peers, roles, postgres));
        Assert.Null(membership);
        Assert.Contains(expected, problem);
    }

    [Theory]
    [InlineData("tuned", FailoverTimings.Tuned)]
    [InlineData("Akka-Defaults", FailoverTimings.AkkaDefaults)]
    public void Failover_timings_are_tuned_unless_Akkas_defaults_are_asked_for(string name, FailoverTimings expected)
    {
        Assert.Equal(FailoverTimings.Tuned, Membership.Read(new ActorsOptions()).Membership!.Failover);
        var options = Options();
        options.Node.Failover = name;
        Assert.Equal(expected, Membership.Read(options).Membership!.Failover);
    }

    [Fact]
    public void Unknown_failover_timings_keep_the_node_from_starting()
    {
        var options = Options();
        options.Node.Failover = "fast";
        var (membership, problem) = Membership.Read(options);
        Assert.Null(membership);
        Assert.Contains("Actors:Node:Failover takes tuned or akka-defaults, not 'fast'", problem);
    }
}
