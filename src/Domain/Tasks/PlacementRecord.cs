using System.Collections.Immutable;
using Actors.Domain.Placement;

namespace Actors.Domain.Tasks;

/// <summary>Instances turned away for one reason, with up to <see cref="PlacementRecord.MaxIdsPerReason"/> of their ids.</summary>
public sealed record RejectedCandidates(string Reason, string? Detail, int Count, ImmutableList<string> ContainerInstanceIds);

/// <summary>
/// Why a task landed where it did, stored in its TaskPlaced event: the rule that chose, the strategies in order, the
/// seed (the placer is deterministic, so seed plus the journal's instance states replay the decision exactly), the
/// runners-up with their scores and every rejected candidate grouped by reason.
/// </summary>
public sealed record PlacementRecord(
    string ChosenContainerInstanceId,
    string ChosenBy,
    ImmutableList<PlacementStrategy> Strategies,
    int Seed,
    int CandidateCount,
    ImmutableList<CandidateVerdict> Accepted,
    ImmutableList<RejectedCandidates> Rejected)
{
    /// <summary>The version of the chosen instance that the decision was made against (null for StartTask and old records).</summary>
    public long? ChosenInstanceVersion { get; init; }

    public const int MaxIdsPerReason = 20;
    public const int MaxAcceptedKept = 5;

    /// <summary>The record of a placer decision; large clusters keep the best few accepted and a bounded list of rejected ids.</summary>
    public static PlacementRecord From(PlacementDecision decision) => new(
        decision.ContainerInstanceId ?? throw new ArgumentException("The decision placed no task.", nameof(decision)),
        decision.ChosenBy ?? "",
        decision.StrategiesApplied,
        decision.Seed,
        decision.CandidateCount,
        // The decision already keeps only the chosen verdict then the next accepted ones in instance-id order.
        [.. decision.Accepted.Take(MaxAcceptedKept)],
        [.. decision.Rejected.Select(g => new RejectedCandidates(g.Reason, g.Detail, g.Count, [.. g.ContainerInstanceIds.Take(MaxIdsPerReason)]))]);

    /// <summary>StartTask: the caller chose the instance.</summary>
    public static PlacementRecord ChosenByCaller(string containerInstanceId) =>
        new(containerInstanceId, "StartTask: the caller named the container instance", [], 0, 1, [], []);
}
