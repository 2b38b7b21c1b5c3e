using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Dm = Docker.DotNet.Models;

namespace Actors.Nodes.Agent.Docker;

/// <summary>Where a task definition volume comes from on this host: a host path (bind mount) or a Docker volume.</summary>
public sealed record VolumeSource(string Source, bool IsHostPath);

/// <summary>What the container's create request needs beyond its own definition.</summary>
public sealed record ContainerLaunchContext
{
    public required string TaskArn { get; init; }
    public required string ContainerInstanceArn { get; init; }
    /// <summary>Docker names of the task's containers already chosen, by container name (for links and volumesFrom).</summary>
    public required IReadOnlyDictionary<string, string> DockerNames { get; init; }
    /// <summary>The task's volumes by task definition volume name.</summary>
    public required IReadOnlyDictionary<string, VolumeSource> Volumes { get; init; }
    public required TimeSpan DefaultStopTimeout { get; init; }
}

/// <summary>Translates one container definition into Docker's create request, as the ECS agent does.</summary>
public static class DockerContainerSpec
{
    private const long MiB = 1024 * 1024;
    /// <summary>The ECS agent gives a container without CPU units Docker's minimum share rather than an equal share.</summary>
    private const long MinimumCpuShares = 2;

    /// <summary>The ECS agent's naming: <c>ecs-&lt;family&gt;-&lt;revision&gt;-&lt;container&gt;-&lt;random hex&gt;</c>.</summary>
    public static string NewDockerName(string family, int revision, string containerName) =>
        Sanitize($"ecs-{family}-{revision}-{containerName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10))}");

    public static Dm.CreateContainerParameters Build(TaskState task, TaskLaunchPlan plan, ContainerLaunch launch, string dockerName, ContainerLaunchContext context)
    {
        var definition = launch.Definition;
        var networkMode = plan.NetworkMode;
        var (exposedPorts, portBindings) = Ports(definition.PortMappings, networkMode);
        var mounts = Binds(definition, context);

        var hostConfig = new Dm.HostConfig
        {
            NetworkMode = networkMode,
            PortBindings = portBindings,
            Binds = mounts,
            Links = networkMode == NetworkModes.Bridge
                ? definition.Links?.Select(link => LinkOf(link, context)).ToList()!
                : null!,
            VolumesFrom = definition.VolumesFrom?.Select(source =>
                context.DockerNames[source.SourceContainer!] + (source.ReadOnly == true ? ":ro" : "")).ToList()!,
            CPUShares = Math.Max(definition.Cpu ?? 0, MinimumCpuShares),
            Memory = (definition.Memory ?? 0) * MiB,
            MemoryReservation = (definition.MemoryReservation ?? 0) * MiB,
            Privileged = definition.Privileged ?? false,
            ReadonlyRootfs = definition.ReadonlyRootFilesystem ?? false,
            DNS = definition.DnsServers?.ToList()!,
            DNSSearch = definition.DnsSearchDomains?.ToList()!,
            ExtraHosts = definition.ExtraHosts?.Select(entry => $"{entry.Hostname}:{entry.IpAddress}").ToList()!,
            SecurityOpt = definition.DockerSecurityOptions?.ToList()!,
            Ulimits = definition.Ulimits?.Select(limit => new Dm.Ulimit { Name = limit.Name ?? "", Soft = limit.SoftLimit, Hard = limit.HardLimit }).ToList()!,
            Sysctls = definition.SystemControls?.Where(control => control.Namespace is not null)
                .ToDictionary(control => control.Namespace!, control => control.Value ?? ""),
            LogConfig = definition.LogConfiguration?.LogDriver is { } driver
                ? new Dm.LogConfig { Type = driver, Config = definition.LogConfiguration.Options?.ToDictionary() ?? [] }
                : null!,
            PidMode = task.TaskDefinition.Spec.PidMode ?? "",
            IpcMode = task.TaskDefinition.Spec.IpcMode ?? "",
        };
        ApplyLinuxParameters(hostConfig, definition);

        var labels = new Dictionary<string, string>(definition.DockerLabels?.ToDictionary() ?? [])
        {
            // Ours are written last: a dockerLabel must not disguise a container as another task's.
            [DockerLabels.Cluster] = task.ClusterName,
            [DockerLabels.TaskArn] = context.TaskArn,
            [DockerLabels.ContainerName] = launch.Name,
            [DockerLabels.TaskDefinitionFamily] = task.TaskDefinition.Family,
            [DockerLabels.TaskDefinitionVersion] = task.TaskDefinition.Revision.ToString(CultureInfo.InvariantCulture),
            [DockerLabels.ContainerInstanceArn] = context.ContainerInstanceArn,
            [DockerLabels.ContainerIndex] = launch.Index.ToString(CultureInfo.InvariantCulture),
            [DockerLabels.DependencyLevel] = launch.Level.ToString(CultureInfo.InvariantCulture),
        };

        return new Dm.CreateContainerParameters
        {
            Name = dockerName,
            Image = definition.Image!,
            // Null keeps the image's own entrypoint and command; an empty list would erase them.
            Entrypoint = definition.EntryPoint?.ToList()!,
            Cmd = definition.Command?.ToList()!,
            Env = definition.Environment?.Where(variable => variable.Name is not null)
                .Select(variable => $"{variable.Name}={variable.Value}").ToList()!,
            WorkingDir = definition.WorkingDirectory ?? "",
            User = definition.User ?? "",
            // Docker refuses a hostname with the host's network namespace.
            Hostname = networkMode == NetworkModes.Host ? "" : definition.Hostname ?? "",
            ExposedPorts = exposedPorts,
            Labels = labels,
            Healthcheck = HealthcheckOf(definition.HealthCheck),
            StopTimeout = definition.StopTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : context.DefaultStopTimeout,
            NetworkDisabled = definition.DisableNetworking,
            OpenStdin = definition.Interactive ?? false,
            Tty = definition.PseudoTerminal ?? false,
            HostConfig = hostConfig,
        };
    }

