using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Actors.Domain.Common;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;

namespace Actors.Nodes.Tests.Golden;

/// <summary>A test-only event whose v1 called the widget "name" and had no size.</summary>
public sealed record WidgetResized(EventMetadata Metadata, string WidgetName, int Size) : IDomainEvent;

public sealed record StoredWidgetResizedV2(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("widgetName")] string WidgetName,
    [property: JsonPropertyName("size")] int Size);

public sealed class EventUpcasterTests(SerializerFixture fixture) : IClassFixture<SerializerFixture>
{
    private const string V1Json =
        """{"metadata":{"at":"2026-01-02T03:04:05+00:00","requestId":"req-1","principal":"AKIATEST","reason":"resized"},"name":"knob"}""";

    private static readonly EventMetadata Metadata = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "req-1", "AKIATEST", "resized");

    private static readonly StoredEventCodec WidgetCodec = StoredEventCodec.Of<WidgetResized, StoredWidgetResizedV2>(
        e => new(StoredEventMetadataV1.From(e.Metadata), e.WidgetName, e.Size),
        s => new(s.Metadata.ToDomain(), s.WidgetName, s.Size));

    /// <summary>v1 -> v2: "name" became "widgetName", and "size" appeared with 1 for widgets resized before it existed.</summary>
    private static JsonObject RenameAndDefaultSize(JsonObject v1)
    {
        var name = v1["name"];
        v1.Remove("name");
        v1["widgetName"] = name;
        v1["size"] = 1;
        return v1;
    }

    [Fact]
    public void An_old_version_reads_as_the_current_domain_event()
    {
        var format = StoredEventFormat.Current.WithEvent("widget-resized.v2", WidgetCodec).WithUpcaster("widget-resized.v1", RenameAndDefaultSize);
        var serializer = new ActorsSerializer(fixture.System, format);

        var read = serializer.FromBinary(Encoding.UTF8.GetBytes(V1Json), "widget-resized.v1");

        Assert.Equal(new WidgetResized(Metadata, "knob", 1), read);
    }

    [Fact]
    public void The_current_version_is_written_under_its_manifest_and_read_without_upcasting()
    {
        var format = StoredEventFormat.Current.WithEvent("widget-resized.v2", WidgetCodec).WithUpcaster("widget-resized.v1", RenameAndDefaultSize);
        var serializer = new ActorsSerializer(fixture.System, format);
        var resized = new WidgetResized(Metadata, "knob", 3);

        var bytes = serializer.ToBinary(resized);

        Assert.Equal("widget-resized.v2", serializer.Manifest(resized));
        Assert.Contains("\"widgetName\":\"knob\",\"size\":3", Encoding.UTF8.GetString(bytes));
        Assert.Equal(resized, serializer.FromBinary(bytes, "widget-resized.v2"));
    }

    [Fact]
    public void Upcasters_apply_one_version_after_another_until_the_current_one()
    {
        var format = StoredEventFormat.Current
            .WithEvent("widget-resized.v3", WidgetCodec)
            .WithUpcaster("widget-resized.v1", v1 => RenameAndDefaultSize(v1))
            .WithUpcaster("widget-resized.v2", v2 =>
            {
                v2["size"] = v2["size"]!.GetValue<int>() * 10; // v3 counts in tenths
                return v2;
            });
        var serializer = new ActorsSerializer(fixture.System, format);

        Assert.Equal(new WidgetResized(Metadata, "knob", 10), serializer.FromBinary(Encoding.UTF8.GetBytes(V1Json), "widget-resized.v1"));
        var v2Json = V1Json.Replace("\"name\":\"knob\"", "\"widgetName\":\"dial\",\"size\":2");
        Assert.Equal(new WidgetResized(Metadata, "dial", 20), serializer.FromBinary(Encoding.UTF8.GetBytes(v2Json), "widget-resized.v2"));
    }

    [Fact]
    public void An_upcaster_steps_exactly_one_version()
    {
        Assert.Equal("widget-resized.v2", EventUpcasters.NextVersion("widget-resized.v1"));
        Assert.Equal("widget-resized.v10", EventUpcasters.NextVersion("widget-resized.v9"));
        Assert.Equal("widget-resized.v3", EventUpcasters.Current.With("widget-resized.v1", json => json).With("widget-resized.v2", json => json)
            .LatestVersionOf("widget-resized.v1"));
        Assert.Throws<ArgumentException>(() => EventUpcasters.Current.With("widget-resized", json => json));
        Assert.Throws<ArgumentException>(() => EventUpcasters.Current.With("widget-resized.v1", json => json).With("widget-resized.v1", json => json));
    }

    [Fact]
    public void Production_upcasters_are_not_changed_by_a_test_format()
    {
        _ = StoredEventFormat.Current.WithUpcaster("widget-resized.v1", RenameAndDefaultSize);
        Assert.DoesNotContain("widget-resized.v1", StoredEventFormat.Current.Upcasters.OldManifests);
    }
}
