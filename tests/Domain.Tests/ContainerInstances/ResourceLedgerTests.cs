using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using static Actors.Domain.Tests.ContainerInstances.ContainerInstanceFixtures;

namespace Actors.Domain.Tests.ContainerInstances;

public class ResourceLedgerTests
{
    private static readonly ImmutableList<Resource> Registered = Resources(cpu: 1024, memory: 2048);

    [Fact]
    public void Reserve_subtracts_cpu_and_memory_and_marks_ports_in_use()
    {
        var reservation = ResourceLedger.Reserve(Registered, Registered, ResourceDemand.Of(256, 512, [80, 443], [53]));

        Assert.True(reservation.Succeeded);
        var remaining = reservation.Remaining!;
        Assert.Equal(768, ResourceLedger.Amount(remaining, ResourceNames.Cpu));
        Assert.Equal(1536, ResourceLedger.Amount(remaining, ResourceNames.Memory));
        Assert.Equal(["22", "80", "443", "2375", "2376", "51678"], remaining.Single(r => r.Name == ResourceNames.Ports).StringSetValue);
        Assert.Equal(["53"], ResourceLedger.PortSet(remaining, ResourceNames.UdpPorts));
        Assert.Equal(ResourceTypes.Integer, remaining.Single(r => r.Name == ResourceNames.Cpu).Type);
    }

    public static TheoryData<string, ResourceDemand, string?> Demands => new()
    {
        { "exactly everything", ResourceDemand.Of(1024, 2048), null },
        { "one cpu unit too many", ResourceDemand.Of(1025, 1), ResourceFailureReasons.Cpu },
        { "one MiB too many", ResourceDemand.Of(1, 2049), ResourceFailureReasons.Memory },
        { "cpu is checked before memory", ResourceDemand.Of(5000, 5000), ResourceFailureReasons.Cpu },
        { "a port the agent keeps", ResourceDemand.Of(1, 1, [22]), ResourceFailureReasons.Ports },
        { "the same port twice", ResourceDemand.Of(1, 1, [8080, 8080]), ResourceFailureReasons.Ports },
        { "a udp port twice", ResourceDemand.Of(1, 1, [], [53, 53]), ResourceFailureReasons.UdpPorts },
        { "tcp 22 does not block udp 22", ResourceDemand.Of(1, 1, [], [22]), null },
        { "nothing", ResourceDemand.None, null },
    };

    [Theory]
    [MemberData(nameof(Demands))]
    public void Reserve_refuses_over_commit_naming_the_resource(string why, ResourceDemand demand, string? expectedFailure)
    {
        var reservation = ResourceLedger.Reserve(Registered, Registered, demand);
        Assert.True(expectedFailure == reservation.FailureReason, why);
        Assert.Equal(expectedFailure is null, reservation.Remaining is not null);
    }

    [Fact]
    public void A_port_taken_by_one_task_is_refused_to_the_next()
    {
        var first = ResourceLedger.Reserve(Registered, Registered, ResourceDemand.Of(1, 1, [8080], [5000])).Remaining!;
        Assert.Equal(ResourceFailureReasons.Ports, ResourceLedger.Reserve(Registered, first, ResourceDemand.Of(1, 1, [8080])).FailureReason);
        Assert.Equal(ResourceFailureReasons.UdpPorts, ResourceLedger.Reserve(Registered, first, ResourceDemand.Of(1, 1, [], [5000])).FailureReason);
        Assert.True(ResourceLedger.Reserve(Registered, first, ResourceDemand.Of(1, 1, [8081])).Succeeded);
    }

    [Fact]
    public void Remaining_runs_down_to_zero_and_then_refuses()
    {
        var remaining = Registered;
        for (var i = 0; i < 4; i++)
            remaining = ResourceLedger.Reserve(Registered, remaining, ResourceDemand.Of(256, 512)).Remaining!;
        Assert.Equal(0, ResourceLedger.Amount(remaining, ResourceNames.Cpu));
        Assert.Equal(0, ResourceLedger.Amount(remaining, ResourceNames.Memory));
        Assert.Equal(ResourceFailureReasons.Cpu, ResourceLedger.Reserve(Registered, remaining, ResourceDemand.Of(1, 0)).FailureReason);
        Assert.True(ResourceLedger.Reserve(Registered, remaining, ResourceDemand.None).Succeeded);
    }

    [Fact]
    public void Release_gives_back_what_reserve_took()
    {
        var demand = ResourceDemand.Of(256, 512, [80], [53]);
        var reserved = ResourceLedger.Reserve(Registered, Registered, demand).Remaining!;
        var released = ResourceLedger.Release(Registered, reserved, demand);
        Assert.Equal(Registered, released);
    }

