using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.TaskDefinitions.TaskDefinitionFixtures;

namespace Actors.Domain.Tests.TaskDefinitions;

public class TaskDefinitionRequirementsTests
{
    private static IEnumerable<string> AttributeNames(TaskDefinitionSpec spec) =>
        TaskDefinitionRequirements.RequiredAttributes(spec).Select(a => a.Name);

    [Fact]
    public void A_plain_bridge_container_requires_nothing_and_runs_on_ec2_only()
    {
        Assert.Empty(AttributeNames(Spec()));
        Assert.Equal(["EC2"], TaskDefinitionRequirements.Compatibilities(Spec()));
    }

    [Fact]
    public void Features_require_the_capabilities_ecs_names()
    {
        var spec = Spec(
            Container("app") with
            {
                Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
                LogConfiguration = new() { LogDriver = "awslogs", Options = new Dictionary<string, string> { ["awslogs-group"] = "g" } },
                HealthCheck = new() { Command = ["CMD", "true"] },
                DependsOn = [new() { ContainerName = "db", Condition = "START" }],
                Secrets = [new() { Name = "A", ValueFrom = "arn:aws:secretsmanager:eu-west-1:1:secret:a" }, new() { Name = "B", ValueFrom = "b" }],
                LinuxParameters = new() { InitProcessEnabled = true },
                Privileged = true,
            },
            Container("db") with { Ulimits = [new() { Name = "nofile", SoftLimit = 1, HardLimit = 1 }] }) with
        {
            NetworkMode = NetworkModes.AwsVpc,
            TaskRoleArn = "arn:aws:iam::1:role/task",
            ExecutionRoleArn = "arn:aws:iam::1:role/exec",
            Volumes = [new() { Name = "efs", EfsVolumeConfiguration = new() { FileSystemId = "fs-1", TransitEncryption = "ENABLED" } }],
        };

        Assert.Equal(
            new[]
            {
                "com.amazonaws.ecs.capability.docker-remote-api.1.18",
                "com.amazonaws.ecs.capability.docker-remote-api.1.19",
                "com.amazonaws.ecs.capability.docker-remote-api.1.25",
                "com.amazonaws.ecs.capability.ecr-auth",
                "com.amazonaws.ecs.capability.logging-driver.awslogs",
                "com.amazonaws.ecs.capability.privileged-container",
                "com.amazonaws.ecs.capability.task-iam-role",
                "ecs.capability.container-health-check",
                "ecs.capability.container-ordering",
                "ecs.capability.efsAuth",
                "ecs.capability.execution-role-awslogs",
                "ecs.capability.execution-role-ecr-pull",
                "ecs.capability.secrets.asm.environment-variables",
                "ecs.capability.secrets.ssm.environment-variables",
                "ecs.capability.task-eni",
            },
            AttributeNames(spec));
    }

    [Fact]
    public void Fargate_compatibility_is_computed_even_when_not_requested()
    {
        var fargateShaped = FargateSpec() with { RequiresCompatibilities = null };
        Assert.Equal(["EC2", "FARGATE"], TaskDefinitionRequirements.Compatibilities(fargateShaped));
        Assert.Equal(["EC2"], TaskDefinitionRequirements.Compatibilities(fargateShaped with { Memory = "4096" }));
        Assert.Equal(["EC2", "EXTERNAL"], TaskDefinitionRequirements.Compatibilities(Spec() with { RequiresCompatibilities = ["EXTERNAL"] }));
    }

    [Fact]
    public void Registration_normalises_what_ecs_answers_normalised()
    {
        var spec = Spec(
            Container("a") with { PortMappings = [new() { ContainerPort = 80 }] },
            Container("b") with { Essential = false, PortMappings = [new() { ContainerPort = 81, HostPort = 8081, Protocol = "udp" }] }) with
        {
            Cpu = "0.5 vCPU",
            Memory = "1 GB",
        };
        var revision = TaskDefinitionRevision.Register(spec, 1, null, Context());

        Assert.Equal("512", revision.Spec.Cpu);
        Assert.Equal("1024", revision.Spec.Memory);
        var a = revision.Spec.ContainerDefinitions[0];
        Assert.True(a.Essential);
        Assert.Equal(new PortMapping { ContainerPort = 80, HostPort = 0, Protocol = "tcp" }, a.PortMappings![0]);
        Assert.Empty(a.Environment!);
        Assert.Empty(a.MountPoints!);
        Assert.Empty(a.VolumesFrom!);
        Assert.False(revision.Spec.ContainerDefinitions[1].Essential);
        Assert.Equal(new PortMapping { ContainerPort = 81, HostPort = 8081, Protocol = "udp" }, revision.Spec.ContainerDefinitions[1].PortMappings![0]);
        Assert.Empty(revision.Spec.Volumes!);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("awsvpc")]
    public void Host_and_awsvpc_answer_the_container_port_as_host_port(string networkMode)
    {
        var spec = Spec(Container() with { PortMappings = [new() { ContainerPort = 8080 }] }) with { NetworkMode = networkMode };
        var revision = TaskDefinitionRevision.Register(spec, 1, [new Tag("a", "b")], Context());

        Assert.Equal(8080, revision.Spec.ContainerDefinitions[0].PortMappings![0].HostPort);
        Assert.Equal([new Tag("a", "b")], revision.Tags);
    }
}
