using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>
/// Services on the real node wiring: created through their cluster, launching through its launch path, hearing their
/// tasks through its change feed, with the instances' agents played by the test (a report per sync).
/// </summary>
public class ServiceEntityTests(ITestOutputHelper output) : NodeTestKit(output, services: Options)
{
    /// <summary>Not the default, so that a test sees whether the node's setting reaches the scheduler.</summary>
    private static readonly ServiceOptions Options = new() { MinimumHealthyTime = TimeSpan.FromSeconds(40) };

    private const string Cluster = "prod";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private int _requests;

    private RequestContext Context() => new(Clock.GetUtcNow(), $"req-{Interlocked.Increment(ref _requests)}-{Guid.NewGuid():N}", "AKIATEST");

    private Task<T> AskCluster<T>(object message) => Clusters.Ask<T>(new ShardingEnvelope(Cluster, message), Patience);

    private Task<ServiceAnswer> AskService(string name, object message) =>
        Services.Ask<ServiceAnswer>(new ShardingEnvelope(ServiceState.EntityIdOf(Cluster, name), message), Patience);

    private async Task<List<string>> ClusterWithInstances(int count, int memory = 1024)
    {
        Assert.Null((await AskCluster<EntityResponse<ClusterState>>(new CreateCluster(Context(), [], [], null, null, []))).Error);
        foreach (var revision in new[] { 1, 2 })
        {
            var spec = new TaskDefinitionSpec
            {
                Family = "web",
                ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 128, Command = [$"v{revision}"] }],
            };
            var registered = await TaskDefinitionFamilies.Ask<RevisionAnswer>(new ShardingEnvelope("web", new RegisterTaskDefinition(Context(), spec, null)), Patience);
            Assert.Null(registered.Error);
        }
        var ids = new List<string>();
        for (var i = 0; i < count; i++) ids.Add(await RegisterInstance(i, memory));
        return ids;
    }

    private async Task<string> RegisterInstance(int number, int memory = 1024)
    {
        var id = Guid.NewGuid().ToString("N");
        var registered = await AskCluster<EntityResponse<ContainerInstanceState>>(new RegisterInstance(new RegisterContainerInstance(Context(), Cluster, id,
            $"host-{number}", [Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, memory),
                Resource.StringSet(ResourceNames.Ports, []), Resource.StringSet(ResourceNames.UdpPorts, [])], null,
            [new Domain.ContainerInstances.Attribute("ecs.availability-zone", $"zone-{number % 2}")], []), 100));
        Assert.Null(registered.Error);
        await Sync(id, []);
        return id;
    }

    /// <summary>The instance's agent reports: every task it was told to run is RUNNING, every other one STOPPED.</summary>
    private async Task Sync(string instanceId, ImmutableList<string> exited)
    {
        var desired = await Instances.Ask<AgentSyncAnswer>(new ShardingEnvelope(ContainerInstanceState.EntityIdOf(Cluster, instanceId),
            new AgentSync(new ReportAgentState(Context(), []), -1, TimeSpan.Zero)), Patience);
        Assert.True(desired.Registered);
        var reported = ImmutableList.CreateBuilder<ReportedTask>();
        foreach (var taskId in (desired.Desired?.Run.Select(r => r.TaskId) ?? []).Concat(desired.Desired?.Keep ?? []))
            reported.Add(new ReportedTask
            {
                TaskId = taskId,
                Containers = [new ReportedContainer { Name = "web", Status = exited.Contains(taskId) ? "STOPPED" : "RUNNING", ExitCode = exited.Contains(taskId) ? 1 : null }],
            });
        await Instances.Ask<AgentSyncAnswer>(new ShardingEnvelope(ContainerInstanceState.EntityIdOf(Cluster, instanceId),
            new AgentSync(new ReportAgentState(Context(), reported.ToImmutable()), -1, TimeSpan.Zero)), Patience);
    }

    private readonly Dictionary<string, HashSet<string>> _running = new(StringComparer.Ordinal);

    /// <summary>
    /// As an agent does it: reports what it runs, runs what it is told to (the desired state comes in parts of a message
    /// each), until it runs all it should; <paramref name="exited"/> stop.
    /// </summary>
    private async Task SyncAll(string instanceId, ImmutableList<string> exited)
    {
        var running = _running.TryGetValue(instanceId, out var known) ? known : _running[instanceId] = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 20; round++)
        {
            var report = running.Select(id => new ReportedTask
            {
                TaskId = id,
                Containers = [new ReportedContainer { Name = "web", Status = exited.Contains(id) ? "STOPPED" : "RUNNING", ExitCode = exited.Contains(id) ? 1 : null }],
            }).ToImmutableList();
            var desired = (await Instances.Ask<AgentSyncAnswer>(new ShardingEnvelope(ContainerInstanceState.EntityIdOf(Cluster, instanceId),
                new AgentSync(new ReportAgentState(Context(), report), -1, TimeSpan.Zero)), Patience)).Desired;
            var next = (desired?.Run.Select(r => r.TaskId) ?? []).Concat(desired?.Keep ?? []).Where(id => !exited.Contains(id)).ToHashSet(StringComparer.Ordinal);
            var done = next.SetEquals(running) && desired?.More != true;
            running = _running[instanceId] = next;
            if (done) break;
        }
    }

    private async Task<ServiceView> Steady(string name, List<string> instances, int running, TimeSpan? patience = null,
        Func<string, ImmutableList<string>, Task>? sync = null)
    {
        sync ??= Sync;
        ServiceView? view = null;
        await AwaitAssertAsync(async () =>
        {
            // A task counts healthy once it ran the minimum healthy time: a deployment in progress waits for it.
            if (view?.Service.CurrentDeployments.Any(d => d.RolloutState == RolloutState.IN_PROGRESS) == true)
                Clock.Advance(Options.MinimumHealthyTime / 2);
            foreach (var instance in instances) await sync(instance, []);
            view = (await AskService(name, DescribeService.Instance)).Service;
            Assert.NotNull(view);
            Assert.Equal(running, view.RunningCount);
            Assert.Equal(0, view.PendingCount);
            var deployment = Assert.Single(view.Service.CurrentDeployments);
            Assert.Equal(RolloutState.COMPLETED, deployment.RolloutState);
        }, patience ?? Patience, TimeSpan.FromMilliseconds(300));
        return view!;
    }

    private CreateServiceInCluster Create(string name, int desired) => new(name, new CreateService(Context(), SchedulingStrategy.REPLICA, desired,
        new ServiceRevision("web", 1, false, [], []), null, null, [], false, null, false, null, null, null), 5000);

    private async Task<IReadOnlyList<string>> ServiceTaskIds(string name) =>
        (await AskCluster<IdPage>(new ListClusterTasks(null, null, null, $"service:{name}", TaskLifecycleStatus.RUNNING, null, 100))).Ids;

    [Fact]
    public async Task A_service_reaches_a_steady_state_and_the_cluster_counts_and_lists_it()
    {
        var instances = await ClusterWithInstances(3);
        var created = await AskCluster<ServiceAnswer>(Create("web", 4));
        Assert.Null(created.Error);

        var view = await Steady("web", instances, 4);
        Assert.Contains(view.Service.Messages, m => m.Message == "(service web) has reached a steady state.");
        var summary = await AskCluster<ClusterSummary>(GetClusterSummary.Instance);
        Assert.Equal(1, summary.Cluster.ActiveServicesCount);
        Assert.Equal(["web"], (await AskCluster<IdPage>(new ListClusterServices(null, null, 10))).Ids);
    }

    [Fact]
    public async Task A_new_revision_rolls_out_and_a_task_that_dies_is_replaced()
    {
        var instances = await ClusterWithInstances(2);
        Assert.Null((await AskCluster<ServiceAnswer>(Create("api", 2))).Error);
        await Steady("api", instances, 2);

        var updated = await AskService("api", new UpdateService(Context(), null, new ServiceRevision("web", 2, false, [], []), false, null, null, null, null, null, null));
        Assert.Null(updated.Error);
        var view = await Steady("api", instances, 2);
        var primary = view.Service.Primary!;
        Assert.Equal(2, primary.Revision.Revision);

        // An essential container exits: its task stops, and the service starts another.
        var victim = (await ServiceTaskIds("api"))[0];
        foreach (var instance in instances) await Sync(instance, [victim]);
        await AwaitAssertAsync(async () =>
        {
            foreach (var instance in instances) await Sync(instance, []);
            var running = await ServiceTaskIds("api");
            Assert.Equal(2, running.Count);
            Assert.DoesNotContain(victim, running);
        }, Patience, TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_deployment_completes_only_once_its_tasks_ran_the_configured_minimum_healthy_time()
    {
        var instances = await ClusterWithInstances(1);
        Assert.Null((await AskCluster<ServiceAnswer>(Create("slow", 1))).Error);
        await AwaitAssertAsync(async () =>
        {
            foreach (var instance in instances) await Sync(instance, []);
            Assert.Equal(1, (await AskService("slow", DescribeService.Instance)).Service!.RunningCount);
        }, Patience, TimeSpan.FromMilliseconds(300));

        // Past the default of 10 s, short of the configured 40 s: the service reconciles every second and still waits.
        Clock.Advance(Options.MinimumHealthyTime - TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var waiting = (await AskService("slow", DescribeService.Instance)).Service!;
        Assert.Equal(RolloutState.IN_PROGRESS, Assert.Single(waiting.Service.CurrentDeployments).RolloutState);

        Clock.Advance(TimeSpan.FromSeconds(5));
        await Steady("slow", instances, 1);
    }

    [Fact]
    public async Task A_deleted_service_drains_to_inactive_and_leaves_its_cluster()
    {
        var instances = await ClusterWithInstances(1);
        Assert.Null((await AskCluster<ServiceAnswer>(Create("batch", 1))).Error);
        await Steady("batch", instances, 1);

        var refused = await AskService("batch", new DeleteService(Context(), false));
        Assert.Equal(ErrorCodes.InvalidParameter, refused.Error?.Code);
        Assert.Null((await AskService("batch", new DeleteService(Context(), true))).Error);
        await AwaitAssertAsync(async () =>
        {
            foreach (var instance in instances) await Sync(instance, []);
            Assert.Equal(ServiceStatus.INACTIVE, (await AskService("batch", DescribeService.Instance)).Service!.Service.Status);
            Assert.Equal(0, (await AskCluster<ClusterSummary>(GetClusterSummary.Instance)).Cluster.ActiveServicesCount);
        }, Patience, TimeSpan.FromMilliseconds(300));
    }

    /// <summary>
    /// A service of 1,000 tasks hears a change of one of them as that task alone - one feed message, one task read, no
    /// whole read - and replacing it costs a few more such messages. Reading whole on every reconcile, as services did
    /// before the feed, reads all 1,000 again each time (3,000 tasks here).
    /// </summary>
    [Fact]
    public async Task A_service_of_1000_tasks_hears_a_change_of_one_as_that_task_alone()
    {
        var instances = await ClusterWithInstances(10, memory: 128 * 110);
        var reads = CreateTestProbe();
        Sys.EventStream.Subscribe(reads.Ref, typeof(ServiceObservationRead));
        Assert.Null((await AskCluster<ServiceAnswer>(Create("big", 1000))).Error);
        await Steady("big", instances, 1000, TimeSpan.FromMinutes(4), SyncAll);
        var entityId = ServiceState.EntityIdOf(Cluster, "big");
        Assert.NotEmpty(Drain(reads, entityId));

        var victim = (await ServiceTaskIds("big"))[0];
        var instance = (await AskCluster<TaskLocations>(new LocateTasks([victim]))).InstanceByTask[victim];
        await SyncAll(instance, [victim]);
        var heard = await reads.FishForMessageAsync<ServiceObservationRead>(r => r.ServiceEntityId == entityId, Patience);
        Assert.False(heard.Whole);
        Assert.Equal(1, heard.Messages);
        Assert.Equal(1, heard.Tasks);

        // The service replaces it (launched, placed, RUNNING): each step reads the task it moved.
        await AwaitAssertAsync(async () =>
        {
            foreach (var each in instances) await SyncAll(each, []);
            Assert.Equal(1000, (await AskCluster<ClusterSummary>(GetClusterSummary.Instance)).RunningTasks);
            Assert.Equal(1000, (await AskService("big", DescribeService.Instance)).Service!.RunningCount);
        }, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(300));
        var replacing = Drain(reads, entityId);
        Output?.WriteLine($"replacing one task read {replacing.Sum(r => r.Tasks)} task(s) in {replacing.Sum(r => r.Messages)} message(s)");
        Assert.DoesNotContain(replacing, r => r.Whole);
        Assert.InRange(replacing.Sum(r => r.Messages), 1, 6);
        Assert.InRange(replacing.Sum(r => r.Tasks), 1, 6);
    }

    private static List<ServiceObservationRead> Drain(Akka.TestKit.TestProbe probe, string entityId)
    {
        var reads = new List<ServiceObservationRead>();
        while (probe.HasMessages)
            if (probe.ReceiveOne(TimeSpan.Zero) is ServiceObservationRead read && read.ServiceEntityId == entityId) reads.Add(read);
        return reads;
    }

    /// <summary>
    /// A scheduler that restarts has no feeds: it tells its services, which read whole from the new one, and a task that
    /// died meanwhile is seen and replaced.
    /// </summary>
    [Fact]
    public async Task A_service_reads_whole_again_from_a_restarted_scheduler_and_converges()
    {
        var instances = await ClusterWithInstances(2);
        Assert.Null((await AskCluster<ServiceAnswer>(Create("api", 2))).Error);
        await Steady("api", instances, 2);
        var reads = CreateTestProbe();
        Sys.EventStream.Subscribe(reads.Ref, typeof(ServiceObservationRead));

        var identity = await Clusters.Ask<ActorIdentity>(new ShardingEnvelope(Cluster, new Identify("scheduler")), Patience);
        Watch(identity.Subject!);
        identity.Subject!.Tell(PoisonPill.Instance);
        ExpectTerminated(identity.Subject!);
        // The instance's change wakes the scheduler, which rebuilds its view and tells the service to read again.
        var victim = (await ServiceTaskIds("api"))[0];
        foreach (var instance in instances) await Sync(instance, [victim]);
        var whole = await reads.FishForMessageAsync<ServiceObservationRead>(r => r.ServiceEntityId == ServiceState.EntityIdOf(Cluster, "api") && r.Whole, Patience);
        Assert.True(whole.Tasks >= 2);
        await AwaitAssertAsync(async () =>
        {
            foreach (var instance in instances) await Sync(instance, []);
            var running = await ServiceTaskIds("api");
            Assert.Equal(2, running.Count);
            Assert.DoesNotContain(victim, running);
            Assert.Equal(2, (await AskService("api", DescribeService.Instance)).Service!.RunningCount);
        }, Patience, TimeSpan.FromMilliseconds(300));
    }

    /// <summary>
    /// A DAEMON service hears of an instance that joins through its feed (the instance, judged by the daemon's
    /// eligibility) and runs its task there, without reading whole again.
    /// </summary>
    [Fact]
    public async Task A_daemon_service_hears_a_new_instance_through_its_feed_and_runs_a_task_there()
    {
        var instances = await ClusterWithInstances(2);
        var create = Create("daemon", 0);
        Assert.Null((await AskCluster<ServiceAnswer>(create with
        {
            Command = create.Command with { SchedulingStrategy = SchedulingStrategy.DAEMON, DesiredCount = null },
        })).Error);
        await Steady("daemon", instances, 2);
        var reads = CreateTestProbe();
        Sys.EventStream.Subscribe(reads.Ref, typeof(ServiceObservationRead));

        instances.Add(await RegisterInstance(2));
        var view = await Steady("daemon", instances, 3);
        Assert.Equal(3, view.DesiredCount);
        var heard = Drain(reads, ServiceState.EntityIdOf(Cluster, "daemon"));
        Assert.NotEmpty(heard);
        Assert.DoesNotContain(heard, r => r.Whole);
    }
}
