using System.Collections.Immutable;
using System.Text.Json;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;

namespace Actors.Hosting.Gateway.Actions;

public sealed record DeploymentCircuitBreakerRequest(bool? Enable, bool? Rollback);

public sealed record DeploymentAlarmsRequest(List<string>? AlarmNames, bool? Enable, bool? Rollback);

/// <summary>
/// ECS's deploymentConfiguration as sent. The members of the other deployment strategies are read only to be refused;
/// bakeTimeInMinutes belongs to BLUE_GREEN and is ignored by a ROLLING deployment, as ECS ignores it.
/// </summary>
public sealed record DeploymentConfigurationRequest(
    DeploymentCircuitBreakerRequest? DeploymentCircuitBreaker, int? MaximumPercent, int? MinimumHealthyPercent, DeploymentAlarmsRequest? Alarms,
    string? Strategy, int? BakeTimeInMinutes, JsonElement? LifecycleHooks, JsonElement? LinearConfiguration, JsonElement? CanaryConfiguration);

public sealed record DeploymentControllerRequest(string? Type);

public sealed record CreateServiceRequest(
    string? Cluster, string? ServiceName, string? TaskDefinition, string? AvailabilityZoneRebalancing, JsonElement? LoadBalancers,
    JsonElement? ServiceRegistries, int? DesiredCount, string? ClientToken, string? LaunchType, JsonElement? CapacityProviderStrategy,
    string? PlatformVersion, string? Role, DeploymentConfigurationRequest? DeploymentConfiguration, List<PlacementConstraint>? PlacementConstraints,
    List<PlacementStrategy>? PlacementStrategy, JsonElement? NetworkConfiguration, int? HealthCheckGracePeriodSeconds, string? SchedulingStrategy,
    DeploymentControllerRequest? DeploymentController, List<Tag>? Tags, bool? EnableECSManagedTags, string? PropagateTags, bool? EnableExecuteCommand,
    JsonElement? ServiceConnectConfiguration, JsonElement? VolumeConfigurations, JsonElement? VpcLatticeConfigurations);

public sealed record UpdateServiceRequest(
    string? Cluster, string? Service, int? DesiredCount, string? TaskDefinition, JsonElement? CapacityProviderStrategy,
    DeploymentConfigurationRequest? DeploymentConfiguration, string? AvailabilityZoneRebalancing, JsonElement? NetworkConfiguration,
    List<PlacementConstraint>? PlacementConstraints, List<PlacementStrategy>? PlacementStrategy, string? PlatformVersion, bool? ForceNewDeployment,
    int? HealthCheckGracePeriodSeconds, DeploymentControllerRequest? DeploymentController, bool? EnableExecuteCommand, bool? EnableECSManagedTags,
    JsonElement? LoadBalancers, string? PropagateTags, JsonElement? ServiceRegistries, JsonElement? ServiceConnectConfiguration,
    JsonElement? VolumeConfigurations, JsonElement? VpcLatticeConfigurations);

public sealed record DeleteServiceRequest(string? Cluster, string? Service, bool? Force);

public sealed record DescribeServicesRequest(string? Cluster, List<string>? Services, List<string>? Include);

public sealed record ListServicesRequest(string? Cluster, string? NextToken, int? MaxResults, string? LaunchType, string? SchedulingStrategy);

public sealed record ListServicesByNamespaceRequest(string? Namespace, string? NextToken, int? MaxResults);

public sealed record CreatedAtFilter(DateTimeOffset? Before, DateTimeOffset? After);

public sealed record ListServiceDeploymentsRequest(
    string? Service, string? Cluster, List<string>? Status, CreatedAtFilter? CreatedAt, string? NextToken, int? MaxResults);

public sealed record DescribeServiceDeploymentsRequest(List<string>? ServiceDeploymentArns);

public sealed record DescribeServiceRevisionsRequest(List<string>? ServiceRevisionArns);

public sealed record StopServiceDeploymentRequest(string? ServiceDeploymentArn, string? StopType);

/// <summary>
/// The service actions: requests become service commands (CreateService through the cluster, which admits the service
/// first; the rest to the service's own entity) and answers become ECS's shapes. Nothing is coordinated here.
/// </summary>
public static class ServiceActions
{
    private const int MaxServicesPerDescribe = 10;
    private const int MaxDeploymentsPerDescribe = 20;
    private const int MaxClientTokenLength = 36;
    private const int DefaultListServicesPage = 10;
    private const int DefaultListDeploymentsPage = 20;

