using System.Text.Json;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Akka.Actor;
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
