using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Actors.Domain.Common;

namespace Actors.Nodes.Persistence.Stored;

// Nested stored records are shared by the events that hold them and frozen like the events: changing one would change
// the bytes of every event holding it (the golden tests say which), so a new shape is a new record and new event versions.

public sealed record StoredEventMetadataV1(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("requestId")] string RequestId,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("reason")] string Reason)
{
    public static StoredEventMetadataV1 From(EventMetadata m) => new(m.At, m.RequestId, m.Principal, m.Reason);

    public EventMetadata ToDomain() => new(At, RequestId, Principal, Reason);
}

public sealed record StoredTagV1(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string? Value)
{
    public static StoredTagV1 From(Tag t) => new(t.Key, t.Value);

    public Tag ToDomain() => new(Key, Value);
}

/// <summary>Helpers for the mappings: lists whichever collection type each side uses, enums by member name.</summary>
public static class Stored
{
    /// <summary>A missing list reads as empty: the domain's lists are never null.</summary>
    public static ImmutableList<TTo> List<TFrom, TTo>(IEnumerable<TFrom>? items, Func<TFrom, TTo> map) => items is null ? [] : [.. items.Select(map)];

    public static ImmutableList<T> List<T>(IEnumerable<T>? items) => items is null ? [] : [.. items];

    /// <summary>For the domain's optional lists, where absent and empty differ.</summary>
    public static ImmutableList<TTo>? ListOrNull<TFrom, TTo>(IEnumerable<TFrom>? items, Func<TFrom, TTo> map) => items is null ? null : [.. items.Select(map)];

    public static ImmutableList<T>? ListOrNull<T>(IEnumerable<T>? items) => items is null ? null : [.. items];

    // Enums are stored by member name. The domain's enums are ECS's status and code names, an external contract; the
    // golden files hold one value of each, so a renamed member fails the tests.
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, System.Enum => value.ToString();

    public static string? EnumName<TEnum>(TEnum? value) where TEnum : struct, System.Enum => value?.ToString();

    public static TEnum ParseEnum<TEnum>(string value) where TEnum : struct, System.Enum => System.Enum.Parse<TEnum>(value);

    public static TEnum? ParseEnumOrNull<TEnum>(string? value) where TEnum : struct, System.Enum => value is null ? null : System.Enum.Parse<TEnum>(value);
}
