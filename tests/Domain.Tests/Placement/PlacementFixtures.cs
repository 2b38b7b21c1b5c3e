using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tests.Placement;

internal static class PlacementFixtures
{
    public const string Cluster = "prod";
    public static readonly string[] AgentPorts = ["22", "2375", "2376", "51678"];

    /// <summary>A 32-character instance id made of one repeated hex digit, so tests can name instances 'a', 'b', ...</summary>
    public static string Id(char digit) => new(digit, 32);

    public static ContainerInstanceState Instance(
        char id,
        int cpu = 4096,
        int memory = 8192,
        string zone = "us-east-1a",
        ContainerInstanceStatus status = ContainerInstanceStatus.ACTIVE,
        bool connected = true,
        IEnumerable<string>? portsInUse = null,
        params Attribute[] attributes)
    {
        var registered = ImmutableList.Create(
            Resource.Integer(ResourceNames.Cpu, cpu),
            Resource.Integer(ResourceNames.Memory, memory),
            Resource.StringSet(ResourceNames.Ports, AgentPorts),
            Resource.StringSet(ResourceNames.UdpPorts, []));
        var remaining = registered.SetItem(2, Resource.StringSet(ResourceNames.Ports, AgentPorts.Concat(portsInUse ?? [])));
        return ContainerInstanceState.Unregistered(Cluster, Id(id)) with
        {
            Status = status,
            AgentConnected = connected,
            RegisteredResources = registered,
            RemainingResources = remaining,
            Attributes = ImmutableList.Create<Attribute>(new("ecs.availability-zone", zone), new("ecs.os-type", "linux")).AddRange(attributes),
        };
    }

    public static PlacementCandidate Candidate(ContainerInstanceState instance, params string[] groups) => PlacementCandidate.Of(instance, groups);

    public static PlacementRequest Request(
        int cpu = 256,
        int memory = 512,
        int count = 1,
        IEnumerable<int>? ports = null,
        IEnumerable<PlacementStrategy>? strategies = null,
        IEnumerable<PlacementConstraint>? constraints = null,
        IEnumerable<RequiredAttribute>? requires = null,
        string group = "family:web",
        int seed = 42) =>
        new(ResourceDemand.Of(cpu, memory, ports), (constraints ?? []).ToImmutableList(), (strategies ?? []).ToImmutableList(),
            count, group, (requires ?? []).ToImmutableList(), seed);

    public static long Remaining(ContainerInstanceState instance, string name) => ResourceLedger.Amount(instance.RemainingResources, name);
}
