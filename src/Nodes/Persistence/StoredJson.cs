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
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
