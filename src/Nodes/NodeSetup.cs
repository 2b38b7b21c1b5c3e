using Actors.Domain.Clusters;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Management.Dsl;
using Akka.Management.Cluster.Bootstrap;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LinqToDB;

namespace Actors.Nodes;

/// <summary>Marker keys for the shard regions in Akka.Hosting's registry.</summary>
public sealed class ClusterRegion;

public sealed class TaskDefinitionFamilyRegion;

public sealed class ContainerInstanceRegion;

public sealed class ServiceRegion;

public static class NodeSetup
{
    private const string ShardingJournalId = "sharding";
    private const string PeerServiceName = "actors-peers";

    /// <summary>Remoting, clustering, persistence, our serializer and every shard region of the control plane.</summary>
    public static AkkaConfigurationBuilder AddActorsNode(this AkkaConfigurationBuilder builder, NodeOptions options)
    {
        var providerName = options.Journal.Provider == JournalProvider.Sqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15;

        builder
            .WithRemoting(options.Address.Host, options.Address.Port)
            .WithClustering(new ClusterOptions { Roles = options.Roles.Order().ToArray(), SplitBrainResolver = new KeepMajorityOption() })
            .AddSetup(ActorsSerialization.Setup())
            // No tags go to the plugin: with tags it inserts rows one by one; TagIndexer fills its tag table behind the writes.
            .WithSqlPersistence(connectionString: options.Journal.ConnectionString, providerName: providerName)
            .WithSqlPersistence(
                connectionString: options.Journal.ShardingConnectionString,
                providerName: providerName,
                pluginIdentifier: ShardingJournalId,
                isDefaultPlugin: false);

        // The host runs CoordinatedShutdown when it stops, after the server has drained its requests. Left on, the CLR hook
        // would start it the moment SIGTERM arrives, tearing shard regions down under requests still being answered.
        builder.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);

        // A batch of events goes in one multi-row INSERT; by default its payloads are written into the SQL text as literals
        // (SQLite: hex, twice the bytes, built as strings and parsed again), as parameters they are bound as they are.
        builder.AddHocon("akka.persistence.journal.sql.prefer-parameters-on-multirow-insert = true", HoconAddMode.Prepend);
        // A cloned connection combined linq2db's mapping schemas anew each time, so every INSERT was translated again.
        builder.AddHocon("akka.persistence.journal.sql.use-clone-connection = false", HoconAddMode.Prepend);

        // Akka's replay filter judges a stream by the rows' writer id, which this plugin fills with the id of the node's
        // journal, not of the entity's incarnation. An entity that moved to another node and came back shows as an "old
        // writer" back after a newer one, and the filter dropped every event it wrote since - at each later recovery, so
        // acknowledged writes vanished from the state (and the next event no longer followed its chain). The journal needs
        // no filter: its unique (persistence id, sequence number) key refuses a stale incarnation's write, which stops it.
        builder.AddHocon($$"""
            akka.persistence.journal.sql.replay-filter.mode = off
            akka.persistence.journal.{{ShardingJournalId}}.replay-filter.mode = off
            """, HoconAddMode.Prepend);

        if (options.Journal.Provider == JournalProvider.Sqlite)
            // SQLite takes one writer at a time: parallel write batches only wait on each other's locks (Microsoft.Data.Sqlite
            // sleeps between retries), so one writer with larger batches is both faster and steadier.
            builder.AddHocon("""
                akka.persistence.journal.sql {
                  parallelism = 1
                  batch-size = 400
                }
                """, HoconAddMode.Prepend);

        if (options.Failover == FailoverTimings.Tuned) builder.AddHocon(Failover.Hocon(options.Peers.Count), HoconAddMode.Prepend);
        if (options.Peers.Count == 0)
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        else
            builder.WithPeerDiscovery(options.Address, options.Peers);

