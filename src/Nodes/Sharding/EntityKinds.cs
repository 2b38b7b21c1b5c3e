using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;

namespace Actors.Nodes.Sharding;

/// <summary>The kinds of sharded entity: the shard region's type name is also the persistence id prefix and the journal tag.</summary>
public static class EntityKinds
{
    public const string Cluster = "cluster";
    public const string TaskDefinitionFamily = "task-definition-family";
    public const string ContainerInstance = "container-instance";
    public const string Service = "service";

    /// <summary>Persistence ids read as "kind|entity-id" so the journal can be listed by kind.</summary>
    public static string PersistenceId(string kind, string entityId) => $"{kind}|{entityId}";

    public static bool TryParsePersistenceId(string persistenceId, string kind, out string entityId)
    {
        var prefix = kind + "|";
        entityId = persistenceId.StartsWith(prefix, StringComparison.Ordinal) ? persistenceId[prefix.Length..] : "";
        return entityId.Length > 0;
    }

    public static string TagOf(IDomainEvent domainEvent) => domainEvent switch
    {
        IClusterEvent => Cluster,
        ITaskDefinitionFamilyEvent => TaskDefinitionFamily,
        IContainerInstanceEvent => ContainerInstance,
        IServiceEvent => Service,
        _ => throw new ArgumentOutOfRangeException(nameof(domainEvent), domainEvent.GetType().Name, "Event of no known entity kind"),
    };
}
