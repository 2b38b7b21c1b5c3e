using System.Collections.Immutable;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Sharding;
using Akka.Actor;

namespace Actors.Nodes.Persistence;

/// <summary>
/// ListTaskDefinitions: one page of revisions, families in ordinal order and each family's revisions in number order
/// (both reversed when <paramref name="Descending"/>), after the given revision; only <paramref name="Family"/>'s when given.
/// </summary>
public sealed record ListTaskDefinitionRevisions(
    TaskDefinitionStatus? Status, string? Family, TaskDefinitionKey? After, bool Descending, int Limit) : INoSerializationVerificationNeeded; // asked of the node's own index

public sealed record TaskDefinitionKey(string Family, int Revision);

public sealed record TaskDefinitionRevisionPage(ImmutableList<TaskDefinitionKey> Revisions, bool More) : INoSerializationVerificationNeeded;

/// <summary>
/// Every task definition revision and its status, one index per node, folded from the families' registered,
/// deregistered and delete-requested events as a <see cref="JournalFeed"/> reads them: rebuilt from the journal when
/// the node starts and brought up to the journal before every answer, so ListTaskDefinitions asks no family and lists
/// every acknowledged registration.
/// </summary>
public sealed class TaskDefinitionIndex : ReceiveActor
{
    private readonly JournalFeed _feed;
    private readonly SortedDictionary<string, SortedDictionary<int, TaskDefinitionStatus>> _families = new(StringComparer.Ordinal);

    public TaskDefinitionIndex(JournalOptions journal)
    {
        _feed = new JournalFeed(Context.System, journal, [
            Manifests.Of(typeof(TaskDefinitionRegistered)), Manifests.Of(typeof(TaskDefinitionDeregistered)),
            Manifests.Of(typeof(TaskDefinitionDeleteRequested))]);
        ReceiveAsync<ListTaskDefinitionRevisions>(async list =>
        {
            var replyTo = Sender;
            try
            {
                var page = Revisions(await CatchUp(), list).Take(list.Limit + 1).ToList();
                replyTo.Tell(new TaskDefinitionRevisionPage([.. page.Take(list.Limit)], page.Count > list.Limit));
            }
            catch (Exception failure)
            {
                // The index stays as it was: the next question reads from the same cursor.
                replyTo.Tell(new Status.Failure(JournalFailure.Unreadable(Context.System, $"the {EntityKinds.TaskDefinitionFamily} entities cannot be listed", failure)));
            }
        });
    }

    private async Task<SortedDictionary<string, SortedDictionary<int, TaskDefinitionStatus>>> CatchUp()
    {
        var (complete, tail) = await _feed.Read();
        foreach (var fed in complete) Apply(_families, fed);
        if (tail.Count == 0) return _families;
        var withTail = new SortedDictionary<string, SortedDictionary<int, TaskDefinitionStatus>>(StringComparer.Ordinal);
        foreach (var (family, revisions) in _families) withTail[family] = new SortedDictionary<int, TaskDefinitionStatus>(revisions);
        foreach (var fed in tail) Apply(withTail, fed);
        return withTail;
    }

    private static void Apply(SortedDictionary<string, SortedDictionary<int, TaskDefinitionStatus>> families, FedEvent fed)
    {
        var (family, revision, status) = fed.Event switch
        {
            TaskDefinitionRegistered e => (e.Family, e.Revision, TaskDefinitionStatus.ACTIVE),
            TaskDefinitionDeregistered e => (e.Family, e.Revision, TaskDefinitionStatus.INACTIVE),
            TaskDefinitionDeleteRequested e => (e.Family, e.Revision, TaskDefinitionStatus.DELETE_IN_PROGRESS),
            _ => ((string?)null, 0, default(TaskDefinitionStatus)),
        };
        if (family is null) return;
        if (!families.TryGetValue(family, out var revisions)) families[family] = revisions = [];
        revisions[revision] = status;
    }

    private static IEnumerable<TaskDefinitionKey> Revisions(SortedDictionary<string, SortedDictionary<int, TaskDefinitionStatus>> families,
        ListTaskDefinitionRevisions list)
    {
        var direction = list.Descending ? -1 : 1;
        IEnumerable<KeyValuePair<string, SortedDictionary<int, TaskDefinitionStatus>>> ordered = list.Family is { } only
            ? families.TryGetValue(only, out var single) ? [new(only, single)] : []
            : list.Descending ? families.Reverse() : families;
        foreach (var (family, revisions) in ordered)
        {
            if (list.After is { } after && direction * string.CompareOrdinal(family, after.Family) < 0) continue;
            foreach (var (revision, status) in list.Descending ? revisions.Reverse() : revisions)
            {
                if (list.Status is { } wanted && status != wanted) continue;
                if (list.After is { } last && family == last.Family && direction * revision.CompareTo(last.Revision) <= 0) continue;
                yield return new TaskDefinitionKey(family, revision);
            }
        }
    }
}
