using Actors.Nodes.Protocol;
using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;

namespace Actors.Hosting.Gateway.Shapes;

/// <summary>ECS's TaskDefinition shape: the registered spec's members flattened with what registration added.</summary>
public static class TaskDefinitionShape
{
    public static JsonObject From(TaskDefinitionRevision revision, AccountScope account)
    {
        var shape = JsonSerializer.SerializeToNode(revision.Spec, WireJson.Options)!.AsObject();
        shape["taskDefinitionArn"] = revision.Arn(account);
        shape["revision"] = revision.Revision;
        shape["status"] = revision.Status.ToString();
        shape["requiresAttributes"] = JsonSerializer.SerializeToNode(revision.RequiresAttributes, WireJson.Options);
        shape["compatibilities"] = JsonSerializer.SerializeToNode(revision.Compatibilities, WireJson.Options);
        shape["registeredAt"] = JsonSerializer.SerializeToNode(revision.RegisteredAt, WireJson.Options);
        shape["registeredBy"] = revision.RegisteredBy;
        if (revision.DeregisteredAt is { } deregisteredAt)
            shape["deregisteredAt"] = JsonSerializer.SerializeToNode(deregisteredAt, WireJson.Options);
        return shape;
    }
}