    /// <summary>Docker's port keys (<c>8080/tcp</c>) and bindings; host port 0 or absent lets Docker pick one.</summary>
    private static (IDictionary<string, Dm.EmptyStruct>?, IDictionary<string, IList<Dm.PortBinding>>) Ports(IReadOnlyList<PortMapping>? mappings, string networkMode)
    {
        var exposed = new Dictionary<string, Dm.EmptyStruct>();
        var bindings = new Dictionary<string, IList<Dm.PortBinding>>();
        foreach (var mapping in mappings ?? [])
        {
            var protocol = (mapping.Protocol ?? "tcp").ToLowerInvariant();
            foreach (var containerPort in ContainerPortsOf(mapping))
            {
                var key = $"{containerPort}/{protocol}";
                exposed[key] = default;
                // Host networking publishes nothing: the container's ports are the host's.
                if (networkMode != NetworkModes.Bridge) continue;
                var hostPort = mapping.HostPort is > 0 && mapping.ContainerPortRange is null ? mapping.HostPort.Value.ToString(CultureInfo.InvariantCulture) : "";
                bindings[key] = [new Dm.PortBinding { HostIP = "", HostPort = hostPort }];
            }
        }
        return (exposed.Count > 0 ? exposed : null, bindings);
    }

    private static IEnumerable<int> ContainerPortsOf(PortMapping mapping)
    {
        if (mapping.ContainerPort is { } port) return [port];
        if (mapping.ContainerPortRange?.Split('-') is [var first, var last]
            && int.TryParse(first, CultureInfo.InvariantCulture, out var from) && int.TryParse(last, CultureInfo.InvariantCulture, out var to) && from <= to)
            return Enumerable.Range(from, to - from + 1);
        return [];
    }

