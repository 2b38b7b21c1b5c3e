using Actors.Domain.Clusters;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
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
                journalBuilder: journal => journal.AddWriteEventAdapter<EventTagger>("tagger", [typeof(Actors.Domain.Common.IDomainEvent)]))
            .WithSqlPersistence(
                connectionString: options.Journal.ShardingConnectionString,
                providerName: providerName,
                pluginIdentifier: ShardingJournalId,
                isDefaultPlugin: false);

        builder.WithShardRegion<ClusterRegion>(
            EntityKinds.Cluster,
            entityId => Props.Create(() => new AggregateEntity<Domain.Clusters.Cluster, ClusterState, IClusterCommand, IClusterEvent>(
                EntityKinds.PersistenceId(EntityKinds.Cluster, entityId), entityId, options.Journal.SnapshotEvery)),
            new EntityMessageExtractor(),
            ShardOptions());

        builder.WithShardRegion<TaskDefinitionFamilyRegion>(
            EntityKinds.TaskDefinitionFamily,
            entityId => Props.Create(() => new AggregateEntity<TaskDefinitionFamily, TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>(
                EntityKinds.PersistenceId(EntityKinds.TaskDefinitionFamily, entityId), entityId, options.Journal.SnapshotEvery)),
            new EntityMessageExtractor(),
            ShardOptions());

        if (options.SeedNodes.Count == 0)
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        return builder;
    }

    private static ShardOptions ShardOptions() => new()
    {
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
        JournalPluginId = $"akka.persistence.journal.{ShardingJournalId}",
        SnapshotPluginId = $"akka.persistence.snapshot-store.{ShardingJournalId}",
    };
}
