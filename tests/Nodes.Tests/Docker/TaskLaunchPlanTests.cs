using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Agent.Docker;
using KeyValuePair = Actors.Domain.TaskDefinitions.KeyValuePair;

namespace Actors.Nodes.Tests.Docker;

public sealed class TaskLaunchPlanTests
{
    private static TaskState TaskOf(IReadOnlyList<ContainerDefinition> containers, string? networkMode = null, TaskOverride? overrides = null) => new()
    {
        TaskId = "t1",
        ClusterName = "c",
        ContainerInstanceId = "i",
        TaskDefinition = new TaskDefinitionRevision
        {
            Family = "f",
            Revision = 3,
            Spec = new TaskDefinitionSpec { Family = "f", NetworkMode = networkMode, ContainerDefinitions = containers },
        },
        Overrides = overrides,
        Containers = [],
        Reserved = ResourceDemand.None,
    };

    private static ContainerDefinition Container(string name, params (string Name, string Condition)[] dependsOn) => new()
    {
        Name = name,
        Image = "img",
        DependsOn = dependsOn.Select(dependency => new ContainerDependency { ContainerName = dependency.Name, Condition = dependency.Condition }).ToList(),
    };

    [Fact]
    public void Levels_count_the_longest_chain_of_dependencies_including_links_and_volumesFrom()
    {
        var plan = TaskLaunchPlan.For(TaskOf([
            Container("db"),
            Container("app", ("db", "HEALTHY")),
            Container("proxy") with { Links = ["app:backend"] },
            Container("logs") with { VolumesFrom = [new VolumeFrom { SourceContainer = "proxy" }] },
        ]));

        Assert.Equal([0, 1, 2, 3], plan.Containers.Select(container => container.Level));
        Assert.Equal("bridge", plan.NetworkMode);
    }

    [Fact]
    public void A_dependency_cycle_fails_the_task()
    {
        var failure = Assert.Throws<TaskStartFailure>(() => TaskLaunchPlan.For(TaskOf([Container("a", ("b", "START")), Container("b", ("a", "START"))])));
        Assert.Contains("cycle", failure.Reason);
    }

    [Fact]
    public void A_dependency_on_an_unknown_container_fails_the_task()
    {
        var failure = Assert.Throws<TaskStartFailure>(() => TaskLaunchPlan.For(TaskOf([Container("a", ("ghost", "START"))])));
        Assert.Contains("ghost", failure.Reason);
    }

    [Fact]
    public void Secrets_fail_the_task_rather_than_starting_without_them()
    {
        var failure = Assert.Throws<TaskStartFailure>(() => TaskLaunchPlan.For(TaskOf([
            Container("a") with { Secrets = [new Secret { Name = "PASSWORD", ValueFrom = "arn:aws:secretsmanager:us-east-1:1:secret:x" }] },
        ])));
        Assert.StartsWith("ResourceInitializationError:", failure.Reason);
        Assert.Equal("a", failure.ContainerName);
    }

    [Fact]
    public void Overrides_replace_command_and_resources_and_merge_environment_by_name()
    {
        var definition = Container("a") with
        {
            Command = ["old"],
            Cpu = 128,
            Environment = [new KeyValuePair { Name = "A", Value = "1" }, new KeyValuePair { Name = "B", Value = "2" }],
        };
        var merged = TaskLaunchPlan.ApplyOverride(definition, new TaskOverride
        {
            ContainerOverrides = [new ContainerOverride
            {
                Name = "a", Command = ["new"], Memory = 64,
                Environment = [new KeyValuePair { Name = "B", Value = "two" }, new KeyValuePair { Name = "C", Value = "3" }],
            }],
        });

        Assert.Equal(["new"], merged.Command);
        Assert.Equal(128, merged.Cpu);
        Assert.Equal(64, merged.Memory);
        Assert.Equal(["A=1", "B=two", "C=3"], merged.Environment!.Select(variable => $"{variable.Name}={variable.Value}"));
    }

    [Fact]
    public void Dynamic_and_fixed_host_ports_and_port_ranges_become_Docker_bindings()
    {
        var task = TaskOf([Container("a") with
        {
            PortMappings = [
                new PortMapping { ContainerPort = 80 },
                new PortMapping { ContainerPort = 53, HostPort = 5353, Protocol = "udp" },
                new PortMapping { ContainerPortRange = "9000-9002" },
            ],
        }]);
        var plan = TaskLaunchPlan.For(task);
        var context = new ContainerLaunchContext
        {
            TaskArn = "arn", ContainerInstanceArn = "ci", DockerNames = new Dictionary<string, string> { ["a"] = "ecs-f-3-a-x" },
            Volumes = new Dictionary<string, VolumeSource>(), DefaultStopTimeout = TimeSpan.FromSeconds(30),
        };

        var parameters = DockerContainerSpec.Build(task, plan, plan.Containers[0], "ecs-f-3-a-x", context);

        var bindings = parameters.HostConfig!.PortBindings;
        Assert.Equal("", bindings["80/tcp"].Single().HostPort);
        Assert.Equal("5353", bindings["53/udp"].Single().HostPort);
        Assert.Equal(["80/tcp", "53/udp", "9000/tcp", "9001/tcp", "9002/tcp"], parameters.ExposedPorts!.Keys);
        // No cpu: the ECS agent's minimum shares, not Docker's default 1024.
        Assert.Equal(2, parameters.HostConfig.CPUShares);
        Assert.Equal(TimeSpan.FromSeconds(30), parameters.StopTimeout);
        Assert.Null(parameters.Cmd);
    }
}
