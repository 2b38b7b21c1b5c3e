using System.Text.Json.Serialization;
using Actors.Domain.Services;

namespace Actors.Nodes.Persistence.Stored;

/// <summary>A service's events as stored. A new event: its manifest in <see cref="Manifests"/>, a record below, a codec here.</summary>
public static class StoredServiceEvents
{
    public static IReadOnlyList<StoredEventCodec> Codecs { get; } =
    [
        StoredEventCodec.Of<ServiceCreated, StoredServiceCreatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.EnumName(e.SchedulingStrategy), e.DesiredCount, StoredDeploymentSettingsV1.From(e.Settings),
                e.HealthCheckGracePeriodSeconds, Stored.List(e.Tags, StoredTagV1.From), e.EnableEcsManagedTags, e.PropagateTags, e.EnableExecuteCommand,
                e.AvailabilityZoneRebalancing, e.ClientToken, e.RequestFingerprint),
            s => new(s.Metadata.ToDomain(), Stored.ParseEnum<SchedulingStrategy>(s.SchedulingStrategy), s.DesiredCount, s.Settings.ToDomain(),
                s.HealthCheckGracePeriodSeconds, Stored.List(s.Tags, t => t.ToDomain()), s.EnableEcsManagedTags, s.PropagateTags, s.EnableExecuteCommand,
                s.AvailabilityZoneRebalancing, s.ClientToken, s.RequestFingerprint)),
        StoredEventCodec.Of<ServiceUpdated, StoredServiceUpdatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.DesiredCount, StoredDeploymentSettingsV1.From(e.Settings), e.HealthCheckGracePeriodSeconds,
                e.EnableEcsManagedTags, e.PropagateTags, e.EnableExecuteCommand, e.AvailabilityZoneRebalancing),
            s => new(s.Metadata.ToDomain(), s.DesiredCount, s.Settings.ToDomain(), s.HealthCheckGracePeriodSeconds,
                s.EnableEcsManagedTags, s.PropagateTags, s.EnableExecuteCommand, s.AvailabilityZoneRebalancing)),
        StoredEventCodec.Of<ServiceDeleted, StoredServiceDeletedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata)),
            s => new(s.Metadata.ToDomain())),
        StoredEventCodec.Of<ServiceInactivated, StoredServiceInactivatedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata)),
            s => new(s.Metadata.ToDomain())),
        StoredEventCodec.Of<ServiceTagged, StoredServiceTaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Tags, StoredTagV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Tags, t => t.ToDomain()))),
        StoredEventCodec.Of<ServiceUntagged, StoredServiceUntaggedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.TagKeys)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.TagKeys))),
        StoredEventCodec.Of<ServiceDeploymentStarted, StoredServiceDeploymentStartedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), StoredDeploymentV1.From(e.Deployment)),
            s => new(s.Metadata.ToDomain(), s.Deployment.ToDomain())),
        StoredEventCodec.Of<ServiceDeploymentChanged, StoredServiceDeploymentChangedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.DeploymentId, Stored.EnumName(e.Status), Stored.EnumName(e.RolloutState), e.RolloutStateReason,
                Stored.EnumName(e.Lifecycle), e.StatusReason, e.Finished),
            s => new(s.Metadata.ToDomain(), s.DeploymentId, Stored.ParseEnum<DeploymentStatus>(s.Status), Stored.ParseEnum<RolloutState>(s.RolloutState),
                s.RolloutStateReason, Stored.ParseEnum<ServiceDeploymentStatus>(s.Lifecycle), s.StatusReason, s.Finished)),
        StoredEventCodec.Of<ServiceDeploymentsForgotten, StoredServiceDeploymentsForgottenV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.DeploymentIds)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.DeploymentIds))),
        StoredEventCodec.Of<ServiceTaskFailuresCounted, StoredServiceTaskFailuresCountedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.DeploymentId, Stored.List(e.TaskIds), e.StartFailures, e.NextLaunchNotBefore),
            s => new(s.Metadata.ToDomain(), s.DeploymentId, Stored.List(s.TaskIds), s.StartFailures, s.NextLaunchNotBefore)),
        StoredEventCodec.Of<ServiceThrottleReset, StoredServiceThrottleResetV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata)),
            s => new(s.Metadata.ToDomain())),
        StoredEventCodec.Of<ServiceTasksLaunchRequested, StoredServiceTasksLaunchRequestedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Token, e.DeploymentId, e.Count, Stored.List(e.Targets)),
            s => new(s.Metadata.ToDomain(), s.Token, s.DeploymentId, s.Count, Stored.List(s.Targets))),
        StoredEventCodec.Of<ServiceLaunchSettled, StoredServiceLaunchSettledV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), e.Token, Stored.List(e.TaskIds), Stored.List(e.Failures)),
            s => new(s.Metadata.ToDomain(), s.Token, Stored.List(s.TaskIds), Stored.List(s.Failures))),
        StoredEventCodec.Of<ServiceTasksStopRequested, StoredServiceTasksStopRequestedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Tasks, StoredTaskStopV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Tasks, t => t.ToDomain()))),
        StoredEventCodec.Of<ServiceBookkeepingCleared, StoredServiceBookkeepingClearedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.LaunchTokens), Stored.List(e.StopTaskIds)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.LaunchTokens), Stored.List(s.StopTaskIds))),
        StoredEventCodec.Of<ServiceMessagesRecorded, StoredServiceMessagesRecordedV1>(
            e => new(StoredEventMetadataV1.From(e.Metadata), Stored.List(e.Messages, StoredServiceMessageV1.From)),
            s => new(s.Metadata.ToDomain(), Stored.List(s.Messages, m => m.ToDomain()))),
    ];
}

