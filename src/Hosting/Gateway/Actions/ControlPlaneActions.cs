using Actors.Nodes;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Hosting;

namespace Actors.Hosting.Gateway.Actions;

/// <summary>The control plane's own state for its operators: <c>actors cluster status</c> calls it, signed with a user key.</summary>
public static class ControlPlaneActions
{
    public const string DescribeTarget = "ActorsControlPlaneV20261124.DescribeControlPlane";

    /// <param name="Entities">"kind/entity-id" entries to locate, e.g. "service/default/web"; at most 100.</param>
    public sealed record DescribeControlPlaneRequest(IReadOnlyList<string>? Entities);

    public static void Register(ActionTable table) =>
        table.AddTarget<DescribeControlPlaneRequest>(DescribeTarget, Describe, Auth.KeyRole.User);

    private static async Task<object> Describe(DescribeControlPlaneRequest request, ActionContext context)
    {
        var entities = request.Entities ?? [];
        if (entities.Count > 100) throw EcsError.InvalidParameter("entities: at most 100 entries.");
        var locate = new List<(string Kind, string EntityId)>();
        foreach (var entity in entities)
        {
            var slash = entity.IndexOf('/');
            var kind = slash > 0 ? entity[..slash] : "";
            if (!context.Plane.RegionsByKind.ContainsKey(kind) || slash == entity.Length - 1)
                throw EcsError.InvalidParameter(
                    $"entities: '{entity}' is not KIND/ENTITY-ID with a kind of {string.Join(", ", context.Plane.RegionsByKind.Keys)}.");
            locate.Add((kind, entity[(slash + 1)..]));
        }
        return await ControlPlaneStatus.Read(context.Plane.System, context.Plane.RegionsByKind, locate, context.Cancellation);
    }
}