    [Flags]
    private enum Details { None = 0, Tags = 1 }

    private static readonly Dictionary<string, Details> IncludeNames = new() { ["TAGS"] = Details.Tags };

    public static void Register(ActionTable table)
    {
        table.Add<CreateServiceRequest>("CreateService", CreateService);
        table.Add<UpdateServiceRequest>("UpdateService", UpdateService);
        table.Add<DeleteServiceRequest>("DeleteService", DeleteService);
        table.Add<DescribeServicesRequest>("DescribeServices", DescribeServices);
        table.Add<ListServicesRequest>("ListServices", ListServices);
        table.Add<ListServicesByNamespaceRequest>("ListServicesByNamespace", ListServicesByNamespace);
        table.Add<ListServiceDeploymentsRequest>("ListServiceDeployments", ListServiceDeployments);
        table.Add<DescribeServiceDeploymentsRequest>("DescribeServiceDeployments", DescribeServiceDeployments);
        table.Add<DescribeServiceRevisionsRequest>("DescribeServiceRevisions", DescribeServiceRevisions);
        table.Add<StopServiceDeploymentRequest>("StopServiceDeployment", StopServiceDeployment);
    }

    private static async Task<object> CreateService(CreateServiceRequest request, ActionContext context)
    {
        var name = request.ServiceName ?? throw EcsError.InvalidParameter("serviceName is required.");
        if (Service.ValidateName(name) is { } badName) throw EcsError.From(badName);
        TaskActions.RefuseLaunchOptions(request.LaunchType, IsSet(request.CapacityProviderStrategy));
        if (request.Role is not null)
            throw EcsError.InvalidParameter("role is for load balancers, which Actors does not have: leave it out.");
        RefuseWhatActorsLacks(new Unsupported(request.LoadBalancers, request.ServiceRegistries, request.NetworkConfiguration, request.PlatformVersion,
            request.DeploymentController, request.DeploymentConfiguration, request.ServiceConnectConfiguration, request.VolumeConfigurations,
            request.VpcLatticeConfigurations));
        var strategy = request.SchedulingStrategy switch
        {
            null or "REPLICA" => SchedulingStrategy.REPLICA,
            "DAEMON" => SchedulingStrategy.DAEMON,
            _ => throw EcsError.InvalidParameter($"Invalid schedulingStrategy '{request.SchedulingStrategy}'. Valid values: REPLICA, DAEMON."),
        };
        var token = request.ClientToken is { Length: > 0 } given ? given : null;
        if (token is not null && (token.Length > MaxClientTokenLength || token.Any(c => c is < '!' or > '~')))
            throw EcsError.InvalidParameter($"clientToken can have up to {MaxClientTokenLength} ASCII characters from 33 to 126.");
        RefuseUnknownRebalancing(request.AvailabilityZoneRebalancing);

        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        var revision = RevisionOf(await TaskActions.RunnableRevision(request.TaskDefinition, context),
            request.PlacementConstraints ?? [], request.PlacementStrategy ?? []);
        var command = new Domain.Services.CreateService(context.Request, strategy, request.DesiredCount, revision,
            Settings(request.DeploymentConfiguration), request.HealthCheckGracePeriodSeconds, [.. request.Tags ?? []],
            request.EnableECSManagedTags ?? false, request.PropagateTags, request.EnableExecuteCommand ?? false, request.AvailabilityZoneRebalancing,
            token, token is null ? null : TaskActions.Fingerprint(context.Body));
        var answer = await context.Plane.Clusters.Ask<ServiceAnswer>(cluster,
            new CreateServiceInCluster(name, command, context.Plane.Limits.MaxServicesPerCluster), context.Cancellation);
        return new { service = Answered(answer, context, includeTags: true) };
    }

