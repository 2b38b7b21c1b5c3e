using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;

namespace Actors.Hosting.Gateway.Actions;

public sealed record TagResourceRequest(string? ResourceArn, List<Tag>? Tags);

public sealed record UntagResourceRequest(string? ResourceArn, List<string>? TagKeys);

public sealed record ListTagsForResourceRequest(string? ResourceArn);

/// <summary>TagResource, UntagResource and ListTagsForResource: the ARN's resource type picks the entity that owns the tags.</summary>
public static class TagActions
{
    public static void Register(ActionTable table)
    {
        table.Add<TagResourceRequest>("TagResource", TagResource);
        table.Add<UntagResourceRequest>("UntagResource", UntagResource);
        table.Add<ListTagsForResourceRequest>("ListTagsForResource", ListTagsForResource);
    }

    private static async Task<object> TagResource(TagResourceRequest request, ActionContext context)
    {
        if (request.Tags is not { Count: > 0 } tags) throw EcsError.InvalidParameter("tags must contain at least one tag.");
        var list = tags.ToImmutableList();
        await Send(request.ResourceArn, context,
            onCluster: () => new TagCluster(context.Request, list),
            onTaskDefinition: revision => new TagTaskDefinition(context.Request, revision, list),
            onContainerInstance: () => new TagContainerInstance(context.Request, list),
            onTask: taskId => new TagClusterTask(new TagTask(context.Request, taskId, list)),
            onService: () => new TagService(context.Request, list));
        return new { };
    }

    private static async Task<object> UntagResource(UntagResourceRequest request, ActionContext context)
    {
        if (request.TagKeys is not { Count: > 0 } keys) throw EcsError.InvalidParameter("tagKeys must contain at least one key.");
        var list = keys.ToImmutableList();
        await Send(request.ResourceArn, context,
            onCluster: () => new UntagCluster(context.Request, list),
            onTaskDefinition: revision => new UntagTaskDefinition(context.Request, revision, list),
            onContainerInstance: () => new UntagContainerInstance(context.Request, list),
            onTask: taskId => new UntagClusterTask(new UntagTask(context.Request, taskId, list)),
            onService: () => new UntagService(context.Request, list));
        return new { };
    }

    /// <summary>
    /// ECS's model gives ListTagsForResource no ResourceNotFoundException (TagResource and UntagResource have it): a
    /// resource that does not exist is an InvalidParameterException there, with the same words.
    /// </summary>
    private static async Task<object> ListTagsForResource(ListTagsForResourceRequest request, ActionContext context)
    {
        try
        {
            return new { tags = await TagsOf(request.ResourceArn, context) };
        }
        catch (EcsError error) when (error.Code == ErrorCodes.ResourceNotFound)
        {
            throw EcsError.InvalidParameter(error.Message);
        }
    }

    private static async Task<IReadOnlyList<Tag>> TagsOf(string? resourceArn, ActionContext context)
    {
        var plane = context.Plane;
        return Resource(resourceArn) switch
        {
            ClusterResource cluster => await plane.Clusters.GetState(cluster.Name, context.Cancellation) is { IsActive: true } state
                ? state.Tags
                : throw EcsError.From(DomainError.ClusterNotFound()),
            TaskDefinitionResource taskDefinition =>
                (await TaskDefinitionActions.Resolve(resourceArn, context, revisionRequired: true)).Tags,
            ContainerInstanceResource instance => await plane.ContainerInstances.GetState(instance.EntityId, context.Cancellation) is { IsRegistered: true } state
                ? state.Tags
                : throw NotFound(resourceArn),
            TaskResource task => Accepted(await AskTask(task, new GetClusterTaskTags(task.TaskId), context)),
            ServiceResource service => (await plane.Services.Ask<ServiceAnswer>(service.EntityId, DescribeService.Instance, context.Cancellation)).Service
                ?.Service.Tags ?? throw NotFound(resourceArn),
            _ => throw NotFound(resourceArn),
        };
    }

