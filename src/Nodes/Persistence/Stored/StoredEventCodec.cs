using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>
/// One event type's stored form: the record written to the journal for it, and the mapping both ways. The stored
/// record, not the domain event, is what gets serialized, so reshaping a domain or wire type cannot change stored bytes.
/// </summary>
public sealed class StoredEventCodec
{
    private readonly Func<object, object> _toStored;
    private readonly Func<object, object> _toDomain;

    private StoredEventCodec(Type domainType, Type storedType, Func<object, object> toStored, Func<object, object> toDomain)
    {
        DomainType = domainType;
        StoredType = storedType;
        _toStored = toStored;
        _toDomain = toDomain;
    }

    public Type DomainType { get; }

    public Type StoredType { get; }

    public static StoredEventCodec Of<TEvent, TStored>(Func<TEvent, TStored> toStored, Func<TStored, TEvent> toDomain)
        where TEvent : IDomainEvent
        where TStored : class =>
        new(typeof(TEvent), typeof(TStored), e => toStored((TEvent)e), s => toDomain((TStored)s));

    public byte[] Write(object domainEvent) =>
        JsonSerializer.SerializeToUtf8Bytes(_toStored(domainEvent), StoredType, StoredEventJson.Options);

    public object Read(ReadOnlySpan<byte> json) => _toDomain(JsonSerializer.Deserialize(json, StoredType, StoredEventJson.Options) ?? throw NullPayload());

    public object Read(JsonNode json) => _toDomain(json.Deserialize(StoredType, StoredEventJson.Options) ?? throw NullPayload());

    private SerializationException NullPayload() => new($"The stored {StoredType.Name} is null.");
}

/// <summary>
/// The JSON settings of stored event records. Every member names itself with <c>[JsonPropertyName]</c>, so no naming
/// policy applies; nulls are left out, as the journals written before the stored records existed did.
/// </summary>
public static class StoredEventJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
