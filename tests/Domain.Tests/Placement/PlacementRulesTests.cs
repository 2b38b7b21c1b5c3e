using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tests.Placement;

public class PlacementRulesTests
{
    [Fact]
    public void Valid_constraints_and_strategies_pass()
    {
        Assert.Null(PlacementRules.ValidateConstraints([PlacementConstraint.Distinct, PlacementConstraint.Member("attribute:ecs.instance-type =~ t2.*")]));
        Assert.Null(PlacementRules.ValidateStrategies([
            PlacementStrategy.SpreadOn("attribute:ecs.availability-zone"), PlacementStrategy.BinpackOn("memory"),
            PlacementStrategy.SpreadOn("instanceId"), PlacementStrategy.SpreadOn("host"), PlacementStrategy.RandomPlacement,
        ]));
    }

    [Fact]
    public void At_most_ten_constraints_and_five_strategies()
    {
        Assert.Contains("at most 10", PlacementRules.ValidateConstraints(Enumerable.Repeat(PlacementConstraint.Distinct, 11).ToList())?.Message);
        Assert.Null(PlacementRules.ValidateConstraints(Enumerable.Repeat(PlacementConstraint.Distinct, 10).ToList()));
        Assert.Contains("at most 5", PlacementRules.ValidateStrategies(Enumerable.Repeat(PlacementStrategy.RandomPlacement, 6).ToList())?.Message);
        Assert.Null(PlacementRules.ValidateStrategies(Enumerable.Repeat(PlacementStrategy.RandomPlacement, 5).ToList()));
    }

    [Theory]
    [InlineData("sameInstance", null, "Invalid placement constraint type")]
    [InlineData("memberof", "attribute:a == b", "Invalid placement constraint type")]
    [InlineData("memberOf", null, "requires an expression")]
    [InlineData("memberOf", "attribute:zone ==", "Invalid cluster query")]
    [InlineData("distinctInstance", "attribute:a == b", "cannot have an expression")]
    public void Invalid_constraints_are_refused(string type, string? expression, string message)
    {
        var error = PlacementRules.ValidateConstraints([new PlacementConstraint(type, expression)]);

        Assert.Equal("InvalidParameterException", error?.Code);
        Assert.Contains(message, error!.Message);
    }

    [Theory]
    [InlineData("pack", "memory", "Invalid placement strategy type")]
    [InlineData("binpack", null, "binpack")]
    [InlineData("binpack", "instanceId", "binpack")]
    [InlineData("spread", null, "spread")]
    [InlineData("spread", "memory", "spread")]
    [InlineData("spread", "attribute:", "spread")]
    public void Invalid_strategies_are_refused(string type, string? field, string message)
    {
        var error = PlacementRules.ValidateStrategies([new PlacementStrategy(type, field)]);

        Assert.Equal("InvalidParameterException", error?.Code);
        Assert.Contains(message, error!.Message);
    }

    [Fact]
    public void Task_definition_constraints_come_first_and_both_lists_bind()
    {
        var combined = PlacementRules.Combine(
            [new TaskDefinitionPlacementConstraint { Type = "memberOf", Expression = "attribute:ecs.os-type == linux" }],
            [PlacementConstraint.Distinct]);

        Assert.Equal([PlacementConstraint.Member("attribute:ecs.os-type == linux"), PlacementConstraint.Distinct], combined);
    }

    [Fact]
    public void Run_task_requests_default_the_group_to_the_family_and_carry_the_required_attributes()
    {
        var revision = new TaskDefinitionRevision
        {
            Family = "web",
            Revision = 3,
            Spec = new TaskDefinitionSpec { Family = "web", ContainerDefinitions = [new ContainerDefinition { Name = "app", Cpu = 128, Memory = 256 }] },
            RequiresAttributes = [new RequiredAttribute { Name = "ecs.capability.container-health-check" }],
        };

        var request = PlacementRequest.ForRunTask(revision, null, null, null, 2, null, 7);

        Assert.Equal("family:web", request.TaskGroup);
        Assert.Equal((128, 256), (request.Demand.Cpu, request.Demand.Memory));
        Assert.Equal("ecs.capability.container-health-check", Assert.Single(request.RequiredAttributes).Name);
        Assert.Equal((2, 7), (request.Count, request.Seed));
    }
}
