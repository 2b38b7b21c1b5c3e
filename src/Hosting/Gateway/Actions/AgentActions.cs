using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;

namespace Actors.Hosting.Gateway.Actions;

/// <summary>
/// The agents' sync: their report goes to their container instance as one command (the heartbeat and every task
/// change it implies), and the desired state comes back - at once when it differs from what the agent knows, else
/// when it changes or the agent's wait is over.
/// </summary>
public static class AgentActions
{
    /// <summary>Agent keys only; the instance itself refuses a sync from any key but the one that registered it.</summary>
    public static void Register(ActionTable table) => table.AddTarget<AgentSyncRequest>(AgentProtocol.SyncTarget, Sync, KeyRole.Agent);

    private static async Task<object> Sync(AgentSyncRequest request, ActionContext context)
    {
        var cluster = ResourceNames.ValidClusterName(ResourceNames.Cluster(request.Cluster));
        if (request.ContainerInstanceArn is not { } arn || !ContainerInstanceActions.TryInstanceId(arn, cluster, out var instanceId))
            throw EcsError.InvalidParameter("containerInstanceArn must name a container instance of the cluster.");
        var entityId = ContainerInstanceState.EntityIdOf(cluster, instanceId);
        var tasks = request.Tasks ?? [];
        if (tasks.Any(t => t?.TaskId is null || t.Containers is null || t.Containers.Any(c => c?.Name is null || c.Status is null)))
            throw EcsError.InvalidParameter("Every reported task needs a taskId and its containers, each with a name and a status.");
        if (tasks.Select(t => t.TaskId).Distinct().Count() != tasks.Count)
            throw EcsError.InvalidParameter("A task is reported more than once.");

        // A stopping gateway holds no poll: the agent hears the desired state now, and its next sync goes to a gateway that stays.
        var wait = context.Stopping.IsCancellationRequested
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Clamp(request.WaitSeconds ?? 0, 0, AgentProtocol.MaxWaitSeconds));
        // A large report goes in parts, each far below a remote frame; the entity puts them together. A request of less
        // than half the budget holds a report that fits one part (its items weigh about what they weighed on the wire),
        // so only larger ones are measured item by item.
        List<List<ReportedTask>> parts = context.Body.Length < MessageBudget.Bytes / 2 ? [[.. tasks]] : MessageBudget.Parts(tasks).ToList();
        var instances = context.Plane.ContainerInstances;
        Task<AgentSyncAnswer?> SendSync(TimeSpan maxWait)
        {
            var preceding = parts.SkipLast(1).Select((part, index) =>
                new AgentReportPart(context.Request.RequestId, context.Request.Principal, index, [.. part]));
            var last = parts.Count == 0 ? [] : parts[^1];
            return instances.AskHeld<AgentSyncAnswer>(context.Plane.System, entityId, preceding,
                new AgentSync(new ReportAgentState(context.Request, [.. last]), request.KnownDesiredVersion, maxWait, Math.Max(parts.Count - 1, 0)),
                context.Cancellation);
        }
        var answering = SendSync(wait);
        AgentSyncAnswer? answer;
        // Registered after the sync was sent, so the entity always hears the end after the poll it ends.
        await using (context.Stopping.Register(() => instances.Tell(entityId, new EndLongPoll(context.Request.RequestId))))
            answer = await answering;
        // The instance's entity died holding the poll (its node was killed): its next incarnation answers at once, so the
        // agent hears a stop recorded meanwhile without waiting out the poll. The report is a state, sent again harmlessly.
        answer ??= await SendSync(TimeSpan.Zero)
                   ?? throw new EcsError(ErrorCodes.Server, "The container instance's entity stopped twice while answering: sync again.",
                       StatusCodes.Status500InternalServerError);
        if (!answer.Registered)
            throw new EcsError(AgentProtocol.NotRegisteredError, $"Container instance {arn} is not registered.");
        if (answer.Error is { } error) throw EcsError.From(error);
        var desired = answer.Desired!;
        return new AgentSyncResponse(answer.DesiredVersion, desired.Run, desired.Stop, desired.Keep, desired.More);
    }
}
