using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Akka.Actor;

namespace Actors.Nodes.Services;

// What the gateway asks of services (through their cluster to create one), what services ask of their cluster's
// scheduler, and the answers. Lean like the scheduler's: a service answers its configuration, current deployments and
// counts, never its history or bookkeeping.

/// <summary>CreateService through its cluster: the cluster takes the service in, then the service records itself.</summary>
public sealed record CreateServiceInCluster(string ServiceName, CreateService Command, int MaxServices);

/// <summary>DescribeServices of one service.</summary>
public sealed record DescribeService : IEntityQuery
{
    public static DescribeService Instance { get; } = new();
}

/// <summary>
/// A service as DescribeServices shows it: configuration, current deployments (without failure ids; the history stays
/// in the entity, where ListServiceDeployments pages it), the newest events, and the task counts of the cluster's last
/// observation.
/// </summary>
/// <param name="DesiredCount">The tasks the service wants now: its desiredCount, or for DAEMON its eligible instances.</param>
public sealed record ServiceView(
    ServiceState Service,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    ImmutableDictionary<string, DeploymentCounts> Deployments);

/// <summary>A deployment's tasks as last observed: RUNNING, and PENDING (launching included).</summary>
public sealed record DeploymentCounts(int Running, int Pending);

/// <summary>What every service command and query answers: the service as now (null when it never existed), or why not.</summary>
public sealed record ServiceAnswer(ServiceView? Service, DomainError? Error);

/// <summary>ListServiceDeployments: the service's deployments (newest first) created within the window, one page.</summary>
public sealed record ListDeployments(DateTimeOffset? CreatedAfter, DateTimeOffset? CreatedBefore, ImmutableList<ServiceDeploymentStatus> Statuses,
    string? AfterDeploymentId, int Limit) : IEntityQuery;

/// <summary>
/// DescribeServiceDeployments / DescribeServiceRevisions: the named deployments (a revision is its deployment's), and
/// the deployments that rolled any of them back (a rolled-back ServiceDeployment names the revision it returned to).
/// The answer's More says that not all of the named fitted: ask again for the rest.
/// </summary>
public sealed record DescribeDeployments(ImmutableList<string> DeploymentIds) : IEntityQuery;

public sealed record DeploymentPage(ImmutableList<Deployment> Deployments, bool More, DomainError? Error);

/// <summary>ListServices: one page of the cluster's service names.</summary>
public sealed record ListClusterServices(SchedulingStrategy? SchedulingStrategy, string? AfterName, int Limit) : IEntityQuery;

/// <summary>
/// A service asks its cluster's scheduler what runs of it: its group's tasks and their instances (and, for DAEMON,
/// every registered instance with whether it may hold the daemon's task), one page at a time. The first page (no
/// after-ids) also subscribes the service to its feed: from the last page on, the scheduler sends it what changes
/// (<see cref="ServiceObservationChanged"/>), judging a DAEMON's instances by this <paramref name="Daemon"/>.
/// </summary>
public sealed record ObserveService(string ServiceName, DaemonEligibility? Daemon, string? AfterTaskId, string? AfterInstanceId);

/// <summary>What makes an instance eligible for a DAEMON service's task, besides being ACTIVE with its agent connected.</summary>
public sealed record DaemonEligibility(ImmutableList<PlacementConstraint> Constraints, ImmutableList<RequiredAttribute> RequiredAttributes);

/// <param name="Epoch">This start of the scheduler: every page of one read must come from the same.</param>
/// <param name="Sequence">The last feed message sent when the page was answered: the feed's messages after it are newer than the read.</param>
public sealed record ServiceObservationPage(
    ImmutableList<ObservedTask> Tasks,
    ImmutableList<ObservedInstance> Instances,
    string? NextTaskId,
    string? NextInstanceId,
    DomainError? Error,
    string Epoch,
    long Sequence);

/// <summary>
/// The scheduler's feed to one service: the service's tasks and instances that changed, as they are now (a task or an
/// instance the cluster no longer shows is named as removed). Acknowledged; one message in flight per service, resent
/// with what is then current until it is acknowledged; at most <see cref="Scheduling.ClusterScheduler.MaxItemsPerServiceChange"/>
/// tasks and instances each.
/// </summary>
/// <param name="Sequence">Rises with every message of the scheduler's <paramref name="Epoch"/>: an older one arriving late is dropped.</param>
public sealed record ServiceObservationChanged(
    string Epoch,
    long Sequence,
    ImmutableList<ObservedTask> Tasks,
    ImmutableList<string> RemovedTasks,
    ImmutableList<ObservedInstance> Instances,
    ImmutableList<string> RemovedInstances);

/// <summary>The service received the feed's message <paramref name="Sequence"/>: the scheduler may send the next.</summary>
public sealed record ServiceObservationAcknowledged(string ServiceName, string Epoch, long Sequence);

/// <summary>
/// A scheduler that has no feed for the service (it started since the service last read, or the service never did)
/// tells it that what it knows may be out of date: read it whole again, which subscribes it.
/// </summary>
public sealed record ServiceObservationStale(string Epoch);

/// <summary>
/// Published on the node's event stream whenever a service reads what its cluster runs of it: a whole read
/// (<paramref name="Messages"/> pages) or one message of its feed. What the service's reconciles cost, for tests and diagnosis.
/// </summary>
public sealed record ServiceObservationRead(string ServiceEntityId, bool Whole, int Messages, int Tasks) : INoSerializationVerificationNeeded;
