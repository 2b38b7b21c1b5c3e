using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using Akka.Actor;

namespace Actors.Nodes.Entities;

/// <summary>One revision of the family (null <paramref name="Revision"/>: the newest ACTIVE one, as the family name alone means).</summary>
public sealed record GetRevision(int? Revision) : IEntityQuery;

/// <summary>What a family answers about one revision: the one a command touched or a query named, or why not.</summary>
public sealed record RevisionAnswer(TaskDefinitionRevision? Revision, DomainError? Error);

/// <summary>One page of the family's revision numbers with <paramref name="Status"/> (null: any), after <paramref name="After"/>.</summary>
public sealed record ListRevisions(TaskDefinitionStatus? Status, int? After, bool Descending, int Limit) : IEntityQuery;

/// <param name="HasActive">The family has an ACTIVE revision (ListTaskDefinitionFamilies' status filter).</param>
public sealed record RevisionPage(ImmutableList<int> Revisions, bool More, bool HasActive);

/// <summary>
/// The task definition family entity: answers with the revision a request is about, never the whole family, whose
/// revisions can number in the thousands.
/// </summary>
public sealed class TaskDefinitionFamilyEntity
    : AggregateEntity<TaskDefinitionFamily, TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>
{
    public TaskDefinitionFamilyEntity(string persistenceId, string entityId, int snapshotEvery, TimeProvider clock)
        : base(persistenceId, entityId, snapshotEvery, clock)
    {
        Command<GetRevision>(get =>
        {
            var revision = get.Revision is { } number ? State.FindRevision(number) : State.LatestActive();
            Sender.Tell(new RevisionAnswer(revision, revision is null ? DomainError.Client(TaskDefinitionFamily.UnknownRevisionMessage) : null));
        });
        Command<ListRevisions>(list =>
        {
            var numbers = State.Revisions.Where(r => list.Status is null || r.Status == list.Status).Select(r => r.Revision)
                .Where(n => list.After is not { } after || (list.Descending ? n < after : n > after));
            var page = (list.Descending ? numbers.OrderDescending() : numbers.Order()).Take(list.Limit + 1).ToList();
            Sender.Tell(new RevisionPage([.. page.Take(list.Limit)], page.Count > list.Limit, State.LatestActive() is not null));
        });
    }

    /// <summary>
    /// From the state the command's own events left: a registration decided in one batch with others is answered with
    /// its own revision, the newest one then, not the batch's last (two RegisterTaskDefinition side by side were both
    /// told the second one's revision).
    /// </summary>
    protected override object Reply(ITaskDefinitionFamilyCommand command, DomainError? error, TaskDefinitionFamilyState after)
    {
        var revision = command switch
        {
            RegisterTaskDefinition when error is null => after.Revisions.LastOrDefault(),
            RegisterTaskDefinition => null,
            DeregisterTaskDefinition c => after.FindRevision(c.Revision),
            DeleteTaskDefinition c => after.FindRevision(c.Revision),
            TagTaskDefinition c => after.FindRevision(c.Revision),
            UntagTaskDefinition c => after.FindRevision(c.Revision),
            _ => null,
        };
        return new RevisionAnswer(revision, error);
    }
}
