using System.Collections.Immutable;
using System.Text.Json;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Hosting.Gateway.Auth;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using EcsAttribute = Actors.Domain.ContainerInstances.Attribute;

namespace Actors.Hosting.Gateway.Actions;

public sealed record RegisterContainerInstanceRequest(
    string? Cluster, string? InstanceIdentityDocument, string? InstanceIdentityDocumentSignature, List<Resource>? TotalResources,
    VersionInfo? VersionInfo, string? ContainerInstanceArn, List<EcsAttribute>? Attributes, List<PlatformDevice>? PlatformDevices,
    List<Tag>? Tags);

public sealed record DeregisterContainerInstanceRequest(string? Cluster, string? ContainerInstance, bool? Force);

public sealed record DescribeContainerInstancesRequest(string? Cluster, List<string>? ContainerInstances, List<string>? Include);

public sealed record ListContainerInstancesRequest(string? Cluster, string? Filter, string? NextToken, int? MaxResults, string? Status);

public sealed record UpdateContainerInstancesStateRequest(string? Cluster, List<string>? ContainerInstances, string? Status);

public static class ContainerInstanceActions
{
    private const int MaxInstancesPerDescribe = 100;
    private const int MaxInstancesPerStateUpdate = 10;

    [Flags]
    private enum Details { None = 0, Tags = 1 }

    // CONTAINER_INSTANCE_HEALTH is accepted and adds nothing until agents report instance health.
    private static readonly Dictionary<string, Details> IncludeNames = new() { ["TAGS"] = Details.Tags, ["CONTAINER_INSTANCE_HEALTH"] = Details.None };

    public static void Register(ActionTable table)
    {
        // Agents register their hosts; users may too (as in ECS), but only the key that registered an instance syncs it.
        table.Add<RegisterContainerInstanceRequest>("RegisterContainerInstance", RegisterContainerInstance, KeyRole.User | KeyRole.Agent);
        table.Add<DeregisterContainerInstanceRequest>("DeregisterContainerInstance", DeregisterContainerInstance);
        table.Add<DescribeContainerInstancesRequest>("DescribeContainerInstances", DescribeContainerInstances);
        table.Add<ListContainerInstancesRequest>("ListContainerInstances", ListContainerInstances);
        table.Add<UpdateContainerInstancesStateRequest>("UpdateContainerInstancesState", UpdateContainerInstancesState);
    }

