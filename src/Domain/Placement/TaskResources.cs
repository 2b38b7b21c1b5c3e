using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Placement;

/// <summary>
/// What a task reserves on its container instance, by ECS's rules: task-level cpu and memory when set, otherwise the sum
/// over containers (memory counts memoryReservation where set, else memory), overrides winning over the definition; and
/// the static host ports its containers bind.
/// </summary>
public static class TaskResources
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";

    /// <exception cref="ArgumentException">Task-level cpu or memory is not a value <see cref="ResourceUnits"/> reads
    /// (check overrides first with <see cref="ValidateOverrides"/>; registered specs are normalised).</exception>
    public static ResourceDemand Demand(TaskDefinitionSpec spec, TaskOverride? overrides)
    {
        var containers = spec.ContainerDefinitions.Select(c => (Definition: c, Override: OverrideFor(c, overrides))).ToList();

        var taskCpu = overrides?.Cpu ?? spec.Cpu;
        var cpu = taskCpu is not null
            ? ResourceUnits.ParseCpu(taskCpu) ?? throw new ArgumentException($"Task cpu '{taskCpu}' is not a number of CPU units or vCPUs.", nameof(spec))
            : containers.Sum(c => c.Override?.Cpu ?? c.Definition.Cpu ?? 0);

        var taskMemory = overrides?.Memory ?? spec.Memory;
        var memory = taskMemory is not null
            ? ResourceUnits.ParseMemory(taskMemory) ?? throw new ArgumentException($"Task memory '{taskMemory}' is not a number of MiB or GB.", nameof(spec))
            : containers.Sum(c => ContainerMemory(c.Definition, c.Override));

        var tcp = new List<int>();
        var udp = new List<int>();
        foreach (var mapping in spec.ContainerDefinitions.SelectMany(c => c.PortMappings ?? []))
        {
            if (StaticHostPort(spec.EffectiveNetworkMode, mapping) is not { } port) continue;
            (string.Equals(mapping.Protocol, Udp, StringComparison.OrdinalIgnoreCase) ? udp : tcp).Add(port);
        }
        // Duplicates are kept: two containers binding one host port can never be placed, and the ledger says so.
        return ResourceDemand.Of(cpu, memory, tcp, udp);
    }

    /// <summary>RunTask's checks of task-level cpu and memory overrides, before <see cref="Demand"/> reads them.</summary>
    public static DomainError? ValidateOverrides(TaskOverride? overrides)
    {
        if (overrides?.Cpu is { } cpu && ResourceUnits.ParseCpu(cpu) is null)
            return DomainError.InvalidParameter($"Invalid 'cpu' setting for task override: '{cpu}' is neither CPU units nor vCPUs.");
        if (overrides?.Memory is { } memory && ResourceUnits.ParseMemory(memory) is null)
            return DomainError.InvalidParameter($"Invalid 'memory' setting for task override: '{memory}' is neither MiB nor GB.");
        foreach (var container in overrides?.ContainerOverrides ?? [])
            if (container.Cpu < 0 || container.Memory < 0 || container.MemoryReservation < 0)
                return DomainError.InvalidParameter($"Container override '{container.Name}' cannot have negative cpu or memory.");
        return null;
    }

    /// <summary>
    /// The host port a mapping binds for sure, or null when it binds none or a dynamic one: awsvpc tasks have their own
    /// network interface and none has no network; in host mode the host port is the container port; in bridge mode
    /// hostPort 0 or absent (and every port range) is given a free ephemeral port by Docker, which no placement can collide with.
    /// </summary>
    public static int? StaticHostPort(string networkMode, PortMapping mapping) => networkMode switch
    {
        NetworkModes.Host => mapping.HostPort is > 0 ? mapping.HostPort : mapping.ContainerPort is > 0 ? mapping.ContainerPort : null,
        NetworkModes.Bridge => mapping.HostPort is > 0 ? mapping.HostPort : null,
        _ => null,
    };

    private static int ContainerMemory(ContainerDefinition definition, ContainerOverride? containerOverride) =>
        containerOverride?.MemoryReservation ?? definition.MemoryReservation
        ?? containerOverride?.Memory ?? definition.Memory
        ?? 0;

    private static ContainerOverride? OverrideFor(ContainerDefinition container, TaskOverride? overrides) =>
        overrides?.ContainerOverrides?.FirstOrDefault(o => o.Name == container.Name);
}
