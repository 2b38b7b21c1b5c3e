using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;

namespace Actors.Domain.Tests.Clusters;

public class ClusterTests
{
    private static CreateCluster Create(IReadOnlyList<Tag>? tags = null, IReadOnlyList<ClusterSetting>? settings = null, IReadOnlyList<string>? capacityProviders = null) =>
        new(Given.Context(), tags ?? [], settings ?? [], null, null, capacityProviders ?? []);

    private static ClusterState After(string name, params IClusterCommand[] commands) =>
        Given.After<Cluster, ClusterState, IClusterCommand, IClusterEvent>(name, commands);

    private static DomainError? Refusal(ClusterState state, IClusterCommand command) => Cluster.Decide(state, command).Error;

    [Fact]
    public void Create_makes_an_active_cluster_with_default_settings_and_the_request_in_its_metadata()
    {
        var decision = Cluster.Decide(Cluster.Empty("web"), Create([new Tag("env", "prod")]));
        var created = Assert.IsType<ClusterCreated>(Assert.Single(decision.Events));
        Assert.Equal("req-0", created.Metadata.RequestId);
        Assert.Equal("AKIATEST", created.Metadata.Principal);
        Assert.Equal("created cluster web", created.Metadata.Reason);

        var state = Cluster.Apply(Cluster.Empty("web"), created);
        Assert.Equal(ClusterStatus.ACTIVE, state.Status);
        Assert.Equal([new ClusterSetting("containerInsights", "disabled")], state.Settings);
        Assert.Equal([new Tag("env", "prod")], state.Tags);
    }

