using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Placement;

/// <summary>What to place: <paramref name="Count"/> tasks that each take <paramref name="Demand"/>.</summary>
/// <param name="Constraints">Binding: the task definition's memberOf constraints and the request's (see <see cref="PlacementRules.Combine"/>).</param>
/// <param name="Strategies">Best effort, in order; empty means <see cref="PlacementStrategy.RunTaskDefault"/>.</param>
/// <param name="TaskGroup">The group the tasks join (<c>family:x</c>, <c>service:y</c>): distinctInstance and spread count its tasks.</param>
/// <param name="RequiredAttributes">The task definition's <c>requiresAttributes</c>: an instance must have each (with the value, when one is given).</param>
/// <param name="Seed">Drives the random strategy, so that the same request over the same cluster places the same way.</param>
public sealed record PlacementRequest(
    ResourceDemand Demand,
    ImmutableList<PlacementConstraint> Constraints,
    ImmutableList<PlacementStrategy> Strategies,
    int Count,
    string TaskGroup,
    ImmutableList<RequiredAttribute> RequiredAttributes,
    int Seed)
{
    /// <summary>The request RunTask makes for a registered revision; the group defaults to <c>family:&lt;family&gt;</c> as in ECS.</summary>
    public static PlacementRequest ForRunTask(
        TaskDefinitionRevision revision,
        TaskOverride? overrides,
        IEnumerable<PlacementConstraint>? constraints,
        IEnumerable<PlacementStrategy>? strategies,
        int count,
        string? group,
        int seed) =>
        new(
            TaskResources.Demand(revision.Spec, overrides),
            PlacementRules.Combine(revision.Spec.PlacementConstraints, constraints),
            (strategies ?? []).ToImmutableList(),
            count,
            group ?? DefaultGroup(revision.Family),
            revision.RequiresAttributes.ToImmutableList(),
            seed);

    public static string DefaultGroup(string family) => $"family:{family}";
}

/// <summary>A container instance as placement sees it.</summary>
/// <param name="TaskGroups">The group of every active task on the instance, one entry per task (a group repeats as often as it has tasks there).</param>
public sealed record PlacementCandidate(ContainerInstanceState Instance, ImmutableList<string> TaskGroups)
{
    public static PlacementCandidate Of(ContainerInstanceState instance, params string[] taskGroups) => new(instance, [.. taskGroups]);

    public int TasksOfGroup(string group) => TaskGroups.Count(g => g == group);
}

/// <summary>Why a candidate could not take a task, in the order the checks run (the later, the closer the match).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Rejection>))]
public enum Rejection
{
    /// <summary>Not ACTIVE (DRAINING, or registering/deregistering): takes no new tasks.</summary>
    NotActive,
    AgentDisconnected,
    InsufficientResources,
    MissingRequiredAttribute,
    MemberOfUnmet,
    DistinctInstance,
}

/// <summary>One strategy's view of a candidate: the sort key (lower wins) and what it means.</summary>
public sealed record StrategyScore(string Strategy, long Value, string Meaning);

/// <summary>A candidate's verdict for one task: accepted with its scores, or rejected with RunTask's failure reason.</summary>
/// <param name="Reason">RunTask's <c>failures[].reason</c>: AGENT, ATTRIBUTE, RESOURCE:*, INACTIVE; null when accepted.</param>
/// <param name="Detail">What failed: the resource, the missing attribute, the unmet constraint.</param>
public sealed record CandidateVerdict(
    string ContainerInstanceId,
    bool Accepted,
    Rejection? Rejection,
    string? Reason,
    string? Detail,
    ImmutableList<StrategyScore> Scores)
{
    public static CandidateVerdict Accept(string instanceId, ImmutableList<StrategyScore> scores) => new(instanceId, true, null, null, null, scores);

    public static CandidateVerdict Reject(string instanceId, Rejection rejection, string reason, string detail) =>
        new(instanceId, false, rejection, reason, detail, []);
}

