using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Actors.Domain.Common;
using Actors.Domain.Placement;

namespace Actors.Domain.Services;

// ECS's names for a service's and a deployment's states; member names are the strings ECS answers.
public enum ServiceStatus { ACTIVE, DRAINING, INACTIVE }

public enum SchedulingStrategy { REPLICA, DAEMON }

/// <summary>A deployment's place in the service (<c>Deployment.status</c>).</summary>
public enum DeploymentStatus { PRIMARY, ACTIVE, INACTIVE }

public enum RolloutState { IN_PROGRESS, COMPLETED, FAILED }

/// <summary>A deployment as ListServiceDeployments tells its story (<c>ServiceDeployment.status</c>).</summary>
public enum ServiceDeploymentStatus
{
    PENDING, SUCCESSFUL, STOPPED, STOP_REQUESTED, IN_PROGRESS, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED,
}

/// <summary>How a deployment replaces tasks: ECS's <c>deploymentConfiguration</c> without the parts Actors has no use for.</summary>
public sealed record DeploymentSettings(int MinimumHealthyPercent, int MaximumPercent, bool CircuitBreakerEnabled, bool Rollback)
{
    public static DeploymentSettings ReplicaDefault { get; } = new(100, 200, false, false);
    public static DeploymentSettings DaemonDefault { get; } = new(0, 100, false, false);

    /// <summary>Tasks that must stay RUNNING and healthy: minimumHealthyPercent of the desired count, rounded up.</summary>
    public int MinimumHealthy(int desired) => (int)Math.Ceiling(desired * MinimumHealthyPercent / 100.0);

    /// <summary>Tasks allowed RUNNING or PENDING at once: maximumPercent of the desired count, rounded down.</summary>
    public int MaximumTasks(int desired) => desired * MaximumPercent / 100;

    /// <summary>Failed tasks that trip the breaker: half the desired count rounded up, at least 3 and at most 200, as ECS.</summary>
    public static int BreakerThreshold(int desired) => Math.Clamp((desired + 1) / 2, 3, 200);
}

/// <summary>
/// What every task of one deployment is made of: ECS's service revision. A new one (another task definition, changed
/// placement, or forceNewDeployment) starts a deployment.
/// </summary>
/// <param name="HasHealthCheck">An essential container has a health check: a task is healthy only once it says HEALTHY.</param>
public sealed record ServiceRevision(
    string Family,
    int Revision,
    bool HasHealthCheck,
    ImmutableList<PlacementConstraint> Constraints,
    ImmutableList<PlacementStrategy> Strategies);

