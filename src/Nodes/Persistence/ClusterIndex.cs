using Actors.Domain.Clusters;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Sharding;
using Akka.Actor;

namespace Actors.Nodes.Persistence;

/// <summary>ListClusters: one page of the names of ACTIVE clusters, in ordinal order after <paramref name="AfterName"/>; answered with an <see cref="IdPage"/>.</summary>
public sealed record ListActiveClusters(string? AfterName, int Limit) : INoSerializationVerificationNeeded; // asked of the node's own index

/// <summary>
/// The names of the ACTIVE clusters, one index per node, folded from the clusters' created and deleted events as a
/// <see cref="JournalFeed"/> reads them: rebuilt from the journal when the node starts, and brought up to the journal
/// before every answer, so a cluster whose creation was acknowledged - on any node sharing the journal - is listed
/// (read-your-writes without the cluster telling anyone, and no cluster entity asked).
/// </summary>
public sealed class ClusterIndex : ReceiveActor
{
    private readonly JournalFeed _feed;
    private readonly SortedSet<string> _active = new(StringComparer.Ordinal);

    public ClusterIndex(JournalOptions journal)
    {
        _feed = new JournalFeed(Context.System, journal, [Manifests.Of(typeof(ClusterCreated)), Manifests.Of(typeof(ClusterDeleted))]);
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
                replyTo.Tell(new Status.Failure(JournalFailure.Unreadable(Context.System, $"the {EntityKinds.Cluster} entities cannot be listed", failure)));
            }
        });
    }

    private async Task<IReadOnlyCollection<string>> CatchUp()
    {
        var (complete, tail) = await _feed.Read();
        foreach (var fed in complete) Apply(_active, fed);
        if (tail.Count == 0) return _active;
        var withTail = new SortedSet<string>(_active, StringComparer.Ordinal);
        foreach (var fed in tail) Apply(withTail, fed);
        return withTail;
    }

    private static void Apply(SortedSet<string> active, FedEvent fed)
    {
        if (!EntityKinds.TryParsePersistenceId(fed.PersistenceId, EntityKinds.Cluster, out var name)) return;
        if (fed.Event is ClusterCreated) active.Add(name);
        else if (fed.Event is ClusterDeleted) active.Remove(name);
    }
}
