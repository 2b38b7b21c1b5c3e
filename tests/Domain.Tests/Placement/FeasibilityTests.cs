using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.Placement.PlacementFixtures;

namespace Actors.Domain.Tests.Placement;

/// <summary>The one placement rule, asked directly: its order, its reasons, and what a daemon's eligibility leaves out.</summary>
public class FeasibilityTests
{
    [Fact]
    public void The_first_requirement_missed_is_named_in_ecs_order()
    {
        var small = Instance('a', cpu: 128, memory: 128, status: ContainerInstanceStatus.ACTIVE);
        var rule = Feasibility.Of(Request(256, 512, requires: [new() { Name = "tier" }], constraints: [PlacementConstraint.Distinct], group: "family:web"));

        Assert.Equal((Rejection.NotActive, "INACTIVE"), Verdict(rule.Check(small with { Status = ContainerInstanceStatus.DRAINING }, [])));
        Assert.Equal((Rejection.AgentDisconnected, "AGENT"), Verdict(rule.Check(small with { AgentConnected = false }, [])));
        Assert.Equal((Rejection.InsufficientResources, "RESOURCE:CPU"), Verdict(rule.Check(small, [])));
        var big = Instance('b');
        Assert.Equal((Rejection.MissingRequiredAttribute, "ATTRIBUTE"), Verdict(rule.Check(big, [])));
        var tiered = Instance('c', attributes: new Attribute("tier", "gold"));
        Assert.Equal((Rejection.DistinctInstance, "ATTRIBUTE"), Verdict(rule.Check(tiered, ["family:batch", "family:web"])));
        Assert.Null(rule.Check(tiered, ["family:batch"]));
    }

    [Fact]
    public void A_daemon_is_eligible_on_an_instance_short_of_resources_or_running_its_group_but_not_one_missing_its_attributes()
    {
        var full = Instance('a', cpu: 0, memory: 0, attributes: new Attribute("tier", "gold"));
        var eligibility = Feasibility.ForDaemon([new() { Name = "tier", Value = "gold" }], [PlacementConstraint.Distinct, PlacementConstraint.Member("attribute:ecs.os-type == linux")]);

        Assert.Null(eligibility.Check(full, []));
        Assert.Equal((Rejection.MissingRequiredAttribute, "ATTRIBUTE"), Verdict(eligibility.Check(Instance('b'), [])));
        Assert.Equal((Rejection.AgentDisconnected, "AGENT"), Verdict(eligibility.Check(full with { AgentConnected = false }, [])));
        // A constraint that does not parse (validated where constraints enter, so never sent) is met by no instance.
        Assert.Equal((Rejection.MemberOfUnmet, "ATTRIBUTE"), Verdict(Feasibility.ForDaemon([], [PlacementConstraint.Member("attribute:x =~ '(unclosed'")]).Check(full, [])));
    }

    private static (Rejection, string) Verdict(Unfit? unfit) => unfit is { } u ? (u.Rejection, u.Reason) : throw new Xunit.Sdk.XunitException("The rule accepted.");
}
