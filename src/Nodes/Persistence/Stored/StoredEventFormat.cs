using System.Collections.Immutable;
using Actors.Domain.Common;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>
/// How domain events are stored: the stored record of each event type under its manifest, and the upcasters that bring
/// older versions up to those. Constructible so that tests can add events and upcasters of their own.
/// </summary>
public sealed class StoredEventFormat
{
    public static IReadOnlyList<StoredEventCodec> AllCodecs { get; } =
        [.. StoredClusterEvents.Codecs, .. StoredTaskDefinitionFamilyEvents.Codecs, .. StoredContainerInstanceEvents.Codecs, .. StoredServiceEvents.Codecs];

    /// <summary>The production format: manifests from <see cref="Manifests"/>, upcasters from <see cref="EventUpcasters.Current"/>.</summary>
    public static StoredEventFormat Current { get; } = new(AllCodecs.Select(c => (Manifests.Of(c.DomainType), c)), EventUpcasters.Current);

    private readonly ImmutableDictionary<Type, (string Manifest, StoredEventCodec Codec)> _byType;
    private readonly ImmutableDictionary<string, StoredEventCodec> _byManifest;

    public StoredEventFormat(IEnumerable<(string Manifest, StoredEventCodec Codec)> events, EventUpcasters upcasters)
    {
        var list = events.ToList();
        _byType = list.ToImmutableDictionary(e => e.Codec.DomainType);
        _byManifest = list.ToImmutableDictionary(e => e.Manifest, e => e.Codec);
        Upcasters = upcasters;
    }

    public EventUpcasters Upcasters { get; }

    /// <summary>Current manifests, each with the record it is stored as.</summary>
    public IEnumerable<string> CurrentManifests => _byManifest.Keys;

    /// <summary>A copy that stores <paramref name="codec"/>'s event under <paramref name="manifest"/> (a new event, or an event moved on to a new version).</summary>
    public StoredEventFormat WithEvent(string manifest, StoredEventCodec codec) =>
        new(_byType.SetItem(codec.DomainType, (manifest, codec)).Values, Upcasters);

    public StoredEventFormat WithUpcaster(string fromManifest, Func<System.Text.Json.Nodes.JsonObject, System.Text.Json.Nodes.JsonObject> upcast) =>
        new(_byType.Values, Upcasters.With(fromManifest, upcast));

    public bool HasCodecFor(Type eventType) => _byType.ContainsKey(eventType);

    public bool TryGetManifest(Type eventType, out string manifest)
    {
        var found = _byType.TryGetValue(eventType, out var entry);
        manifest = entry.Manifest;
        return found;
    }

    public byte[] Write(IDomainEvent domainEvent) => _byType.TryGetValue(domainEvent.GetType(), out var entry)
        ? entry.Codec.Write(domainEvent)
        : throw new SerializationException(
            $"{domainEvent.GetType().FullName} has no stored record: add one and its codec under Persistence/Stored (see {nameof(StoredClusterEvents)}).");

    /// <summary>The current domain event stored under <paramref name="manifest"/>, or null when the manifest names no event.</summary>
    public object? TryRead(byte[] bytes, string manifest)
    {
        var (current, upcast) = Upcasters.Upcast(manifest, bytes);
        if (!_byManifest.TryGetValue(current, out var codec)) return null;
        return upcast is null ? codec.Read(bytes) : codec.Read(upcast);
    }
}
