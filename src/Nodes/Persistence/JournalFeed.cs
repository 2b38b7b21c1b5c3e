using Actors.Domain.Common;
using Akka.Actor;
using Akka.Serialization;

namespace Actors.Nodes.Persistence;

/// <summary>An event of the journal as a <see cref="JournalFeed"/> reads it.</summary>
public sealed record FedEvent(string PersistenceId, IDomainEvent Event);

/// <summary>
/// Follows the journal's events of some kinds in journal order, for indexes kept in memory beside it (one per node).
/// It starts at the beginning, so an index built from it rebuilds itself after a restart. Each read returns the events
/// after its cursor as they are at that moment, so an index that reads before it answers lists every acknowledged
/// write. The cursor advances only through the complete part of the journal (<see cref="JournalCompleteness"/>): the
/// events after a hole come back as the tail, to count for one answer, and are read again next time, so a late commit
/// below them is not passed over.
/// </summary>
public sealed class JournalFeed(ActorSystem system, JournalOptions journal, IReadOnlyCollection<string> eventManifests)
{
    private static readonly TimeSpan JournalReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly string[] _manifests = [.. eventManifests.SelectMany(m => new[] { EventChain.ManifestPrefix + m, EventChain.ManifestPrefixV1 + m, m })];
    private readonly JournalCompleteness _completeness = new();
    private readonly Serializer _serializer = system.Serialization.FindSerializerForType(typeof(ChainedEvent));
    private long _cursor;
    private bool _journalReady;

    /// <exception cref="Exception">The journal could not be read; the cursor stays where it was.</exception>
    public async Task<(IReadOnlyList<FedEvent> Complete, IReadOnlyList<FedEvent> Tail)> Read()
    {
        if (!_journalReady)
        {
            // The journal creates its tables as it starts: read nothing through it first, as JournalDirectory does.
            if (await JournalRead.Nothing(system, pluginId: null, JournalReadyTimeout, CancellationToken.None) is { } failure) throw failure;
            _journalReady = true;
        }
        await using var connection = JournalDatabase.Connect(journal.Provider, journal.ConnectionString);
        await connection.OpenAsync();
        var through = await _completeness.Through(connection, CancellationToken.None);
        var (complete, tail) = (new List<FedEvent>(), new List<FedEvent>());
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT ordering, persistence_id, manifest, message FROM journal WHERE ordering > @after AND manifest IN ("
                                  + string.Join(", ", _manifests.Select((_, i) => $"@m{i}")) + ") ORDER BY ordering";
            JournalDatabase.Parameter(command, "@after", _cursor);
            for (var i = 0; i < _manifests.Length; i++) JournalDatabase.Parameter(command, $"@m{i}", _manifests[i]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                // An event that no longer reads is passed over here, as an audit names it and recovery refuses it.
                if (Read((byte[])reader[3], reader.GetString(2)) is not { } @event) continue;
                (reader.GetInt64(0) <= through ? complete : tail).Add(new FedEvent(reader.GetString(1), @event));
            }
        }
        _cursor = Math.Max(_cursor, through);
        return (complete, tail);
    }

    private IDomainEvent? Read(byte[] bytes, string manifest)
    {
        try
        {
            return ((SerializerWithStringManifest)_serializer).FromBinary(bytes, manifest) switch
            {
                ChainedEvent chained => chained.Event,
                IDomainEvent plain => plain,
                _ => null,
            };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or System.Runtime.Serialization.SerializationException)
        {
            return null;
        }
    }
}