    private static string LinkOf(string link, ContainerLaunchContext context)
    {
        var parts = link.Split(':', 2);
        return $"{context.DockerNames[parts[0]]}:{(parts.Length == 2 ? parts[1] : parts[0])}";
    }

    private static IList<string> Binds(ContainerDefinition definition, ContainerLaunchContext context)
    {
        var binds = new List<string>();
        foreach (var mountPoint in definition.MountPoints ?? [])
        {
            if (mountPoint.SourceVolume is null || mountPoint.ContainerPath is null) continue;
            if (!context.Volumes.TryGetValue(mountPoint.SourceVolume, out var source))
                throw new TaskStartFailure($"CannotCreateContainerError: container {definition.Name} mounts volume '{mountPoint.SourceVolume}', which the task does not define", definition.Name);
            binds.Add($"{source.Source}:{mountPoint.ContainerPath}{(mountPoint.ReadOnly == true ? ":ro" : "")}");
        }
        return binds;
    }

    private static Dm.HealthcheckConfig? HealthcheckOf(HealthCheck? healthCheck)
    {
        if (healthCheck?.Command is not { Count: > 0 } command) return null;
        return new Dm.HealthcheckConfig
        {
            Test = command.ToList(),
            // ECS's defaults, not Docker's: Docker would also use 30 s and 3 retries, but a 30 s timeout.
            Interval = TimeSpan.FromSeconds(healthCheck.Interval ?? 30),
            Timeout = TimeSpan.FromSeconds(healthCheck.Timeout ?? 5),
            Retries = healthCheck.Retries ?? 3,
            StartPeriod = TimeSpan.FromSeconds(healthCheck.StartPeriod ?? 0),
        };
    }

    private static void ApplyLinuxParameters(Dm.HostConfig hostConfig, ContainerDefinition definition)
    {
        if (definition.LinuxParameters is not { } linux) return;
        hostConfig.CapAdd = linux.Capabilities?.Add?.ToList()!;
        hostConfig.CapDrop = linux.Capabilities?.Drop?.ToList()!;
        hostConfig.Devices = linux.Devices?.Select(device => new Dm.DeviceMapping
        {
            PathOnHost = device.HostPath ?? "",
            PathInContainer = device.ContainerPath ?? device.HostPath ?? "",
            CgroupPermissions = DevicePermissions(device.Permissions),
        }).ToList()!;
        if (linux.InitProcessEnabled == true) hostConfig.Init = true;
        if (linux.SharedMemorySize is { } shm) hostConfig.ShmSize = shm * MiB;
        if (linux.Tmpfs is { Count: > 0 } tmpfs)
            hostConfig.Tmpfs = tmpfs.Where(mount => mount.ContainerPath is not null).ToDictionary(
                mount => mount.ContainerPath!,
                mount => string.Join(',', new[] { $"size={mount.Size}m" }.Concat(mount.MountOptions ?? [])));
        // ECS's maxSwap is swap on top of the memory limit; Docker's MemorySwap is memory plus swap (and needs a limit).
        if (linux.MaxSwap is { } maxSwap && hostConfig.Memory > 0) hostConfig.MemorySwap = hostConfig.Memory + maxSwap * MiB;
        if (linux.Swappiness is { } swappiness) hostConfig.MemorySwappiness = swappiness;
    }

    private static string DevicePermissions(IReadOnlyList<string>? permissions)
    {
        if (permissions is not { Count: > 0 }) return "rwm";
        var letters = new StringBuilder();
        if (permissions.Contains("read")) letters.Append('r');
        if (permissions.Contains("write")) letters.Append('w');
        if (permissions.Contains("mknod")) letters.Append('m');
        return letters.ToString();
    }

    private static string Sanitize(string name) =>
        new(name.Select(character => char.IsAsciiLetterOrDigit(character) || character is '_' or '.' or '-' ? character : '-').ToArray());
}
