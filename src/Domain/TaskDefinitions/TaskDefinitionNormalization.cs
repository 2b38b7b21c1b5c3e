namespace Actors.Domain.TaskDefinitions;

/// <summary>
/// What ECS stores for a valid spec: task cpu and memory as integers in units and MiB, and the defaults ECS writes
/// into its answers (essential true, protocol tcp, the host port the network mode implies, empty lists it always answers).
/// </summary>
public static class TaskDefinitionNormalization
{
    /// <summary>Normalises a spec that <see cref="TaskDefinitionValidation"/> accepted.</summary>
    public static TaskDefinitionSpec Normalize(TaskDefinitionSpec spec) => spec with
    {
        Cpu = spec.Cpu is null ? null : ResourceUnits.ParseCpu(spec.Cpu)?.ToString() ?? spec.Cpu,
        Memory = spec.Memory is null ? null : ResourceUnits.ParseMemory(spec.Memory)?.ToString() ?? spec.Memory,
        ContainerDefinitions = spec.ContainerDefinitions.Select(c => Normalize(c, spec.EffectiveNetworkMode)).ToList(),
        Volumes = spec.Volumes ?? [],
        PlacementConstraints = spec.PlacementConstraints ?? [],
    };

    private static ContainerDefinition Normalize(ContainerDefinition container, string networkMode) => container with
    {
        Essential = container.IsEssential,
        PortMappings = (container.PortMappings ?? []).Select(m => Normalize(m, networkMode)).ToList(),
        Environment = container.Environment ?? [],
        MountPoints = container.MountPoints ?? [],
        VolumesFrom = container.VolumesFrom ?? [],
    };

    private static PortMapping Normalize(PortMapping mapping, string networkMode) => mapping with
    {
        Protocol = mapping.Protocol ?? "tcp",
        // host and awsvpc map a container port to the same port; bridge answers 0 for "chosen at run time".
        HostPort = mapping.ContainerPortRange is not null ? mapping.HostPort
            : networkMode is NetworkModes.Host or NetworkModes.AwsVpc ? mapping.ContainerPort
            : mapping.HostPort ?? 0,
    };
}