    [Fact]
    public void Create_is_idempotent_for_an_active_cluster()
    {
        var state = After("web", Create());
        var again = Cluster.Decide(state, Create());
        Assert.True(again.IsAccepted);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void Create_revives_a_deleted_cluster_without_its_old_members_or_tags()
    {
        var state = After("web", Create([new Tag("a", "1")]), new DeleteCluster(Given.Context()), Create());
        Assert.Equal(ClusterStatus.ACTIVE, state.Status);
        Assert.Empty(state.Tags);
    }

    [Theory]
    [InlineData("bad name", ErrorCodes.InvalidParameter)]
    [InlineData("dots.are.not.allowed", ErrorCodes.InvalidParameter)]
    [InlineData("ok_name-1", null)]
    public void Create_checks_the_name(string name, string? expected) =>
        Assert.Equal(expected, Refusal(Cluster.Empty(name), Create())?.Code);

    [Fact]
    public void A_name_of_256_characters_is_refused() =>
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Cluster.Empty(new string('a', 256)), Create())?.Code);

    [Theory]
    [InlineData("containerInsights", "enabled", null)]
    [InlineData("containerInsights", "enhanced", null)]
    [InlineData("containerInsights", "on", ErrorCodes.InvalidParameter)]
    [InlineData("somethingElse", "enabled", ErrorCodes.InvalidParameter)]
    public void Settings_are_checked_on_create_and_update(string name, string value, string? expected)
    {
        Assert.Equal(expected, Refusal(Cluster.Empty("web"), Create(settings: [new ClusterSetting(name, value)]))?.Code);
        Assert.Equal(expected, Refusal(After("web", Create()), new UpdateClusterSettings(Given.Context(), [new ClusterSetting(name, value)]))?.Code);
    }

    [Fact]
    public void Capacity_providers_are_refused_with_a_clear_message()
    {
        var error = Refusal(Cluster.Empty("web"), Create(capacityProviders: ["FARGATE"]));
        Assert.Equal(ErrorCodes.InvalidParameter, error?.Code);
        Assert.Contains("FARGATE", error!.Message);
    }

    [Fact]
    public void Update_settings_changes_only_what_differs()
    {
        var state = After("web", Create(), new UpdateClusterSettings(Given.Context(1), [new ClusterSetting("containerInsights", "enabled")]));
        Assert.Equal([new ClusterSetting("containerInsights", "enabled")], state.Settings);
        Assert.Empty(Cluster.Decide(state, new UpdateClusterSettings(Given.Context(2), [new ClusterSetting("containerInsights", "enabled")])).Events);
    }

    [Fact]
    public void Update_records_configuration_and_service_connect_defaults()
    {
        var configuration = new ClusterConfiguration { ExecuteCommandConfiguration = new ExecuteCommandConfiguration { Logging = "DEFAULT" } };
        var state = After("web", Create(), new UpdateCluster(Given.Context(1), null, configuration, new ServiceConnectDefaults("ns")));
        Assert.Equal(configuration, state.Configuration);
        Assert.Equal(new ServiceConnectDefaults("ns"), state.ServiceConnectDefaults);
    }

    [Fact]
    public void Commands_on_a_missing_or_deleted_cluster_say_cluster_not_found()
    {
        IClusterCommand[] commands =
        [
            new UpdateClusterSettings(Given.Context(), []), new UpdateCluster(Given.Context(), null, null, null), new DeleteCluster(Given.Context()),
            new TagCluster(Given.Context(), [new Tag("a", "b")]), new UntagCluster(Given.Context(), ["a"]),
            new AdmitContainerInstance(Given.Context(), "0123", 10),
        ];
        var deleted = After("web", Create(), new DeleteCluster(Given.Context()));
        foreach (var command in commands)
        {
            Assert.Equal(ErrorCodes.ClusterNotFound, Refusal(Cluster.Empty("web"), command)?.Code);
            Assert.Equal(ErrorCodes.ClusterNotFound, Refusal(deleted, command)?.Code);
        }
        Assert.Equal(ClusterStatus.INACTIVE, deleted.Status);
    }

    [Fact]
    public void Delete_is_refused_while_instances_or_services_remain()
    {
        var withInstance = After("web", Create(), new AdmitContainerInstance(Given.Context(), "i1", 10));
        Assert.Equal(ErrorCodes.ClusterContainsContainerInstances, Refusal(withInstance, new DeleteCluster(Given.Context()))?.Code);
        Assert.Equal(ErrorCodes.ClusterContainsServices, Refusal(After("web", Create()) with { Services = ImmutableSortedDictionary.Create<string, Actors.Domain.Services.SchedulingStrategy>().Add("web", Actors.Domain.Services.SchedulingStrategy.REPLICA) }, new DeleteCluster(Given.Context()))?.Code);

        var released = After("web", Create(), new AdmitContainerInstance(Given.Context(), "i1", 10), new ReleaseContainerInstance(Given.Context(), "i1"),
            new DeleteCluster(Given.Context()));
        Assert.Equal(ClusterStatus.INACTIVE, released.Status);
    }

    [Fact]
    public void Admission_is_idempotent_and_bounded_by_the_quota()
    {
        var state = After("web", Create(), new AdmitContainerInstance(Given.Context(), "i1", 2), new AdmitContainerInstance(Given.Context(), "i1", 2),
            new AdmitContainerInstance(Given.Context(), "i2", 2));
        Assert.Equal(["i1", "i2"], state.ContainerInstanceIds);
        Assert.Equal(ErrorCodes.LimitExceeded, Refusal(state, new AdmitContainerInstance(Given.Context(), "i3", 2))?.Code);
        Assert.Empty(Cluster.Decide(state, new ReleaseContainerInstance(Given.Context(), "unknown")).Events);
    }

    [Fact]
    public void Tags_are_merged_removed_and_limited()
    {
        var state = After("web", Create([new Tag("a", "1")]), new TagCluster(Given.Context(), [new Tag("a", "2"), new Tag("b", "3")]),
            new UntagCluster(Given.Context(), ["b"]));
        Assert.Equal([new Tag("a", "2")], state.Tags);
        var tooMany = Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v")).ToList();
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(state, new TagCluster(Given.Context(), tooMany))?.Code);
    }
}

