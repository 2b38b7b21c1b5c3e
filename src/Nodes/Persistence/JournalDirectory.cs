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
    private readonly ICurrentPersistenceIdsQuery _journal =
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    /// <exception cref="JournalFailureException">The journal's database failed the read.</exception>
    public async Task<IReadOnlyList<string>> EntityIds(string kind, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        try
        {
            await foreach (var persistenceId in _journal.CurrentPersistenceIds().RunAsAsyncEnumerable(system.Materializer())
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
}