    private static async Task<object> UpdateService(UpdateServiceRequest request, ActionContext context)
    {
        TaskActions.RefuseLaunchOptions(null, IsSet(request.CapacityProviderStrategy));
        RefuseWhatActorsLacks(new Unsupported(request.LoadBalancers, request.ServiceRegistries, request.NetworkConfiguration, request.PlatformVersion,
            request.DeploymentController, request.DeploymentConfiguration, request.ServiceConnectConfiguration, request.VolumeConfigurations,
            request.VpcLatticeConfigurations));
        RefuseUnknownRebalancing(request.AvailabilityZoneRebalancing);
        var (cluster, name) = await NamedService(request.Cluster, request.Service, context);

        // A new task definition or placement is a new revision: the service merges what the request names into its primary.
        RevisionChange? revision = null;
        if (request.TaskDefinition is not null || request.PlacementConstraints is not null || request.PlacementStrategy is not null)
        {
            var taskDefinition = request.TaskDefinition is { } named ? ChoiceOf(await TaskActions.RunnableRevision(named, context)) : null;
            revision = new RevisionChange(taskDefinition, request.PlacementConstraints?.ToImmutableList(), request.PlacementStrategy?.ToImmutableList());
        }
        var command = new Domain.Services.UpdateService(context.Request, request.DesiredCount, revision, request.ForceNewDeployment ?? false,
            Settings(request.DeploymentConfiguration), request.HealthCheckGracePeriodSeconds, request.EnableECSManagedTags, request.PropagateTags,
            request.EnableExecuteCommand, request.AvailabilityZoneRebalancing);
        var answer = await context.Plane.Services.Ask<ServiceAnswer>(ServiceState.EntityIdOf(cluster, name), command, context.Cancellation);
        return new { service = Answered(answer, context, includeTags: false) };
    }

    private static async Task<object> DeleteService(DeleteServiceRequest request, ActionContext context)
    {
        var (cluster, name) = await NamedService(request.Cluster, request.Service, context);
        var answer = await context.Plane.Services.Ask<ServiceAnswer>(ServiceState.EntityIdOf(cluster, name),
            new Domain.Services.DeleteService(context.Request, request.Force ?? false), context.Cancellation);
        return new { service = Answered(answer, context, includeTags: false) };
    }

    private static async Task<object> DescribeServices(DescribeServicesRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        if (request.Services is not { Count: > 0 } names) throw EcsError.InvalidParameter("services must name at least one service.");
        if (names.Count > MaxServicesPerDescribe)
            throw EcsError.InvalidParameter($"At most {MaxServicesPerDescribe} services can be described at once.");
        var includeTags = Includes.Parse(request.Include, IncludeNames).HasFlag(Details.Tags);

        var views = await Task.WhenAll(names.Select(async nameOrArn =>
            ServiceNameOf(nameOrArn, cluster) is { } name ? await Describe(cluster, name, context) : null));
        var services = new List<ServiceShape>();
        var failures = new List<Failure>();
        foreach (var (nameOrArn, view) in names.Zip(views))
        {
            if (view is not null) services.Add(ServiceShape.From(view, context.Plane.Account, includeTags));
            else failures.Add(new Failure(Arn.LooksLikeArn(nameOrArn) ? nameOrArn : context.Plane.Account.ServiceArn(cluster, nameOrArn), "MISSING"));
        }
        return new { services, failures };
    }

    /// <summary>
    /// Every service runs on registered container instances, which ECS would count as EC2 (or EXTERNAL): either filter
    /// lists them all, and the launch types Actors has no instances for list none.
    /// </summary>
    private static async Task<object> ListServices(ListServicesRequest request, ActionContext context)
    {
        var cluster = await ContainerInstanceActions.ExistingCluster(request.Cluster, context);
        SchedulingStrategy? strategy = request.SchedulingStrategy switch
        {
            null => null,
            "REPLICA" => SchedulingStrategy.REPLICA,
            "DAEMON" => SchedulingStrategy.DAEMON,
            _ => throw EcsError.InvalidParameter($"Invalid schedulingStrategy '{request.SchedulingStrategy}'. Valid values: REPLICA, DAEMON."),
        };
        var anyOfOurs = request.LaunchType switch
        {
            null or "EC2" or "EXTERNAL" => true,
            "FARGATE" or "MANAGED_INSTANCES" => false,
            _ => throw EcsError.InvalidParameter($"Invalid launchType '{request.LaunchType}'. Valid values: EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES."),
        };
        var pageSize = request.MaxResults is null ? DefaultListServicesPage : Paging.PageSize(request.MaxResults);
        var after = Paging.LastKey(request.NextToken);
        if (!anyOfOurs) return new { serviceArns = Array.Empty<string>() };

        var page = await context.Plane.Clusters.Ask<IdPage>(cluster, new ListClusterServices(strategy, after, pageSize), context.Cancellation);
        return new
        {
            serviceArns = page.Ids.Select(name => context.Plane.Account.ServiceArn(cluster, name)),
            nextToken = page.More ? Paging.TokenAfter(page.Ids[^1]) : null,
        };
    }

