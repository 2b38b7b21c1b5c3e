using System.Collections.Immutable;
using System.Text.Json;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using static Actors.Domain.Tests.ContainerInstances.ContainerInstanceFixtures;

namespace Actors.Domain.Tests.ContainerInstances;

public class ContainerInstanceTests
{
    [Fact]
    public void Empty_parses_cluster_and_instance_from_the_entity_id()
    {
        var state = ContainerInstance.Empty($"prod/{InstanceId}");
        Assert.Equal(("prod", InstanceId), (state.ClusterName, state.InstanceId));
        Assert.Null(state.Status);
        Assert.False(state.IsRegistered);
        Assert.Equal($"prod/{InstanceId}", state.EntityId);
        Assert.Throws<ArgumentException>(() => ContainerInstance.Empty("no-slash"));
    }

    [Fact]
    public void Registering_makes_an_active_instance_with_remaining_equal_to_registered()
    {
        var command = Register(tags: [new Tag("team", "infra")]);
        var decision = ContainerInstance.Decide(Empty(), command);

        var registered = Assert.IsType<ContainerInstanceRegistered>(Assert.Single(decision.Events));
        Assert.Equal("req-0", registered.Metadata.RequestId);
        var state = ContainerInstance.Apply(Empty(), registered);

        Assert.Equal(ContainerInstanceStatus.ACTIVE, state.Status);
        Assert.Equal("host-1", state.Ec2InstanceId);
        Assert.Equal("1.80.0", state.VersionInfo?.AgentVersion);
        Assert.Equal(Resources(), state.RegisteredResources);
        Assert.Equal(state.RegisteredResources, state.RemainingResources);
        Assert.Equal(AgentAttributes, state.Attributes);
        Assert.Equal([new Tag("team", "infra")], state.Tags);
        Assert.Equal(T0, state.RegisteredAt);
        Assert.Equal(1, state.Version);
        Assert.False(state.AgentConnected); // the agent's connection, not its registration, connects it
        Assert.Equal((0, 0), (state.RunningTasksCount, state.PendingTasksCount));
    }

