using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tests.TaskDefinitions;

/// <summary>Small valid task definitions that tests change one member at a time.</summary>
internal static class TaskDefinitionFixtures
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static RequestContext Context(int minutesLater = 0) => new(Now.AddMinutes(minutesLater), $"req-{minutesLater}", "AKIDEXAMPLE");

    public static ContainerDefinition Container(string name = "web") => new() { Name = name, Image = "nginx:1.27", Memory = 128 };

    public static TaskDefinitionSpec Spec(params ContainerDefinition[] containers) => new()
    {
        Family = "web",
        ContainerDefinitions = containers.Length == 0 ? [Container()] : containers,
    };

    /// <summary>A spec Fargate can run: awsvpc with a size Fargate offers.</summary>
    public static TaskDefinitionSpec FargateSpec() => Spec(new ContainerDefinition { Name = "app", Image = "app:1" }) with
    {
        NetworkMode = NetworkModes.AwsVpc,
        Cpu = "256",
        Memory = "512",
        RequiresCompatibilities = [Compatibilities.Fargate],
    };
}
