using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Scheduling;

namespace Actors.Hosting.Gateway.Actions;

public sealed record RunTaskRequest(
    string? Cluster, int? Count, string? Group, string? LaunchType, TaskOverride? Overrides,
    List<PlacementConstraint>? PlacementConstraints, List<PlacementStrategy>? PlacementStrategy, string? StartedBy, List<Tag>? Tags,
    string? TaskDefinition, string? ClientToken, List<CapacityProviderStrategyItem>? CapacityProviderStrategy, string? PropagateTags,
    bool? EnableECSManagedTags, System.Text.Json.JsonElement? NetworkConfiguration);

public sealed record StartTaskRequest(
    string? Cluster, List<string>? ContainerInstances, string? Group, TaskOverride? Overrides, string? StartedBy, List<Tag>? Tags,
    string? TaskDefinition, string? PropagateTags, bool? EnableECSManagedTags, System.Text.Json.JsonElement? NetworkConfiguration);

public sealed record StopTaskRequest(string? Cluster, string? Task, string? Reason);

public sealed record DescribeTasksRequest(string? Cluster, List<string>? Tasks, List<string>? Include);

public sealed record ListTasksRequest(
    string? Cluster, string? ContainerInstance, string? Family, string? StartedBy, string? ServiceName, string? DesiredStatus,
    string? LaunchType, string? NextToken, int? MaxResults);

/// <summary>RunTask, StartTask, StopTask, DescribeTasks and ListTasks. Tasks live in the container instances that hold them.</summary>
public static class TaskActions
{
    private const int MaxTasksPerRun = 10;
    private const int MaxDescribe = 100;
    private const string DefaultStopReason = "Task stopped by user";
    private const int MaxStopReasonLength = 255;

    [Flags]
    private enum Details { None = 0, Tags = 1 }

    private static readonly Dictionary<string, Details> IncludeNames = new() { ["TAGS"] = Details.Tags };

    public static void Register(ActionTable table)
    {
        table.Add<RunTaskRequest>("RunTask", RunTask);
        table.Add<StartTaskRequest>("StartTask", StartTask);
        table.Add<StopTaskRequest>("StopTask", StopTask);
        table.Add<DescribeTasksRequest>("DescribeTasks", DescribeTasks);
        table.Add<ListTasksRequest>("ListTasks", ListTasks);
    }

    private static async Task<object> RunTask(RunTaskRequest request, ActionContext context)
    {
        var count = request.Count ?? 1;
        if (count is < 1 or > MaxTasksPerRun) throw EcsError.InvalidParameter($"count must be between 1 and {MaxTasksPerRun}.");
        RefuseLaunchOptions(request.LaunchType, request.CapacityProviderStrategy is { Count: > 0 });
        RefuseNetworkConfiguration(request.NetworkConfiguration);
        if ((PlacementRules.ValidateConstraints(request.PlacementConstraints) ?? PlacementRules.ValidateStrategies(request.PlacementStrategy)) is { } invalid)
            throw EcsError.From(invalid);
        if (request.ClientToken is { Length: > 64 }) throw EcsError.InvalidParameter("clientToken can be at most 64 characters.");
        var cluster = ClusterName(request.Cluster);
        var options = new LaunchOptions(request.Overrides, OverridesLength(context.Body), request.Group, request.StartedBy, request.Tags?.ToImmutableList(),
            request.PropagateTags, request.EnableECSManagedTags ?? false, [.. request.PlacementConstraints ?? []], [.. request.PlacementStrategy ?? []],
            context.Plane.Account);
        var token = request.ClientToken is { Length: > 0 } given ? given : null;
        var result = await context.Plane.Clusters.Ask<LaunchResult>(cluster, new LaunchTasks(context.Request, request.TaskDefinition ?? "", options, count, null,
            token, token is null ? null : Fingerprint(context.Body), []), context.Cancellation);
        return Answer(result, cluster, request.Overrides, context);
    }

    private static async Task<object> StartTask(StartTaskRequest request, ActionContext context)
    {
        if (request.ContainerInstances is not { Count: > 0 } names)
            throw EcsError.InvalidParameter("containerInstances must name at least one container instance.");
        if (names.Count > MaxTasksPerRun)
            throw EcsError.InvalidParameter($"At most {MaxTasksPerRun} container instances can be given to StartTask.");
        RefuseNetworkConfiguration(request.NetworkConfiguration);
        var cluster = ClusterName(request.Cluster);
        var options = new LaunchOptions(request.Overrides, OverridesLength(context.Body), request.Group, request.StartedBy, request.Tags?.ToImmutableList(),
            request.PropagateTags, request.EnableECSManagedTags ?? false, [], [], context.Plane.Account);

        var targets = ImmutableList.CreateBuilder<string>();
        var failures = ImmutableList.CreateBuilder<LaunchFailure>();
        foreach (var name in names)
        {
            if (name is not null && ContainerInstanceActions.TryInstanceId(name, cluster, out var instanceId)) targets.Add(instanceId);
            else failures.Add(new LaunchFailure(name ?? "", "MISSING", null));
        }
        var result = await context.Plane.Clusters.Ask<LaunchResult>(cluster, new LaunchTasks(context.Request, request.TaskDefinition ?? "", options,
            targets.Count, targets.ToImmutable(), null, null, failures.ToImmutable()), context.Cancellation);
        return Answer(result, cluster, request.Overrides, context);
    }