    [Fact]
    public void Reregistering_refreshes_resources_and_agent_attributes_but_keeps_custom_ones_tags_and_held_resources()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1), [new Attribute("stack", "blue")]));
        state = Run(state, new TagContainerInstance(Context(1), [new Tag("team", "infra")]));
        // A task holds 512 CPU, 1024 MiB and port 8080.
        state = state with { RemainingResources = ResourceLedger.Reserve(state, ResourceDemand.Of(512, 1024, [8080])).Remaining! };
        var versionBefore = state.Version;

        var command = Register(minutesAfterT0: 5, resources: Resources(cpu: 4096, memory: 8192), agentVersion: "1.81.0",
            attributes: [new Attribute("ecs.os-type", "linux"), new Attribute("ecs.instance-type", "t3.xlarge")],
            tags: [new Tag("env", "prod")]);
        var decision = ContainerInstance.Decide(state, command);
        var reregistered = Assert.IsType<ContainerInstanceReregistered>(Assert.Single(decision.Events));
        state = ContainerInstance.Apply(state, reregistered);

        Assert.Equal(ContainerInstanceStatus.ACTIVE, state.Status);
        Assert.Equal(T0, state.RegisteredAt);
        Assert.Equal("1.81.0", state.VersionInfo?.AgentVersion);
        Assert.Equal(4096, ResourceLedger.Amount(state.RegisteredResources, ResourceNames.Cpu));
        Assert.Equal(4096 - 512, ResourceLedger.Amount(state.RemainingResources, ResourceNames.Cpu));
        Assert.Equal(8192 - 1024, ResourceLedger.Amount(state.RemainingResources, ResourceNames.Memory));
        Assert.Contains("8080", ResourceLedger.PortSet(state.RemainingResources, ResourceNames.Ports));
        Assert.Equal(["ecs.instance-type", "ecs.os-type", "stack"], state.Attributes.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal("t3.xlarge", state.AttributeValue("ecs.instance-type"));
        Assert.Null(state.AttributeValue("ecs.availability-zone"));
        Assert.Equal("blue", state.AttributeValue("stack"));
        Assert.Equal([new Tag("team", "infra"), new Tag("env", "prod")], state.Tags);
        Assert.Equal(versionBefore + 1, state.Version);
    }

    [Fact]
    public void Reregistering_a_draining_instance_keeps_it_draining()
    {
        var state = Run(Registered(), new UpdateContainerInstanceState(Context(1), "DRAINING"));
        state = Run(state, Register(minutesAfterT0: 2));
        Assert.Equal(ContainerInstanceStatus.DRAINING, state.Status);
    }

    public static TheoryData<string, Func<RegisterContainerInstance, RegisterContainerInstance>, string> InvalidRegistrations => new()
    {
        { "uppercase id", c => c with { InstanceId = "0123456789ABCDEF0123456789ABCDEF" }, ErrorCodes.InvalidParameter },
        { "short id", c => c with { InstanceId = "0123" }, ErrorCodes.InvalidParameter },
        { "bad cluster name", c => c with { Cluster = "has space" }, ErrorCodes.InvalidParameter },
        { "other cluster than the entity", c => c with { Cluster = "staging" }, ErrorCodes.InvalidParameter },
        { "negative cpu", c => c with { TotalResources = [Resource.Integer(ResourceNames.Cpu, -1)] }, ErrorCodes.InvalidParameter },
        { "memory as stringset", c => c with { TotalResources = [Resource.StringSet(ResourceNames.Memory, ["1"])] }, ErrorCodes.InvalidParameter },
        { "port out of range", c => c with { TotalResources = [Resource.StringSet(ResourceNames.Ports, ["70000"])] }, ErrorCodes.InvalidParameter },
        { "duplicate resource", c => c with { TotalResources = [Resource.Integer(ResourceNames.Cpu, 1), Resource.Integer(ResourceNames.Cpu, 2)] }, ErrorCodes.InvalidParameter },
        { "bad attribute name", c => c with { Attributes = [new Attribute("bad name", "x")] }, ErrorCodes.InvalidParameter },
        { "bad tag", c => c with { Tags = [new Tag("aws:x", "y")] }, ErrorCodes.InvalidParameter },
        { "bad device type", c => c with { PlatformDevices = [new PlatformDevice("gpu0", "TPU")] }, ErrorCodes.InvalidParameter },
        { "11 custom attributes", c => c with { Attributes = [.. Enumerable.Range(0, 11).Select(i => new Attribute($"custom{i}", "v"))] }, ErrorCodes.AttributeLimitExceeded },
        { "101 agent attributes", c => c with { Attributes = [.. Enumerable.Range(0, 101).Select(i => new Attribute($"ecs.capability.x{i}", null))] }, ErrorCodes.AttributeLimitExceeded },
        { "10,000 agent attributes", c => c with { Attributes = [.. Enumerable.Range(0, 10_000).Select(i => new Attribute($"ecs.x{i}", "v"))] }, ErrorCodes.AttributeLimitExceeded },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public void Refuses_invalid_registrations(string why, Func<RegisterContainerInstance, RegisterContainerInstance> change, string expectedCode) =>
        Assert.True(expectedCode == Refusal(Empty(), change(Register())).Code, why);

    [Fact]
    public void Agent_attributes_do_not_count_towards_the_custom_attribute_limit()
    {
        var attributes = AgentAttributes.AddRange(Enumerable.Range(0, 10).Select(i => new Attribute($"custom{i}", "v")));
        Assert.Equal(15, Run(Empty(), Register(attributes: attributes)).Attributes.Count);
    }

    [Fact]
    public void Up_to_100_agent_attributes_are_accepted_at_registration_and_at_reregistration_but_no_more()
    {
        static ImmutableList<Attribute> AgentAttributesNumbered(int count, string prefix) =>
            [.. Enumerable.Range(0, count).Select(i => new Attribute($"{prefix}{i}", "v"))];
        var state = Run(Empty(), Register(attributes: AgentAttributesNumbered(60, "ecs.a"), minutesAfterT0: 1));
        Assert.Equal(60, state.Attributes.Count);
        // A re-registration replaces the agent's attributes, so what counts is what the agent reports now.
        state = Run(state, Register(attributes: AgentAttributesNumbered(Attributes.MaxAgentPerInstance, "com.amazonaws.ecs.b"), minutesAfterT0: 2));
        Assert.Equal(Attributes.MaxAgentPerInstance, state.Attributes.Count);
        var refusal = Refusal(state, Register(attributes: AgentAttributesNumbered(Attributes.MaxAgentPerInstance + 1, "ecs.c"), minutesAfterT0: 3));
        Assert.Equal(ErrorCodes.AttributeLimitExceeded, refusal.Code);
        Assert.Contains("up to 100 agent attributes", refusal.Message);
    }

    [Fact]
    public void Registration_treats_absent_lists_as_empty()
    {
        var state = Run(Empty(), Register() with { TotalResources = null!, Attributes = null!, Tags = null!, VersionInfo = null });
        Assert.Equal(ContainerInstanceStatus.ACTIVE, state.Status);
        Assert.Empty(state.RegisteredResources);
        Assert.Empty(state.Attributes);
        Assert.Empty(state.Tags);
    }

    [Fact]
    public void Registration_accepts_gpus()
    {
        var state = Run(Empty(), Register(devices: [new PlatformDevice("GPU-1", "GPU")]));
        Assert.Equal([new PlatformDevice("GPU-1", "GPU")], state.PlatformDevices);
    }

    [Fact]
    public void A_deregistered_instance_cannot_register_again() =>
        Assert.Equal(ErrorCodes.Client, Refusal(Run(Registered(), new DeregisterContainerInstance(Context(1), false)), Register(2)).Code);

    [Fact]
    public void The_registering_key_is_the_instance_agent_and_may_register_it_again()
    {
        var state = Registered();
        Assert.Equal("AKIDEXAMPLE", state.RegisteredBy);
        Assert.True(ContainerInstance.IsAgentOf(state, "AKIDEXAMPLE"));
        Assert.False(ContainerInstance.IsAgentOf(state, "AKIDOTHERAGENT"));

        var again = Run(state, Register(5, agentVersion: "1.81.0"));
        Assert.Equal("1.81.0", again.VersionInfo!.AgentVersion);
        Assert.Equal("AKIDEXAMPLE", again.RegisteredBy);
    }

    [Fact]
    public void Another_key_may_not_register_the_instance_again()
    {
        var otherKey = Register(5) with { Context = Context(5) with { Principal = "AKIDOTHERAGENT" } };

        var refusal = Refusal(Registered(), otherKey);

        Assert.Equal(ErrorCodes.AccessDenied, refusal.Code);
        Assert.Contains("AKIDOTHERAGENT", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIDEXAMPLE", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_instance_without_a_recorded_agent_answers_no_key()
    {
        // A snapshot written before the agent was kept: no key can claim the instance by registering it again.
        var state = Registered() with { RegisteredBy = null };

        Assert.False(ContainerInstance.IsAgentOf(state, "AKIDEXAMPLE"));
        Assert.Equal(ErrorCodes.AccessDenied, Refusal(state, Register(5)).Code);
    }

    [Fact]
    public void Deregistering_makes_the_instance_inactive()
    {
        var decision = ContainerInstance.Decide(Registered(), new DeregisterContainerInstance(Context(1), false));
        var deregistered = Assert.IsType<ContainerInstanceDeregistered>(Assert.Single(decision.Events));
        Assert.False(deregistered.Forced);
        var state = ContainerInstance.Apply(Registered(), deregistered);
        Assert.Equal(ContainerInstanceStatus.INACTIVE, state.Status);
        Assert.False(state.IsRegistered);
        Assert.Equal(2, state.Version);
    }

    [Theory]
    [InlineData(1, 0, false, ErrorCodes.InvalidParameter)]
    [InlineData(0, 1, false, ErrorCodes.InvalidParameter)]
    [InlineData(3, 2, true, null)]
    [InlineData(0, 0, false, null)]
    public void Deregistering_with_tasks_needs_force(int running, int pending, bool force, string? expectedError)
    {
        var state = Registered() with { RunningTasksCount = running, PendingTasksCount = pending };
        var decision = ContainerInstance.Decide(state, new DeregisterContainerInstance(Context(1), force));
        Assert.Equal(expectedError, decision.Error?.Code);
        if (expectedError is null)
            Assert.Equal(running + pending > 0, Assert.IsType<ContainerInstanceDeregistered>(Assert.Single(decision.Events)).Forced);
    }

    [Theory]
    [InlineData("ACTIVE", "DRAINING", ContainerInstanceStatus.DRAINING)]
    [InlineData("DRAINING", "ACTIVE", ContainerInstanceStatus.ACTIVE)]
    public void Updates_state_between_active_and_draining(string from, string to, ContainerInstanceStatus expected)
    {
        var state = Registered() with { Status = Enum.Parse<ContainerInstanceStatus>(from) };
        var decision = ContainerInstance.Decide(state, new UpdateContainerInstanceState(Context(1), to));
        var changed = Assert.IsType<ContainerInstanceStateChanged>(Assert.Single(decision.Events));
        Assert.Equal(expected, ContainerInstance.Apply(state, changed).Status);
    }

    [Fact]
    public void Updating_to_the_current_state_records_nothing()
    {
        var decision = ContainerInstance.Decide(Registered(), new UpdateContainerInstanceState(Context(1), "ACTIVE"));
        Assert.True(decision.IsAccepted);
        Assert.Empty(decision.Events);
    }

    [Theory]
    [InlineData("INACTIVE")]
    [InlineData("REGISTERING")]
    [InlineData("DEREGISTERING")]
    [InlineData("draining")]
    [InlineData("")]
    public void Only_active_and_draining_are_valid_target_states(string status) =>
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new UpdateContainerInstanceState(Context(1), status)).Code);

    [Theory]
    [InlineData(ContainerInstanceStatus.REGISTERING)]
    [InlineData(ContainerInstanceStatus.DEREGISTERING)]
    public void Instances_in_transition_cannot_change_state(ContainerInstanceStatus status) =>
        Assert.Equal(ErrorCodes.InvalidParameter,
            Refusal(Registered() with { Status = status }, new UpdateContainerInstanceState(Context(1), "DRAINING")).Code);

    [Fact]
    public void Puts_and_overwrites_custom_attributes()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1),
            [new Attribute("stack", "blue", "container-instance", InstanceId), new Attribute("gpu-ready")]));
        Assert.Equal("blue", state.AttributeValue("stack"));
        Assert.True(state.HasAttribute("gpu-ready"));
        Assert.Null(state.AttributeValue("gpu-ready"));
        Assert.All(state.Attributes, a => Assert.Null(a.TargetId));

        state = Run(state, new PutContainerInstanceAttributes(Context(2), [new Attribute("stack", "green")]));
        Assert.Equal("green", state.AttributeValue("stack"));
        Assert.Single(state.Attributes, a => a.Name == "stack");
        Assert.Equal(3, state.Version);
    }

    [Fact]
    public void Putting_the_same_attribute_again_records_nothing()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1), [new Attribute("stack", "blue")]));
        var decision = ContainerInstance.Decide(state, new PutContainerInstanceAttributes(Context(2), [new Attribute("stack", "blue")]));
        Assert.True(decision.IsAccepted);
        Assert.Empty(decision.Events);
    }

    [Theory]
    [InlineData("stack", "blue", null)]
    [InlineData("a/b\\c.d-e_f", "x@y:z/w\\v with spaces", null)]
    [InlineData("", "v", ErrorCodes.InvalidParameter)]
    [InlineData("has space", "v", ErrorCodes.InvalidParameter)]
    [InlineData("colon:name", "v", ErrorCodes.InvalidParameter)]
    [InlineData("stack", "", ErrorCodes.InvalidParameter)]
    [InlineData("stack", " leading", ErrorCodes.InvalidParameter)]
    [InlineData("stack", "trailing ", ErrorCodes.InvalidParameter)]
    [InlineData("stack", "hash#", ErrorCodes.InvalidParameter)]
    [InlineData("ecs.instance-type", "fake", ErrorCodes.InvalidParameter)]
    public void Validates_attribute_names_and_values(string name, string value, string? expectedError) =>
        Assert.Equal(expectedError,
            ContainerInstance.Decide(Registered(), new PutContainerInstanceAttributes(Context(1), [new Attribute(name, value)])).Error?.Code);

    [Theory]
    [InlineData(128, 128, null)]
    [InlineData(129, 1, ErrorCodes.InvalidParameter)]
    [InlineData(1, 129, ErrorCodes.InvalidParameter)]
    public void Attribute_names_and_values_are_at_most_128_characters(int nameLength, int valueLength, string? expectedError) =>
        Assert.Equal(expectedError, ContainerInstance.Decide(Registered(),
            new PutContainerInstanceAttributes(Context(1), [new Attribute(new string('n', nameLength), new string('v', valueLength))])).Error?.Code);

    [Fact]
    public void An_eleventh_custom_attribute_exceeds_the_limit_but_overwriting_does_not()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1),
            [.. Enumerable.Range(0, 10).Select(i => new Attribute($"custom{i}", "v"))]));
        Assert.Null(ContainerInstance.Decide(state, new PutContainerInstanceAttributes(Context(2), [new Attribute("custom3", "w")])).Error);
        Assert.Equal(ErrorCodes.AttributeLimitExceeded,
            Refusal(state, new PutContainerInstanceAttributes(Context(2), [new Attribute("custom10", "v")])).Code);
    }

    [Fact]
    public void Deletes_attributes_by_name_and_ignores_missing_ones()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1), [new Attribute("stack", "blue"), new Attribute("tier", "web")]));
        var decision = ContainerInstance.Decide(state, new DeleteContainerInstanceAttributes(Context(2), ["stack", "missing"]));
        var deleted = Assert.IsType<ContainerInstanceAttributesDeleted>(Assert.Single(decision.Events));
        Assert.Equal(["stack"], deleted.Names);
        state = ContainerInstance.Apply(state, deleted);
        Assert.False(state.HasAttribute("stack"));
        Assert.True(state.HasAttribute("tier"));

        Assert.Empty(ContainerInstance.Decide(state, new DeleteContainerInstanceAttributes(Context(3), ["missing"])).Events);
    }

    [Theory]
    [InlineData("ecs.os-type")]
    [InlineData("bad name")]
    public void Refuses_to_delete_agent_attributes_or_invalid_names(string name) =>
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new DeleteContainerInstanceAttributes(Context(1), [name])).Code);

    [Fact]
    public void Tags_and_untags()
    {
        var state = Run(Registered(), new TagContainerInstance(Context(1), [new Tag("a", "1"), new Tag("b", "2")]));
        state = Run(state, new TagContainerInstance(Context(2), [new Tag("b", "3")]));
        Assert.Equal([new Tag("a", "1"), new Tag("b", "3")], state.Tags);
        state = Run(state, new UntagContainerInstance(Context(3), ["a", "missing"]));
        Assert.Equal([new Tag("b", "3")], state.Tags);
        Assert.Equal(4, state.Version);
    }

    [Fact]
    public void Tagging_with_what_is_already_there_records_nothing()
    {
        var state = Run(Registered(), new TagContainerInstance(Context(1), [new Tag("a", "1")]));
        Assert.Empty(ContainerInstance.Decide(state, new TagContainerInstance(Context(2), [new Tag("a", "1")])).Events);
        Assert.Empty(ContainerInstance.Decide(state, new UntagContainerInstance(Context(2), ["zzz"])).Events);
    }

    [Fact]
    public void Refuses_invalid_tagging()
    {
        var full = Run(Registered(), new TagContainerInstance(Context(1), [.. Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v"))]));
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(full, new TagContainerInstance(Context(2), [new Tag("k50", "v")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new TagContainerInstance(Context(2), [])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new TagContainerInstance(Context(2), [new Tag("aws:x", "v")])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new UntagContainerInstance(Context(2), [])).Code);
        Assert.Equal(ErrorCodes.InvalidParameter, Refusal(Registered(), new UntagContainerInstance(Context(2), [""])).Code);
    }

    public static TheoryData<string, IContainerInstanceCommand, string> CommandsNeedingARegisteredInstance => new()
    {
        { "deregister", new DeregisterContainerInstance(Context(9), true), ErrorCodes.InvalidParameter },
        { "update state", new UpdateContainerInstanceState(Context(9), "DRAINING"), ErrorCodes.InvalidParameter },
        { "put attributes", new PutContainerInstanceAttributes(Context(9), [new Attribute("stack", "blue")]), ErrorCodes.TargetNotFound },
        { "delete attributes", new DeleteContainerInstanceAttributes(Context(9), ["stack"]), ErrorCodes.TargetNotFound },
        { "tag", new TagContainerInstance(Context(9), [new Tag("a", "1")]), ErrorCodes.ResourceNotFound },
        { "untag", new UntagContainerInstance(Context(9), ["a"]), ErrorCodes.ResourceNotFound },
    };

    [Theory]
    [MemberData(nameof(CommandsNeedingARegisteredInstance))]
    public void Commands_against_an_unknown_instance_are_refused(string why, IContainerInstanceCommand command, string expectedCode) =>
        Assert.True(expectedCode == Refusal(Empty(), command).Code, why);

    [Theory]
    [MemberData(nameof(CommandsNeedingARegisteredInstance))]
    public void Commands_against_a_deregistered_instance_are_refused(string why, IContainerInstanceCommand command, string expectedCode)
    {
        var inactive = Run(Registered(), new DeregisterContainerInstance(Context(1), false));
        Assert.True(expectedCode == Refusal(inactive, command).Code, why);
    }

    [Fact]
    public void Every_event_increments_the_version()
    {
        var state = Registered();
        IContainerInstanceCommand[] commands =
        [
            new UpdateContainerInstanceState(Context(1), "DRAINING"),
            new PutContainerInstanceAttributes(Context(2), [new Attribute("stack", "blue")]),
            new DeleteContainerInstanceAttributes(Context(3), ["stack"]),
            new TagContainerInstance(Context(4), [new Tag("a", "1")]),
            new UntagContainerInstance(Context(5), ["a"]),
            Register(6),
            new DeregisterContainerInstance(Context(7), false),
        ];
        foreach (var command in commands)
        {
            var before = state.Version;
            state = Run(state, command);
            Assert.Equal(before + 1, state.Version);
        }
    }

    [Fact]
    public void State_round_trips_through_System_Text_Json()
    {
        var state = Run(Registered(), new PutContainerInstanceAttributes(Context(1), [new Attribute("stack", "blue"), new Attribute("flag")]));
        state = Run(state, new TagContainerInstance(Context(2), [new Tag("team", null)]));
        state = Run(state, new UpdateContainerInstanceState(Context(3), "DRAINING")) with
        {
            PlatformDevices = [new PlatformDevice("GPU-1", "GPU")],
            LastHeartbeatAt = T0.AddMinutes(4),
        };

        var json = JsonSerializer.Serialize(state);
        var copy = JsonSerializer.Deserialize<ContainerInstanceState>(json)!;

        Assert.Contains("\"DRAINING\"", json);
        Assert.DoesNotContain("NumericValue", json); // derived members stay off the wire
        Assert.DoesNotContain("IsRegistered", json);
        Assert.Equal(json, JsonSerializer.Serialize(copy));
        Assert.Equal(state.RegisteredResources, copy.RegisteredResources);
        Assert.Equal(state.Attributes, copy.Attributes);
        Assert.Equal(state.Tags, copy.Tags);
        Assert.Equal(state with { RegisteredResources = copy.RegisteredResources, RemainingResources = copy.RemainingResources, Attributes = copy.Attributes, Tags = copy.Tags, PlatformDevices = copy.PlatformDevices }, copy);
    }

    [Fact]
    public void A_registration_names_its_instance_by_what_it_re_registers_by_its_registration_id_or_afresh()
    {
        var drawn = 0;
        string Draw() => $"{++drawn:x32}";
        var unnamed = Register() with { InstanceId = null };

        Assert.Equal(InstanceId, ContainerInstance.Named(Register(), Draw).InstanceId);
        var first = ContainerInstance.Named(unnamed with { RegistrationId = "reg-1" }, Draw).InstanceId;
        Assert.True(ContainerInstance.IsValidInstanceId(first));
        // Every retry of one registration names the same instance; the next registration, or another cluster, another one.
        Assert.Equal(first, ContainerInstance.Named(unnamed with { RegistrationId = "reg-1" }, Draw).InstanceId);
        Assert.NotEqual(first, ContainerInstance.Named(unnamed with { RegistrationId = "reg-2" }, Draw).InstanceId);
        Assert.NotEqual(first, ContainerInstance.Named(unnamed with { Cluster = "other", RegistrationId = "reg-1" }, Draw).InstanceId);
        Assert.Equal(0, drawn);
        Assert.Equal($"{1:x32}", ContainerInstance.Named(unnamed, Draw).InstanceId);
    }
}
