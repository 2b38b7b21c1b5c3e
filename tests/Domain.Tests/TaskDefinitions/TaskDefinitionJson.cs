using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Domain.Tests.TaskDefinitions;

/// <summary>The serializer settings the gateway and the journal use: camelCase names, string enums, nulls omitted.</summary>
internal static class TaskDefinitionJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}