        // Every node answers ListClusters and ListTaskDefinitions from indexes of its own, fed by the shared journal.
        builder.WithActors((system, registry) =>
        {
            registry.Register<ClusterIndex>(system.ActorOf(Props.Create(() => new ClusterIndex(options.Journal)), "cluster-index"));
            registry.Register<TaskDefinitionIndex>(system.ActorOf(Props.Create(() => new TaskDefinitionIndex(options.Journal)), "task-definition-index"));
        });
        return options.Roles.Contains(NodeRoles.Orchestrator) ? builder.WithEntityRegions(options) : builder.WithEntityProxies();
    }

    /// <summary>
    /// Cluster formation without a special node: Akka.Management's cluster bootstrap finds the other nodes through config
    /// discovery over the peer list (never static seed nodes as well) and asks each for its cluster at its bootstrap
    /// endpoint (<see cref="BootstrapSeedNodes"/>). A node joins whichever peer already belongs to a cluster; a new cluster
    /// is formed only once every peer answered, by the one with the lowest address, so peers that cannot all see each
    /// other never form two clusters.
    /// </summary>
    private static AkkaConfigurationBuilder WithPeerDiscovery(this AkkaConfigurationBuilder builder, NodeAddress self, IReadOnlyList<NodeAddress> peers)
    {
        var endpoints = string.Join(", ", peers.Select(peer => $"\"{peer.Host}:{peer.BootstrapPort}\""));
        builder.AddHocon($$"""
            akka.discovery {
              method = config
              config.services.{{PeerServiceName}}.endpoints = [{{endpoints}}]
            }
            akka.management.cluster.bootstrap {
              contact-point-discovery {
                stable-margin = 2s
                interval = 1s
                contact-with-all-contact-points = on
              }
              contact-point {
                probe-interval = 1s
                # Every peer names its own port: none is "the" management port the filter expects.
                filter-on-fallback-port = off
              }
            }
            """, HoconAddMode.Prepend);
        return builder
            .WithClusterBootstrap(serviceName: PeerServiceName, requiredContactPoints: peers.Count, autoStart: false)
            .AddStartup(async (system, _) =>
            {
                // Akka.Management's own HTTP server cannot start with the Ceen.Httpd the registry serves, so the node answers
                // the bootstrap's one route itself; Routes() is how the bootstrap learns its own contact point then.
                var bootstrap = ClusterBootstrap.Get(system);
                bootstrap.Routes(ManagementRouteProviderSettings.Create(new Uri($"http://{self.Host}:{self.BootstrapPort}/"), readOnly: true));
                await bootstrap.Start();
            });
    }

    /// <summary>A gateway-only node reaches every entity through proxies: it hosts no shard.</summary>
    private static AkkaConfigurationBuilder WithEntityProxies(this AkkaConfigurationBuilder builder) => builder
        .WithShardRegionProxy<ClusterRegion>(EntityKinds.Cluster, NodeRoles.Orchestrator, new EntityMessageExtractor())
        .WithShardRegionProxy<TaskDefinitionFamilyRegion>(EntityKinds.TaskDefinitionFamily, NodeRoles.Orchestrator, new EntityMessageExtractor())
        .WithShardRegionProxy<ContainerInstanceRegion>(EntityKinds.ContainerInstance, NodeRoles.Orchestrator, new EntityMessageExtractor())
        .WithShardRegionProxy<ServiceRegion>(EntityKinds.Service, NodeRoles.Orchestrator, new EntityMessageExtractor());

    private static AkkaConfigurationBuilder WithEntityRegions(this AkkaConfigurationBuilder builder, NodeOptions options)
    {
        var snapshotEvery = options.Journal.SnapshotEvery;
        return builder
            .WithSingleton<TagIndexer>("tag-indexer", Props.Create(() => new TagIndexer(options.Journal)),
                new ClusterSingletonOptions { Role = NodeRoles.Orchestrator })
            .WithShardRegion<ClusterRegion>(
                EntityKinds.Cluster,
                (_, registry) => entityId => EntityProps.Of(() => new ClusterScheduler(
                    EntityKinds.PersistenceId(EntityKinds.Cluster, entityId), entityId, snapshotEvery, options.Scheduler, options.Clock,
                    () => registry.Get<ContainerInstanceRegion>(), () => registry.Get<ServiceRegion>(), () => registry.Get<TaskDefinitionFamilyRegion>())),
                new EntityMessageExtractor(),
                ShardOptions())
            .WithShardRegion<TaskDefinitionFamilyRegion>(
                EntityKinds.TaskDefinitionFamily,
                entityId => EntityProps.Of(() => new TaskDefinitionFamilyEntity(
                    EntityKinds.PersistenceId(EntityKinds.TaskDefinitionFamily, entityId), entityId, snapshotEvery, options.Clock)),
                new EntityMessageExtractor(),
                ShardOptions())
            .WithShardRegion<ContainerInstanceRegion>(
                EntityKinds.ContainerInstance,
                (_, registry) => entityId => EntityProps.Of(() => new ContainerInstanceEntity(
                    EntityKinds.PersistenceId(EntityKinds.ContainerInstance, entityId), entityId, snapshotEvery, options.AgentLease, options.Clock,
                    () => registry.Get<ClusterRegion>())),
                new EntityMessageExtractor(),
                // Instances with a connected agent must wake by themselves after a restart to time their leases.
                ShardOptions(rememberEntities: true))
            .WithShardRegion<ServiceRegion>(
                EntityKinds.Service,
                (_, registry) => entityId => EntityProps.Of(() => new ServiceEntity(
                    EntityKinds.PersistenceId(EntityKinds.Service, entityId), entityId, snapshotEvery, options.Services, options.Clock,
                    () => registry.Get<ClusterRegion>(), () => registry.Get<TaskDefinitionFamilyRegion>())),
                new EntityMessageExtractor(),
                // A service reconciles by itself: after a restart it must wake and carry on without being asked.
                ShardOptions(rememberEntities: true));
    }

    private static ShardOptions ShardOptions(bool rememberEntities = false) => new()
    {
        Role = NodeRoles.Orchestrator,
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = rememberEntities,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
        JournalPluginId = $"akka.persistence.journal.{ShardingJournalId}",
        SnapshotPluginId = $"akka.persistence.snapshot-store.{ShardingJournalId}",
    };
}

/// <summary>
/// Props whose actor a plain delegate makes. <c>Props.Create(() => new X(...))</c> evaluates the constructor's arguments by
/// compiling each of them to a delegate, which JIT-compiles several methods every time an entity starts: about 6,000 for
/// 1,000 container instances registering, and again for every entity a failover restarts elsewhere.
/// </summary>
internal static class EntityProps
{
    public static Props Of<TActor>(Func<TActor> make) where TActor : ActorBase => Props.CreateBy(new Maker<TActor>(make));

    private sealed class Maker<TActor>(Func<TActor> make) : IIndirectActorProducer where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => make();

        public void Release(ActorBase actor) { }
    }
}
