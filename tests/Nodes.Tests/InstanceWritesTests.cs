using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit.Abstractions;
using Attribute = Actors.Domain.ContainerInstances.Attribute;

namespace Actors.Nodes.Tests;

/// <summary>Attribute and state changes of several instances as one decision of their cluster's scheduler, on the real node wiring.</summary>
public class InstanceWritesTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private const string Cluster = "web";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private int _requests;

    private RequestContext Context() => new(Clock.GetUtcNow(), $"req-{Interlocked.Increment(ref _requests)}-{Guid.NewGuid():N}", "AKIATEST");

    private Task<T> AskCluster<T>(object message) => Clusters.Ask<T>(new ShardingEnvelope(Cluster, message), Patience);

    private async Task<ContainerInstanceState> Instance(string instanceId) =>
        (await Instances.Ask<EntityResponse<ContainerInstanceState>>(
            new ShardingEnvelope(ContainerInstanceState.EntityIdOf(Cluster, instanceId), GetEntityState.Instance), Patience)).State;

    private async Task<string> Register()
    {
        var id = Guid.NewGuid().ToString("N");
        var registered = await AskCluster<EntityResponse<ContainerInstanceState>>(new RegisterInstance(new RegisterContainerInstance(Context(), Cluster, id,
            null, [Resource.Integer(ResourceNames.Cpu, 1024), Resource.Integer(ResourceNames.Memory, 1024)], null, [], []), MaxInstances: 100));
        Assert.Null(registered.Error);
        return id;
    }

    private async Task<List<string>> ClusterWithInstances(int count)
    {
        Assert.Null((await AskCluster<EntityResponse<ClusterState>>(new CreateCluster(Context(), [], [], null, null, []))).Error);
        var ids = new List<string>();
        for (var i = 0; i < count; i++) ids.Add(await Register());
        return ids;
    }

    private Task<InstanceAttributesChanged> Put(params (string InstanceId, string Name, string Value)[] attributes) =>
        AskCluster<InstanceAttributesChanged>(new ChangeInstanceAttributes(Context(), [.. attributes.GroupBy(a => a.InstanceId)
            .Select(g => new InstanceAttributeTarget(g.Key, [.. g.Select(a => new Attribute(a.Name, a.Value))]))], Delete: false));

    [Fact]
    public async Task Attributes_right_after_registration_are_decided_on_what_the_registration_left()
    {
        var instances = await ClusterWithInstances(2);
        // No change feed needed: the scheduler knows the registrations it made.
        Assert.Null((await Put((instances[0], "stack", "prod"), (instances[1], "stack", "prod"))).Error);
        foreach (var id in instances) Assert.Equal("prod", (await Instance(id)).AttributeValue("stack"));
    }

    [Fact]
    public async Task A_put_with_one_unknown_target_changes_no_instance()
    {
        var instances = await ClusterWithInstances(2);
        var unknown = Guid.NewGuid().ToString("N");
        var refused = await Put((instances[0], "stack", "prod"), (unknown, "stack", "prod"), (instances[1], "stack", "prod"));
        Assert.Equal(ErrorCodes.TargetNotFound, refused.Error?.Code);
        foreach (var id in instances) Assert.Null((await Instance(id)).AttributeValue("stack"));
    }

    [Fact]
    public async Task A_put_that_one_instance_cannot_hold_changes_no_instance_even_right_after_the_writes_that_filled_it()
    {
        var instances = await ClusterWithInstances(2);
        // Ten custom attributes fill the first instance; each put is decided on the outcome of the one before, feed or not.
        for (var i = 0; i < Attributes.MaxCustomPerResource; i++) Assert.Null((await Put((instances[0], $"a{i}", "x"))).Error);
        var refused = await Put((instances[1], "stack", "prod"), (instances[0], "one-too-many", "x"));
        Assert.Equal(ErrorCodes.AttributeLimitExceeded, refused.Error?.Code);
        Assert.Null((await Instance(instances[1])).AttributeValue("stack"));
        Assert.Null((await Instance(instances[0])).AttributeValue("one-too-many"));
    }

    [Fact]
    public async Task A_put_racing_the_deregistration_of_one_target_is_all_or_none()
    {
        for (var round = 0; round < 5; round++)
        {
            var instances = round == 0 ? await ClusterWithInstances(2) : [await Register(), await Register()];
            var name = $"round{round}";
            var put = Put((instances[0], name, "x"), (instances[1], name, "x"));
            var deregistered = AskCluster<EntityResponse<ContainerInstanceState>>(
                new DeregisterInstance(instances[1], new DeregisterContainerInstance(Context(), Force: true)));
            var (changed, gone) = (await put, await deregistered);
            Assert.Null(gone.Error);
            var kept = (await Instance(instances[0])).AttributeValue(name);
            if (changed.Error is null) Assert.Equal("x", kept);
            else
            {
                Assert.Equal(ErrorCodes.TargetNotFound, changed.Error.Code);
                Assert.Null(kept);
            }
        }
    }

    [Fact]
    public async Task State_changes_answer_each_instance_in_order_and_change_every_one_that_can()
    {
        var instances = await ClusterWithInstances(2);
        var unknown = Guid.NewGuid().ToString("N");
        var changed = await AskCluster<InstancesStateChanged>(new ChangeInstancesState(Context(), [instances[1], unknown, instances[0]], "DRAINING"));
        Assert.Null(changed.Error);
        Assert.Equal([instances[1], unknown, instances[0]], changed.Outcomes.Select(o => o.InstanceId));
        Assert.Equal(ContainerInstanceStatus.DRAINING, changed.Outcomes[0].Updated?.Status);
        Assert.Equal("MISSING", changed.Outcomes[1].FailureReason);
        Assert.Equal(ContainerInstanceStatus.DRAINING, changed.Outcomes[2].Updated?.Status);
        foreach (var id in instances) Assert.Equal(ContainerInstanceStatus.DRAINING, (await Instance(id)).Status);
        // The scheduler's view hears it through the change feed: DRAINING instances are listed as such.
        await AwaitAssertAsync(async () => Assert.Equal(instances.Order(),
            (await AskCluster<IdPage>(new ListClusterInstances(ContainerInstanceStatus.DRAINING, null, null, 10))).Ids), Patience);

        var invalid = await AskCluster<InstancesStateChanged>(new ChangeInstancesState(Context(), [instances[0]], "INACTIVE"));
        Assert.StartsWith("Container instance status 'INACTIVE' is invalid", Assert.Single(invalid.Outcomes).FailureReason);
    }
}
