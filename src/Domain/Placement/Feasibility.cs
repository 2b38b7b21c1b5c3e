using System.Collections.Immutable;
using System.Globalization;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Placement;

/// <summary>
/// What bound a task's placement beyond its task definition: the request's constraints (RunTask's or the service's).
/// With the definition's required attributes and memberOf constraints, which the task carries, it is all the Placer
/// placed with, so the chosen instance can check it again (<see cref="Feasibility.Of(TaskState, PlacementBinding?)"/>).
/// </summary>
public sealed record PlacementBinding(ImmutableList<PlacementConstraint> Constraints);

/// <summary>Why an instance cannot take a task: the verdict's rejection, RunTask's failure reason and what failed.</summary>
public readonly record struct Unfit(Rejection Rejection, string Reason, string Detail);

/// <summary>
/// The one rule saying whether a task can go on a container instance, and why not, in ECS's order: the instance is
/// ACTIVE, its agent is connected, it has the resources (CPU, memory, then TCP and UDP host ports), the required
/// attributes, every memberOf constraint, and for distinctInstance no task of the task's group. The
/// <see cref="Placer"/> asks it of every candidate, <see cref="ContainerInstance"/>'s placement of a task asks it of
/// itself (the instance has the last word), and a daemon service's eligibility asks it without resources.
/// </summary>
/// <remarks>
/// It reads only what one instance knows: its own state and the groups of the tasks on it. distinctInstance is
/// therefore "no task of the same group on this instance"; what depends on the rest of the cluster (spread counts,
/// the strategies' order) is the Placer's ranking, never feasibility. Prepared once per task (memberOf parsed, details
/// written), then asked per instance, allocating only a query subject for memberOf, and to refuse.
/// </remarks>
public sealed class Feasibility
{
    private const string AgentDetail = "The container agent is not connected.";

    private readonly ResourceDemand demand;
    private readonly string? taskGroup;
    private readonly RequiredAttribute[] requiredAttributes;
    private readonly string[] requiredDetails;
    private readonly (ClusterQuery? Query, string Detail)[] memberOf;
    private readonly bool distinctInstance;
    private readonly string distinctDetail;
    private readonly string[] wantedPorts;
    private readonly string[] wantedUdpPorts;
    private readonly bool portsCollide;
    private readonly bool udpPortsCollide;

    private Feasibility(ResourceDemand demand, string? taskGroup, IEnumerable<RequiredAttribute> requiredAttributes, IEnumerable<PlacementConstraint> constraints)
    {
        this.demand = demand;
        this.taskGroup = taskGroup;
        this.requiredAttributes = [.. requiredAttributes];
        requiredDetails = this.requiredAttributes
            .Select(r => r.Value is null ? $"Missing required attribute {r.Name}." : $"Missing required attribute {r.Name} = {r.Value}.")
            .ToArray();
        var all = constraints.ToList();
        // Constraints are validated where they enter; one that does not parse all the same is met by no instance.
        memberOf = all
            .Where(c => c.Type == PlacementConstraint.MemberOf)
            .Select(c => (ClusterQuery.TryParse(c.Expression, out var query, out _) ? query : null, $"Does not satisfy {c}."))
            .ToArray();
        distinctInstance = taskGroup is not null && all.Any(c => c.Type == PlacementConstraint.DistinctInstance);
        distinctDetail = $"distinctInstance: already runs a task of group {taskGroup}.";
        wantedPorts = demand.Ports.Select(Format).ToArray();
        wantedUdpPorts = demand.UdpPorts.Select(Format).ToArray();
        portsCollide = Collide(demand.Ports);
        udpPortsCollide = Collide(demand.UdpPorts);
    }

    public static Feasibility Of(PlacementRequest request) =>
        new(request.Demand, request.TaskGroup, request.RequiredAttributes, request.Constraints);

