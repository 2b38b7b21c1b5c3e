using System.Collections.Immutable;
using System.Text.Json;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Actions;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Protocol;
using Actors.Nodes.Services;
using Xunit;

namespace Actors.Hosting.Tests.Gateway;

public sealed class ServiceShapeTests
{
    private static readonly AccountScope Account = new("eu-west-1", "123456789012");
    private static readonly ServiceRevision Web1 = new("web", 1, false, [PlacementConstraint.Distinct], []);
    private static readonly ServiceRevision Web2 = new("web", 2, false, [], [new PlacementStrategy("binpack", "memory")]);

    private static RequestContext At(int second) =>
        new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero).AddSeconds(second), $"req-{second}", "AKIATEST");

    private static ServiceState Run(ServiceState state, IServiceCommand command)
    {
        var decision = Service.Decide(state, command);
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        return decision.Events.Aggregate(state, Service.Apply);
    }

    private static ServiceState Created(int desired = 3, SchedulingStrategy strategy = SchedulingStrategy.REPLICA, bool breaker = false) =>
        Run(Service.Empty("prod/web"), new CreateService(At(0), strategy, strategy == SchedulingStrategy.DAEMON ? null : desired,
            strategy == SchedulingStrategy.DAEMON ? Web1 with { Constraints = [] } : Web1,
            breaker ? new DeploymentSettingsRequest(null, null, true, true) : null, 30, [new Tag("team", "a")], true, "SERVICE", false, null,
            null, null));

    /// <summary>The second at which tasks started at second 0 count healthy.</summary>
    private static readonly int HealthyAt = (int)ServiceSchedulerSettings.Default.MinimumHealthyTime.TotalSeconds;

    private static ObservedTask Running(string id, string deploymentId) =>
        new(id, deploymentId, "i1", TaskLifecycleStatus.RUNNING, TaskLifecycleStatus.RUNNING, "UNKNOWN", At(0).At, null);

    private static ObservedTask FailedToStart(string id, string deploymentId) =>
        new(id, deploymentId, "i1", TaskLifecycleStatus.STOPPED, TaskLifecycleStatus.STOPPED, "UNKNOWN", null, TaskStopCode.TaskFailedToStart);

    private static ServiceRevisionSummaryShape Summary(string deploymentId) => ServiceShape.RevisionSummary(null, "prod", "web", deploymentId, Account);

    private static ServiceState Reconciled(ServiceState state, int second, params ObservedTask[] tasks) =>
        Run(state, new ReconcileService(At(second), new ServiceObservation([.. tasks], [new ObservedInstance("i1", true, false, "a")]), ServiceSchedulerSettings.Default));

    /// <summary>The entity's own view of the service, observing the given tasks per deployment on as many eligible instances.</summary>
    private static ServiceView View(ServiceState state, int instances, params (string Id, int Running, int Pending)[] counts)
    {
        var tasks = counts.SelectMany(c => Enumerable.Range(0, c.Running + c.Pending).Select(i => Running($"{c.Id}-{i}", c.Id) with
        {
            LastStatus = i < c.Running ? TaskLifecycleStatus.RUNNING : TaskLifecycleStatus.PENDING,
        }));
        var eligible = Enumerable.Range(0, instances).Select(i => new ObservedInstance($"i{i}", true, false, "a"));
        return ServiceEntity.ViewOf(state, new ServiceObservation([.. tasks], [.. eligible]));
    }

    [Fact]
    public void A_service_names_itself_its_cluster_and_its_primary_by_arn()
    {
        var state = Created();
        var primary = state.Primary!;

        var shape = ServiceShape.From(View(state, 1, (primary.Id, 1, 2)), Account, includeTags: true);

        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:service/prod/web", shape.ServiceArn);
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:cluster/prod", shape.ClusterArn);
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1", shape.TaskDefinition);
        Assert.Equal($"arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/{primary.Id["ecs-svc/".Length..]}", shape.CurrentServiceDeployment);
        var revision = Assert.Single(shape.CurrentServiceRevisions);
        Assert.Equal($"arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/web/{primary.Id["ecs-svc/".Length..]}", revision.Arn);
        Assert.Equal((3, 1, 2), (revision.RequestedTaskCount, revision.RunningTaskCount, revision.PendingTaskCount));
        Assert.Equal((3, 1, 2), (shape.DesiredCount, shape.RunningCount, shape.PendingCount));
        Assert.Equal(("ACTIVE", "REPLICA", "EC2"), (shape.Status, shape.SchedulingStrategy, shape.LaunchType));
        Assert.Equal([PlacementConstraint.Distinct], shape.PlacementConstraints);
        Assert.Equal("arn:aws:iam::123456789012:user/AKIATEST", shape.CreatedBy);
        Assert.Equal(("SERVICE", true, 30), (shape.PropagateTags, shape.EnableECSManagedTags, shape.HealthCheckGracePeriodSeconds));
        Assert.Equal([new Tag("team", "a")], shape.Tags);
    }

    [Fact]
    public void Tags_are_answered_only_when_asked_for()
    {
        var state = Created();

        Assert.Null(ServiceShape.From(View(state, 1), Account, includeTags: false).Tags);
    }

    [Fact]
    public void Deployments_are_newest_first_and_an_old_one_wants_what_it_still_runs()
    {
        var created = Created();
        var old = created.Primary!;
        var state = Run(created, new UpdateService(At(10), null, Web2, false, null, null, null, null, null, null));
        var primary = state.Primary!;

        var shape = ServiceShape.From(View(state, 1, (primary.Id, 1, 1), (old.Id, 2, 0)), Account, includeTags: false);

        Assert.Equal([primary.Id, old.Id], shape.Deployments.Select(d => d.Id));
        var (newest, oldest) = (shape.Deployments[0], shape.Deployments[1]);
        Assert.Equal(("PRIMARY", 3, 1, 1, "IN_PROGRESS"), (newest.Status, newest.DesiredCount, newest.RunningCount, newest.PendingCount, newest.RolloutState));
        Assert.Equal(("ACTIVE", 2, 2, 0), (oldest.Status, oldest.DesiredCount, oldest.RunningCount, oldest.PendingCount));
        Assert.EndsWith("task-definition/web:2", newest.TaskDefinition);
        Assert.EndsWith("task-definition/web:1", oldest.TaskDefinition);
        Assert.Equal([new PlacementStrategy("binpack", "memory")], shape.PlacementStrategy);
        Assert.Empty(shape.PlacementConstraints);
    }

    [Fact]
    public void A_daemon_wants_as_many_tasks_as_it_has_eligible_instances()
    {
        var state = Created(strategy: SchedulingStrategy.DAEMON);

        var shape = ServiceShape.From(View(state, 4, (state.Primary!.Id, 4, 0)), Account, includeTags: false);

        Assert.Equal(("DAEMON", 4, 4), (shape.SchedulingStrategy, shape.DesiredCount, shape.Deployments.Single().DesiredCount));
        Assert.Equal((0, 100), (shape.DeploymentConfiguration.MinimumHealthyPercent, shape.DeploymentConfiguration.MaximumPercent));
    }

    [Fact]
    public void The_wire_form_has_ecs_member_names_and_epoch_seconds_and_events_newest_first()
    {
        var state = Created();
        var id = state.Primary!.Id;
        state = Reconciled(state, HealthyAt, Running("t1", id), Running("t2", id), Running("t3", id));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(ServiceShape.From(View(state, 1, (id, 3, 0)), Account, includeTags: false),
            WireJson.Options));
        var root = json.RootElement;

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), root.GetProperty("createdAt").GetDouble());
        Assert.True(root.GetProperty("enableECSManagedTags").GetBoolean());
        Assert.Equal("ECS", root.GetProperty("deploymentController").GetProperty("type").GetString());
        Assert.Equal("ROLLING", root.GetProperty("deploymentConfiguration").GetProperty("strategy").GetString());
        Assert.False(root.TryGetProperty("tags", out _));
        var events = root.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Equal("(service web) has reached a steady state.", events[0]);
        Assert.Equal($"(service web) (deployment {id}) deployment completed.", events[1]);
        Assert.Equal("COMPLETED", root.GetProperty("deployments")[0].GetProperty("rolloutState").GetString());
    }

    [Fact]
    public void A_deployment_the_breaker_rolled_back_tells_why_and_where_it_went()
    {
        var state = Created(breaker: true);
        var first = state.Primary!.Id;
        state = Reconciled(state, HealthyAt, Running("t1", first), Running("t2", first), Running("t3", first));
        state = Run(state, new UpdateService(At(HealthyAt + 5), null, Web2, false, null, null, null, null, null, null));
        var failing = state.Primary!.Id;
        state = Reconciled(state, HealthyAt + 10, Running("t1", first), Running("t2", first), Running("t3", first),
            FailedToStart("f1", failing), FailedToStart("f2", failing), FailedToStart("f3", failing));
        var rollback = state.Primary!;
        Assert.Equal(failing, rollback.RollbackOf);

        var deployment = ServiceDeploymentShape.From("prod", "web", state.Deployment(failing)!, rollback,
            Summary, Account);

        Assert.Equal("ROLLBACK_IN_PROGRESS", deployment.Status);
        Assert.Equal(("TRIGGERED", 3, 3), (deployment.DeploymentCircuitBreaker.Status, deployment.DeploymentCircuitBreaker.FailureCount,
            deployment.DeploymentCircuitBreaker.Threshold));
        Assert.NotNull(deployment.Rollback);
        Assert.Equal(Account.ServiceRevisionArn("prod", "web", rollback.Id), deployment.Rollback!.ServiceRevisionArn);
        Assert.Equal(rollback.CreatedAt, deployment.Rollback.StartedAt);
        Assert.Contains("circuit breaker", deployment.Rollback.Reason);
        Assert.Equal([Account.ServiceRevisionArn("prod", "web", first)], deployment.SourceServiceRevisions.Select(r => r.Arn));
        Assert.Equal(Account.ServiceRevisionArn("prod", "web", failing), deployment.TargetServiceRevision.Arn);
        Assert.Null(deployment.TargetServiceRevision.RunningTaskCount);
    }

    [Fact]
    public void A_completed_deployment_has_finished_and_its_breaker_monitored_to_the_end()
    {
        var state = Created(breaker: true);
        var id = state.Primary!.Id;
        var monitoring = ServiceDeploymentShape.From("prod", "web", state.Primary!, null, Summary, Account);
        state = Reconciled(state, HealthyAt, Running("t1", id), Running("t2", id), Running("t3", id));

        var done = ServiceDeploymentShape.From("prod", "web", state.Primary!, null, Summary, Account);

        Assert.Equal(("IN_PROGRESS", "MONITORING", null), (monitoring.Status, monitoring.DeploymentCircuitBreaker.Status, monitoring.FinishedAt));
        Assert.Equal(("SUCCESSFUL", "MONITORING_COMPLETE"), (done.Status, done.DeploymentCircuitBreaker.Status));
        Assert.Equal(At(HealthyAt).At, done.FinishedAt);
        Assert.Null(done.StoppedAt);
        Assert.Null(done.Rollback);
    }

    [Fact]
    public void A_superseded_deployment_has_stopped_rather_than_finished()
    {
        var state = Created();
        var first = state.Primary!.Id;
        state = Run(state, new UpdateService(At(10), null, Web2, false, null, null, null, null, null, null));

        var stopped = ServiceDeploymentShape.From("prod", "web", state.Deployment(first)!, null,
            Summary, Account);

        Assert.Equal(("STOPPED", "DISABLED"), (stopped.Status, stopped.DeploymentCircuitBreaker.Status));
        Assert.Equal(At(10).At, stopped.StoppedAt);
        Assert.Null(stopped.FinishedAt);
    }

    [Theory]
    [InlineData("web", "prod", "web")]
    [InlineData("arn:aws:ecs:eu-west-1:123456789012:service/prod/web", "prod", "web")]
    [InlineData("arn:aws:ecs:eu-west-1:123456789012:service/web", "prod", "web")]
    [InlineData("arn:aws:ecs:eu-west-1:123456789012:service/other/web", "prod", null)]
    [InlineData("arn:aws:ecs:eu-west-1:123456789012:cluster/web", "prod", null)]
    [InlineData("we/b", "prod", null)]
    [InlineData("", "prod", null)]
    public void A_service_is_named_by_name_or_by_an_arn_of_its_cluster(string given, string cluster, string? name) =>
        Assert.Equal(name, ServiceActions.ServiceNameOf(given, cluster));

    [Theory]
    [InlineData("""{"serviceName":"web","placementConstraints":[null]}""", "placementConstraints[0] must not be null.")]
    [InlineData("""{"serviceName":"web","placementStrategy":[{"field":"memory"}]}""", "placementStrategy[0].type is required.")]
    [InlineData("""{"serviceName":"web","tags":[{"value":"v"}]}""", "tags[0].key is required.")]
    public void Create_service_requests_are_held_to_their_shape(string json, string message)
    {
        var error = Assert.Throws<Actors.Hosting.Gateway.EcsError>(() =>
            Actors.Hosting.Gateway.ActionTable.Read<CreateServiceRequest>(System.Text.Encoding.UTF8.GetBytes(json)));
        Assert.Equal(("InvalidParameterException", message), (error.Code, error.Message));
    }
}
