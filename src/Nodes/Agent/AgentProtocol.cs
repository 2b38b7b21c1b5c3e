using Actors.Domain.Tasks;

namespace Actors.Nodes.Agent;

/// <summary>
/// The agents' own action on the gateway, beside ECS's: level-triggered sync. The agent sends the whole actual state
/// of its tasks and gets the whole desired state back; when nothing changed the gateway holds the answer until the
/// desired state changes or <see cref="AgentSyncRequest.WaitSeconds"/> pass (a long poll, so new tasks start at once).
/// </summary>
public static class AgentProtocol
{
    public const string SyncTarget = "ActorsAgentV20261124.Sync";
    public const int MaxWaitSeconds = 20;
    /// <summary>The error a sync gets when its container instance is not (or no longer) registered: the agent registers anew.</summary>
    public const string NotRegisteredError = "ContainerInstanceNotRegisteredException";
}

/// <param name="KnownDesiredVersion">The desired-state version of the agent's last answer; -1 on the first sync.</param>
public sealed record AgentSyncRequest(
    string? Cluster, string? ContainerInstanceArn, long KnownDesiredVersion, IReadOnlyList<ReportedTask>? Tasks, int? WaitSeconds);

/// <param name="Run">Tasks to start, with everything needed to run them (tasks the agent did not report).</param>
/// <param name="Stop">Tasks whose containers should be stopped; tasks in no list are to be removed.</param>
/// <param name="Keep">Tasks the agent reported that should go on running: their definitions are not sent again.</param>
/// <param name="More">More tasks wait to be started than one answer carries: sync again at once.</param>
public sealed record AgentSyncResponse(long DesiredVersion, IReadOnlyList<TaskState> Run, IReadOnlyList<string> Stop,
    IReadOnlyList<string>? Keep = null, bool More = false);
