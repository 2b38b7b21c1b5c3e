using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;

namespace Actors.Domain.Tests.ContainerInstances;

internal static class ContainerInstanceFixtures
{
    public const string Cluster = "prod";
    public const string InstanceId = "0123456789abcdef0123456789abcdef";
    public static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static RequestContext Context(int minutesAfterT0 = 0) => new(T0.AddMinutes(minutesAfterT0), $"req-{minutesAfterT0}", "AKIDEXAMPLE");

    public static ImmutableList<Resource> Resources(int cpu = 2048, int memory = 4096, params string[] extraPorts) =>
    [
        Resource.Integer(ResourceNames.Cpu, cpu),
        Resource.Integer(ResourceNames.Memory, memory),
        Resource.StringSet(ResourceNames.Ports, new[] { "22", "2375", "2376", "51678" }.Concat(extraPorts)),
        Resource.StringSet(ResourceNames.UdpPorts, []),
    ];

    public static ImmutableList<Attribute> AgentAttributes =>
    [
        new("ecs.os-type", "linux"),
        new("ecs.cpu-architecture", "x86_64"),
        new("ecs.instance-type", "t3.large"),
        new("ecs.availability-zone", "eu-west-1a"),
        new("ecs.capability.docker-remote-api.1.44"),
    ];

    public static RegisterContainerInstance Register(
        int minutesAfterT0 = 0,
        ImmutableList<Resource>? resources = null,
        ImmutableList<Attribute>? attributes = null,
        ImmutableList<Tag>? tags = null,
        string agentVersion = "1.80.0",
        string instanceId = InstanceId,
        ImmutableList<PlatformDevice>? devices = null) =>
        new(Context(minutesAfterT0), Cluster, instanceId, "host-1", resources ?? Resources(),
            new VersionInfo(agentVersion, "abc123", "27.0.1"), attributes ?? AgentAttributes, tags ?? [], devices);

    public static ContainerInstanceState Empty() => ContainerInstance.Empty(ContainerInstanceState.EntityIdOf(Cluster, InstanceId));

    public static ContainerInstanceState Registered() => Run(Empty(), Register());

    /// <summary>Decides and applies a command that must be accepted.</summary>
    public static ContainerInstanceState Run(ContainerInstanceState state, IContainerInstanceCommand command)
    {
        var decision = ContainerInstance.Decide(state, command);
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        return decision.Events.Aggregate(state, ContainerInstance.Apply);
    }

    public static DomainError Refusal(ContainerInstanceState state, IContainerInstanceCommand command)
    {
        var decision = ContainerInstance.Decide(state, command);
        Assert.False(decision.IsAccepted, "The command was accepted.");
        Assert.Empty(decision.Events);
        return decision.Error!;
    }
}
