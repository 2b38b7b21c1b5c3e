using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.TaskDefinitions.TaskDefinitionFixtures;

namespace Actors.Domain.Tests.TaskDefinitions;

public class TaskDefinitionJsonTests
{
    /// <summary>A container definition with every member set, nested shapes included.</summary>
    private static readonly ContainerDefinition Full = new()
    {
        Name = "web",
        Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
        RepositoryCredentials = new() { CredentialsParameter = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry" },
        Cpu = 256,
        Memory = 512,
        MemoryReservation = 256,
        Links = ["db:database"],
        PortMappings = [new() { ContainerPort = 80, HostPort = 8080, Protocol = "tcp", Name = "http", AppProtocol = "http" }, new() { ContainerPortRange = "9000-9010", Protocol = "udp" }],
        Essential = true,
        RestartPolicy = new() { Enabled = true, IgnoredExitCodes = [0, 143], RestartAttemptPeriod = 300 },
        EntryPoint = ["/bin/sh", "-c"],
        Command = ["nginx", "-g", "daemon off;"],
        Environment = [new() { Name = "MODE", Value = "prod" }],
        EnvironmentFiles = [new() { Value = "arn:aws:s3:::bucket/web.env", Type = "s3" }],
        MountPoints = [new() { SourceVolume = "data", ContainerPath = "/data", ReadOnly = false }],
        VolumesFrom = [new() { SourceContainer = "db", ReadOnly = true }],
        LinuxParameters = new()
        {
            Capabilities = new() { Add = ["NET_ADMIN"], Drop = ["MKNOD"] },
            Devices = [new() { HostPath = "/dev/fuse", ContainerPath = "/dev/fuse", Permissions = ["read", "write"] }],
            InitProcessEnabled = true,
            SharedMemorySize = 64,
            Tmpfs = [new() { ContainerPath = "/tmp", Size = 32, MountOptions = ["rw"] }],
            MaxSwap = 0,
            Swappiness = 10,
        },
        Secrets = [new() { Name = "DB_PASSWORD", ValueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/db" }],
        DependsOn = [new() { ContainerName = "db", Condition = "HEALTHY" }],
        StartTimeout = 60,
        StopTimeout = 30,
        VersionConsistency = "enabled",
        Hostname = "web",
        User = "1000:1000",
        WorkingDirectory = "/srv",
        DisableNetworking = false,
        Privileged = false,
        ReadonlyRootFilesystem = true,
        DnsServers = ["10.0.0.2"],
        DnsSearchDomains = ["internal"],
        ExtraHosts = [new() { Hostname = "db.local", IpAddress = "10.0.0.5" }],
        DockerSecurityOptions = ["no-new-privileges"],
        Interactive = false,
        PseudoTerminal = false,
        DockerLabels = new Dictionary<string, string> { ["team"] = "web" },
        Ulimits = [new() { Name = "nofile", SoftLimit = 1024, HardLimit = 4096 }],
        LogConfiguration = new()
        {
            LogDriver = "awslogs",
            Options = new Dictionary<string, string> { ["awslogs-group"] = "/ecs/web" },
            SecretOptions = [new() { Name = "token", ValueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/token" }],
        },
        HealthCheck = new() { Command = ["CMD-SHELL", "curl -f http://localhost/"], Interval = 30, Timeout = 5, Retries = 3, StartPeriod = 10 },
        SystemControls = [new() { Namespace = "net.core.somaxconn", Value = "1024" }],
        ResourceRequirements = [new() { Type = "GPU", Value = "1" }],
        FirelensConfiguration = new() { Type = "fluentbit", Options = new Dictionary<string, string> { ["enable-ecs-log-metadata"] = "true" } },
        CredentialSpecs = ["credentialspec:arn:aws:s3:::bucket/spec.json"],
    };

    [Fact]
    public void A_full_container_definition_round_trips_to_equal_json()
    {
        var json = TaskDefinitionJson.Serialize(Full);
        var again = TaskDefinitionJson.Serialize(TaskDefinitionJson.Deserialize<ContainerDefinition>(json));

        Assert.Equal(json, again);
        Assert.Contains("\"volumesFrom\":[{\"sourceContainer\":\"db\",\"readOnly\":true}]", json);
    }

    [Fact]
    public void Container_definition_members_are_ecs_member_names()
    {
        // The members of ContainerDefinition in ECS's API model, plus versionConsistency from today's API.
        string[] ecsMembers =
        [
            "name", "image", "repositoryCredentials", "cpu", "memory", "memoryReservation", "links", "portMappings", "essential",
            "restartPolicy", "entryPoint", "command", "environment", "environmentFiles", "mountPoints", "volumesFrom", "linuxParameters",
            "secrets", "dependsOn", "startTimeout", "stopTimeout", "versionConsistency", "hostname", "user", "workingDirectory",
            "disableNetworking", "privileged", "readonlyRootFilesystem", "dnsServers", "dnsSearchDomains", "extraHosts",
            "dockerSecurityOptions", "interactive", "pseudoTerminal", "dockerLabels", "ulimits", "logConfiguration", "healthCheck",
            "systemControls", "resourceRequirements", "firelensConfiguration", "credentialSpecs",
        ];
        var written = JsonNode.Parse(TaskDefinitionJson.Serialize(Full))!.AsObject().Select(p => p.Key);

        Assert.Equal(ecsMembers.Order(), written.Order());
    }

    [Fact]
    public void Ecs_request_json_deserializes_into_the_spec()
    {
        const string request = """
            {"family":"sleep360","networkMode":"awsvpc","cpu":"0.25 vCPU","memory":"0.5 GB","requiresCompatibilities":["FARGATE"],
             "containerDefinitions":[{"name":"sleep","image":"busybox","command":["sleep","360"],"essential":true,
               "portMappings":[{"containerPort":80}],"dockerLabels":{"a":"b"}}],
             "volumes":[{"name":"scratch","efsVolumeConfiguration":{"fileSystemId":"fs-1","authorizationConfig":{"iam":"ENABLED"}}}],
             "ephemeralStorage":{"sizeInGiB":30},"runtimePlatform":{"cpuArchitecture":"ARM64","operatingSystemFamily":"LINUX"},
             "unknownFutureMember":1}
            """;
        var spec = TaskDefinitionJson.Deserialize<TaskDefinitionSpec>(request);

        Assert.Equal("sleep360", spec.Family);
        Assert.Equal("busybox", Assert.Single(spec.ContainerDefinitions).Image);
        Assert.Equal(80, spec.ContainerDefinitions[0].PortMappings![0].ContainerPort);
        Assert.Equal("ENABLED", spec.Volumes![0].EfsVolumeConfiguration!.AuthorizationConfig!.Iam);
        Assert.Equal(30, spec.EphemeralStorage!.SizeInGiB);
        Assert.Null(TaskDefinitionValidation.Validate(spec, null, TaskDefinitionLimits.Default));
    }

    [Fact]
    public void Derived_facts_are_not_written_to_the_wire()
    {
        var json = TaskDefinitionJson.Serialize(Spec(Container()));
        Assert.DoesNotContain("effectiveNetworkMode", json);
        Assert.DoesNotContain("isEssential", json);
    }

    [Fact]
    public void Family_state_round_trips_without_type_information()
    {
        var state = TaskDefinitionFamily.Empty("web");
        var decision = TaskDefinitionFamily.Decide(state, new RegisterTaskDefinition(Context(), Spec(Full with { Links = null, VolumesFrom = null, DependsOn = null }) with
        {
            Volumes = [new() { Name = "data", Host = new() }],
            TaskRoleArn = "arn:aws:iam::123456789012:role/web",
        }, [new Tag("team", "web")]));
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        state = decision.Events.Aggregate(state, TaskDefinitionFamily.Apply);

        var json = TaskDefinitionJson.Serialize(state);
        var restored = TaskDefinitionJson.Deserialize<TaskDefinitionFamilyState>(json);

        Assert.Equal(json, TaskDefinitionJson.Serialize(restored));
        Assert.Contains("\"status\":\"ACTIVE\"", json);
        Assert.Equal(ImmutableList.Create(new Tag("team", "web")), restored.Revisions[0].Tags);
    }

    [Fact]
    public void Registered_events_round_trip()
    {
        var decision = TaskDefinitionFamily.Decide(TaskDefinitionFamily.Empty("web"), new RegisterTaskDefinition(Context(), FargateSpec() with { Family = "web" }, null));
        var registered = Assert.IsType<TaskDefinitionRegistered>(Assert.Single(decision.Events));

        var json = TaskDefinitionJson.Serialize(registered);
        Assert.Equal(json, TaskDefinitionJson.Serialize(TaskDefinitionJson.Deserialize<TaskDefinitionRegistered>(json)));
    }
}
