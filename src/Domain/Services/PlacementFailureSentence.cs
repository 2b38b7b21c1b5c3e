using Actors.Domain.Launches;
using Actors.Domain.Clusters;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;

namespace Actors.Domain.Services;

/// <summary>
/// The service event for tasks that could not be placed: ECS's sentence, which tools grep for, naming the closest
/// instance, then what ECS leaves out - how many instances failed each requirement.
/// </summary>
public static class PlacementFailureSentence
{
    public const string Opening = "was unable to place a task because no container instance met all of its requirements.";

    /// <param name="failures">The failures named, closest first.</param>
    /// <param name="counts">How many instances failed each requirement, over all that were checked; else the named ones are counted.</param>
    public static string Of(IReadOnlyList<LaunchFailure> failures, IReadOnlyDictionary<string, int>? counts = null)
    {
        if (failures.Count == 0) return Opening;
        var closest = failures[0];
        var sentence = $"{Opening} The closest matching (container-instance {closest.Target}) {Phrase(closest.Reason)}. "
                       + "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";
        var perReason = counts ?? failures.GroupBy(f => f.Reason).ToDictionary(g => g.Key, g => g.Count());
        var phrases = perReason.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {Count(c.Key)}");
        return $"{sentence} Of the instances checked: {string.Join(", ", phrases)}.";
    }

    private static string Phrase(string reason) => reason switch
    {
        ResourceFailureReasons.Memory => "has insufficient memory available",
        ResourceFailureReasons.Cpu => "has insufficient CPU units available",
        ResourceFailureReasons.Ports or ResourceFailureReasons.UdpPorts => "is already using a port required by your task",
        PlacementFailureReasons.Attribute => "is missing an attribute required by your task",
        PlacementFailureReasons.Agent => "has no connected container agent",
        PlacementFailureReasons.Inactive => "is not ACTIVE",
        _ => $"failed {reason}",
    };

    private static string Count(string reason) => reason switch
    {
        ResourceFailureReasons.Memory => "lack memory",
        ResourceFailureReasons.Cpu => "lack CPU",
        ResourceFailureReasons.Ports => "have a required port taken",
        ResourceFailureReasons.UdpPorts => "have a required UDP port taken",
        PlacementFailureReasons.Attribute => "miss a required attribute or constraint",
        PlacementFailureReasons.Agent => "have their agent disconnected",
        PlacementFailureReasons.Inactive => "are DRAINING or not ACTIVE",
        _ => $"failed {reason}",
    };
}
