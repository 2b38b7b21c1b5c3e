namespace Actors.Nodes;

public enum JournalProvider { Sqlite, PostgreSql }

/// <summary>Where events and snapshots go. SQLite is the single-node default; PostgreSQL is the shared journal of a multi-node cluster.</summary>
public sealed record JournalOptions
{
    public JournalProvider Provider { get; init; } = JournalProvider.Sqlite;
    /// <summary>The domain journal and snapshots.</summary>
    public required string ConnectionString { get; init; }
    /// <summary>Sharding's own bookkeeping (remember-entities), kept out of the journal that audits replay.</summary>
    public required string ShardingConnectionString { get; init; }
    /// <summary>
    /// Where <see cref="Persistence.TagIndexer"/> writes the tag index: on SQLite a database of its own beside the journal
    /// (a second writer on the journal's file would stall the journal's), null for the journal's own database (PostgreSQL).
    /// </summary>
    public string? TagIndexConnectionString { get; init; }
    public int SnapshotEvery { get; init; } = 100;
}

/// <summary>Where a node's cluster transport listens and is reached.</summary>
public sealed record NodeAddress(string Host, int Port)
{
    /// <summary>Akka.Management's bootstrap endpoint (HTTP, seed-node answers only) listens one port above the transport.</summary>
    public int BootstrapPort => Port + 1;

    public override string ToString() => $"{Host}:{Port}";

    /// <summary>HOST:PORT with a host name or IPv4 address and a port of 0-65534 (the next one is the bootstrap endpoint's).</summary>
    public static NodeAddress? Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 0 or > 65534) return null;
        var host = text[..colon].Trim();
        return host.Length == 0 || host.Any(char.IsWhiteSpace) || host.Contains(':') ? null : new NodeAddress(host, port);
    }
}

/// <summary>What a node does: a gateway answers the API (reaching entities through shard-region proxies), an orchestrator hosts the entities.</summary>
public static class NodeRoles
{
    public const string Gateway = "gateway";
    public const string Orchestrator = "orchestrator";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Gateway, Orchestrator };
}

/// <summary>How this node joins the Akka cluster.</summary>
public sealed record NodeOptions
{
    public string ActorSystemName { get; init; } = "actors";
    /// <summary>Port 0 picks a free port, which suits a single node that joins itself.</summary>
    public NodeAddress Address { get; init; } = new("127.0.0.1", 0);
    /// <summary>Every control-plane node, this one included, found through config discovery; empty: this node forms a cluster of its own.</summary>
    public IReadOnlyList<NodeAddress> Peers { get; init; } = [];
    public IReadOnlySet<string> Roles { get; init; } = NodeRoles.All;
    public FailoverTimings Failover { get; init; } = FailoverTimings.Tuned;
    public required JournalOptions Journal { get; init; }
    public Entities.AgentLeaseOptions AgentLease { get; init; } = new();
    public Scheduling.SchedulerOptions Scheduler { get; init; } = new();
    public Services.ServiceOptions Services { get; init; } = new();
    /// <summary>Where entities read the time; tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
