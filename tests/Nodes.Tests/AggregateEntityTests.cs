using System.Text.Json;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Akka.Actor;
using Akka.Streams;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

public class AggregateEntityTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private static RequestContext Context(int n) => new(DateTimeOffset.UnixEpoch.AddMinutes(n), $"req-{n}", "AKIATEST");

    private IActorRef Entity(string name, int snapshotEvery) => Sys.ActorOf(Props.Create(() =>
        new AggregateEntity<Cluster, ClusterState, IClusterCommand, IClusterEvent>($"cluster|{name}", name, snapshotEvery)));

    private static string Json(ClusterState state) => JsonSerializer.Serialize(state, StoredJson.Options);

    [Theory]
    [InlineData(1000)] // recovery replays every event
    [InlineData(2)]    // recovery starts from a snapshot and replays the rest
    public void An_entity_rebuilt_from_its_journal_has_the_state_it_had(int snapshotEvery)
    {
        IClusterCommand[] commands =
        [
            new CreateCluster(Context(1), [new Tag("env", "prod")], [], null, null, []),
            new UpdateClusterSettings(Context(2), [new ClusterSetting("containerInsights", "enabled")]),
            new AdmitContainerInstance(Context(3), "a1", 10),
            new TagCluster(Context(4), [new Tag("team", "core")]),
            new AdmitContainerInstance(Context(5), "b2", 10),
        ];
        var entity = Entity("web", snapshotEvery);
        ClusterState? last = null;
        foreach (var command in commands)
        {
            entity.Tell(command, TestActor);
            last = ExpectMsg<EntityResponse<ClusterState>>().State;
        }
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);

        var revived = Entity("web", snapshotEvery);
        revived.Tell(GetEntityState.Instance, TestActor);
        var recovered = ExpectMsg<EntityResponse<ClusterState>>().State;

        Assert.Equal(Json(last!), Json(recovered));
        Assert.Equal(["a1", "b2"], recovered.ContainerInstanceIds);
    }

    /// <summary>
    /// Commands that arrive while a write is in flight are decided and written together, then answered: each answer is
    /// made from the state its own command left. Three registrations sent at once were answered 1, 3, 3 (the chaos test
    /// saw two RegisterTaskDefinition told the same revision).
    /// </summary>
    [Fact]
    public void Commands_written_in_one_batch_are_each_answered_with_what_they_made()
    {
        var family = Sys.ActorOf(Props.Create(() => new TaskDefinitionFamilyEntity("task-definition-family|batch", "batch", 100, TimeProvider.System)));
        for (var n = 1; n <= 3; n++)
        {
            var spec = new TaskDefinitionSpec
            {
                Family = "batch",
                ContainerDefinitions = [new ContainerDefinition { Name = "app", Image = "busybox", Memory = 64, Command = [$"v{n}"] }],
            };
            family.Tell(new RegisterTaskDefinition(Context(n), spec, null), TestActor);
        }
        var answers = Enumerable.Range(0, 3).Select(_ => ExpectMsg<RevisionAnswer>()).ToList();
        Assert.All(answers, answer => Assert.Null(answer.Error));
        Assert.Equal([1, 2, 3], answers.Select(a => a.Revision!.Revision));
        Assert.Equal(["v1", "v2", "v3"], answers.Select(a => a.Revision!.Spec.ContainerDefinitions[0].Command![0]));
    }

    /// <summary>
    /// A state far larger than its events (a cluster with 50 long tags, then small setting changes) is snapshotted once
    /// the events since the last snapshot weigh as much as it did, not every <c>snapshotEvery</c> events; only the newest
    /// two snapshots stay, and the entity recovers from them to the state it had.
    /// </summary>
    [Fact]
    public async Task A_large_state_is_snapshotted_as_often_as_its_events_weigh_it_and_only_the_newest_two_stay()
    {
        var tags = Enumerable.Range(0, 50).Select(i => new Tag($"key-{i}".PadRight(128, 'k'), new string('v', 256))).ToList();
        var entity = Entity("large", snapshotEvery: 2);
        entity.Tell(new CreateCluster(Context(0), tags, [], null, null, []), TestActor);
        ExpectMsg<EntityResponse<ClusterState>>();
        ClusterState? last = null;
        for (var n = 1; n <= 260; n++)
        {
            entity.Tell(new UpdateClusterSettings(Context(n), [new ClusterSetting("containerInsights", n % 2 == 0 ? "enabled" : "disabled")]), TestActor);
            last = ExpectMsg<EntityResponse<ClusterState>>().State;
        }

        // ~20 KB of state against ~0.4 KB events: a snapshot at event 2, then about one per hundred events instead of one per
        // two; the first is deleted once the third is stored.
        var snapshots = await AwaitSnapshots("cluster|large", s => s.Count == 2 && s[0] > 2);
        Assert.True(snapshots.Count == 2 && snapshots[0] > 2 && snapshots[1] - snapshots[0] >= 20, $"snapshots at {string.Join(", ", snapshots)}");

        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        var revived = Entity("large", snapshotEvery: 2);
        revived.Tell(GetEntityState.Instance, TestActor);
        Assert.Equal(Json(last!), Json(ExpectMsg<EntityResponse<ClusterState>>().State));
    }

    /// <summary>The sequence numbers of the entity's stored snapshots, once <paramref name="settled"/> holds (deletes run behind).</summary>
    private async Task<List<long>> AwaitSnapshots(string persistenceId, Func<List<long>, bool> settled)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Journal.ConnectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = @id ORDER BY sequence_number";
            command.Parameters.AddWithValue("@id", persistenceId);
            var sequenceNrs = new List<long>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) sequenceNrs.Add(reader.GetInt64(0));
            if (settled(sequenceNrs) || DateTime.UtcNow > deadline) return sequenceNrs;
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Every event is stored chained to the one before it, also across a restart from a snapshot (the snapshot carries the
    /// head of the chain), and each hash is the hash of the row as stored.
    /// </summary>
    [Fact]
    public async Task Events_are_chained_across_a_recovery_from_a_snapshot()
    {
        var entity = Entity("chained", snapshotEvery: 2);
        IClusterCommand[] before =
        [
            new CreateCluster(Context(1), [], [], null, null, []),
            new AdmitContainerInstance(Context(2), "a1", 10),
        ];
        foreach (var command in before)
        {
            entity.Tell(command, TestActor);
            ExpectMsg<EntityResponse<ClusterState>>();
        }
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        var revived = Entity("chained", snapshotEvery: 2);
        revived.Tell(new TagCluster(Context(3), [new Tag("team", "core")]), TestActor);
        ExpectMsg<EntityResponse<ClusterState>>();

        var journal = Akka.Persistence.Query.PersistenceQuery.Get(Sys)
            .ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>(Akka.Persistence.Sql.Query.SqlReadJournal.Identifier);
        var rows = new List<Akka.Persistence.Query.EventEnvelope>();
        await foreach (var row in journal.CurrentEventsByPersistenceId("cluster|chained", 0, long.MaxValue).RunAsAsyncEnumerable(Sys.Materializer()))
            rows.Add(row);

        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.SequenceNr));
        var previous = "";
        foreach (var row in rows)
        {
            var chained = Assert.IsType<ChainedEvent>(row.Event);
            Assert.Null(chained.ReadError);
            Assert.Equal(previous, chained.PreviousHash);
            Assert.Equal(EventChain.Hash("cluster|chained", row.SequenceNr, chained.Manifest, chained.Payload, chained.PreviousHash), chained.Hash);
            previous = chained.Hash;
        }
        // The tags travel in the envelope; the tag index has them once the indexer has been round.
        Assert.Contains(AuditTags.Tag(AuditTags.ContainerInstance, "a1"), ((ChainedEvent)rows[1].Event).Tags);
        Assert.Contains(AuditTags.Tag(AuditTags.Cluster, "chained"), ((ChainedEvent)rows[2].Event).Tags);
        Assert.All(rows, row => Assert.Empty(row.Tags));

        // The indexer's own timer may have indexed them already; after this round it has, either way.
        var indexed = await Indexer.Ask<TagIndex.Indexed>(TagIndexer.IndexNow.Instance, TimeSpan.FromSeconds(15));
        Assert.True(indexed.Through >= 3, indexed.ToString());
        var expected = rows.Select(r => ((ChainedEvent)r.Event).Tags.Select(tag => (r.SequenceNr, tag))).SelectMany(t => t).Order().ToList();
        Assert.Equal(expected, await IndexedTags("cluster|chained"));

        // Indexing again from scratch (a restarted indexer rescans) adds nothing.
        await using (var restarted = new TagIndex(Journal))
            Assert.Equal(indexed.Through, (await restarted.IndexOnce(CancellationToken.None)).Through);
        Assert.Equal(expected, await IndexedTags("cluster|chained"));
    }

    /// <summary>
    /// The journal's writer column names the node's journal, so an entity that moved to another node and came back shows
    /// writer A, then B, then A again. Akka's replay filter (on by default) took A's later events for a stale writer's and
    /// dropped them at every recovery: acknowledged changes vanished and the next event broke the chain. Every event is
    /// replayed, and each incarnation of the entity names itself in its events.
    /// </summary>
    [Fact]
    public async Task An_entity_that_came_back_to_a_node_recovers_every_event_and_each_incarnation_names_itself()
    {
        var entity = Entity("roaming", snapshotEvery: 1000);
        IClusterCommand[] commands =
        [
            new CreateCluster(Context(1), [], [], null, null, []),
            new AdmitContainerInstance(Context(2), "a1", 10),
            new AdmitContainerInstance(Context(3), "b2", 10),
            new AdmitContainerInstance(Context(4), "c3", 10),
            new AdmitContainerInstance(Context(5), "d4", 10),
        ];
        foreach (var command in commands)
        {
            entity.Tell(command, TestActor);
            ExpectMsg<EntityResponse<ClusterState>>();
        }
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        var again = Entity("roaming", snapshotEvery: 1000);
        again.Tell(new AdmitContainerInstance(Context(6), "e5", 10), TestActor);
        var last = ExpectMsg<EntityResponse<ClusterState>>().State;
        Watch(again);
        Sys.Stop(again);
        ExpectTerminated(again);

        // Events 3 and 4 as another node's journal would have written them: this node's writer comes back at 5.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(Journal.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE journal SET writer_uuid = 'another-node' WHERE persistence_id = 'cluster|roaming' AND sequence_number IN (3, 4)";
            Assert.Equal(2, await command.ExecuteNonQueryAsync());
        }

        var revived = Entity("roaming", snapshotEvery: 1000);
        revived.Tell(GetEntityState.Instance, TestActor);
        var recovered = ExpectMsg<EntityResponse<ClusterState>>().State;
        Assert.Equal(["a1", "b2", "c3", "d4", "e5"], recovered.ContainerInstanceIds);
        Assert.Equal(Json(last), Json(recovered));

        var journal = Akka.Persistence.Query.PersistenceQuery.Get(Sys)
            .ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>(Akka.Persistence.Sql.Query.SqlReadJournal.Identifier);
        var incarnations = new List<string>();
        await foreach (var row in journal.CurrentEventsByPersistenceId("cluster|roaming", 0, long.MaxValue).RunAsAsyncEnumerable(Sys.Materializer()))
            incarnations.Add(((ChainedEvent)row.Event).Incarnation);
        Assert.Equal(6, incarnations.Count);
        Assert.All(incarnations, id => Assert.Equal(32, id.Length));
        Assert.Single(incarnations.Take(5).Distinct());
        Assert.NotEqual(incarnations[0], incarnations[5]);
    }

    /// <summary>
    /// A row whose envelope is not JSON (a damaged or foreign row) is passed over: the index goes on past it and indexes
    /// the rows after it, instead of failing the same round for ever.
    /// </summary>
    [Fact]
    public async Task The_tag_index_passes_over_a_row_that_does_not_read()
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(Journal.ConnectionString))
        {
            var entity = Entity("before-damage", snapshotEvery: 100);
            entity.Tell(new CreateCluster(Context(1), [], [], null, null, []), TestActor);
            ExpectMsg<EntityResponse<ClusterState>>();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) "
                                  + "VALUES (0, 0, 'cluster|damaged', 1, @message, @manifest, 1, 'test')";
            command.Parameters.AddWithValue("@message", "{\"tags\": [\"cluster:damaged\""u8.ToArray());
            command.Parameters.AddWithValue("@manifest", EventChain.ManifestPrefix + "cluster-created.v1");
            await command.ExecuteNonQueryAsync();
        }
        var after = Entity("after-damage", snapshotEvery: 100);
        after.Tell(new CreateCluster(Context(2), [], [], null, null, []), TestActor);
        ExpectMsg<EntityResponse<ClusterState>>();

        var indexed = await Indexer.Ask<TagIndex.Indexed>(TagIndexer.IndexNow.Instance, TimeSpan.FromSeconds(15));

        Assert.Contains((1L, AuditTags.Tag(AuditTags.Cluster, "after-damage")), await IndexedTags("cluster|after-damage"));
        Assert.Contains((1L, AuditTags.Tag(AuditTags.Cluster, "before-damage")), await IndexedTags("cluster|before-damage"));
        Assert.Empty(await IndexedTags("cluster|damaged"));
        Assert.True(indexed.Through >= 3, indexed.ToString());
    }

    private async Task<List<(long SequenceNr, string Tag)>> IndexedTags(string persistenceId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Journal.TagIndexConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_nr, tag FROM tags WHERE persistence_id = @id";
        command.Parameters.AddWithValue("@id", persistenceId);
        var tags = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) tags.Add((reader.GetInt64(0), reader.GetString(1)));
        return [.. tags.Order()];
    }

    [Fact]
    public void A_refused_command_persists_nothing_and_answers_the_error()
    {
        var entity = Entity("missing", 100);
        entity.Tell(new DeleteCluster(Context(1)), TestActor);
        var response = ExpectMsg<EntityResponse<ClusterState>>();
        Assert.Equal(ErrorCodes.ClusterNotFound, response.Error?.Code);
        Assert.False(response.State.Exists);
    }
}
