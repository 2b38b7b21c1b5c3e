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
    public int SnapshotEvery { get; init; } = 100;
}

/// <summary>How this node joins the Akka cluster.</summary>
public sealed record NodeOptions
{
    public string ActorSystemName { get; init; } = "actors";
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port, which suits a single node that joins itself.</summary>
    public int Port { get; init; }
    /// <summary>Empty: this node forms a cluster of its own.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    public required JournalOptions Journal { get; init; }
    public Entities.AgentLeaseOptions AgentLease { get; init; } = new();
    public Scheduling.SchedulerOptions Scheduler { get; init; } = new();
    public Services.ServiceOptions Services { get; init; } = new();
    /// <summary>Where entities read the time; tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
