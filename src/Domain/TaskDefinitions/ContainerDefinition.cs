namespace Actors.Domain.TaskDefinitions;

// ECS's ContainerDefinition and the shapes it nests, member for member. Property names are ECS's member names in
// PascalCase so that System.Text.Json with camelCase naming reads and writes the wire format unchanged. Values ECS
// models as enums (protocol, logDriver, condition, ...) stay strings here: an unknown value must reach
// TaskDefinitionValidation and be refused with ECS's exception, not fail deserialization in the gateway.

/// <summary>One container of a task definition (ECS <c>ContainerDefinition</c>).</summary>
public sealed record ContainerDefinition
{
    public string? Name { get; init; }
    public string? Image { get; init; }
    public RepositoryCredentials? RepositoryCredentials { get; init; }
    /// <summary>CPU units (1 vCPU = 1024).</summary>
    public int? Cpu { get; init; }
    /// <summary>Hard memory limit in MiB.</summary>
    public int? Memory { get; init; }
    /// <summary>Soft memory limit in MiB; what placement reserves when set.</summary>
    public int? MemoryReservation { get; init; }
    /// <summary><c>name</c> or <c>name:alias</c> of other containers of the task (bridge mode only).</summary>
    public IReadOnlyList<string>? Links { get; init; }
    public IReadOnlyList<PortMapping>? PortMappings { get; init; }
    /// <summary>Absent means true.</summary>
    public bool? Essential { get; init; }
    public ContainerRestartPolicy? RestartPolicy { get; init; }
    public IReadOnlyList<string>? EntryPoint { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<KeyValuePair>? Environment { get; init; }
    public IReadOnlyList<EnvironmentFile>? EnvironmentFiles { get; init; }
    public IReadOnlyList<MountPoint>? MountPoints { get; init; }
    public IReadOnlyList<VolumeFrom>? VolumesFrom { get; init; }
    public LinuxParameters? LinuxParameters { get; init; }
    public IReadOnlyList<Secret>? Secrets { get; init; }
    public IReadOnlyList<ContainerDependency>? DependsOn { get; init; }
    public int? StartTimeout { get; init; }
    public int? StopTimeout { get; init; }
    /// <summary><c>enabled</c> or <c>disabled</c> (newer ECS member, absent from the v2 model).</summary>
    public string? VersionConsistency { get; init; }
    public string? Hostname { get; init; }
    public string? User { get; init; }
    public string? WorkingDirectory { get; init; }
    public bool? DisableNetworking { get; init; }
    public bool? Privileged { get; init; }
    public bool? ReadonlyRootFilesystem { get; init; }
    public IReadOnlyList<string>? DnsServers { get; init; }
    public IReadOnlyList<string>? DnsSearchDomains { get; init; }
    public IReadOnlyList<HostEntry>? ExtraHosts { get; init; }
    public IReadOnlyList<string>? DockerSecurityOptions { get; init; }
    public bool? Interactive { get; init; }
    public bool? PseudoTerminal { get; init; }
    public IReadOnlyDictionary<string, string>? DockerLabels { get; init; }
    public IReadOnlyList<Ulimit>? Ulimits { get; init; }
    public LogConfiguration? LogConfiguration { get; init; }
    public HealthCheck? HealthCheck { get; init; }
    public IReadOnlyList<SystemControl>? SystemControls { get; init; }
    public IReadOnlyList<ResourceRequirement>? ResourceRequirements { get; init; }
    public FirelensConfiguration? FirelensConfiguration { get; init; }
    public IReadOnlyList<string>? CredentialSpecs { get; init; }
}

// Derived facts are extension members, not properties of the records, so that System.Text.Json never writes them to the wire.
public static class ContainerDefinitionFacts
{
    extension(ContainerDefinition container)
    {
        /// <summary>ECS treats a container whose <c>essential</c> is absent as essential.</summary>
        public bool IsEssential => container.Essential ?? true;
    }
}

public sealed record RepositoryCredentials
{
    public string? CredentialsParameter { get; init; }
}

public sealed record PortMapping
{
    public int? ContainerPort { get; init; }
    public int? HostPort { get; init; }
    /// <summary><c>tcp</c> (default) or <c>udp</c>.</summary>
    public string? Protocol { get; init; }
    public string? Name { get; init; }
    /// <summary><c>http</c>, <c>http2</c> or <c>grpc</c>.</summary>
    public string? AppProtocol { get; init; }
    /// <summary>A range such as <c>8000-8010</c>, instead of <see cref="ContainerPort"/>.</summary>
    public string? ContainerPortRange { get; init; }
}

public sealed record ContainerRestartPolicy
{
    public bool Enabled { get; init; }
    public IReadOnlyList<int>? IgnoredExitCodes { get; init; }
    public int? RestartAttemptPeriod { get; init; }
}

/// <summary>A name and value, as in <c>environment</c>, <c>systemControls</c>-like lists and proxy properties.</summary>
public sealed record KeyValuePair
{
    public string? Name { get; init; }
    public string? Value { get; init; }
}

public sealed record EnvironmentFile
{
    public string? Value { get; init; }
    /// <summary><c>s3</c>.</summary>
    public string? Type { get; init; }
}

public sealed record MountPoint
{
    public string? SourceVolume { get; init; }
    public string? ContainerPath { get; init; }
    public bool? ReadOnly { get; init; }
}

public sealed record VolumeFrom
{
    public string? SourceContainer { get; init; }
    public bool? ReadOnly { get; init; }
}

public sealed record LinuxParameters
{
    public KernelCapabilities? Capabilities { get; init; }
    public IReadOnlyList<Device>? Devices { get; init; }
    public bool? InitProcessEnabled { get; init; }
    public int? SharedMemorySize { get; init; }
    public IReadOnlyList<Tmpfs>? Tmpfs { get; init; }
    public int? MaxSwap { get; init; }
    public int? Swappiness { get; init; }
}

public sealed record KernelCapabilities
{
    public IReadOnlyList<string>? Add { get; init; }
    public IReadOnlyList<string>? Drop { get; init; }
}

public sealed record Device
{
    public string? HostPath { get; init; }
    public string? ContainerPath { get; init; }
    /// <summary><c>read</c>, <c>write</c>, <c>mknod</c>.</summary>
    public IReadOnlyList<string>? Permissions { get; init; }
}

public sealed record Tmpfs
{
    public string? ContainerPath { get; init; }
    public int Size { get; init; }
    public IReadOnlyList<string>? MountOptions { get; init; }
}

public sealed record Secret
{
    public string? Name { get; init; }
    /// <summary>A Secrets Manager ARN or a Systems Manager parameter name or ARN.</summary>
    public string? ValueFrom { get; init; }
}

public sealed record ContainerDependency
{
    public string? ContainerName { get; init; }
    /// <summary><c>START</c>, <c>COMPLETE</c>, <c>SUCCESS</c> or <c>HEALTHY</c>.</summary>
    public string? Condition { get; init; }
}

public sealed record HostEntry
{
    public string? Hostname { get; init; }
    public string? IpAddress { get; init; }
}

public sealed record Ulimit
{
    public string? Name { get; init; }
    public int SoftLimit { get; init; }
    public int HardLimit { get; init; }
}

public sealed record LogConfiguration
{
    public string? LogDriver { get; init; }
    public IReadOnlyDictionary<string, string>? Options { get; init; }
    public IReadOnlyList<Secret>? SecretOptions { get; init; }
}

public sealed record HealthCheck
{
    /// <summary>Starts with <c>CMD</c>, <c>CMD-SHELL</c> or <c>NONE</c>.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>Seconds between checks, 5-300, default 30.</summary>
    public int? Interval { get; init; }
    /// <summary>Seconds before a check fails, 2-60, default 5.</summary>
    public int? Timeout { get; init; }
    /// <summary>Failures before unhealthy, 1-10, default 3.</summary>
    public int? Retries { get; init; }
    /// <summary>Grace seconds at start, 0-300, default off.</summary>
    public int? StartPeriod { get; init; }
}

public sealed record SystemControl
{
    public string? Namespace { get; init; }
    public string? Value { get; init; }
}

public sealed record ResourceRequirement
{
    public string? Value { get; init; }
    /// <summary><c>GPU</c>, <c>InferenceAccelerator</c> or <c>NeuronDevice</c>.</summary>
    public string? Type { get; init; }
}

public sealed record FirelensConfiguration
{
    /// <summary><c>fluentd</c> or <c>fluentbit</c>.</summary>
    public string? Type { get; init; }
    public IReadOnlyDictionary<string, string>? Options { get; init; }
}
