using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Launches;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Scheduling;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;

namespace Actors.Nodes.Scheduling;

// What the gateway (and, next, service actors) ask of a cluster's scheduler, and what it answers. Every answer carries
// what its caller needs and nothing of the entities' whole state, so that it stays far below a remote frame.

/// <summary>
/// Every launch as one request - RunTask, StartTask (with <paramref name="Targets"/>, the named instances) and a service's
/// step: the task definition as named ("family", "family:revision" or its ARN) and how its tasks are made and placed. The
/// scheduler checks the cluster, resolves the revision and makes the spec. <paramref name="Failures"/> are known before
/// placing (StartTask's names that are no instance of the cluster) and are part of the answer.
/// </summary>
public sealed record LaunchTasks(
    RequestContext Context,
    string TaskDefinition,
    LaunchOptions Options,
    int Count,
    ImmutableList<string>? Targets,
    string? ClientToken,
    string? RequestFingerprint,
    ImmutableList<LaunchFailure> Failures);

/// <summary>The tasks a launch placed and why others were not. Tasks come without overrides: the caller sent them.</summary>
/// <param name="FailureCounts">
/// How many instances failed each requirement over every instance the placement checked (<paramref name="Failures"/> names
/// at most <see cref="LaunchCoordinator.MaxFailuresPerLaunch"/>); null when not known, as for a clientToken's replay.
/// </param>
public sealed record LaunchResult(
    ImmutableList<TaskDescription> Tasks, ImmutableList<LaunchFailure> Failures, DomainError? Error,
    ImmutableSortedDictionary<string, int>? FailureCounts = null);

/// <summary>StopTask: the scheduler finds the task's instance and hands the command on; the instance answers.</summary>
public sealed record StopClusterTask(RequestContext Context, string TaskId, TaskStopCode StopCode, string Reason);

/// <summary>TagResource of a task: as StopTask, handed to the task's instance, which answers <see cref="TaskTags"/>.</summary>
public sealed record TagClusterTask(TagTask Command);

/// <summary>UntagResource of a task: handed to the task's instance, which answers <see cref="TaskTags"/>.</summary>
public sealed record UntagClusterTask(UntagTask Command);

/// <summary>ListTagsForResource of a task: handed to the task's instance as <see cref="GetTaskTags"/>.</summary>
public sealed record GetClusterTaskTags(string TaskId);

/// <summary>An instance's answer about the tags of one of its tasks: its tags now, or why not.</summary>
public sealed record TaskTags(ImmutableList<Tag> Tags, DomainError? Error);

/// <summary>Where each named task lives; tasks the cluster does not know are left out.</summary>
public sealed record LocateTasks(ImmutableList<string> TaskIds) : IEntityQuery;

public sealed record TaskLocations(ImmutableDictionary<string, string> InstanceByTask);

/// <summary>One page of ListTasks, ids in ordinal order after <paramref name="AfterTaskId"/>.</summary>
public sealed record ListClusterTasks(
    string? ContainerInstanceId, string? Family, string? StartedBy, string? Group, TaskLifecycleStatus DesiredStatus, string? AfterTaskId, int Limit) : IEntityQuery;

/// <summary>One page of ListContainerInstances, ids in ordinal order after <paramref name="AfterInstanceId"/>.</summary>
/// <param name="Status">Null: every registered status.</param>
/// <param name="Filter">The cluster query language, already validated by the caller.</param>
public sealed record ListClusterInstances(ContainerInstanceStatus? Status, string? Filter, string? AfterInstanceId, int Limit) : IEntityQuery;

/// <summary>One page of ListAttributes over the cluster's instances, in (instance id, name) order after the given key.</summary>
public sealed record ListClusterAttributes(string? AttributeName, string? AttributeValue, string? AfterInstanceId, string? AfterName, int Limit) : IEntityQuery;

public sealed record InstanceAttribute(string ContainerInstanceId, string Name, string? Value);

public sealed record AttributePage(ImmutableList<InstanceAttribute> Attributes, bool More);

/// <param name="More">More ids follow the last one of this page.</param>
public sealed record IdPage(ImmutableList<string> Ids, bool More);

/// <summary>DescribeClusters: the cluster and its counts from the placement view.</summary>
public sealed record GetClusterSummary : IEntityQuery
{
    public static GetClusterSummary Instance { get; } = new();
}

public sealed record ClusterSummary(ClusterState Cluster, int RegisteredContainerInstances, int RunningTasks, int PendingTasks);

/// <summary>
/// RegisterContainerInstance through its cluster: a new instance named (<see cref="ContainerInstance.Named"/>), admitted (the
/// cluster <c>default</c> created on first use), then recorded by the instance.
/// </summary>
public sealed record RegisterInstance(RegisterContainerInstance Command, int MaxInstances);

/// <summary>DeregisterContainerInstance through its cluster: recorded by the instance, then the cluster lets it go.</summary>
public sealed record DeregisterInstance(string InstanceId, DeregisterContainerInstance Command);

/// <summary>An instance's changes for its cluster's scheduler (the change feed; acknowledged, resent until it is).</summary>
public sealed record InstanceChanged(InstanceChanges Changes);

/// <summary>The scheduler applied an instance's changes sent at <paramref name="UpToVersion"/>, these tasks included.</summary>
public sealed record InstanceChangesAcknowledged(long UpToVersion, ImmutableList<string> TaskIds);

/// <summary>The scheduler (re)starts and asks each member for everything it holds.</summary>
public sealed record ResendChanges
{
    public static ResendChanges Instance { get; } = new();
}

/// <summary>DescribeTasks of some tasks of one instance. The answer holds as many as fit a small message; ask again for the rest.</summary>
public sealed record DescribeInstanceTasks(ImmutableList<string> TaskIds) : IEntityQuery;

public sealed record TasksDescribed(ImmutableList<TaskDescription> Tasks);

/// <summary>The tags of one task of an instance (ListTagsForResource).</summary>
public sealed record GetTaskTags(string TaskId);

/// <summary>What an instance answers to PlaceTask and StopTask: the task as it now is, or why not.</summary>
public sealed record TaskAnswer(TaskDescription? Task, DomainError? Error);

/// <summary>
/// PutAttributes (or, with <paramref name="Delete"/>, DeleteAttributes) over instances of the cluster: one decision of
/// its scheduler, all or none. Each target's attributes are already resolved from the request's targetIds.
/// </summary>
public sealed record ChangeInstanceAttributes(RequestContext Context, ImmutableList<InstanceAttributeTarget> Targets, bool Delete);

public sealed record InstanceAttributeTarget(string InstanceId, ImmutableList<Domain.ContainerInstances.Attribute> Attributes);

/// <summary>Every target took its attributes, or (with <paramref name="Error"/>, the first target's refusal) none did.</summary>
public sealed record InstanceAttributesChanged(DomainError? Error);

/// <summary>UpdateContainerInstancesState: one decision over the named instances; those that cannot change are failures of the answer.</summary>
public sealed record ChangeInstancesState(RequestContext Context, ImmutableList<string> InstanceIds, string Status);

/// <summary>One outcome per instance asked for, in the order asked: the instance as it now is, or ECS's failure reason.</summary>
public sealed record InstancesStateChanged(ImmutableList<InstanceStateOutcome> Outcomes, DomainError? Error);

public sealed record InstanceStateOutcome(string InstanceId, ContainerInstanceState? Updated, string? FailureReason);
