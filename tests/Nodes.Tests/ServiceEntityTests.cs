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

    private async Task<List<string>> ClusterWithInstances(int count)
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
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString("N");
            var registered = await AskCluster<EntityResponse<ContainerInstanceState>>(new RegisterInstance(new RegisterContainerInstance(Context(), Cluster, id,
                $"host-{i}", [Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, 1024),
                    Resource.StringSet(ResourceNames.Ports, []), Resource.StringSet(ResourceNames.UdpPorts, [])], null,
                [new Domain.ContainerInstances.Attribute("ecs.availability-zone", $"zone-{i % 2}")], []), 100));
            Assert.Null(registered.Error);
            await Sync(id, []);
            ids.Add(id);
        }
        return ids;
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

    private async Task<ServiceView> Steady(string name, List<string> instances, int running)
    {
        ServiceView? view = null;
        await AwaitAssertAsync(async () =>
        {
            // A task counts healthy once it ran the minimum healthy time: a deployment in progress waits for it.
            if (view?.Service.CurrentDeployments.Any(d => d.RolloutState == RolloutState.IN_PROGRESS) == true)
                Clock.Advance(Options.MinimumHealthyTime / 2);
            foreach (var instance in instances) await Sync(instance, []);
            view = (await AskService(name, DescribeService.Instance)).Service;
            Assert.NotNull(view);
            Assert.Equal(running, view.RunningCount);
            Assert.Equal(0, view.PendingCount);
            var deployment = Assert.Single(view.Service.CurrentDeployments);
            Assert.Equal(RolloutState.COMPLETED, deployment.RolloutState);
        }, Patience, TimeSpan.FromMilliseconds(300));
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
}
