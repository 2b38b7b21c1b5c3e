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
using Akka.Cluster.Sharding;
using Akka.Hosting;
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

    /// <summary>Remoting, clustering, persistence, our serializer and every shard region of the control plane.</summary>
    public static AkkaConfigurationBuilder AddActorsNode(this AkkaConfigurationBuilder builder, NodeOptions options)
    {
        var providerName = options.Journal.Provider == JournalProvider.Sqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15;

        builder
            .WithRemoting(options.Hostname, options.Port)
            .WithClustering(new ClusterOptions { SeedNodes = options.SeedNodes.ToArray() })
            .AddSetup(ActorsSerialization.Setup())
            .WithSqlPersistence(
                connectionString: options.Journal.ConnectionString,
                providerName: providerName,
                journalBuilder: journal => journal.AddWriteEventAdapter<EventTagger>("tagger", [typeof(Actors.Domain.Common.IDomainEvent), typeof(ChainedEvent)]))
            .WithSqlPersistence(
                connectionString: options.Journal.ShardingConnectionString,
                providerName: providerName,
                pluginIdentifier: ShardingJournalId,
                isDefaultPlugin: false);

        // The host runs CoordinatedShutdown when it stops, after the server has drained its requests. Left on, the CLR hook
        // would start it the moment SIGTERM arrives, tearing shard regions down under requests still being answered.
        builder.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);

        if (options.Journal.Provider == JournalProvider.Sqlite)
            // SQLite takes one writer at a time: parallel write batches only wait on each other's locks (Microsoft.Data.Sqlite
            // sleeps between retries), so one writer with larger batches is both faster and steadier.
            builder.AddHocon("""
                akka.persistence.journal.sql {
                  parallelism = 1
                  batch-size = 400
                  tagtable-asqueryable-insert-mode = inline
                }
                """, HoconAddMode.Prepend);

        var snapshotEvery = options.Journal.SnapshotEvery;
        builder
            .WithShardRegion<ClusterRegion>(
                EntityKinds.Cluster,
                (_, registry) => entityId => Props.Create(() => new ClusterScheduler(
                    EntityKinds.PersistenceId(EntityKinds.Cluster, entityId), entityId, snapshotEvery, options.Scheduler, options.Clock,
                    () => registry.Get<ContainerInstanceRegion>(), () => registry.Get<ServiceRegion>())),
                new EntityMessageExtractor(),
                ShardOptions())
            .WithShardRegion<TaskDefinitionFamilyRegion>(
                EntityKinds.TaskDefinitionFamily,
                entityId => Props.Create(() => new TaskDefinitionFamilyEntity(
                    EntityKinds.PersistenceId(EntityKinds.TaskDefinitionFamily, entityId), entityId, snapshotEvery, options.Clock)),
                new EntityMessageExtractor(),
                ShardOptions())
            .WithShardRegion<ContainerInstanceRegion>(
                EntityKinds.ContainerInstance,
                (_, registry) => entityId => Props.Create(() => new ContainerInstanceEntity(
                    EntityKinds.PersistenceId(EntityKinds.ContainerInstance, entityId), entityId, snapshotEvery, options.AgentLease, options.Clock,
                    () => registry.Get<ClusterRegion>())),
                new EntityMessageExtractor(),
                // Instances with a connected agent must wake by themselves after a restart to time their leases.
                ShardOptions(rememberEntities: true))
            .WithShardRegion<ServiceRegion>(
                EntityKinds.Service,
                (_, registry) => entityId => Props.Create(() => new ServiceEntity(
                    EntityKinds.PersistenceId(EntityKinds.Service, entityId), entityId, snapshotEvery, options.Services, options.Clock,
                    () => registry.Get<ClusterRegion>(), () => registry.Get<TaskDefinitionFamilyRegion>())),
                new EntityMessageExtractor(),
                // A service reconciles by itself: after a restart it must wake and carry on without being asked.
                ShardOptions(rememberEntities: true));

        if (options.SeedNodes.Count == 0)
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        return builder;
    }

    private static ShardOptions ShardOptions(bool rememberEntities = false) => new()
    {
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = rememberEntities,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
        JournalPluginId = $"akka.persistence.journal.{ShardingJournalId}",
        SnapshotPluginId = $"akka.persistence.snapshot-store.{ShardingJournalId}",
    };
}
