using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.TaskDefinitions.TaskDefinitionFixtures;

namespace Actors.Domain.Tests.TaskDefinitions;

public class TaskDefinitionFamilyTests
{
    private static readonly TaskDefinitionFamilyState Empty = TaskDefinitionFamily.Empty("web");

    /// <summary>Decides, checks the decision was accepted, and applies its events: what the entity actor does.</summary>
    private static (TaskDefinitionFamilyState State, IReadOnlyList<ITaskDefinitionFamilyEvent> Events) Run(TaskDefinitionFamilyState state, ITaskDefinitionFamilyCommand command)
    {
        var decision = TaskDefinitionFamily.Decide(state, command);
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        return (decision.Events.Aggregate(state, TaskDefinitionFamily.Apply), decision.Events);
    }

    private static DomainError Refusal(TaskDefinitionFamilyState state, ITaskDefinitionFamilyCommand command)
    {
        var decision = TaskDefinitionFamily.Decide(state, command);
        Assert.False(decision.IsAccepted);
        Assert.Empty(decision.Events);
        return decision.Error!;
    }

    private static TaskDefinitionFamilyState Registered(int count)
    {
        var state = Empty;
        for (var i = 0; i < count; i++)
            state = Run(state, new RegisterTaskDefinition(Context(i), Spec(), null)).State;
        return state;
    }

    [Fact]
    public void Registration_numbers_revisions_1_2_3_and_records_who_and_when()
    {
        var state = Registered(3);

        Assert.Equal([1, 2, 3], state.Revisions.Select(r => r.Revision));
        Assert.All(state.Revisions, r => Assert.Equal(TaskDefinitionStatus.ACTIVE, r.Status));
        Assert.Equal(Now.AddMinutes(2), state.Revisions[2].RegisteredAt);
        Assert.Equal("AKIDEXAMPLE", state.Revisions[2].RegisteredBy);
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3", state.Revisions[2].Arn(new AccountScope("eu-west-1", "123456789012")));
    }

    [Fact]
    public void The_registered_event_carries_the_whole_revision_and_a_readable_reason()
    {
        var tags = ImmutableList.Create(new Tag("team", "web"));
        var (_, events) = Run(Empty, new RegisterTaskDefinition(Context(), Spec() with { Cpu = "1 vCPU", Memory = "2 GB" }, tags));

        var registered = Assert.IsType<TaskDefinitionRegistered>(Assert.Single(events));
        Assert.Equal("registered revision 1 of family web", registered.Metadata.Reason);
        Assert.Equal("req-0", registered.Metadata.RequestId);
        Assert.Equal("1024", registered.Definition.Spec.Cpu);
        Assert.Equal("2048", registered.Definition.Spec.Memory);
        Assert.Equal(tags, registered.Definition.Tags);
        Assert.Equal(["EC2"], registered.Definition.Compatibilities);
    }

    [Fact]
    public void Registration_refuses_an_invalid_spec_with_the_validation_error()
    {
        var spec = Spec(Enumerable.Range(1, 11).Select(i => Container($"c{i}")).ToArray());
        var error = Refusal(Empty, new RegisterTaskDefinition(Context(), spec, null));
        Assert.Equal(ErrorCodes.Client, error.Code);
        Assert.Contains("at most 10", error.Message);
    }

