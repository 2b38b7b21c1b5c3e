using Actors.Nodes;

namespace Actors.Hosting.Configuration;

/// <summary>This node's address, its peers and its roles, read from <see cref="ActorsOptions.ClusterMembershipSettings"/>.</summary>
public sealed record Membership(NodeAddress Address, IReadOnlyList<NodeAddress> Peers, IReadOnlySet<string> Roles,
    FailoverTimings Failover = FailoverTimings.Tuned)
{
    /// <summary>The membership, or the one-line mistake that keeps the node from starting (the command exits with 2).</summary>
    public static (Membership? Membership, string? Problem) Read(ActorsOptions options)
    {
        var node = options.Node;
        if (NodeAddress.Parse(node.Address) is not { } address)
            return (null, $"--node-address must be HOST:PORT (port below 65535), not '{node.Address}'.");

        var roles = Split(node.Roles).Select(role => role.ToLowerInvariant()).ToHashSet();
        if (roles.Count == 0 || !roles.IsSubsetOf(NodeRoles.All))
            return (null, $"--roles takes {string.Join(" and/or ", NodeRoles.All)}, comma-separated, not '{node.Roles}'.");

        if (!Nodes.Failover.Names.TryGetValue(node.Failover ?? "", out var failover))
            return (null, $"Actors:Node:Failover takes {string.Join(" or ", Nodes.Failover.Names.Keys)}, not '{node.Failover}'.");

        var peers = new List<NodeAddress>();
        foreach (var text in Split(node.Peers))
        {
            if (NodeAddress.Parse(text) is not { Port: > 0 } peer) return (null, $"--peers takes HOST:PORT entries, comma-separated; '{text}' is not one.");
            if (!peers.Contains(peer)) peers.Add(peer);
        }
        if (peers.Count == 0)
        {
            if (!roles.Contains(NodeRoles.Orchestrator)) return (null, "A node alone must host the entities: --roles needs orchestrator without --peers.");
            return (new Membership(address, [], roles, failover), null);
        }
        if (address.Port == 0) return (null, "--node-address needs a fixed port with --peers: the other nodes reach this one there.");
        if (!peers.Contains(address)) return (null, $"--peers must name this node too ({address}): every node sees the same list.");
        if (string.IsNullOrEmpty(options.Journal.Postgres))
            return (null, "--peers needs --postgres: the nodes of a cluster share one journal, which SQLite files cannot be.");
        return (new Membership(address, peers, roles, failover), null);
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
