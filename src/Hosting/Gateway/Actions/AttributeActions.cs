using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using EcsAttribute = Actors.Domain.ContainerInstances.Attribute;

using Actors.Nodes.Scheduling;

namespace Actors.Hosting.Gateway.Actions;

public sealed record PutAttributesRequest(string? Cluster, List<EcsAttribute>? Attributes);

public sealed record ListAttributesRequest(string? Cluster, string? TargetType, string? AttributeName, string? AttributeValue,
    string? NextToken, int? MaxResults);

/// <summary>PutAttributes, DeleteAttributes and ListAttributes: custom attributes of container instances, the one target type ECS has.</summary>
public static class AttributeActions
{
    private const string ContainerInstanceTarget = "container-instance";
    private const int MaxAttributesPerCall = 10;

    public static void Register(ActionTable table)
    {
        table.Add<PutAttributesRequest>("PutAttributes", (request, context) => Change(request, context, put: true));
        table.Add<PutAttributesRequest>("DeleteAttributes", (request, context) => Change(request, context, put: false));
        table.Add<ListAttributesRequest>("ListAttributes", ListAttributes);
    }

    private static async Task<object> Change(PutAttributesRequest request, ActionContext context, bool put)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        if (request.Attributes is not { Count: > 0 } attributes)
            throw EcsError.InvalidParameter("attributes must contain at least one attribute.");
        if (attributes.Count > MaxAttributesPerCall)
            throw EcsError.InvalidParameter($"At most {MaxAttributesPerCall} attributes can be changed in one call.");

        var byInstance = new Dictionary<string, List<EcsAttribute>>();
        foreach (var attribute in attributes)
        {
            if (attribute.TargetType is not (null or ContainerInstanceTarget))
                throw EcsError.InvalidParameter($"Invalid targetType '{attribute.TargetType}'. Valid values: {ContainerInstanceTarget}.");
            if (string.IsNullOrEmpty(attribute.TargetId))
                throw EcsError.InvalidParameter($"Attribute '{attribute.Name}' needs a targetId: the id or ARN of a container instance.");
            if (!ContainerInstanceActions.TryInstanceId(attribute.TargetId, cluster, out var instanceId))
                throw new EcsError(ErrorCodes.TargetNotFound, $"Could not find {attribute.TargetId}.");
            if (!byInstance.TryGetValue(instanceId, out var forInstance)) byInstance[instanceId] = forInstance = [];
            forInstance.Add(attribute with { TargetType = null, TargetId = null });
        }

        // One decision of the cluster's scheduler: every instance takes its attributes, or none does.
        var changed = await context.Plane.Clusters.Ask<InstanceAttributesChanged>(cluster, new ChangeInstanceAttributes(context.Request,
            [.. byInstance.Select(target => new InstanceAttributeTarget(target.Key, [.. target.Value]))], Delete: !put), context.Cancellation);
        if (changed.Error is { } error) throw EcsError.From(error);
        return new { attributes = attributes.Select(a => a with { TargetType = ContainerInstanceTarget }) };
    }

    private static async Task<object> ListAttributes(ListAttributesRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        if (request.TargetType != ContainerInstanceTarget)
            throw EcsError.InvalidParameter($"targetType is required and must be {ContainerInstanceTarget}.");
        if (request.AttributeValue is not null && request.AttributeName is null)
            throw EcsError.InvalidParameter("attributeValue can only be given with attributeName.");

        var pageSize = Paging.PageSize(request.MaxResults);
        // The token's key is "<instance ARN>\0<attribute name>", as before the scheduler answered this.
        var (afterInstance, afterName) = Paging.LastKey(request.NextToken)?.Split('\0') is [var arn, var name]
                                         && ContainerInstanceActions.TryInstanceId(arn, cluster, out var id)
            ? (id, name)
            : ((string?)null, (string?)null);
        var found = await context.Plane.Clusters.Ask<AttributePage>(cluster,
            new ListClusterAttributes(request.AttributeName, request.AttributeValue, afterInstance, afterName, pageSize), context.Cancellation);
        var attributes = found.Attributes.Select(a => new Domain.ContainerInstances.Attribute(a.Name, a.Value, ContainerInstanceTarget,
            context.Plane.Account.ContainerInstanceArn(cluster, a.ContainerInstanceId))).ToList();
        var page = new Paging.Page<Domain.ContainerInstances.Attribute>(attributes,
            found.More ? Paging.TokenAfter($"{attributes[^1].TargetId}\0{attributes[^1].Name}") : null);
        return new { attributes = page.Items, nextToken = page.NextToken };
    }
}
