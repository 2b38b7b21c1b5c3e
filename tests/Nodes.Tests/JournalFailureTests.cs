using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Nodes.Entities;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>An entity whose journal fails answers whoever waits on it at once, instead of leaving them to their ask timeout.</summary>
public class JournalFailureTests(ITestOutputHelper output) : NodeTestKit(output, checkSerialization: false)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);

    private static RequestContext Context(int n) => new(DateTimeOffset.UnixEpoch.AddMinutes(n), $"req-{n}", "AKIATEST");

    /// <summary>The entity as the node runs it, but on a journal that fails (see <see cref="FailingJournal"/>).</summary>
    private sealed class EntityOnFailingJournal : AggregateEntity<Cluster, ClusterState, IClusterCommand, IClusterEvent>
    {
        public EntityOnFailingJournal(string persistenceId, string name) : base(persistenceId, name) => JournalPluginId = FailingJournal.PluginId;
    }

    private IActorRef Entity(string persistenceId) => Sys.ActorOf(Props.Create(() => new EntityOnFailingJournal(persistenceId, "web")));

    [Fact]
    public async Task Whoever_asks_an_entity_whose_journal_cannot_be_read_hears_why_at_once_and_so_does_the_node()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(JournalFailed));
        var entity = Entity("unreadable|web");
        var started = DateTimeOffset.UtcNow;
        var asks = new[]
        {
            entity.Ask<EntityResponse<ClusterState>>(GetEntityState.Instance, AskTimeout),
            entity.Ask<EntityResponse<ClusterState>>(new CreateCluster(Context(1), [], [], null, null, []), AskTimeout),
        };
        foreach (var ask in asks)
        {
            var failure = await Assert.ThrowsAsync<JournalFailureException>(() => ask);
            Assert.Equal("The journal cannot be read, so unreadable|web cannot be loaded (SQLite Error 11: 'database disk image is malformed'.). " +
                         "This is a fault of the server, not of the request.", failure.Message);
        }
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "answered only when the asks timed out");
        Assert.Equal("a read of the journal failed (SQLite Error 11: 'database disk image is malformed'.)", ExpectMsg<JournalFailed>().Problem);
    }

    [Fact]
    public async Task A_write_the_journal_fails_is_answered_as_a_server_fault_and_so_are_the_commands_queued_behind_it()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(JournalFailed));
        var entity = Entity("unwritable|web");
        var started = DateTimeOffset.UtcNow;
        var create = entity.Ask<EntityResponse<ClusterState>>(new CreateCluster(Context(1), [], [], null, null, []), AskTimeout);
        var tag = entity.Ask<EntityResponse<ClusterState>>(new TagCluster(Context(2), [new Tag("team", "core")]), AskTimeout);
        foreach (var answer in await Task.WhenAll(create, tag))
        {
            Assert.Equal(ErrorCodes.Server, answer.Error?.Code);
            Assert.Equal("The journal failed while recording the change (SQLite Error 10: 'disk I/O error'.); it may or may not have been stored: " +
                         "describe the resource before retrying.", answer.Error!.Message);
        }
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "answered only when the asks timed out");
        Assert.Equal("a write to the journal failed (SQLite Error 10: 'disk I/O error'.)", ExpectMsg<JournalFailed>().Problem);
    }

    /// <summary>
    /// A refused write moved the entity's sequence number past the refused events: had it gone on, its next event would
    /// leave a gap behind, and its state would differ from what the journal replays. It answers and stops.
    /// </summary>
    [Fact]
    public async Task A_write_the_journal_refuses_is_answered_and_the_entity_stops()
    {
        var entity = Entity("rejecting|web");
        Watch(entity);
        var answer = await entity.Ask<EntityResponse<ClusterState>>(new CreateCluster(Context(1), [], [], null, null, []), AskTimeout);
        Assert.Equal(ErrorCodes.Server, answer.Error?.Code);
        Assert.Equal("The change could not be recorded: the event cannot be stored", answer.Error!.Message);
        ExpectTerminated(entity);
    }

    [Fact]
    public void What_an_asker_hears_about_a_broken_journal_crosses_nodes()
    {
        var failure = new Status.Failure(new JournalFailureException("The journal cannot be read."));
        var serializer = Sys.Serialization.FindSerializerFor(failure);
        var bytes = serializer.ToBinary(failure);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, failure));
        var cause = Assert.IsType<JournalFailureException>(Assert.IsType<Status.Failure>(back).Cause);
        Assert.Equal("The journal cannot be read.", cause.Message);
    }
}
