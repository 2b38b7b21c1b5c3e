using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Nodes.Persistence;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Serialization;
using Akka.Streams;

namespace Actors.Hosting.Audit;

/// <summary>One journal row as an audit sees it: where it is, what it holds, and the tags it was written with.</summary>
/// <param name="Ordering">The journal's global order (the row's <c>ordering</c>).</param>
/// <param name="Stored">A <see cref="ChainedEvent"/>, or a bare domain event written before the chain existed.</param>
public sealed record AuditEntry(long Ordering, string PersistenceId, long SequenceNr, object Stored, IReadOnlyCollection<string> Tags)
{
    public IDomainEvent? Event => Stored switch
    {
        ChainedEvent chained => chained.Event,
        IDomainEvent domainEvent => domainEvent,
        _ => null,
    };

    public ChainedEvent? Chained => Stored as ChainedEvent;
}

/// <summary>
/// Reads the domain journal through Akka.Persistence.Query's <see cref="SqlReadJournal"/>: by tag (what filters use), by
/// persistence id (what a fold uses) and all of it in the journal's order (what verify uses). Works on any actor system
/// with the SQL plugin configured - a running node's or the one <see cref="AuditSystem"/> starts for the command line.
/// </summary>
public sealed class AuditJournal(ActorSystem system)
{
    private readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    private readonly IMaterializer _materializer = system.Materializer();

    /// <summary>Entries tagged <paramref name="tag"/> in the journal's order; with <paramref name="follow"/> it keeps waiting for new ones.</summary>
    public IAsyncEnumerable<AuditEntry> ByTag(string tag, bool follow, CancellationToken cancellationToken) =>
        Read(follow ? _journal.EventsByTag(tag, Offset.NoOffset()) : _journal.CurrentEventsByTag(tag, Offset.NoOffset()), cancellationToken);

    public IAsyncEnumerable<AuditEntry> ByPersistenceId(string persistenceId, CancellationToken cancellationToken) =>
        Read(_journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue), cancellationToken);

    public IAsyncEnumerable<AuditEntry> All(CancellationToken cancellationToken) =>
        Read(_journal.CurrentAllEvents(Offset.NoOffset()), cancellationToken);

    /// <summary>The event's stored record as JSON (the payload as it sits in the journal, under its own manifest).</summary>
    public JsonNode? StoredJson(AuditEntry entry)
    {
        try
        {
            return entry.Stored switch
            {
                ChainedEvent chained => JsonNode.Parse(chained.Payload),
                IDomainEvent domainEvent => JsonNode.Parse(system.Serialization.FindSerializerFor(domainEvent).ToBinary(domainEvent)),
                _ => null,
            };
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The manifest the event is stored under (the event's own, inside a chained envelope).</summary>
    public string ManifestOf(AuditEntry entry) => entry.Stored switch
    {
        ChainedEvent chained => chained.Manifest,
        _ => Serialization.ManifestFor(system.Serialization.FindSerializerFor(entry.Stored), entry.Stored),
    };

    private async IAsyncEnumerable<AuditEntry> Read(
        Akka.Streams.Dsl.Source<EventEnvelope, Akka.NotUsed> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var envelope in source.RunAsAsyncEnumerable(_materializer).WithCancellation(cancellationToken))
            yield return new AuditEntry(envelope.Offset is Sequence sequence ? sequence.Value : 0, envelope.PersistenceId, envelope.SequenceNr,
                envelope.Event, envelope.Tags ?? (IReadOnlyCollection<string>)[]);
    }
}
