using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Shapes;

namespace Actors.Hosting.Gateway.Actions;

public sealed record RunTaskRequest(
    string? Cluster, int? Count, string? Group, string? LaunchType, TaskOverride? Overrides,
    List<PlacementConstraint>? PlacementConstraints, List<PlacementStrategy>? PlacementStrategy, string? StartedBy, List<Tag>? Tags,
    string? TaskDefinition, string? ClientToken, List<CapacityProviderStrategyItem>? CapacityProviderStrategy);

public sealed record StartTaskRequest(
    string? Cluster, List<string>? ContainerInstances, string? Group, TaskOverride? Overrides, string? StartedBy, List<Tag>? Tags,
    string? TaskDefinition);

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
    private const int PlacementAttempts = 3;
    private const string DefaultStopReason = "Task stopped by user";

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
        if (request.LaunchType is not (null or "EC2" or "EXTERNAL"))
            throw EcsError.InvalidParameter($"launchType {request.LaunchType} is not supported: Actors runs tasks on registered container instances (EC2 or EXTERNAL).");
        if (request.CapacityProviderStrategy is { Count: > 0 })
            throw EcsError.InvalidParameter("Actors has no capacity providers: leave capacityProviderStrategy out.");
        if ((PlacementRules.ValidateConstraints(request.PlacementConstraints) ?? PlacementRules.ValidateStrategies(request.PlacementStrategy)) is { } invalid)
            throw EcsError.From(invalid);
        if (request.ClientToken is { Length: > 64 }) throw EcsError.InvalidParameter("clientToken can be at most 64 characters.");
        var launch = await Launch(request.Cluster, request.TaskDefinition, request.Overrides, request.Group, request.StartedBy, request.Tags, context);
        var token = request.ClientToken is { Length: > 0 } given ? new ClientToken(given, Fingerprint(context.Body)) : null;
        if (token is not null && await Replay(launch.Cluster, token, context) is { } replayed) return replayed;

        var tasks = new List<TaskShape>();
        var failures = new List<Failure>();
        var remaining = count;
        for (var attempt = 0; attempt < PlacementAttempts && remaining > 0; attempt++)
        {
            var members = await ContainerInstanceActions.Members(launch.Cluster, context);
            var placement = Placer.Place(
                PlacementRequest.ForRunTask(launch.Revision, request.Overrides, request.PlacementConstraints, request.PlacementStrategy, remaining,
                    request.Group, Random.Shared.Next()),
                members.Where(m => m.IsRegistered).Select(Candidate).ToList());
            if (placement.NoContainerInstances)
            {
                if (tasks.Count == 0) throw EcsError.From(PlacementErrors.NoContainerInstances);
                break;
            }

            var placed = await Place(launch, placement.Placements.Select(d => (d.ContainerInstanceId!, PlacementRecord.From(d))).ToList(), context, token);
            // Another request with the same clientToken got there first: its tasks are the answer.
            if (placed.Replay is { } replay) return replay;
            tasks.AddRange(placed.Tasks);
            remaining -= placed.Tasks.Count;
            failures = placement.Failures.Select(f => new Failure(f.Arn(context.Plane.Account), f.Reason, f.Detail)).ToList();
            // A task refused by its instance lost a race with another placement: place it again on fresh state.
            if (placed.Refused == 0) break;
            if (attempt == PlacementAttempts - 1) failures.AddRange(placed.Failures);
        }
        return new { tasks, failures };
    }

    private static async Task<object> StartTask(StartTaskRequest request, ActionContext context)
    {
        if (request.ContainerInstances is not { Count: > 0 } names)
            throw EcsError.InvalidParameter("containerInstances must name at least one container instance.");
        if (names.Count > MaxTasksPerRun)
            throw EcsError.InvalidParameter($"At most {MaxTasksPerRun} container instances can be given to StartTask.");
        var launch = await Launch(request.Cluster, request.TaskDefinition, request.Overrides, request.Group, request.StartedBy, request.Tags, context);

        var targets = new List<(string InstanceId, PlacementRecord Placement)>();
        var failures = new List<Failure>();
        foreach (var name in names)
        {
            if (ContainerInstanceActions.TryInstanceId(name, launch.Cluster, out var instanceId)) targets.Add((instanceId, PlacementRecord.ChosenByCaller(instanceId)));
            else failures.Add(new Failure(name, "MISSING"));
        }
        var placed = await Place(launch, targets, context, token: null);
        failures.AddRange(placed.Failures);
        return new { tasks = placed.Tasks, failures };
    }

    private static async Task<object> StopTask(StopTaskRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        var (taskId, instanceId) = await Locate(cluster, request.Task ?? throw EcsError.InvalidParameter("task is required."), context)
                                   ?? throw EcsError.InvalidParameter("The referenced task was not found.");
        var state = await ControlPlane.Accepted(context.Plane.ContainerInstances.Send(ContainerInstanceState.EntityIdOf(cluster, instanceId),
            new Domain.ContainerInstances.StopTask(context.Request, taskId, TaskStopCode.UserInitiated, request.Reason ?? DefaultStopReason),
            context.Cancellation));
        return new { task = TaskShape.From(state.Tasks[taskId], state, context.Plane.Account, includeTags: true) };
    }

    private static async Task<object> DescribeTasks(DescribeTasksRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        if (request.Tasks is not { Count: > 0 } names) throw EcsError.InvalidParameter("tasks must name at least one task.");
        if (names.Count > MaxDescribe) throw EcsError.InvalidParameter($"At most {MaxDescribe} tasks can be described at once.");
        var includeTags = Includes.Parse(request.Include, IncludeNames).HasFlag(Details.Tags);

        var tasks = new List<TaskShape>();
        var failures = new List<Failure>();
        foreach (var name in names)
        {
            var location = await Locate(cluster, name, context);
            var instance = location is { } found
                ? await context.Plane.ContainerInstances.GetState(ContainerInstanceState.EntityIdOf(cluster, found.InstanceId), context.Cancellation)
                : null;
            if (location is { } at && instance?.Tasks.GetValueOrDefault(at.TaskId) is { } task)
                tasks.Add(TaskShape.From(task, instance, context.Plane.Account, includeTags));
            else failures.Add(new Failure(Arn.LooksLikeArn(name) ? name : context.Plane.Account.TaskArn(cluster, name), "MISSING"));
        }
        return new { tasks, failures };
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

        var members = await ContainerInstanceActions.Members(cluster, context);
        var arns = members
            .Where(instance => onlyInstance is null || instance.InstanceId == onlyInstance)
            .SelectMany(instance => instance.Tasks.Values)
            .Where(task => task.DesiredStatus == desired)
            .Where(task => request.Family is null || task.TaskDefinition.Family == request.Family)
            .Where(task => request.StartedBy is null || task.StartedBy == request.StartedBy)
            .Where(task => request.ServiceName is null || task.Group == $"service:{request.ServiceName}")
            .Select(task => context.Plane.Account.TaskArn(cluster, task.TaskId))
            .Order(StringComparer.Ordinal);
        var page = Paging.Take(arns, arn => arn, request.NextToken, request.MaxResults);
        return new { taskArns = page.Items, nextToken = page.NextToken };
    }

    private sealed record LaunchSpec(string Cluster, TaskDefinitionRevision Revision, TaskOverride? Overrides, string Group, string? StartedBy,
        ImmutableList<Tag> Tags);

    /// <summary>What RunTask and StartTask check before placing: the cluster, an ACTIVE revision the agents can run, the overrides, tags.</summary>
    private static async Task<LaunchSpec> Launch(string? clusterName, string? taskDefinition, TaskOverride? overrides, string? group,
        string? startedBy, List<Tag>? tags, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(clusterName, context);
        var revision = await TaskDefinitionActions.Resolve(taskDefinition, context, revisionRequired: false);
        if (revision.Status != TaskDefinitionStatus.ACTIVE)
            throw new EcsError(ErrorCodes.Client, $"TaskDefinition is inactive: {revision.Arn(context.Plane.Account)}");
        if (revision.Spec.NetworkMode == "awsvpc")
            throw EcsError.InvalidParameter("Network mode awsvpc needs elastic network interfaces, which Actors' agents do not have: use bridge, host or none.");
        if (TaskResources.ValidateOverrides(overrides) is { } badOverrides) throw EcsError.From(badOverrides);
        if (startedBy is { Length: > 128 }) throw EcsError.InvalidParameter("startedBy can be at most 128 characters.");
        if (group is { Length: > 255 }) throw EcsError.InvalidParameter("group can be at most 255 characters.");
        if (Tags.Validate(tags) is { } badTags) throw EcsError.From(badTags);
        return new LaunchSpec(cluster, revision, overrides, group ?? PlacementRequest.DefaultGroup(revision.Family), startedBy, [.. tags ?? []]);
    }

    private sealed record PlacementOutcome(List<TaskShape> Tasks, List<Failure> Failures, int Refused, object? Replay = null);

    private sealed record ClientToken(string Token, string Fingerprint);

    private static string Fingerprint(ReadOnlyMemory<byte> body) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body.Span));

    /// <summary>
    /// ECS's idempotency: the same clientToken with the same request answers the tasks of the first request; with a
    /// different request it is a ConflictException. Null when the token is not used by another request.
    /// </summary>
    private static async Task<object?> Replay(string cluster, ClientToken token, ActionContext context)
    {
        var state = await context.Plane.Clusters.GetState(cluster, context.Cancellation);
        if (!state.ClientTokens.TryGetValue(token.Token, out var use) || use.RequestId == context.Request.RequestId) return null;
        if (use.RequestFingerprint != token.Fingerprint)
            throw new EcsError(ErrorCodes.Conflict, $"The clientToken {token.Token} was already used by a different RunTask request.");
        var tasks = new List<TaskShape>();
        foreach (var taskId in use.TaskIds)
        {
            var instance = await context.Plane.ContainerInstances.GetState(
                ContainerInstanceState.EntityIdOf(cluster, state.TaskLocations[taskId]), context.Cancellation);
            if (instance.Tasks.GetValueOrDefault(taskId) is { } task) tasks.Add(TaskShape.From(task, instance, context.Plane.Account, includeTags: true));
        }
        return new { tasks, failures = Array.Empty<Failure>() };
    }

    /// <summary>
    /// Records where the tasks go, then asks each chosen instance to take its task; an instance refuses what no longer
    /// fits (another placement got there first), and that task is reported back for another attempt.
    /// </summary>
    private static async Task<PlacementOutcome> Place(LaunchSpec launch, List<(string InstanceId, PlacementRecord Placement)> targets, ActionContext context,
        ClientToken? token)
    {
        var outcome = new PlacementOutcome([], [], 0);
        if (targets.Count == 0) return outcome;
        var demand = TaskResources.Demand(launch.Revision.Spec, launch.Overrides);
        var newTasks = targets.Select(target => (target.InstanceId, target.Placement, Task: TaskLifecycle.Create(Guid.NewGuid().ToString("N"),
            launch.Cluster, target.InstanceId, launch.Revision, launch.Overrides, launch.Group, launch.StartedBy, launch.Tags, demand,
            context.Request.At))).ToList();
        var recorded = await ControlPlane.Accepted(context.Plane.Clusters.Send(launch.Cluster,
            new RecordTaskLocations(context.Request, newTasks.Select(t => new TaskLocation(t.Task.TaskId, t.InstanceId)).ToList(), token?.Token,
                token?.Fingerprint), context.Cancellation));
        if (token is not null && recorded.ClientTokens[token.Token].RequestId != context.Request.RequestId)
            return outcome with { Replay = await Replay(launch.Cluster, token, context) };

        // Instances decide independently (and each persists on its own), so they are asked all at once.
        var responses = await Task.WhenAll(newTasks.Select(placed => context.Plane.ContainerInstances.Send(
            ContainerInstanceState.EntityIdOf(launch.Cluster, placed.InstanceId), new PlaceTask(context.Request, placed.Task, placed.Placement),
            context.Cancellation)));
        var refused = 0;
        foreach (var ((instanceId, _, task), response) in newTasks.Zip(responses))
        {
            if (response.Error is { } error)
            {
                refused++;
                outcome.Failures.Add(new Failure(context.Plane.Account.ContainerInstanceArn(launch.Cluster, instanceId), error.Message));
            }
            else outcome.Tasks.Add(TaskShape.From(response.State.Tasks[task.TaskId], response.State, context.Plane.Account, includeTags: true));
        }
        return outcome with { Refused = refused };
    }

    /// <summary>The task and its instance, from a task id or ARN through the cluster's record of task locations.</summary>
    private static async Task<(string TaskId, string InstanceId)?> Locate(string cluster, string taskIdOrArn, ActionContext context)
    {
        var taskId = taskIdOrArn;
        if (Arn.TryParse(taskIdOrArn, out var arn))
        {
            if (arn.ResourceType != "task") return null;
            var slash = arn.ResourcePath.LastIndexOf('/');
            if (slash >= 0 && arn.ResourcePath[..slash] != cluster) return null;
            taskId = arn.ResourcePath[(slash + 1)..];
        }
        var clusterState = await context.Plane.Clusters.GetState(cluster, context.Cancellation);
        return clusterState.TaskLocations.TryGetValue(taskId, out var instanceId) ? (taskId, instanceId) : null;
    }

    private static PlacementCandidate Candidate(ContainerInstanceState instance) => new(instance,
        [.. instance.Tasks.Values.Where(t => t.LastStatus != TaskLifecycleStatus.STOPPED).Select(t => t.Group ?? PlacementRequest.DefaultGroup(t.TaskDefinition.Family))]);
}
