using System.Collections.Immutable;
using System.Globalization;
using Actors.Domain.Placement;

namespace Actors.Domain.ContainerInstances;

/// <summary>What one task takes from an instance: CPU units, MiB of memory, and the host ports it binds.</summary>
public sealed record ResourceDemand(int Cpu, int Memory, ImmutableList<int> Ports, ImmutableList<int> UdpPorts)
{
    public static ResourceDemand Of(int cpu = 0, int memory = 0, IEnumerable<int>? ports = null, IEnumerable<int>? udpPorts = null) =>
        new(cpu, memory, (ports ?? []).ToImmutableList(), (udpPorts ?? []).ToImmutableList());

    public static ResourceDemand None { get; } = Of();
}

/// <summary>The outcome of <see cref="ResourceLedger.Reserve(ImmutableList{Resource}, ImmutableList{Resource}, ResourceDemand)"/>:
/// the new remaining resources, or the RunTask failure reason naming the resource that ran out.</summary>
public sealed record ResourceReservation(ImmutableList<Resource>? Remaining, string? FailureReason)
{
    public bool Succeeded => FailureReason is null;
}

/// <summary>RunTask's <c>failures[].reason</c> values for a lack of resources.</summary>
public static class ResourceFailureReasons
{
    public const string Cpu = "RESOURCE:CPU";
    public const string Memory = "RESOURCE:MEMORY";
    public const string Ports = "RESOURCE:PORTS";
    public const string UdpPorts = "RESOURCE:PORTS_UDP";
}

/// <summary>
/// Pure bookkeeping of an instance's remaining resources. As in ECS, CPU and MEMORY remaining count down from what was
/// registered, while the PORTS and PORTS_UDP string sets list the ports in use: the registered set holds the ports the
/// agent keeps for itself (22, 2375, 2376, 51678...) and the remaining set adds every port a task has bound.
/// </summary>
public static class ResourceLedger
{
    public static ResourceReservation Reserve(ContainerInstanceState instance, ResourceDemand demand) =>
        Reserve(instance.RegisteredResources, instance.RemainingResources, demand);

    public static ImmutableList<Resource> Release(ContainerInstanceState instance, ResourceDemand demand) =>
        Release(instance.RegisteredResources, instance.RemainingResources, demand);

    /// <summary>
    /// Takes <paramref name="demand"/> from <paramref name="remaining"/>, or names the first resource (CPU, memory, ports,
    /// UDP ports) that is short, as <see cref="Feasibility.Shortage"/> (the resource part of the placement rule) says.
    /// </summary>
    public static ResourceReservation Reserve(ImmutableList<Resource> registered, ImmutableList<Resource> remaining, ResourceDemand demand)
    {
        CheckDemand(demand);
        return Feasibility.Shortage(remaining, demand) is { } shortage
            ? new ResourceReservation(null, shortage)
            : new ResourceReservation(Take(registered, remaining, demand), null);
    }

    /// <summary>
    /// Books <paramref name="demand"/> on an instance that <see cref="Feasibility"/> accepted: bookkeeping only, the
    /// decision is the rule's.
    /// </summary>
    public static ImmutableList<Resource> Take(ImmutableList<Resource> registered, ImmutableList<Resource> remaining, ResourceDemand demand)
    {
        CheckDemand(demand);
        var result = remaining;
        result = WithAmount(result, registered, ResourceNames.Cpu, Amount(remaining, ResourceNames.Cpu) - demand.Cpu);
        result = WithAmount(result, registered, ResourceNames.Memory, Amount(remaining, ResourceNames.Memory) - demand.Memory);
        if (!demand.Ports.IsEmpty)
            result = WithPorts(result, ResourceNames.Ports, PortSet(remaining, ResourceNames.Ports).Union(demand.Ports.Select(Format)));
        if (!demand.UdpPorts.IsEmpty)
            result = WithPorts(result, ResourceNames.UdpPorts, PortSet(remaining, ResourceNames.UdpPorts).Union(demand.UdpPorts.Select(Format)));
        return result;
    }

    /// <summary>
    /// Gives <paramref name="demand"/> back. Amounts never exceed what was registered and the ports the agent registered
    /// stay reserved, so releasing twice (a replayed task stop) cannot invent capacity.
    /// </summary>
    public static ImmutableList<Resource> Release(ImmutableList<Resource> registered, ImmutableList<Resource> remaining, ResourceDemand demand)
    {
        CheckDemand(demand);
        var result = remaining;
        foreach (var (name, amount) in new[] { (ResourceNames.Cpu, demand.Cpu), (ResourceNames.Memory, demand.Memory) })
        {
            var released = Math.Min(Amount(remaining, name) + amount, Amount(registered, name));
            result = WithAmount(result, registered, name, released);
        }
        foreach (var (name, ports) in new[] { (ResourceNames.Ports, demand.Ports), (ResourceNames.UdpPorts, demand.UdpPorts) })
        {
            var keptByAgent = PortSet(registered, name);
            var freed = ports.Select(Format).Where(p => !keptByAgent.Contains(p)).ToHashSet();
            if (freed.Count > 0 && result.Any(r => r.Name == name))
                result = WithPorts(result, name, PortSet(result, name).Where(p => !freed.Contains(p)));
        }
        return result;
    }

