using Actors.Domain.Common;
using Actors.Nodes.Sharding;
using Akka.Persistence.Journal;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Writes each event with its tags: a chained event with the <see cref="AuditTags"/> its entity computed (so audits filter by
/// tag), a bare domain event (none are written today; kept for tests that persist one) with "all" and its entity kind.
/// </summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string AllEvents = "all";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt switch
    {
        ChainedEvent chained => new Tagged(evt, chained.Tags),
        IDomainEvent domainEvent => new Tagged(evt, [AllEvents, EntityKinds.TagOf(domainEvent)]),
        _ => evt,
    };
}
