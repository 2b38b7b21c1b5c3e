using Actors.Domain.ContainerInstances;

namespace Actors.Domain.Placement;

/// <summary>A container instance as a cluster query sees it; task groups come from the tasks placed on it.</summary>
public sealed class ContainerInstanceQuerySubject(ContainerInstanceState instance, IReadOnlyCollection<string>? taskGroups = null) : IClusterQuerySubject
{
    public bool TryGetAttribute(string name, out string? value)
    {
        // The placer asks this for every candidate of every memberOf query: an indexed loop allocates nothing and, over a
        // handful of attributes, costs less than ImmutableList's enumerator.
        var attributes = instance.Attributes;
        for (var i = 0; i < attributes.Count; i++)
            if (attributes[i].Name == name)
            {
                value = attributes[i].Value;
                return true;
            }
        value = null;
        return false;
    }

    public bool AgentConnected => instance.AgentConnected;
    public string? AgentVersion => instance.VersionInfo?.AgentVersion;
    public string? Ec2InstanceId => instance.Ec2InstanceId;
    public string InstanceId => instance.InstanceId;
    public DateTimeOffset? RegisteredAt => instance.RegisteredAt;
    public int RunningTasksCount => instance.RunningTasksCount;
    public IReadOnlyCollection<string> TaskGroups { get; } = taskGroups ?? [];
}
