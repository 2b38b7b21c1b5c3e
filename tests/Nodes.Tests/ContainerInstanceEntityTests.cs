using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

public class ContainerInstanceEntityTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private const string Cluster = "default";
    private const string InstanceId = "0123456789abcdef0123456789abcdef";
    private static readonly AgentLeaseOptions ShortLease = new() { Timeout = TimeSpan.FromMilliseconds(800), CheckInterval = TimeSpan.FromMilliseconds(100) };

    private static RequestContext Context() => new(DateTimeOffset.UtcNow, Guid.NewGuid().ToString(), "AKIATEST");

    private IActorRef Entity(AgentLeaseOptions? lease = null) => Sys.ActorOf(Props.Create(() => new ContainerInstanceEntity(
        $"container-instance|{Cluster}/{InstanceId}", $"{Cluster}/{InstanceId}", 100, lease ?? ShortLease)));

    private ContainerInstanceState Ask(IActorRef entity, object message)
    {
        entity.Tell(message, TestActor);
        var response = ExpectMsg<EntityResponse<ContainerInstanceState>>();
        Assert.Null(response.Error);
        return response.State;
    }

    private static RegisterContainerInstance Register() => new(Context(), Cluster, InstanceId, "host", [
        Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, 1024),
        Resource.StringSet(ResourceNames.Ports, ["22"]), Resource.StringSet(ResourceNames.UdpPorts, [])], null, [], []);

    private static TaskState NewTask()
    {
        var revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 64 }],
        }, 1, null, Context());
        return TaskLifecycle.Create(Guid.NewGuid().ToString("N"), Cluster, InstanceId, revision, null, "family:web", null, [],
            ResourceDemand.Of(memory: 64), DateTimeOffset.UtcNow);
    }

    [Fact]
    public void An_agent_that_stops_syncing_is_marked_disconnected_after_its_lease()
    {
        var entity = Entity();
        Ask(entity, Register());
        Assert.True(Ask(entity, new ReportAgentState(Context(), [])).AgentConnected);
        AwaitAssert(() => Assert.False(Ask(entity, GetEntityState.Instance).AgentConnected), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Syncs_within_the_lease_keep_the_agent_connected()
    {
        var entity = Entity();
        Ask(entity, Register());
        for (var i = 0; i < 8; i++)
        {
            Assert.True(Ask(entity, new ReportAgentState(Context(), [])).AgentConnected);
            Thread.Sleep(250);
        }
    }

    [Fact]
    public void A_restarted_entity_gives_a_connected_agent_a_fresh_lease_instead_of_expiring_it()
    {
        var lease = new AgentLeaseOptions { Timeout = TimeSpan.FromSeconds(3), CheckInterval = TimeSpan.FromMilliseconds(100) };
        var entity = Entity(lease);
        Ask(entity, Register());
        Ask(entity, new ReportAgentState(Context(), []));
        Thread.Sleep(2000);
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);

        // Two seconds of the lease were used before the restart; the restarted entity must not count them.
        var revived = Entity(lease);
        Thread.Sleep(1500);
        Assert.True(Ask(revived, GetEntityState.Instance).AgentConnected);
    }

    [Fact]
    public void A_long_poll_is_answered_when_the_desired_state_changes()
    {
        var entity = Entity(new AgentLeaseOptions());
        Ask(entity, Register());
        var known = Ask(entity, new ReportAgentState(Context(), [])).DesiredVersion;

        var agent = CreateTestProbe();
        entity.Tell(new AwaitDesiredState(known, TimeSpan.FromSeconds(20)), agent);
        agent.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var task = NewTask();
        Ask(entity, new PlaceTask(Context(), task, PlacementRecord.ChosenByCaller(InstanceId)));
        var answer = agent.ExpectMsg<EntityResponse<ContainerInstanceState>>(TimeSpan.FromSeconds(2));
        Assert.NotEqual(known, answer.State.DesiredVersion);
        Assert.Equal(task.TaskId, Assert.Single(ContainerInstanceDesiredState.Of(answer.State).Run).TaskId);
    }

    [Fact]
    public void A_long_poll_with_nothing_new_is_answered_when_its_wait_is_over()
    {
        var entity = Entity(new AgentLeaseOptions { CheckInterval = TimeSpan.FromMilliseconds(100) });
        Ask(entity, Register());
        var known = Ask(entity, new ReportAgentState(Context(), [])).DesiredVersion;
        var agent = CreateTestProbe();
        entity.Tell(new AwaitDesiredState(known, TimeSpan.FromMilliseconds(500)), agent);
        agent.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(known, agent.ExpectMsg<EntityResponse<ContainerInstanceState>>(TimeSpan.FromSeconds(2)).State.DesiredVersion);
    }
}
