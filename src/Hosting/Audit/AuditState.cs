using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Persistence;
using Actors.Nodes.Protocol;
using Actors.Nodes.Services;
using Actors.Nodes.Sharding;

namespace Actors.Hosting.Audit;

/// <summary>
/// `audit state ARN --at TIME`: the entity as it was at that time, folded from its journal through the same Apply its actor
/// uses (every event whose request arrived at or before the time), and printed as the gateway's Describe* answers it.
/// A cluster's task counts live in its instances and are left at zero here.
/// </summary>
public static class AuditState
{
    public static async Task<JsonObject> At(AuditJournal journal, string arnText, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!Arn.TryParse(arnText, out var arn)) throw new AuditException($"'{arnText}' is not an ECS ARN (arn:aws:ecs:region:account:type/...).");
        var account = new AccountScope(arn.Region, arn.AccountId);
        switch (arn.ResourceType)
        {
            case "cluster":
            {
                var (state, events) = await Fold<Cluster, ClusterState, IClusterCommand, IClusterEvent>(journal, EntityKinds.Cluster, arn.ResourcePath, at, cancellationToken);
                return Answer("clusters", arnText, events == 0 || state.Status is null
                    ? null
                    : ClusterShape.From(state, account, ClusterShape.Details.All, ClusterShape.TaskCounts.None));
            }
            case "container-instance":
            {
                var (state, events) = await Fold<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>(
                    journal, EntityKinds.ContainerInstance, arn.ResourcePath, at, cancellationToken);
                return Answer("containerInstances", arnText, events == 0 || state.Status is null ? null : ContainerInstanceShape.From(state, account, includeTags: true));
            }
            case "task":
            {
                var taskId = arn.ResourcePath[(arn.ResourcePath.LastIndexOf('/') + 1)..];
                var instanceEntityId = await InstanceOfTask(journal, taskId, cancellationToken);
                if (instanceEntityId is null) return Answer("tasks", arnText, null);
                var (instance, _) = await Fold<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>(
                    journal, EntityKinds.ContainerInstance, instanceEntityId, at, cancellationToken);
                return Answer("tasks", arnText, instance.Tasks.TryGetValue(taskId, out var task)
                    ? TaskShape.From(TaskDescription.Of(task, instance), account, includeTags: true)
                    : null);
            }
            case "service":
            {
                var (state, events) = await Fold<Service, ServiceState, IServiceCommand, IServiceEvent>(journal, EntityKinds.Service, arn.ResourcePath, at, cancellationToken);
                return Answer("services", arnText, events == 0 ? null : ServiceShape.From(ServiceEntity.ViewOf(state, null), account, includeTags: true));
            }
            case "task-definition":
            {
                var colon = arn.ResourcePath.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(arn.ResourcePath[(colon + 1)..], out var number))
                    throw new AuditException($"'{arnText}' names no revision (task-definition/family:revision).");
                var (state, _) = await Fold<TaskDefinitionFamily, TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>(
                    journal, EntityKinds.TaskDefinitionFamily, arn.ResourcePath[..colon], at, cancellationToken);
                var revision = state.Revisions.FirstOrDefault(r => r.Revision == number);
                return revision is null
                    ? Answer("taskDefinitions", arnText, null)
                    : new JsonObject { ["taskDefinition"] = TaskDefinitionShape.From(revision, account), ["tags"] = Wire(revision.Tags) };
            }
            default:
                throw new AuditException($"audit state reads clusters, container instances, tasks, services and task definitions, not {arn.ResourceType}.");
        }
    }

    /// <summary>
    /// The state of one entity after every event whose request arrived at or before <paramref name="at"/>, and how many that
    /// was. Events are applied in their entity's order, as the actor applied them.
    /// </summary>
    public static async Task<(TState State, int Events)> Fold<TAggregate, TState, TCommand, TEvent>(
        AuditJournal journal, string kind, string entityId, DateTimeOffset at, CancellationToken cancellationToken)
        where TAggregate : IAggregate<TState, TCommand, TEvent>
        where TEvent : class, IDomainEvent
    {
        var state = TAggregate.Empty(entityId);
        var count = 0;
        await foreach (var entry in journal.ByPersistenceId(EntityKinds.PersistenceId(kind, entityId), cancellationToken))
        {
            if (entry.Event is not TEvent @event)
                throw new AuditException($"{entry.PersistenceId} #{entry.SequenceNr} cannot be read ({entry.Chained?.ReadError}): run audit verify.");
            if (@event.Metadata.At > at) break;
            state = TAggregate.Apply(state, @event);
            count++;
        }
        return (state, count);
    }

    /// <summary>The entity id of the instance a task was placed on, from the task's tag.</summary>
    public static async Task<string?> InstanceOfTask(AuditJournal journal, string taskId, CancellationToken cancellationToken)
    {
        await foreach (var entry in journal.ByTag(AuditTags.Tag(AuditTags.Task, taskId), follow: false, cancellationToken))
            if (EntityKinds.TryParsePersistenceId(entry.PersistenceId, EntityKinds.ContainerInstance, out var instance)) return instance;
        return null;
    }

    private static JsonObject Answer(string member, string arn, object? shape) => new()
    {
        [member] = shape is null ? new JsonArray() : new JsonArray(Wire(shape)),
        ["failures"] = shape is null
            ? new JsonArray(new JsonObject { ["arn"] = arn, ["reason"] = "MISSING", ["detail"] = "It did not exist at that time." })
            : new JsonArray(),
    };

    private static JsonNode? Wire(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), WireJson.Options);
}
