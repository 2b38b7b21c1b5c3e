using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Serializes domain events, snapshots and the messages entities exchange across nodes as JSON, named by the
/// explicit, versioned manifests of <see cref="Manifests"/>. Nothing stored depends on CLR type names.
/// </summary>
public sealed class ActorsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4171;

    public override int Identifier => Id;

    public override string Manifest(object o) => Manifests.Of(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), StoredJson.Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        JsonSerializer.Deserialize(bytes, Manifests.TypeOf(manifest), StoredJson.Options)
        ?? throw new SerializationException($"The payload of manifest {manifest} is null.");
}
