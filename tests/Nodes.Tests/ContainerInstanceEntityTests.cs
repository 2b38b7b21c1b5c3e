using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

public class ContainerInstanceEntityTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private const string Cluster = "default";
    private const string InstanceId = "0123456789abcdef0123456789abcdef";
    private static readonly AgentLeaseOptions ShortLease = new() { Timeout = TimeSpan.FromSeconds(30), CheckInterval = TimeSpan.FromMilliseconds(50) };

    private const string OtherAgent = "AKIAOTHERAGENT";

    private RequestContext Context(string principal = "AKIATEST") => new(Clock.GetUtcNow(), Guid.NewGuid().ToString(), principal);

    /// <summary>The entity on its own, with a probe standing in for its cluster's scheduler.</summary>
    private (IActorRef Entity, TestProbe Scheduler) Entity(AgentLeaseOptions? lease = null, string persistenceSuffix = "")
    {
        var scheduler = CreateTestProbe();
        scheduler.IgnoreMessages(_ => true);
        var entity = Sys.ActorOf(Props.Create(() => new ContainerInstanceEntity(
            $"container-instance|{Cluster}/{InstanceId}{persistenceSuffix}", $"{Cluster}/{InstanceId}", 100, lease ?? ShortLease, Clock,
            () => scheduler.Ref)));
        return (entity, scheduler);
    }

    private ContainerInstanceState Ask(IActorRef entity, object message)
    {
        entity.Tell(message, TestActor);
        var response = ExpectMsg<EntityResponse<ContainerInstanceState>>();
        Assert.Null(response.Error);
        return response.State;
    }

    private AgentSyncAnswer Sync(IActorRef entity, long knownVersion = -1, TimeSpan? wait = null, params string[] running)
    {
        entity.Tell(new AgentSync(new ReportAgentState(Context(), [.. running.Select(id => new ReportedTask { TaskId = id, Containers = [] })]),
            knownVersion, wait ?? TimeSpan.Zero), TestActor);
        return ExpectMsg<AgentSyncAnswer>();
    }

    /// <summary>A registered instance whose agent holds a long poll for <paramref name="wait"/>: not answered yet.</summary>
    private (IActorRef Entity, long Known, TestProbe Agent, RequestContext Poll) HeldLongPoll(TimeSpan wait)
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        var known = Sync(entity).DesiredVersion;
        var agent = CreateTestProbe();
        var report = new ReportAgentState(Context(), []);
        entity.Tell(new AgentSync(report, known, wait), agent);
        // The holder names itself, so that a gateway can watch it; the answer waits.
        agent.ExpectMsg<LongPollHeld>();
        Assert.Equal(entity, agent.LastSender);
        agent.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        return (entity, known, agent, report.Context);
    }

    private RegisterContainerInstance Register() => new(Context(), Cluster, InstanceId, "host", [
        Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, 1024),
        Resource.StringSet(ResourceNames.Ports, ["22"]), Resource.StringSet(ResourceNames.UdpPorts, [])], null, [], []);

    /// <summary>Places a new task on the entity, as its scheduler would, and waits for the answer.</summary>
    private TaskState PlaceNewTask(IActorRef entity)
    {
        var task = NewTask();
        entity.Tell(new PlaceTask(Context(), task, PlacementRecord.ChosenByCaller(InstanceId)), TestActor);
        ExpectMsg<TaskAnswer>();
        return task;
    }

    private TaskState NewTask()
    {
        var revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 64 }],
        }, 1, null, Context());
        return TaskLifecycle.Create(Guid.NewGuid().ToString("N"), Cluster, InstanceId, revision, null, "family:web", null, [],
            ResourceDemand.Of(memory: 64), Clock.GetUtcNow());
    }

    [Fact]
    public void An_agent_that_stops_syncing_is_marked_disconnected_after_its_lease()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        Sync(entity);
        Assert.True(Ask(entity, GetEntityState.Instance).AgentConnected);
        Clock.Advance(ShortLease.Timeout - TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.True(Ask(entity, GetEntityState.Instance).AgentConnected);
        Clock.Advance(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.False(Ask(entity, GetEntityState.Instance).AgentConnected), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void An_instance_whose_agent_stays_disconnected_past_the_lost_timeout_stops_its_tasks_and_its_agent_hears_so_when_back()
    {
        var lease = ShortLease with { LostInstanceTimeout = TimeSpan.FromMinutes(5) };
        var (entity, _) = Entity(lease);
        Ask(entity, Register());
        Sync(entity);
        var task = PlaceNewTask(entity);
        Sync(entity, running: task.TaskId);

        Clock.Advance(lease.Timeout + TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.False(Ask(entity, GetEntityState.Instance).AgentConnected), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromMinutes(4));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
        Assert.NotEqual(TaskLifecycleStatus.STOPPED, Assert.Single(ExpectMsg<TasksDescribed>().Tasks).Progress.LastStatus);

        Clock.Advance(TimeSpan.FromMinutes(2));
        AwaitAssert(() =>
        {
            entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
            var progress = Assert.Single(ExpectMsg<TasksDescribed>().Tasks).Progress;
            Assert.Equal(TaskLifecycleStatus.STOPPED, progress.LastStatus);
            Assert.Contains("was lost", progress.StoppedReason);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));

        // The agent comes back still running the container: the task is not its to run any more.
        var answer = Sync(entity, running: task.TaskId);
        Assert.DoesNotContain(task.TaskId, answer.Desired!.Keep);
        Assert.DoesNotContain(answer.Desired.Run, t => t.TaskId == task.TaskId);
    }

    [Fact]
    public void Syncs_within_the_lease_keep_the_agent_connected()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        for (var i = 0; i < 8; i++)
        {
            Sync(entity);
            Clock.Advance(ShortLease.Timeout / 2);
            ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            Assert.True(Ask(entity, GetEntityState.Instance).AgentConnected);
        }
    }

    [Fact]
    public void A_restarted_entity_gives_a_connected_agent_a_fresh_lease_instead_of_expiring_it()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        Sync(entity);
        Clock.Advance(ShortLease.Timeout - TimeSpan.FromSeconds(5));
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);

        // Most of the lease was used before the restart; the restarted entity must not count it.
        var (revived, _) = Entity();
        Assert.True(Ask(revived, GetEntityState.Instance).AgentConnected);
        Clock.Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.True(Ask(revived, GetEntityState.Instance).AgentConnected);
    }

    [Fact]
    public void A_tasks_tags_are_answered_lean_and_survive_a_restart()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        Sync(entity);
        var task = NewTask() with { Tags = [new Tag("origin", "run")] };
        entity.Tell(new PlaceTask(Context(), task, PlacementRecord.ChosenByCaller(InstanceId)), TestActor);
        ExpectMsg<TaskAnswer>();

        entity.Tell(new TagTask(Context(), task.TaskId, [new Tag("env", "prod")]), TestActor);
        var tagged = ExpectMsg<TaskTags>();
        Assert.Null(tagged.Error);
        Assert.Equal([new Tag("origin", "run"), new Tag("env", "prod")], tagged.Tags);
        entity.Tell(new UntagTask(Context(), task.TaskId, ["origin"]), TestActor);
        Assert.Equal([new Tag("env", "prod")], ExpectMsg<TaskTags>().Tags);
        entity.Tell(new TagTask(Context(), task.TaskId, []), TestActor);
        Assert.Equal(ErrorCodes.InvalidParameter, ExpectMsg<TaskTags>().Error?.Code);
        entity.Tell(new GetTaskTags("ffffffffffffffffffffffffffffffff"), TestActor);
        Assert.Equal(ErrorCodes.ResourceNotFound, ExpectMsg<TaskTags>().Error?.Code);

        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        var (revived, _) = Entity();
        revived.Tell(new GetTaskTags(task.TaskId), TestActor);
        Assert.Equal([new Tag("env", "prod")], ExpectMsg<TaskTags>().Tags);
    }

    [Fact]
    public void A_long_poll_is_answered_when_the_desired_state_changes_with_only_the_new_task_definition()
    {
        var (entity, known, agent, _) = HeldLongPoll(TimeSpan.FromSeconds(20));

        var task = NewTask();
        entity.Tell(new PlaceTask(Context(), task, PlacementRecord.ChosenByCaller(InstanceId)), TestActor);
        Assert.Equal(task.TaskId, ExpectMsg<TaskAnswer>().Task!.TaskId);
        var answer = agent.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2));
        Assert.NotEqual(known, answer.DesiredVersion);
        Assert.Equal(task.TaskId, Assert.Single(answer.Desired!.Run).TaskId);

        // Once the agent runs it, the task is only named.
        var next = Sync(entity, answer.DesiredVersion, running: task.TaskId);
        Assert.Empty(next.Desired!.Run);
        Assert.Equal([task.TaskId], next.Desired.Keep);
    }

    [Fact]
    public void A_long_poll_with_nothing_new_is_answered_when_its_wait_is_over()
    {
        var (_, known, agent, _) = HeldLongPoll(TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(known, agent.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2)).DesiredVersion);
    }

    [Fact]
    public void A_long_poll_ends_at_once_when_its_gateway_stops_and_not_when_another_gateway_does()
    {
        var (entity, known, agent, poll) = HeldLongPoll(TimeSpan.FromSeconds(20));

        entity.Tell(new EndLongPoll("another-request"));
        agent.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        entity.Tell(new EndLongPoll(poll.RequestId));
        var answer = agent.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2));
        Assert.Equal(known, answer.DesiredVersion);
        Assert.True(answer.Registered);
        Assert.NotNull(answer.Desired);
    }

    [Fact]
    public void The_agents_next_sync_ends_the_poll_it_left_behind_and_is_held_itself()
    {
        var (entity, known, leftBehind, _) = HeldLongPoll(TimeSpan.FromSeconds(20));

        var latest = CreateTestProbe();
        entity.Tell(new AgentSync(new ReportAgentState(Context(), []), known, TimeSpan.FromSeconds(20)), latest);
        var answer = leftBehind.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2));
        Assert.Equal(known, answer.DesiredVersion);
        Assert.NotNull(answer.Desired);
        latest.ExpectMsg<LongPollHeld>();
        latest.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // A sync from another key is refused and leaves the agent's poll alone.
        var stranger = CreateTestProbe();
        entity.Tell(new AgentSync(new ReportAgentState(Context(OtherAgent), []), known, TimeSpan.FromSeconds(20)), stranger);
        Assert.NotNull(stranger.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2)).Error);
        latest.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void An_entity_that_stops_answers_its_long_polls_instead_of_leaving_them_to_time_out()
    {
        var (entity, known, agent, _) = HeldLongPoll(TimeSpan.FromSeconds(20));

        Sys.Stop(entity);
        Assert.Equal(known, agent.ExpectMsg<AgentSyncAnswer>(TimeSpan.FromSeconds(2)).DesiredVersion);
    }

    [Fact]
    public void Every_change_reaches_the_scheduler_until_it_is_acknowledged()
    {
        var scheduler = CreateTestProbe();
        var entity = Sys.ActorOf(Props.Create(() => new ContainerInstanceEntity(
            $"container-instance|{Cluster}/{InstanceId}", $"{Cluster}/{InstanceId}", 100, ShortLease, Clock, () => scheduler.Ref)));
        Ask(entity, Register());
        var registered = scheduler.ExpectMsg<ShardingEnvelope>();
        Assert.Equal(Cluster, registered.EntityId);
        Assert.True(((InstanceChanged)registered.Message).Changes.Instance.IsRegistered);
        Sync(entity);

        var task = PlaceNewTask(entity);
        var placed = (InstanceChanged)scheduler.FishForMessage<ShardingEnvelope>(e => ((InstanceChanged)e.Message).Changes.Tasks.Count > 0).Message;
        Assert.Equal(task.TaskId, Assert.Single(placed.Changes.Tasks).TaskId);

        // Not acknowledged: sent again on the next tick after the resend interval.
        Clock.Advance(TimeSpan.FromSeconds(1));
        var resent = (InstanceChanged)scheduler.FishForMessage<ShardingEnvelope>(e => ((InstanceChanged)e.Message).Changes.Tasks.Count > 0).Message;
        Assert.Equal(task.TaskId, Assert.Single(resent.Changes.Tasks).TaskId);

        entity.Tell(new InstanceChangesAcknowledged(resent.Changes.UpToVersion, [task.TaskId]), scheduler.Ref);
        scheduler.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => m);
        Clock.Advance(TimeSpan.FromSeconds(5));
        scheduler.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Stopped_tasks_leave_the_live_state_after_retention()
    {
        var lease = ShortLease with { StoppedTaskRetention = TimeSpan.FromMinutes(10) };
        var (entity, _) = Entity(lease);
        Ask(entity, Register());
        Sync(entity);
        var task = PlaceNewTask(entity);
        entity.Tell(new StopTask(Context(), task.TaskId, TaskStopCode.UserInitiated, "done"), TestActor);
        ExpectMsg<TaskAnswer>();
        Sync(entity); // the agent no longer reports it: STOPPED
        entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
        Assert.Equal(TaskLifecycleStatus.STOPPED, Assert.Single(ExpectMsg<TasksDescribed>().Tasks).Progress.LastStatus);

        Clock.Advance(TimeSpan.FromMinutes(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
        Assert.Single(ExpectMsg<TasksDescribed>().Tasks);

        Clock.Advance(TimeSpan.FromMinutes(5));
        AwaitAssert(() =>
        {
            entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
            Assert.Empty(ExpectMsg<TasksDescribed>().Tasks);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Another_key_s_sync_is_refused_hears_no_desired_state_and_keeps_no_lease_alive()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        Sync(entity);
        var task = PlaceNewTask(entity);

        for (var i = 0; i < 4; i++)
        {
            entity.Tell(new AgentSync(new ReportAgentState(Context(OtherAgent), []), -1, TimeSpan.Zero), TestActor);
            var refused = ExpectMsg<AgentSyncAnswer>();
            Assert.Equal(ErrorCodes.AccessDenied, refused.Error?.Code);
            Assert.Null(refused.Desired);
            Clock.Advance(ShortLease.Timeout / 2);
        }

        // Its empty reports stopped nothing, and only the agent's own syncs count as heartbeats.
        AwaitAssert(() => Assert.False(Ask(entity, GetEntityState.Instance).AgentConnected), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        entity.Tell(new DescribeInstanceTasks([task.TaskId]), TestActor);
        Assert.Equal(TaskLifecycleStatus.PROVISIONING, Assert.Single(ExpectMsg<TasksDescribed>().Tasks).Progress.LastStatus);
        Assert.Equal(task.TaskId, Assert.Single(Sync(entity).Desired!.Run).TaskId);
    }

    [Fact]
    public void Report_parts_from_another_key_cannot_spoil_the_agent_s_report()
    {
        var (entity, _) = Entity();
        Ask(entity, Register());
        var own = Context();
        entity.Tell(new AgentReportPart(own.RequestId, own.Principal, 0, [new ReportedTask { TaskId = "a", Containers = [] }]));
        entity.Tell(new AgentReportPart(Guid.NewGuid().ToString(), OtherAgent, 0, []));
        entity.Tell(new AgentSync(new ReportAgentState(own, []), -1, TimeSpan.Zero, PrecedingParts: 1), TestActor);

        var answer = ExpectMsg<AgentSyncAnswer>();
        Assert.Null(answer.Error);
        Assert.NotNull(answer.Desired);
    }
}