// Events

public sealed record StoredServiceCreatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("schedulingStrategy")] string SchedulingStrategy,
    [property: JsonPropertyName("desiredCount")] int DesiredCount,
    [property: JsonPropertyName("settings")] StoredDeploymentSettingsV1 Settings,
    [property: JsonPropertyName("healthCheckGracePeriodSeconds")] int? HealthCheckGracePeriodSeconds,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags,
    [property: JsonPropertyName("enableEcsManagedTags")] bool EnableEcsManagedTags,
    [property: JsonPropertyName("propagateTags")] string? PropagateTags,
    [property: JsonPropertyName("enableExecuteCommand")] bool EnableExecuteCommand,
    [property: JsonPropertyName("availabilityZoneRebalancing")] string? AvailabilityZoneRebalancing,
    [property: JsonPropertyName("clientToken")] string? ClientToken,
    [property: JsonPropertyName("requestFingerprint")] string? RequestFingerprint);

public sealed record StoredServiceUpdatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("desiredCount")] int DesiredCount,
    [property: JsonPropertyName("settings")] StoredDeploymentSettingsV1 Settings,
    [property: JsonPropertyName("healthCheckGracePeriodSeconds")] int? HealthCheckGracePeriodSeconds,
    [property: JsonPropertyName("enableEcsManagedTags")] bool EnableEcsManagedTags,
    [property: JsonPropertyName("propagateTags")] string? PropagateTags,
    [property: JsonPropertyName("enableExecuteCommand")] bool EnableExecuteCommand,
    [property: JsonPropertyName("availabilityZoneRebalancing")] string? AvailabilityZoneRebalancing);

public sealed record StoredServiceDeletedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata);

public sealed record StoredServiceInactivatedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata);

public sealed record StoredServiceTaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tags")] IReadOnlyList<StoredTagV1> Tags);

public sealed record StoredServiceUntaggedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string> TagKeys);

public sealed record StoredServiceDeploymentStartedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("deployment")] StoredDeploymentV1 Deployment);

public sealed record StoredServiceDeploymentChangedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("deploymentId")] string DeploymentId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("rolloutState")] string RolloutState,
    [property: JsonPropertyName("rolloutStateReason")] string? RolloutStateReason,
    [property: JsonPropertyName("lifecycle")] string Lifecycle,
    [property: JsonPropertyName("statusReason")] string? StatusReason,
    [property: JsonPropertyName("finished")] bool Finished);

public sealed record StoredServiceDeploymentsForgottenV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("deploymentIds")] IReadOnlyList<string> DeploymentIds);

public sealed record StoredServiceTaskFailuresCountedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("deploymentId")] string DeploymentId,
    [property: JsonPropertyName("taskIds")] IReadOnlyList<string> TaskIds,
    [property: JsonPropertyName("startFailures")] int StartFailures,
    [property: JsonPropertyName("nextLaunchNotBefore")] DateTimeOffset? NextLaunchNotBefore);

public sealed record StoredServiceThrottleResetV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata);

public sealed record StoredServiceTasksLaunchRequestedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("deploymentId")] string DeploymentId,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("targets")] IReadOnlyList<string> Targets);

public sealed record StoredServiceLaunchSettledV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("taskIds")] IReadOnlyList<string> TaskIds,
    [property: JsonPropertyName("failures")] IReadOnlyList<string> Failures);

public sealed record StoredServiceTasksStopRequestedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("tasks")] IReadOnlyList<StoredTaskStopV1> Tasks);

public sealed record StoredServiceBookkeepingClearedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("launchTokens")] IReadOnlyList<string> LaunchTokens,
    [property: JsonPropertyName("stopTaskIds")] IReadOnlyList<string> StopTaskIds);

public sealed record StoredServiceMessagesRecordedV1(
    [property: JsonPropertyName("metadata")] StoredEventMetadataV1 Metadata,
    [property: JsonPropertyName("messages")] IReadOnlyList<StoredServiceMessageV1> Messages);

// Nested values

