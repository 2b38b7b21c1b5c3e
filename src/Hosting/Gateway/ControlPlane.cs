using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes;
using Actors.Nodes.Persistence;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Hosting;

namespace Actors.Hosting.Gateway;

/// <summary>Quotas ECS enforces by default; configurable under Actors:Limits.</summary>
public sealed record GatewayLimits
{
    public int MaxRequestBytes { get; init; } = 1024 * 1024;
    public int MaxContainerInstancesPerCluster { get; init; } = 5000;
    public int MaxServicesPerCluster { get; init; } = 5000;
    /// <summary>ECS's limits on task definitions (containers per task definition, JSON size).</summary>
    public TaskDefinitionLimits TaskDefinitions { get; init; } = TaskDefinitionLimits.Default;
}

/// <summary>What every action handler needs: the shard regions of the control plane, the journal directory, ARNs and limits.</summary>
public sealed class ControlPlane(ActorSystem system, ActorRegistry registry, AccountScope account, GatewayLimits limits)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    public ActorSystem System { get; } = system;
    public AccountScope Account { get; } = account;
    public GatewayLimits Limits { get; } = limits;
    public JournalDirectory Directory { get; } = new(system);
    public EntityClient<ClusterState> Clusters { get; } = new(registry.Get<ClusterRegion>(), AskTimeout);
    public EntityClient<TaskDefinitionFamilyState> TaskDefinitionFamilies { get; } = new(registry.Get<TaskDefinitionFamilyRegion>(), AskTimeout);
    public EntityClient<ContainerInstanceState> ContainerInstances { get; } = new(registry.Get<ContainerInstanceRegion>(), AskTimeout);
    public EntityClient<ServiceState> Services { get; } = new(registry.Get<ServiceRegion>(), AskTimeout);
    private readonly IActorRef _clusterIndex = registry.Get<ClusterIndex>();
    private readonly IActorRef _taskDefinitionIndex = registry.Get<TaskDefinitionIndex>();

    /// <summary>Each kind's shard region (a proxy on a gateway-only node), for the control plane's status.</summary>
    public IReadOnlyDictionary<string, IActorRef> RegionsByKind { get; } = new Dictionary<string, IActorRef>
    {
        [EntityKinds.Cluster] = registry.Get<ClusterRegion>(),
        [EntityKinds.TaskDefinitionFamily] = registry.Get<TaskDefinitionFamilyRegion>(),
        [EntityKinds.ContainerInstance] = registry.Get<ContainerInstanceRegion>(),
        [EntityKinds.Service] = registry.Get<ServiceRegion>(),
    };

    /// <summary>A page of the ACTIVE clusters' names from this node's index of them.</summary>
    public Task<Nodes.Scheduling.IdPage> ActiveClusters(string? afterName, int limit, CancellationToken cancellationToken) =>
        _clusterIndex.Ask<Nodes.Scheduling.IdPage>(new ListActiveClusters(afterName, limit), AskTimeout, cancellationToken);

    /// <summary>A page of task definition revisions from this node's index of them.</summary>
    public Task<TaskDefinitionRevisionPage> TaskDefinitionRevisions(ListTaskDefinitionRevisions list, CancellationToken cancellationToken) =>
        _taskDefinitionIndex.Ask<TaskDefinitionRevisionPage>(list, AskTimeout, cancellationToken);

    /// <summary>Sends a command and turns a refusal into the ECS error the client sees.</summary>
    public static async Task<TState> Accepted<TState>(Task<Nodes.Entities.EntityResponse<TState>> response)
    {
        var result = await response;
        return result.Error is null ? result.State : throw EcsError.From(result.Error);
    }
}

/// <summary>One request as a handler sees it.</summary>
/// <param name="Body">The raw JSON body, for actions whose request is read into more than one shape.</param>
/// <param name="Cancellation">Cancelled when the client goes away.</param>
/// <param name="Stopping">Cancelled when the node begins to stop: whatever waits on purpose (a long poll) answers at once.</param>
public sealed record ActionContext(RequestContext Request, ControlPlane Plane, ReadOnlyMemory<byte> Body, CancellationToken Cancellation,
    CancellationToken Stopping);

/// <summary>The control plane exists only once the actor system has started; the gateway resolves it on first use.</summary>
public sealed class ControlPlaneAccessor(IServiceProvider services, AccountScope account, GatewayLimits limits)
{
    // PublicationOnly: a construction that failed is tried again by the next request, not rethrown to every one after.
    private readonly Lazy<ControlPlane> _plane = new(() =>
        new ControlPlane(services.GetRequiredService<ActorSystem>(), services.GetRequiredService<ActorRegistry>(), account, limits),
        LazyThreadSafetyMode.PublicationOnly);

    public ControlPlane Get() => _plane.Value;
}