    private static async Task<object> RegisterContainerInstance(RegisterContainerInstanceRequest request, ActionContext context)
    {
        var cluster = ResourceNames.ValidClusterName(ResourceNames.Cluster(request.Cluster));
        // A new registration leaves the instance unnamed: its cluster's scheduler names it.
        var instanceId = request.ContainerInstanceArn is { } arn ? InstanceId(arn, cluster) : null;
        var command = new Domain.ContainerInstances.RegisterContainerInstance(context.Request, cluster, instanceId,
            Ec2InstanceId(request.InstanceIdentityDocument), [.. request.TotalResources ?? []], request.VersionInfo,
            [.. request.Attributes ?? []], [.. request.Tags ?? []], request.PlatformDevices?.ToImmutableList(),
            instanceId is null ? RegistrationId(request.InstanceIdentityDocument) : null);
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Ask<EntityResponse<ContainerInstanceState>>(cluster,
            new RegisterInstance(command, context.Plane.Limits.MaxContainerInstancesPerCluster), context.Cancellation));
        return new { containerInstance = ContainerInstanceShape.From(state, context.Plane.Account, includeTags: true) };
    }

    private static async Task<object> DeregisterContainerInstance(DeregisterContainerInstanceRequest request, ActionContext context)
    {
        var cluster = await ExistingCluster(request.Cluster, context);
        var instanceId = InstanceId(request.ContainerInstance ?? throw EcsError.InvalidParameter("containerInstance is required."), cluster);
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Ask<EntityResponse<ContainerInstanceState>>(cluster,
            new DeregisterInstance(instanceId, new Domain.ContainerInstances.DeregisterContainerInstance(context.Request, request.Force ?? false)),
            context.Cancellation));
        return new { containerInstance = ContainerInstanceShape.From(state, context.Plane.Account, includeTags: true) };
    }

    private static async Task<object> DescribeContainerInstances(DescribeContainerInstancesRequest request, ActionContext context)
    {
        var cluster = await ExistingCluster(request.Cluster, context);
        if (request.ContainerInstances is not { Count: > 0 } names)
            throw EcsError.InvalidParameter("containerInstances must name at least one container instance.");
        if (names.Count > MaxInstancesPerDescribe)
            throw EcsError.InvalidParameter($"At most {MaxInstancesPerDescribe} container instances can be described at once.");
        var includeTags = Includes.Parse(request.Include, IncludeNames).HasFlag(Details.Tags);

        var described = new List<ContainerInstanceShape>();
        var failures = new List<Failure>();
        foreach (var name in names)
        {
            var state = await Find(cluster, name, context);
            if (state is { Status: not null }) described.Add(ContainerInstanceShape.From(state, context.Plane.Account, includeTags));
            else failures.Add(new Failure(MissingArn(cluster, name, context), "MISSING"));
        }
        return new { containerInstances = described, failures };
    }

    private static async Task<object> ListContainerInstances(ListContainerInstancesRequest request, ActionContext context)
    {
        var cluster = await ExistingCluster(request.Cluster, context);
        ContainerInstanceStatus? status = request.Status switch
        {
            null => null,
            "ACTIVE" or "DRAINING" or "REGISTERING" or "DEREGISTERING" => Enum.Parse<ContainerInstanceStatus>(request.Status),
            // ECS accepts REGISTRATION_FAILED; no Actors instance is ever in it.
            "REGISTRATION_FAILED" => ContainerInstanceStatus.INACTIVE,
            _ => throw EcsError.InvalidParameter($"Invalid status '{request.Status}'. Valid values: ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED."),
        };
        ClusterQuery? filter = null;
        if (!string.IsNullOrWhiteSpace(request.Filter) && !ClusterQuery.TryParse(request.Filter, out filter, out var syntaxError))
            throw EcsError.From(syntaxError);

        var pageSize = Paging.PageSize(request.MaxResults);
        var after = Paging.LastKey(request.NextToken) is { } lastArn && TryInstanceId(lastArn, cluster, out var lastId) ? lastId : null;
        var page = await context.Plane.Clusters.Ask<IdPage>(cluster, new ListClusterInstances(status, filter is null ? null : request.Filter,
            after, pageSize), context.Cancellation);
        var arns = page.Ids.Select(id => context.Plane.Account.ContainerInstanceArn(cluster, id)).ToList();
        return new { containerInstanceArns = arns, nextToken = page.More ? Paging.TokenAfter(arns[^1]) : null };
    }

    private static async Task<object> UpdateContainerInstancesState(UpdateContainerInstancesStateRequest request, ActionContext context)
    {
        var cluster = await ExistingCluster(request.Cluster, context);
        if (request.ContainerInstances is not { Count: > 0 } names)
            throw EcsError.InvalidParameter("containerInstances must name at least one container instance.");
        if (names.Count > MaxInstancesPerStateUpdate)
            throw EcsError.InvalidParameter($"At most {MaxInstancesPerStateUpdate} container instances can be updated at once.");
        if (request.Status is not ("ACTIVE" or "DRAINING"))
            throw EcsError.InvalidParameter($"Invalid status '{request.Status}'. Valid values: ACTIVE, DRAINING.");

        var instanceIds = names.Select(name => TryInstanceId(name, cluster, out var instanceId) ? instanceId : null).ToList();
        // One decision of the cluster's scheduler over every named instance; each one it cannot change is a failure.
        var changed = await context.Plane.Clusters.Ask<InstancesStateChanged>(cluster,
            new ChangeInstancesState(context.Request, [.. instanceIds.OfType<string>()], request.Status), context.Cancellation);
        if (changed.Error is { } refused) throw EcsError.From(refused);
        var outcomes = changed.Outcomes.GetEnumerator();
        var updated = new List<ContainerInstanceShape>();
        var failures = new List<Failure>();
        for (var i = 0; i < names.Count; i++)
        {
            if (instanceIds[i] is null)
            {
                failures.Add(new Failure(MissingArn(cluster, names[i], context), "MISSING"));
                continue;
            }
            outcomes.MoveNext();
            var outcome = outcomes.Current;
            if (outcome.Updated is { } state) updated.Add(ContainerInstanceShape.From(state, context.Plane.Account, includeTags: false));
            else failures.Add(new Failure(context.Plane.Account.ContainerInstanceArn(cluster, outcome.InstanceId), outcome.FailureReason!));
        }
        return new { containerInstances = updated, failures };
    }

    /// <summary>The instance a request names by id or ARN, or null when no such instance can exist.</summary>
    public static async Task<ContainerInstanceState?> Find(string cluster, string idOrArn, ActionContext context) =>
        TryInstanceId(idOrArn, cluster, out var instanceId)
            ? await context.Plane.ContainerInstances.GetState(ContainerInstanceState.EntityIdOf(cluster, instanceId), context.Cancellation)
            : null;

    /// <summary>The name of a cluster that must exist: ECS answers ClusterNotFoundException before looking at instances.</summary>
    public static async Task<string> ExistingCluster(string? clusterOrArn, ActionContext context)
    {
        var cluster = ResourceNames.Cluster(clusterOrArn);
        if (!Domain.Clusters.Cluster.IsValidName(cluster) || !(await context.Plane.Clusters.GetState(cluster, context.Cancellation)).IsActive)
            throw EcsError.From(DomainError.ClusterNotFound());
        return cluster;
    }

    /// <summary>A container instance id from its id or ARN; the ARN's cluster must be the request's cluster.</summary>
    public static bool TryInstanceId(string idOrArn, string cluster, out string instanceId)
    {
        instanceId = idOrArn;
        if (Arn.TryParse(idOrArn, out var arn) && arn.ResourceType == "container-instance")
        {
            var slash = arn.ResourcePath.LastIndexOf('/');
            // Old-style ARNs carry no cluster; new-style ones must name the request's cluster.
            if (slash >= 0 && arn.ResourcePath[..slash] != cluster) return false;
            instanceId = arn.ResourcePath[(slash + 1)..];
        }
        return ContainerInstance.IsValidInstanceId(instanceId);
    }

    private static string InstanceId(string idOrArn, string cluster) => TryInstanceId(idOrArn, cluster, out var instanceId)
        ? instanceId
        : throw EcsError.InvalidParameter($"Invalid container instance '{idOrArn}': give its 32-character id or its ARN in cluster {cluster}.");

    private static string MissingArn(string cluster, string name, ActionContext context) =>
        Arn.LooksLikeArn(name) ? name : context.Plane.Account.ContainerInstanceArn(cluster, name);

    private static string? RegistrationId(string? instanceIdentityDocument)
    {
        if (string.IsNullOrEmpty(instanceIdentityDocument)) return null;
        try
        {
            using var document = JsonDocument.Parse(instanceIdentityDocument);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("registrationId", out var id)
                || id.ValueKind != JsonValueKind.String)
                return null;
            return id.GetString() is { Length: > 0 and <= 64 } registration
                ? registration
                : throw EcsError.InvalidParameter("instanceIdentityDocument.registrationId must be 1 to 64 characters.");
        }
        catch (JsonException)
        {
            return null; // Ec2InstanceId answers the malformed document
        }
    }

    /// <summary>ECS takes the EC2 instance id from the signed identity document; Actors agents put their host id there.</summary>
    private static string? Ec2InstanceId(string? instanceIdentityDocument)
    {
        if (string.IsNullOrEmpty(instanceIdentityDocument)) return null;
        try
        {
            using var document = JsonDocument.Parse(instanceIdentityDocument);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw EcsError.InvalidParameter("instanceIdentityDocument must be a JSON object.");
            return document.RootElement.TryGetProperty("instanceId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            throw EcsError.InvalidParameter("instanceIdentityDocument is not a JSON document.");
        }
    }
}