    /// <summary>Actors has no Service Connect namespaces, so no service is in one.</summary>
    private static Task<object> ListServicesByNamespace(ListServicesByNamespaceRequest request, ActionContext context)
    {
        if (string.IsNullOrEmpty(request.Namespace)) throw EcsError.InvalidParameter("namespace is required.");
        Paging.PageSize(request.MaxResults);
        return Task.FromResult<object>(new { serviceArns = Array.Empty<string>() });
    }

    private static async Task<object> ListServiceDeployments(ListServiceDeploymentsRequest request, ActionContext context)
    {
        var (cluster, name) = await NamedService(request.Cluster, request.Service, context);
        var statuses = (request.Status ?? []).Select(status => Enum.TryParse<ServiceDeploymentStatus>(status, out var parsed) && status == parsed.ToString()
            ? parsed
            : throw EcsError.InvalidParameter(
                $"Invalid status '{status}'. Valid values: {string.Join(", ", Enum.GetNames<ServiceDeploymentStatus>())}.")).ToImmutableList();
        var pageSize = request.MaxResults is null ? DefaultListDeploymentsPage : Paging.PageSize(request.MaxResults);
        var after = Paging.LastKey(request.NextToken);
        var page = await context.Plane.Services.Ask<DeploymentPage>(ServiceState.EntityIdOf(cluster, name),
            new ListDeployments(request.CreatedAt?.After, request.CreatedAt?.Before, statuses, after, pageSize), context.Cancellation);
        if (page.Error is { } error) throw EcsError.From(error);
        return new
        {
            serviceDeployments = page.Deployments.Select(d => ServiceDeploymentBriefShape.From(cluster, name, d, context.Plane.Account)),
            nextToken = page.More ? Paging.TokenAfter(page.Deployments[^1].Id) : null,
        };
    }

    private static async Task<object> DescribeServiceDeployments(DescribeServiceDeploymentsRequest request, ActionContext context)
    {
        var found = await DescribeDeployments(request.ServiceDeploymentArns, "serviceDeploymentArns", ServiceDeploymentResource, context);
        var account = context.Plane.Account;
        return new
        {
            serviceDeployments = found.Found.Select(f => ServiceDeploymentShape.From(f.Named.Cluster, f.Named.Service, f.Deployment,
                f.Service.Deployments.LastOrDefault(d => d.RollbackOf == f.Deployment.Id),
                id => ServiceShape.RevisionSummary(f.Service.View, f.Named.Cluster, f.Named.Service, id, account), account)),
            failures = found.Missing,
        };
    }

    private static async Task<object> DescribeServiceRevisions(DescribeServiceRevisionsRequest request, ActionContext context)
    {
        var found = await DescribeDeployments(request.ServiceRevisionArns, "serviceRevisionArns", ServiceRevisionResource, context);
        var images = new Dictionary<(string, int), IReadOnlyList<ContainerImageShape>?>();
        foreach (var revision in found.Found.Select(f => f.Deployment.Revision).DistinctBy(r => (r.Family, r.Revision)))
            images[(revision.Family, revision.Revision)] = await ContainerImages(revision, context);
        return new
        {
            serviceRevisions = found.Found.Select(f => ServiceRevisionShape.From(f.Named.Cluster, f.Named.Service, f.Deployment,
                images[(f.Deployment.Revision.Family, f.Deployment.Revision.Revision)], context.Plane.Account)),
            failures = found.Missing,
        };
    }

