using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Actors.Domain.Common;
using Actors.Domain.Placement;

namespace Actors.Domain.Services;

/// <summary>
/// The service aggregate: one entity per <c>cluster/service</c>. Its configuration commands are decided here; what it
/// does about its tasks is decided by <see cref="ServiceScheduler"/> on each reconcile.
/// </summary>
public sealed partial class Service : IAggregate<ServiceState, IServiceCommand, IServiceEvent>
{
    public const int MaxMessages = 100;
    public static readonly TimeSpan MessageRepeatWindow = TimeSpan.FromHours(6);
    public const int MaxDesiredCount = 5000;

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,255}$")]
    private static partial Regex ValidName();

    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    public static DomainError? ValidateName(string name) => IsValidName(name)
        ? null
        : DomainError.InvalidParameter("Service name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.");

    /// <summary>The entity id is <c>cluster/service</c>; both halves are ECS names, which have no slash.</summary>
    public static ServiceState Empty(string entityId)
    {
        var slash = entityId.IndexOf('/');
        return slash < 0
            ? new ServiceState { ClusterName = "", Name = entityId }
            : new ServiceState { ClusterName = entityId[..slash], Name = entityId[(slash + 1)..] };
    }

    public static Decision<IServiceEvent> Decide(ServiceState state, IServiceCommand command) => command switch
    {
        CreateService create => DecideCreate(state, create),
        UpdateService update => DecideUpdate(state, update),
        DeleteService delete => DecideDelete(state, delete),
        TagService tag => WhenExists(state) ?? Tags.ValidateMerge(state.Tags, tag.Tags) ?? Decision<IServiceEvent>.Accept(
            new ServiceTagged(tag.Context.Because($"tagged service {state.Name}"), tag.Tags)),
        UntagService untag => WhenExists(state) ?? Decision<IServiceEvent>.Accept(
            new ServiceUntagged(untag.Context.Because($"untagged service {state.Name}"), untag.TagKeys)),
        RollBackServiceDeployment rollBack => DecideRollBack(state, rollBack),
        ReconcileService reconcile => ServiceScheduler.Decide(state, reconcile),
        RecordServiceLaunch record => DecideRecordLaunch(state, record),
        _ => DomainError.InvalidParameter($"{command.GetType().Name} is not a service command."),
    };

    public static ServiceState Apply(ServiceState state, IServiceEvent @event) => @event switch
    {
        ServiceCreated created => state with
        {
            Status = ServiceStatus.ACTIVE,
            CreatedAt = created.Metadata.At,
            CreatedBy = created.Metadata.Principal,
            SchedulingStrategy = created.SchedulingStrategy,
            DesiredCount = created.DesiredCount,
            Settings = created.Settings,
            HealthCheckGracePeriodSeconds = created.HealthCheckGracePeriodSeconds,
            Tags = [.. created.Tags],
            EnableEcsManagedTags = created.EnableEcsManagedTags,
            PropagateTags = created.PropagateTags,
            EnableExecuteCommand = created.EnableExecuteCommand,
            AvailabilityZoneRebalancing = created.AvailabilityZoneRebalancing,
            ClientToken = created.ClientToken,
            RequestFingerprint = created.RequestFingerprint,
            ConsecutiveStartFailures = 0,
            NextLaunchNotBefore = null,
        },
        ServiceUpdated updated => state with
        {
            DesiredCount = updated.DesiredCount,
            Settings = updated.Settings,
            HealthCheckGracePeriodSeconds = updated.HealthCheckGracePeriodSeconds,
            EnableEcsManagedTags = updated.EnableEcsManagedTags,
            PropagateTags = updated.PropagateTags,
            EnableExecuteCommand = updated.EnableExecuteCommand,
            AvailabilityZoneRebalancing = updated.AvailabilityZoneRebalancing,
        },
        ServiceDeleted => state with { Status = ServiceStatus.DRAINING, DesiredCount = 0 },
        ServiceInactivated => state with { Status = ServiceStatus.INACTIVE },
        ServiceTagged tagged => state with { Tags = Tags.Merge(state.Tags, tagged.Tags) },
        ServiceUntagged untagged => state with { Tags = Tags.Remove(state.Tags, untagged.TagKeys) },
        ServiceDeploymentStarted started => state with
        {
            Deployments = state.Deployments
                .Select(d => d.Status == DeploymentStatus.PRIMARY ? d with { Status = DeploymentStatus.ACTIVE, UpdatedAt = started.Metadata.At } : d)
                .Append(started.Deployment).ToImmutableList(),
            ConsecutiveStartFailures = 0,
            NextLaunchNotBefore = null,
        },
        ServiceDeploymentChanged changed => WithDeployment(state, changed.DeploymentId, d => d with
        {
            Status = changed.Status,
            RolloutState = changed.RolloutState,
            RolloutStateReason = changed.RolloutStateReason,
            Lifecycle = changed.Lifecycle,
            StatusReason = changed.StatusReason,
            UpdatedAt = changed.Metadata.At,
            FinishedAt = changed.Finished ? d.FinishedAt ?? changed.Metadata.At : d.FinishedAt,
        }) with
        {
            // Completing makes it the rollback target; a completed deployment that merely retires later names it again.
            RollbackTargetId = changed.RolloutState == RolloutState.COMPLETED && state.Deployment(changed.DeploymentId)?.RolloutState != RolloutState.COMPLETED
                ? changed.DeploymentId
                : state.RollbackTargetId,
        },
        ServiceDeploymentsForgotten forgotten => state with
        {
            Deployments = state.Deployments.RemoveAll(d => forgotten.DeploymentIds.Contains(d.Id)),
            DeploymentsForgotten = state.DeploymentsForgotten + state.Deployments.Count(d => forgotten.DeploymentIds.Contains(d.Id)),
        },
        ServiceTaskFailuresCounted counted => WithDeployment(state, counted.DeploymentId, d => d with
        {
            FailedTasks = d.FailedTasks + counted.TaskIds.Count,
            CountedFailures = d.CountedFailures.Union(counted.TaskIds),
            UpdatedAt = counted.Metadata.At,
        }) with
        {
            ConsecutiveStartFailures = counted.StartFailures,
            NextLaunchNotBefore = counted.NextLaunchNotBefore,
        },
        ServiceThrottleReset => state with { ConsecutiveStartFailures = 0, NextLaunchNotBefore = null },
        ServiceTasksLaunchRequested requested => state with
        {
            Launches = state.Launches.Add(new ServiceLaunch(
                requested.Token, requested.DeploymentId, requested.Count, requested.Targets, requested.Metadata.At, null)),
            LaunchesRequested = state.LaunchesRequested + 1,
        },
        ServiceLaunchSettled settled => state with
        {
            Launches = [.. state.Launches.Select(l => l.Token == settled.Token ? l with { TaskIds = settled.TaskIds } : l)],
            PlacementFailedAt = settled.Failures.IsEmpty ? state.PlacementFailedAt : settled.Metadata.At,
        },
        ServiceTasksStopRequested stops => state with
        {
            Stopping = state.Stopping.SetItems(stops.Tasks.Select(t => KeyValuePair.Create(t.TaskId, stops.Metadata.At))),
        },
        ServiceBookkeepingCleared cleared => state with
        {
            Launches = state.Launches.RemoveAll(l => cleared.LaunchTokens.Contains(l.Token)),
            Stopping = state.Stopping.RemoveRange(cleared.StopTaskIds),
        },
        ServiceMessagesRecorded recorded => state with
        {
            Messages = recorded.Messages.Reverse().Concat(state.Messages).Take(MaxMessages).ToImmutableList(),
            MessagesRecorded = state.MessagesRecorded + recorded.Messages.Count,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Unknown service event"),
    };

    private static ServiceState WithDeployment(ServiceState state, string id, Func<Deployment, Deployment> change) =>
        state with { Deployments = [.. state.Deployments.Select(d => d.Id == id ? change(d) : d)] };

    private static DomainError? WhenExists(ServiceState state) => state.Exists ? null : ServiceNotFound();

    /// <summary>One rule for CreateService and UpdateService: a DAEMON's count is its eligible instances, not a setting.</summary>
    private static DomainError DaemonDesiredCount() =>
        DomainError.InvalidParameter("The desiredCount of a service with the DAEMON scheduling strategy cannot be set: it runs one task per instance.");

    public static DomainError ServiceNotFound() => new(ErrorCodes.ServiceNotFound, "Service not found.");

    private static DomainError? WhenActive(ServiceState state) =>
        WhenExists(state) ?? (state.IsActive ? null : new DomainError(ErrorCodes.ServiceNotActive, "Service was not ACTIVE."));

    private static Decision<IServiceEvent> DecideCreate(ServiceState state, CreateService create)
    {
        if (ValidateName(state.Name) is { } badName) return badName;
        if (state.Status == ServiceStatus.ACTIVE)
            return create.ClientToken is not null && create.ClientToken == state.ClientToken && create.RequestFingerprint == state.RequestFingerprint
                ? Decision<IServiceEvent>.Unchanged
                : DomainError.InvalidParameter("Creation of service was not idempotent.");
        if (state.Status == ServiceStatus.DRAINING)
            return DomainError.InvalidParameter("Unable to Start a service that is still Draining.");
        var daemon = create.SchedulingStrategy == SchedulingStrategy.DAEMON;
        if (daemon && create.DesiredCount is not null) return DaemonDesiredCount();
        if (!daemon && create.DesiredCount is null)
            return DomainError.InvalidParameter("desiredCount is required for a service with the REPLICA scheduling strategy.");
        var settings = Settings(daemon ? DeploymentSettings.DaemonDefault : DeploymentSettings.ReplicaDefault, create.Deployment);
        var error = ValidateDesiredCount(create.DesiredCount ?? 0)
            ?? ValidateSettings(settings, create.SchedulingStrategy)
            ?? ValidateGracePeriod(create.HealthCheckGracePeriodSeconds)
            ?? ValidateRevision(create.Revision, create.SchedulingStrategy)
            ?? Tags.Validate(create.Tags)
            ?? ValidatePropagateTags(create.PropagateTags);
        if (error is not null) return error;

        var deployment = NewDeployment(state, create.Context.At, create.Revision, settings, create.DesiredCount ?? 0, rollbackOf: null);
        return Decision<IServiceEvent>.Accept(
            new ServiceCreated(create.Context.Because(state.Exists ? $"re-created service {state.Name}" : $"created service {state.Name}"),
                create.SchedulingStrategy, daemon ? 0 : create.DesiredCount ?? 0, settings, create.HealthCheckGracePeriodSeconds, create.Tags,
                create.EnableEcsManagedTags, create.PropagateTags, create.EnableExecuteCommand, create.AvailabilityZoneRebalancing,
                create.ClientToken, create.RequestFingerprint),
            new ServiceDeploymentStarted(create.Context.Because(
                $"deployment {deployment.Id} of service {state.Name} runs {create.Revision.Family}:{create.Revision.Revision}"), deployment));
    }

    private static Decision<IServiceEvent> DecideUpdate(ServiceState state, UpdateService update)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        var daemon = state.SchedulingStrategy == SchedulingStrategy.DAEMON;
        // Naming the count it already has changes nothing (a client that sends back what it described).
        if (daemon && update.DesiredCount is not null && update.DesiredCount != state.DesiredCount) return DaemonDesiredCount();
        var settings = Settings(state.Settings, update.Deployment);
        var desired = update.DesiredCount ?? state.DesiredCount;
        var primary = state.Primary!;
        var revisionOf = update.Revision?.AppliedTo(primary.Revision) ?? primary.Revision;
        var error = ValidateDesiredCount(desired)
            ?? ValidateSettings(settings, state.SchedulingStrategy)
            ?? ValidateGracePeriod(update.HealthCheckGracePeriodSeconds)
            ?? (update.Revision is not null ? ValidateRevision(revisionOf, state.SchedulingStrategy) : null)
            ?? ValidateConstraintTotal(update.Revision?.TaskDefinition, revisionOf)
            ?? ValidatePropagateTags(update.PropagateTags);
        if (error is not null) return error;

        var events = new List<IServiceEvent>();
        var updated = new ServiceUpdated(update.Context.Because($"updated service {state.Name}"),
            desired, settings, update.HealthCheckGracePeriodSeconds ?? state.HealthCheckGracePeriodSeconds,
            update.EnableEcsManagedTags ?? state.EnableEcsManagedTags, update.PropagateTags ?? state.PropagateTags,
            update.EnableExecuteCommand ?? state.EnableExecuteCommand, update.AvailabilityZoneRebalancing ?? state.AvailabilityZoneRebalancing);
        if (Changes(updated, state)) events.Add(updated);

        if (update.ForceNewDeployment || !SameRevision(revisionOf, primary.Revision))
        {
            var deployment = NewDeployment(state, update.Context.At, revisionOf, settings, desired, rollbackOf: null);
            events.Add(new ServiceDeploymentStarted(update.Context.Because(update.ForceNewDeployment
                    ? $"forced new deployment {deployment.Id} of service {state.Name}"
                    : $"deployment {deployment.Id} of service {state.Name} runs {revisionOf.Family}:{revisionOf.Revision}"), deployment));
            events.AddRange(Superseded(state, update.Context, deployment.Id));
        }
        return Decision<IServiceEvent>.Accept(events);
    }

    /// <summary>ECS counts a new task definition's own placement constraints with the service's.</summary>
    private static DomainError? ValidateConstraintTotal(TaskDefinitionChoice? taskDefinition, ServiceRevision revision)
    {
        var total = (taskDefinition?.PlacementConstraintCount ?? 0) + revision.Constraints.Count;
        return taskDefinition is not null && total > PlacementRules.MaxConstraints
            ? DomainError.InvalidParameter(
                $"Too many placement constraints: at most {PlacementRules.MaxConstraints} are allowed with the task definition's, {total} were given.")
            : null;
    }

    /// <summary>An UpdateService that only names what the service already has records nothing.</summary>
    private static bool Changes(ServiceUpdated updated, ServiceState state) =>
        updated.DesiredCount != state.DesiredCount
        || updated.Settings != state.Settings
        || updated.HealthCheckGracePeriodSeconds != state.HealthCheckGracePeriodSeconds
        || updated.EnableEcsManagedTags != state.EnableEcsManagedTags
        || updated.PropagateTags != state.PropagateTags
        || updated.EnableExecuteCommand != state.EnableExecuteCommand
        || updated.AvailabilityZoneRebalancing != state.AvailabilityZoneRebalancing;

    private static bool SameRevision(ServiceRevision a, ServiceRevision b) =>
        a.Family == b.Family && a.Revision == b.Revision && a.HasHealthCheck == b.HasHealthCheck
        && a.Constraints.SequenceEqual(b.Constraints) && a.Strategies.SequenceEqual(b.Strategies);

    /// <summary>Deployments still rolling out when a new one starts stop where they are (ServiceDeployment STOPPED).</summary>
    internal static IEnumerable<IServiceEvent> Superseded(ServiceState state, RequestContext context, string byDeploymentId) =>
        state.Deployments
            .Where(d => d.Status != DeploymentStatus.INACTIVE && d.Lifecycle == ServiceDeploymentStatus.IN_PROGRESS)
            .Select(d => new ServiceDeploymentChanged(
                context.Because($"deployment {d.Id} of service {state.Name} gave way to {byDeploymentId}"),
                d.Id, d.Status == DeploymentStatus.PRIMARY ? DeploymentStatus.ACTIVE : d.Status, d.RolloutState, d.RolloutStateReason,
                d.RollbackOf is null ? ServiceDeploymentStatus.STOPPED : ServiceDeploymentStatus.ROLLBACK_FAILED,
                $"superseded by deployment {byDeploymentId}", Finished: true));

    private static Decision<IServiceEvent> DecideDelete(ServiceState state, DeleteService delete)
    {
        if (WhenExists(state) is { } missing) return missing;
        if (state.Status == ServiceStatus.INACTIVE) return new DomainError(ErrorCodes.ServiceNotActive, "Service was not ACTIVE.");
        if (state.Status == ServiceStatus.DRAINING) return Decision<IServiceEvent>.Unchanged;
        if (state.SchedulingStrategy == SchedulingStrategy.REPLICA && state.DesiredCount > 0 && !delete.Force)
            return DomainError.InvalidParameter("The service cannot be stopped while it is scaled above 0.");
        return Decision<IServiceEvent>.Accept(new ServiceDeleted(delete.Context.Because($"deleted service {state.Name}")));
    }

    private static Decision<IServiceEvent> DecideRollBack(ServiceState state, RollBackServiceDeployment rollBack)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        var target = state.Deployment(rollBack.DeploymentId);
        if (target is null) return new DomainError(ErrorCodes.ServiceDeploymentNotFound, $"Service deployment {rollBack.DeploymentId} not found.");
        if (target.Status != DeploymentStatus.PRIMARY || target.RolloutState != RolloutState.IN_PROGRESS)
            return new DomainError(ErrorCodes.Conflict, $"Service deployment {rollBack.DeploymentId} is not in progress: only an in-progress deployment can be rolled back.");
        var events = RollBack(state, rollBack.Context, target, "stopped by StopServiceDeployment", ServiceDeploymentStatus.ROLLBACK_REQUESTED);
        return events.Count == 0
            ? new DomainError(ErrorCodes.Conflict, "The service has no completed deployment to roll back to.")
            : Decision<IServiceEvent>.Accept(events);
    }

    /// <summary>
    /// Starts a deployment of the last COMPLETED deployment's revision in place of <paramref name="failed"/>; none when
    /// the service never completed one (the failed deployment then simply stays FAILED).
    /// </summary>
    internal static List<IServiceEvent> RollBack(ServiceState state, RequestContext context, Deployment failed, string why, ServiceDeploymentStatus lifecycle)
    {
        if (state.RollbackTarget is not { } completed || completed.Id == failed.Id) return [];
        var deployment = NewDeployment(state, context.At, completed.Revision, state.Settings, state.DesiredCount, rollbackOf: failed.Id);
        return
        [
            new ServiceDeploymentChanged(context.Because($"deployment {failed.Id} of service {state.Name} is rolled back: {why}"),
                failed.Id, DeploymentStatus.ACTIVE, RolloutState.FAILED, failed.RolloutStateReason ?? why,
                lifecycle == ServiceDeploymentStatus.ROLLBACK_REQUESTED ? ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS : lifecycle, why, Finished: false),
            new ServiceDeploymentStarted(context.Because(
                $"deployment {deployment.Id} of service {state.Name} rolls back to {completed.Revision.Family}:{completed.Revision.Revision} of deployment {completed.Id}"),
                deployment),
        ];
    }

    private static Decision<IServiceEvent> DecideRecordLaunch(ServiceState state, RecordServiceLaunch record)
    {
        var launch = state.Launches.Find(l => l.Token == record.Token);
        if (launch is null || launch.TaskIds is not null) return Decision<IServiceEvent>.Unchanged;
        var events = new List<IServiceEvent>
        {
            new ServiceLaunchSettled(record.Context.Because(
                $"service {state.Name} launched {record.TaskIds.Count} of {launch.Count} task(s) of deployment {launch.DeploymentId}"),
                record.Token, record.TaskIds, record.Failures),
        };
        var messages = new List<string>();
        if (!record.TaskIds.IsEmpty)
            messages.Add($"(service {state.Name}) has started {record.TaskIds.Count} tasks: {string.Join(" ", record.TaskIds.Select(id => $"(task {id})"))}.");
        messages.AddRange(record.Failures.Distinct().Select(reason => $"(service {state.Name}) {reason}"));
        if (Messages(state, record.Context, messages) is { } recorded) events.Add(recorded);
        return Decision<IServiceEvent>.Accept(events);
    }

    /// <summary>
    /// ECS's service events for <paramref name="messages"/>, leaving out those said within the last 6 hours, as ECS does;
    /// null when nothing is new.
    /// </summary>
    internal static ServiceMessagesRecorded? Messages(ServiceState state, RequestContext context, IEnumerable<string> messages)
    {
        var since = context.At - MessageRepeatWindow;
        var fresh = messages.Distinct()
            .Where(m => !state.Messages.Exists(said => said.Message == m && said.CreatedAt > since))
            .Select((m, i) => new ServiceMessage(MessageId(state, state.MessagesRecorded + i), context.At, m))
            .ToImmutableList();
        return fresh.IsEmpty ? null : new ServiceMessagesRecorded(context.Because($"service {state.Name} said {fresh.Count} thing(s)"), fresh);
    }

    internal static Deployment NewDeployment(
        ServiceState state, DateTimeOffset at, ServiceRevision revision, DeploymentSettings settings, int desiredCount, string? rollbackOf) => new()
    {
        Id = DeploymentId(state, state.DeploymentsForgotten + state.Deployments.Count),
        Revision = revision,
        Settings = settings,
        CreatedAt = at,
        UpdatedAt = at,
        RollbackOf = rollbackOf,
        SourceDeploymentIds = [.. state.Deployments.Where(d => d.Status != DeploymentStatus.INACTIVE).Select(d => d.Id)],
        BreakerThreshold = settings.CircuitBreakerEnabled ? DeploymentSettings.BreakerThreshold(desiredCount) : null,
    };

    /// <summary>ECS's deployment ids (<c>ecs-svc/</c> and 19 digits), derived from the service and the deployment's number so that replay gives the same.</summary>
    private static string DeploymentId(ServiceState state, int number) =>
        $"{ServiceDeploymentIds.Prefix}{Digest($"{state.EntityId}#{state.CreatedAt?.ToUnixTimeMilliseconds()}#{number}") % 10_000_000_000_000_000_000UL:D19}";

    private static string MessageId(ServiceState state, long number)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{state.EntityId}#message#{number}"));
        return new Guid(bytes.AsSpan(0, 16)).ToString();
    }

    private static ulong Digest(string text) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);

    private static DeploymentSettings Settings(DeploymentSettings current, DeploymentSettingsRequest? request) => request is null
        ? current
        : new DeploymentSettings(
            request.MinimumHealthyPercent ?? current.MinimumHealthyPercent,
            request.MaximumPercent ?? current.MaximumPercent,
            request.CircuitBreakerEnabled ?? current.CircuitBreakerEnabled,
            request.Rollback ?? current.Rollback);

    private static DomainError? ValidateDesiredCount(int desired) => desired is < 0 or > MaxDesiredCount
        ? DomainError.InvalidParameter($"desiredCount must be between 0 and {MaxDesiredCount}.")
        : null;

    private static DomainError? ValidateSettings(DeploymentSettings settings, SchedulingStrategy strategy)
    {
        if (settings.MinimumHealthyPercent is < 0 or > 100)
            return DomainError.InvalidParameter("deploymentConfiguration.minimumHealthyPercent must be between 0 and 100.");
        if (strategy == SchedulingStrategy.DAEMON && settings.MaximumPercent != 100)
            return DomainError.InvalidParameter("The maximumPercent of a service with the DAEMON scheduling strategy must be 100.");
        if (settings.MaximumPercent is < 100 or > 2000)
            return DomainError.InvalidParameter("deploymentConfiguration.maximumPercent must be between 100 and 2000.");
        return null;
    }

    private static DomainError? ValidateGracePeriod(int? seconds) => seconds is < 0 or > 2_147_483_647 / 1000
        ? DomainError.InvalidParameter("healthCheckGracePeriodSeconds must be between 0 and 2147483.")
        : null;

    private static DomainError? ValidateRevision(ServiceRevision revision, SchedulingStrategy strategy) =>
        strategy == SchedulingStrategy.DAEMON && !revision.Strategies.IsEmpty
            ? DomainError.InvalidParameter("Placement strategies are not supported with DAEMON scheduling strategy.")
            : Placement.PlacementRules.ValidateConstraints(revision.Constraints) ?? Placement.PlacementRules.ValidateStrategies(revision.Strategies);

    private static DomainError? ValidatePropagateTags(string? propagateTags) => propagateTags is null or "TASK_DEFINITION" or "SERVICE" or "NONE"
        ? null
        : DomainError.InvalidParameter("propagateTags must be TASK_DEFINITION, SERVICE or NONE.");
}