public sealed record StoredDeploymentSettingsV1(
    [property: JsonPropertyName("minimumHealthyPercent")] int MinimumHealthyPercent,
    [property: JsonPropertyName("maximumPercent")] int MaximumPercent,
    [property: JsonPropertyName("circuitBreakerEnabled")] bool CircuitBreakerEnabled,
    [property: JsonPropertyName("rollback")] bool Rollback)
{
    public static StoredDeploymentSettingsV1 From(DeploymentSettings s) => new(s.MinimumHealthyPercent, s.MaximumPercent, s.CircuitBreakerEnabled, s.Rollback);

    public DeploymentSettings ToDomain() => new(MinimumHealthyPercent, MaximumPercent, CircuitBreakerEnabled, Rollback);
}

/// <summary>What every task of a deployment is made of; the placement records are shared with the launches' events.</summary>
public sealed record StoredServiceRevisionV1(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("revision")] int Revision,
    [property: JsonPropertyName("hasHealthCheck")] bool HasHealthCheck,
    [property: JsonPropertyName("constraints")] IReadOnlyList<StoredPlacementConstraintV1> Constraints,
    [property: JsonPropertyName("strategies")] IReadOnlyList<StoredPlacementStrategyV1> Strategies)
{
    public static StoredServiceRevisionV1 From(ServiceRevision r) => new(
        r.Family, r.Revision, r.HasHealthCheck, Stored.List(r.Constraints, StoredPlacementConstraintV1.From), Stored.List(r.Strategies, StoredPlacementStrategyV1.From));

    public ServiceRevision ToDomain() => new(
        Family, Revision, HasHealthCheck, Stored.List(Constraints, c => c.ToDomain()), Stored.List(Strategies, s => s.ToDomain()));
}

/// <param name="CountedFailures">A set in the domain; stored in ordinal order so that the same deployment always has the same bytes.</param>
public sealed record StoredDeploymentV1(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("revision")] StoredServiceRevisionV1 Revision,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("rolloutState")] string RolloutState,
    [property: JsonPropertyName("rolloutStateReason")] string? RolloutStateReason,
    [property: JsonPropertyName("lifecycle")] string Lifecycle,
    [property: JsonPropertyName("statusReason")] string? StatusReason,
    [property: JsonPropertyName("settings")] StoredDeploymentSettingsV1 Settings,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("finishedAt")] DateTimeOffset? FinishedAt,
    [property: JsonPropertyName("rollbackOf")] string? RollbackOf,
    [property: JsonPropertyName("sourceDeploymentIds")] IReadOnlyList<string> SourceDeploymentIds,
    [property: JsonPropertyName("failedTasks")] int FailedTasks,
    [property: JsonPropertyName("countedFailures")] IReadOnlyList<string> CountedFailures,
    [property: JsonPropertyName("breakerThreshold")] int? BreakerThreshold)
{
    public static StoredDeploymentV1 From(Deployment d) => new(
        d.Id, StoredServiceRevisionV1.From(d.Revision), Stored.EnumName(d.Status), Stored.EnumName(d.RolloutState), d.RolloutStateReason,
        Stored.EnumName(d.Lifecycle), d.StatusReason, StoredDeploymentSettingsV1.From(d.Settings), d.CreatedAt, d.UpdatedAt, d.FinishedAt, d.RollbackOf,
        Stored.List(d.SourceDeploymentIds), d.FailedTasks, Stored.List(d.CountedFailures.Order(StringComparer.Ordinal)), d.BreakerThreshold);

    public Deployment ToDomain() => new()
    {
        Id = Id,
        Revision = Revision.ToDomain(),
        Status = Stored.ParseEnum<DeploymentStatus>(Status),
        RolloutState = Stored.ParseEnum<RolloutState>(RolloutState),
        RolloutStateReason = RolloutStateReason,
        Lifecycle = Stored.ParseEnum<ServiceDeploymentStatus>(Lifecycle),
        StatusReason = StatusReason,
        Settings = Settings.ToDomain(),
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        FinishedAt = FinishedAt,
        RollbackOf = RollbackOf,
        SourceDeploymentIds = Stored.List(SourceDeploymentIds),
        FailedTasks = FailedTasks,
        CountedFailures = [.. Stored.List(CountedFailures)],
        BreakerThreshold = BreakerThreshold,
    };
}

public sealed record StoredTaskStopV1(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("reason")] string Reason)
{
    public static StoredTaskStopV1 From(TaskStop t) => new(t.TaskId, t.Reason);

    public TaskStop ToDomain() => new(TaskId, Reason);
}

public sealed record StoredServiceMessageV1(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("message")] string Message)
{
    public static StoredServiceMessageV1 From(ServiceMessage m) => new(m.Id, m.CreatedAt, m.Message);

    public ServiceMessage ToDomain() => new(Id, CreatedAt, Message);
}
