using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Nodes;
using Actors.Nodes.Persistence;
using Akka.Actor;

namespace Actors.Hosting.Audit;

/// <summary>One journal row as an audit sees it: where it is, what it holds, and the tags it was written with.</summary>
/// <param name="Ordering">The journal's global order (the row's <c>ordering</c>).</param>
/// <param name="Stored">A <see cref="ChainedEvent"/>, or a bare domain event written before the chain existed.</param>
/// <param name="Tags">The row's tags, where the read asked for them (the timeline); empty otherwise.</param>
/// <param name="HashHolds">A chained row's hash is the hash of what the row holds (computed as the row is read, beside the
/// deserialization, so verify does not spend its one thread on it); true for a row without a chain.</param>
public sealed record AuditEntry(long Ordering, string PersistenceId, long SequenceNr, object Stored, IReadOnlyCollection<string> Tags, bool HashHolds = true)
{
    public IDomainEvent? Event => Stored switch
    {
        ChainedEvent chained => chained.Event,
        IDomainEvent domainEvent => domainEvent,
        _ => null,
    };

    public ChainedEvent? Chained => Stored as ChainedEvent;
}

/// <summary>
/// Reads the domain journal that Akka.Persistence.Sql writes (tables <c>journal</c> and <c>tags</c>, SQLite or PostgreSQL)
/// with plain SQL, one streaming query per read, and deserializes each row with the serializer it names: all of it in the
/// journal's order (verify, the unfiltered timeline), one entity by its primary key (a fold), the rows of one tag joined
/// on their ordering (a filter). It only ever runs SELECTs. Rows flagged deleted are read like the others: events are
/// never deleted, and an audit shows what the table holds.
/// </summary>
/// <remarks>
/// Akka.Persistence.Query's SqlReadJournal read the same rows in pages through SQL that linq2db generates with the tags
/// aggregated from the tag table; on SQLite each page cost more as the journal grew (104 events/s on 30,000 events).
/// </remarks>
public sealed class AuditJournal(ActorSystem system, AuditSource source)
{
    /// <summary>How long <c>--follow</c> waits between looks at the journal.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    private const char TagSeparator = '\u001f';

    private const string Columns = "j.ordering, j.persistence_id, j.sequence_number, j.manifest, j.identifier, j.message";

