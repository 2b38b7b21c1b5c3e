using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Actors.Domain.Common;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;
using Akka.Actor;

namespace Actors.Nodes.Tests.Golden;

/// <summary>One actor system for all golden tests: the serializer needs one, the tests need nothing else of it.</summary>
public sealed class SerializerFixture : IDisposable
{
    public ExtendedActorSystem System { get; } = (ExtendedActorSystem)ActorSystem.Create("golden");

    public ActorsSerializer Serializer => new(System);

    public void Dispose() => System.Dispose();
}

/// <summary>
/// Journals outlive code: every event manifest, at every version, has a checked-in golden file of its stored bytes that
/// must keep decoding to the current domain value, and the current versions must keep encoding to exactly those bytes.
/// </summary>
public sealed class GoldenEventTests(SerializerFixture fixture) : IClassFixture<SerializerFixture>
{
    private const string WriteGoldenVariable = "ACTORS_WRITE_GOLDEN";

    public static TheoryData<string> GoldenManifests() => [.. GoldenEvents.Expected.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(GoldenManifests))]
    public void Golden_file_decodes_to_the_expected_value(string manifest)
    {
        var decoded = fixture.Serializer.FromBinary(ReadGolden(manifest), manifest);

        var expected = GoldenEvents.Expected[manifest];
        Assert.IsType(expected.GetType(), decoded);
        Assert.Equal(DomainJson(expected), DomainJson(decoded));
    }

    [Theory]
    [MemberData(nameof(GoldenManifests))]
    public void Expected_value_encodes_to_the_golden_bytes(string manifest)
    {
        var expected = GoldenEvents.Expected[manifest];
        if (Manifests.Of(expected.GetType()) != manifest) return; // an old version: only read, never written any more

        Assert.Equal(Encoding.UTF8.GetString(ReadGolden(manifest)), Encoding.UTF8.GetString(fixture.Serializer.ToBinary(expected)));
    }

    [Fact]
    public void Every_event_manifest_has_an_expected_value_and_a_golden_file()
    {
        var problems = new List<string>();
        foreach (var manifest in EventManifests())
        {
            if (!GoldenEvents.Expected.TryGetValue(manifest, out var expected))
            {
                problems.Add($"{manifest}: no expected value; add one to {nameof(GoldenEvents)}.{nameof(GoldenEvents.Expected)}.");
                continue;
            }
            if (File.Exists(GoldenPath(manifest))) continue;
            if (Environment.GetEnvironmentVariable(WriteGoldenVariable) == "1" && Manifests.Of(expected.GetType()) == manifest)
            {
                Directory.CreateDirectory(SourceGoldenDirectory());
                File.WriteAllBytes(Path.Combine(SourceGoldenDirectory(), manifest + ".json"), fixture.Serializer.ToBinary(expected));
                problems.Add($"{manifest}: golden file written to the source tree; review it, commit it and run the tests again.");
            }
            else
            {
                problems.Add($"{manifest}: no golden file Golden/events/{manifest}.json; run the tests once with {WriteGoldenVariable}=1 " +
                    "to write the missing ones from the current serializer (an old version's file must come from the code that wrote it).");
            }
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_old_manifest_upcasts_to_a_current_one()
    {
        var format = StoredEventFormat.Current;
        Assert.All(format.Upcasters.OldManifests, old =>
            Assert.Contains(format.Upcasters.LatestVersionOf(old), format.CurrentManifests));
    }

    public static TheoryData<string> OldManifests() => [.. StoredEventFormat.Current.Upcasters.OldManifests.Order(StringComparer.Ordinal)];

    /// <summary>
    /// An old version's golden file, written by the code of its time, reads through the upcasters as the current domain
    /// event, and that event is written again under the current manifest only.
    /// </summary>
    [Theory]
    [MemberData(nameof(OldManifests))]
    public void Old_golden_file_reads_through_its_upcasters_as_the_current_event(string manifest)
    {
        var current = StoredEventFormat.Current.Upcasters.LatestVersionOf(manifest);

        var decoded = fixture.Serializer.FromBinary(ReadGolden(manifest), manifest);

        Assert.NotEqual(manifest, current);
        Assert.Equal(current, fixture.Serializer.Manifest(decoded));
        Assert.Equal(DomainJson(GoldenEvents.Expected[manifest]), DomainJson(decoded));
        Assert.Equal(DomainJson(decoded), DomainJson(fixture.Serializer.FromBinary(fixture.Serializer.ToBinary(decoded), current)));
    }

    [Fact]
    public void Every_expected_value_is_the_current_event_of_its_manifest()
    {
        var upcasters = StoredEventFormat.Current.Upcasters;
        Assert.All(GoldenEvents.Expected, entry =>
            Assert.Equal(upcasters.LatestVersionOf(entry.Key), Manifests.Of(entry.Value.GetType())));
    }

    /// <summary>Golden files are never deleted: each one stays a manifest that is read, current or upcast.</summary>
    [Fact]
    public void Every_golden_file_has_an_expected_value()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "events"), "*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f)!);
        Assert.All(files, manifest => Assert.True(GoldenEvents.Expected.ContainsKey(manifest),
            $"Golden/events/{manifest}.json has no expected value: an old version stays readable through an upcaster, with its expected value."));
    }

    /// <summary>
    /// Every manifest a journal may hold an event under: the current ones in <see cref="Manifests"/> and the old versions
    /// the upcasters still read.
    /// </summary>
    private static IEnumerable<string> EventManifests() =>
        Manifests.Types.Where(t => typeof(IDomainEvent).IsAssignableFrom(t)).Select(Manifests.Of)
            .Concat(StoredEventFormat.Current.Upcasters.OldManifests)
            .Order(StringComparer.Ordinal);

    private static byte[] ReadGolden(string manifest)
    {
        var path = GoldenPath(manifest);
        Assert.True(File.Exists(path), $"Missing golden file {path}; run the tests with {WriteGoldenVariable}=1 to write it.");
        return File.ReadAllBytes(path);
    }

    private static string GoldenPath(string manifest) => Path.Combine(AppContext.BaseDirectory, "Golden", "events", manifest + ".json");

    private static string SourceGoldenDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "events");

    /// <summary>A structural view of a domain value (records holding lists compare by reference), independent of the stored layer.</summary>
    private static string DomainJson(object value) => JsonSerializer.Serialize(value, value.GetType(), StoredJson.Options);
}