    /// <summary>RunTask's and StartTask's answer; the scheduler leaves the overrides out of its tasks, since this request holds them.</summary>
    private static object Answer(LaunchResult result, string cluster, TaskOverride? overrides, ActionContext context)
    {
        if (result.Error is { } error) throw EcsError.From(error);
        return new
        {
            tasks = result.Tasks.Select(task => TaskShape.From(task with { Overrides = overrides }, context.Plane.Account, includeTags: true)).ToList(),
            failures = result.Failures.Select(f => new Failure(
                ContainerInstance.IsValidInstanceId(f.Target) ? context.Plane.Account.ContainerInstanceArn(cluster, f.Target) : f.Target,
                f.Reason, f.Detail)).ToList(),
        };
    }

    private static async Task<object> StopTask(StopTaskRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        var taskId = TaskId(request.Task ?? throw EcsError.InvalidParameter("task is required."), cluster)
                     ?? throw EcsError.InvalidParameter(ContainerInstance.TaskNotFoundMessage);
        if (request.Reason is { Length: > MaxStopReasonLength })
            throw EcsError.InvalidParameter($"reason can be at most {MaxStopReasonLength} characters.");
        var answer = await context.Plane.Clusters.Ask<TaskAnswer>(cluster,
            new StopClusterTask(context.Request, taskId, TaskStopCode.UserInitiated, request.Reason ?? DefaultStopReason), context.Cancellation);
        if (answer.Error is { } error) throw EcsError.From(error);
        return new { task = TaskShape.From(answer.Task!, context.Plane.Account, includeTags: true) };
    }

    private static async Task<object> DescribeTasks(DescribeTasksRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        if (request.Tasks is not { Count: > 0 } names) throw EcsError.InvalidParameter("tasks must name at least one task.");
        if (names.Count > MaxDescribe) throw EcsError.InvalidParameter($"At most {MaxDescribe} tasks can be described at once.");
        var includeTags = Includes.Parse(request.Include, IncludeNames).HasFlag(Details.Tags);

        var ids = names.Select(name => name is null ? null : TaskId(name, cluster)).ToList();
        var located = await context.Plane.Clusters.Ask<TaskLocations>(cluster,
            new LocateTasks([.. ids.OfType<string>().Distinct()]), context.Cancellation);
        // Each instance is asked for its own tasks, all at once; it answers as many as fit one small message.
        var described = (await Task.WhenAll(located.InstanceByTask.GroupBy(l => l.Value)
                .Select(byInstance => DescribeOn(cluster, byInstance.Key, [.. byInstance.Select(l => l.Key)], context))))
            .SelectMany(d => d).ToDictionary(t => t.TaskId, StringComparer.Ordinal);

        var tasks = new List<TaskShape>();
        var failures = new List<Failure>();
        foreach (var (name, taskId) in names.Zip(ids))
        {
            if (taskId is not null && described.GetValueOrDefault(taskId) is { } task) tasks.Add(TaskShape.From(task, context.Plane.Account, includeTags));
            else failures.Add(new Failure(Arn.LooksLikeArn(name) ? name : context.Plane.Account.TaskArn(cluster, name ?? ""), "MISSING"));
        }
        return new { tasks, failures };
    }

    private static async Task<List<TaskDescription>> DescribeOn(string cluster, string instanceId, List<string> taskIds, ActionContext context)
    {
        var described = new List<TaskDescription>();
        while (taskIds.Count > 0)
        {
            var answer = await context.Plane.ContainerInstances.Ask<TasksDescribed>(ContainerInstanceState.EntityIdOf(cluster, instanceId),
                new DescribeInstanceTasks([.. taskIds]), context.Cancellation);
            if (answer.Tasks.Count == 0) break; // the rest are gone
            described.AddRange(answer.Tasks);
            var answered = answer.Tasks.Select(t => t.TaskId).ToHashSet();
            taskIds = taskIds.Where(id => !answered.Contains(id)).ToList();
        }
        return described;
    }

