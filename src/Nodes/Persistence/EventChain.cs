using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Actors.Domain.Common;

namespace Actors.Nodes.Persistence;

/// <summary>
/// A domain event as its entity persists it: the event's stored bytes (<see cref="Payload"/> under <see cref="Manifest"/>)
/// and a hash chained to the previous event of the same entity, so that an altered, deleted or reordered journal row
/// breaks the chain exactly where it happened. Read back, <see cref="Event"/> is null when the payload no longer
/// deserializes (<see cref="ReadError"/> says why): recovery refuses such an event, an audit reports it.
/// </summary>
/// <param name="PreviousHash">The hash of the entity's previous event; empty where the chain begins (the first event, or
/// the first one written after events from before the chain existed).</param>
/// <param name="Tags">Its audit tags (<see cref="AuditTags"/>), stored in the envelope beside the payload since chained.v2 and
/// indexed into the journal's tag table behind the writes (<see cref="TagIndexer"/>).</param>
public sealed record ChainedEvent(
    IDomainEvent? Event, string Manifest, byte[] Payload, string PreviousHash, string Hash, string? ReadError = null)
{
    public ImmutableArray<string> Tags { get; init; } = [];

    /// <summary>
    /// Which incarnation of the entity wrote it: an id each start of the entity takes anew, stored in the envelope (empty for
    /// events from before it was). The journal's own writer column names the node's journal, not the incarnation, so an
    /// entity that leaves a node and comes back shows the same writer twice; this shows each incarnation's run.
    /// </summary>
    public string Incarnation { get; init; } = "";
}

/// <summary>An entity's snapshot with the hash of the last event it includes, so the chain continues after recovery.</summary>
public sealed record EntitySnapshot(object State, string ChainHash);

/// <summary>
/// The hash chain of the journal and the stored form of its links. A link is the SHA-256 of a version line, the persistence
/// id, the sequence number, the manifest, the previous link and the payload bytes, so any change to what a row holds, or
/// to where it sits in its entity's history, gives a different hash.
/// </summary>
public static class EventChain
{
    /// <summary>Journal manifests of chained events read <c>chained.v2/&lt;event manifest&gt;</c>: the envelope carries the tags.</summary>
    public const string ManifestPrefix = "chained.v2/";

    /// <summary>The envelope before it carried tags (the plugin wrote them to its tag table inside each write); still read.</summary>
    public const string ManifestPrefixV1 = "chained.v1/";

    /// <summary>Snapshot manifests read <c>entity-snapshot.v1/&lt;state manifest&gt;</c>.</summary>
    public const string SnapshotManifestPrefix = "entity-snapshot.v1/";

