using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>
/// Rewrites the JSON of an old event version into the next version (<c>name.vN</c> to <c>name.vN+1</c>), step by step on
/// read, until it reaches a version that has a stored record. Journals are never rewritten: old bytes stay old.
/// </summary>
public sealed partial class EventUpcasters
{
    /// <summary>
    /// The upcasters this code reads with, one per old manifest. When an event changes shape: keep its old record and
    /// golden file, add the new record, map the type to manifest <c>.vN+1</c> in <see cref="Manifests"/>, and register
    /// <c>.With("name.vN", ...)</c> here (<see cref="Typed{TOld, TNew}"/> maps the old record to the new one).
    /// </summary>
    public static EventUpcasters Current { get; } = new EventUpcasters(ImmutableDictionary<string, Func<JsonObject, JsonObject>>.Empty)
        // v2 added the instance's remaining resources and the chosen instance's version; v1 recorded neither.
        .With("task-placed.v1", Typed<StoredTaskPlacedV1, StoredTaskPlacedV2>(StoredTaskPlacedV2.FromV1))
        // v2 added the instance's remaining resources; v1 did not record them.
        .With("task-state-changed.v1", Typed<StoredTaskStateChangedV1, StoredTaskStateChangedV2>(StoredTaskStateChangedV2.FromV1));

    /// <summary>
    /// An upcaster written as a mapping between stored records: the JSON is read as <typeparamref name="TOld"/>, mapped,
    /// and written back as <typeparamref name="TNew"/>, so a step cannot misspell a member or lose one silently.
    /// </summary>
    public static Func<JsonObject, JsonObject> Typed<TOld, TNew>(Func<TOld, TNew> upcast)
        where TOld : class
        where TNew : class =>
        json =>
        {
            var old = json.Deserialize<TOld>(StoredEventJson.Options) ?? throw new SerializationException($"The stored {typeof(TOld).Name} is null.");
            return JsonSerializer.SerializeToNode(upcast(old), StoredEventJson.Options) as JsonObject
                ?? throw new SerializationException($"The upcast {typeof(TNew).Name} is not a JSON object.");
        };

    private readonly ImmutableDictionary<string, Func<JsonObject, JsonObject>> _steps;

    private EventUpcasters(ImmutableDictionary<string, Func<JsonObject, JsonObject>> steps) => _steps = steps;

    /// <summary>Manifests that are only read, each turned into its next version by an upcaster.</summary>
    public IEnumerable<string> OldManifests => _steps.Keys;

    /// <summary>A copy that also turns <paramref name="fromManifest"/> into its next version.</summary>
    public EventUpcasters With(string fromManifest, Func<JsonObject, JsonObject> upcast)
    {
        _ = NextVersion(fromManifest);
        return _steps.ContainsKey(fromManifest)
            ? throw new ArgumentException($"{fromManifest} already has an upcaster.", nameof(fromManifest))
            : new EventUpcasters(_steps.Add(fromManifest, upcast));
    }

    /// <summary>The manifest and JSON the stored bytes have after every upcaster applied; the JSON is null when none applied.</summary>
    public (string Manifest, JsonObject? Json) Upcast(string manifest, ReadOnlySpan<byte> bytes)
    {
        if (!_steps.ContainsKey(manifest)) return (manifest, null);
        var json = JsonNode.Parse(bytes) as JsonObject ?? throw new SerializationException($"The payload of manifest {manifest} is not a JSON object.");
        while (_steps.TryGetValue(manifest, out var upcast))
        {
            json = upcast(json);
            manifest = NextVersion(manifest);
        }
        return (manifest, json);
    }

    /// <summary>The version the upcasters bring <paramref name="manifest"/> to, without reading any JSON.</summary>
    public string LatestVersionOf(string manifest)
    {
        while (_steps.ContainsKey(manifest)) manifest = NextVersion(manifest);
        return manifest;
    }

    public static string NextVersion(string manifest)
    {
        var match = VersionedManifest().Match(manifest);
        return match.Success
            ? $"{match.Groups["name"].Value}.v{int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}"
            : throw new ArgumentException($"'{manifest}' is not a versioned manifest (name.vN).", nameof(manifest));
    }

    [GeneratedRegex(@"^(?<name>[a-z0-9-]+)\.v(?<version>\d+)$")]
    private static partial Regex VersionedManifest();
}