    /// <summary>
    /// The rule for a task as its instance is asked to take it: what the Placer had (<see cref="PlacementRequest.ForRunTask"/>)
    /// from the task's definition and <paramref name="binding"/>. Without a binding (StartTask: the caller named the
    /// instance) only status, agent and resources bind.
    /// </summary>
    public static Feasibility Of(TaskState task, PlacementBinding? binding) => binding is null
        ? new(task.Reserved, TaskSummary.GroupOf(task), [], [])
        : new(task.Reserved, TaskSummary.GroupOf(task), task.TaskDefinition.RequiresAttributes,
            PlacementRules.Combine(task.TaskDefinition.Spec.PlacementConstraints, binding.Constraints));

    /// <summary>
    /// A daemon service's eligibility: status, agent, attributes and memberOf. Resources are left out (an eligible
    /// instance short of them is a failure the service reports, not an instance it ignores), and so is distinctInstance
    /// (a daemon runs one task per instance anyway).
    /// </summary>
    public static Feasibility ForDaemon(IEnumerable<RequiredAttribute> requiredAttributes, IEnumerable<PlacementConstraint> constraints) =>
        new(ResourceDemand.None, null, requiredAttributes, constraints);

    /// <summary>Null when the task fits <paramref name="instance"/>, else the first requirement it misses.</summary>
    /// <param name="taskGroups">The group of every active task on the instance (in-flight placements included), one entry per task.</param>
    public Unfit? Check(ContainerInstanceState instance, IReadOnlyList<string> taskGroups)
    {
        var tasksOfGroup = 0;
        if (distinctInstance)
            for (var g = 0; g < taskGroups.Count; g++)
                if (taskGroups[g] == taskGroup) tasksOfGroup++;
        var remaining = instance.RemainingResources;
        return Check(instance, taskGroups, Amount(remaining, ResourceNames.Cpu), Amount(remaining, ResourceNames.Memory), tasksOfGroup);
    }

    /// <summary>
    /// The same rule for a caller that has read the instance's remaining CPU and memory and counted its tasks of the
    /// group already (the Placer keeps them for its strategies), so that no candidate is read twice.
    /// </summary>
    internal Unfit? Check(ContainerInstanceState instance, IReadOnlyList<string> taskGroups, long cpuLeft, long memoryLeft, int tasksOfGroup)
    {
        if (instance.Status != ContainerInstanceStatus.ACTIVE)
            return new(Rejection.NotActive, PlacementFailureReasons.Inactive, $"The container instance is {instance.Status}: it takes no new tasks.");
        if (!instance.AgentConnected)
            return new(Rejection.AgentDisconnected, PlacementFailureReasons.Agent, AgentDetail);

        var remaining = instance.RemainingResources;
        if (Shortage(remaining, demand, cpuLeft, memoryLeft, wantedPorts, portsCollide, wantedUdpPorts, udpPortsCollide) is { } shortage)
            return new(Rejection.InsufficientResources, shortage, DescribeShortage(remaining, demand, shortage));

        for (var r = 0; r < requiredAttributes.Length; r++)
        {
            var required = requiredAttributes[r];
            var value = AttributeValue(instance, required.Name, out var present);
            if (!present || (required.Value is not null && value != required.Value))
                return new(Rejection.MissingRequiredAttribute, PlacementFailureReasons.Attribute, requiredDetails[r]);
        }

        if (memberOf.Length > 0)
        {
            // Task groups repeat once per task; queries only ask whether some task's group matches, so repeats do not matter.
            var subject = new ContainerInstanceQuerySubject(instance, taskGroups);
            foreach (var (query, detail) in memberOf)
                if (query is null || !query.Matches(subject))
                    return new(Rejection.MemberOfUnmet, PlacementFailureReasons.Attribute, detail);
        }

        if (distinctInstance && tasksOfGroup > 0)
            return new(Rejection.DistinctInstance, PlacementFailureReasons.Attribute, distinctDetail);
        return null;
    }