    public static string Hash(string persistenceId, long sequenceNr, string manifest, ReadOnlySpan<byte> payload, string previousHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"actors-event-chain.v1\n{persistenceId}\n{sequenceNr}\n{manifest}\n{previousHash}\n"));
        hash.AppendData(payload);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The event as its entity persists it at <paramref name="sequenceNr"/>: its stored bytes under its manifest, linked to
    /// <paramref name="previousHash"/>, with the <see cref="AuditTags"/> computed from the entity's state before it.
    /// </summary>
    public static ChainedEvent Link(
        Akka.Serialization.Serialization serialization, string persistenceId, long sequenceNr, IDomainEvent @event, object stateBefore, string previousHash)
    {
        var serializer = (Akka.Serialization.SerializerWithStringManifest)serialization.FindSerializerFor(@event);
        var manifest = serializer.Manifest(@event);
        var payload = serializer.ToBinary(@event);
        return new ChainedEvent(@event, manifest, payload, previousHash, Hash(persistenceId, sequenceNr, manifest, payload, previousHash))
        {
            Tags = AuditTags.Of(persistenceId, @event, stateBefore),
        };
    }

    /// <summary>
    /// <c>{"previousHash":..,"hash":..,"tags":[..],"incarnation":..,"event":&lt;payload&gt;}</c>: the event's own bytes are
    /// kept verbatim inside; the tags come before them so that <see cref="ReadTags"/> stops early. The incarnation is left
    /// out when unknown; readers of the envelope skip members they do not know, so it needs no new manifest.
    /// </summary>
    public static byte[] WriteEnvelope(ChainedEvent chained)
    {
        var buffer = new ArrayBufferWriter<byte>(chained.Payload.Length + 180 + chained.Tags.Sum(t => t.Length + 3));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("previousHash", chained.PreviousHash);
            writer.WriteString("hash", chained.Hash);
            writer.WriteStartArray("tags");
            foreach (var tag in chained.Tags) writer.WriteStringValue(tag);
            writer.WriteEndArray();
            if (chained.Incarnation.Length > 0) writer.WriteString("incarnation", chained.Incarnation);
            writer.WritePropertyName("event");
            writer.WriteRawValue(chained.Payload, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The links, the writing incarnation (empty when the envelope has none) and the event's verbatim bytes from an
    /// envelope; throws <see cref="JsonException"/> on a damaged one.
    /// </summary>
    public static (string PreviousHash, string Hash, string Incarnation, byte[] Payload) ReadEnvelope(ReadOnlySpan<byte> bytes)
    {
        var (previousHash, hash, incarnation, payload) = ReadWrapped(bytes, "previousHash", "hash", "incarnation", "event");
        return (previousHash, hash, incarnation ?? "", payload);
    }

    /// <summary>
    /// The tags of a chained.v2 envelope, read without touching the event (they precede it); empty for a v1 envelope or
    /// one that does not read.
    /// </summary>
    public static ImmutableArray<string> ReadTags(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return [];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8)) return [];
                var isTags = reader.ValueTextEquals("tags"u8);
                if (!reader.Read()) return [];
                if (!isTags)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray) return [];
                var tags = ImmutableArray.CreateBuilder<string>();
                while (reader.Read() && reader.TokenType == JsonTokenType.String) tags.Add(reader.GetString()!);
                return tags.ToImmutable();
            }
            return [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary><c>{"chainHash":..,"state":&lt;state json&gt;}</c>.</summary>
    public static byte[] WriteSnapshot(string chainHash, ReadOnlySpan<byte> state)
    {
        var buffer = new ArrayBufferWriter<byte>(state.Length + 100);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("chainHash", chainHash);
            writer.WritePropertyName("state");
            writer.WriteRawValue(state, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static (string ChainHash, byte[] State) ReadSnapshot(ReadOnlySpan<byte> bytes)
    {
        var (chainHash, _, _, state) = ReadWrapped(bytes, "chainHash", null, null, "state");
        return (chainHash, state);
    }

    /// <summary>Two required string members, one optional (null when absent) and the raw member written last.</summary>
    private static (string First, string Second, string? Optional, byte[] Raw) ReadWrapped(
        ReadOnlySpan<byte> bytes, string first, string? second, string? optional, string raw)
    {
        var reader = new Utf8JsonReader(bytes);
        string? firstValue = null, secondValue = null, optionalValue = null;
        byte[]? rawValue = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            if (!reader.Read()) break;
            if (name == first) firstValue = reader.GetString();
            else if (name == second) secondValue = reader.GetString();
            else if (name == optional) optionalValue = reader.GetString();
            else if (name == raw)
            {
                // The raw member is written last: it runs to the object's closing brace. Taking it without tokenizing it
                // saves a pass over every event an entity recovers or an audit reads; a payload that is not valid JSON
                // fails where it is deserialized, and any change to it breaks the hash.
                var start = (int)reader.TokenStartIndex;
                var end = bytes.TrimEnd(" \t\r\n"u8).Length - 1;
                if (end <= start || bytes[end] != (byte)'}') throw new JsonException("the object does not end where it should");
                rawValue = bytes[start..end].TrimEnd(" \t\r\n"u8).ToArray();
                break;
            }
            else reader.Skip();
        }
        if (rawValue is null && (reader.TokenType != JsonTokenType.EndObject || reader.Read()))
            throw new JsonException("the object does not end where it should");
        return (firstValue ?? throw new JsonException($"'{first}' is missing"),
            second is null ? "" : secondValue ?? throw new JsonException($"'{second}' is missing"),
            optionalValue,
            rawValue ?? throw new JsonException($"'{raw}' is missing"));
    }
}
