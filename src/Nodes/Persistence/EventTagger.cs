using Akka.Persistence.Journal;

namespace Actors.Nodes.Persistence;

/// <summary>Writes each chained event with the <see cref="AuditTags"/> its entity computed, so audits filter by tag.</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is ChainedEvent chained ? new Tagged(evt, chained.Tags) : evt;
}
