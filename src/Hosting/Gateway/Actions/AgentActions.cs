using Actors.Domain.ContainerInstances;
using Actors.Nodes.Agent;
using Actors.Nodes.Entities;

namespace Actors.Hosting.Gateway.Actions;

/// <summary>
/// The agents' sync: their report goes to their container instance as one command (the heartbeat and every task
/// change it implies), and the desired state comes back - at once when it differs from what the agent knows, else
/// when it changes or the agent's wait is over.
/// </summary>
public static class AgentActions
{
    public static void Register(ActionTable table) => table.AddTarget<AgentSyncRequest>(AgentProtocol.SyncTarget, Sync);

    private static async Task<object> Sync(AgentSyncRequest request, ActionContext context)
    {
        var cluster = ResourceNames.ValidClusterName(ResourceNames.Cluster(request.Cluster));
        if (request.ContainerInstanceArn is not { } arn || !ContainerInstanceActions.TryInstanceId(arn, cluster, out var instanceId))
            throw EcsError.InvalidParameter("containerInstanceArn must name a container instance of the cluster.");
        var entityId = ContainerInstanceState.EntityIdOf(cluster, instanceId);

        var reported = await context.Plane.ContainerInstances.Send(entityId,
            new ReportAgentState(context.Request, [.. request.Tasks ?? []]), context.Cancellation);
        var state = reported.State;
        if (!state.IsRegistered)
            throw new EcsError(AgentProtocol.NotRegisteredError, $"Container instance {arn} is not registered.");
        if (reported.Error is { } error) throw EcsError.From(error);

        var wait = TimeSpan.FromSeconds(Math.Clamp(request.WaitSeconds ?? 0, 0, AgentProtocol.MaxWaitSeconds));
        if (state.DesiredVersion == request.KnownDesiredVersion && wait > TimeSpan.Zero)
            state = (await context.Plane.ContainerInstances.Ask(entityId, new AwaitDesiredState(request.KnownDesiredVersion, wait),
                wait + TimeSpan.FromSeconds(10), context.Cancellation)).State;

        var desired = ContainerInstanceDesiredState.Of(state);
        return new AgentSyncResponse(state.DesiredVersion, desired.Run, desired.Stop);
    }
}
