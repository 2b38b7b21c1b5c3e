using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.TaskDefinitions.TaskDefinitionFixtures;

namespace Actors.Domain.Tests.TaskDefinitions;

public class TaskDefinitionValidationTests
{
    private const string Client = ErrorCodes.Client;
    private const string Invalid = ErrorCodes.InvalidParameter;

    private static readonly HealthCheck Healthy = new() { Command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] };

    /// <summary>Each case breaks one rule of a valid spec: the expected exception name and a fragment of the message.</summary>
    private static readonly Dictionary<string, (TaskDefinitionSpec Spec, string Code, string Message)> Refused = new()
    {
        ["family with a dot"] = (Spec() with { Family = "web.app" }, Client, "Invalid family 'web.app'"),
        ["empty family"] = (Spec() with { Family = "" }, Client, "Invalid family"),
        ["family of 256 characters"] = (Spec() with { Family = new string('f', 256) }, Client, "Invalid family"),
        ["no containers"] = (Spec() with { ContainerDefinitions = [] }, Client, "at least one container"),
        ["11 containers"] = (Spec(Enumerable.Range(1, 11).Select(i => Container($"c{i}")).ToArray()), Client, "at most 10 container definitions, this one has 11"),
        ["container name with a space"] = (Spec(Container("my web")), Client, "Invalid container name 'my web'"),
        ["null container"] = (Spec() with { ContainerDefinitions = [null!] }, Client, "must not contain null entries"),
        ["null port mapping"] = (Spec(Container() with { PortMappings = [null!] }), Client, "must not contain null entries"),
        ["missing container name"] = (Spec(Container() with { Name = null }), Client, "Invalid container name"),
        ["duplicate container names"] = (Spec(Container("a"), Container("a")), Client, "Container name 'a' is used more than once"),
        ["missing image"] = (Spec(Container() with { Image = " " }), Client, "Container.image should not be null or empty"),
        ["no memory anywhere"] = (Spec(Container() with { Memory = null }), Client, "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified."),
        ["memory below 6 MiB"] = (Spec(Container() with { Memory = 5 }), Client, "minimum is 6 MiB"),
        ["reservation below 6 MiB"] = (Spec(Container() with { Memory = null, MemoryReservation = 4 }), Client, "'memoryReservation' setting"),
        ["reservation above memory"] = (Spec(Container() with { Memory = 128, MemoryReservation = 256 }), Client, "'memory' must be greater than or equal to 'memoryReservation'"),
        ["negative container cpu"] = (Spec(Container() with { Cpu = -1 }), Client, "CPU units must be between 0 and 262144"),
        ["container cpu above the kernel maximum"] = (Spec(Container() with { Cpu = 262145 }), Client, "CPU units must be between"),
        ["containers' cpu above the task's"] = (Spec(Container("a") with { Cpu = 200 }, Container("b") with { Cpu = 200 }) with { Cpu = "256" }, Client, "exceeds the task cpu (256 units)"),
        ["container memory above the task's"] = (Spec(Container() with { Memory = 1024 }) with { Memory = "512" }, Client, "exceeds the task memory (512 MiB)"),
        ["reservations above the task memory"] = (Spec(Container("a") with { Memory = 300 }, Container("b") with { Memory = 300 }) with { Memory = "512" }, Client, "reserve (600 MiB)"),
        ["unparseable task cpu"] = (Spec() with { Cpu = "lots" }, Client, "Invalid 'cpu' setting for task"),
        ["task cpu below 128"] = (Spec() with { Cpu = "64" }, Client, "outside the supported range 128-196608"),
        ["task cpu above 192 vCPU"] = (Spec() with { Cpu = "193 vCPU" }, Client, "outside the supported range"),
        ["unparseable task memory"] = (Spec() with { Memory = "1 TB" }, Client, "Invalid 'memory' setting for task"),
        ["unknown network mode"] = (Spec() with { NetworkMode = "nat" }, Invalid, "Invalid value 'nat' for networkMode"),
        ["unknown pid mode"] = (Spec() with { PidMode = "container" }, Invalid, "pidMode"),
        ["unknown ipc mode"] = (Spec() with { IpcMode = "shareable" }, Invalid, "ipcMode"),
        ["unknown compatibility"] = (Spec() with { RequiresCompatibilities = ["LAMBDA"] }, Invalid, "requiresCompatibilities"),
        ["unknown cpu architecture"] = (Spec() with { RuntimePlatform = new() { CpuArchitecture = "MIPS" } }, Invalid, "cpuArchitecture"),
        ["unknown operating system"] = (Spec() with { RuntimePlatform = new() { OperatingSystemFamily = "BEOS" } }, Invalid, "operatingSystemFamily"),
        ["ephemeral storage of 20 GiB"] = (Spec() with { EphemeralStorage = new() { SizeInGiB = 20 } }, Client, "between 21 and 200"),
        ["port mappings with network mode none"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80 }] }) with { NetworkMode = "none" }, Client, "not supported with network mode 'none'"),
        ["container port 0"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 0 }] }), Client, "containerPort must be between 1 and 65535"),
        ["container port 65536"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 65536 }] }), Client, "containerPort must be between 1 and 65535"),
        ["missing container port"] = (Spec(Container() with { PortMappings = [new() { HostPort = 80 }] }), Client, "containerPort must be between"),
        ["host port 70000"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80, HostPort = 70000 }] }), Client, "hostPort must be between 0 and 65535"),
        ["protocol sctp"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80, Protocol = "sctp" }] }), Invalid, "Invalid value 'sctp'"),
        ["app protocol ftp"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80, AppProtocol = "ftp" }] }), Invalid, "appProtocol"),
        ["host mode with a different host port"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80, HostPort = 8080 }] }) with { NetworkMode = "host" }, Client, "When networkMode=host, the host port must either be undefined or equal to the container port (80)"),
        ["awsvpc with a different host port"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80, HostPort = 81 }] }) with { NetworkMode = "awsvpc" }, Client, "When networkMode=awsvpc"),
        ["same host port in two containers"] = (Spec(Container("a") with { PortMappings = [new() { ContainerPort = 80, HostPort = 8080 }] }, Container("b") with { PortMappings = [new() { ContainerPort = 81, HostPort = 8080 }] }), Client, "Host port 8080/tcp is mapped more than once"),
        ["same container port in host mode across containers"] = (Spec(Container("a") with { PortMappings = [new() { ContainerPort = 80 }] }, Container("b") with { PortMappings = [new() { ContainerPort = 80 }] }) with { NetworkMode = "host" }, Client, "Host port 80/tcp"),
        ["same container port twice in one container"] = (Spec(Container() with { PortMappings = [new() { ContainerPort = 80 }, new() { ContainerPort = 80 }] }), Client, "Container port 80/tcp is mapped more than once"),
        ["duplicate port mapping names"] = (Spec(Container("a") with { PortMappings = [new() { ContainerPort = 80, Name = "http" }] }, Container("b") with { PortMappings = [new() { ContainerPort = 81, Name = "http" }] }), Client, "Port mapping name 'http'"),
        ["port range backwards"] = (Spec(Container() with { PortMappings = [new() { ContainerPortRange = "9000-8000" }] }), Client, "containerPortRange '9000-8000'"),
        ["port range with a container port"] = (Spec(Container() with { PortMappings = [new() { ContainerPortRange = "8000-8010", ContainerPort = 8000 }] }), Client, "must not set 'containerPort' or 'hostPort'"),
        ["port range in host mode"] = (Spec(Container() with { PortMappings = [new() { ContainerPortRange = "8000-8010" }] }) with { NetworkMode = "host" }, Client, "requires network mode 'bridge' or 'awsvpc'"),
        ["overlapping port ranges"] = (Spec(Container() with { PortMappings = [new() { ContainerPortRange = "8000-8010" }, new() { ContainerPortRange = "8010-8020" }] }), Client, "must not overlap"),
        ["port inside a range"] = (Spec(Container() with { PortMappings = [new() { ContainerPortRange = "8000-8010" }, new() { ContainerPort = 8005 }] }), Client, "also part of a containerPortRange"),
        ["links in awsvpc mode"] = (Spec(Container("a") with { Links = ["b"] }, Container("b")) with { NetworkMode = "awsvpc" }, Client, "Links are only supported with network mode 'bridge', not 'awsvpc'"),
        ["link to an unknown container"] = (Spec(Container("a") with { Links = ["db:database"] }), Client, "container 'db' is not defined"),
        ["link to itself"] = (Spec(Container("a") with { Links = ["a"] }), Client, "cannot link to itself"),
        ["malformed link"] = (Spec(Container("a") with { Links = ["b:c:d"] }, Container("b")), Client, "Invalid link 'b:c:d'"),
        ["no essential container"] = (Spec(Container("a") with { Essential = false }, Container("b") with { Essential = false }), Client, "At least one container must be essential"),
        ["dependency on an unknown container"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "db", Condition = "START" }] }), Client, "depends on container 'db', which is not defined"),
        ["dependency on itself"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "a", Condition = "START" }] }), Client, "cannot depend on itself"),
        ["unknown dependency condition"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "b", Condition = "READY" }] }, Container("b")), Invalid, "Invalid dependsOn condition 'READY'"),
        ["HEALTHY without a health check"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "b", Condition = "HEALTHY" }] }, Container("b")), Client, "requires container 'b' to have a healthCheck"),
        ["COMPLETE on an essential container"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "b", Condition = "COMPLETE" }] }, Container("b")), Client, "cannot be set on essential container 'b'"),
        ["SUCCESS on an essential container"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "b", Condition = "SUCCESS" }] }, Container("b") with { Essential = true }), Client, "SUCCESS condition cannot be set"),
        ["dependency cycle"] = (Spec(Container("a") with { DependsOn = [new() { ContainerName = "b", Condition = "START" }] }, Container("b") with { DependsOn = [new() { ContainerName = "c", Condition = "START" }] }, Container("c") with { DependsOn = [new() { ContainerName = "a", Condition = "START" }] }), Client, "cycle: a -> b -> c -> a"),
        ["negative stop timeout"] = (Spec(Container() with { StopTimeout = -1 }), Client, "must not be negative"),
        ["health check without CMD"] = (Spec(Container() with { HealthCheck = new() { Command = ["curl", "localhost"] } }), Client, "must start with CMD, CMD-SHELL or NONE"),
        ["health check with an empty command"] = (Spec(Container() with { HealthCheck = new() { Command = [] } }), Client, "must start with CMD"),
        ["health check CMD alone"] = (Spec(Container() with { HealthCheck = new() { Command = ["CMD"] } }), Client, "must be followed by the command"),
        ["health check interval 4"] = (Spec(Container() with { HealthCheck = Healthy with { Interval = 4 } }), Client, "'interval' must be between 5 and 300 seconds"),
        ["health check interval 301"] = (Spec(Container() with { HealthCheck = Healthy with { Interval = 301 } }), Client, "'interval' must be between 5 and 300"),
        ["health check timeout 1"] = (Spec(Container() with { HealthCheck = Healthy with { Timeout = 1 } }), Client, "'timeout' must be between 2 and 60"),
        ["health check timeout 61"] = (Spec(Container() with { HealthCheck = Healthy with { Timeout = 61 } }), Client, "'timeout' must be between 2 and 60"),
        ["health check retries 0"] = (Spec(Container() with { HealthCheck = Healthy with { Retries = 0 } }), Client, "'retries' must be between 1 and 10."),
        ["health check retries 11"] = (Spec(Container() with { HealthCheck = Healthy with { Retries = 11 } }), Client, "'retries' must be between 1 and 10"),
        ["health check start period 301"] = (Spec(Container() with { HealthCheck = Healthy with { StartPeriod = 301 } }), Client, "'startPeriod' must be between 0 and 300"),
        ["mount of an undeclared volume"] = (Spec(Container() with { MountPoints = [new() { SourceVolume = "data", ContainerPath = "/data" }] }), Client, "source volume 'data' is not a volume"),
        ["mount without a container path"] = (Spec(Container() with { MountPoints = [new() { SourceVolume = "data" }] }) with { Volumes = [new() { Name = "data" }] }, Client, "requires a containerPath"),
        ["duplicate volume names"] = (Spec() with { Volumes = [new() { Name = "data" }, new() { Name = "data" }] }, Client, "Volume name 'data' is used more than once"),
        ["volume name with a slash"] = (Spec() with { Volumes = [new() { Name = "a/b" }] }, Client, "Invalid volume name 'a/b'"),
        ["volume of two kinds"] = (Spec() with { Volumes = [new() { Name = "v", Host = new(), DockerVolumeConfiguration = new() }] }, Client, "at most one of host"),
        ["docker volume scope global"] = (Spec() with { Volumes = [new() { Name = "v", DockerVolumeConfiguration = new() { Scope = "global" } }] }, Invalid, "scope"),
        ["autoprovision of a task-scoped volume"] = (Spec() with { Volumes = [new() { Name = "v", DockerVolumeConfiguration = new() { Scope = "task", Autoprovision = true } }] }, Client, "'autoprovision' applies only"),
        ["efs without a file system"] = (Spec() with { Volumes = [new() { Name = "v", EfsVolumeConfiguration = new() }] }, Client, "requires 'fileSystemId'"),
        ["efs transit encryption maybe"] = (Spec() with { Volumes = [new() { Name = "v", EfsVolumeConfiguration = new() { FileSystemId = "fs-1", TransitEncryption = "MAYBE" } }] }, Invalid, "transitEncryption"),
        ["fsx without authorization"] = (Spec() with { Volumes = [new() { Name = "v", FsxWindowsFileServerVolumeConfiguration = new() { FileSystemId = "fs-1", RootDirectory = "share" } }] }, Client, "requires 'fileSystemId', 'rootDirectory' and 'authorizationConfig'"),
        ["volumes from an unknown container"] = (Spec(Container() with { VolumesFrom = [new() { SourceContainer = "db" }] }), Client, "volumesFrom source container 'db'"),
        ["volumes from itself"] = (Spec(Container() with { VolumesFrom = [new() { SourceContainer = "web" }] }), Client, "cannot mount volumes from itself"),
        ["unknown ulimit"] = (Spec(Container() with { Ulimits = [new() { Name = "files", SoftLimit = 1, HardLimit = 1 }] }), Invalid, "Invalid ulimit name 'files'"),
        ["ulimit soft above hard"] = (Spec(Container() with { Ulimits = [new() { Name = "nofile", SoftLimit = 2048, HardLimit = 1024 }] }), Client, "soft limit must not exceed the hard limit"),
        ["ulimit twice"] = (Spec(Container() with { Ulimits = [new() { Name = "nofile", SoftLimit = 1, HardLimit = 1 }, new() { Name = "nofile", SoftLimit = 2, HardLimit = 2 }] }), Client, "Ulimit 'nofile' is set more than once"),
        ["unknown log driver"] = (Spec(Container() with { LogConfiguration = new() { LogDriver = "loki" } }), Invalid, "Invalid log driver 'loki'"),
        ["awsfirelens without a firelens container"] = (Spec(Container() with { LogConfiguration = new() { LogDriver = "awsfirelens" } }), Client, "requires a container with a firelensConfiguration"),
        ["unknown firelens type"] = (Spec(Container() with { FirelensConfiguration = new() { Type = "vector" } }), Invalid, "firelensConfiguration type 'vector'"),
        ["unknown resource type"] = (Spec(Container() with { ResourceRequirements = [new() { Type = "TPU", Value = "1" }] }), Invalid, "resource requirement type 'TPU'"),
        ["zero GPUs"] = (Spec(Container() with { ResourceRequirements = [new() { Type = "GPU", Value = "0" }] }), Client, "Invalid GPU requirement"),
        ["unknown inference accelerator"] = (Spec(Container() with { ResourceRequirements = [new() { Type = "InferenceAccelerator", Value = "dev1" }] }), Client, "'dev1' is not the deviceName"),
        ["duplicate inference accelerators"] = (Spec() with { InferenceAccelerators = [new() { DeviceName = "d", DeviceType = "eia2.medium" }, new() { DeviceName = "d", DeviceType = "eia2.large" }] }, Client, "device name 'd' is used more than once"),
        ["environment file not in s3"] = (Spec(Container() with { EnvironmentFiles = [new() { Type = "http", Value = "x" }] }), Invalid, "type must be 's3'"),
        ["secret without valueFrom"] = (Spec(Container() with { Secrets = [new() { Name = "DB_PASSWORD" }] }), Client, "both 'name' and 'valueFrom' are required"),
        ["device permission exec"] = (Spec(Container() with { LinuxParameters = new() { Devices = [new() { HostPath = "/dev/fuse", Permissions = ["exec"] }] } }), Invalid, "Invalid device permission 'exec'"),
        ["restart attempt period 30"] = (Spec(Container() with { RestartPolicy = new() { Enabled = true, RestartAttemptPeriod = 30 } }), Client, "restartAttemptPeriod must be between 60 and 1800"),
        ["version consistency sometimes"] = (Spec(Container() with { VersionConsistency = "sometimes" }), Invalid, "versionConsistency"),
        ["placement constraint distinctInstance"] = (Spec() with { PlacementConstraints = [new() { Type = "distinctInstance" }] }, Invalid, "task definitions accept only 'memberOf'"),
        ["placement constraint without expression"] = (Spec() with { PlacementConstraints = [new() { Type = "memberOf" }] }, Invalid, "requires an expression"),
        ["placement expression of 2001 characters"] = (Spec() with { PlacementConstraints = [new() { Type = "memberOf", Expression = new string('a', 2001) }] }, Invalid, "at most 2000 characters"),
        ["11 placement constraints"] = (Spec() with { PlacementConstraints = Enumerable.Repeat(new TaskDefinitionPlacementConstraint { Type = "memberOf", Expression = "attribute:x exists" }, 11).ToList() }, Client, "at most 10"),
        ["proxy for an unknown container"] = (Spec() with { ProxyConfiguration = new() { Type = "APPMESH", ContainerName = "envoy" } }, Client, "container 'envoy' is not defined"),
        ["fargate in bridge mode"] = (FargateSpec() with { NetworkMode = null }, Client, "Fargate only supports network mode 'awsvpc'."),
        ["fargate without task memory"] = (FargateSpec() with { Memory = null, ContainerDefinitions = [Container("app")] }, Client, "Fargate requires that 'cpu' and 'memory' be defined at the task level"),
        ["fargate with a size it does not offer"] = (FargateSpec() with { Memory = "4096" }, Client, "No Fargate configuration exists for given values: 256 CPU, 4096 memory"),
        ["fargate with ipc mode"] = (FargateSpec() with { IpcMode = "task" }, Client, "Fargate does not support 'ipcMode'"),
        ["fargate with host pid mode"] = (FargateSpec() with { PidMode = "host" }, Client, "only supports the 'task' pidMode"),
        ["fargate with placement constraints"] = (FargateSpec() with { PlacementConstraints = [new() { Type = "memberOf", Expression = "attribute:a exists" }] }, Client, "placement constraints"),
        ["fargate with a host path volume"] = (FargateSpec() with { Volumes = [new() { Name = "logs", Host = new() { SourcePath = "/var/log" } }] }, Client, "volume 'logs'"),
        ["fargate with a privileged container"] = (FargateSpec() with { ContainerDefinitions = [new() { Name = "app", Image = "app:1", Privileged = true }] }, Client, "privileged"),
        ["invalid tag"] = (Spec(), Invalid, "reserved"),
    };

    public static TheoryData<string> RefusedCases => new(Refused.Keys);

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void Refuses_with_ecs_exception_and_a_message_naming_the_fault(string rule)
    {
        var (spec, code, message) = Refused[rule];
        var tags = rule == "invalid tag" ? new[] { new Tag("aws:owner", "me") } : null;

        var error = TaskDefinitionValidation.Validate(spec, tags, TaskDefinitionLimits.Default);

        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message);
    }

    private static readonly Dictionary<string, TaskDefinitionSpec> Accepted = new()
    {
        ["the minimal spec"] = Spec(),
        ["memory only at task level"] = Spec(Container() with { Memory = null }) with { Memory = "1 GB" },
        ["reservation only"] = Spec(Container() with { Memory = null, MemoryReservation = 64 }),
        ["reservation equal to memory"] = Spec(Container() with { Memory = 128, MemoryReservation = 128 }),
        ["ten containers"] = Spec(Enumerable.Range(1, 10).Select(i => Container($"c{i}")).ToArray()),
        ["family of 255 characters with hyphens and underscores"] = Spec() with { Family = "a-b_C9" + new string('f', 249) },
        ["task cpu in vCPUs"] = Spec() with { Cpu = "0.5 vCPU", Memory = "512" },
        ["bridge dynamic ports reused across containers"] = Spec(Container("a") with { PortMappings = [new() { ContainerPort = 80 }] }, Container("b") with { PortMappings = [new() { ContainerPort = 80, HostPort = 0 }] }),
        ["same port over tcp and udp"] = Spec(Container() with { PortMappings = [new() { ContainerPort = 53, HostPort = 53 }, new() { ContainerPort = 53, HostPort = 53, Protocol = "udp" }] }),
        ["host mode with equal host port"] = Spec(Container() with { PortMappings = [new() { ContainerPort = 80, HostPort = 80 }] }) with { NetworkMode = "host" },
        ["port range in bridge mode"] = Spec(Container() with { PortMappings = [new() { ContainerPortRange = "8000-8010" }, new() { ContainerPort = 9000 }] }),
        ["links with alias"] = Spec(Container("a") with { Links = ["b:database"] }, Container("b")),
        ["dependencies of every kind"] = Spec(
            Container("app") with { DependsOn = [new() { ContainerName = "db", Condition = "HEALTHY" }, new() { ContainerName = "migrate", Condition = "SUCCESS" }, new() { ContainerName = "init", Condition = "COMPLETE" }] },
            Container("db") with { HealthCheck = Healthy with { Interval = 5, Timeout = 2, Retries = 1, StartPeriod = 0 } },
            Container("migrate") with { Essential = false, DependsOn = [new() { ContainerName = "db", Condition = "START" }] },
            Container("init") with { Essential = false }),
        ["health check NONE"] = Spec(Container() with { HealthCheck = new() { Command = ["NONE"] } }),
        ["health check at its upper bounds"] = Spec(Container() with { HealthCheck = Healthy with { Interval = 300, Timeout = 60, Retries = 10, StartPeriod = 300 } }),
        ["mounts and volumes from"] = Spec(Container("a") with { MountPoints = [new() { SourceVolume = "data", ContainerPath = "/data" }] }, Container("b") with { VolumesFrom = [new() { SourceContainer = "a", ReadOnly = true }] }) with { Volumes = [new() { Name = "data", Host = new() { SourcePath = "/srv" } }] },
        ["firelens router and its client"] = Spec(Container("router") with { FirelensConfiguration = new() { Type = "fluentbit" } }, Container("app") with { LogConfiguration = new() { LogDriver = "awsfirelens" } }),
        ["fargate"] = FargateSpec(),
        ["fargate with 16 vCPU and 120 GB"] = FargateSpec() with { Cpu = "16 vCPU", Memory = "120 GB" },
    };

    public static TheoryData<string> AcceptedCases => new(Accepted.Keys);

    [Theory]
    [MemberData(nameof(AcceptedCases))]
    public void Accepts_valid_specs(string name) =>
        Assert.Null(TaskDefinitionValidation.Validate(Accepted[name], [new Tag("team", "web")], TaskDefinitionLimits.Default));

    [Fact]
    public void The_container_limit_is_configurable()
    {
        var spec = Spec(Container("a"), Container("b"), Container("c"));
        Assert.Null(TaskDefinitionValidation.Validate(spec, null, TaskDefinitionLimits.Default));
        var error = TaskDefinitionValidation.Validate(spec, null, TaskDefinitionLimits.Default with { MaxContainers = 2 });
        Assert.Equal(ErrorCodes.Client, error?.Code);
    }
}