/// <summary>
/// One deployment of a service: its revision and where its rollout stands. The deployment id is the tasks' startedBy.
/// </summary>
/// <param name="RollbackOf">Set on a deployment the circuit breaker (or StopServiceDeployment) started to return to an earlier revision.</param>
/// <param name="SourceDeploymentIds">The deployments that were running when this one started (ServiceDeployment's source revisions).</param>
public sealed record Deployment
{
    public required string Id { get; init; }
    public required ServiceRevision Revision { get; init; }
    public DeploymentStatus Status { get; init; } = DeploymentStatus.PRIMARY;
    public RolloutState RolloutState { get; init; } = RolloutState.IN_PROGRESS;
    public string? RolloutStateReason { get; init; }
    public ServiceDeploymentStatus Lifecycle { get; init; } = ServiceDeploymentStatus.IN_PROGRESS;
    public string? StatusReason { get; init; }
    public required DeploymentSettings Settings { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? RollbackOf { get; init; }
    public ImmutableList<string> SourceDeploymentIds { get; init; } = [];
    /// <summary>Tasks of this deployment that failed to start or failed their health checks (ECS's failedTasks).</summary>
    public int FailedTasks { get; init; }
    /// <summary>The ids already counted in <see cref="FailedTasks"/>, so that a task seen stopped again is not counted twice.</summary>
    public ImmutableHashSet<string> CountedFailures { get; init; } = [];
    public int? BreakerThreshold { get; init; }
}

/// <summary>One of ECS's service <c>events</c>: a sentence the scheduler says about what it did or could not do.</summary>
public sealed record ServiceMessage(string Id, DateTimeOffset CreatedAt, string Message);

/// <summary>Tasks the service asked its cluster's scheduler to launch, until they are seen in the cluster.</summary>
/// <param name="Token">The clientToken: a launch asked again after a crash answers the first outcome.</param>
/// <param name="Targets">DAEMON: the instances named; empty for a placed (REPLICA) launch.</param>
/// <param name="TaskIds">Null until the scheduler answered.</param>
public sealed record ServiceLaunch(
    string Token,
    string DeploymentId,
    int Count,
    ImmutableList<string> Targets,
    DateTimeOffset RequestedAt,
    ImmutableList<string>? TaskIds);

/// <summary>
/// A service: what it should run (its configuration and deployments) and what it has done about it. What it actually
/// runs is observed from its cluster's scheduler on each reconcile and never stored here.
/// </summary>
public sealed record ServiceState : IJsonOnDeserialized
{
    /// <summary>The entity id: <c>cluster/service</c>.</summary>
    public required string ClusterName { get; init; }
    public required string Name { get; init; }
    /// <summary>Null until first created.</summary>
    public ServiceStatus? Status { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? CreatedBy { get; init; }
    public SchedulingStrategy SchedulingStrategy { get; init; }
    public string LaunchType { get; init; } = "EC2";
    public int DesiredCount { get; init; }
    public DeploymentSettings Settings { get; init; } = DeploymentSettings.ReplicaDefault;
    public int? HealthCheckGracePeriodSeconds { get; init; }
    public ImmutableList<Tag> Tags { get; init; } = [];
    public bool EnableEcsManagedTags { get; init; }
    public string? PropagateTags { get; init; }
    public bool EnableExecuteCommand { get; init; }
    public string? AvailabilityZoneRebalancing { get; init; }
    public string? ClientToken { get; init; }
    public string? RequestFingerprint { get; init; }
    /// <summary>
    /// The deployments, oldest first: those not finished, and finished ones for the history's retention (the journal
    /// keeps them all), and the <see cref="RollbackTarget"/> whatever its age.
    /// </summary>
    public ImmutableList<Deployment> Deployments { get; init; } = [];
    /// <summary>Finished deployments dropped from <see cref="Deployments"/>: new deployments are numbered after them too.</summary>
    public int DeploymentsForgotten { get; init; }
    private string? _rollbackTargetId;
    /// <summary>The last deployment that COMPLETED: what a failed deployment rolls back to, kept for as long as the service lives.</summary>
    public string? RollbackTargetId { get => _rollbackTargetId; init => _rollbackTargetId = value; }
    /// <summary>Newest first, at most <see cref="Service.MaxMessages"/>.</summary>
    public ImmutableList<ServiceMessage> Messages { get; init; } = [];
    public long MessagesRecorded { get; init; }
    public ImmutableList<ServiceLaunch> Launches { get; init; } = [];
    public long LaunchesRequested { get; init; }
    /// <summary>Tasks the service asked to stop and has not yet seen stopping: not counted as healthy meanwhile.</summary>
    public ImmutableDictionary<string, DateTimeOffset> Stopping { get; init; } = ImmutableDictionary<string, DateTimeOffset>.Empty;
    /// <summary>Tasks that stopped before RUNNING since the service last was steady: drives ECS's restart throttle.</summary>
    public int ConsecutiveStartFailures { get; init; }
    public DateTimeOffset? NextLaunchNotBefore { get; init; }
    /// <summary>When a launch last came back with tasks that could not be placed: the next try waits a little.</summary>
    public DateTimeOffset? PlacementFailedAt { get; init; }

    // Derived views are left out of snapshots and replies: they would repeat the deployments.
    [JsonIgnore]
    public bool Exists => Status is not null;
    [JsonIgnore]
    public bool IsActive => Status == ServiceStatus.ACTIVE;
    [JsonIgnore]
    public string EntityId => EntityIdOf(ClusterName, Name);

    public static string EntityIdOf(string clusterName, string serviceName) => $"{clusterName}/{serviceName}";

    [JsonIgnore]
    public Deployment? Primary => Deployments.LastOrDefault(d => d.Status == DeploymentStatus.PRIMARY);

    public Deployment? Deployment(string id) => Deployments.Find(d => d.Id == id);

    [JsonIgnore]
    public Deployment? RollbackTarget => RollbackTargetId is { } id ? Deployment(id) : null;

    /// <summary>
    /// A snapshot written before the rollback target was recorded names none; nothing had been forgotten then, so the last
    /// COMPLETED of its deployments is the one.
    /// </summary>
    void IJsonOnDeserialized.OnDeserialized() =>
        _rollbackTargetId ??= DeploymentsForgotten == 0 ? Deployments.LastOrDefault(d => d.RolloutState == RolloutState.COMPLETED)?.Id : null;

    /// <summary>The deployments DescribeServices shows: the PRIMARY and those still ACTIVE, newest first.</summary>
    [JsonIgnore]
    public IEnumerable<Deployment> CurrentDeployments => Deployments.Where(d => d.Status != DeploymentStatus.INACTIVE).Reverse();

    /// <summary>The service as replies carry it: without the per-task bookkeeping and the failure ids.</summary>
    public ServiceState Public() => this with
    {
        Launches = [],
        Stopping = ImmutableDictionary<string, DateTimeOffset>.Empty,
        // The history is asked for by page (ListServiceDeployments); a reply carries what DescribeServices shows.
        Deployments = [.. Deployments.Where(d => d.Status != DeploymentStatus.INACTIVE).Select(d => d with { CountedFailures = [] })],
    };
}
