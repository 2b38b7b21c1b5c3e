using System.Data.Common;
using Microsoft.Data.Sqlite;
using Akka.Actor;
using Akka.Event;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Fills the tag index that audits join on from the tags each chained event carries in its envelope, behind the writes
/// rather than inside them. Handed to Akka.Persistence.Sql with each write, tags made it insert journal rows one by one to
/// learn each row's ordering (2,400 events/s here instead of 9,100, and 304 tasks placed per second instead of 487);
/// written here, they cost one statement a second. On PostgreSQL the index is the plugin's own <c>tags</c> table; on
/// SQLite a table of the same shape in a database of its own (<see cref="JournalOptions.TagIndexConnectionString"/>),
/// because a second writer on the journal's file makes the journal's writer wait.
/// </summary>
/// <remarks>
/// Reads rows in ordering order up to where the journal is complete (<see cref="JournalCompleteness"/>), and inserts
/// their tags with ON CONFLICT DO NOTHING, so indexing a row twice changes nothing: after a restart it starts
/// <see cref="RescanOnStart"/> orderings before the highest one indexed, covering a hole that filled while it was away.
/// Audits read the index up to its highest ordering and the rows after it from their envelopes, so a lagging index never
/// hides an event.
/// </remarks>
public sealed class TagIndex(JournalOptions journal) : IAsyncDisposable
{
    public const long RescanOnStart = 10_000;
    public const int RowsPerRound = 5_000;

    /// <summary>The SQLite index's table, shaped as the plugin's tag table (audits read both alike).</summary>
    private const string SqliteSchema = """
        CREATE TABLE IF NOT EXISTS tags (
          ordering_id INTEGER NOT NULL, tag TEXT NOT NULL, sequence_nr INTEGER NOT NULL, persistence_id TEXT NOT NULL,
          PRIMARY KEY (ordering_id, tag));
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag);
        """;

    private long _cursor = -1;
    private JournalCompleteness? _completeness;
    /// <summary>Kept open: it is written every round (and an in-memory index lives only while a connection holds it).</summary>
    private DbConnection? _index;

    /// <summary>The result of one round: the ordering indexed through, and how many rows and tags it read and wrote.</summary>
    public sealed record Indexed(long Through, int Rows, int Tags) : INoSerializationVerificationNeeded;

    /// <summary>Indexes what the journal holds beyond the cursor, <see cref="RowsPerRound"/> rows at most.</summary>
    public async Task<Indexed> IndexOnce(CancellationToken cancellationToken)
    {
        var index = await Index(cancellationToken);
        await using var connection = JournalDatabase.Connect(journal.Provider, journal.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (_cursor < 0)
        {
            _cursor = Math.Max(0, await HighestIndexed(index, cancellationToken) - RescanOnStart);
            _completeness = new JournalCompleteness(_cursor);
        }
        var until = await _completeness!.Through(connection, cancellationToken);
        var (rows, last) = await RoundEnd(connection, until, cancellationToken);
        var through = rows == RowsPerRound ? last : Math.Max(last, until);
        var tags = journal.Provider == JournalProvider.Sqlite
            ? await InsertInSqlite(index, through, cancellationToken)
            : await InsertInPostgres(connection, index, through, cancellationToken);
        _cursor = through;
        return new Indexed(_cursor, rows, tags);
    }

    /// <summary>How many rows this round takes (<see cref="RowsPerRound"/> at most, up to <paramref name="until"/>) and the last one's ordering.</summary>
    private async Task<(int Rows, long Last)> RoundEnd(DbConnection connection, long until, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), max(ordering) FROM (SELECT ordering FROM journal "
                              + "WHERE ordering > @after AND ordering <= @until ORDER BY ordering LIMIT @limit) round";
        JournalDatabase.Parameter(command, "@after", _cursor);
        JournalDatabase.Parameter(command, "@until", until);
        JournalDatabase.Parameter(command, "@limit", RowsPerRound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var rows = Convert.ToInt32(reader.GetValue(0));
        return (rows, rows == 0 ? _cursor : reader.GetInt64(1));
    }

    /// <summary>
    /// SQLite: one statement that reads the rows' envelopes from the journal (attached to the index's connection) and
    /// inserts their tags, all inside SQLite (a placed task brings some twenty tags). Read and inserted row by row from
    /// .NET, the 31,602 rows of the placement benchmark (247,708 tags) took 2.2 s of CPU; in one statement, 1.4 s. An
    /// envelope that is not JSON is passed over, as <see cref="EventChain.ReadTags"/> does.
    /// </summary>
    private async Task<int> InsertInSqlite(DbConnection index, long through, CancellationToken cancellationToken)
    {
        await using var command = index.CreateCommand();
        command.CommandText = $"""
            INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id)
            SELECT j.ordering, t.value, j.sequence_number, j.persistence_id
            FROM {(journal.TagIndexConnectionString is null ? "main" : JournalSchema)}.journal j, json_each(CAST(j.message AS TEXT), '$.tags') t
            WHERE j.ordering > @after AND j.ordering <= @through AND substr(j.manifest, 1, @prefixLength) = @prefix
              AND json_valid(CAST(j.message AS TEXT)) AND t.type = 'text'
            ON CONFLICT DO NOTHING
            """;
        JournalDatabase.Parameter(command, "@after", _cursor);
        JournalDatabase.Parameter(command, "@through", through);
        JournalDatabase.Parameter(command, "@prefix", EventChain.ManifestPrefix);
        JournalDatabase.Parameter(command, "@prefixLength", EventChain.ManifestPrefix.Length);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: the rows are read here and their tags inserted with one INSERT of four arrays through unnest, one round
    /// trip (PostgreSQL 15 cannot skip an envelope that is not JSON inside a statement, as SQLite does).
    /// </summary>
    private async Task<int> InsertInPostgres(DbConnection journalConnection, DbConnection index, long through, CancellationToken cancellationToken)
    {
        var tags = new List<(long Ordering, string Tag, long SequenceNr, string PersistenceId)>();
        await using (var command = journalConnection.CreateCommand())
        {
            command.CommandText = "SELECT ordering, persistence_id, sequence_number, manifest, message FROM journal "
                                  + "WHERE ordering > @after AND ordering <= @through ORDER BY ordering";
            JournalDatabase.Parameter(command, "@after", _cursor);
            JournalDatabase.Parameter(command, "@through", through);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.IsDBNull(3) || !reader.GetString(3).StartsWith(EventChain.ManifestPrefix, StringComparison.Ordinal)) continue;
                var (ordering, persistenceId, sequenceNr) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2));
                foreach (var tag in EventChain.ReadTags((byte[])reader[4])) tags.Add((ordering, tag, sequenceNr, persistenceId));
            }
        }
        if (tags.Count == 0) return 0;
        await using var insert = index.CreateCommand();
        insert.CommandText = "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) "
                             + "SELECT * FROM unnest(@o, @t, @s, @p) ON CONFLICT DO NOTHING";
        JournalDatabase.Parameter(insert, "@o", tags.Select(t => t.Ordering).ToArray());
        JournalDatabase.Parameter(insert, "@t", tags.Select(t => t.Tag).ToArray());
        JournalDatabase.Parameter(insert, "@s", tags.Select(t => t.SequenceNr).ToArray());
        JournalDatabase.Parameter(insert, "@p", tags.Select(t => t.PersistenceId).ToArray());
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Where the SQLite index's connection sees the journal (attached to it when the index has a file of its own).</summary>
    private const string JournalSchema = "journal_db";

