using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Nodes.Services;

namespace Actors.Hosting.Gateway.Shapes;

public sealed record DeploymentCircuitBreakerShape(bool Enable, bool Rollback);

/// <summary>ECS's <c>deploymentConfiguration</c> as answered: Actors deploys ROLLING only.</summary>
public sealed record DeploymentConfigurationShape(
    DeploymentCircuitBreakerShape DeploymentCircuitBreaker, int MaximumPercent, int MinimumHealthyPercent, string Strategy)
{
    public static DeploymentConfigurationShape From(DeploymentSettings settings) => new(
        new DeploymentCircuitBreakerShape(settings.CircuitBreakerEnabled, settings.Rollback),
        settings.MaximumPercent, settings.MinimumHealthyPercent, "ROLLING");
}

public sealed record DeploymentControllerShape(string Type);

public sealed record ServiceEventShape(string Id, DateTimeOffset CreatedAt, string Message);

/// <summary>ECS's <c>ServiceRevisionSummary</c>; the counts only while the revision's deployment is current.</summary>
public sealed record ServiceRevisionSummaryShape(string Arn, int? RequestedTaskCount, int? RunningTaskCount, int? PendingTaskCount);

/// <summary>ECS's <c>Deployment</c>: one of a service's current deployments, with its tasks as last observed.</summary>
public sealed record DeploymentShape
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required string TaskDefinition { get; init; }
    public int DesiredCount { get; init; }
    public int PendingCount { get; init; }
    public int RunningCount { get; init; }
    public int FailedTasks { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public required string LaunchType { get; init; }
    public required string RolloutState { get; init; }
    public string? RolloutStateReason { get; init; }
}