    /// <summary>
    /// Entries tagged <paramref name="tag"/> in the journal's order, with their tags; <paramref name="follow"/> keeps waiting
    /// for new ones. The tag table answers up to the highest ordering <see cref="TagIndexer"/> has indexed; the rows after
    /// it (a second or so of writes, or what a stopped node wrote last) are read and told apart by their envelopes' tags.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ByTag(string tag, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var indexed = await HighestIndexed(cancellationToken);
        await foreach (var entry in Read(
                           $"SELECT {Columns}, {TagsOfRow} FROM {TagTable} t JOIN journal j ON j.ordering = t.ordering_id WHERE t.tag = @key AND {Window} AND t.ordering_id <= {indexed} ORDER BY t.ordering_id",
                           tag, follow: false, cancellationToken))
            yield return entry;
        await foreach (var entry in Read($"SELECT {Columns}, {TagsOfRow} FROM journal j WHERE {Window} ORDER BY j.ordering", null, follow, cancellationToken, after: indexed))
            if (entry.Tags.Contains(tag))
                yield return entry;
    }

    /// <summary>Every entry in the journal's order; with <paramref name="withTags"/> each carries its tags (the timeline shows them, verify needs none).</summary>
    public IAsyncEnumerable<AuditEntry> All(bool withTags, bool follow, CancellationToken cancellationToken) =>
        Read($"SELECT {Columns}{(withTags ? ", " + TagsOfRow : "")} FROM journal j WHERE {Window} ORDER BY j.ordering", null, follow, cancellationToken);

    /// <summary>One entity's entries in its own order, through the (persistence_id, sequence_number) unique index.</summary>
    public IAsyncEnumerable<AuditEntry> ByPersistenceId(string persistenceId, CancellationToken cancellationToken) =>
        Read($"SELECT {Columns} FROM journal j WHERE j.persistence_id = @key AND {Window} ORDER BY j.sequence_number", persistenceId, follow: false, cancellationToken);

    /// <summary>The event's stored record as JSON (the payload as it sits in the journal, under its own manifest).</summary>
    public JsonNode? StoredJson(AuditEntry entry)
    {
        try
        {
            return entry.Stored switch
            {
                ChainedEvent chained => JsonNode.Parse(chained.Payload),
                IDomainEvent domainEvent => JsonNode.Parse(system.Serialization.FindSerializerFor(domainEvent).ToBinary(domainEvent)),
                _ => null,
            };
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The manifest the event is stored under (the event's own, inside a chained envelope).</summary>
    public string ManifestOf(AuditEntry entry) => entry.Stored switch
    {
        ChainedEvent chained => chained.Manifest,
        _ => Akka.Serialization.Serialization.ManifestFor(system.Serialization.FindSerializerFor(entry.Stored), entry.Stored),
    };

    /// <summary>The rows a query may return: after the last one read, up to the end of what is known complete (see <see cref="JournalCompleteness"/>).</summary>
    private const string Window = "j.ordering > @after AND j.ordering <= @until";

    private async Task<long> HighestIndexed(CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MAX(t.ordering_id) FROM {TagTable} t";
        return await command.ExecuteScalarAsync(cancellationToken) is long highest ? highest : 0;
    }

    /// <summary>A row's tags in one column, separated by U+001F (no tag holds it).</summary>
    private string TagsOfRow => source.Provider == JournalProvider.Sqlite
        ? $"(SELECT group_concat(g.tag, char(31)) FROM {TagTable} g WHERE g.ordering_id = j.ordering)"
        : $"(SELECT string_agg(g.tag, chr(31)) FROM {TagTable} g WHERE g.ordering_id = j.ordering)";

    /// <summary>
    /// The tag index: the plugin's tag table (PostgreSQL; on SQLite it holds the tags of journals written before the index
    /// existed), with the SQLite index's own database attached beside it.
    /// </summary>
    private string TagTable => source.SqliteTagIndex is null
        ? "tags"
        : "(SELECT ordering_id, tag FROM main.tags UNION ALL SELECT ordering_id, tag FROM tag_index.tags)";

    private async Task<DbConnection> Open(CancellationToken cancellationToken)
    {
        var connection = JournalDatabase.Connect(source.Provider, source.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (source.SqliteTagIndex is { } index)
            {
                await using var attach = connection.CreateCommand();
                // A pooled connection may have attached it already.
                attach.CommandText = "SELECT count(*) FROM pragma_database_list WHERE name = 'tag_index'";
                if (await attach.ExecuteScalarAsync(cancellationToken) is 0L)
                {
                    attach.CommandText = "ATTACH DATABASE @file AS tag_index";
                    JournalDatabase.Parameter(attach, "@file", index);
                    await attach.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The rows <paramref name="sql"/> selects with orderings after <paramref name="after"/>.</summary>
    private async IAsyncEnumerable<AuditEntry> Read(string sql, string? key, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken,
        long after = 0)
    {
        await using var connection = await Open(cancellationToken);
        var complete = new JournalCompleteness(after);
        while (true)
        {
            var until = follow ? await complete.Through(connection, cancellationToken) : long.MaxValue;
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = sql;
                JournalDatabase.Parameter(command, "@after", after);
                JournalDatabase.Parameter(command, "@until", until);
                if (key is not null) JournalDatabase.Parameter(command, "@key", key);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var withTags = reader.FieldCount > 6;
                // Rows are read in batches; a batch is deserialized on the thread pool while the next one is read.
                Task<AuditEntry[]>? decoding = null;
                while (true)
                {
                    var rows = new List<Row>(Batch);
                    while (rows.Count < Batch && await reader.ReadAsync(cancellationToken))
                        rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? "" : reader.GetString(3),
                            reader.IsDBNull(4) ? null : reader.GetInt32(4), (byte[])reader[5],
                            withTags && !reader.IsDBNull(6) ? reader.GetString(6).Split(TagSeparator) : []));
                    if (decoding is not null)
                        foreach (var entry in await decoding)
                        {
                            yield return entry;
                            after = Math.Max(after, entry.Ordering);
                        }
                    if (rows.Count == 0) break;
                    decoding = Task.Run(() => Decode(rows), cancellationToken);
                }
            }
            if (!follow) yield break;
            after = Math.Max(after, until);
            await Task.Delay(FollowInterval, cancellationToken);
        }
    }

    private const int Batch = 256;

    private sealed record Row(long Ordering, string PersistenceId, long SequenceNr, string Manifest, int? Serializer, byte[] Message, string[] Tags);

    private AuditEntry[] Decode(List<Row> rows)
    {
        var entries = new AuditEntry[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            var row = rows[i];
            var stored = Deserialize(row.Message, row.Serializer, row.Manifest);
            var hashHolds = stored is not ChainedEvent chained
                || EventChain.Hash(row.PersistenceId, row.SequenceNr, chained.Manifest, chained.Payload, chained.PreviousHash) == chained.Hash;
            // A row the tag index has not reached yet shows the tags its envelope carries.
            var tags = row.Tags.Length == 0 && stored is ChainedEvent { Tags.IsEmpty: false } carried ? [.. carried.Tags] : row.Tags;
            entries[i] = new AuditEntry(row.Ordering, row.PersistenceId, row.SequenceNr, stored, tags, hashHolds);
        });
        return entries;
    }

    /// <summary>
    /// The row as its serializer reads it. A row no serializer reads becomes a <see cref="ChainedEvent"/> without an event
    /// or links, carrying the error, so that the read goes on and verify reports the row.
    /// </summary>
    private object Deserialize(byte[] message, int? serializerId, string manifest)
    {
        try
        {
            return serializerId is { } id
                ? system.Serialization.Deserialize(message, id, manifest)
                : throw new InvalidOperationException("the row names no serializer");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ChainedEvent(null, manifest, message, "", "", e.Message);
        }
    }
}
