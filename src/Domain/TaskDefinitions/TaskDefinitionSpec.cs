namespace Actors.Domain.TaskDefinitions;

/// <summary>
/// What RegisterTaskDefinition describes, except its tags: the task-level members of the request, named as ECS names them.
/// </summary>
public sealed record TaskDefinitionSpec
{
    public string Family { get; init; } = "";
    public string? TaskRoleArn { get; init; }
    public string? ExecutionRoleArn { get; init; }
    /// <summary><c>bridge</c> (the default when absent), <c>host</c>, <c>awsvpc</c> or <c>none</c>.</summary>
    public string? NetworkMode { get; init; }
    public IReadOnlyList<ContainerDefinition> ContainerDefinitions { get; init; } = [];
    public IReadOnlyList<Volume>? Volumes { get; init; }
    public IReadOnlyList<TaskDefinitionPlacementConstraint>? PlacementConstraints { get; init; }
    /// <summary><c>EC2</c>, <c>FARGATE</c>, <c>EXTERNAL</c>, <c>MANAGED_INSTANCES</c>.</summary>
    public IReadOnlyList<string>? RequiresCompatibilities { get; init; }
    /// <summary>CPU units as ECS accepts them: <c>"1024"</c> or <c>"1 vCPU"</c>; see <see cref="ResourceUnits"/>.</summary>
    public string? Cpu { get; init; }
    /// <summary>MiB as ECS accepts them: <c>"2048"</c> or <c>"2 GB"</c>; see <see cref="ResourceUnits"/>.</summary>
    public string? Memory { get; init; }
    /// <summary><c>host</c> or <c>task</c>.</summary>
    public string? PidMode { get; init; }
    /// <summary><c>host</c>, <c>task</c> or <c>none</c>.</summary>
    public string? IpcMode { get; init; }
    public ProxyConfiguration? ProxyConfiguration { get; init; }
    public IReadOnlyList<InferenceAccelerator>? InferenceAccelerators { get; init; }
    public EphemeralStorage? EphemeralStorage { get; init; }
    public RuntimePlatform? RuntimePlatform { get; init; }
    /// <summary>Newer ECS member, absent from the v2 model.</summary>
    public bool? EnableFaultInjection { get; init; }
}

// An extension member rather than a property, so that System.Text.Json never writes it to the wire.
public static class TaskDefinitionSpecFacts
{
    extension(TaskDefinitionSpec spec)
    {
        /// <summary>The network mode the task runs with: ECS's default is bridge.</summary>
        public string EffectiveNetworkMode => spec.NetworkMode ?? NetworkModes.Bridge;
    }
}

/// <summary>ECS's network mode names.</summary>
public static class NetworkModes
{
    public const string Bridge = "bridge";
    public const string Host = "host";
    public const string AwsVpc = "awsvpc";
    public const string None = "none";

    public static readonly IReadOnlyList<string> All = [Bridge, Host, AwsVpc, None];
}

/// <summary>ECS's launch-type compatibility names.</summary>
public static class Compatibilities
{
    public const string Ec2 = "EC2";
    public const string Fargate = "FARGATE";
    public const string External = "EXTERNAL";
    public const string ManagedInstances = "MANAGED_INSTANCES";

    public static readonly IReadOnlyList<string> All = [Ec2, Fargate, External, ManagedInstances];
}

public sealed record TaskDefinitionPlacementConstraint
{
    /// <summary>Task definitions accept only <c>memberOf</c>.</summary>
    public string? Type { get; init; }
    /// <summary>A cluster query language expression, at most 2,000 characters.</summary>
    public string? Expression { get; init; }
}

public sealed record RuntimePlatform
{
    /// <summary><c>X86_64</c> or <c>ARM64</c>.</summary>
    public string? CpuArchitecture { get; init; }
    /// <summary><c>LINUX</c> or one of the <c>WINDOWS_SERVER_*</c> names.</summary>
    public string? OperatingSystemFamily { get; init; }
}

public sealed record ProxyConfiguration
{
    /// <summary><c>APPMESH</c>.</summary>
    public string? Type { get; init; }
    public string? ContainerName { get; init; }
    public IReadOnlyList<KeyValuePair>? Properties { get; init; }
}

public sealed record EphemeralStorage
{
    public int SizeInGiB { get; init; }
}

public sealed record InferenceAccelerator
{
    public string? DeviceName { get; init; }
    public string? DeviceType { get; init; }
}