    /// <summary>StopServiceDeployment rolls the deployment back; ECS's other stop type, ABORT, has no counterpart in a rolling deployment here.</summary>
    private static async Task<object> StopServiceDeployment(StopServiceDeploymentRequest request, ActionContext context)
    {
        var arn = request.ServiceDeploymentArn ?? throw EcsError.InvalidParameter("serviceDeploymentArn is required.");
        if (request.StopType is not (null or "ROLLBACK"))
            throw EcsError.InvalidParameter($"stopType {request.StopType} is not supported: Actors stops a deployment by rolling it back (ROLLBACK).");
        var named = NamedDeployment(arn, ServiceDeploymentResource);
        var answer = await context.Plane.Services.Ask<ServiceAnswer>(ServiceState.EntityIdOf(named.Cluster, named.Service),
            new RollBackServiceDeployment(context.Request, named.DeploymentId), context.Cancellation);
        if (answer.Error is { } error)
            throw error.Code == ErrorCodes.ServiceNotFound ? DeploymentNotFound(arn) : EcsError.From(error);
        return new { serviceDeploymentArn = context.Plane.Account.ServiceDeploymentArn(named.Cluster, named.Service, named.DeploymentId) };
    }

    // ------------------------------------------------------------------ requests to commands

    /// <summary>What a request asks of ECS that Actors does not have; each is refused with what to do instead.</summary>
    private sealed record Unsupported(
        JsonElement? LoadBalancers, JsonElement? ServiceRegistries, JsonElement? NetworkConfiguration, string? PlatformVersion,
        DeploymentControllerRequest? Controller, DeploymentConfigurationRequest? Deployment, JsonElement? ServiceConnect, JsonElement? Volumes,
        JsonElement? VpcLattice);

    private static void RefuseWhatActorsLacks(Unsupported request)
    {
        if (IsSet(request.LoadBalancers))
            throw EcsError.InvalidParameter("Actors has no load balancers: leave loadBalancers out and publish container ports with portMappings.");
        if (IsSet(request.ServiceRegistries))
            throw EcsError.InvalidParameter("Actors has no service discovery (Cloud Map): leave serviceRegistries out.");
        TaskActions.RefuseNetworkConfiguration(request.NetworkConfiguration);
        if (request.PlatformVersion is not null)
            throw EcsError.InvalidParameter("platformVersion applies to Fargate, which Actors does not run: leave it out.");
        if (request.Controller is { } controller && controller.Type != "ECS")
            throw EcsError.InvalidParameter($"deploymentController type {controller.Type ?? "(none)"} is not supported: Actors deploys with the ECS (rolling update) controller.");
        if (IsSet(request.ServiceConnect)
            && !(request.ServiceConnect!.Value.ValueKind == JsonValueKind.Object
                 && request.ServiceConnect.Value.TryGetProperty("enabled", out var enabled) && enabled.ValueKind == JsonValueKind.False))
            throw EcsError.InvalidParameter("Actors has no Service Connect: leave serviceConnectConfiguration out.");
        if (IsSet(request.Volumes))
            throw EcsError.InvalidParameter("Actors has no volumes configured at launch (Amazon EBS): leave volumeConfigurations out.");
        if (IsSet(request.VpcLattice))
            throw EcsError.InvalidParameter("Actors has no VPC Lattice: leave vpcLatticeConfigurations out.");
        if (request.Deployment is not { } deployment) return;
        if (deployment.Strategy is not (null or "ROLLING"))
            throw EcsError.InvalidParameter($"deploymentConfiguration.strategy {deployment.Strategy} is not supported: Actors deploys ROLLING.");
        if (deployment.Alarms?.Enable == true)
            throw EcsError.InvalidParameter("deploymentConfiguration.alarms cannot be enabled: Actors has no CloudWatch alarms; the deploymentCircuitBreaker watches deployments.");
        if (IsSet(deployment.LifecycleHooks))
            throw EcsError.InvalidParameter("deploymentConfiguration.lifecycleHooks are not supported: a ROLLING deployment in Actors runs no hooks.");
        if (IsSet(deployment.LinearConfiguration) || IsSet(deployment.CanaryConfiguration))
            throw EcsError.InvalidParameter("deploymentConfiguration.linearConfiguration and canaryConfiguration belong to the LINEAR and CANARY strategies: Actors deploys ROLLING.");
    }