    private static async Task Send(string? resourceArn, ActionContext context, Func<IClusterCommand> onCluster,
        Func<int, ITaskDefinitionFamilyCommand> onTaskDefinition, Func<IContainerInstanceCommand> onContainerInstance, Func<string, object> onTask,
        Func<IServiceCommand> onService)
    {
        var plane = context.Plane;
        var error = Resource(resourceArn) switch
        {
            ClusterResource cluster => (await plane.Clusters.Send(cluster.Name, onCluster(), context.Cancellation)).Error,
            TaskDefinitionResource taskDefinition =>
                (await plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(taskDefinition.Family, onTaskDefinition(taskDefinition.Revision),
                    context.Cancellation)).Error,
            ContainerInstanceResource instance => (await plane.ContainerInstances.Send(instance.EntityId, onContainerInstance(), context.Cancellation)).Error,
            TaskResource task => (await AskTask(task, onTask(task.TaskId), context)).Error,
            ServiceResource service => (await plane.Services.Ask<ServiceAnswer>(service.EntityId, onService(), context.Cancellation)).Error,
            _ => throw NotFound(resourceArn),
        };
        // A service that does not exist is a resource that does not exist: TagResource's model has no ServiceNotFoundException.
        if (error is not null) throw error.Code == ErrorCodes.ServiceNotFound ? NotFound(resourceArn) : EcsError.From(error);
    }

    /// <summary>A task's tags go through its cluster's scheduler to the instance that holds the task, as StopTask does.</summary>
    private static async Task<TaskTags> AskTask(TaskResource task, object message, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(task.Cluster, context);
        return await context.Plane.Clusters.Ask<TaskTags>(cluster, message, context.Cancellation);
    }

    private static ImmutableList<Tag> Accepted(TaskTags answer) => answer.Error is { } error ? throw EcsError.From(error) : answer.Tags;

    private abstract record TaggedResource;
    private sealed record ClusterResource(string Name) : TaggedResource;
    private sealed record TaskDefinitionResource(string Family, int Revision) : TaggedResource;
    private sealed record ContainerInstanceResource(string EntityId) : TaggedResource;
    private sealed record TaskResource(string Cluster, string TaskId) : TaggedResource;
    private sealed record ServiceResource(string EntityId) : TaggedResource;
    private sealed record UnknownResource : TaggedResource;

    /// <summary>The resource an ARN names; tags are only taken by ARN, as in ECS.</summary>
    private static TaggedResource Resource(string? resourceArn)
    {
        if (string.IsNullOrEmpty(resourceArn)) throw EcsError.InvalidParameter("resourceArn is required.");
        if (!Arn.TryParse(resourceArn, out var arn)) throw EcsError.InvalidParameter($"Invalid resource ARN: {resourceArn}");
        switch (arn.ResourceType)
        {
            case "cluster" when Cluster.IsValidName(arn.ResourcePath):
                return new ClusterResource(arn.ResourcePath);
            case "task-definition":
                var (family, revision) = TaskDefinitionActions.Parse(resourceArn, revisionRequired: true);
                return new TaskDefinitionResource(family, revision!.Value);
            case "container-instance" or "task":
                // Both name their cluster: <type>/<cluster>/<id> (ECS tags a task by this long form only).
                var slash = arn.ResourcePath.LastIndexOf('/');
                var cluster = slash > 0 ? arn.ResourcePath[..slash] : "";
                if (!Cluster.IsValidName(cluster)) return new UnknownResource();
                if (arn.ResourceType == "task") return new TaskResource(cluster, arn.ResourcePath[(slash + 1)..]);
                return ContainerInstanceActions.TryInstanceId(resourceArn, cluster, out var instanceId)
                    ? new ContainerInstanceResource(ContainerInstanceState.EntityIdOf(cluster, instanceId))
                    : new UnknownResource();
            case "service" when arn.ResourcePath.Split('/') is [var serviceCluster, var service]
                                && Cluster.IsValidName(serviceCluster) && Service.IsValidName(service):
                return new ServiceResource(ServiceState.EntityIdOf(serviceCluster, service));
            default:
                return new UnknownResource();
        }
    }

    private static EcsError NotFound(string? resourceArn) => new(ErrorCodes.ResourceNotFound, $"The specified resource is not found: {resourceArn}");
}