/// <summary>ECS's <c>Service</c> shape: every member that applies to a service on Actors' container instances.</summary>
public sealed record ServiceShape
{
    public required string ServiceArn { get; init; }
    public required string ServiceName { get; init; }
    public required string ClusterArn { get; init; }
    public IReadOnlyList<object> LoadBalancers { get; init; } = [];
    public IReadOnlyList<object> ServiceRegistries { get; init; } = [];
    public required string Status { get; init; }
    public int DesiredCount { get; init; }
    public int RunningCount { get; init; }
    public int PendingCount { get; init; }
    public required string LaunchType { get; init; }
    public string? TaskDefinition { get; init; }
    public required DeploymentConfigurationShape DeploymentConfiguration { get; init; }
    public required IReadOnlyList<DeploymentShape> Deployments { get; init; }
    public required IReadOnlyList<ServiceEventShape> Events { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? CurrentServiceDeployment { get; init; }
    public required IReadOnlyList<ServiceRevisionSummaryShape> CurrentServiceRevisions { get; init; }
    public required IReadOnlyList<PlacementConstraint> PlacementConstraints { get; init; }
    public required IReadOnlyList<PlacementStrategy> PlacementStrategy { get; init; }
    public int? HealthCheckGracePeriodSeconds { get; init; }
    public required string SchedulingStrategy { get; init; }
    public DeploymentControllerShape DeploymentController { get; init; } = new("ECS");
    public IReadOnlyList<Tag>? Tags { get; init; }
    public string? CreatedBy { get; init; }
    public bool EnableECSManagedTags { get; init; }
    public string? PropagateTags { get; init; }
    public bool EnableExecuteCommand { get; init; }
    public string? AvailabilityZoneRebalancing { get; init; }

    /// <summary>
    /// The service as its entity last observed it. A DAEMON service's desiredCount is the number of instances eligible
    /// for its task (ECS counts them the same way); a deployment other than the PRIMARY wants what it still runs.
    /// </summary>
    public static ServiceShape From(ServiceView view, AccountScope account, bool includeTags)
    {
        var state = view.Service;
        var primary = state.Primary;
        var counts = (Deployment d) => view.Deployments.GetValueOrDefault(d.Id) ?? new DeploymentCounts(0, 0);
        return new ServiceShape
        {
            ServiceArn = account.ServiceArn(state.ClusterName, state.Name),
            ServiceName = state.Name,
            ClusterArn = account.ClusterArn(state.ClusterName),
            Status = state.Status!.Value.ToString(),
            DesiredCount = view.DesiredCount,
            RunningCount = view.RunningCount,
            PendingCount = view.PendingCount,
            LaunchType = state.LaunchType,
            TaskDefinition = primary is null ? null : TaskDefinitionArn(primary, account),
            DeploymentConfiguration = DeploymentConfigurationShape.From(state.Settings),
            Deployments = [.. state.CurrentDeployments.Select(d => new DeploymentShape
            {
                Id = d.Id,
                Status = d.Status.ToString(),
                TaskDefinition = TaskDefinitionArn(d, account),
                DesiredCount = Requested(view, d.Id),
                PendingCount = counts(d).Pending,
                RunningCount = counts(d).Running,
                FailedTasks = d.FailedTasks,
                CreatedAt = d.CreatedAt,
                UpdatedAt = d.UpdatedAt,
                LaunchType = state.LaunchType,
                RolloutState = d.RolloutState.ToString(),
                RolloutStateReason = d.RolloutStateReason,
            })],
            Events = [.. state.Messages.Select(m => new ServiceEventShape(m.Id, m.CreatedAt, m.Message))],
            CreatedAt = state.CreatedAt,
            CurrentServiceDeployment = primary is null ? null : account.ServiceDeploymentArn(state.ClusterName, state.Name, primary.Id),
            CurrentServiceRevisions = [.. state.CurrentDeployments.Select(d => RevisionSummary(view, state.ClusterName, state.Name, d.Id, account))],
            PlacementConstraints = primary?.Revision.Constraints ?? [],
            PlacementStrategy = primary?.Revision.Strategies ?? [],
            HealthCheckGracePeriodSeconds = state.HealthCheckGracePeriodSeconds,
            SchedulingStrategy = state.SchedulingStrategy.ToString(),
            Tags = includeTags ? state.Tags : null,
            CreatedBy = CreatorArn(state.CreatedBy, account),
            EnableECSManagedTags = state.EnableEcsManagedTags,
            PropagateTags = state.PropagateTags ?? "NONE",
            EnableExecuteCommand = state.EnableExecuteCommand,
            AvailabilityZoneRebalancing = state.AvailabilityZoneRebalancing ?? "DISABLED",
        };
    }

    /// <summary>The tasks a deployment wants: the service's desired count for the PRIMARY, what it still runs for the others.</summary>
    private static int Requested(ServiceView view, string deploymentId) =>
        deploymentId == view.Service.Primary?.Id ? view.DesiredCount
        : view.Deployments.GetValueOrDefault(deploymentId) is { } counts ? counts.Running + counts.Pending
        : 0;

    /// <summary>A deployment's revision, with its task counts while the deployment is current (<paramref name="view"/> shows it).</summary>
    public static ServiceRevisionSummaryShape RevisionSummary(ServiceView? view, string cluster, string service, string deploymentId, AccountScope account)
    {
        var arn = account.ServiceRevisionArn(cluster, service, deploymentId);
        return view?.Deployments.GetValueOrDefault(deploymentId) is { } counts
            ? new ServiceRevisionSummaryShape(arn, Requested(view, deploymentId), counts.Running, counts.Pending)
            : new ServiceRevisionSummaryShape(arn, null, null, null);
    }

    public static string TaskDefinitionArn(Deployment deployment, AccountScope account) =>
        account.TaskDefinitionArn(deployment.Revision.Family, deployment.Revision.Revision);

    /// <summary>ECS names the creator by an IAM ARN; Actors' principal is an access key id, named as an IAM user of the account.</summary>
    private static string? CreatorArn(string? principal, AccountScope account) => principal switch
    {
        null => null,
        _ when Arn.LooksLikeArn(principal) => principal,
        _ => $"arn:aws:iam::{account.AccountId}:user/{principal}",
    };
}

public sealed record ServiceDeploymentCircuitBreakerShape(string Status, int FailureCount, int Threshold);

public sealed record ServiceDeploymentAlarmsShape(string Status);

public sealed record RollbackShape(string? Reason, DateTimeOffset StartedAt, string ServiceRevisionArn);

/// <summary>ECS's <c>ServiceDeployment</c>: one deployment's story, from the service's history.</summary>
public sealed record ServiceDeploymentShape
{
    public required string ServiceDeploymentArn { get; init; }
    public required string ServiceArn { get; init; }
    public required string ClusterArn { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public required IReadOnlyList<ServiceRevisionSummaryShape> SourceServiceRevisions { get; init; }
    public required ServiceRevisionSummaryShape TargetServiceRevision { get; init; }
    public required string Status { get; init; }
    public string? StatusReason { get; init; }
    public required DeploymentConfigurationShape DeploymentConfiguration { get; init; }
    public RollbackShape? Rollback { get; init; }
    public required ServiceDeploymentCircuitBreakerShape DeploymentCircuitBreaker { get; init; }
    public ServiceDeploymentAlarmsShape Alarms { get; init; } = new("DISABLED");

    /// <param name="rollback">The deployment that rolled this one back, if any.</param>
    /// <param name="revision">The summary of a deployment's revision, by deployment id (with counts while it is current).</param>
    public static ServiceDeploymentShape From(string cluster, string service, Deployment deployment, Deployment? rollback,
        Func<string, ServiceRevisionSummaryShape> revision, AccountScope account)
    {
        var stopped = deployment.Lifecycle == ServiceDeploymentStatus.STOPPED;
        return new ServiceDeploymentShape
        {
            ServiceDeploymentArn = account.ServiceDeploymentArn(cluster, service, deployment.Id),
            ServiceArn = account.ServiceArn(cluster, service),
            ClusterArn = account.ClusterArn(cluster),
            CreatedAt = deployment.CreatedAt,
            StartedAt = deployment.CreatedAt,
            FinishedAt = stopped ? null : deployment.FinishedAt,
            StoppedAt = stopped ? deployment.FinishedAt : null,
            UpdatedAt = deployment.UpdatedAt,
            SourceServiceRevisions = [.. deployment.SourceDeploymentIds.Select(revision)],
            TargetServiceRevision = revision(deployment.Id),
            Status = deployment.Lifecycle.ToString(),
            StatusReason = deployment.StatusReason,
            DeploymentConfiguration = DeploymentConfigurationShape.From(deployment.Settings),
            Rollback = rollback is null ? null : new RollbackShape(deployment.StatusReason ?? deployment.RolloutStateReason, rollback.CreatedAt,
                account.ServiceRevisionArn(cluster, service, rollback.Id)),
            DeploymentCircuitBreaker = new ServiceDeploymentCircuitBreakerShape(BreakerStatus(deployment), deployment.FailedTasks,
                deployment.BreakerThreshold ?? 0),
        };
    }

    private static string BreakerStatus(Deployment deployment) =>
        !deployment.Settings.CircuitBreakerEnabled ? "DISABLED"
        : deployment.RolloutState == RolloutState.FAILED && deployment.FailedTasks >= deployment.BreakerThreshold ? "TRIGGERED"
        : deployment.FinishedAt is null && deployment.RolloutState == RolloutState.IN_PROGRESS ? "MONITORING"
        : "MONITORING_COMPLETE";
}

/// <summary>ECS's <c>ServiceDeploymentBrief</c>: a line of ListServiceDeployments.</summary>
public sealed record ServiceDeploymentBriefShape(
    string ServiceDeploymentArn, string ServiceArn, string ClusterArn, DateTimeOffset StartedAt, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt, string TargetServiceRevisionArn, string Status, string? StatusReason)
{
    public static ServiceDeploymentBriefShape From(string cluster, string service, Deployment deployment, AccountScope account) => new(
        account.ServiceDeploymentArn(cluster, service, deployment.Id), account.ServiceArn(cluster, service), account.ClusterArn(cluster),
        deployment.CreatedAt, deployment.CreatedAt, deployment.FinishedAt, account.ServiceRevisionArn(cluster, service, deployment.Id),
        deployment.Lifecycle.ToString(), deployment.StatusReason);
}

public sealed record ContainerImageShape(string ContainerName, string? Image);

/// <summary>
/// ECS's <c>ServiceRevision</c>: what one deployment's tasks are made of, member for member as the model has it. A changed
/// placement makes a new revision here too; the model has no member for placement, so DescribeServices shows it.
/// </summary>
public sealed record ServiceRevisionShape
{
    public required string ServiceRevisionArn { get; init; }
    public required string ServiceArn { get; init; }
    public required string ClusterArn { get; init; }
    public required string TaskDefinition { get; init; }
    public required string LaunchType { get; init; }
    public IReadOnlyList<ContainerImageShape>? ContainerImages { get; init; }
    public bool GuardDutyEnabled { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public static ServiceRevisionShape From(string cluster, string service, Deployment deployment, IReadOnlyList<ContainerImageShape>? images,
        AccountScope account) => new()
    {
        ServiceRevisionArn = account.ServiceRevisionArn(cluster, service, deployment.Id),
        ServiceArn = account.ServiceArn(cluster, service),
        ClusterArn = account.ClusterArn(cluster),
        TaskDefinition = ServiceShape.TaskDefinitionArn(deployment, account),
        LaunchType = "EC2",
        ContainerImages = images,
        CreatedAt = deployment.CreatedAt,
    };
}
