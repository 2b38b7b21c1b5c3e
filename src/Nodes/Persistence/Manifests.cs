using System.Collections.Frozen;
using Actors.Domain.Clusters;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;
using Actors.Nodes.Sharding;

namespace Actors.Nodes.Persistence;

/// <summary>
/// The one table of stored and remote type names. A manifest, once used, is never renamed or reused: a changed
/// shape gets a new version (".v2") and an upcaster, so old journals keep replaying. Events are stored as the records
/// of <see cref="Stored.StoredEventFormat"/>; an old event version lives on only in <see cref="Stored.EventUpcasters"/>.
/// </summary>
public static class Manifests
{
    private static readonly (Type Type, string Manifest)[] Table =
    [
        // Cluster events
        (typeof(ClusterCreated), "cluster-created.v1"),
        (typeof(ClusterSettingsUpdated), "cluster-settings-updated.v1"),
        (typeof(ClusterConfigurationUpdated), "cluster-configuration-updated.v1"),
        (typeof(ClusterServiceConnectDefaultsUpdated), "cluster-service-connect-defaults-updated.v1"),
        (typeof(ClusterDeleted), "cluster-deleted.v1"),
        (typeof(ClusterTagged), "cluster-tagged.v1"),
        (typeof(ClusterUntagged), "cluster-untagged.v1"),
        (typeof(ContainerInstanceAdmitted), "cluster-container-instance-admitted.v1"),
        (typeof(ContainerInstanceReleased), "cluster-container-instance-released.v1"),
        (typeof(ServiceAdmitted), "cluster-service-admitted.v1"),
        (typeof(ServiceReleased), "cluster-service-released.v1"),
        (typeof(TaskLocationsRecorded), "cluster-task-locations-recorded.v1"),
        (typeof(LaunchPlanned), "cluster-launch-planned.v1"),
        (typeof(LaunchTaskReplanned), "cluster-launch-task-replanned.v1"),
        (typeof(LaunchTasksConfirmed), "cluster-launch-tasks-confirmed.v1"),
        (typeof(LaunchCompleted), "cluster-launch-completed.v1"),
        (typeof(ClientTokensForgotten), "cluster-client-tokens-forgotten.v1"),
        // Cluster commands, state (snapshots) and replies
        (typeof(CreateCluster), "create-cluster.v1"),
        (typeof(UpdateCluster), "update-cluster.v1"),
        (typeof(UpdateClusterSettings), "update-cluster-settings.v1"),
        (typeof(DeleteCluster), "delete-cluster.v1"),
        (typeof(TagCluster), "tag-cluster.v1"),
        (typeof(UntagCluster), "untag-cluster.v1"),
        (typeof(AdmitContainerInstance), "admit-container-instance.v1"),
        (typeof(ReleaseContainerInstance), "release-container-instance.v1"),
        (typeof(AdmitService), "admit-service.v1"),
        (typeof(ReleaseService), "release-service.v1"),
        (typeof(PlanLaunch), "plan-launch.v1"),
        (typeof(ReplanLaunchTask), "replan-launch-task.v1"),
        (typeof(ConfirmLaunchTasks), "confirm-launch-tasks.v1"),
        (typeof(ForgetClientTokens), "forget-client-tokens.v1"),
        (typeof(ClusterState), "cluster-state.v1"),
        (typeof(EntityResponse<ClusterState>), "cluster-response.v1"),

        // Task definition family events
        (typeof(TaskDefinitionRegistered), "task-definition-registered.v1"),
        (typeof(TaskDefinitionDeregistered), "task-definition-deregistered.v1"),
        (typeof(TaskDefinitionDeleteRequested), "task-definition-delete-requested.v1"),
        (typeof(TaskDefinitionTagged), "task-definition-tagged.v1"),
        (typeof(TaskDefinitionUntagged), "task-definition-untagged.v1"),
        // Task definition family commands, state and replies
        (typeof(RegisterTaskDefinition), "register-task-definition.v1"),
        (typeof(DeregisterTaskDefinition), "deregister-task-definition.v1"),
        (typeof(DeleteTaskDefinition), "delete-task-definition.v1"),
        (typeof(TagTaskDefinition), "tag-task-definition.v1"),
        (typeof(UntagTaskDefinition), "untag-task-definition.v1"),
        (typeof(TaskDefinitionFamilyState), "task-definition-family-state.v1"),
        (typeof(EntityResponse<TaskDefinitionFamilyState>), "task-definition-family-response.v1"),
        (typeof(GetRevision), "get-revision.v1"),
        (typeof(RevisionAnswer), "revision-answer.v1"),
        (typeof(ListRevisions), "list-revisions.v1"),
        (typeof(RevisionPage), "revision-page.v1"),

        // Container instance events
        (typeof(ContainerInstanceRegistered), "container-instance-registered.v1"),
        (typeof(ContainerInstanceReregistered), "container-instance-reregistered.v1"),
        (typeof(ContainerInstanceDeregistered), "container-instance-deregistered.v1"),
        (typeof(ContainerInstanceStateChanged), "container-instance-state-changed.v1"),
        (typeof(ContainerInstanceAttributesPut), "container-instance-attributes-put.v1"),
        (typeof(ContainerInstanceAttributesDeleted), "container-instance-attributes-deleted.v1"),
        (typeof(ContainerInstanceTagged), "container-instance-tagged.v1"),
        (typeof(ContainerInstanceUntagged), "container-instance-untagged.v1"),
        (typeof(TaskPlaced), "task-placed.v2"), // v1 is read through EventUpcasters
        (typeof(TaskStopRequested), "task-stop-requested.v1"),
        (typeof(TaskStateChanged), "task-state-changed.v2"), // v1 is read through EventUpcasters
        (typeof(AgentConnected), "agent-connected.v1"),
        (typeof(AgentDisconnected), "agent-disconnected.v1"),
        (typeof(TasksForgotten), "tasks-forgotten.v1"),
        (typeof(TaskTagged), "task-tagged.v1"),
        (typeof(TaskUntagged), "task-untagged.v1"),
        // Container instance commands, state and replies
        (typeof(RegisterContainerInstance), "register-container-instance.v1"),
        (typeof(DeregisterContainerInstance), "deregister-container-instance.v1"),
        (typeof(UpdateContainerInstanceState), "update-container-instance-state.v1"),
        (typeof(PutContainerInstanceAttributes), "put-container-instance-attributes.v1"),
        (typeof(DeleteContainerInstanceAttributes), "delete-container-instance-attributes.v1"),
        (typeof(TagContainerInstance), "tag-container-instance.v1"),
        (typeof(UntagContainerInstance), "untag-container-instance.v1"),
        (typeof(PlaceTask), "place-task.v1"),
        (typeof(StopTask), "stop-task.v1"),
        (typeof(TagTask), "tag-task.v1"),
        (typeof(UntagTask), "untag-task.v1"),
        (typeof(ReportAgentState), "report-agent-state.v1"),
        (typeof(MarkAgentDisconnected), "mark-agent-disconnected.v1"),
        (typeof(ForgetStoppedTasks), "forget-stopped-tasks.v1"),
        (typeof(AgentSync), "agent-sync.v1"),
        (typeof(AgentReportPart), "agent-report-part.v1"),
        (typeof(AgentSyncAnswer), "agent-sync-answer.v1"),
        (typeof(EndLongPoll), "end-long-poll.v1"),
        (typeof(LongPollHeld), "long-poll-held.v1"),
        (typeof(ContainerInstanceState), "container-instance-state.v1"),
        (typeof(EntityResponse<ContainerInstanceState>), "container-instance-response.v1"),

        // Service events
        (typeof(ServiceCreated), "service-created.v1"),
        (typeof(ServiceUpdated), "service-updated.v1"),
        (typeof(ServiceDeleted), "service-deleted.v1"),
        (typeof(ServiceInactivated), "service-inactivated.v1"),
        (typeof(ServiceTagged), "service-tagged.v1"),
        (typeof(ServiceUntagged), "service-untagged.v1"),
        (typeof(ServiceDeploymentStarted), "service-deployment-started.v1"),
        (typeof(ServiceDeploymentChanged), "service-deployment-changed.v1"),
        (typeof(ServiceDeploymentsForgotten), "service-deployments-forgotten.v1"),
        (typeof(ServiceTaskFailuresCounted), "service-task-failures-counted.v1"),
        (typeof(ServiceThrottleReset), "service-throttle-reset.v1"),
        (typeof(ServiceTasksLaunchRequested), "service-tasks-launch-requested.v1"),
        (typeof(ServiceLaunchSettled), "service-launch-settled.v1"),
        (typeof(ServiceTasksStopRequested), "service-tasks-stop-requested.v1"),
        (typeof(ServiceBookkeepingCleared), "service-bookkeeping-cleared.v1"),
        (typeof(ServiceMessagesRecorded), "service-messages-recorded.v1"),
        // Service commands, state and replies
        (typeof(CreateService), "create-service.v1"),
        (typeof(UpdateService), "update-service.v1"),
        (typeof(DeleteService), "delete-service.v1"),
        (typeof(TagService), "tag-service.v1"),
        (typeof(UntagService), "untag-service.v1"),
        (typeof(RollBackServiceDeployment), "roll-back-service-deployment.v1"),
        (typeof(ReconcileService), "reconcile-service.v1"),
        (typeof(RecordServiceLaunch), "record-service-launch.v1"),
        (typeof(ServiceState), "service-state.v1"),
        (typeof(EntityResponse<ServiceState>), "service-response.v1"),

        (typeof(GetEntityState), "get-entity-state.v1"),

        // The scheduler's questions and answers, and the change feed from instances to their scheduler
        (typeof(LaunchTasks), "launch-tasks.v1"),
        (typeof(LaunchResult), "launch-result.v1"),
        (typeof(StopClusterTask), "stop-cluster-task.v1"),
        (typeof(TagClusterTask), "tag-cluster-task.v1"),
        (typeof(UntagClusterTask), "untag-cluster-task.v1"),
        (typeof(GetClusterTaskTags), "get-cluster-task-tags.v1"),
        (typeof(LocateTasks), "locate-tasks.v1"),
        (typeof(TaskLocations), "task-locations.v1"),
        (typeof(ListClusterTasks), "list-cluster-tasks.v1"),
        (typeof(ListClusterInstances), "list-cluster-instances.v1"),
        (typeof(IdPage), "id-page.v1"),
        (typeof(ListClusterAttributes), "list-cluster-attributes.v1"),
        (typeof(AttributePage), "attribute-page.v1"),
        (typeof(GetClusterSummary), "get-cluster-summary.v1"),
        (typeof(ClusterSummary), "cluster-summary.v1"),
        (typeof(RegisterInstance), "register-instance.v1"),
        (typeof(DeregisterInstance), "deregister-instance.v1"),
        (typeof(InstanceChanged), "instance-changed.v1"),
        (typeof(InstanceChangesAcknowledged), "instance-changes-acknowledged.v1"),
        (typeof(ResendChanges), "resend-changes.v1"),
        (typeof(DescribeInstanceTasks), "describe-instance-tasks.v1"),
        (typeof(TasksDescribed), "tasks-described.v1"),
        (typeof(TaskAnswer), "task-answer.v1"),
        (typeof(MarkInstanceLost), "mark-instance-lost.v1"),
        (typeof(GetTaskTags), "get-task-tags.v1"),
        (typeof(TaskTags), "task-tags.v1"),
        (typeof(ChangeInstanceAttributes), "change-instance-attributes.v1"),
        (typeof(InstanceAttributesChanged), "instance-attributes-changed.v1"),
        (typeof(ChangeInstancesState), "change-instances-state.v1"),
        (typeof(InstancesStateChanged), "instances-state-changed.v1"),

        // What services ask of their cluster and what the gateway asks of services
        (typeof(CreateServiceInCluster), "create-service-in-cluster.v1"),
        (typeof(DescribeService), "describe-service.v1"),
        (typeof(ServiceAnswer), "service-answer.v1"),
        (typeof(ListDeployments), "list-deployments.v1"),
        (typeof(DescribeDeployments), "describe-deployments.v1"),
        (typeof(DeploymentPage), "deployment-page.v1"),
        (typeof(ListClusterServices), "list-cluster-services.v1"),
        (typeof(ObserveService), "observe-service.v1"),
        (typeof(ServiceObservationPage), "service-observation-page.v2"),
        (typeof(ServiceObservationChanged), "service-observation-changed.v1"),
        (typeof(ServiceObservationAcknowledged), "service-observation-acknowledged.v1"),
        (typeof(ServiceObservationStale), "service-observation-stale.v1"),
    ];

    private static readonly FrozenDictionary<Type, string> ByType = Table.ToFrozenDictionary(e => e.Type, e => e.Manifest);
    private static readonly FrozenDictionary<string, Type> ByManifest = Table.ToFrozenDictionary(e => e.Manifest, e => e.Type);

    public static IEnumerable<Type> Types => ByType.Keys;

    public static string Of(Type type) => ByType.TryGetValue(type, out var manifest)
        ? manifest
        : throw new ArgumentException($"{type.FullName} has no manifest: add it to {nameof(Manifests)}.");

    public static Type TypeOf(string manifest) => ByManifest.TryGetValue(manifest, out var type)
        ? type
        : throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}'.");
}
