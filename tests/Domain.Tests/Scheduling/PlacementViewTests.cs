using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Scheduling;
using Actors.Domain.Tasks;
using static Actors.Domain.Tests.ContainerInstances.ContainerInstanceFixtures;

namespace Actors.Domain.Tests.Scheduling;

public class PlacementViewTests
{
    private const string Other = "ffffffffffffffffffffffffffffffff";

    private static ContainerInstanceState Instance(string id = InstanceId, long version = 1, int memory = 4096) =>
        Run(ContainerInstance.Empty(ContainerInstanceState.EntityIdOf(Cluster, id)), Register(instanceId: id, resources: Resources(memory: memory)))
            with { Version = version, AgentConnected = true };

    private static TaskSummary Summary(string taskId, long version, TaskLifecycleStatus status = TaskLifecycleStatus.RUNNING,
        DateTimeOffset? stoppedAt = null) =>
        new(taskId, "family:web", "web", null, status, status == TaskLifecycleStatus.STOPPED ? TaskLifecycleStatus.STOPPED : TaskLifecycleStatus.RUNNING,
            stoppedAt, version);

    private static InstanceChanges Changes(ContainerInstanceState instance, params TaskSummary[] tasks) =>
        new(instance, [.. tasks], [], instance.Version);

    [Fact]
    public void Changes_locate_tasks_and_late_or_repeated_ones_change_nothing()
    {
        var view = new PlacementView();
        view.Apply(Changes(Instance(version: 5), Summary("t1", 5, TaskLifecycleStatus.PENDING)));
        view.Apply(Changes(Instance(version: 6), Summary("t1", 6)));
        // An older message arriving late neither rolls the instance back nor the task.
        view.Apply(Changes(Instance(version: 5, memory: 1), Summary("t1", 5, TaskLifecycleStatus.PENDING)));

        Assert.Equal(InstanceId, view.Locate("t1"));
        Assert.Equal(TaskLifecycleStatus.RUNNING, Assert.Single(view.Tasks()).LastStatus);
        Assert.Equal(6, view.Instance(InstanceId)!.Version);
        Assert.Equal(4096, ResourceLedger.Amount(view.Instance(InstanceId)!.RemainingResources, ResourceNames.Memory));
    }

    [Fact]
    public void A_placement_holds_capacity_until_the_instance_confirms_or_refuses_it()
    {
        var view = new PlacementView();
        view.Apply(Changes(Instance()));
        view.Reserve(InstanceId, "t1", ResourceDemand.Of(memory: 1000), "family:web");
        var candidate = Assert.Single(view.Candidates());
        Assert.Equal(3096, ResourceLedger.Amount(candidate.Instance.RemainingResources, ResourceNames.Memory));
        Assert.Equal(["family:web"], candidate.TaskGroups);
        Assert.Equal(InstanceId, view.Locate("t1"));

        view.Settle(InstanceId, "t1");
        Assert.Equal(4096, ResourceLedger.Amount(Assert.Single(view.Candidates()).Instance.RemainingResources, ResourceNames.Memory));
        Assert.Null(view.Locate("t1"));

        // Confirmed through the instance's own changes: its remaining resources now say it, the reservation is gone.
        view.Reserve(InstanceId, "t2", ResourceDemand.Of(memory: 1000), "family:web");
        view.Apply(Changes(Instance(version: 2) with { RemainingResources = Resources(memory: 3096) }, Summary("t2", 2)));
        Assert.Equal(3096, ResourceLedger.Amount(Assert.Single(view.Candidates()).Instance.RemainingResources, ResourceNames.Memory));
    }

    [Fact]
    public void Forgotten_and_removed_tasks_cannot_be_found_and_statistics_count_registered_instances()
    {
        var view = new PlacementView();
        view.Apply(Changes(Instance() with { RunningTasksCount = 1 }, Summary("t1", 1), Summary("t2", 1, TaskLifecycleStatus.STOPPED, T0)));
        view.Apply(Changes(Instance(Other)));
        Assert.Equal((2, 1, 0), view.Statistics());

        view.Apply(new InstanceChanges(Instance(version: 2), [], ["t1"], 2));
        Assert.Null(view.Locate("t1"));
        view.ForgetStopped(T0.AddMinutes(1));
        Assert.Null(view.Locate("t2"));

        view.Apply(Changes(Instance(Other, 2), Summary("t3", 2)));
        view.Remove(Other);
        Assert.Null(view.Locate("t3"));
        Assert.Equal(1, view.Statistics().RegisteredInstances);
    }
}
