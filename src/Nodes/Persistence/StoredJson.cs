using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Nodes.Persistence;

/// <summary>
/// The JSON form of the commands, replies and snapshots we store or send between nodes: camelCase members, enums by
/// name, ISO-8601 times, no CLR type names (the manifest names the type). Events do not use it: see Stored/StoredEventFormat.
/// </summary>
public static class StoredJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new OrdinalSortedDictionaryConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Reads string-keyed sorted dictionaries back in ordinal order, as the domain keeps them (a cluster's services):
    /// System.Text.Json would rebuild them with the culture's comparer, and names would then sort differently after a
    /// snapshot or a hop to another node.
    /// </summary>
    private sealed class OrdinalSortedDictionaryConverter : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableSortedDictionary<,>)
            && typeToConvert.GetGenericArguments()[0] == typeof(string);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

        private sealed class Converter<TValue> : JsonConverter<ImmutableSortedDictionary<string, TValue>>
        {
            public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                    JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options) ?? []);

            public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, TValue> value, JsonSerializerOptions options) =>
                JsonSerializer.Serialize<IReadOnlyDictionary<string, TValue>>(writer, value, options);
        }
    }
}
