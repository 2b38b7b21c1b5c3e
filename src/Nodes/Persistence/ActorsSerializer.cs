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

    public override string Manifest(object o) => events.TryGetManifest(o.GetType(), out var manifest) ? manifest : Manifests.Of(o.GetType());

    public override byte[] ToBinary(object obj) => obj is IDomainEvent domainEvent
        ? events.Write(domainEvent)
        : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), StoredJson.Options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (events.TryRead(bytes, manifest) is { } domainEvent) return domainEvent;
        var type = Manifests.TypeOf(manifest);
        if (typeof(IDomainEvent).IsAssignableFrom(type))
            throw new SerializationException($"{type.FullName} has no stored record: events are never read as their domain type.");
        return JsonSerializer.Deserialize(bytes, type, StoredJson.Options)
            ?? throw new SerializationException($"The payload of manifest {manifest} is null.");
    }
}
