using System.Text.RegularExpressions;
using Actors.Domain.Common;

namespace Actors.Domain.TaskDefinitions;

/// <summary>
/// ECS's RegisterTaskDefinition rules. The first broken rule is answered, as ECS does.
/// A value outside one of ECS's enumerations (network mode, protocol, log driver, ...) is an InvalidParameterException;
/// a definition that is well-formed but inconsistent (missing memory, unknown link target, ...) is a ClientException,
/// which is what ECS answers for those (e.g. "Invalid setting for container 'web'. At least one of 'memory' or
/// 'memoryReservation' must be specified.").
/// </summary>
public static partial class TaskDefinitionValidation
{
    public const int MaxNameLength = 255;
    public const int MinContainerMemoryMiB = 6; // Docker 20.10+ reserves 6 MiB per container
    public const int MaxContainerCpuUnits = 262144; // the largest CPU share value the Linux kernel honours
    public const int MinTaskCpuUnits = 128;
    public const int MaxTaskCpuUnits = 196608; // 192 vCPU
    public const int MaxPlacementExpressionLength = 2000;
    public const int MinEphemeralStorageGiB = 21;
    public const int MaxEphemeralStorageGiB = 200;

    public static readonly IReadOnlyList<string> Protocols = ["tcp", "udp"];
    public static readonly IReadOnlyList<string> AppProtocols = ["http", "http2", "grpc"];
    public static readonly IReadOnlyList<string> DependencyConditions = ["START", "COMPLETE", "SUCCESS", "HEALTHY"];
    public static readonly IReadOnlyList<string> HealthCheckCommandKinds = ["CMD", "CMD-SHELL", "NONE"];
    public static readonly IReadOnlyList<string> LogDrivers = ["awsfirelens", "awslogs", "fluentd", "gelf", "journald", "json-file", "splunk", "syslog"];
    public static readonly IReadOnlyList<string> UlimitNames =
        ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"];
    public static readonly IReadOnlyList<string> PidModes = ["host", "task"];
    public static readonly IReadOnlyList<string> IpcModes = ["host", "task", "none"];
    public static readonly IReadOnlyList<string> ResourceTypes = ["GPU", "InferenceAccelerator", "NeuronDevice"];
    public static readonly IReadOnlyList<string> CpuArchitectures = ["X86_64", "ARM64"];
    public static readonly IReadOnlyList<string> OperatingSystemFamilies =
    [
        "LINUX", "WINDOWS_SERVER_2004_CORE", "WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2019_FULL",
        "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2025_CORE", "WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_20H2_CORE",
    ];
    public static readonly IReadOnlyList<string> DockerVolumeScopes = ["task", "shared"];
    public static readonly IReadOnlyList<string> EnabledDisabled = ["ENABLED", "DISABLED"];
    public static readonly IReadOnlyList<string> DevicePermissions = ["read", "write", "mknod"];
    public static readonly IReadOnlyList<string> FirelensTypes = ["fluentd", "fluentbit"];
    public static readonly IReadOnlyList<string> VersionConsistencies = ["enabled", "disabled"];

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,255}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(\d{1,5})-(\d{1,5})$")]
    private static partial Regex PortRangePattern();

    /// <summary>Letters, digits, hyphens and underscores, 1-255 characters: ECS's rule for families, containers and volumes.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static DomainError? Validate(TaskDefinitionSpec spec, IReadOnlyCollection<Tag>? tags, TaskDefinitionLimits limits) =>
        ValidateFamily(spec)
        ?? ValidateContainerCount(spec, limits)
        ?? ValidateTaskSettings(spec, limits)
        ?? ValidateVolumes(spec)
        ?? spec.ContainerDefinitions.Select(container => ValidateContainer(spec, container)).FirstOrDefault(error => error is not null)
        ?? ValidateAcrossContainers(spec)
        ?? ValidateRequiredCompatibilities(spec)
        ?? Tags.Validate(tags);

    /// <summary>Why Fargate cannot run <paramref name="spec"/>, or null when it can.</summary>
    public static DomainError? FargateIncompatibility(TaskDefinitionSpec spec)
    {
        if (spec.EffectiveNetworkMode != NetworkModes.AwsVpc)
            return Client("Fargate only supports network mode 'awsvpc'.");
        if (spec.Cpu is null || spec.Memory is null)
            return Client("Fargate requires that 'cpu' and 'memory' be defined at the task level.");
        var cpu = ResourceUnits.ParseCpu(spec.Cpu);
        var memory = ResourceUnits.ParseMemory(spec.Memory);
        if (cpu is null || memory is null || !FargateTaskSizes.IsOffered(cpu.Value, memory.Value))
            return Client($"No Fargate configuration exists for given values: {spec.Cpu} CPU, {spec.Memory} memory. See the Amazon ECS documentation for the valid values.");
        if (spec.IpcMode is not null)
            return Client("Fargate does not support 'ipcMode'.");
        if (spec.PidMode == "host")
            return Client("Fargate only supports the 'task' pidMode.");
        if (spec.PlacementConstraints is { Count: > 0 })
            return Client("Fargate does not support task definition placement constraints.");
        if (spec.InferenceAccelerators is { Count: > 0 })
            return Client("Fargate does not support inference accelerators.");
        if (spec.Volumes?.FirstOrDefault(v => v.DockerVolumeConfiguration is not null || v.Host?.SourcePath is not null) is { } volume)
            return Client($"Fargate does not support host or Docker volumes with a source path or driver: volume '{volume.Name}'.");
        foreach (var container in spec.ContainerDefinitions)
        {
            if (container.Privileged == true)
                return Client($"Invalid setting for container '{container.Name}'. Fargate does not support privileged containers.");
            if (container.LinuxParameters?.Devices is { Count: > 0 })
                return Client($"Invalid setting for container '{container.Name}'. Fargate does not support 'devices'.");
        }
        return null;
    }

    private static DomainError? ValidateFamily(TaskDefinitionSpec spec) =>
        IsValidName(spec.Family)
            ? null
            : Client($"Invalid family '{spec.Family}': up to {MaxNameLength} letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");

    private static DomainError? ValidateContainerCount(TaskDefinitionSpec spec, TaskDefinitionLimits limits)
    {
        var count = spec.ContainerDefinitions?.Count ?? 0;
        if (count == 0)
            return Client("Container definitions must contain at least one container definition.");
        if (count > limits.MaxContainers)
            return Client($"Too many containers: a task definition can have at most {limits.MaxContainers} container definitions, this one has {count}.");
        // JSON such as [null] deserializes to null elements; refuse them here so no later rule dereferences one.
        if (spec.ContainerDefinitions!.Any(c => c is null) || (spec.Volumes ?? []).Any(v => v is null)
            || spec.ContainerDefinitions!.Any(c => (c.PortMappings ?? []).Any(m => m is null)))
            return Client("Container definitions, volumes and port mappings must not contain null entries.");
        return null;
    }

    private static DomainError? ValidateTaskSettings(TaskDefinitionSpec spec, TaskDefinitionLimits limits)
    {
        if (OutsideOf(spec.NetworkMode, NetworkModes.All, "networkMode") is { } networkMode) return networkMode;
        if (OutsideOf(spec.PidMode, PidModes, "pidMode") is { } pidMode) return pidMode;
        if (OutsideOf(spec.IpcMode, IpcModes, "ipcMode") is { } ipcMode) return ipcMode;
        foreach (var compatibility in spec.RequiresCompatibilities ?? [])
            if (OutsideOf(compatibility, Compatibilities.All, "requiresCompatibilities") is { } error) return error;

        if (spec.Cpu is not null)
        {
            var cpu = ResourceUnits.ParseCpu(spec.Cpu);
            if (cpu is null)
                return Client($"Invalid 'cpu' setting for task: '{spec.Cpu}' is neither CPU units (e.g. 1024) nor vCPUs (e.g. 1 vCPU).");
            if (cpu < MinTaskCpuUnits || cpu > MaxTaskCpuUnits)
                return Client($"Invalid 'cpu' setting for task: {cpu} CPU units is outside the supported range {MinTaskCpuUnits}-{MaxTaskCpuUnits}.");
        }
        if (spec.Memory is not null)
        {
            var memory = ResourceUnits.ParseMemory(spec.Memory);
            if (memory is null)
                return Client($"Invalid 'memory' setting for task: '{spec.Memory}' is neither MiB (e.g. 2048) nor GB (e.g. 2 GB).");
            if (memory < MinContainerMemoryMiB)
                return Client($"Invalid 'memory' setting for task: the minimum is {MinContainerMemoryMiB} MiB.");
        }

        if (spec.RuntimePlatform is { } platform)
        {
            if (OutsideOf(platform.CpuArchitecture, CpuArchitectures, "runtimePlatform.cpuArchitecture") is { } error) return error;
            if (OutsideOf(platform.OperatingSystemFamily, OperatingSystemFamilies, "runtimePlatform.operatingSystemFamily") is { } osError) return osError;
        }
        if (spec.EphemeralStorage is { } storage && (storage.SizeInGiB < MinEphemeralStorageGiB || storage.SizeInGiB > MaxEphemeralStorageGiB))
            return Client($"Invalid 'ephemeralStorage' setting: sizeInGiB must be between {MinEphemeralStorageGiB} and {MaxEphemeralStorageGiB}.");

        var constraints = spec.PlacementConstraints ?? [];
        if (constraints.Count > limits.MaxPlacementConstraints)
            return Client($"Too many placement constraints: at most {limits.MaxPlacementConstraints} are allowed.");
        foreach (var constraint in constraints)
        {
            if (constraint.Type != "memberOf")
                return InvalidParameter($"Invalid placement constraint type '{constraint.Type}': task definitions accept only 'memberOf'.");
            if (string.IsNullOrWhiteSpace(constraint.Expression))
                return InvalidParameter("A 'memberOf' placement constraint requires an expression.");
            if (constraint.Expression.Length > MaxPlacementExpressionLength)
                return InvalidParameter($"Placement constraint expressions can be at most {MaxPlacementExpressionLength} characters.");
        }

        var accelerators = spec.InferenceAccelerators ?? [];
        if (accelerators.Any(a => string.IsNullOrEmpty(a.DeviceName) || string.IsNullOrEmpty(a.DeviceType)))
            return Client("Inference accelerators require both 'deviceName' and 'deviceType'.");
        if (Duplicate(accelerators.Select(a => a.DeviceName!)) is { } duplicateDevice)
            return Client($"Inference accelerator device name '{duplicateDevice}' is used more than once.");

        if (spec.ProxyConfiguration is { } proxy)
        {
            if (OutsideOf(proxy.Type ?? "APPMESH", ["APPMESH"], "proxyConfiguration.type") is { } error) return error;
            if (!spec.ContainerDefinitions.Any(c => c.Name == proxy.ContainerName))
                return Client($"Invalid proxy configuration: container '{proxy.ContainerName}' is not defined in the task definition.");
        }
        return null;
    }

    private static DomainError? ValidateVolumes(TaskDefinitionSpec spec)
    {
        var volumes = spec.Volumes ?? [];
        foreach (var volume in volumes)
        {
            if (!IsValidName(volume.Name))
                return Client($"Invalid volume name '{volume.Name}': up to {MaxNameLength} letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");
            var kinds = new object?[] { volume.Host, volume.DockerVolumeConfiguration, volume.EfsVolumeConfiguration, volume.FsxWindowsFileServerVolumeConfiguration }
                .Count(kind => kind is not null);
            if (kinds > 1)
                return Client($"Invalid setting for volume '{volume.Name}'. Specify at most one of host, dockerVolumeConfiguration, efsVolumeConfiguration and fsxWindowsFileServerVolumeConfiguration.");
            if (volume.DockerVolumeConfiguration is { } docker && OutsideOf(docker.Scope, DockerVolumeScopes, $"volume '{volume.Name}' scope") is { } scopeError)
                return scopeError;
            if (volume.DockerVolumeConfiguration is { Autoprovision: true, Scope: not "shared" })
                return Client($"Invalid setting for volume '{volume.Name}'. 'autoprovision' applies only to volumes with 'shared' scope.");
            if (volume.EfsVolumeConfiguration is { } efs)
            {
                if (string.IsNullOrEmpty(efs.FileSystemId))
                    return Client($"Invalid setting for volume '{volume.Name}'. 'efsVolumeConfiguration' requires 'fileSystemId'.");
                if (OutsideOf(efs.TransitEncryption, EnabledDisabled, $"volume '{volume.Name}' transitEncryption") is { } encryptionError) return encryptionError;
                if (OutsideOf(efs.AuthorizationConfig?.Iam, EnabledDisabled, $"volume '{volume.Name}' authorizationConfig.iam") is { } iamError) return iamError;
            }
            if (volume.FsxWindowsFileServerVolumeConfiguration is { } fsx
                && (string.IsNullOrEmpty(fsx.FileSystemId) || string.IsNullOrEmpty(fsx.RootDirectory) || fsx.AuthorizationConfig is null))
                return Client($"Invalid setting for volume '{volume.Name}'. 'fsxWindowsFileServerVolumeConfiguration' requires 'fileSystemId', 'rootDirectory' and 'authorizationConfig'.");
        }
        return Duplicate(volumes.Select(v => v.Name!)) is { } duplicate
            ? Client($"Volume name '{duplicate}' is used more than once. Volume names must be unique within a task definition.")
            : null;
    }

    private static DomainError? ValidateContainer(TaskDefinitionSpec spec, ContainerDefinition container)
    {
        if (!IsValidName(container.Name))
            return Client($"Invalid container name '{container.Name}': up to {MaxNameLength} letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");
        var name = container.Name!;
        if (string.IsNullOrWhiteSpace(container.Image))
            return Client($"Invalid setting for container '{name}'. Container.image should not be null or empty.");

        return ValidateContainerResources(spec, container, name)
            ?? ValidatePortMappings(spec, container, name)
            ?? ValidateLinks(spec, container, name)
            ?? ValidateDependencies(spec, container, name)
            ?? ValidateHealthCheck(container, name)
            ?? ValidateMounts(spec, container, name)
            ?? ValidateUlimits(container, name)
            ?? ValidateLogConfiguration(spec, container, name)
            ?? ValidateResourceRequirements(spec, container, name)
            ?? ValidateMiscellaneous(container, name);
    }

    private static DomainError? ValidateContainerResources(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        if (container.Memory is null && container.MemoryReservation is null && spec.Memory is null)
            return Client($"Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified.");
        if (container.Memory is < MinContainerMemoryMiB)
            return Client($"Invalid 'memory' setting for container '{name}'. The minimum is {MinContainerMemoryMiB} MiB.");
        if (container.MemoryReservation is < MinContainerMemoryMiB)
            return Client($"Invalid 'memoryReservation' setting for container '{name}'. The minimum is {MinContainerMemoryMiB} MiB.");
        if (container.Memory is { } memory && container.MemoryReservation is { } reservation && reservation > memory)
            return Client($"Invalid setting for container '{name}'. 'memory' must be greater than or equal to 'memoryReservation'.");
        if (container.Cpu is < 0 or > MaxContainerCpuUnits)
            return Client($"Invalid 'cpu' setting for container '{name}'. CPU units must be between 0 and {MaxContainerCpuUnits}.");
        if (spec.Memory is not null && ResourceUnits.ParseMemory(spec.Memory) is { } taskMemory
            && Math.Max(container.Memory ?? 0, container.MemoryReservation ?? 0) > taskMemory)
            return Client($"Invalid setting for container '{name}'. Its memory ({Math.Max(container.Memory ?? 0, container.MemoryReservation ?? 0)} MiB) exceeds the task memory ({taskMemory} MiB).");
        return null;
    }

    private static DomainError? ValidatePortMappings(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        var mappings = container.PortMappings ?? [];
        if (mappings.Count == 0) return null;
        var mode = spec.EffectiveNetworkMode;
        if (mode == NetworkModes.None)
            return Client($"Invalid setting for container '{name}'. Port mappings are not supported with network mode 'none'.");

        foreach (var mapping in mappings)
        {
            if (OutsideOf(mapping.Protocol, Protocols, $"container '{name}' portMappings.protocol") is { } protocolError) return protocolError;
            if (OutsideOf(mapping.AppProtocol, AppProtocols, $"container '{name}' portMappings.appProtocol") is { } appError) return appError;
            if (mapping.ContainerPortRange is { } range)
            {
                if (mapping.ContainerPort is not null || mapping.HostPort is not null)
                    return Client($"Invalid setting for container '{name}'. A port mapping with 'containerPortRange' must not set 'containerPort' or 'hostPort'.");
                if (mode is not (NetworkModes.Bridge or NetworkModes.AwsVpc))
                    return Client($"Invalid setting for container '{name}'. 'containerPortRange' requires network mode 'bridge' or 'awsvpc'.");
                if (ParsePortRange(range) is null)
                    return Client($"Invalid setting for container '{name}'. containerPortRange '{range}' must be 'first-last' with 1 <= first < last <= 65535.");
                continue;
            }
            if (mapping.ContainerPort is not (>= 1 and <= 65535))
                return Client($"Invalid setting for container '{name}'. containerPort must be between 1 and 65535.");
            if (mapping.HostPort is < 0 or > 65535)
                return Client($"Invalid setting for container '{name}'. hostPort must be between 0 and 65535.");
            if (mode is NetworkModes.Host or NetworkModes.AwsVpc && mapping.HostPort is { } hostPort && hostPort != mapping.ContainerPort)
                return Client($"Invalid setting for container '{name}'. When networkMode={mode}, the host port must either be undefined or equal to the container port ({mapping.ContainerPort}).");
        }

        var containerPorts = mappings.Where(m => m.ContainerPortRange is null).Select(m => $"{m.ContainerPort}/{m.Protocol ?? "tcp"}");
        if (Duplicate(containerPorts) is { } duplicatePort)
            return Client($"Invalid setting for container '{name}'. Container port {duplicatePort} is mapped more than once.");
        var ranges = mappings.Where(m => m.ContainerPortRange is not null)
            .Select(m => (Range: ParsePortRange(m.ContainerPortRange!)!.Value, Protocol: m.Protocol ?? "tcp")).ToList();
        foreach (var mapping in mappings.Where(m => m.ContainerPortRange is null))
            if (ranges.Any(r => r.Protocol == (mapping.Protocol ?? "tcp") && mapping.ContainerPort >= r.Range.First && mapping.ContainerPort <= r.Range.Last))
                return Client($"Invalid setting for container '{name}'. Container port {mapping.ContainerPort} is also part of a containerPortRange.");
        for (var i = 0; i < ranges.Count; i++)
            for (var j = i + 1; j < ranges.Count; j++)
                if (ranges[i].Protocol == ranges[j].Protocol && ranges[i].Range.First <= ranges[j].Range.Last && ranges[j].Range.First <= ranges[i].Range.Last)
                    return Client($"Invalid setting for container '{name}'. Port ranges must not overlap.");
        return null;
    }

    private static (int First, int Last)? ParsePortRange(string range)
    {
        var match = PortRangePattern().Match(range);
        if (!match.Success) return null;
        var first = int.Parse(match.Groups[1].Value);
        var last = int.Parse(match.Groups[2].Value);
        return first >= 1 && first < last && last <= 65535 ? (first, last) : null;
    }

    private static DomainError? ValidateLinks(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        var links = container.Links ?? [];
        if (links.Count == 0) return null;
        if (spec.EffectiveNetworkMode != NetworkModes.Bridge)
            return Client($"Invalid setting for container '{name}'. Links are only supported with network mode 'bridge', not '{spec.EffectiveNetworkMode}'.");
        foreach (var link in links)
        {
            var parts = (link ?? "").Split(':');
            if (parts.Length > 2 || !parts.All(IsValidName))
                return Client($"Invalid link '{link}' in container '{name}': use 'name' or 'name:alias' with letters, numbers, hyphens, and underscores.");
            if (parts[0] == name)
                return Client($"Invalid link '{link}' in container '{name}': a container cannot link to itself.");
            if (!spec.ContainerDefinitions.Any(c => c.Name == parts[0]))
                return Client($"Invalid link '{link}' in container '{name}': container '{parts[0]}' is not defined in the task definition.");
        }
        return null;
    }

    private static DomainError? ValidateDependencies(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        foreach (var dependency in container.DependsOn ?? [])
        {
            if (!DependencyConditions.Contains(dependency.Condition ?? ""))
                return InvalidParameter($"Invalid dependsOn condition '{dependency.Condition}' in container '{name}'. Valid values: {string.Join(", ", DependencyConditions)}.");
            var target = spec.ContainerDefinitions.FirstOrDefault(c => c.Name == dependency.ContainerName);
            if (target is null)
                return Client($"Invalid setting for container '{name}'. It depends on container '{dependency.ContainerName}', which is not defined in the task definition.");
            if (target == container)
                return Client($"Invalid setting for container '{name}'. A container cannot depend on itself.");
            if (dependency.Condition == "HEALTHY" && target.HealthCheck is null)
                return Client($"Invalid setting for container '{name}'. The HEALTHY condition requires container '{target.Name}' to have a healthCheck.");
            if (dependency.Condition is "COMPLETE" or "SUCCESS" && target.IsEssential)
                return Client($"Invalid setting for container '{name}'. The {dependency.Condition} condition cannot be set on essential container '{target.Name}'.");
        }
        if (container.StartTimeout is < 0 || container.StopTimeout is < 0)
            return Client($"Invalid setting for container '{name}'. startTimeout and stopTimeout must not be negative.");
        return null;
    }

    private static DomainError? ValidateHealthCheck(ContainerDefinition container, string name)
    {
        if (container.HealthCheck is not { } check) return null;
        if (check.Command is not { Count: > 0 } command || !HealthCheckCommandKinds.Contains(command[0]))
            return Client($"Invalid healthCheck for container '{name}'. The command must start with CMD, CMD-SHELL or NONE.");
        if (command[0] != "NONE" && command.Count < 2)
            return Client($"Invalid healthCheck for container '{name}'. {command[0]} must be followed by the command to run.");
        return OutOfRange(check.Interval, 5, 300, "interval", " seconds") ?? OutOfRange(check.Timeout, 2, 60, "timeout", " seconds")
            ?? OutOfRange(check.Retries, 1, 10, "retries", "") ?? OutOfRange(check.StartPeriod, 0, 300, "startPeriod", " seconds");

        DomainError? OutOfRange(int? value, int min, int max, string field, string unit) =>
            value is { } v && (v < min || v > max)
                ? Client($"Invalid healthCheck for container '{name}'. '{field}' must be between {min} and {max}{unit}.")
                : null;
    }

    private static DomainError? ValidateMounts(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        foreach (var mount in container.MountPoints ?? [])
        {
            if (string.IsNullOrEmpty(mount.SourceVolume) || !(spec.Volumes ?? []).Any(v => v.Name == mount.SourceVolume))
                return Client($"Invalid setting for container '{name}'. Mount point source volume '{mount.SourceVolume}' is not a volume of the task definition.");
            if (string.IsNullOrEmpty(mount.ContainerPath))
                return Client($"Invalid setting for container '{name}'. Mount point for volume '{mount.SourceVolume}' requires a containerPath.");
        }
        foreach (var from in container.VolumesFrom ?? [])
        {
            if (from.SourceContainer == name)
                return Client($"Invalid setting for container '{name}'. A container cannot mount volumes from itself.");
            if (!spec.ContainerDefinitions.Any(c => c.Name == from.SourceContainer))
                return Client($"Invalid setting for container '{name}'. volumesFrom source container '{from.SourceContainer}' is not defined in the task definition.");
        }
        return null;
    }

    private static DomainError? ValidateUlimits(ContainerDefinition container, string name)
    {
        var ulimits = container.Ulimits ?? [];
        foreach (var ulimit in ulimits)
        {
            if (!UlimitNames.Contains(ulimit.Name ?? ""))
                return InvalidParameter($"Invalid ulimit name '{ulimit.Name}' in container '{name}'. Valid values: {string.Join(", ", UlimitNames)}.");
            if (ulimit.SoftLimit > ulimit.HardLimit)
                return Client($"Invalid ulimit '{ulimit.Name}' in container '{name}'. The soft limit must not exceed the hard limit.");
        }
        return Duplicate(ulimits.Select(u => u.Name!)) is { } duplicate
            ? Client($"Invalid setting for container '{name}'. Ulimit '{duplicate}' is set more than once.")
            : null;
    }

    private static DomainError? ValidateLogConfiguration(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        if (container.LogConfiguration is { } log)
        {
            if (!LogDrivers.Contains(log.LogDriver ?? ""))
                return InvalidParameter($"Invalid log driver '{log.LogDriver}' in container '{name}'. Valid values: {string.Join(", ", LogDrivers)}.");
            if (log.LogDriver == "awsfirelens" && !spec.ContainerDefinitions.Any(c => c.FirelensConfiguration is not null))
                return Client($"Invalid setting for container '{name}'. The awsfirelens log driver requires a container with a firelensConfiguration in the task definition.");
        }
        if (container.FirelensConfiguration is { } firelens && !FirelensTypes.Contains(firelens.Type ?? ""))
            return InvalidParameter($"Invalid firelensConfiguration type '{firelens.Type}' in container '{name}'. Valid values: fluentd, fluentbit.");
        return null;
    }

    private static DomainError? ValidateResourceRequirements(TaskDefinitionSpec spec, ContainerDefinition container, string name)
    {
        foreach (var requirement in container.ResourceRequirements ?? [])
        {
            if (!ResourceTypes.Contains(requirement.Type ?? ""))
                return InvalidParameter($"Invalid resource requirement type '{requirement.Type}' in container '{name}'. Valid values: {string.Join(", ", ResourceTypes)}.");
            var valid = requirement.Type switch
            {
                "GPU" => int.TryParse(requirement.Value, out var gpus) && gpus >= 1 || requirement.Value == "ALL",
                "InferenceAccelerator" => (spec.InferenceAccelerators ?? []).Any(a => a.DeviceName == requirement.Value),
                _ => requirement.Value == "ALL",
            };
            if (!valid)
                return Client(requirement.Type switch
                {
                    "GPU" => $"Invalid GPU requirement in container '{name}': the value must be a positive number of GPUs or ALL.",
                    "InferenceAccelerator" => $"Invalid InferenceAccelerator requirement in container '{name}': '{requirement.Value}' is not the deviceName of an inference accelerator of the task definition.",
                    _ => $"Invalid NeuronDevice requirement in container '{name}': the value must be ALL.",
                });
        }
        return null;
    }

    private static DomainError? ValidateMiscellaneous(ContainerDefinition container, string name)
    {
        foreach (var file in container.EnvironmentFiles ?? [])
            if (file.Type != "s3" || string.IsNullOrEmpty(file.Value))
                return InvalidParameter($"Invalid environment file in container '{name}': type must be 's3' and value an S3 object ARN.");
        foreach (var secret in (container.Secrets ?? []).Concat(container.LogConfiguration?.SecretOptions ?? []))
            if (string.IsNullOrEmpty(secret.Name) || string.IsNullOrEmpty(secret.ValueFrom))
                return Client($"Invalid secret in container '{name}': both 'name' and 'valueFrom' are required.");
        foreach (var device in container.LinuxParameters?.Devices ?? [])
        {
            if (string.IsNullOrEmpty(device.HostPath))
                return Client($"Invalid device in container '{name}': 'hostPath' is required.");
            if ((device.Permissions ?? []).FirstOrDefault(p => !DevicePermissions.Contains(p)) is { } permission)
                return InvalidParameter($"Invalid device permission '{permission}' in container '{name}'. Valid values: read, write, mknod.");
        }
        if (container.RestartPolicy is { RestartAttemptPeriod: < 60 or > 1800 })
            return Client($"Invalid restartPolicy for container '{name}'. restartAttemptPeriod must be between 60 and 1800 seconds.");
        if (container.RestartPolicy?.IgnoredExitCodes is { Count: > 50 })
            return Client($"Invalid restartPolicy for container '{name}'. At most 50 ignoredExitCodes are allowed.");
        return OutsideOf(container.VersionConsistency, VersionConsistencies, $"container '{name}' versionConsistency");
    }

    private static DomainError? ValidateAcrossContainers(TaskDefinitionSpec spec)
    {
        var containers = spec.ContainerDefinitions;
        if (Duplicate(containers.Select(c => c.Name!)) is { } duplicateName)
            return Client($"Container name '{duplicateName}' is used more than once. Container names must be unique within a task definition.");
        if (!containers.Any(c => c.IsEssential))
            return Client("Invalid setting for task definition. At least one container must be essential.");

        // Only fixed host ports can collide: in bridge mode an absent or zero hostPort is chosen by Docker at run time.
        var fixedHostPorts = containers.SelectMany(c => c.PortMappings ?? [])
            .Where(m => m.ContainerPortRange is null)
            .Select(m => (Port: spec.EffectiveNetworkMode == NetworkModes.Bridge ? m.HostPort ?? 0 : m.HostPort ?? m.ContainerPort ?? 0, Protocol: m.Protocol ?? "tcp"))
            .Where(p => p.Port > 0)
            .Select(p => $"{p.Port}/{p.Protocol}");
        if (Duplicate(fixedHostPorts) is { } duplicatePort)
            return Client($"Invalid setting for task definition. Host port {duplicatePort} is mapped more than once.");
        var portNames = containers.SelectMany(c => c.PortMappings ?? []).Where(m => m.Name is not null).Select(m => m.Name!);
        if (Duplicate(portNames) is { } duplicatePortName)
            return Client($"Invalid setting for task definition. Port mapping name '{duplicatePortName}' is used more than once.");

        if (spec.Cpu is not null && ResourceUnits.ParseCpu(spec.Cpu) is { } taskCpu && containers.Sum(c => (long)(c.Cpu ?? 0)) > taskCpu)
            return Client($"Invalid setting for task definition. The containers' cpu ({containers.Sum(c => (long)(c.Cpu ?? 0))} units) exceeds the task cpu ({taskCpu} units).");
        if (spec.Memory is not null && ResourceUnits.ParseMemory(spec.Memory) is { } taskMemory
            && containers.Sum(c => (long)(c.MemoryReservation ?? c.Memory ?? 0)) > taskMemory)
            return Client($"Invalid setting for task definition. The memory the containers reserve ({containers.Sum(c => (long)(c.MemoryReservation ?? c.Memory ?? 0))} MiB) exceeds the task memory ({taskMemory} MiB).");

        return DependencyCycle(containers) is { } cycle
            ? Client($"Invalid setting for task definition. Container dependencies form a cycle: {cycle}.")
            : null;
    }

    private static DomainError? ValidateRequiredCompatibilities(TaskDefinitionSpec spec) =>
        spec.RequiresCompatibilities?.Contains(Compatibilities.Fargate) == true ? FargateIncompatibility(spec) : null;

    /// <summary>A dependency cycle as "a -> b -> a", or null. Such a task could never start any container of the cycle.</summary>
    private static string? DependencyCycle(IReadOnlyList<ContainerDefinition> containers)
    {
        var edges = containers.ToDictionary(c => c.Name!, c => (c.DependsOn ?? []).Select(d => d.ContainerName!).ToList());
        var finished = new HashSet<string>();
        var path = new List<string>();
        foreach (var start in edges.Keys)
            if (Visit(start) is { } cycle) return cycle;
        return null;

        string? Visit(string node)
        {
            var onPath = path.IndexOf(node);
            if (onPath >= 0) return string.Join(" -> ", path.Skip(onPath).Append(node));
            if (!finished.Add(node)) return null;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
    }

    private static DomainError? OutsideOf(string? value, IReadOnlyList<string> allowed, string field) =>
        value is null || allowed.Contains(value)
            ? null
            : InvalidParameter($"Invalid value '{value}' for {field}. Valid values: {string.Join(", ", allowed)}.");

    private static string? Duplicate(IEnumerable<string> values)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return values.FirstOrDefault(value => !seen.Add(value));
    }

    private static DomainError Client(string message) => DomainError.Client(message);
    private static DomainError InvalidParameter(string message) => DomainError.InvalidParameter(message);
}