public class ClusterLaunchTests
{
    private static readonly Actors.Domain.TaskDefinitions.TaskDefinitionRevision Revision = Actors.Domain.TaskDefinitions.TaskDefinitionRevision.Register(
        new Actors.Domain.TaskDefinitions.TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new Actors.Domain.TaskDefinitions.ContainerDefinition { Name = "web", Image = "busybox", Memory = 64 }],
        }, 1, null, Given.Context());

    private static readonly LaunchSpec Spec = new(Revision, null, "family:web", null, [], Actors.Domain.ContainerInstances.ResourceDemand.Of(memory: 64), [], [], false);

    private static ClusterState Created() => Given.After<Cluster, ClusterState, IClusterCommand, IClusterEvent>("web",
        new CreateCluster(Given.Context(), [], [], null, null, []));

    private static PlannedTask Task(string id, string instance) => new(id, instance, Actors.Domain.Tasks.PlacementRecord.ChosenByCaller(instance));

    private static ClusterState Run(ClusterState state, IClusterCommand command)
    {
        var decision = Cluster.Decide(state, command);
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        return decision.Events.Aggregate(state, Cluster.Apply);
    }

    private static PlanLaunch Plan(string launchId, string? token = null, string fingerprint = "digest", params PlannedTask[] tasks) =>
        new(Given.Context(1), launchId, token, token is null ? null : fingerprint, Spec, [.. tasks], [new LaunchFailure("i9", "AGENT", null)]);

    [Fact]
    public void A_planned_launch_is_pending_until_every_task_is_confirmed_and_its_token_then_holds_the_outcome()
    {
        var planned = Run(Created(), Plan("l1", "token", "digest", Task("t1", "i1"), Task("t2", "i2")));
        Assert.True(planned.Launches.ContainsKey("l1"));
        Assert.Null(planned.ClientTokens["token"].Outcome);

        var half = Run(planned, new ConfirmLaunchTasks(Given.Context(2), "l1", [new TaskLocation("t1", "i1"), new TaskLocation("t2", "elsewhere")]));
        Assert.Equal(["t2"], half.Launches["l1"].Unconfirmed().Select(t => t.TaskId));
        var completed = Run(half, new ConfirmLaunchTasks(Given.Context(2), "l1", [new TaskLocation("t2", "i2")]));
        Assert.Empty(completed.Launches);
        var outcome = completed.ClientTokens["token"].Outcome!;
        Assert.Equal(["t1", "t2"], outcome.Tasks.Select(t => t.TaskId));
        Assert.Equal("AGENT", Assert.Single(outcome.Failures).Reason);
    }

    [Fact]
    public void A_used_token_with_another_request_is_a_conflict_and_with_the_same_one_records_nothing()
    {
        var planned = Run(Created(), Plan("l1", "token", "digest", Task("t1", "i1")));
        Assert.Equal(ErrorCodes.Conflict, Cluster.Decide(planned, Plan("l2", "token", "other", Task("t9", "i1"))).Error?.Code);
        var same = Cluster.Decide(planned, Plan("l2", "token", "digest", Task("t9", "i1")));
        Assert.True(same.IsAccepted);
        Assert.Empty(same.Events);
    }

    [Fact]
    public void A_refused_task_moves_to_its_replacement_or_becomes_a_failure()
    {
        var planned = Run(Created(), Plan("l1", null, "", Task("t1", "i1"), Task("t2", "i2")));
        var moved = Run(planned, new ReplanLaunchTask(Given.Context(2), "l1", "t1", "i1", Task("t1", "i3"), null));
        Assert.Empty(Cluster.Decide(moved, new ReplanLaunchTask(Given.Context(2), "l1", "t1", "i1", Task("t1", "i2"), null)).Events);
        Assert.Equal("i3", moved.Launches["l1"].Tasks.Single(t => t.TaskId == "t1").ContainerInstanceId);
        Assert.Equal(2, moved.Launches["l1"].Attempts["t1"]);

        var failed = Run(moved, new ReplanLaunchTask(Given.Context(3), "l1", "t2", "i2", null, new LaunchFailure("i2", "RESOURCE:MEMORY", null)));
        Assert.Equal(["t1"], failed.Launches["l1"].Tasks.Select(t => t.TaskId));
        Assert.Contains(failed.Launches["l1"].Failures, f => f.Reason == "RESOURCE:MEMORY");
        Assert.Equal(ErrorCodes.InvalidParameter,
            Cluster.Decide(failed, new ReplanLaunchTask(Given.Context(4), "l1", "t1", "i3", null, null)).Error?.Code);
    }

    [Fact]
    public void A_missing_cluster_plans_nothing() =>
        Assert.Equal(ErrorCodes.ClusterNotFound, Cluster.Decide(Cluster.Empty("web"), Plan("l1", null, "", Task("t1", "i1"))).Error?.Code);

    [Fact]
    public void Only_tokens_of_completed_launches_older_than_the_cut_are_forgotten()
    {
        var state = Run(Run(Created(), Plan("old", "a", "d", Task("t1", "i1"))), new ConfirmLaunchTasks(Given.Context(2), "old", [new TaskLocation("t1", "i1")]));
        state = Run(state, Plan("pending", "b", "d", Task("t2", "i1")));
        var forgotten = Run(state, new ForgetClientTokens(Given.Context(3), Given.Context(9).At));
        Assert.Equal(["b"], forgotten.ClientTokens.Keys);
        Assert.Empty(Cluster.Decide(forgotten, new ForgetClientTokens(Given.Context(3), Given.Context(9).At)).Events);
    }

    [Fact]
    public void Events_of_builds_that_recorded_task_locations_still_replay_and_change_nothing()
    {
        var state = Created();
        Assert.Equal(state, Cluster.Apply(state, new TaskLocationsRecorded(Given.Context(1).Because("old"), [new TaskLocation("t1", "i1")])));
    }
}
