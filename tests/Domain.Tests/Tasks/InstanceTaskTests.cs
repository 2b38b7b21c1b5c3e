using System.Collections.Immutable;
using System.Text.Json;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using static Actors.Domain.Tests.ContainerInstances.ContainerInstanceFixtures;

namespace Actors.Domain.Tests.Tasks;

/// <summary>Tasks inside their container instance: placement, the agent's reports, stop requests, resources.</summary>
public class InstanceTaskTests
{
    private const string TaskId = "aaaaaaaabbbbbbbbccccccccdddddddd";

    private static TaskDefinitionRevision Revision(bool sidecar = false, bool sidecarEssential = false) =>
        TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = sidecar
                ? [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 512 }, new ContainerDefinition { Name = "log", Image = "busybox", Memory = 64, Essential = sidecarEssential }]
                : [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 512, PortMappings = [new PortMapping { ContainerPort = 80, HostPort = 8080 }] }],
        }, 1, null, Context());

    private static TaskState NewTask(TaskDefinitionRevision? revision = null, string taskId = TaskId)
    {
        revision ??= Revision();
        return TaskLifecycle.Create(taskId, Cluster, InstanceId, revision, null, "family:web", "me", [], TaskResources.Demand(revision.Spec, null), T0);
    }

    private static PlacementRecord Record => PlacementRecord.ChosenByCaller(InstanceId);

    private static ContainerInstanceState Connected() => Run(Registered(), new ReportAgentState(Context(1), []));

    private static ContainerInstanceState Placed(TaskState? task = null) => Run(Connected(), new PlaceTask(Context(2), task ?? NewTask(), Record));

    private static ReportedTask Report(string status, int? exitCode = null, string container = "web", params ReportedContainer[] more) => new()
    {
        TaskId = TaskId,
        Containers = [new ReportedContainer { Name = container, RuntimeId = "c0ffee", Status = status, ExitCode = exitCode }, .. more],
    };

    private static ContainerInstanceState Reported(ContainerInstanceState state, int minute, params ReportedTask[] tasks) =>
        Run(state, new ReportAgentState(Context(minute), [.. tasks]));

    private static HashSet<string> Agent(params string[] runs) => [.. runs];

    private static long Remaining(ContainerInstanceState state, string name) => ResourceLedger.Amount(state.RemainingResources, name);

    [Fact]
    public void A_first_sync_connects_the_agent_and_later_ones_record_nothing()
    {
        var decision = ContainerInstance.Decide(Registered(), new ReportAgentState(Context(1), []));
        Assert.IsType<AgentConnected>(Assert.Single(decision.Events));
        Assert.Empty(ContainerInstance.Decide(Connected(), new ReportAgentState(Context(2), [])).Events);
    }

    [Fact]
    public void Only_the_instance_agent_may_sync_it()
    {
        var running = Reported(Placed(), 3, Report("RUNNING"));
        var otherKey = new ReportAgentState(Context(4) with { Principal = "AKIDOTHERAGENT" }, []);

        // Reporting no tasks would stop every task of the instance: from another key it is refused and changes nothing.
        var refusal = Refusal(running, otherKey);

        Assert.Equal(Common.ErrorCodes.AccessDenied, refusal.Code);
        Assert.Equal(TaskLifecycleStatus.STOPPED, Reported(running, 4).Tasks[TaskId].LastStatus);
    }

    [Fact]
    public void Another_key_cannot_connect_a_disconnected_instance()
    {
        var disconnected = Run(Connected(), new MarkAgentDisconnected(Context(2), T0.AddMinutes(1)));

        Assert.Equal(Common.ErrorCodes.AccessDenied,
            Refusal(disconnected, new ReportAgentState(Context(3) with { Principal = "AKIDOTHERAGENT" }, [])).Code);
        Assert.True(Run(disconnected, new ReportAgentState(Context(3), [])).AgentConnected);
    }

    [Fact]
    public void Placing_reserves_memory_and_static_ports_and_is_idempotent()
    {
        var state = Placed();
        Assert.Equal(4096 - 512, Remaining(state, ResourceNames.Memory));
        Assert.Contains("8080", ResourceLedger.PortSet(state.RemainingResources, ResourceNames.Ports));
        Assert.Equal(TaskLifecycleStatus.PROVISIONING, state.Tasks[TaskId].LastStatus);
        Assert.Equal(1, state.PendingTasksCount);
        Assert.Empty(ContainerInstance.Decide(state, new PlaceTask(Context(3), NewTask(), Record)).Events);
    }

    [Fact]
    public void Placing_is_refused_with_the_run_task_failure_reason()
    {
        Assert.Equal("AGENT", Refusal(Registered(), new PlaceTask(Context(2), NewTask(), Record)).Message);
        var draining = Run(Connected(), new UpdateContainerInstanceState(Context(2), "DRAINING"));
        Assert.Equal("INACTIVE", Refusal(draining, new PlaceTask(Context(3), NewTask(), Record)).Message);
        var big = NewTask() with { Reserved = ResourceDemand.Of(memory: 5000) };
        Assert.Equal("RESOURCE:MEMORY", Refusal(Connected(), new PlaceTask(Context(3), big, Record)).Message);
        var samePort = NewTask(taskId: "11111111222222223333333344444444");
        Assert.Equal("RESOURCE:PORTS", Refusal(Placed(), new PlaceTask(Context(3), samePort, Record)).Message);
    }

    [Fact]
    public void A_placed_task_is_checked_again_against_what_bound_its_placement_and_a_named_instance_only_against_its_capacity()
    {
        var other = NewTask(Revision(sidecar: true), "11111111222222223333333344444444");
        TaskState Requiring(string attribute) => other with { TaskDefinition = other.TaskDefinition with { RequiresAttributes = [new() { Name = attribute }] } };
        PlacementBinding Binding(params PlacementConstraint[] constraints) => new([.. constraints]);

        Assert.Equal("ATTRIBUTE", Refusal(Connected(), new PlaceTask(Context(3), Requiring("tier"), Record, Binding())).Message);
        Assert.Equal("ATTRIBUTE",
            Refusal(Connected(), new PlaceTask(Context(3), other, Record, Binding(PlacementConstraint.Member("attribute:ecs.instance-type == m5.large")))).Message);
        // The task already here is of group family:web, as the other one is: distinctInstance counts it, task:group queries see it.
        Assert.Equal("ATTRIBUTE", Refusal(Placed(), new PlaceTask(Context(3), other, Record, Binding(PlacementConstraint.Distinct))).Message);
        Run(Placed(), new PlaceTask(Context(3), Requiring("ecs.os-type"), Record, Binding(PlacementConstraint.Member("task:group == family:web"))));
        // StartTask named the instance: no binding, so neither the missing attribute nor the group already here refuses it.
        Run(Placed(), new PlaceTask(Context(3), Requiring("tier") with { Group = "family:web" }, Record));
    }

    [Fact]
    public void Reports_walk_the_task_from_pending_to_running_to_stopped_and_give_resources_back_once()
    {
        var pending = Reported(Placed(), 3, new ReportedTask { TaskId = TaskId, Containers = [] });
        Assert.Equal(TaskLifecycleStatus.PENDING, pending.Tasks[TaskId].LastStatus);

        var running = Reported(pending, 4, Report("RUNNING"));
        var task = running.Tasks[TaskId];
        Assert.Equal(TaskLifecycleStatus.RUNNING, task.LastStatus);
        Assert.Equal(T0.AddMinutes(4), task.StartedAt);
        Assert.Equal("c0ffee", task.Containers[0].RuntimeId);
        Assert.Equal(1, running.RunningTasksCount);

        var stopping = Run(running, new StopTask(Context(5), TaskId, TaskStopCode.UserInitiated, "done"));
        Assert.Equal(TaskLifecycleStatus.STOPPED, stopping.Tasks[TaskId].DesiredStatus);
        Assert.Equal([TaskId], ContainerInstanceDesiredState.Of(stopping, Agent()).Stop);

        var stopped = Reported(stopping, 6, Report("STOPPED", exitCode: 0));
        task = stopped.Tasks[TaskId];
        Assert.Equal(TaskLifecycleStatus.STOPPED, task.LastStatus);
        Assert.Equal(TaskStopCode.UserInitiated, task.StopCode);
        Assert.Equal("done", task.StoppedReason);
        Assert.Equal(4096, Remaining(stopped, ResourceNames.Memory));
        Assert.DoesNotContain("8080", ResourceLedger.PortSet(stopped.RemainingResources, ResourceNames.Ports));
        Assert.Empty(ContainerInstanceDesiredState.Of(stopped, Agent()).Run);
        Assert.Empty(ContainerInstanceDesiredState.Of(stopped, Agent()).Stop);

        // The agent removing the containers afterwards changes nothing: the resources came back exactly once.
        Assert.Empty(ContainerInstance.Decide(stopped, new ReportAgentState(Context(7), [])).Events);
    }

    [Fact]
    public void A_steady_report_records_nothing()
    {
        var running = Reported(Placed(), 4, Report("RUNNING"));
        Assert.Empty(ContainerInstance.Decide(running, new ReportAgentState(Context(9), [Report("RUNNING")])).Events);
    }

    [Fact]
    public void A_report_that_says_nothing_new_folds_to_the_same_task_and_one_new_fact_is_still_heard()
    {
        var task = Reported(Placed(), 4, Report("RUNNING")).Tasks[TaskId];
        Assert.Same(task, TaskLifecycle.Fold(task, Report("RUNNING"), T0.AddMinutes(9)));

        // Each thing a report may say, told on its own, changes the task.
        var container = Report("RUNNING").Containers[0];
        ReportedContainer[] news =
        [
            container with { RuntimeId = "d00d" }, container with { ImageDigest = "sha256:1" }, container with { Status = "STOPPED", ExitCode = 0 },
            container with { ExitCode = 3 }, container with { Reason = "OutOfMemory" }, container with { HealthStatus = "HEALTHY" },
            container with { NetworkBindings = [new NetworkBinding("0.0.0.0", 80, 8080, "tcp")] },
        ];
        foreach (var changed in news)
        {
            var folded = TaskLifecycle.Fold(task, new ReportedTask { TaskId = TaskId, Containers = [changed] }, T0.AddMinutes(9));
            Assert.True(TaskLifecycle.Differs(task, folded), $"{changed} is news");
        }
        var pulled = TaskLifecycle.Fold(task, Report("RUNNING") with { PullStartedAt = T0 }, T0.AddMinutes(9));
        Assert.Equal(T0, pulled.PullStartedAt);
    }

    [Fact]
    public void An_essential_container_that_exits_stops_the_task_with_its_exit_code()
    {
        var running = Reported(Placed(), 4, Report("RUNNING"));
        var exited = Reported(running, 5, Report("STOPPED", exitCode: 137));
        var task = exited.Tasks[TaskId];
        Assert.Equal(TaskLifecycleStatus.STOPPED, task.LastStatus);
        Assert.Equal(TaskStopCode.EssentialContainerExited, task.StopCode);
        Assert.Equal(TaskLifecycle.EssentialContainerExitedReason, task.StoppedReason);
        Assert.Equal(137, task.Containers[0].ExitCode);
    }

    [Fact]
    public void A_non_essential_container_that_exits_leaves_the_task_running()
    {
        var revision = Revision(sidecar: true);
        var placed = Placed(NewTask(revision));
        var state = Reported(placed, 4, Report("RUNNING", more: new ReportedContainer { Name = "log", Status = "STOPPED", ExitCode = 0 }));
        Assert.Equal(TaskLifecycleStatus.RUNNING, state.Tasks[TaskId].LastStatus);
        Assert.Equal(TaskLifecycleStatus.RUNNING, state.Tasks[TaskId].DesiredStatus);
    }

    [Fact]
    public void A_failed_pull_stops_the_task_as_failed_to_start()
    {
        var failed = Reported(Placed(), 3, new ReportedTask
        {
            TaskId = TaskId,
            Containers = [new ReportedContainer { Name = "web", Status = "STOPPED", Reason = "CannotPullContainerError: no such image" }],
            FailedToStartReason = "CannotPullContainerError: no such image",
        });
        var task = failed.Tasks[TaskId];
        Assert.Equal(TaskLifecycleStatus.STOPPED, task.LastStatus);
        Assert.Equal(TaskStopCode.TaskFailedToStart, task.StopCode);
        Assert.StartsWith("CannotPullContainerError", task.StoppedReason);
        Assert.StartsWith("CannotPullContainerError", task.Containers[0].Reason);
        Assert.Equal(4096, Remaining(failed, ResourceNames.Memory));
    }

    [Fact]
    public void A_running_task_the_agent_no_longer_reports_is_stopped_but_a_task_not_yet_started_waits()
    {
        var running = Reported(Placed(), 4, Report("RUNNING"));
        var gone = Reported(running, 5);
        Assert.Equal(TaskLifecycleStatus.STOPPED, gone.Tasks[TaskId].LastStatus);
        Assert.Equal(TaskLifecycle.ContainersGoneReason, gone.Tasks[TaskId].StoppedReason);

        var notStarted = Reported(Placed(), 5);
        Assert.Equal(TaskLifecycleStatus.PROVISIONING, notStarted.Tasks[TaskId].LastStatus);
    }

    [Fact]
    public void Stopping_a_task_that_never_started_stops_it_at_the_next_sync()
    {
        var stopping = Run(Placed(), new StopTask(Context(3), TaskId, TaskStopCode.UserInitiated, "never mind"));
        var stopped = Reported(stopping, 4);
        Assert.Equal(TaskLifecycleStatus.STOPPED, stopped.Tasks[TaskId].LastStatus);
    }

    [Fact]
    public void Stop_of_an_unknown_task_is_refused_and_of_a_stopped_one_changes_nothing()
    {
        Assert.Equal(ContainerInstance.TaskNotFoundMessage, Refusal(Placed(), new StopTask(Context(3), "ffff", TaskStopCode.UserInitiated, "x")).Message);
        var stopped = Reported(Reported(Placed(), 4, Report("RUNNING")), 5, Report("STOPPED", exitCode: 1));
        Assert.Empty(ContainerInstance.Decide(stopped, new StopTask(Context(6), TaskId, TaskStopCode.UserInitiated, "x")).Events);
    }

    [Fact]
    public void The_desired_version_moves_only_when_what_the_agent_should_do_changes()
    {
        var placed = Placed();
        var pending = Reported(placed, 3, new ReportedTask { TaskId = TaskId, Containers = [] });
        var running = Reported(pending, 4, Report("RUNNING"));
        Assert.Equal(placed.DesiredVersion, running.DesiredVersion);
        var stopping = Run(running, new StopTask(Context(5), TaskId, TaskStopCode.UserInitiated, "done"));
        Assert.Equal(running.DesiredVersion + 1, stopping.DesiredVersion);
    }

    [Fact]
    public void Disconnection_is_recorded_once_and_a_sync_reconnects()
    {
        var disconnected = Run(Connected(), new MarkAgentDisconnected(Context(5), T0.AddMinutes(1)));
        Assert.False(disconnected.AgentConnected);
        Assert.Empty(ContainerInstance.Decide(disconnected, new MarkAgentDisconnected(Context(6), T0.AddMinutes(1))).Events);
        Assert.True(Reported(disconnected, 7).AgentConnected);
    }

    [Fact]
    public void Deregistration_counts_the_tasks_it_would_orphan()
    {
        Assert.Equal(Actors.Domain.Common.ErrorCodes.InvalidParameter, Refusal(Placed(), new DeregisterContainerInstance(Context(3), false)).Code);
        Assert.Equal(ContainerInstanceStatus.INACTIVE, Run(Placed(), new DeregisterContainerInstance(Context(3), true)).Status);
    }

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state()
    {
        var state = Registered();
        var events = new List<IContainerInstanceEvent>();
        foreach (var command in new IContainerInstanceCommand[]
                 {
                     new ReportAgentState(Context(1), []), new PlaceTask(Context(2), NewTask(), Record),
                     new ReportAgentState(Context(3), [Report("RUNNING")]), new StopTask(Context(4), TaskId, TaskStopCode.UserInitiated, "bye"),
                     new ReportAgentState(Context(5), [Report("STOPPED", exitCode: 0)]),
                 })
        {
            var decision = ContainerInstance.Decide(state, command);
            events.AddRange(decision.Events);
            state = decision.Events.Aggregate(state, ContainerInstance.Apply);
        }
        var replayed = events.Aggregate(Registered(), ContainerInstance.Apply);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        Assert.Equal(JsonSerializer.Serialize(state, options), JsonSerializer.Serialize(replayed, options));
    }
    [Fact]
    public void Placed_and_stopped_tasks_carry_the_remaining_resources_they_decided()
    {
        var placed = ContainerInstance.Decide(Connected(), new PlaceTask(Context(2), NewTask(), Record)).Events.OfType<TaskPlaced>().Single();
        Assert.Equal(4096 - 512, ResourceLedger.Amount(placed.RemainingResources!, ResourceNames.Memory));

        var stopped = ContainerInstance.Decide(Reported(Placed(), 3, Report("RUNNING")), new ReportAgentState(Context(4), [Report("STOPPED", 0)]))
            .Events.OfType<TaskStateChanged>().Single();
        Assert.Equal(4096, ResourceLedger.Amount(stopped.RemainingResources!, ResourceNames.Memory));
    }

    [Fact]
    public void Replay_records_what_events_say_even_where_todays_rules_would_decide_otherwise()
    {
        // The remaining resources come from the event, not from the ledger: replaying old decisions never re-decides them.
        var placed = ContainerInstance.Decide(Connected(), new PlaceTask(Context(2), NewTask(), Record)).Events.OfType<TaskPlaced>().Single();
        var recorded = placed with { RemainingResources = Resources(memory: 1234) };
        Assert.Equal(1234, Remaining(ContainerInstance.Apply(Connected(), recorded), ResourceNames.Memory));
    }

    [Fact]
    public void Stopped_tasks_are_forgotten_after_retention_and_running_ones_never()
    {
        var stopped = Reported(Run(Reported(Placed(), 3, Report("RUNNING")), new StopTask(Context(4), TaskId, TaskStopCode.UserInitiated, "done")),
            5, Report("STOPPED", 0));
        var other = NewTask(taskId: "eeeeeeeeffffffff0000000011111111");
        var state = Reported(Run(stopped, new PlaceTask(Context(6), other, Record)), 7, Report("STOPPED", 0),
            new ReportedTask { TaskId = other.TaskId, Containers = [new ReportedContainer { Name = "web", RuntimeId = "c1", Status = "RUNNING" }] });

        Assert.Empty(ContainerInstance.Decide(state, new ForgetStoppedTasks(Context(8), T0.AddMinutes(5))).Events);
        var forgotten = ContainerInstance.Decide(state, new ForgetStoppedTasks(Context(70), T0.AddMinutes(10))).Events;
        Assert.Equal([TaskId], Assert.IsType<TasksForgotten>(Assert.Single(forgotten)).TaskIds);
        var after = forgotten.Aggregate(state, ContainerInstance.Apply);
        Assert.Equal([other.TaskId], after.Tasks.Keys);
        Assert.Equal([TaskId], ContainerInstance.TasksTouchedBy(forgotten[0]));
    }

    [Fact]
    public void The_desired_state_sends_definitions_only_of_tasks_the_agent_does_not_run_and_a_few_at_a_time()
    {
        var state = Connected();
        var ids = Enumerable.Range(0, ContainerInstanceDesiredState.MaxNewTasksPerAnswer + 3).Select(i => $"{i:D32}").ToList();
        var small = TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web", ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 1 }],
        }, 1, null, Context());
        state = ids.Aggregate(state, (s, id) => Run(s, new PlaceTask(Context(2), NewTask(small, id), Record)));

        var first = ContainerInstanceDesiredState.Of(state, Agent());
        Assert.Equal(ContainerInstanceDesiredState.MaxNewTasksPerAnswer, first.Run.Count);
        Assert.True(first.More);
        var next = ContainerInstanceDesiredState.Of(state, Agent([.. first.Run.Select(t => t.TaskId)]));
        Assert.Equal(3, next.Run.Count);
        Assert.False(next.More);
        Assert.Equal(first.Run.Select(t => t.TaskId), next.Keep);
    }
}

public class ForcedDeregistrationTests
{
    [Fact]
    public void Tasks_of_an_instance_deregistered_with_force_stop_and_give_their_resources_back()
    {
        var revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 512 }],
        }, 1, null, Context());
        var task = TaskLifecycle.Create("aaaaaaaabbbbbbbbccccccccdddddddd", Cluster, InstanceId, revision, null, "family:web", null, [],
            TaskResources.Demand(revision.Spec, null), T0);
        var placed = Run(Run(Registered(), new ReportAgentState(Context(1), [])), new PlaceTask(Context(2), task, PlacementRecord.ChosenByCaller(InstanceId)));

        var deregistered = Run(placed, new DeregisterContainerInstance(Context(3), Force: true));
        var stopped = deregistered.Tasks[task.TaskId];
        Assert.Equal(TaskLifecycleStatus.STOPPED, stopped.LastStatus);
        Assert.Equal(ContainerInstance.DeregisteredWithForceReason, stopped.StoppedReason);
        Assert.Equal(0, deregistered.RunningTasksCount + deregistered.PendingTasksCount);
        Assert.Equal(ContainerInstanceStatus.INACTIVE, deregistered.Status);
    }

}
