using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Actors.Domain.Clusters;
using Actors.Hosting.Audit;
using Actors.Nodes.Persistence.Stored;

namespace Actors.Hosting.Tests.Audit;

/// <summary>
/// A checked-in journal (Journals/written-2026-11.db, 18 chained events written by the build of November 2026: two
/// clusters, two hollow instances, two placed tasks and a launch that fitted nowhere) is read by code whose events have
/// moved on: ClusterCreated is now stored as a v2 record, and the v1 rows are read through an upcaster. The old rows must
/// still deserialize, verify (the chain hashes the bytes as stored, which upcasting never rewrites) and fold to the same state.
/// </summary>
public sealed class SchemaEvolutionTests : IAsyncLifetime
{
    private const string WrittenJournal = "written-2026-11.db";
    private const string PlacedTask = "arn:aws:ecs:us-east-1:000000000000:task/default/29a32668e56c426bbb12b204877a3b05";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("actors-audit-evolution-").FullName;
    private int _upcasts;

    /// <summary>ClusterCreated as a later build stores it: "clusterName" became "name".</summary>
    public sealed record StoredClusterCreatedV2(
        [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
        [property: JsonPropertyName("settings")] IReadOnlyList<StoredClusterSettingV1> Settings);

    private StoredEventFormat MovedOn() => StoredEventFormat.Current
        .WithEvent("cluster-created.v2", StoredEventCodec.Of<ClusterCreated, StoredClusterCreatedV2>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.ClusterName, [.. e.Tags.Select(StoredTagV1.From)], [.. e.Settings.Select(StoredClusterSettingV1.From)]),
            s => new(s.Metadata.ToDomain(), s.Name, [.. s.Tags.Select(t => t.ToDomain())], [.. s.Settings.Select(t => t.ToDomain())], null, null)))
        .WithUpcaster("cluster-created.v1", v1 =>
        {
            Interlocked.Increment(ref _upcasts);
            v1["name"] = v1["clusterName"]!.DeepClone();
            v1.Remove("clusterName");
            return v1;
        });

    public Task InitializeAsync()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Audit", "Journals", WrittenJournal), Path.Combine(_dataDir, "journal.db"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_old_journal_verifies_and_folds_through_the_upcaster()
    {
        await using var audit = await AuditSystem.Start(AuditSource.DataDirectory(_dataDir), MovedOn());

        var verification = await AuditVerify.Run(audit.Journal, null, null, CancellationToken.None);
        var cluster = await AuditState.At(audit.Journal, "arn:aws:ecs:us-east-1:000000000000:cluster/web", DateTimeOffset.MaxValue, CancellationToken.None);

        Assert.Empty(verification.Problems);
        Assert.Equal(18, verification.Events);
        Assert.Equal(18, verification.ChainedEvents);
        Assert.Equal(2, verification.PlacementsReplayed);
        Assert.True(_upcasts >= 2, $"the two ClusterCreated rows went through the upcaster ({_upcasts} upcasts)");
        Assert.Equal("web", (string?)cluster["clusters"]![0]!["clusterName"]);
        Assert.Equal("ACTIVE", (string?)cluster["clusters"]![0]!["status"]);
    }

    [Fact]
    public async Task Old_rows_keep_their_stored_manifest_and_bytes()
    {
        await using var audit = await AuditSystem.Start(AuditSource.DataDirectory(_dataDir), MovedOn());

        var created = new List<JsonObject>();
        await foreach (var described in AuditEvents.Read(audit.Journal, new AuditFilter { Type = nameof(ClusterCreated) }, follow: false, CancellationToken.None))
            created.Add(described);

        Assert.Equal(["cluster|web", "cluster|default"], created.Select(e => (string?)e["persistenceId"]));
        Assert.All(created, e => Assert.Equal("cluster-created.v1", (string?)e["manifest"]));
        Assert.All(created, e => Assert.NotNull(e["event"]!["clusterName"]));
    }

    [Fact]
    public async Task Explains_an_old_placement_and_replays_it()
    {
        await using var audit = await AuditSystem.Start(AuditSource.DataDirectory(_dataDir), MovedOn());

        var explained = await AuditExplain.Explain(audit.Journal, PlacedTask, CancellationToken.None);

        Assert.Equal("f01601860837dafce20de41a700839e1", (string?)explained["containerInstance"]);
        Assert.All(explained["placements"]!.AsArray(), p => Assert.True((bool?)p!["replayChoosesTheSame"]));
        Assert.Equal(2, explained["placements"]!.AsArray().Count);
    }
}
