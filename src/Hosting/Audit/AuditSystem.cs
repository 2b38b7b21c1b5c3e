using Actors.Nodes;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Actors.Hosting.Audit;

/// <summary>Where `actors audit` reads: a data directory's SQLite journal, or a PostgreSQL journal.</summary>
/// <param name="SqliteTagIndex">The SQLite tag index's file (<see cref="TagIndexer"/>), where there is one.</param>
public sealed record AuditSource(JournalProvider Provider, string ConnectionString, string? SqliteTagIndex = null)
{
    /// <summary>The journal of <c>actors serve --data-dir <paramref name="dataDir"/></c>; it must exist (an audit never creates one).</summary>
    public static AuditSource DataDirectory(string dataDir)
    {
        var path = Path.GetFullPath(Path.Combine(dataDir, "journal.db"));
        if (!File.Exists(path)) throw new AuditException($"There is no journal at {path}.");
        var tagIndex = Path.GetFullPath(Path.Combine(dataDir, Configuration.JournalSetup.TagIndexFile));
        return new AuditSource(JournalProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ToString(),
            File.Exists(tagIndex) ? tagIndex : null);
    }

    public static AuditSource Postgres(string connectionString) => new(JournalProvider.PostgreSql, connectionString);

    /// <summary>The domain journal a node writes.</summary>
    public static AuditSource Of(JournalOptions journal) => new(journal.Provider, journal.ConnectionString,
        journal is { Provider: JournalProvider.Sqlite, TagIndexConnectionString: { } index } ? new SqliteConnectionStringBuilder(index).DataSource : null);
}

/// <summary>A mistake of the caller (bad flag, unknown ARN, no journal): one line on stderr and exit code 2.</summary>
public sealed class AuditException(string message) : Exception(message);

/// <summary>
/// What `actors audit` reads with: an actor system that only holds our serializer (no cluster, no remoting, no persistence
/// plugin, Akka's own log lines off so stdout carries only answers), and the journal read with plain SQL.
/// </summary>
public sealed class AuditSystem : IAsyncDisposable
{
    private AuditSystem(ActorSystem system, AuditSource source)
    {
        System = system;
        Journal = new AuditJournal(system, source);
    }

    public ActorSystem System { get; }

    public AuditJournal Journal { get; }

    /// <param name="events">How events are stored: today's format unless a test reads with one that has moved on.</param>
    public static Task<AuditSystem> Start(AuditSource source, StoredEventFormat? events = null)
    {
        var setup = BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString("akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off }"))
            .And(ActorsSerialization.Setup(events));
        return Task.FromResult(new AuditSystem(ActorSystem.Create("audit", setup), source));
    }

    public async ValueTask DisposeAsync() => await System.Terminate();
}
