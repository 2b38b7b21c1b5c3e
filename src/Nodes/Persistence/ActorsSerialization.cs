using System.Collections.Immutable;
using Akka.Serialization;

namespace Actors.Nodes.Persistence;

/// <summary>Binds every type of <see cref="Manifests"/> to <see cref="ActorsSerializer"/>; shared by the node and the actor tests.</summary>
public static class ActorsSerialization
{
    public static SerializationSetup Setup() => SerializationSetup.Create(system =>
        ImmutableHashSet.Create(SerializerDetails.Create("actors-json", new ActorsSerializer(system), Manifests.Types.Append(typeof(ChainedEvent)).Append(typeof(EntitySnapshot)).ToImmutableHashSet())));
}
