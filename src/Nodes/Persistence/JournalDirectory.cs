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
    private readonly ICurrentPersistenceIdsQuery _journal =
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    public async Task<IReadOnlyList<string>> EntityIds(string kind, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        await foreach (var persistenceId in _journal.CurrentPersistenceIds().RunAsAsyncEnumerable(system.Materializer())
                           .WithCancellation(cancellationToken))
            if (EntityKinds.TryParsePersistenceId(persistenceId, kind, out var entityId)) ids.Add(entityId);
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
