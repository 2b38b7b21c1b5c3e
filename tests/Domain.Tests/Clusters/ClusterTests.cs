using Actors.Domain.Clusters;
using Actors.Domain.Common;

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
        Assert.Equal(ErrorCodes.ClusterContainsServices, Refusal(After("web", Create()) with { ActiveServicesCount = 1 }, new DeleteCluster(Given.Context()))?.Code);

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

public class ClusterTaskLocationTests
{
    [Fact]
    public void Task_locations_are_recorded_and_overwritten_by_task_id()
    {
        var state = Given.After<Cluster, ClusterState, IClusterCommand, IClusterEvent>("web",
            new CreateCluster(Given.Context(), [], [], null, null, []),
            new RecordTaskLocations(Given.Context(1), [new TaskLocation("t1", "i1"), new TaskLocation("t2", "i2")]),
            new RecordTaskLocations(Given.Context(2), [new TaskLocation("t2", "i3")]));
        Assert.Equal("i1", state.TaskLocations["t1"]);
        Assert.Equal("i3", state.TaskLocations["t2"]);
    }

    [Fact]
    public void A_missing_cluster_records_no_locations() =>
        Assert.Equal(ErrorCodes.ClusterNotFound,
            Cluster.Decide(Cluster.Empty("web"), new RecordTaskLocations(Given.Context(), [new TaskLocation("t1", "i1")])).Error?.Code);
}

public class ClusterClientTokenTests
{
    private static ClusterState Created() => Given.After<Cluster, ClusterState, IClusterCommand, IClusterEvent>("web",
        new CreateCluster(Given.Context(), [], [], null, null, []));

    [Fact]
    public void The_first_request_owns_a_client_token_and_its_retries_add_to_it()
    {
        var first = Given.Context(1);
        var state = new[]
        {
            new RecordTaskLocations(first, [new TaskLocation("t1", "i1")], "token", "digest"),
            new RecordTaskLocations(first, [new TaskLocation("t2", "i2")], "token", "digest"),
        }.Aggregate(Created(), (s, c) => Cluster.Decide(s, c).Events.Aggregate(s, Cluster.Apply));
        var use = state.ClientTokens["token"];
        Assert.Equal((first.RequestId, "digest"), (use.RequestId, use.RequestFingerprint));
        Assert.Equal(["t1", "t2"], use.TaskIds);
    }

    [Fact]
    public void Another_request_with_a_used_token_records_nothing()
    {
        var state = Cluster.Decide(Created(), new RecordTaskLocations(Given.Context(1), [new TaskLocation("t1", "i1")], "token", "digest")).Events
            .Aggregate(Created(), Cluster.Apply);
        var replay = Cluster.Decide(state, new RecordTaskLocations(Given.Context(2), [new TaskLocation("t9", "i1")], "token", "digest"));
        Assert.True(replay.IsAccepted);
        Assert.Empty(replay.Events);
    }
}