    private static async Task<object> ListTasks(ListTasksRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        var desired = request.DesiredStatus switch
        {
            null or "RUNNING" => TaskLifecycleStatus.RUNNING,
            "STOPPED" => TaskLifecycleStatus.STOPPED,
            // ECS accepts PENDING here and, since no task is ever desired PENDING, answers nothing.
            "PENDING" => TaskLifecycleStatus.PENDING,
            _ => throw EcsError.InvalidParameter($"Invalid desiredStatus '{request.DesiredStatus}'. Valid values: RUNNING, PENDING, STOPPED."),
        };
        if (request.ServiceName is not null && (request.Family is not null || request.StartedBy is not null))
            throw EcsError.InvalidParameter("serviceName cannot be combined with family or startedBy.");
        string? onlyInstance = null;
        if (request.ContainerInstance is { } instanceName && !ContainerInstanceActions.TryInstanceId(instanceName, cluster, out onlyInstance))
            throw EcsError.InvalidParameter($"Invalid containerInstance '{instanceName}'.");
        var pageSize = Paging.PageSize(request.MaxResults);
        var after = Paging.LastKey(request.NextToken) is { } lastArn ? TaskId(lastArn, cluster) : null;

        var page = await context.Plane.Clusters.Ask<IdPage>(cluster, new ListClusterTasks(onlyInstance, request.Family, request.StartedBy,
            request.ServiceName is null ? null : $"service:{request.ServiceName}", desired, after, pageSize), context.Cancellation);
        var arns = page.Ids.Select(id => context.Plane.Account.TaskArn(cluster, id)).ToList();
        return new { taskArns = arns, nextToken = page.More ? Paging.TokenAfter(arns[^1]) : null };
    }

    /// <summary>
    /// The cluster a launch names: one that cannot exist is not found here; whether it does is the scheduler's to say,
    /// which also resolves the revision and checks the rest of the request - one ask, in ECS's order of errors.
    /// </summary>
    private static string ClusterName(string? clusterOrArn)
    {
        var cluster = ResourceNames.Cluster(clusterOrArn);
        return Domain.Clusters.Cluster.IsValidName(cluster) ? cluster : throw EcsError.From(DomainError.ClusterNotFound());
    }

    /// <summary>Tasks run on registered container instances only: RunTask's and CreateService's launch type and capacity providers.</summary>
    public static void RefuseLaunchOptions(string? launchType, bool capacityProviders)
    {
        if (launchType is not (null or "EC2" or "EXTERNAL"))
            throw EcsError.InvalidParameter($"launchType {launchType} is not supported: Actors runs tasks on registered container instances (EC2 or EXTERNAL).");
        if (capacityProviders) throw EcsError.InvalidParameter("Actors has no capacity providers: leave capacityProviderStrategy out.");
    }

    /// <summary>
    /// One rule for awsvpc wherever tasks are launched (RunTask, StartTask, CreateService, UpdateService): tasks run on the
    /// bridge and host networks, so a networkConfiguration (awsvpcConfiguration) is refused rather than ignored.
    /// </summary>
    public static void RefuseNetworkConfiguration(System.Text.Json.JsonElement? networkConfiguration)
    {
        if (ServiceActions.IsSet(networkConfiguration))
            throw EcsError.InvalidParameter("networkConfiguration is for the awsvpc network mode, which Actors' agents do not have: leave it out and use bridge, host or none.");
    }

    /// <summary>The revision a request names, if new tasks may run it: ACTIVE, and in a network mode the agents have.</summary>
    public static async Task<TaskDefinitionRevision> RunnableRevision(string? taskDefinition, ActionContext context)
    {
        var revision = await TaskDefinitionActions.Resolve(taskDefinition, context, revisionRequired: false);
        if (LaunchSpecs.Runnable(revision, context.Plane.Account) is { } refused) throw EcsError.From(refused);
        return revision;
    }

    /// <summary>ECS counts the overrides as sent, JSON formatting characters included.</summary>
    private static int OverridesLength(ReadOnlyMemory<byte> body)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("overrides", out var overrides) ? overrides.GetRawText().Length : 0;
    }

    /// <summary>What makes a retry with the same clientToken the same request: the body as sent.</summary>
    public static string Fingerprint(ReadOnlyMemory<byte> body) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body.Span));

    /// <summary>The task id a request names by id or ARN; null when the ARN is no task of this cluster.</summary>
    private static string? TaskId(string taskIdOrArn, string cluster)
    {
        if (!Arn.TryParse(taskIdOrArn, out var arn)) return taskIdOrArn;
        if (arn.ResourceType != "task") return null;
        var slash = arn.ResourcePath.LastIndexOf('/');
        if (slash >= 0 && arn.ResourcePath[..slash] != cluster) return null;
        return arn.ResourcePath[(slash + 1)..];
    }
}