    [Fact]
    public void Release_never_exceeds_registered_nor_frees_the_agents_ports()
    {
        var released = ResourceLedger.Release(Registered, Registered, ResourceDemand.Of(5000, 5000, [22, 8080], [53]));
        Assert.Equal(1024, ResourceLedger.Amount(released, ResourceNames.Cpu));
        Assert.Equal(2048, ResourceLedger.Amount(released, ResourceNames.Memory));
        Assert.Equal(ResourceLedger.PortSet(Registered, ResourceNames.Ports), ResourceLedger.PortSet(released, ResourceNames.Ports));
    }

    [Fact]
    public void Releasing_twice_does_not_invent_capacity()
    {
        var demand = ResourceDemand.Of(512, 1024);
        var remaining = ResourceLedger.Reserve(Registered, Registered, demand).Remaining!;
        remaining = ResourceLedger.Release(Registered, remaining, demand);
        remaining = ResourceLedger.Release(Registered, remaining, demand);
        Assert.Equal(1024, ResourceLedger.Amount(remaining, ResourceNames.Cpu));
        Assert.Equal(2048, ResourceLedger.Amount(remaining, ResourceNames.Memory));
    }

    [Fact]
    public void Reserved_is_registered_minus_remaining()
    {
        var remaining = ResourceLedger.Reserve(Registered, Registered, ResourceDemand.Of(100, 200, [9000, 80], [53])).Remaining!;
        var held = ResourceLedger.Reserved(Registered, remaining);
        Assert.Equal((100, 200), (held.Cpu, held.Memory));
        Assert.Equal([80, 9000], held.Ports);
        Assert.Equal([53], held.UdpPorts);
    }

    [Fact]
    public void Rebase_carries_what_tasks_hold_onto_new_totals_and_never_goes_negative()
    {
        var remaining = ResourceLedger.Reserve(Registered, Registered, ResourceDemand.Of(512, 1024, [8080])).Remaining!;

        var grown = ResourceLedger.Rebase(Registered, remaining, Resources(cpu: 4096, memory: 8192));
        Assert.Equal(4096 - 512, ResourceLedger.Amount(grown, ResourceNames.Cpu));
        Assert.Equal(8192 - 1024, ResourceLedger.Amount(grown, ResourceNames.Memory));
        Assert.Contains("8080", ResourceLedger.PortSet(grown, ResourceNames.Ports));

        var shrunk = ResourceLedger.Rebase(Registered, remaining, Resources(cpu: 256, memory: 256));
        Assert.Equal(0, ResourceLedger.Amount(shrunk, ResourceNames.Cpu));
        Assert.Equal(0, ResourceLedger.Amount(shrunk, ResourceNames.Memory));
    }

    [Fact]
    public void Long_typed_resources_stay_long()
    {
        ImmutableList<Resource> registered = [new Resource(ResourceNames.Memory, ResourceTypes.Long, LongValue: 4096)];
        var remaining = ResourceLedger.Reserve(registered, registered, ResourceDemand.Of(0, 1000)).Remaining!;
        var memory = remaining.Single();
        Assert.Equal((ResourceTypes.Long, 3096L, (int?)null), (memory.Type, memory.LongValue, memory.IntegerValue));
    }

    [Fact]
    public void An_instance_without_a_resource_has_none_of_it()
    {
        ImmutableList<Resource> registered = [Resource.Integer(ResourceNames.Memory, 100)];
        Assert.Equal(ResourceFailureReasons.Cpu, ResourceLedger.Reserve(registered, registered, ResourceDemand.Of(1, 1)).FailureReason);
        var withPort = ResourceLedger.Reserve(registered, registered, ResourceDemand.Of(0, 1, [80])).Remaining!;
        Assert.Equal(["80"], ResourceLedger.PortSet(withPort, ResourceNames.Ports));
    }

    [Fact]
    public void Works_on_an_instance_state()
    {
        var state = Registered();
        var reservation = ResourceLedger.Reserve(state, ResourceDemand.Of(2048, 4096));
        Assert.True(reservation.Succeeded);
        Assert.Equal(ResourceFailureReasons.Memory, ResourceLedger.Reserve(state, ResourceDemand.Of(1, 4097)).FailureReason);
        Assert.Equal(state.RegisteredResources, ResourceLedger.Release(state with { RemainingResources = reservation.Remaining! }, ResourceDemand.Of(2048, 4096)));
    }

    [Theory]
    [InlineData(-1, 0, 80)]
    [InlineData(0, -1, 80)]
    [InlineData(0, 0, 0)]
    [InlineData(0, 0, 65536)]
    public void Nonsense_demands_are_a_programming_error(int cpu, int memory, int port) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ResourceLedger.Reserve(Registered, Registered, ResourceDemand.Of(cpu, memory, [port])));
}
