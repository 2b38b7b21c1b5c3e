using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using static Actors.Domain.Tests.ContainerInstances.ContainerInstanceFixtures;

namespace Actors.Domain.Tests.Tasks;

/// <summary>A task's tags: given at launch (its own, its definition's, ECS's managed one), then TagResource and UntagResource on its instance.</summary>
public class TaskTagTests
{
    private const string TaskId = "aaaaaaaabbbbbbbbccccccccdddddddd";

    private static readonly TaskDefinitionRevision Revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
    {
        Family = "web",
        ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 512 }],
    }, 1, [new Tag("team", "web"), new Tag("cost-center", "42")], Context());

    private static ContainerInstanceState WithTask(ImmutableList<Tag>? tags = null)
    {
        var task = TaskLifecycle.Create(TaskId, Cluster, InstanceId, Revision, null, "family:web", null, tags ?? [new Tag("origin", "run")],
            TaskResources.Demand(Revision.Spec, null), T0);
        return Run(Run(Registered(), new ReportAgentState(Context(1), [])), new PlaceTask(Context(2), task, PlacementRecord.ChosenByCaller(InstanceId)));
    }

    private static ContainerInstanceState Stopped(ContainerInstanceState state) =>
        Run(Run(state, new StopTask(Context(3), TaskId, TaskStopCode.UserInitiated, "done")), new ReportAgentState(Context(4), []));

    [Fact]
    public void Tagging_adds_and_overwrites_by_key_and_records_only_what_changed()
    {
        var state = WithTask();
        var decision = ContainerInstance.Decide(state, new TagTask(Context(5), TaskId, [new Tag("origin", "run"), new Tag("env", "prod")]));
        var tagged = Assert.IsType<TaskTagged>(Assert.Single(decision.Events));
        Assert.Equal([new Tag("env", "prod")], tagged.Tags);

        state = Run(Run(state, new TagTask(Context(5), TaskId, [new Tag("env", "prod")])), new TagTask(Context(6), TaskId, [new Tag("origin", "tagged")]));
        Assert.Equal([new Tag("origin", "tagged"), new Tag("env", "prod")], state.Tasks[TaskId].Tags);
        Assert.Empty(ContainerInstance.Decide(state, new TagTask(Context(7), TaskId, [new Tag("env", "prod")])).Events);
    }

    [Fact]
    public void Untagging_removes_the_keys_that_are_there_and_ignores_the_others()
    {
        var state = Run(WithTask(), new TagTask(Context(5), TaskId, [new Tag("env", "prod")]));
        var decision = ContainerInstance.Decide(state, new UntagTask(Context(6), TaskId, ["origin", "missing", "origin"]));
        Assert.Equal(["origin"], Assert.IsType<TaskUntagged>(Assert.Single(decision.Events)).TagKeys);
        state = decision.Events.Aggregate(state, ContainerInstance.Apply);
        Assert.Equal([new Tag("env", "prod")], state.Tasks[TaskId].Tags);
        Assert.Empty(ContainerInstance.Decide(state, new UntagTask(Context(7), TaskId, ["missing"])).Events);
    }

    [Fact]
    public void Tags_change_neither_the_task_nor_what_the_agent_should_do()
    {
        var before = WithTask();
        var after = Run(Run(before, new TagTask(Context(5), TaskId, [new Tag("env", "prod")])), new UntagTask(Context(6), TaskId, ["origin"]));
        Assert.Equal(before.Tasks[TaskId].Version, after.Tasks[TaskId].Version);
        Assert.Equal(before.DesiredVersion, after.DesiredVersion);
        Assert.Equal(before.Tasks[TaskId] with { Tags = after.Tasks[TaskId].Tags }, after.Tasks[TaskId]);
        Assert.Equal(before.Version + 2, after.Version);
        Assert.Empty(ContainerInstance.TasksTouchedBy(ContainerInstance.Decide(before, new TagTask(Context(5), TaskId, [new Tag("a", "b")])).Events[0]));
    }

    [Fact]
    public void A_stopped_task_can_be_tagged_until_it_is_forgotten()
    {
        var stopped = Stopped(WithTask());
        Assert.Equal(TaskLifecycleStatus.STOPPED, stopped.Tasks[TaskId].LastStatus);
        Assert.Equal([new Tag("origin", "run"), new Tag("env", "prod")],
            Run(stopped, new TagTask(Context(5), TaskId, [new Tag("env", "prod")])).Tasks[TaskId].Tags);

        var forgotten = Run(stopped, new ForgetStoppedTasks(Context(90), T0.AddMinutes(80)));
        Assert.Equal(ErrorCodes.ResourceNotFound, Refusal(forgotten, new TagTask(Context(91), TaskId, [new Tag("env", "prod")])).Code);
        Assert.Equal(ErrorCodes.ResourceNotFound, Refusal(forgotten, new UntagTask(Context(91), TaskId, ["origin"])).Code);
    }

    [Fact]
    public void Tags_of_an_unknown_task_are_a_resource_not_found()
    {
        var error = Refusal(WithTask(), new TagTask(Context(5), "ffffffffffffffffffffffffffffffff", [new Tag("env", "prod")]));
        Assert.Equal(ErrorCodes.ResourceNotFound, error.Code);
        Assert.Contains("ffffffffffffffffffffffffffffffff", error.Message);
    }

    [Fact]
    public void Ecs_tag_rules_hold_for_tasks()
    {
        var state = WithTask();
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTask(Context(5), TaskId, [])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTask(Context(5), TaskId, [new Tag("aws:owner", "me")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTask(Context(5), TaskId, [new Tag("bad#key", "v")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTask(Context(5), TaskId, [new Tag("a", "1"), new Tag("a", "2")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new UntagTask(Context(5), TaskId, [])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new UntagTask(Context(5), TaskId, [new string('k', 129)])).Code);

        // 50 tags at most, counting the task's own.
        var full = Run(state, new TagTask(Context(5), TaskId, [.. Enumerable.Range(0, 49).Select(i => new Tag($"k{i}", "v"))]));
        Assert.Equal(50, full.Tasks[TaskId].Tags.Count);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(full, new TagTask(Context(6), TaskId, [new Tag("k49", "v")])).Code);
        Run(full, new TagTask(Context(6), TaskId, [new Tag("k0", "overwritten")]));
    }

    [Fact]
    public void The_managed_tag_counts_against_no_limit_and_cannot_be_removed()
    {
        var state = WithTask([new Tag(LaunchTags.ClusterNameKey, Cluster)]);
        var full = Run(state, new TagTask(Context(5), TaskId, [.. Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v"))]));
        Assert.Equal(51, full.Tasks[TaskId].Tags.Count);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(full, new UntagTask(Context(6), TaskId, [LaunchTags.ClusterNameKey])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(full, new UntagTask(Context(6), TaskId, ["AWS:ecs:clusterName"])).Code);
    }

    [Fact]
    public void Replaying_tag_events_rebuilds_the_same_tags()
    {
        var state = WithTask();
        var events = new List<IContainerInstanceEvent>();
        foreach (var command in new IContainerInstanceCommand[]
                 {
                     new TagTask(Context(5), TaskId, [new Tag("env", "prod"), new Tag("origin", "x")]), new UntagTask(Context(6), TaskId, ["env"]),
                     new TagTask(Context(7), TaskId, [new Tag("env", null)]),
                 })
        {
            var decision = ContainerInstance.Decide(state, command);
            events.AddRange(decision.Events);
            state = decision.Events.Aggregate(state, ContainerInstance.Apply);
        }
        Assert.Equal(state.Tasks[TaskId].Tags, events.Aggregate(WithTask(), ContainerInstance.Apply).Tasks[TaskId].Tags);
        Assert.Equal([new Tag("origin", "x"), new Tag("env", null)], state.Tasks[TaskId].Tags);
    }

    [Fact]
    public void A_launch_takes_the_callers_tags_over_the_definitions_when_propagating()
    {
        var (tags, error) = LaunchTags.Of(Cluster, [new Tag("team", "ops"), new Tag("run", "1")], "TASK_DEFINITION", false, Revision);
        Assert.Null(error);
        Assert.Equal([new Tag("team", "ops"), new Tag("cost-center", "42"), new Tag("run", "1")], tags);

        Assert.Equal([new Tag("run", "1")], LaunchTags.Of(Cluster, [new Tag("run", "1")], null, false, Revision).Tags);
        Assert.Equal([new Tag("run", "1")], LaunchTags.Of(Cluster, [new Tag("run", "1")], "NONE", false, Revision).Tags);
        Assert.Empty(LaunchTags.Of(Cluster, null, null, false, Revision).Tags);
    }

    [Fact]
    public void A_launch_with_managed_tags_names_the_cluster()
    {
        var (tags, error) = LaunchTags.Of(Cluster, [new Tag("run", "1")], null, true, Revision);
        Assert.Null(error);
        Assert.Equal([new Tag("run", "1"), new Tag(LaunchTags.ClusterNameKey, Cluster)], tags);
    }

    [Theory]
    [InlineData("SERVICE")]
    [InlineData("task_definition")]
    [InlineData("EVERYTHING")]
    public void A_launch_refuses_what_it_cannot_propagate(string propagate) =>
        Assert.Equal(ErrorCodes.InvalidParameter, LaunchTags.Of(Cluster, [], propagate, false, Revision).Error?.Code);

    [Fact]
    public void A_launch_refuses_invalid_tags_and_more_than_50_with_the_definitions()
    {
        Assert.Equal(ErrorCodes.InvalidParameter, LaunchTags.Of(Cluster, [new Tag("aws:x", "y")], null, false, Revision).Error?.Code);
        var fortyNine = Enumerable.Range(0, 49).Select(i => new Tag($"k{i}", "v")).ToList();
        Assert.Null(LaunchTags.Of(Cluster, fortyNine, null, true, Revision).Error);
        Assert.Equal(ErrorCodes.InvalidParameter, LaunchTags.Of(Cluster, fortyNine, "TASK_DEFINITION", false, Revision).Error?.Code);
        Assert.Null(LaunchTags.Of(Cluster, [.. fortyNine.Take(47), new Tag("team", "ops")], "TASK_DEFINITION", true, Revision).Error);
    }
}
