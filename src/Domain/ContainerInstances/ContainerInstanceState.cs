using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Actors.Domain.Common;

namespace Actors.Domain.ContainerInstances;

/// <summary>
/// A container instance as ECS describes it. <see cref="Status"/> is null until the instance registers; the entity id is
/// <c>&lt;cluster&gt;/&lt;instanceId&gt;</c>.
/// </summary>
/// <param name="Ec2InstanceId">ECS's name for the host's identifier; for Actors the agent's host id.</param>
/// <param name="RemainingResources">Starts equal to <paramref name="RegisteredResources"/>; tasks reserve and release through <see cref="ResourceLedger"/>.</param>
/// <param name="Attributes">The agent's <c>ecs.*</c> attributes and the custom ones put by users, name and value only.</param>
/// <param name="Version">ECS's <c>version</c>: incremented by every change.</param>
/// <param name="LastHeartbeatAt">When the agent last showed it is alive (kept by the agent connection, not by these commands).</param>
public sealed record ContainerInstanceState(
    string ClusterName,
    string InstanceId,
    string? Ec2InstanceId,
    ContainerInstanceStatus? Status,
    string? StatusReason,
    bool AgentConnected,
    VersionInfo? VersionInfo,
    ImmutableList<Resource> RegisteredResources,
    ImmutableList<Resource> RemainingResources,
    ImmutableList<Attribute> Attributes,
    ImmutableList<Tag> Tags,
    ImmutableList<PlatformDevice> PlatformDevices,
    DateTimeOffset? RegisteredAt,
    int RunningTasksCount,
    int PendingTasksCount,
    long Version,
    DateTimeOffset? LastHeartbeatAt)
{
    public static ContainerInstanceState Unregistered(string clusterName, string instanceId) =>
        new(clusterName, instanceId, null, null, null, false, null, [], [], [], [], [], null, 0, 0, 0, null);

    /// <summary>The tasks placed on this instance, active and stopped (ECS keeps stopped tasks describable).</summary>
    public ImmutableDictionary<string, Tasks.TaskState> Tasks { get; init; } = ImmutableDictionary<string, Tasks.TaskState>.Empty;

    /// <summary>Changes whenever what the agent should run or stop changes, so a long-polling sync knows when to answer.</summary>
    public long DesiredVersion { get; init; }

    /// <summary>
    /// The principal (access key id) that registered the instance: its agent. Only it may register the instance again
    /// or sync it. Null before registration (and in snapshots written before it was kept, so such an instance answers
    /// no agent: its host registers anew).
    /// </summary>
    public string? RegisteredBy { get; init; }

    [JsonIgnore]
    public string EntityId => EntityIdOf(ClusterName, InstanceId);

    public static string EntityIdOf(string clusterName, string instanceId) => $"{clusterName}/{instanceId}";

    /// <summary>Registered and not yet deregistered: the instance can be described, drained, tagged and given attributes.</summary>
    [JsonIgnore]
    public bool IsRegistered => Status is not null and not ContainerInstanceStatus.INACTIVE;

    /// <summary>The instance without its tasks: what replies, the scheduler's view and DescribeContainerInstances need.</summary>
    public ContainerInstanceState WithoutTasks() => Tasks.IsEmpty ? this : this with { Tasks = ImmutableDictionary<string, Tasks.TaskState>.Empty };

    public string? AttributeValue(string name) => Attributes.Find(a => a.Name == name)?.Value;

    public bool HasAttribute(string name) => Attributes.Exists(a => a.Name == name);
}
