using Actors.Domain.Common;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

public class SerializationTests(ITestOutputHelper output) : NodeTestKit(output)
{
    public static TheoryData<Type> DomainMessageTypes()
    {
        var types = typeof(IDomainEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && (typeof(IDomainEvent).IsAssignableFrom(t) || typeof(IDomainCommand).IsAssignableFrom(t)));
        var data = new TheoryData<Type>();
        foreach (var type in types) data.Add(type);
        return data;
    }

    [Theory]
    [MemberData(nameof(DomainMessageTypes))]
    public void Every_event_and_command_has_a_manifest_and_our_serializer(Type type)
    {
        Assert.NotEmpty(Manifests.Of(type));
        Assert.IsType<ActorsSerializer>(Sys.Serialization.FindSerializerForType(type));
    }

    [Theory]
    [MemberData(nameof(DomainMessageTypes))]
    public void Every_event_is_stored_as_a_record_of_the_stored_layer(Type type)
    {
        if (!typeof(IDomainEvent).IsAssignableFrom(type)) return;
        Assert.True(StoredEventFormat.Current.HasCodecFor(type),
            $"{type.Name} has no stored record: add one and its codec in src/Nodes/Persistence/Stored, and a golden file (see GoldenEventTests).");
    }

    [Fact]
    public void Manifests_are_unique_and_versioned()
    {
        var manifests = Manifests.Types.Select(Manifests.Of).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
        Assert.All(manifests, m => Assert.Matches(@"^[a-z0-9-]+\.v\d+$", m));
    }

    [Fact]
    public void Stored_bytes_carry_no_clr_type_names()
    {
        var created = new Domain.Clusters.ClusterCreated(
            new EventMetadata(DateTimeOffset.UnixEpoch, "req", "AKIATEST", "created cluster web"), "web", [new Tag("a", "b")], [], null, null);
        var serializer = Sys.Serialization.FindSerializerFor(created);
        var bytes = serializer.ToBinary(created);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("Actors.", text);
        Assert.Contains("\"requestId\":\"req\"", text);
        Assert.Equal(created with { Tags = created.Tags }, Roundtrip(created), new EventComparer());
    }

    private object Roundtrip(object message) =>
        Sys.Serialization.Deserialize(Sys.Serialization.FindSerializerFor(message).ToBinary(message),
            ActorsSerializer.Id, Manifests.Of(message.GetType()));

    /// <summary>Records holding lists compare by reference; compare their stored form instead.</summary>
    private sealed class EventComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) =>
            System.Text.Json.JsonSerializer.Serialize(x, StoredJson.Options) == System.Text.Json.JsonSerializer.Serialize(y, StoredJson.Options);

        public int GetHashCode(object obj) => 0;
    }
}
