using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Actors.Hosting.Gateway;

/// <summary>
/// The one place a request is held to its shape before any handler builds a command from it, so that no handler
/// (and no actor behind one) meets a value its types say cannot be there: every record read from a request body is
/// walked, by the same contract System.Text.Json read it with, and a null entry of a list or map, or a null member
/// whose type is not nullable, is refused with InvalidParameterException naming its JSON path (<c>tags[0]</c>,
/// <c>overrides.containerOverrides[1]</c>). When System.Text.Json itself fails, <see cref="DescribeReadFailure"/>
/// words it by the same paths, never by .NET type names.
/// </summary>
public static class RequestShape
{
    /// <summary>Throws an InvalidParameterException <see cref="EcsError"/> at the first null the request's types do not allow.</summary>
    public static void Check(object request, JsonSerializerOptions options) => Walk(request, [], options);

    /// <summary>
    /// Walks <paramref name="value"/> with the path to it kept as segments (a name, a [index] or a .key), put into words
    /// only for a refusal: every request is walked, and nearly none is refused.
    /// </summary>
    private static void Walk(object value, List<object> path, JsonSerializerOptions options)
    {
        if (value is string) return;
        var info = options.GetTypeInfo(value.GetType());
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                foreach (var property in info.Properties)
                {
                    // Only what reading can set: computed members are the type's business, and calling them proves nothing.
                    // A value type holds no null the walk could find (and reading it would box it).
                    if (property.Get is null || (property.Set is null && property.AssociatedParameter is null)
                        || (property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)) continue;
                    path.Add(property.Name);
                    if (property.Get(value) is { } member) Walk(member, path, options);
                    else if (!MayBeNull(property)) throw EcsError.InvalidParameter($"{PathText(path)} is required.");
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case JsonTypeInfoKind.Dictionary:
                foreach (var (key, entryValue) in Entries(value))
                {
                    path.Add(new MapKey(key));
                    if (entryValue is null) throw EcsError.InvalidParameter($"{PathText(path)} must not be null.");
                    Walk(entryValue, path, options);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case JsonTypeInfoKind.Enumerable:
                var index = 0;
                foreach (var item in (IEnumerable)value)
                {
                    path.Add(index++);
                    if (item is null) throw EcsError.InvalidParameter($"{PathText(path)} must not be null.");
                    Walk(item, path, options);
                    path.RemoveAt(path.Count - 1);
                }
                break;
        }
    }

    private sealed record MapKey(object Key);

    /// <summary><c>overrides.containerOverrides[1].environment</c>, <c>tags[0]</c>, <c>attributes.key</c>.</summary>
    private static string PathText(List<object> path)
    {
        var text = new StringBuilder();
        foreach (var segment in path)
        {
            switch (segment)
            {
                case int index: text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']'); break;
                case MapKey map: text.Append('.').Append(map.Key); break;
                default:
                    if (text.Length > 0) text.Append('.');
                    text.Append(segment);
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>A map's entries, whether it is an IDictionary (what System.Text.Json creates) or only a read-only one.</summary>
    private static IEnumerable<(object Key, object? Value)> Entries(object map)
    {
        if (map is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary) yield return (entry.Key, entry.Value);
            yield break;
        }
        foreach (var pair in (IEnumerable)map)
        {
            var pairType = pair.GetType();
            yield return (pairType.GetProperty("Key")!.GetValue(pair)!, pairType.GetProperty("Value")!.GetValue(pair));
        }
    }

    private static bool MayBeNull(JsonPropertyInfo property) =>
        !property.PropertyType.IsClass && !property.PropertyType.IsInterface
        || (property.AssociatedParameter?.IsNullable ?? property.IsSetNullable);

    /// <summary>
    /// The SerializationException for a body System.Text.Json could not read into <paramref name="requestType"/>:
    /// either the body is no JSON at all, or the value at a path is not what the request's type expects there,
    /// e.g. "Unable to parse request: tags[0].key must be a string, not a number."
    /// </summary>
    public static EcsError DescribeReadFailure(JsonException failure, ReadOnlySpan<byte> body, Type requestType, JsonSerializerOptions options)
    {
        if (SyntaxError(body, options) is { } syntax) return EcsError.Serialization($"Unable to parse request: the body is not valid JSON: {syntax}");

        var segments = PathSegments(failure.Path ?? "$");
        var path = Format(segments);
        var where = path.Length == 0 ? "the request body" : path;
        var expected = ResolveType(requestType, segments, options);
        using var document = JsonDocument.Parse(body.ToArray());
        var actual = ResolveElement(document.RootElement, segments);
        if (expected is null || actual is null) return EcsError.Serialization($"Unable to parse request: unexpected value at {where}.");

        var info = options.GetTypeInfo(expected);
        if (info.Kind == JsonTypeInfoKind.Object && actual.Value.ValueKind == JsonValueKind.Object)
        {
            var required = info.Properties.Where(p => p.IsRequired).Select(p => p.Name).ToList();
            return EcsError.Serialization(required.Count > 0
                ? $"Unable to parse request: {where} must have {string.Join(" and ", required)}."
                : $"Unable to parse request: unexpected value at {where}.");
        }
        var (description, kinds) = Expectation(expected, info);
        var actualKind = KindName(actual.Value.ValueKind);
        return EcsError.Serialization(kinds.Contains(actual.Value.ValueKind)
            ? $"Unable to parse request: {where} must be {description}."
            : $"Unable to parse request: {where} must be {description}, not {actualKind}.");
    }

    private static string? SyntaxError(ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = options.MaxDepth });
            while (reader.Read()) { }
            return null;
        }
        catch (JsonException e)
        {
            var position = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            var message = position > 0 ? e.Message[..position] : e.Message;
            return $"{message} (at byte {e.BytePositionInLine ?? 0} of line {(e.LineNumber ?? 0) + 1})";
        }
    }

    /// <summary>What a value of <paramref name="type"/> looks like in words, and the JSON kinds that can hold it.</summary>
    private static (string Description, JsonValueKind[] Kinds) Expectation(Type type, JsonTypeInfo info)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return ("a string", [JsonValueKind.String]);
        if (type == typeof(bool)) return ("a boolean", [JsonValueKind.True, JsonValueKind.False]);
        if (type == typeof(int)) return ($"an integer from {int.MinValue} to {int.MaxValue}", [JsonValueKind.Number]);
        if (type == typeof(long)) return ($"an integer from {long.MinValue} to {long.MaxValue}", [JsonValueKind.Number]);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return ("a finite number", [JsonValueKind.Number]);
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
            return ($"a timestamp in seconds since the epoch, from {DateTimeOffset.MinValue.ToUnixTimeSeconds()} to {DateTimeOffset.MaxValue.ToUnixTimeSeconds()}",
                [JsonValueKind.Number]);
        if (type.IsEnum) return ($"one of {string.Join(", ", Enum.GetNames(type))}", [JsonValueKind.String]);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => ("a list", [JsonValueKind.Array]),
            JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Object => ("an object", [JsonValueKind.Object]),
            _ => ("a different value", []),
        };
    }

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The type the contract expects at a path; null when the path leaves the contract.</summary>
    private static Type? ResolveType(Type root, IReadOnlyList<object> segments, JsonSerializerOptions options)
    {
        Type? current = root;
        foreach (var segment in segments)
        {
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(current) ?? current);
            current = (info.Kind, segment) switch
            {
                (JsonTypeInfoKind.Object, string name) => info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                (JsonTypeInfoKind.Dictionary, string) or (JsonTypeInfoKind.Enumerable, int) => info.ElementType,
                _ => null,
            };
            if (current is null) return null;
        }
        return current;
    }

    private static JsonElement? ResolveElement(JsonElement root, IReadOnlyList<object> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            if (segment is string name && current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var member)) current = member;
            else if (segment is int index && current.ValueKind == JsonValueKind.Array && index < current.GetArrayLength()) current = current[index];
            else return null;
        }
        return current;
    }

    /// <summary>System.Text.Json's paths (<c>$.tags[0].key</c>, <c>$['odd.name']</c>) as names and indexes.</summary>
    internal static List<object> PathSegments(string jsonPath)
    {
        var segments = new List<object>();
        var i = jsonPath.StartsWith('$') ? 1 : 0;
        while (i < jsonPath.Length)
        {
            if (jsonPath[i] == '.')
            {
                var end = jsonPath.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = jsonPath.Length;
                segments.Add(jsonPath[(i + 1)..end]);
                i = end;
            }
            else if (jsonPath.AsSpan(i).StartsWith("['"))
            {
                var end = jsonPath.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) break;
                segments.Add(jsonPath[(i + 2)..end]);
                i = end + 2;
            }
            else if (jsonPath[i] == '[')
            {
                var end = jsonPath.IndexOf(']', i);
                if (end < 0 || !int.TryParse(jsonPath.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) break;
                segments.Add(index);
                i = end + 1;
            }
            else break;
        }
        return segments;
    }

    /// <summary>Segments as the messages name them: <c>overrides.containerOverrides[1].name</c>.</summary>
    internal static string Format(IEnumerable<object> segments)
    {
        var path = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment is int index) path.Append(CultureInfo.InvariantCulture, $"[{index}]");
            else path.Append(path.Length == 0 ? "" : ".").Append(segment);
        }
        return path.ToString();
    }
}
