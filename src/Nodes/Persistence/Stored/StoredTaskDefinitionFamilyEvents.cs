using System.Text.Json;
using System.Text.Json.Serialization;
using Actors.Domain.TaskDefinitions;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>A task definition family's events as stored. A new event: its manifest in <see cref="Manifests"/>, a record below, a codec here.</summary>
public static class StoredTaskDefinitionFamilyEvents
{
    public static IReadOnlyList<StoredEventCodec> Codecs { get; } =
    [
        StoredEventCodec.Of<TaskDefinitionRegistered, StoredTaskDefinitionRegisteredV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredTaskDefinitionRevisionV1.From(e.Definition), e.Family, e.Revision),
            s => new(s.Metadata.ToDomain(), s.Definition.ToDomain())),
        StoredEventCodec.Of<TaskDefinitionDeregistered, StoredTaskDefinitionDeregisteredV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Family, e.Revision, e.DeregisteredAt),
            s => new(s.Metadata.ToDomain(), s.Family, s.Revision, s.DeregisteredAt)),
        StoredEventCodec.Of<TaskDefinitionDeleteRequested, StoredTaskDefinitionDeleteRequestedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Family, e.Revision, e.DeleteRequestedAt),
            s => new(s.Metadata.ToDomain(), s.Family, s.Revision, s.DeleteRequestedAt)),
        StoredEventCodec.Of<TaskDefinitionTagged, StoredTaskDefinitionTaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Family, e.Revision, Stored.List(e.Tags, StoredTagV1.From)),
            s => new(s.Metadata.ToDomain(), s.Family, s.Revision, Stored.List(s.Tags, t => t.ToDomain()))),
        StoredEventCodec.Of<TaskDefinitionUntagged, StoredTaskDefinitionUntaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Family, e.Revision, Stored.List(e.TagKeys)),
            s => new(s.Metadata.ToDomain(), s.Family, s.Revision, Stored.List(s.TagKeys))),
    ];
}

// Events

/// <param name="Family">Repeats the definition's: v1 wrote the domain event's derived members. Ignored on read.</param>
/// <param name="Revision">Repeats the definition's, as <paramref name="Family"/> does.</param>
public sealed record StoredTaskDefinitionRegisteredV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("definition")] StoredTaskDefinitionRevisionV1 Definition,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision);

public sealed record StoredTaskDefinitionDeregisteredV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("deregisteredAt")] DateTimeOffset DeregisteredAt);

public sealed record StoredTaskDefinitionDeleteRequestedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("deleteRequestedAt")] DateTimeOffset DeleteRequestedAt);

public sealed record StoredTaskDefinitionTaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags);

public sealed record StoredTaskDefinitionUntaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string> TagKeys);

// Nested values

/// <summary>A registered revision; also the task definition each stored task carries.</summary>
/// <param name="Spec">The spec as ECS's own RegisterTaskDefinition JSON, see <see cref="StoredTaskDefinitionSpec"/>.</param>
public sealed record StoredTaskDefinitionRevisionV1(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("spec")] JsonElement Spec,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("registeredAt")] DateTimeOffset RegisteredAt,
    [property: JsonPropertyName("registeredBy")] string RegisteredBy,
    [property: JsonPropertyName("deregisteredAt")] DateTimeOffset? DeregisteredAt,
    [property: JsonPropertyName("deleteRequestedAt")] DateTimeOffset? DeleteRequestedAt,
    [property: JsonPropertyName("requiresAttributes")] IReadOnlyList<StoredRequiredAttributeV1> RequiresAttributes,
    [property: JsonPropertyName("compatibilities")] IReadOnlyList<string> Compatibilities,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags)
{
    public static StoredTaskDefinitionRevisionV1 From(TaskDefinitionRevision r) => new(
        r.Family, r.Revision, StoredTaskDefinitionSpec.From(r.Spec), Stored.EnumName(r.Status), r.RegisteredAt, r.RegisteredBy,
        r.DeregisteredAt, r.DeleteRequestedAt, Stored.List(r.RequiresAttributes, StoredRequiredAttributeV1.From), Stored.List(r.Compatibilities),
        Stored.List(r.Tags, StoredTagV1.From));

    public TaskDefinitionRevision ToDomain() => new()
    {
        Family = Family,
        Revision = Revision,
        Spec = StoredTaskDefinitionSpec.ToDomain(Spec),
        Status = Stored.ParseEnum<TaskDefinitionStatus>(Status),
        RegisteredAt = RegisteredAt,
        RegisteredBy = RegisteredBy,
        DeregisteredAt = DeregisteredAt,
        DeleteRequestedAt = DeleteRequestedAt,
        RequiresAttributes = Stored.List(RequiresAttributes, a => a.ToDomain()),
        Compatibilities = Stored.List(Compatibilities),
        Tags = Stored.List(Tags, t => t.ToDomain()),
    };
}

public sealed record StoredRequiredAttributeV1(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("targetType")] string? TargetType,
    [property: JsonPropertyName("targetId")] string? TargetId)
{
    public static StoredRequiredAttributeV1 From(RequiredAttribute a) => new(a.Name, a.Value, a.TargetType, a.TargetId);

    public RequiredAttribute ToDomain() => new() { Name = Name, Value = Value, TargetType = TargetType, TargetId = TargetId };
}

/// <summary>
/// The one exception to explicit stored records: a task definition's spec (container definitions, volumes and the rest
/// of a very large tree) is stored as ECS's RegisterTaskDefinition JSON document. That document is an external contract
/// that our refactors do not change, and the domain spec mirrors it member for member by design. The options are fixed
/// here, not shared with the gateway or the snapshots, so changing theirs cannot reach stored bytes.
/// </summary>
public static class StoredTaskDefinitionSpec
{
    private static readonly JsonSerializerOptions EcsJson = CreateEcsJson();

    public static JsonElement From(TaskDefinitionSpec spec) => JsonSerializer.SerializeToElement(spec, EcsJson);

    public static TaskDefinitionSpec ToDomain(JsonElement spec) =>
        spec.Deserialize<TaskDefinitionSpec>(EcsJson) ?? throw new SerializationException("A stored task definition has no spec.");

    private static JsonSerializerOptions CreateEcsJson()
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