    /// <summary>
    /// The resource part of the rule, which <see cref="ResourceLedger.Reserve(ImmutableList{Resource}, ImmutableList{Resource}, ResourceDemand)"/>
    /// also asks: the first of CPU, memory, ports and UDP ports that <paramref name="remaining"/> cannot give, or null.
    /// </summary>
    public static string? Shortage(ImmutableList<Resource> remaining, ResourceDemand demand) =>
        Shortage(remaining, demand, Amount(remaining, ResourceNames.Cpu), Amount(remaining, ResourceNames.Memory),
            [.. demand.Ports.Select(Format)], Collide(demand.Ports), [.. demand.UdpPorts.Select(Format)], Collide(demand.UdpPorts));

    private static string? Shortage(ImmutableList<Resource> remaining, ResourceDemand demand, long cpuLeft, long memoryLeft,
        string[] wantedPorts, bool portsCollide, string[] wantedUdpPorts, bool udpPortsCollide)
    {
        if (demand.Cpu > cpuLeft) return ResourceFailureReasons.Cpu;
        if (demand.Memory > memoryLeft) return ResourceFailureReasons.Memory;
        if (!PortsAreFree(remaining, ResourceNames.Ports, wantedPorts, portsCollide)) return ResourceFailureReasons.Ports;
        if (!PortsAreFree(remaining, ResourceNames.UdpPorts, wantedUdpPorts, udpPortsCollide)) return ResourceFailureReasons.UdpPorts;
        return null;
    }

    /// <summary>Two containers of one task binding the same host port collide just like a port already in use.</summary>
    private static bool Collide(ImmutableList<int> ports)
    {
        for (var i = 1; i < ports.Count; i++)
        for (var j = 0; j < i; j++)
            if (ports[i] == ports[j]) return true;
        return false;
    }

    private static bool PortsAreFree(ImmutableList<Resource> remaining, string name, string[] wanted, bool collide)
    {
        if (wanted.Length == 0) return true;
        if (collide) return false;
        var inUse = Find(remaining, name)?.StringSetValue;
        if (inUse is null) return true;
        foreach (var port in wanted)
            if (inUse.Contains(port)) return false;
        return true;
    }

    private static string DescribeShortage(ImmutableList<Resource> remaining, ResourceDemand demand, string reason)
    {
        string Remaining(string name) => Amount(remaining, name).ToString(CultureInfo.InvariantCulture);
        string Ports(string name, ImmutableList<int> wanted)
        {
            var inUse = ResourceLedger.PortSet(remaining, name);
            var taken = wanted.Where(p => inUse.Contains(Format(p))).Distinct().Order().ToList();
            return taken.Count > 0
                ? $"Host port{(taken.Count > 1 ? "s" : "")} {string.Join(", ", taken)} already in use."
                : "The task binds the same host port more than once.";
        }
        return reason switch
        {
            ResourceFailureReasons.Cpu => $"Needs {demand.Cpu} CPU units, {Remaining(ResourceNames.Cpu)} remaining.",
            ResourceFailureReasons.Memory => $"Needs {demand.Memory} MiB of memory, {Remaining(ResourceNames.Memory)} remaining.",
            ResourceFailureReasons.Ports => Ports(ResourceNames.Ports, demand.Ports),
            ResourceFailureReasons.UdpPorts => Ports(ResourceNames.UdpPorts, demand.UdpPorts),
            _ => reason,
        };
    }

    // Indexed loops rather than LINQ or foreach (the Placer reads with them too): these run for every candidate and must not allocate, and the lists
    // are a handful of items, for which ImmutableList's indexer is cheaper than setting up its enumerator.
    private static Resource? Find(ImmutableList<Resource> resources, string name)
    {
        for (var r = 0; r < resources.Count; r++)
            if (resources[r].Name == name) return resources[r];
        return null;
    }

    internal static long Amount(ImmutableList<Resource> resources, string name) => Find(resources, name)?.NumericValue ?? 0;

    internal static string? AttributeValue(ContainerInstanceState instance, string name, out bool present)
    {
        var attributes = instance.Attributes;
        for (var a = 0; a < attributes.Count; a++)
            if (attributes[a].Name == name)
            {
                present = true;
                return attributes[a].Value;
            }
        present = false;
        return null;
    }

    private static string Format(int port) => port.ToString(CultureInfo.InvariantCulture);
}
