using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.Services;

public interface IServiceEvent : IDomainEvent;

/// <summary>The service's configuration as created; its first deployment follows in <see cref="ServiceDeploymentStarted"/>.</summary>
public sealed record ServiceCreated(
    EventMetadata Metadata,
    SchedulingStrategy SchedulingStrategy,
    int DesiredCount,
    DeploymentSettings Settings,
    int? HealthCheckGracePeriodSeconds,
    ImmutableList<Tag> Tags,
    bool EnableEcsManagedTags,
    string? PropagateTags,
    bool EnableExecuteCommand,
    string? AvailabilityZoneRebalancing,
    string? ClientToken,
    string? RequestFingerprint) : IServiceEvent;

/// <summary>UpdateService's changes to the configuration (a new deployment, if any, is its own event).</summary>
public sealed record ServiceUpdated(
    EventMetadata Metadata,
    int DesiredCount,
    DeploymentSettings Settings,
    int? HealthCheckGracePeriodSeconds,
    bool EnableEcsManagedTags,
    string? PropagateTags,
    bool EnableExecuteCommand,
    string? AvailabilityZoneRebalancing) : IServiceEvent;

/// <summary>DeleteService: the service is DRAINING, wants no task, and becomes INACTIVE once they are gone.</summary>
public sealed record ServiceDeleted(EventMetadata Metadata) : IServiceEvent;

public sealed record ServiceInactivated(EventMetadata Metadata) : IServiceEvent;

public sealed record ServiceTagged(EventMetadata Metadata, ImmutableList<Tag> Tags) : IServiceEvent;

public sealed record ServiceUntagged(EventMetadata Metadata, ImmutableList<string> TagKeys) : IServiceEvent;

/// <summary>A deployment begins and becomes PRIMARY; the previous PRIMARY becomes ACTIVE until its tasks are gone.</summary>
public sealed record ServiceDeploymentStarted(EventMetadata Metadata, Deployment Deployment) : IServiceEvent;

/// <summary>A deployment moved on: completed, failed (the breaker's counts with it), superseded or retired.</summary>
public sealed record ServiceDeploymentChanged(
    EventMetadata Metadata,
    string DeploymentId,
    DeploymentStatus Status,
    RolloutState RolloutState,
    string? RolloutStateReason,
    ServiceDeploymentStatus Lifecycle,
    string? StatusReason,
    bool Finished) : IServiceEvent;

/// <summary>
/// Finished deployments older than the history's retention leave the live state (ListServiceDeployments no longer shows
/// them); the journal keeps their story.
/// </summary>
public sealed record ServiceDeploymentsForgotten(EventMetadata Metadata, ImmutableList<string> DeploymentIds) : IServiceEvent;

/// <summary>Tasks that failed to start or failed their health checks, counted against their deployment.</summary>
/// <param name="StartFailures">The throttle's count of consecutive start failures after these.</param>
/// <param name="NextLaunchNotBefore">When the throttle lets the service launch again (null: at once).</param>
public sealed record ServiceTaskFailuresCounted(
    EventMetadata Metadata,
    string DeploymentId,
    ImmutableList<string> TaskIds,
    int StartFailures,
    DateTimeOffset? NextLaunchNotBefore) : IServiceEvent;

/// <summary>The restart throttle starts over (a new deployment, or a steady state reached).</summary>
public sealed record ServiceThrottleReset(EventMetadata Metadata) : IServiceEvent;

/// <summary>The service asks its cluster's scheduler for tasks (the why is in the metadata's reason).</summary>
public sealed record ServiceTasksLaunchRequested(
    EventMetadata Metadata, string Token, string DeploymentId, int Count, ImmutableList<string> Targets) : IServiceEvent;

/// <summary>The scheduler answered a launch: <paramref name="Failures"/> say why tasks were not placed.</summary>
public sealed record ServiceLaunchSettled(
    EventMetadata Metadata, string Token, ImmutableList<string> TaskIds, ImmutableList<string> Failures) : IServiceEvent;

/// <summary>Tasks the service stops, each with the reason its task will show.</summary>
public sealed record ServiceTasksStopRequested(EventMetadata Metadata, ImmutableList<TaskStop> Tasks) : IServiceEvent;

public sealed record TaskStop(string TaskId, string Reason);

/// <summary>Launches and stops now visible in the cluster (or too old to wait for): no longer counted apart.</summary>
public sealed record ServiceBookkeepingCleared(
    EventMetadata Metadata, ImmutableList<string> LaunchTokens, ImmutableList<string> StopTaskIds) : IServiceEvent;

/// <summary>ECS's service events: what the scheduler did or could not do, in sentences.</summary>
public sealed record ServiceMessagesRecorded(EventMetadata Metadata, ImmutableList<ServiceMessage> Messages) : IServiceEvent;
