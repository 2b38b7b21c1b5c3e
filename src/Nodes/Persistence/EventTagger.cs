using Actors.Domain.Common;
using Actors.Nodes.Sharding;
using Akka.Persistence.Journal;

namespace Actors.Nodes.Persistence;

/// <summary>Tags every domain event with the kind of entity that wrote it, so audits can replay one kind or all of them.</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string AllEvents = "all";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is IDomainEvent domainEvent
        ? new Tagged(evt, [AllEvents, EntityKinds.TagOf(domainEvent)])
        : evt;
}