    /// <summary>A member that asks for something: not absent, null, false, an empty list or an empty object.</summary>
    internal static bool IsSet(JsonElement? element) => element is { } value && value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.False => false,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => value.EnumerateObject().Any(),
        _ => true,
    };

    private static void RefuseUnknownRebalancing(string? rebalancing)
    {
        if (rebalancing is not (null or "ENABLED" or "DISABLED"))
            throw EcsError.InvalidParameter($"Invalid availabilityZoneRebalancing '{rebalancing}'. Valid values: ENABLED, DISABLED.");
    }

    private static DeploymentSettingsRequest? Settings(DeploymentConfigurationRequest? request)
    {
        if (request is null) return null;
        var breaker = request.DeploymentCircuitBreaker;
        if (breaker is not null && (breaker.Enable is null || breaker.Rollback is null))
            throw EcsError.InvalidParameter("deploymentConfiguration.deploymentCircuitBreaker needs both enable and rollback.");
        return new DeploymentSettingsRequest(request.MinimumHealthyPercent, request.MaximumPercent, breaker?.Enable, breaker?.Rollback);
    }

    /// <summary>The revision a service's tasks would run: a task definition revision and the service's placement.</summary>
    private static TaskDefinitionChoice ChoiceOf(TaskDefinitionRevision revision) => new(revision.Family, revision.Revision,
        HasHealthCheck: revision.Spec.ContainerDefinitions.Any(c => c.IsEssential && c.HealthCheck is not null), revision.Spec.PlacementConstraints?.Count ?? 0);

    private static ServiceRevision RevisionOf(TaskDefinitionRevision revision, IReadOnlyCollection<PlacementConstraint> constraints,
        IReadOnlyCollection<PlacementStrategy> strategies)
    {
        // ECS counts the task definition's constraints and the service's together.
        var total = (revision.Spec.PlacementConstraints?.Count ?? 0) + constraints.Count;
        if (total > PlacementRules.MaxConstraints)
            throw EcsError.InvalidParameter(
                $"Too many placement constraints: at most {PlacementRules.MaxConstraints} are allowed with the task definition's, {total} were given.");
        var choice = ChoiceOf(revision);
        return new ServiceRevision(choice.Family, choice.Revision, choice.HasHealthCheck, [.. constraints], [.. strategies]);
    }

    // ------------------------------------------------------------------ names

    /// <summary>The cluster (which must exist) and the service a request names by name or ARN.</summary>
    private static async Task<(string Cluster, string Name)> NamedService(string? clusterOrArn, string? serviceOrArn, ActionContext context)
    {
        if (string.IsNullOrEmpty(serviceOrArn)) throw EcsError.InvalidParameter("service is required.");
        var cluster = await ContainerInstanceActions.ExistingCluster(clusterOrArn, context);
        return (cluster, ServiceNameOf(serviceOrArn, cluster) ?? throw EcsError.From(Service.ServiceNotFound()));
    }

    /// <summary>
    /// The service name in a name or an ARN (<c>service/cluster/name</c>, or the older <c>service/name</c>); null when it
    /// is no valid name or the ARN names another cluster.
    /// </summary>
    public static string? ServiceNameOf(string nameOrArn, string cluster)
    {
        var name = nameOrArn;
        if (Arn.LooksLikeArn(nameOrArn))
        {
            if (!Arn.TryParse(nameOrArn, out var arn) || arn.ResourceType != "service") return null;
            var slash = arn.ResourcePath.IndexOf('/');
            if (slash >= 0 && arn.ResourcePath[..slash] != cluster) return null;
            name = arn.ResourcePath[(slash + 1)..];
        }
        return Service.IsValidName(name) ? name : null;
    }

    private const string ServiceDeploymentResource = "service-deployment";
    private const string ServiceRevisionResource = "service-revision";

    /// <summary>A deployment (or its revision) a service-deployment or service-revision ARN names.</summary>
    private sealed record NamedDeploymentArn(string Arn, string Cluster, string Service, string DeploymentId);

    private static NamedDeploymentArn NamedDeployment(string arnText, string resourceType)
    {
        if (Arn.TryParse(arnText, out var arn) && arn.ResourceType == resourceType && arn.ResourcePath.Split('/') is [var cluster, var service, var id]
            && Cluster.IsValidName(cluster) && Service.IsValidName(service) && id.Length > 0)
            return new NamedDeploymentArn(arnText, cluster, service, ServiceDeploymentIds.Full(id));
        throw EcsError.InvalidParameter($"'{arnText}' is not a {resourceType} ARN: arn:aws:ecs:<region>:<account>:{resourceType}/<cluster>/<service>/<id>.");
    }

    private static EcsError DeploymentNotFound(string arn) => new(ErrorCodes.ServiceDeploymentNotFound, $"Service deployment {arn} not found.");

    // ------------------------------------------------------------------ answers

    private static async Task<ServiceView?> Describe(string cluster, string name, ActionContext context)
    {
        var answer = await context.Plane.Services.Ask<ServiceAnswer>(ServiceState.EntityIdOf(cluster, name), DescribeService.Instance, context.Cancellation);
        return answer.Service;
    }

    private static ServiceShape Answered(ServiceAnswer answer, ActionContext context, bool includeTags) =>
        answer.Error is { } error ? throw EcsError.From(error)
        : answer.Service is { } view ? ServiceShape.From(view, context.Plane.Account, includeTags)
        : throw EcsError.From(Service.ServiceNotFound());

    /// <summary>A service's named deployments, the deployments that rolled them back, and its current view (for the counts).</summary>
    private sealed record DescribedService(ImmutableList<Deployment> Deployments, ServiceView? View);

    private sealed record FoundDeployment(NamedDeploymentArn Named, Deployment Deployment, DescribedService Service);

    /// <summary>The deployments named by ARN, each service asked once for all of its own; the rest are MISSING.</summary>
    private static async Task<(List<FoundDeployment> Found, List<Failure> Missing)> DescribeDeployments(List<string>? arns, string member,
        string resourceType, ActionContext context)
    {
        if (arns is not { Count: > 0 }) throw EcsError.InvalidParameter($"{member} must name at least one ARN.");
        if (arns.Count > MaxDeploymentsPerDescribe) throw EcsError.InvalidParameter($"At most {MaxDeploymentsPerDescribe} ARNs can be described at once.");
        var named = arns.Select(arn => NamedDeployment(arn, resourceType)).ToList();
        var services = await Task.WhenAll(named.GroupBy(n => ServiceState.EntityIdOf(n.Cluster, n.Service)).Select(async byService =>
        {
            var deployments = DeploymentsOf(byService.Key, [.. byService.Select(n => n.DeploymentId).Distinct()], context);
            var view = context.Plane.Services.Ask<ServiceAnswer>(byService.Key, DescribeService.Instance, context.Cancellation);
            return (byService.Key, Described: new DescribedService(await deployments, (await view).Service));
        }));
        var byService = services.ToDictionary(s => s.Key, s => s.Described);
        var found = new List<FoundDeployment>();
        var missing = new List<Failure>();
        foreach (var n in named)
        {
            var service = byService[ServiceState.EntityIdOf(n.Cluster, n.Service)];
            if (service.Deployments.Find(d => d.Id == n.DeploymentId) is { } deployment) found.Add(new FoundDeployment(n, deployment, service));
            else missing.Add(new Failure(n.Arn, "MISSING"));
        }
        return (found, missing);
    }

    /// <summary>A service's deployments by id, asked again for those that did not fit one answer.</summary>
    private static async Task<ImmutableList<Deployment>> DeploymentsOf(string entityId, List<string> ids, ActionContext context)
    {
        var found = ImmutableList.CreateBuilder<Deployment>();
        while (ids.Count > 0)
        {
            var page = await context.Plane.Services.Ask<DeploymentPage>(entityId, new DescribeDeployments([.. ids]), context.Cancellation);
            found.AddRange(page.Deployments);
            var answered = page.Deployments.Select(d => d.Id).ToHashSet();
            var rest = ids.Where(id => !answered.Contains(id)).ToList();
            if (!page.More || rest.Count == ids.Count) break;
            ids = rest;
        }
        return found.ToImmutable();
    }

    /// <summary>The images a revision's containers run, from its task definition (null once the task definition is deleted).</summary>
    private static async Task<IReadOnlyList<ContainerImageShape>?> ContainerImages(ServiceRevision revision, ActionContext context)
    {
        var answer = await context.Plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(revision.Family, new GetRevision(revision.Revision),
            context.Cancellation);
        return answer.Revision?.Spec.ContainerDefinitions.Select(c => new ContainerImageShape(c.Name ?? "", c.Image)).ToList();
    }
}
