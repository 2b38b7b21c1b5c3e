using Actors.Hosting.Configuration;
using Actors.Nodes;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace Actors.Hosting.Gateway;

/// <summary>
/// Reads through both journals (the domain's and sharding's) every few seconds, as entities do when they recover, and
/// keeps the last result for <see cref="Health"/>: a journal that cannot be read makes the node unhealthy at once,
/// instead of every request waiting for Akka's 30 s timeout and failing with a 500. On SQLite it also reads each
/// database file through a fresh connection: the plugin's pooled connections can go on answering from their caches
/// and the WAL for a while after the file itself was damaged, overwritten or removed - which is also why a failure met
/// where the journal is used (<see cref="JournalFailed"/>: an entity's recovery or write, a listing) makes the journal
/// unhealthy for <see cref="ReportedFailureMemory"/>, whatever the periodic read says. It stops first when the node
/// stops, so it never reads through an actor system that is shutting down. Until the journals first answered, the node
/// is starting, not unhealthy: that first read waits for each journal to initialize (<see cref="FirstReadTimeout"/>).
/// </summary>
public sealed class JournalProbe(IServiceProvider services, JournalOptions journalOptions, TimeProvider clock, ILogger<JournalProbe> logger)
    : StopsFirstService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    /// <summary>As long as an entity's ask: nodes starting together on a loaded machine initialize their journals slowly.</summary>
    public static readonly TimeSpan FirstReadTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ReportedFailureMemory = TimeSpan.FromSeconds(30);
    private static readonly (string Name, string? PluginId)[] Journals = [("journal", null), ("sharding journal", "akka.persistence.journal.sharding")];

    private volatile JournalStatus? last;
    private volatile ReportedFailure? reported;

    /// <summary>The last probe's outcome, or the failure reported since if it is recent; null before the first probe finished.</summary>
    public JournalStatus? Last
    {
        get
        {
            if (last is not { Healthy: true } probed || reported is not { } failure) return last;
            var ago = clock.GetUtcNow() - failure.At;
            return ago < ReportedFailureMemory ? JournalStatus.Failed($"{failure.Problem} {ago.TotalSeconds:0} s ago") : probed;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var listening = false;
        var answered = false;
        do
        {
            if (services.GetService<ActorSystem>() is not { } system) continue;
            if (!listening)
            {
                system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new FailureListener(this)), "journal-failure-listener"), typeof(JournalFailed));
                listening = true;
            }
            var status = await Probe(system, answered ? Timeout : FirstReadTimeout, stoppingToken);
            answered |= status.Healthy;
            if (status.Healthy && journalOptions.Provider == JournalProvider.Sqlite)
                status = ReadSqliteFiles([("journal", journalOptions.ConnectionString), ("sharding journal", journalOptions.ShardingConnectionString)]);
            if (last is { } previous && previous.Healthy != status.Healthy || last is null && !status.Healthy)
            {
                if (status.Healthy) logger.LogInformation("The journal answers again");
                else logger.LogError("The journal cannot be read: {Reason}", status.Problem);
            }
            last = status;
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static async Task<JournalStatus> Probe(ActorSystem system, TimeSpan timeout, CancellationToken stoppingToken)
    {
        foreach (var (name, pluginId) in Journals)
        {
            try
            {
                if (await JournalRead.Nothing(system, pluginId, timeout, stoppingToken) is { } failure)
                    return JournalStatus.Failed($"the {name} cannot be read: {OneLine(failure.GetBaseException().Message)}");
            }
            catch (AskTimeoutException)
            {
                return JournalStatus.Failed($"the {name} did not answer a read within {timeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return JournalStatus.Failed($"the {name} cannot be read: {OneLine(e.GetBaseException().Message)}");
            }
        }
        return JournalStatus.Ok;
    }

    private static JournalStatus ReadSqliteFiles(IEnumerable<(string Name, string ConnectionString)> databases)
    {
        foreach (var (name, connectionString) in databases)
        {
            var unpooled = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
            try
            {
                using var connection = new SqliteConnection(unpooled);
                connection.Open();
                using var command = connection.CreateCommand();
                // The journal's primary key: reading its highest entry walks the table's b-tree from its root.
                command.CommandText = "SELECT max(ordering) FROM journal";
                command.ExecuteScalar();
            }
            catch (SqliteException e)
            {
                return JournalStatus.Failed($"the {name} database cannot be read: {OneLine(e.Message)}");
            }
        }
        return JournalStatus.Ok;
    }

    private void Remember(JournalFailed failure) => reported = new ReportedFailure(failure.Problem, clock.GetUtcNow());

    private sealed record ReportedFailure(string Problem, DateTimeOffset At);

    private sealed class FailureListener : ReceiveActor
    {
        public FailureListener(JournalProbe probe) => Receive<JournalFailed>(probe.Remember);
    }

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}

public sealed record JournalStatus(bool Healthy, string? Problem)
{
    public static readonly JournalStatus Ok = new(true, null);
    public static JournalStatus Failed(string problem) => new(false, problem);
}
