using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Sharding;
using Akka.Actor;

namespace Actors.Nodes.Persistence;

/// <summary>ListClusters: one page of the names of ACTIVE clusters, in ordinal order after <paramref name="AfterName"/>; answered with an <see cref="IdPage"/>.</summary>
public sealed record ListActiveClusters(string? AfterName, int Limit) : INoSerializationVerificationNeeded; // asked of the node's own index

/// <summary>
/// The names of the ACTIVE clusters, one index per node, fed by the journal: each cluster's lifecycle events
/// (created, deleted) in journal order. It starts empty and reads them all, so a restart rebuilds it; after that it
/// reads only the rows after its cursor. Every question is answered after a round that reads the journal as it is at
/// that moment, so a cluster whose creation was acknowledged - on any node sharing the journal - is listed
/// (read-your-writes without the cluster telling anyone). The cursor advances only through the complete part of the
/// journal (<see cref="JournalCompleteness"/>): rows after a hole are read again next round, so a late commit below them
/// is not passed over.
/// </summary>
public sealed class ClusterIndex : ReceiveActor
{
    private static readonly string[] CreatedManifests = LifecycleManifests("cluster-created.v1");
    private static readonly string[] DeletedManifests = LifecycleManifests("cluster-deleted.v1");

    private static readonly TimeSpan JournalReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly JournalOptions _journal;
    private readonly SortedSet<string> _active = new(StringComparer.Ordinal);
    private readonly JournalCompleteness _completeness = new();
    private long _cursor;
    private bool _journalReady;

    public ClusterIndex(JournalOptions journal)
    {
        _journal = journal;
        ReceiveAsync<ListActiveClusters>(async list =>
        {
            var replyTo = Sender;
            try
            {
                var active = await CatchUp();
                var page = active.Where(name => list.AfterName is null || string.CompareOrdinal(name, list.AfterName) > 0).Take(list.Limit + 1).ToList();
                replyTo.Tell(new IdPage([.. page.Take(list.Limit)], page.Count > list.Limit));
            }
            catch (Exception failure)
            {
                // The index stays as it was: the next question reads from the same cursor.
                replyTo.Tell(new Status.Failure(JournalFailure.Unreadable(Context.System, "the clusters cannot be listed", failure)));
            }
        });
    }

    /// <summary>Event manifests as the journal holds them: chained (v2 and v1 envelopes) and from before the chain.</summary>
    private static string[] LifecycleManifests(string manifest) => [EventChain.ManifestPrefix + manifest, EventChain.ManifestPrefixV1 + manifest, manifest];

    /// <summary>Reads the lifecycle rows after the cursor: the complete part moves the index on, the rest only this answer.</summary>
    private async Task<IReadOnlyCollection<string>> CatchUp()
    {
        if (!_journalReady)
        {
            // The journal creates its tables as it starts: read nothing through it first, as JournalDirectory does.
            if (await JournalRead.Nothing(Context.System, pluginId: null, JournalReadyTimeout, CancellationToken.None) is { } failure) throw failure;
            _journalReady = true;
        }
        await using var connection = JournalDatabase.Connect(_journal.Provider, _journal.ConnectionString);
        await connection.OpenAsync();
        var through = await _completeness.Through(connection, CancellationToken.None);
        var tail = new List<(string Name, bool Created)>();
        await using (var command = connection.CreateCommand())
        {
            var manifests = CreatedManifests.Concat(DeletedManifests).ToArray();
            command.CommandText = "SELECT ordering, persistence_id, manifest FROM journal WHERE ordering > @after AND manifest IN ("
                                  + string.Join(", ", manifests.Select((_, i) => $"@m{i}")) + ") ORDER BY ordering";
            JournalDatabase.Parameter(command, "@after", _cursor);
            for (var i = 0; i < manifests.Length; i++) JournalDatabase.Parameter(command, $"@m{i}", manifests[i]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!EntityKinds.TryParsePersistenceId(reader.GetString(1), EntityKinds.Cluster, out var name)) continue;
                var created = CreatedManifests.Contains(reader.GetString(2));
                if (reader.GetInt64(0) <= through) Apply(_active, name, created);
                else tail.Add((name, created));
            }
        }
        _cursor = Math.Max(_cursor, through);
        if (tail.Count == 0) return _active;
        var withTail = new SortedSet<string>(_active, StringComparer.Ordinal);
        foreach (var (name, created) in tail) Apply(withTail, name, created);
        return withTail;
    }

    private static void Apply(SortedSet<string> active, string name, bool created)
    {
        if (created) active.Add(name);
        else active.Remove(name);
    }
}
