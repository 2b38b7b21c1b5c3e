using System.Data.Common;
using Actors.Nodes.Entities;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Lists the entities of a kind from the journal itself: an entity exists once it has persisted an event, so a list
/// read after a write that was acknowledged always contains it, on any node that shares the journal.
/// </summary>
public sealed class JournalDirectory(ActorSystem system)
{
    /// <summary>As long as an entity's ask: the first listing of a starting node may wait for the journal to initialize.</summary>
    private static readonly TimeSpan JournalReadyTimeout = TimeSpan.FromSeconds(30);

    private volatile ICurrentPersistenceIdsQuery? _journal;

    /// <exception cref="JournalFailureException">The journal's database failed the read.</exception>
    public async Task<IReadOnlyList<string>> EntityIds(string kind, CancellationToken cancellationToken = default)
    {
        var journal = await Journal(kind, cancellationToken);
        var ids = new List<string>();
        try
        {
            await foreach (var persistenceId in journal.CurrentPersistenceIds().RunAsAsyncEnumerable(system.Materializer())
                               .WithCancellation(cancellationToken))
                if (EntityKinds.TryParsePersistenceId(persistenceId, kind, out var entityId)) ids.Add(entityId);
        }
        catch (Exception failure) when (failure.GetBaseException() is DbException)
        {
            throw JournalFailure.Unreadable(system, $"the {kind} entities cannot be listed", failure);
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>
    /// The read journal, made once the write journal has answered a read: its constructor blocks a thread for at most
    /// 5 s on the write journal's initialization and throws after, which a node starting on a loaded machine can exceed.
    /// </summary>
    private async Task<ICurrentPersistenceIdsQuery> Journal(string kind, CancellationToken cancellationToken)
    {
        if (_journal is { } journal) return journal;
        if (await JournalRead.Nothing(system, pluginId: null, JournalReadyTimeout, cancellationToken) is { } failure)
            throw JournalFailure.Unreadable(system, $"the {kind} entities cannot be listed", failure);
        return _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    }
}
