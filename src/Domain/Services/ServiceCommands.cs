using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Tasks;

namespace Actors.Domain.Services;

public interface IServiceCommand : IDomainCommand;

/// <summary>
/// CreateService, its task definition already resolved to a revision by whoever translated the request. Values the
/// caller left out are null and get ECS's defaults here.
/// </summary>
public sealed record CreateService(
    RequestContext Context,
    SchedulingStrategy SchedulingStrategy,
    int? DesiredCount,
    ServiceRevision Revision,
    DeploymentSettingsRequest? Deployment,
    int? HealthCheckGracePeriodSeconds,
    ImmutableList<Tag> Tags,
    bool EnableEcsManagedTags,
    string? PropagateTags,
    bool EnableExecuteCommand,
    string? AvailabilityZoneRebalancing,
    string? ClientToken,
    string? RequestFingerprint) : IServiceCommand;

/// <summary>deploymentConfiguration as sent: what is left out keeps its current (or default) value.</summary>
public sealed record DeploymentSettingsRequest(int? MinimumHealthyPercent, int? MaximumPercent, bool? CircuitBreakerEnabled, bool? Rollback);

/// <summary>
/// UpdateService. <paramref name="Revision"/> is what the request changes of the revision (a new task definition or
/// placement), merged into the primary's by the service itself; a deployment starts when the result differs from the
/// primary's, or with forceNewDeployment.
/// </summary>
public sealed record UpdateService(
    RequestContext Context,
    int? DesiredCount,
    RevisionChange? Revision,
    bool ForceNewDeployment,
    DeploymentSettingsRequest? Deployment,
    int? HealthCheckGracePeriodSeconds,
    bool? EnableEcsManagedTags,
    string? PropagateTags,
    bool? EnableExecuteCommand,
    string? AvailabilityZoneRebalancing) : IServiceCommand;

/// <summary>A task definition revision as a service runs it.</summary>
/// <param name="PlacementConstraintCount">The task definition's own constraints, which ECS counts with the service's.</param>
public sealed record TaskDefinitionChoice(string Family, int Revision, bool HasHealthCheck, int PlacementConstraintCount);

/// <summary>
/// What an UpdateService changes of the service's revision; each part left null keeps the primary's. The service merges it
/// into its own current primary (never a caller into a copy it read), so concurrent updates of different parts all hold.
/// </summary>
public sealed record RevisionChange(
    TaskDefinitionChoice? TaskDefinition, ImmutableList<PlacementConstraint>? Constraints, ImmutableList<PlacementStrategy>? Strategies)
{
    public ServiceRevision AppliedTo(ServiceRevision current) => new(
        TaskDefinition?.Family ?? current.Family, TaskDefinition?.Revision ?? current.Revision, TaskDefinition?.HasHealthCheck ?? current.HasHealthCheck,
        Constraints ?? current.Constraints, Strategies ?? current.Strategies);

    /// <summary>A whole revision changes every part.</summary>
    public static implicit operator RevisionChange(ServiceRevision revision) => new(
        new TaskDefinitionChoice(revision.Family, revision.Revision, revision.HasHealthCheck, 0), revision.Constraints, revision.Strategies);
}

/// <summary>DeleteService: refused while tasks are wanted unless forced; the service then drains to INACTIVE.</summary>
public sealed record DeleteService(RequestContext Context, bool Force) : IServiceCommand;

public sealed record TagService(RequestContext Context, ImmutableList<Tag> Tags) : IServiceCommand;

public sealed record UntagService(RequestContext Context, ImmutableList<string> TagKeys) : IServiceCommand;

/// <summary>StopServiceDeployment with stopType ROLLBACK: the in-progress deployment gives way to the last completed one.</summary>
public sealed record RollBackServiceDeployment(RequestContext Context, string DeploymentId) : IServiceCommand;

/// <summary>
/// Compare what the service wants with what its cluster runs and decide what to do: the level-triggered heart of the
/// service scheduler, run on every change heard and on a timer. <c>Context.At</c> is now; <paramref name="Settings"/> are the
/// node's configuration, carried here so that the scheduler stays a pure function.
/// </summary>
public sealed record ReconcileService(RequestContext Context, ServiceObservation Observation, ServiceSchedulerSettings Settings) : IServiceCommand;

/// <summary>The cluster's scheduler answered a launch: the tasks it placed and the reasons others were not.</summary>
public sealed record RecordServiceLaunch(
    RequestContext Context, string Token, ImmutableList<string> TaskIds, ImmutableList<string> Failures) : IServiceCommand;

/// <summary>One task of the service as the cluster's scheduler last saw it.</summary>
/// <param name="DeploymentId">Its startedBy: the deployment that launched it.</param>
/// <param name="StartedAt">When it was seen RUNNING.</param>
/// <param name="StoppedAt">When it was seen STOPPED.</param>
public sealed record ObservedTask(
    string TaskId,
    string? DeploymentId,
    string InstanceId,
    TaskLifecycleStatus LastStatus,
    TaskLifecycleStatus DesiredStatus,
    string HealthStatus,
    DateTimeOffset? StartedAt,
    TaskStopCode? StopCode,
    DateTimeOffset? StoppedAt = null)
{
    [JsonIgnore]
    public bool IsLive => LastStatus != TaskLifecycleStatus.STOPPED;
}

/// <summary>An instance that holds a task of the service or, for DAEMON, could.</summary>
/// <param name="Eligible">ACTIVE, its agent connected and not lost, and meeting the primary deployment's constraints.</param>
/// <param name="Leaving">DRAINING, or lost: its tasks are to be replaced elsewhere.</param>
public sealed record ObservedInstance(string InstanceId, bool Eligible, bool Leaving, string? AvailabilityZone);

/// <summary>What the cluster runs of one service (its group's tasks, STOPPED ones within retention) and its instances.</summary>
public sealed record ServiceObservation(ImmutableList<ObservedTask> Tasks, ImmutableList<ObservedInstance> Instances)
{
    public static ServiceObservation Empty { get; } = new([], []);
}