    [Fact]
    public void Registration_honours_configured_limits_and_validates_tags()
    {
        var two = Spec(Container("a"), Container("b"));
        Assert.Equal(ErrorCodes.Client, Refusal(Empty, new RegisterTaskDefinition(Context(), two, null, new TaskDefinitionLimits { MaxContainers = 1 })).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Empty, new RegisterTaskDefinition(Context(), Spec(), [new Tag("aws:x", "y")])).Code);
    }

    [Fact]
    public void Registration_refuses_a_spec_of_another_family()
    {
        var error = Refusal(Empty, new RegisterTaskDefinition(Context(), Spec() with { Family = "api" }, null));
        Assert.Contains("'api'", error.Message);
    }

    [Fact]
    public void Deregistration_makes_a_revision_inactive_and_is_idempotent()
    {
        var (state, events) = Run(Registered(2), new DeregisterTaskDefinition(Context(10), 1));

        var deregistered = Assert.IsType<TaskDefinitionDeregistered>(Assert.Single(events));
        Assert.Equal("deregistered revision 1 of family web", deregistered.Metadata.Reason);
        Assert.Equal(TaskDefinitionStatus.INACTIVE, state.FindRevision(1)!.Status);
        Assert.Equal(Now.AddMinutes(10), state.FindRevision(1)!.DeregisteredAt);
        Assert.Equal(TaskDefinitionStatus.ACTIVE, state.FindRevision(2)!.Status);

        var again = TaskDefinitionFamily.Decide(state, new DeregisterTaskDefinition(Context(11), 1));
        Assert.True(again.IsAccepted);
        Assert.Empty(again.Events);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Commands_on_an_unknown_revision_are_refused_as_ecs_does(int revision)
    {
        var state = Registered(2);
        ITaskDefinitionFamilyCommand[] commands =
        [
            new DeregisterTaskDefinition(Context(), revision),
            new DeleteTaskDefinition(Context(), revision),
            new TagTaskDefinition(Context(), revision, [new Tag("a", "b")]),
            new UntagTaskDefinition(Context(), revision, ["a"]),
        ];
        foreach (var command in commands)
            Assert.Equal(new DomainError(ErrorCodes.Client, "Unable to describe task definition."), Refusal(state, command));
    }

    [Fact]
    public void Deleting_an_active_revision_is_refused_with_ecs_reason()
    {
        var error = Refusal(Registered(1), new DeleteTaskDefinition(Context(), 1));
        Assert.Equal(ErrorCodes.Client, error.Code);
        Assert.Equal(TaskDefinitionFamily.DeleteActiveMessage, error.Message);
    }

    [Fact]
    public void Deleting_an_inactive_revision_marks_it_delete_in_progress_once()
    {
        var state = Run(Registered(1), new DeregisterTaskDefinition(Context(1), 1)).State;
        var (deleted, events) = Run(state, new DeleteTaskDefinition(Context(2), 1));

        Assert.IsType<TaskDefinitionDeleteRequested>(Assert.Single(events));
        Assert.Equal(TaskDefinitionStatus.DELETE_IN_PROGRESS, deleted.FindRevision(1)!.Status);
        Assert.Equal(Now.AddMinutes(2), deleted.FindRevision(1)!.DeleteRequestedAt);
        Assert.Empty(Run(deleted, new DeleteTaskDefinition(Context(3), 1)).Events);
        Assert.Empty(Run(deleted, new DeregisterTaskDefinition(Context(3), 1)).Events);
    }

    [Fact]
    public void Revision_numbers_are_never_reused_after_deletion()
    {
        var state = Run(Registered(2), new DeregisterTaskDefinition(Context(), 2)).State;
        state = Run(state, new DeleteTaskDefinition(Context(), 2)).State;
        state = Run(state, new RegisterTaskDefinition(Context(), Spec(), null)).State;

        Assert.Equal([1, 2, 3], state.Revisions.Select(r => r.Revision));
    }

    [Fact]
    public void The_family_alone_resolves_to_the_latest_active_revision()
    {
        var state = Registered(3);
        Assert.Equal(3, state.LatestActive()?.Revision);

        state = Run(state, new DeregisterTaskDefinition(Context(), 3)).State;
        Assert.Equal(2, state.LatestActive()?.Revision);

        state = Run(Run(state, new DeregisterTaskDefinition(Context(), 2)).State, new DeregisterTaskDefinition(Context(), 1)).State;
        Assert.Null(state.LatestActive());
        Assert.Null(Empty.LatestActive());
    }

    [Fact]
    public void Tagging_merges_by_key_and_untagging_removes_only_present_keys()
    {
        var state = Run(Empty, new RegisterTaskDefinition(Context(), Spec(), [new Tag("team", "web")])).State;

        var (tagged, tagEvents) = Run(state, new TagTaskDefinition(Context(1), 1, [new Tag("team", "api"), new Tag("env", "prod")]));
        Assert.Equal([new Tag("team", "api"), new Tag("env", "prod")], tagged.FindRevision(1)!.Tags);
        Assert.Equal("tagged revision 1 of family web with team, env", Assert.Single(tagEvents).Metadata.Reason);

        var (untagged, untagEvents) = Run(tagged, new UntagTaskDefinition(Context(2), 1, ["team", "missing"]));
        Assert.Equal([new Tag("env", "prod")], untagged.FindRevision(1)!.Tags);
        Assert.Equal(["team"], Assert.IsType<TaskDefinitionUntagged>(Assert.Single(untagEvents)).TagKeys);

        Assert.Empty(Run(untagged, new UntagTaskDefinition(Context(3), 1, ["missing"])).Events);
        Assert.Empty(Run(untagged, new TagTaskDefinition(Context(3), 1, [new Tag("env", "prod")])).Events);
    }

    [Fact]
    public void Tagging_refuses_invalid_tags_and_the_51st_tag()
    {
        var fifty = Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v")).ToImmutableList();
        var state = Run(Empty, new RegisterTaskDefinition(Context(), Spec(), fifty)).State;

        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTaskDefinition(Context(), 1, [new Tag("k50", "v")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTaskDefinition(Context(), 1, [new Tag("aws:k", "v")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagTaskDefinition(Context(), 1, [])).Code);
    }

    [Fact]
    public void Replaying_the_events_of_every_decision_rebuilds_the_same_state()
    {
        // The journal holds events only: applying them to an empty state must give what the live entity had.
        ITaskDefinitionFamilyCommand[] commands =
        [
            new RegisterTaskDefinition(Context(0), Spec(), [new Tag("a", "1")]),
            new RegisterTaskDefinition(Context(1), FargateSpec() with { Family = "web" }, null),
            new TagTaskDefinition(Context(2), 2, [new Tag("b", "2")]),
            new DeregisterTaskDefinition(Context(3), 1),
            new DeregisterTaskDefinition(Context(4), 1),
            new DeleteTaskDefinition(Context(5), 1),
            new UntagTaskDefinition(Context(6), 2, ["b"]),
            new RegisterTaskDefinition(Context(7), Spec(), null),
        ];
        var live = Empty;
        var journal = new List<ITaskDefinitionFamilyEvent>();
        foreach (var command in commands)
        {
            var (next, events) = Run(live, command);
            live = next;
            journal.AddRange(events);
        }

        var replayed = journal.Aggregate(TaskDefinitionFamily.Empty("web"), TaskDefinitionFamily.Apply);

        Assert.Equal(live.NextRevision, replayed.NextRevision);
        Assert.Equal(4, replayed.NextRevision);
        // Records holding lists compare lists by reference, so states are compared as the JSON they persist as.
        Assert.Equal(TaskDefinitionJson.Serialize(live), TaskDefinitionJson.Serialize(replayed));
        Assert.Equal(
            [TaskDefinitionStatus.DELETE_IN_PROGRESS, TaskDefinitionStatus.ACTIVE, TaskDefinitionStatus.ACTIVE],
            replayed.Revisions.Select(r => r.Status));
    }
}