/// <summary>
/// The candidates turned away for one task with the same reason and detail: how many, and the lowest
/// <see cref="PlacementRecord.MaxIdsPerReason"/> of their ids in instance-id order.
/// </summary>
public sealed record RejectedGroup(Rejection Rejection, string Reason, string Detail, int Count, ImmutableList<string> ContainerInstanceIds);

/// <summary>
/// How one task was placed, or why it was not: the strategies in the order applied, the rule that chose, and a bounded
/// summary of the candidates (the verdicts <see cref="PlacementRecord"/> keeps, the rejected grouped by reason), so that
/// an audit can answer "why did my task land there / not at all" without a verdict per instance per task.
/// </summary>
/// <param name="TaskIndex">0-based position of the task among the request's <c>count</c>.</param>
/// <param name="ContainerInstanceId">The chosen instance; null when no candidate accepted the task.</param>
/// <param name="DefaultStrategies">The request named no strategy, so <see cref="PlacementStrategy.RunTaskDefault"/> applied.</param>
/// <param name="ChosenBy">The strategy and value that set the winner apart, e.g. <c>binpack(memory): least remaining memory 256</c>.</param>
/// <param name="CandidateCount">How many registered instances were considered.</param>
/// <param name="Accepted">The chosen instance's verdict, then those of the next accepted instances in instance-id order, at most <see cref="PlacementRecord.MaxAcceptedKept"/> in all; empty when none accepted.</param>
/// <param name="Rejected">Every rejected candidate, grouped by (reason, detail) in order of each group's lowest instance id.</param>
public sealed record PlacementDecision(
    int TaskIndex,
    string? ContainerInstanceId,
    ImmutableList<PlacementStrategy> StrategiesApplied,
    bool DefaultStrategies,
    string? ChosenBy,
    int Seed,
    int CandidateCount,
    ImmutableList<CandidateVerdict> Accepted,
    ImmutableList<RejectedGroup> Rejected)
{
    [JsonIgnore]
    public bool Placed => ContainerInstanceId is not null;
}

/// <summary>RunTask's <c>Failure</c> for a task that could not be placed: one per instance considered, with its reason.</summary>
public sealed record PlacementFailure(string ClusterName, string ContainerInstanceId, string Reason, string? Detail)
{
    public string Arn(AccountScope scope) => scope.ContainerInstanceArn(ClusterName, ContainerInstanceId);
}

/// <summary>The outcome of <see cref="Placer.Place"/>.</summary>
/// <param name="Decisions">One per placed task, then one for the first task that could not be placed (the rest would fail alike).</param>
/// <param name="Failures">RunTask's failures for the unplaced tasks; empty when all were placed.</param>
/// <param name="UnplacedCount">How many of the requested tasks found no instance.</param>
/// <param name="NoContainerInstances">The cluster has no registered instance: RunTask answers <see cref="PlacementErrors.NoContainerInstances"/>.</param>
public sealed record PlacementResult(
    ImmutableList<PlacementDecision> Decisions,
    ImmutableList<PlacementFailure> Failures,
    int UnplacedCount,
    bool NoContainerInstances)
{
    [JsonIgnore]
    public IEnumerable<PlacementDecision> Placements => Decisions.Where(d => d.Placed);
}

public static class PlacementErrors
{
    public const string NoContainerInstancesMessage = "No Container Instances were found in your cluster.";

    /// <summary>What RunTask answers, as an error rather than failures, for a cluster with no registered instance.</summary>
    public static DomainError NoContainerInstances { get; } = DomainError.InvalidParameter(NoContainerInstancesMessage);
}

/// <summary>RunTask's failure reasons other than the RESOURCE:* ones of <see cref="ResourceFailureReasons"/>.</summary>
public static class PlacementFailureReasons
{
    public const string Agent = "AGENT";
    public const string Attribute = "ATTRIBUTE";
    /// <summary>The instance is not ACTIVE (DRAINING included): ECS places nothing on it.</summary>
    public const string Inactive = "INACTIVE";
}