    /// <summary>What tasks hold on an instance: registered minus remaining amounts, and the ports in use beyond the agent's own.</summary>
    public static ResourceDemand Reserved(ImmutableList<Resource> registered, ImmutableList<Resource> remaining) =>
        ResourceDemand.Of(
            (int)Math.Max(0, Amount(registered, ResourceNames.Cpu) - Amount(remaining, ResourceNames.Cpu)),
            (int)Math.Max(0, Amount(registered, ResourceNames.Memory) - Amount(remaining, ResourceNames.Memory)),
            PortsBeyond(registered, remaining, ResourceNames.Ports),
            PortsBeyond(registered, remaining, ResourceNames.UdpPorts));

    /// <summary>
    /// The remaining resources after an agent re-registers with new totals: what tasks hold is carried over. If the host
    /// shrank below what is held, remaining bottoms out at zero rather than going negative.
    /// </summary>
    public static ImmutableList<Resource> Rebase(ImmutableList<Resource> oldRegistered, ImmutableList<Resource> oldRemaining, ImmutableList<Resource> newRegistered)
    {
        var held = Reserved(oldRegistered, oldRemaining);
        var result = newRegistered;
        result = WithAmount(result, newRegistered, ResourceNames.Cpu, Math.Max(0, Amount(newRegistered, ResourceNames.Cpu) - held.Cpu));
        result = WithAmount(result, newRegistered, ResourceNames.Memory, Math.Max(0, Amount(newRegistered, ResourceNames.Memory) - held.Memory));
        if (!held.Ports.IsEmpty)
            result = WithPorts(result, ResourceNames.Ports, PortSet(newRegistered, ResourceNames.Ports).Union(held.Ports.Select(Format)));
        if (!held.UdpPorts.IsEmpty)
            result = WithPorts(result, ResourceNames.UdpPorts, PortSet(newRegistered, ResourceNames.UdpPorts).Union(held.UdpPorts.Select(Format)));
        return result;
    }

    /// <summary>The numeric value of a resource, or 0 when the instance did not register it.</summary>
    public static long Amount(IEnumerable<Resource> resources, string name) =>
        resources.FirstOrDefault(r => r.Name == name)?.NumericValue ?? 0;

    /// <summary>The ports a PORTS or PORTS_UDP resource lists (empty when absent).</summary>
    public static ImmutableHashSet<string> PortSet(IEnumerable<Resource> resources, string name) =>
        (resources.FirstOrDefault(r => r.Name == name)?.StringSetValue ?? []).ToImmutableHashSet();

    /// <summary>A demand is never negative and binds only real ports; anything else is a bug of its maker.</summary>
    public static void CheckDemand(ResourceDemand demand)
    {
        if (demand.Cpu < 0 || demand.Memory < 0)
            throw new ArgumentOutOfRangeException(nameof(demand), demand, "CPU and memory demands cannot be negative.");
        if (demand.Ports.Concat(demand.UdpPorts).Any(p => p is < 1 or > 65535))
            throw new ArgumentOutOfRangeException(nameof(demand), demand, "Host ports must be between 1 and 65535.");
    }

    private static IEnumerable<int> PortsBeyond(ImmutableList<Resource> registered, ImmutableList<Resource> remaining, string name)
    {
        var keptByAgent = PortSet(registered, name);
        return PortSet(remaining, name)
            .Where(p => !keptByAgent.Contains(p))
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 0)
            .Where(p => p > 0)
            .Order();
    }

    private static ImmutableList<Resource> WithAmount(ImmutableList<Resource> resources, ImmutableList<Resource> registered, string name, long amount)
    {
        var index = resources.FindIndex(r => r.Name == name);
        var template = index >= 0 ? resources[index] : registered.FirstOrDefault(r => r.Name == name);
        // A resource the instance never registered stays absent (its amount is 0 anyway).
        if (template is null) return resources;
        var updated = template.Type switch
        {
            ResourceTypes.Long => template with { LongValue = amount, IntegerValue = null, DoubleValue = null },
            ResourceTypes.Double => template with { DoubleValue = amount, IntegerValue = null, LongValue = null },
            _ => template with { IntegerValue = (int)Math.Min(amount, int.MaxValue), LongValue = null, DoubleValue = null },
        };
        return index >= 0 ? resources.SetItem(index, updated) : resources.Add(updated);
    }

    private static ImmutableList<Resource> WithPorts(ImmutableList<Resource> resources, string name, IEnumerable<string> ports)
    {
        // Sorted numerically so that equal sets always serialize the same way.
        var ordered = ports.Distinct().OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToImmutableList();
        var index = resources.FindIndex(r => r.Name == name);
        if (index < 0) return ordered.IsEmpty ? resources : resources.Add(new Resource(name, ResourceTypes.StringSet, StringSetValue: ordered));
        return resources.SetItem(index, resources[index] with { StringSetValue = ordered });
    }

    private static string Format(int port) => port.ToString(CultureInfo.InvariantCulture);
}
