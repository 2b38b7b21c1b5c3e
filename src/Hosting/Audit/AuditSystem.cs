using Actors.Nodes;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace Actors.Hosting.Audit;

/// <summary>Where `actors audit` reads: a data directory's SQLite journal, or a PostgreSQL journal.</summary>
public sealed record AuditSource(JournalProvider Provider, string ConnectionString)
{
    /// <summary>The journal of <c>actors serve --data-dir <paramref name="dataDir"/></c>; it must exist (an audit never creates one).</summary>
    public static AuditSource DataDirectory(string dataDir)
    {
        var path = Path.GetFullPath(Path.Combine(dataDir, "journal.db"));
        if (!File.Exists(path)) throw new AuditException($"There is no journal at {path}.");
        return new AuditSource(JournalProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ToString());
    }

    public static AuditSource Postgres(string connectionString) => new(JournalProvider.PostgreSql, connectionString);
}

/// <summary>A mistake of the caller (bad flag, unknown ARN, no journal): one line on stderr and exit code 2.</summary>
public sealed class AuditException(string message) : Exception(message);

/// <summary>
/// A small actor system that only reads the journal: our serializer and the SQL plugin configured as a node configures
/// them (tags in the tag table), no cluster, no remoting, and Akka's own log lines off so stdout carries only answers.
/// </summary>
public sealed class AuditSystem : IAsyncDisposable
{
    private readonly IHost _host;

    private AuditSystem(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Journal = new AuditJournal(System);
    }

    public ActorSystem System { get; }

    public AuditJournal Journal { get; }

    /// <param name="events">How events are stored: today's format unless a test reads with one that has moved on.</param>
    public static async Task<AuditSystem> Start(AuditSource source, StoredEventFormat? events = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka("audit", akka => akka
            .AddHocon("akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off }", HoconAddMode.Prepend)
            // The query side waits for a gap in the journal's ordering to fill (a write may be in flight) for
            // query-delay x max-tries: a tenth of the defaults, so a journal with a deleted row is read in about a second.
            .AddHocon("""
                akka.persistence.query.journal.sql {
                  refresh-interval = 200ms
                  journal-sequence-retrieval { query-delay = 100ms, max-tries = 10 }
                }
                """, HoconAddMode.Prepend)
            .AddSetup(ActorsSerialization.Setup(events))
            .WithSqlPersistence(
                connectionString: source.ConnectionString,
                providerName: source.Provider == JournalProvider.Sqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15,
                autoInitialize: false));
        var host = builder.Build();
        await host.StartAsync();
        return new AuditSystem(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
