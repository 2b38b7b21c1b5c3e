using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>The cluster's scheduler on the real node wiring: launches, their races, clientTokens, and crashes between plan and apply.</summary>
// A restarted scheduler waits for every member's first report up to its rebuild timeout; on a loaded 2-core machine
// the default 5 s can pass first, and the tests here check the rebuilt view, not the timeout.
public class ClusterSchedulerTests(ITestOutputHelper output)
    : NodeTestKit(output, scheduler: new SchedulerOptions { ViewRebuildTimeout = TimeSpan.FromSeconds(30) })
{
    private const string Cluster = "web";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private int _requests;

    private RequestContext Context() => new(Clock.GetUtcNow(), $"req-{Interlocked.Increment(ref _requests)}-{Guid.NewGuid():N}", "AKIATEST");

    private static readonly TaskDefinitionRevision Revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
    {
        Family = "web",
        ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 256 }],
    }, 1, null, new RequestContext(DateTimeOffset.UnixEpoch, "r", "p"));

    private static LaunchOptions Options(ImmutableList<Tag>? tags = null) =>
        new(null, 0, null, null, tags, null, false, [], [], new AccountScope("us-east-1", "123456789012"));

    private static LaunchSpec Spec(bool namedInstances = false) =>
        new(Revision, null, "family:web", null, [], ResourceDemand.Of(memory: 256), [], [], namedInstances);

    private Task<T> AskCluster<T>(object message) => Clusters.Ask<T>(new ShardingEnvelope(Cluster, message), Patience);

    private Task<T> AskInstance<T>(string instanceId, object message) =>
        Instances.Ask<T>(new ShardingEnvelope(ContainerInstanceState.EntityIdOf(Cluster, instanceId), message), Patience);

    private async Task<List<string>> ClusterWithInstances(int count, int memory = 1024)
    {
        Assert.Null((await AskCluster<EntityResponse<ClusterState>>(new CreateCluster(Context(), [], [], null, null, []))).Error);
        // Launches name their task definition; the scheduler asks its family for it.
        var family = await TaskDefinitionFamilies.Ask<RevisionAnswer>(new ShardingEnvelope("web", new RegisterTaskDefinition(Context(), Revision.Spec, null)), Patience);
        Assert.Null(family.Error);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString("N");
            var registered = await AskCluster<EntityResponse<ContainerInstanceState>>(new RegisterInstance(new RegisterContainerInstance(Context(), Cluster, id,
                $"host-{i}", [Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, memory),
                    Resource.StringSet(ResourceNames.Ports, ["22"]), Resource.StringSet(ResourceNames.UdpPorts, [])], null, [], []), MaxInstances: Math.Max(100, count)));
            Assert.Null(registered.Error);
            var synced = await AskInstance<AgentSyncAnswer>(id, new AgentSync(new ReportAgentState(Context(), []), -1, TimeSpan.Zero));
            Assert.True(synced.Registered);
            ids.Add(id);
        }
        // The scheduler hears of the registrations and the agents' connections through the change feed: a launch placed
        // before the view has the connections finds no instance to place on.
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(count, (await AskCluster<ClusterSummary>(GetClusterSummary.Instance)).RegisteredContainerInstances);
            Assert.Equal(count, (await AskCluster<IdPage>(new ListClusterInstances(null, "agentConnected == true", null, Math.Max(100, count)))).Ids.Count);
        }, Patience);
        return ids;
    }

    private Task<LaunchResult> RunTask(int count, string? token = null) =>
        AskCluster<LaunchResult>(new LaunchTasks(Context(), "web", Options(), count, null, token, token is null ? null : "digest", []));

    private async Task<IReadOnlyList<string>> RunningTaskIds(string? instanceId = null) =>
        (await AskCluster<IdPage>(new ListClusterTasks(instanceId, null, null, null, TaskLifecycleStatus.RUNNING, null, 100))).Ids;

    [Fact]
    public async Task Concurrent_launches_on_a_small_cluster_never_place_more_than_fits()
    {
        var instances = await ClusterWithInstances(3);
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => RunTask(3)));

        Assert.All(results, r => Assert.Null(r.Error));
        var placed = results.SelectMany(r => r.Tasks).ToList();
        Assert.Equal(12, placed.Count); // 3 instances x 1024 MiB / 256 MiB
        Assert.Equal(placed.Count, placed.Select(t => t.TaskId).Distinct().Count());
        Assert.Contains(results.SelectMany(r => r.Failures), f => f.Reason == ResourceFailureReasons.Memory);
        foreach (var instanceId in instances)
        {
            Assert.Equal(4, placed.Count(t => t.ContainerInstanceId == instanceId));
            var state = (await AskInstance<EntityResponse<ContainerInstanceState>>(instanceId, GetEntityState.Instance)).State;
            Assert.Equal(0, ResourceLedger.Amount(state.RemainingResources, ResourceNames.Memory));
        }
        await AwaitAssertAsync(async () => Assert.Equal(12, (await RunningTaskIds()).Count), Patience);
    }

    [Fact]
    public async Task A_launch_names_the_first_hundred_failures_and_counts_every_instance_that_failed()
    {
        await ClusterWithInstances(LaunchCoordinator.MaxFailuresPerLaunch + 5, memory: 128);
        var result = await RunTask(1);

        Assert.Empty(result.Tasks);
        Assert.Equal(LaunchCoordinator.MaxFailuresPerLaunch, result.Failures.Count);
        Assert.Equal(new Dictionary<string, int> { [ResourceFailureReasons.Memory] = LaunchCoordinator.MaxFailuresPerLaunch + 5 }, result.FailureCounts);
    }

    [Fact]
    public async Task Thirty_two_callers_with_one_client_token_get_the_same_tasks_and_only_those_are_placed()
    {
        await ClusterWithInstances(2);
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => RunTask(3, token: "same-token")));

        var first = results[0].Tasks.Select(t => t.TaskId).Order().ToList();
        Assert.Equal(3, first.Count);
        Assert.All(results, r => Assert.Equal(first, r.Tasks.Select(t => t.TaskId).Order()));
        await AwaitAssertAsync(async () => Assert.Equal(first, (await RunningTaskIds()).Order()), Patience);

        var conflict = await AskCluster<LaunchResult>(new LaunchTasks(Context(), "web", Options(), 3, null, "same-token", "another request", []));
        Assert.Equal(ErrorCodes.Conflict, conflict.Error?.Code);
    }

    [Fact]
    public async Task A_launch_racing_a_deregistration_answers_every_caller_and_leaves_no_task_running_on_the_gone_instance()
    {
        var instances = await ClusterWithInstances(2, memory: 4096);
        var launches = Enumerable.Range(0, 6).Select(_ => RunTask(2)).ToList();
        var deregistered = AskCluster<EntityResponse<ContainerInstanceState>>(
            new DeregisterInstance(instances[0], new DeregisterContainerInstance(Context(), Force: true)));
        var results = await Task.WhenAll(launches);
        Assert.Null((await deregistered).Error);

        Assert.All(results, r => Assert.Null(r.Error));
        foreach (var task in results.SelectMany(r => r.Tasks))
        {
            var described = await AskInstance<TasksDescribed>(task.ContainerInstanceId, new DescribeInstanceTasks([task.TaskId]));
            var now = Assert.Single(described.Tasks);
            if (task.ContainerInstanceId == instances[0]) Assert.Equal(TaskLifecycleStatus.STOPPED, now.Progress.DesiredStatus);
        }
        // Placed after the deregistration, a task goes to the instance that remains.
        var after = await RunTask(2);
        Assert.All(after.Tasks, t => Assert.Equal(instances[1], t.ContainerInstanceId));
        Assert.Empty(await RunningTaskIds(instances[0]));
    }

    [Fact]
    public async Task A_refused_task_is_placed_again_on_the_fresh_view()
    {
        var instances = await ClusterWithInstances(2);
        // Drained behind the scheduler's back: the scheduler may still offer it, the instance refuses, the task moves.
        var drained = await AskInstance<EntityResponse<ContainerInstanceState>>(instances[0], new UpdateContainerInstanceState(Context(), "DRAINING"));
        Assert.Null(drained.Error);
        var result = await RunTask(4);
        Assert.Null(result.Error);
        Assert.Equal(4, result.Tasks.Count);
        Assert.All(result.Tasks, t => Assert.Equal(instances[1], t.ContainerInstanceId));
    }

    [Fact]
    public async Task A_launch_recorded_before_a_crash_is_completed_on_restart_and_its_retry_answers_exactly_it()
    {
        var instances = await ClusterWithInstances(2);
        await StopScheduler();

        // The plan was recorded, then the node died before any instance was asked.
        var planned = ImmutableList.Create(
            new PlannedTask(Guid.NewGuid().ToString("N"), instances[0], PlacementRecord.ChosenByCaller(instances[0])),
            new PlannedTask(Guid.NewGuid().ToString("N"), instances[1], PlacementRecord.ChosenByCaller(instances[1])));
        var failures = ImmutableList.Create(new LaunchFailure(Guid.NewGuid().ToString("N"), ResourceFailureReasons.Memory, "Needs 256 MiB"));
        var journal = Sys.ActorOf(Props.Create(() => new JournalWriter($"cluster|{Cluster}")));
        journal.Tell(new LaunchPlanned(Context().Because("planned before the crash"), "launch-1", "token-1", "digest", Spec(), planned, failures), TestActor);
        ExpectMsg<Done>();
        Sys.Stop(journal);

        var retry = await RunTask(2, token: "token-1");
        Assert.Null(retry.Error);
        Assert.Equal(planned.Select(t => t.TaskId).Order(), retry.Tasks.Select(t => t.TaskId).Order());
        Assert.Equal(failures, retry.Failures);
        foreach (var task in planned)
            Assert.Single((await AskInstance<TasksDescribed>(task.ContainerInstanceId, new DescribeInstanceTasks([task.TaskId]))).Tasks);
        // Done once: a later retry answers the same, and nothing more was placed.
        var again = await RunTask(2, token: "token-1");
        Assert.Equal(retry.Tasks.Select(t => t.TaskId).Order(), again.Tasks.Select(t => t.TaskId).Order());
        Assert.Equal(2, (await RunningTaskIds()).Count);
    }

    [Fact]
    public async Task A_restarted_scheduler_rebuilds_its_view_from_the_instances()
    {
        var instances = await ClusterWithInstances(2);
        var placed = (await RunTask(4)).Tasks.Select(t => t.TaskId).Order().ToList();
        await AwaitAssertAsync(async () => Assert.Equal(placed, (await RunningTaskIds()).Order()), Patience);

        await StopScheduler();
        Assert.Equal(placed, (await RunningTaskIds()).Order());
        var located = await AskCluster<TaskLocations>(new LocateTasks([.. placed, "not-a-task"]));
        Assert.Equal(placed, located.InstanceByTask.Keys.Order());
        Assert.All(located.InstanceByTask.Values, id => Assert.Contains(id, instances));
        Assert.Equal(2, (await AskCluster<ClusterSummary>(GetClusterSummary.Instance)).RegisteredContainerInstances);
    }

    [Fact]
    public async Task Task_lists_are_paged_in_id_order()
    {
        await ClusterWithInstances(2, memory: 4096);
        for (var i = 0; i < 3; i++) await RunTask(10);
        await AwaitAssertAsync(async () => Assert.Equal(30, (await RunningTaskIds()).Count), Patience);
        var all = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await AskCluster<IdPage>(new ListClusterTasks(null, "web", null, null, TaskLifecycleStatus.RUNNING, after, 7));
            all.AddRange(page.Ids);
            if (!page.More) break;
            after = page.Ids[^1];
        }
        Assert.Equal(30, all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
    }

    [Fact]
    public async Task One_request_names_the_task_definition_and_the_scheduler_resolves_it_running_a_deregistered_revision_only_for_a_service()
    {
        await ClusterWithInstances(1);
        Assert.Single((await AskCluster<LaunchResult>(new LaunchTasks(Context(), "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", Options(),
            1, null, null, null, []))).Tasks);
        var unknown = await AskCluster<LaunchResult>(new LaunchTasks(Context(), "web:9", Options(), 1, null, null, null, []));
        Assert.Equal((ErrorCodes.Client, TaskDefinitionFamily.UnknownRevisionMessage), (unknown.Error?.Code, unknown.Error?.Message));

        var deregistered = await TaskDefinitionFamilies.Ask<RevisionAnswer>(new ShardingEnvelope("web", new DeregisterTaskDefinition(Context(), 1)), Patience);
        Assert.Null(deregistered.Error);
        // RunTask and StartTask hear the revision's status from its family each time, even after it was resolved once.
        var inactive = await AskCluster<LaunchResult>(new LaunchTasks(Context(), "web:1", Options(), 1, null, null, null, []));
        Assert.Equal((ErrorCodes.Client, "TaskDefinition is inactive: arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"),
            (inactive.Error?.Code, inactive.Error?.Message));
        Assert.Empty(inactive.Tasks);
        // A service keeps launching its deployment's revision after it was deregistered.
        var service = await AskCluster<LaunchResult>(new LaunchTasks(Context(), "web:1", Options() with { Group = "service:web", ActiveRevisionFor = null },
            1, null, null, null, []));
        Assert.Null(service.Error);
        Assert.Equal("service:web", Assert.Single(service.Tasks).Group);
    }

    [Fact]
    public async Task A_tasks_tags_go_through_the_scheduler_to_its_instance_which_answers_them_while_the_task_is_retained()
    {
        var instanceId = (await ClusterWithInstances(1)).Single();
        var launched = await AskCluster<LaunchResult>(new LaunchTasks(Context(), "web", Options([new Tag("origin", "run")]), 1, null, null, null, []));
        var taskId = Assert.Single(launched.Tasks).TaskId;
        Assert.Equal([new Tag("origin", "run")], (await AskCluster<TaskTags>(new GetClusterTaskTags(taskId))).Tags);

        var tagged = await AskCluster<TaskTags>(new TagClusterTask(new TagTask(Context(), taskId, [new Tag("env", "prod")])));
        Assert.Null(tagged.Error);
        Assert.Equal([new Tag("origin", "run"), new Tag("env", "prod")], tagged.Tags);
        var untagged = await AskCluster<TaskTags>(new UntagClusterTask(new UntagTask(Context(), taskId, ["origin"])));
        Assert.Null(untagged.Error);
        Assert.Equal([new Tag("env", "prod")], untagged.Tags);
        var refused = await AskCluster<TaskTags>(new TagClusterTask(new TagTask(Context(), taskId, [new Tag("aws:owner", "me")])));
        Assert.Equal(ErrorCodes.InvalidParameter, refused.Error?.Code);
        // DescribeTasks reads the same tags from the instance.
        var described = await AskInstance<TasksDescribed>(instanceId, new DescribeInstanceTasks([taskId]));
        Assert.Equal([new Tag("env", "prod")], Assert.Single(described.Tasks).Tags);

        const string unknown = "ffffffffffffffffffffffffffffffff";
        Assert.Equal(ErrorCodes.ResourceNotFound, (await AskCluster<TaskTags>(new GetClusterTaskTags(unknown))).Error?.Code);
        Assert.Equal(ErrorCodes.ResourceNotFound,
            (await AskCluster<TaskTags>(new TagClusterTask(new TagTask(Context(), unknown, [new Tag("env", "prod")])))).Error?.Code);
        Assert.Equal(ErrorCodes.ResourceNotFound, (await AskCluster<TaskTags>(new UntagClusterTask(new UntagTask(Context(), unknown, ["env"])))).Error?.Code);

        // Stopped, and the scheduler restarted: the task is still found, and still taggable while it is retained.
        Assert.Null((await AskCluster<TaskAnswer>(new StopClusterTask(Context(), taskId, TaskStopCode.UserInitiated, "done"))).Error);
        await AskInstance<AgentSyncAnswer>(instanceId, new AgentSync(new ReportAgentState(Context(), []), -1, TimeSpan.Zero));
        var stopped = await AskInstance<TasksDescribed>(instanceId, new DescribeInstanceTasks([taskId]));
        Assert.Equal(TaskLifecycleStatus.STOPPED, Assert.Single(stopped.Tasks).Progress.LastStatus);
        await StopScheduler();
        var afterStop = await AskCluster<TaskTags>(new TagClusterTask(new TagTask(Context(), taskId, [new Tag("stopped", "yes")])));
        Assert.Null(afterStop.Error);
        Assert.Equal([new Tag("env", "prod"), new Tag("stopped", "yes")], afterStop.Tags);
    }

    /// <summary>Stops the cluster's entity as a crash would; sharding starts it again on the next message.</summary>
    private async Task StopScheduler()
    {
        var identity = await Clusters.Ask<ActorIdentity>(new ShardingEnvelope(Cluster, new Identify("scheduler")), Patience);
        var scheduler = identity.Subject!;
        Watch(scheduler);
        scheduler.Tell(PoisonPill.Instance);
        ExpectTerminated(scheduler);
    }

    /// <summary>Writes events under an entity's persistence id, as that entity would have before it died.</summary>
    private sealed class JournalWriter : ReceivePersistentActor
    {
        public JournalWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<IDomainEvent>(e =>
            {
                var replyTo = Sender;
                Persist(e, _ => replyTo.Tell(Done.Instance));
            });
        }

        public override string PersistenceId { get; }
    }

    private sealed record Done
    {
        public static Done Instance { get; } = new();
    }
}
