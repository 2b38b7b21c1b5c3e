using Actors.Domain.ContainerInstances;

namespace Actors.Domain.Placement;

/// <summary>The sentences ECS writes in service events when a task cannot be placed.</summary>
public static class PlacementExplanation
{
    /// <summary>
    /// The end of ECS's "(service web) was unable to place a task because ..." event: which requirement the closest
    /// matching instance missed. The closest is the one rejected by the latest check (it passed the most), ties going to
    /// the lowest instance id.
    /// </summary>
    public static string ClosestMatch(PlacementResult result)
    {
        if (result.NoContainerInstances)
            return $"no container instance met all of its requirements. Reason: {PlacementErrors.NoContainerInstancesMessage}";
        var unplaced = result.Decisions.FirstOrDefault(d => !d.Placed)
            ?? throw new ArgumentException("Every task was placed: there is no closest match to explain.", nameof(result));
        return ClosestMatch(unplaced);
    }

    public static string ClosestMatch(PlacementDecision unplaced)
    {
        // A group's first id is its lowest, so the lowest id among the groups of the latest rejection is the closest.
        var closest = unplaced.Rejected
            .Where(g => !g.ContainerInstanceIds.IsEmpty)
            .OrderByDescending(g => g.Rejection)
            .ThenBy(g => g.ContainerInstanceIds[0], StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new ArgumentException("The decision has no rejected candidate to explain.", nameof(unplaced));
        return $"no container instance met all of its requirements. The closest matching (container-instance {closest.ContainerInstanceIds[0]}) {Shortfall(closest)}.";
    }

    private static string Shortfall(RejectedGroup rejected) => rejected.Rejection switch
    {
        Rejection.NotActive => "is not ACTIVE",
        Rejection.AgentDisconnected => "has no connected container agent",
        Rejection.InsufficientResources => rejected.Reason switch
        {
            ResourceFailureReasons.Cpu => "has insufficient CPU units available",
            ResourceFailureReasons.Memory => "has insufficient memory available",
            _ => "is already using a port required by your task",
        },
        Rejection.MissingRequiredAttribute => "is missing an attribute required by your task",
        Rejection.MemberOfUnmet => "does not match a placement constraint of your task",
        Rejection.DistinctInstance => "already runs a task of the same group (distinctInstance)",
        _ => $"was rejected: {rejected.Reason}",
    };
}
