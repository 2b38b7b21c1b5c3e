using System.Collections.Immutable;
using Akka.Serialization;

namespace Actors.Nodes.Persistence;

/// <summary>Binds every type of <see cref="Manifests"/> to <see cref="ActorsSerializer"/>; shared by the node and the actor tests.</summary>
public static class ActorsSerialization
{
    /// <param name="events">How events are stored; the current format unless a test reads with a format that moved on.</param>
    public static SerializationSetup Setup(Stored.StoredEventFormat? events = null) => SerializationSetup.Create(system =>
        ImmutableHashSet.Create(SerializerDetails.Create("actors-json", new ActorsSerializer(system, events ?? Stored.StoredEventFormat.Current), Manifests.Types.Append(typeof(ChainedEvent)).Append(typeof(EntitySnapshot)).ToImmutableHashSet())));
}
