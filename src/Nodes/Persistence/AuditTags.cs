using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Sharding;

namespace Actors.Nodes.Persistence;

/// <summary>
/// The journal tags of an event: what `actors audit events` filters by, so that a filter is a tag query rather than a scan.
/// Each tag is <c>name:value</c>; an entity computes them when it persists, from the
/// event and its state before it (a task's service and family are in the instance's state, not in every task event).
/// </summary>
public static class AuditTags
{
    public const string Cluster = "cluster";
    public const string Family = "family";
    public const string Service = "service";
    public const string ContainerInstance = "container-instance";
    public const string Task = "task";
    public const string Type = "type";
    public const string Principal = "principal";
    public const string RequestId = "request";

    public static string Tag(string name, string value) => $"{name}:{value}";

    public static ImmutableArray<string> Of(string persistenceId, IDomainEvent domainEvent, object stateBefore)
    {
        // No tag for "every event" or for the entity kind: the unfiltered timeline reads the journal itself, and each tag is
        // a row (and three index entries) written beside every event.
        var tags = new List<string>
        {
            Tag(Type, domainEvent.GetType().Name),
            Tag(Principal, domainEvent.Metadata.Principal),
            Tag(RequestId, domainEvent.Metadata.RequestId),
        };
        switch (stateBefore)
        {
            case ClusterState cluster:
                tags.Add(Tag(Cluster, cluster.Name));
                AddClusterSubjects(tags, cluster.Name, domainEvent);
                break;
            case ContainerInstanceState instance:
                var clusterName = domainEvent is ContainerInstanceRegistered registered ? registered.ClusterName : instance.ClusterName;
                tags.Add(Tag(Cluster, clusterName));
                tags.Add(Tag(ContainerInstance, instance.InstanceId));
                AddTaskSubjects(tags, clusterName, instance, domainEvent);
                break;
            case ServiceState service:
                tags.Add(Tag(Cluster, service.ClusterName));
                tags.Add(Tag(Service, ServiceState.EntityIdOf(service.ClusterName, service.Name)));
                if (domainEvent is ServiceTasksStopRequested stops) tags.AddRange(stops.Tasks.Select(t => Tag(Task, t.TaskId)));
                break;
            case TaskDefinitionFamilyState family:
                tags.Add(Tag(Family, family.Family));
                break;
            default:
                if (EntityKinds.TryParsePersistenceId(persistenceId, EntityKinds.TaskDefinitionFamily, out var familyName))
                    tags.Add(Tag(Family, familyName));
                break;
        }
        return [.. tags.Distinct(StringComparer.Ordinal)];
    }

    private static void AddClusterSubjects(List<string> tags, string clusterName, IDomainEvent domainEvent)
    {
        switch (domainEvent)
        {
            case ContainerInstanceAdmitted admitted: tags.Add(Tag(ContainerInstance, admitted.ContainerInstanceId)); break;
            case ContainerInstanceReleased released: tags.Add(Tag(ContainerInstance, released.ContainerInstanceId)); break;
            case ServiceAdmitted admitted: tags.Add(Tag(Service, ServiceState.EntityIdOf(clusterName, admitted.ServiceName))); break;
            case ServiceReleased released: tags.Add(Tag(Service, ServiceState.EntityIdOf(clusterName, released.ServiceName))); break;
            case LaunchPlanned planned:
                tags.Add(Tag(Family, planned.Spec.Revision.Family));
                if (ServiceOfGroup(planned.Spec.Group) is { } service) tags.Add(Tag(Service, ServiceState.EntityIdOf(clusterName, service)));
                foreach (var task in planned.Tasks)
                {
                    tags.Add(Tag(Task, task.TaskId));
                    tags.Add(Tag(ContainerInstance, task.ContainerInstanceId));
                }
                break;
            case LaunchTaskReplanned replanned:
                tags.Add(Tag(Task, replanned.TaskId));
                if (replanned.Replacement is { } replacement) tags.Add(Tag(ContainerInstance, replacement.ContainerInstanceId));
                break;
            case LaunchTasksConfirmed confirmed:
                foreach (var taskId in confirmed.TaskIds) tags.Add(Tag(Task, taskId));
                break;
            case LaunchCompleted completed:
                foreach (var task in completed.Outcome.Tasks) tags.Add(Tag(Task, task.TaskId));
                break;
        }
    }

    private static void AddTaskSubjects(List<string> tags, string clusterName, ContainerInstanceState instance, IDomainEvent domainEvent)
    {
        IEnumerable<string> taskIds = domainEvent switch
        {
            TaskPlaced placed => [placed.Task.TaskId],
            TaskStopRequested stop => [stop.TaskId],
            TaskTagged tagged => [tagged.TaskId],
            TaskUntagged untagged => [untagged.TaskId],
            TaskStateChanged changed => [changed.Progress.TaskId],
            TasksForgotten forgotten => forgotten.TaskIds,
            _ => [],
        };
        foreach (var taskId in taskIds)
        {
            tags.Add(Tag(Task, taskId));
            var task = domainEvent is TaskPlaced placed ? placed.Task : instance.Tasks.GetValueOrDefault(taskId);
            if (task is null) continue;
            tags.Add(Tag(Family, task.TaskDefinition.Family));
            if (ServiceOfGroup(task.Group) is { } service) tags.Add(Tag(Service, ServiceState.EntityIdOf(clusterName, service)));
        }
    }

    /// <summary>Tasks of a service run in the group <c>service:&lt;name&gt;</c>.</summary>
    private static string? ServiceOfGroup(string? group) =>
        group is not null && group.StartsWith("service:", StringComparison.Ordinal) ? group["service:".Length..] : null;
}
