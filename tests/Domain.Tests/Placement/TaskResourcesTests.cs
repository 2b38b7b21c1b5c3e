using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Placement;

public class TaskResourcesTests
{
    private static ContainerDefinition Container(string name, int? cpu = null, int? memory = null, int? reservation = null, params PortMapping[] ports) =>
        new() { Name = name, Image = "nginx", Cpu = cpu, Memory = memory, MemoryReservation = reservation, PortMappings = ports };

    private static PortMapping Port(int containerPort, int? hostPort = null, string? protocol = null) =>
        new() { ContainerPort = containerPort, HostPort = hostPort, Protocol = protocol };

    private static TaskDefinitionSpec Spec(string? networkMode, params ContainerDefinition[] containers) =>
        new() { Family = "web", NetworkMode = networkMode, ContainerDefinitions = containers };

    [Fact]
    public void Without_task_level_sizes_cpu_is_summed_and_memory_counts_the_reservation_where_set_else_the_hard_limit()
    {
        var spec = Spec(null, Container("app", cpu: 256, memory: 1024, reservation: 256), Container("sidecar", cpu: 128, memory: 128), Container("bare"));

        var demand = TaskResources.Demand(spec, null);

        Assert.Equal(384, demand.Cpu);
        Assert.Equal(256 + 128, demand.Memory);
    }

    [Fact]
    public void Task_level_cpu_and_memory_win_over_the_containers_and_accept_ecs_units()
    {
        var spec = Spec(null, Container("app", cpu: 256, memory: 1024)) with { Cpu = "1 vCPU", Memory = "2 GB" };

        var demand = TaskResources.Demand(spec, null);

        Assert.Equal(1024, demand.Cpu);
        Assert.Equal(2048, demand.Memory);
    }

    [Fact]
    public void Overrides_win_over_the_definition_at_task_and_container_level()
    {
        var spec = Spec(null, Container("app", cpu: 256, memory: 1024, reservation: 512), Container("sidecar", cpu: 128, memory: 128));
        var containerOverrides = new TaskOverride
        {
            ContainerOverrides = [new ContainerOverride { Name = "app", Cpu = 512, MemoryReservation = 300 }, new ContainerOverride { Name = "sidecar", Memory = 200 }],
        };

        var perContainer = TaskResources.Demand(spec, containerOverrides);
        var taskLevel = TaskResources.Demand(spec with { Cpu = "2048", Memory = "4096" }, new TaskOverride { Cpu = "512", Memory = "1024" });

        Assert.Equal((640, 500), (perContainer.Cpu, perContainer.Memory));
        Assert.Equal((512, 1024), (taskLevel.Cpu, taskLevel.Memory));
    }

    [Fact]
    public void A_hard_limit_override_does_not_replace_the_reservation_that_placement_counts()
    {
        var spec = Spec(null, Container("app", memory: 1024, reservation: 256));

        var demand = TaskResources.Demand(spec, new TaskOverride { ContainerOverrides = [new ContainerOverride { Name = "app", Memory = 4096 }] });

        Assert.Equal(256, demand.Memory);
    }

    [Fact]
    public void Bridge_mode_reserves_static_host_ports_by_protocol_and_nothing_for_dynamic_ones()
    {
        var spec = Spec(NetworkModes.Bridge,
            Container("app", memory: 128, ports: [Port(80, 8080), Port(53, 5353, "udp"), Port(9000, 0), Port(9001)]));

        var demand = TaskResources.Demand(spec, null);

        Assert.Equal([8080], demand.Ports);
        Assert.Equal([5353], demand.UdpPorts);
    }

    [Fact]
    public void Host_mode_binds_the_container_port_itself()
    {
        var spec = Spec(NetworkModes.Host, Container("app", memory: 128, ports: [Port(80), Port(443, 443), Port(514, protocol: "UDP")]));

        var demand = TaskResources.Demand(spec, null);

        Assert.Equal([80, 443], demand.Ports);
        Assert.Equal([514], demand.UdpPorts);
    }

    [Theory]
    [InlineData(NetworkModes.AwsVpc)]
    [InlineData(NetworkModes.None)]
    public void Modes_without_host_networking_reserve_no_host_port(string mode)
    {
        var demand = TaskResources.Demand(Spec(mode, Container("app", memory: 128, ports: [Port(80, 80)])), null);

        Assert.Empty(demand.Ports);
    }

    [Fact]
    public void Two_containers_binding_one_host_port_keep_both_so_the_ledger_refuses_every_instance()
    {
        var spec = Spec(NetworkModes.Bridge, Container("a", memory: 64, ports: [Port(80, 8080)]), Container("b", memory: 64, ports: [Port(81, 8080)]));

        var demand = TaskResources.Demand(spec, null);

        Assert.Equal([8080, 8080], demand.Ports);
        Assert.Equal(ResourceFailureReasons.Ports, ResourceLedger.Reserve(PlacementFixtures.Instance('a'), demand).FailureReason);
    }

    [Theory]
    [InlineData("lots", null)]
    [InlineData(null, "0.3 GB")]
    public void Unreadable_task_level_overrides_are_refused_before_placement(string? cpu, string? memory)
    {
        var overrides = new TaskOverride { Cpu = cpu, Memory = memory };

        Assert.Equal("InvalidParameterException", TaskResources.ValidateOverrides(overrides)?.Code);
        Assert.Throws<ArgumentException>(() => TaskResources.Demand(Spec(null, Container("app", memory: 128)), overrides));
    }
}
