using System.Data.Common;
using Akka.Actor;
using Akka.Event;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Fills the tag index that audits join on from the tags each chained event carries in its envelope, behind the writes
/// rather than inside them. Handed to Akka.Persistence.Sql with each write, tags made it insert journal rows one by one to
/// learn each row's ordering (2,400 events/s here instead of 9,100, and 304 tasks placed per second instead of 487);
/// written here, they cost one batched insert a second. On PostgreSQL the index is the plugin's own <c>tags</c> table; on
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
        var tags = new List<(long Ordering, string Tag, long SequenceNr, string PersistenceId)>();
        var rows = 0;
        var last = _cursor;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT ordering, persistence_id, sequence_number, manifest, message FROM journal "
                                  + "WHERE ordering > @after AND ordering <= @until ORDER BY ordering LIMIT @limit";
            JournalDatabase.Parameter(command, "@after", _cursor);
            JournalDatabase.Parameter(command, "@until", until);
            JournalDatabase.Parameter(command, "@limit", RowsPerRound);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
                last = reader.GetInt64(0);
                if (reader.IsDBNull(3) || !reader.GetString(3).StartsWith(EventChain.ManifestPrefix, StringComparison.Ordinal)) continue;
                var (persistenceId, sequenceNr) = (reader.GetString(1), reader.GetInt64(2));
                foreach (var tag in EventChain.ReadTags((byte[])reader[4])) tags.Add((last, tag, sequenceNr, persistenceId));
            }
        }
        if (tags.Count > 0) await Insert(index, tags, cancellationToken);
        _cursor = rows == RowsPerRound ? last : Math.Max(last, until);
        return new Indexed(_cursor, rows, tags.Count);
    }

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

    /// <summary>
    /// One transaction. SQLite: one prepared single-row INSERT run per tag (SQLite resolves named parameters by a linear
    /// search while it parses, so a multi-row INSERT of n parameters costs n² comparisons; this one parses once).
    /// PostgreSQL: one INSERT of four arrays through unnest, one round trip.
    /// </summary>
    private async Task Insert(DbConnection connection, List<(long Ordering, string Tag, long SequenceNr, string PersistenceId)> tags,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (journal.Provider == JournalProvider.PostgreSql)
        {
            command.CommandText = "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) "
                                  + "SELECT * FROM unnest(@o, @t, @s, @p) ON CONFLICT DO NOTHING";
            JournalDatabase.Parameter(command, "@o", tags.Select(t => t.Ordering).ToArray());
            JournalDatabase.Parameter(command, "@t", tags.Select(t => t.Tag).ToArray());
            JournalDatabase.Parameter(command, "@s", tags.Select(t => t.SequenceNr).ToArray());
            JournalDatabase.Parameter(command, "@p", tags.Select(t => t.PersistenceId).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            command.CommandText = "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES (@o, @t, @s, @p) ON CONFLICT DO NOTHING";
            var (ordering, tag, sequenceNr, persistenceId) = (command.CreateParameter(), command.CreateParameter(), command.CreateParameter(), command.CreateParameter());
            (ordering.ParameterName, tag.ParameterName, sequenceNr.ParameterName, persistenceId.ParameterName) = ("@o", "@t", "@s", "@p");
            command.Parameters.AddRange(new[] { ordering, tag, sequenceNr, persistenceId });
            await command.PrepareAsync(cancellationToken);
            foreach (var row in tags)
            {
                (ordering.Value, tag.Value, sequenceNr.Value, persistenceId.Value) = (row.Ordering, row.Tag, row.SequenceNr, row.PersistenceId);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
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
