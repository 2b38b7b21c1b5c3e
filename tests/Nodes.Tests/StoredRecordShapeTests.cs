using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Actors.Nodes.Persistence.Stored;

namespace Actors.Nodes.Tests;

/// <summary>
/// Stored event bodies must not change when a domain or gateway wire type is reshaped: stored records hold only
/// primitives, strings, times, JSON documents and other stored records, never a type of Actors.Domain.
/// </summary>
public class StoredRecordShapeTests
{
    private static readonly string StoredNamespace = typeof(StoredEventCodec).Namespace!;

    private static readonly HashSet<Type> Scalars =
        [typeof(string), typeof(bool), typeof(int), typeof(long), typeof(double), typeof(DateTimeOffset), typeof(JsonElement)];

    public static TheoryData<Type> StoredRecords()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(StoredEventCodec).Assembly.GetTypes().Where(t => t.Namespace == StoredNamespace && IsRecord(t)))
            data.Add(type);
        return data;
    }

    [Theory]
    [MemberData(nameof(StoredRecords))]
    public void Stored_records_hold_only_scalars_json_documents_and_other_stored_records(Type record)
    {
        foreach (var property in record.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            Assert.True(IsAllowed(property.PropertyType), $"{record.Name}.{property.Name} is a {property.PropertyType}, not a stored shape.");
    }

    [Theory]
    [MemberData(nameof(StoredRecords))]
    public void Every_stored_member_names_itself_in_json(Type record)
    {
        foreach (var property in record.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            Assert.True(property.GetCustomAttribute<JsonPropertyNameAttribute>() is not null, $"{record.Name}.{property.Name} has no [JsonPropertyName].");
    }

    [Fact]
    public void Every_event_is_written_as_a_stored_record()
    {
        Assert.All(StoredEventFormat.AllCodecs, codec =>
        {
            Assert.Equal(StoredNamespace, codec.StoredType.Namespace);
            Assert.True(IsRecord(codec.StoredType), $"{codec.StoredType.Name} is not a record.");
        });
    }

    private static bool IsRecord(Type type) => type.IsClass && type.GetMethod("<Clone>$") is not null;

    private static bool IsAllowed(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return IsAllowed(underlying);
        if (Scalars.Contains(type)) return true;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) return IsAllowed(type.GetGenericArguments()[0]);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            return type.GetGenericArguments()[0] == typeof(string) && IsAllowed(type.GetGenericArguments()[1]);
        return type.Namespace == StoredNamespace && IsRecord(type);
    }
}
