using System.Text.Json;
using Actors.Domain.Common;
using Actors.Nodes.Persistence.Stored;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Serializes domain events, snapshots and the messages entities exchange across nodes as JSON, named by the
/// explicit, versioned manifests of <see cref="Manifests"/>. Nothing stored depends on CLR type names.
/// Events are written as the stored records of <see cref="StoredEventFormat"/>, never as the domain types, so reshaping a
/// domain or wire type cannot change journal bytes. Everything else (commands, replies, state snapshots) is the
/// domain type's own JSON: a snapshot a new version cannot read is dropped and rebuilt from the events.
/// </summary>
public sealed class ActorsSerializer(ExtendedActorSystem system, StoredEventFormat events) : SerializerWithStringManifest(system)
{
    public const int Id = 4171;

    public ActorsSerializer(ExtendedActorSystem system) : this(system, StoredEventFormat.Current) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ChainedEvent chained => EventChain.ManifestPrefix + chained.Manifest,
        EntitySnapshot snapshot => EventChain.SnapshotManifestPrefix + Manifest(snapshot.State),
        _ => events.TryGetManifest(o.GetType(), out var manifest) ? manifest : Manifests.Of(o.GetType()),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        ChainedEvent chained => EventChain.WriteEnvelope(chained),
        EntitySnapshot snapshot => EventChain.WriteSnapshot(snapshot.ChainHash, ToBinary(snapshot.State)),
        IDomainEvent domainEvent => events.Write(domainEvent),
        _ => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), StoredJson.Options),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest.StartsWith(EventChain.ManifestPrefix, StringComparison.Ordinal))
            return ReadChained(bytes, manifest[EventChain.ManifestPrefix.Length..]) with { Tags = EventChain.ReadTags(bytes) };
        if (manifest.StartsWith(EventChain.ManifestPrefixV1, StringComparison.Ordinal))
            return ReadChained(bytes, manifest[EventChain.ManifestPrefixV1.Length..]);
        if (manifest.StartsWith(EventChain.SnapshotManifestPrefix, StringComparison.Ordinal))
        {
            var (chainHash, state) = EventChain.ReadSnapshot(bytes);
            return new EntitySnapshot(FromBinary(state, manifest[EventChain.SnapshotManifestPrefix.Length..]), chainHash);
        }
        if (events.TryRead(bytes, manifest) is { } domainEvent) return domainEvent;
        var type = Manifests.TypeOf(manifest);
        if (typeof(IDomainEvent).IsAssignableFrom(type))
            throw new SerializationException($"{type.FullName} has no stored record: events are never read as their domain type.");
        return JsonSerializer.Deserialize(bytes, type, StoredJson.Options)
            ?? throw new SerializationException($"The payload of manifest {manifest} is null.");
    }

    /// <summary>
    /// A chained event never fails to read: what does not deserialize comes back with its error (and the bytes as stored),
    /// so an audit can name the row and go on; an entity's recovery refuses it.
    /// </summary>
    private ChainedEvent ReadChained(byte[] bytes, string eventManifest)
    {
        (string PreviousHash, string Hash, string Incarnation, byte[] Payload) envelope;
        try
        {
            envelope = EventChain.ReadEnvelope(bytes);
        }
        catch (JsonException e)
        {
            return new ChainedEvent(null, eventManifest, bytes, "", "", $"the envelope does not read: {e.Message}");
        }
        try
        {
            var domainEvent = events.TryRead(envelope.Payload, eventManifest) as IDomainEvent
                ?? throw new SerializationException($"no event is stored under manifest {eventManifest}");
            return new ChainedEvent(domainEvent, eventManifest, envelope.Payload, envelope.PreviousHash, envelope.Hash) { Incarnation = envelope.Incarnation };
        }
        catch (Exception e) when (e is JsonException or SerializationException or InvalidOperationException or ArgumentException or FormatException)
        {
            return new ChainedEvent(null, eventManifest, envelope.Payload, envelope.PreviousHash, envelope.Hash, e.Message) { Incarnation = envelope.Incarnation };
        }
    }
}