    private async Task<DbConnection> Index(CancellationToken cancellationToken)
    {
        if (_index is not null) return _index;
        var index = JournalDatabase.Connect(journal.Provider, journal.TagIndexConnectionString ?? journal.ConnectionString);
        try
        {
            await index.OpenAsync(cancellationToken);
            if (journal.TagIndexConnectionString is not null && journal.Provider == JournalProvider.Sqlite)
            {
                await using var command = index.CreateCommand();
                command.CommandText = SqliteSchema;
                await command.ExecuteNonQueryAsync(cancellationToken);
                // A pooled connection (after a failed round) may have it attached already.
                command.CommandText = $"SELECT count(*) FROM pragma_database_list WHERE name = '{JournalSchema}'";
                if (await command.ExecuteScalarAsync(cancellationToken) is 0L)
                {
                    command.CommandText = $"ATTACH DATABASE @journal AS {JournalSchema}";
                    JournalDatabase.Parameter(command, "@journal", new SqliteConnectionStringBuilder(journal.ConnectionString).DataSource);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }
        }
        catch
        {
            await index.DisposeAsync();
            throw;
        }
        return _index = index;
    }

    public async ValueTask DisposeAsync()
    {
        if (_index is not null) await _index.DisposeAsync();
        _index = null;
    }

    private static async Task<long> HighestIndexed(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(ordering_id) FROM tags";
        return await command.ExecuteScalarAsync(cancellationToken) is long highest ? highest : 0;
    }
}

/// <summary>Runs a <see cref="TagIndex"/> once a second (one per control plane: a cluster singleton of the orchestrators).</summary>
public sealed class TagIndexer : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Index now and answer <see cref="TagIndex.Indexed"/> (tests; the timer does the same without answering).</summary>
    public sealed class IndexNow : INoSerializationVerificationNeeded
    {
        public static readonly IndexNow Instance = new();
        private IndexNow() { }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TagIndex _index;
    private bool _failing;

    public ITimerScheduler Timers { get; set; } = null!;

    public TagIndexer(JournalOptions journal)
    {
        _index = new TagIndex(journal);
        ReceiveAsync<Tick>(async _ => await Round());
        ReceiveAsync<IndexNow>(async _ =>
        {
            var asker = Sender;
            asker.Tell(await Round() is { } indexed ? indexed : new Status.Failure(new InvalidOperationException("The journal failed the round.")));
        });
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("index", Tick.Instance, Interval);

    protected override void PostStop() => _index.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One round; a database that fails is said once, and the next round tries again.</summary>
    private async Task<TagIndex.Indexed?> Round()
    {
        try
        {
            var indexed = await _index.IndexOnce(CancellationToken.None);
            if (_failing) _log.Info("Tag index: the journal answers again.");
            _failing = false;
            // Behind by more than a round: go on at once rather than fall further behind a busy journal.
            if (indexed.Rows == TagIndex.RowsPerRound) Self.Tell(Tick.Instance);
            return indexed;
        }
        catch (DbException failure)
        {
            if (!_failing) _log.Warning("Tag index: the journal failed a round ({0}); retrying every {1}.", failure.Message, Interval);
            _failing = true;
            await _index.DisposeAsync(); // the next round connects afresh
            return null;
        }
    }
}
