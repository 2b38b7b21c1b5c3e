using System.Text.Json;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.TaskDefinitions;
using static Actors.Domain.Tests.Placement.PlacementFixtures;

namespace Actors.Domain.Tests.Placement;

public class PlacerTests
{
    private static readonly PlacementStrategy BinpackMemory = PlacementStrategy.BinpackOn("memory");
    private static readonly PlacementStrategy BinpackCpu = PlacementStrategy.BinpackOn("cpu");
    private static readonly PlacementStrategy SpreadZone = PlacementStrategy.SpreadOn("attribute:ecs.availability-zone");
    private static readonly PlacementStrategy SpreadInstance = PlacementStrategy.SpreadOn("instanceId");

    private static PlacementResult Place(PlacementRequest request, params PlacementCandidate[] candidates) => Placer.Place(request, candidates);

    private static string[] Chosen(PlacementResult result) => result.Placements.Select(d => d.ContainerInstanceId!).ToArray();

    [Fact]
    public void Binpack_on_memory_picks_the_instance_with_the_least_remaining_memory_that_still_fits()
    {
        var result = Place(Request(memory: 512, strategies: [BinpackMemory]),
            Candidate(Instance('a', memory: 4096)), Candidate(Instance('b', memory: 1024)), Candidate(Instance('c', memory: 256)));

        var decision = Assert.Single(result.Decisions);
        Assert.Equal(Id('b'), decision.ContainerInstanceId);
        Assert.Equal("binpack(memory): least remaining memory 1024", decision.ChosenBy);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public void Binpack_keeps_filling_one_instance_until_it_is_full()
    {
        var result = Place(Request(cpu: 1024, memory: 128, count: 3, strategies: [BinpackCpu]),
            Candidate(Instance('a', cpu: 2048)), Candidate(Instance('b', cpu: 4096)));

        Assert.Equal([Id('a'), Id('a'), Id('b')], Chosen(result));
    }

    [Fact]
    public void Spread_on_instance_id_counts_the_tasks_of_the_group_already_there()
    {
        var result = Place(Request(count: 3, strategies: [SpreadInstance]),
            Candidate(Instance('a'), "family:web", "family:web"), Candidate(Instance('b'), "family:web", "family:other", "family:other"), Candidate(Instance('c')));

        Assert.Equal([Id('c'), Id('b'), Id('c')], Chosen(result));
        Assert.Equal($"spread(instanceId): instance {Id('c')} had 0 tasks of group family:web", result.Decisions[0].ChosenBy);
    }

    [Fact]
    public void Spread_on_an_attribute_balances_its_values_counting_every_instance_with_that_value()
    {
        // Zone a has two instances and one task; zone b one instance and no task.
        var result = Place(Request(count: 4, strategies: [SpreadZone]),
            Candidate(Instance('a', zone: "us-east-1a"), "family:web"), Candidate(Instance('b', zone: "us-east-1a")), Candidate(Instance('c', zone: "us-east-1b")));

        Assert.Equal([Id('c'), Id('a'), Id('c'), Id('a')], Chosen(result));
        Assert.Equal("spread(attribute:ecs.availability-zone): ecs.availability-zone us-east-1b had 0 tasks of group family:web", result.Decisions[0].ChosenBy);
    }

    [Fact]
    public void Instances_without_the_spread_attribute_come_after_every_instance_with_it()
    {
        var rack = PlacementStrategy.SpreadOn("attribute:rack");
        var result = Place(Request(count: 1, strategies: [rack]),
            Candidate(Instance('a')), Candidate(Instance('b', attributes: new Attribute("rack", "r1")), "family:web", "family:web"));

        Assert.Equal([Id('b')], Chosen(result));
        var score = Assert.Single(result.Decisions[0].Accepted.Single(v => v.ContainerInstanceId == Id('a')).Scores);
        Assert.Equal("has no attribute:rack to spread on", score.Meaning);
    }

    [Fact]
    public void Spread_then_binpack_packs_within_the_least_loaded_zone()
    {
        // ECS's "spread across zones, binpack on memory within each zone".
        var result = Place(Request(memory: 256, count: 2, strategies: [SpreadZone, BinpackMemory]),
            Candidate(Instance('a', zone: "us-east-1a", memory: 1024), "family:web"),
            Candidate(Instance('b', zone: "us-east-1b", memory: 4096)),
            Candidate(Instance('c', zone: "us-east-1b", memory: 2048)));

        // a has the least memory but its zone already has a task: spread keeps it out, binpack then picks within zone b.
        Assert.Equal(Id('c'), result.Decisions[0].ContainerInstanceId);
        Assert.Equal("binpack(memory): least remaining memory 2048", result.Decisions[0].ChosenBy);
        // Now both zones have one task: binpack decides, and a has the least memory left.
        Assert.Equal(Id('a'), result.Decisions[1].ContainerInstanceId);
        Assert.Equal("binpack(memory): least remaining memory 1024", result.Decisions[1].ChosenBy);
    }

    [Fact]
    public void Binpack_then_spread_uses_spread_only_to_break_ties_of_remaining_memory()
    {
        var result = Place(Request(memory: 512, count: 1, strategies: [BinpackMemory, SpreadInstance]),
            Candidate(Instance('a', memory: 2048), "family:web"), Candidate(Instance('b', memory: 2048)), Candidate(Instance('c', memory: 8192)));

        Assert.Equal([Id('b')], Chosen(result));
        Assert.Equal($"spread(instanceId): instance {Id('b')} had 0 tasks of group family:web", result.Decisions[0].ChosenBy);
    }

    [Fact]
    public void When_every_strategy_ties_the_lowest_instance_id_wins()
    {
        var result = Place(Request(strategies: [BinpackMemory]), Candidate(Instance('b')), Candidate(Instance('a')));

        Assert.Equal([Id('a')], Chosen(result));
        Assert.Equal($"tied on every strategy: lowest instance id {Id('a')}", result.Decisions[0].ChosenBy);
    }

    [Fact]
    public void Without_strategies_run_task_places_at_random_from_the_seed_and_says_so()
    {
        var candidates = "abcdef".Select(c => Candidate(Instance(c))).ToArray();

        var first = Place(Request(count: 5, seed: 42), candidates);
        var again = Place(Request(count: 5, seed: 42), candidates);
        var choices = Enumerable.Range(0, 20).Select(seed => Chosen(Place(Request(count: 1, seed: seed), candidates))[0]).Distinct().Count();

        Assert.Equal(Chosen(first), Chosen(again));
        Assert.All(first.Decisions, d => Assert.True(d.DefaultStrategies));
        Assert.All(first.Decisions, d => Assert.Equal([PlacementStrategy.RandomPlacement], d.StrategiesApplied));
        Assert.Equal("random(seed 42)", first.Decisions[0].ChosenBy);
        Assert.True(choices > 1, "Different seeds should not all choose the same instance.");
    }

    [Fact]
    public void A_lone_feasible_instance_is_chosen_as_such()
    {
        var result = Place(Request(memory: 2048, strategies: [BinpackMemory]), Candidate(Instance('a', memory: 1024)), Candidate(Instance('b', memory: 4096)));

        Assert.Equal("the only container instance that met all requirements", result.Decisions[0].ChosenBy);
    }

    [Fact]
    public void Every_candidate_is_accounted_for_with_the_reason_it_was_rejected_or_its_scores()
    {
        var result = Place(
            Request(cpu: 512, memory: 1024, ports: [8080], strategies: [BinpackMemory, SpreadZone],
                constraints: [PlacementConstraint.Member("attribute:ecs.os-type == linux"), PlacementConstraint.Distinct],
                requires: [new RequiredAttribute { Name = "ecs.capability.task-eni" }]),
            Candidate(Instance('1', status: ContainerInstanceStatus.DRAINING)),
            Candidate(Instance('2', connected: false)),
            Candidate(Instance('3', cpu: 256)),
            Candidate(Instance('4', memory: 512)),
            Candidate(Instance('5', portsInUse: ["8080"])),
            Candidate(Instance('6', attributes: new Attribute("ecs.capability.task-eni")) with { Attributes = [new("ecs.capability.task-eni")] }),
            Candidate(Instance('7', attributes: new Attribute("ecs.capability.task-eni")), "family:web"),
            Candidate(Instance('8', attributes: new Attribute("ecs.capability.task-eni"))),
            Candidate(Instance('9')));

        var decision = result.Decisions.Single();
        var verdicts = decision.Rejected
            .SelectMany(g => g.ContainerInstanceIds.Select(id => (Id: id, Verdict: (g.Rejection, g.Reason, g.Detail))))
            .ToDictionary(v => v.Id[0], v => v.Verdict);
        var accepted = Assert.Single(decision.Accepted);
        Assert.Equal((9, 8), (decision.CandidateCount, decision.Rejected.Sum(g => g.Count)));
        Assert.Equal(Id('8'), decision.ContainerInstanceId);
        Assert.Equal((Rejection.NotActive, "INACTIVE"), (verdicts['1'].Rejection, verdicts['1'].Reason));
        Assert.Contains("DRAINING", verdicts['1'].Detail);
        Assert.Equal((Rejection.AgentDisconnected, "AGENT"), (verdicts['2'].Rejection, verdicts['2'].Reason));
        Assert.Equal((Rejection.InsufficientResources, "RESOURCE:CPU", "Needs 512 CPU units, 256 remaining."), (verdicts['3'].Rejection, verdicts['3'].Reason, verdicts['3'].Detail));
        Assert.Equal(("RESOURCE:MEMORY", "Needs 1024 MiB of memory, 512 remaining."), (verdicts['4'].Reason, verdicts['4'].Detail));
        Assert.Equal(("RESOURCE:PORTS", "Host port 8080 already in use."), (verdicts['5'].Reason, verdicts['5'].Detail));
        Assert.Equal((Rejection.MemberOfUnmet, "ATTRIBUTE", "Does not satisfy memberOf(attribute:ecs.os-type == linux)."), (verdicts['6'].Rejection, verdicts['6'].Reason, verdicts['6'].Detail));
        Assert.Equal((Rejection.DistinctInstance, "ATTRIBUTE"), (verdicts['7'].Rejection, verdicts['7'].Reason));
        Assert.Contains("family:web", verdicts['7'].Detail);
        Assert.Equal((Rejection.MissingRequiredAttribute, "ATTRIBUTE", "Missing required attribute ecs.capability.task-eni."), (verdicts['9'].Rejection, verdicts['9'].Reason, verdicts['9'].Detail));
        Assert.Equal((Id('8'), true, null), (accepted.ContainerInstanceId, accepted.Accepted, accepted.Rejection));
        Assert.Equal(["binpack(memory)", "spread(attribute:ecs.availability-zone)"], accepted.Scores.Select(s => s.Strategy));
        // Instance 7 in the same zone already runs a task of the group.
        Assert.Equal([8192L, 1L], accepted.Scores.Select(s => s.Value));
    }

    [Fact]
    public void Required_attribute_values_must_match_when_given()
    {
        var request = Request(requires: [new RequiredAttribute { Name = "ecs.os-type", Value = "windows" }]);

        var result = Place(request, Candidate(Instance('a')));

        Assert.Equal("Missing required attribute ecs.os-type = windows.", Assert.Single(result.Failures).Detail);
    }

    [Fact]
    public void Member_of_can_use_the_groups_of_the_tasks_on_an_instance_including_those_just_placed()
    {
        var nextToCache = PlacementConstraint.Member("task:group == service:cache");
        var result = Place(Request(count: 2, constraints: [nextToCache], strategies: [SpreadInstance]),
            Candidate(Instance('a'), "service:cache"), Candidate(Instance('b')));

        Assert.Equal([Id('a'), Id('a')], Chosen(result));
    }

    [Fact]
    public void Distinct_instance_places_each_task_of_the_group_on_its_own_instance_and_fails_the_rest()
    {
        var result = Place(Request(count: 3, constraints: [PlacementConstraint.Distinct], strategies: [BinpackMemory]),
            Candidate(Instance('a')), Candidate(Instance('b')));

        Assert.Equal([Id('a'), Id('b')], Chosen(result));
        Assert.Equal(1, result.UnplacedCount);
        Assert.All(result.Failures, f => Assert.Equal("ATTRIBUTE", f.Reason));
    }

    [Fact]
    public void Each_placement_reserves_on_its_instance_so_later_tasks_see_less()
    {
        var result = Place(Request(memory: 1536, count: 3, ports: [80], strategies: [BinpackMemory]),
            Candidate(Instance('a', memory: 4096)), Candidate(Instance('b', memory: 2048)));

        // a: 4096 -> 2560 then port 80 is taken; b: 2048 -> 512.
        Assert.Equal([Id('b'), Id('a')], Chosen(result));
        Assert.Equal(1, result.UnplacedCount);
        var failures = result.Failures.ToDictionary(f => f.ContainerInstanceId);
        Assert.Equal("RESOURCE:PORTS", failures[Id('a')].Reason);
        Assert.Equal("RESOURCE:MEMORY", failures[Id('b')].Reason);
    }

    [Fact]
    public void Unplaceable_tasks_report_one_failure_per_instance_considered_like_run_task()
    {
        var scope = new Actors.Domain.Common.AccountScope("eu-west-1", "123456789012");
        var result = Place(Request(memory: 16384, count: 2),
            Candidate(Instance('a')), Candidate(Instance('b', connected: false)),
            Candidate(Instance('c') with { Status = ContainerInstanceStatus.INACTIVE }));

        Assert.Empty(result.Placements);
        Assert.Equal(2, result.UnplacedCount);
        Assert.Single(result.Decisions);
        Assert.Equal(
            [("arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/" + Id('a'), "RESOURCE:MEMORY"), ("arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/" + Id('b'), "AGENT")],
            result.Failures.Select(f => (f.Arn(scope), f.Reason)));
    }

    [Fact]
    public void A_cluster_without_registered_instances_is_the_error_ecs_answers()
    {
        var result = Place(Request(count: 2), Candidate(Instance('a') with { Status = ContainerInstanceStatus.INACTIVE }));

        Assert.True(result.NoContainerInstances);
        Assert.Equal(2, result.UnplacedCount);
        Assert.Equal(("InvalidParameterException", "No Container Instances were found in your cluster."),
            (PlacementErrors.NoContainerInstances.Code, PlacementErrors.NoContainerInstances.Message));
        Assert.Equal("no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.",
            PlacementExplanation.ClosestMatch(result));
    }

    [Theory]
    [InlineData(16384, 256, null, "has insufficient memory available")]
    [InlineData(256, 9000, null, "has insufficient CPU units available")]
    [InlineData(256, 256, 22, "is already using a port required by your task")]
    public void The_closest_match_names_what_the_instance_that_passed_most_checks_lacked(int memory, int cpu, int? port, string shortfall)
    {
        var result = Place(Request(cpu: cpu, memory: memory, ports: port is { } p ? [p] : null, requires: [new RequiredAttribute { Name = "gpu" }]),
            Candidate(Instance('a', connected: false)), Candidate(Instance('b', attributes: new Attribute("gpu"))), Candidate(Instance('c', status: ContainerInstanceStatus.DRAINING)));

        Assert.Equal($"no container instance met all of its requirements. The closest matching (container-instance {Id('b')}) {shortfall}.",
            PlacementExplanation.ClosestMatch(result));
    }

    [Fact]
    public void The_closest_match_prefers_an_instance_that_only_missed_a_constraint()
    {
        var result = Place(Request(memory: 1024, requires: [new RequiredAttribute { Name = "gpu" }]),
            Candidate(Instance('a', memory: 512, attributes: new Attribute("gpu"))), Candidate(Instance('b')));

        Assert.Equal($"no container instance met all of its requirements. The closest matching (container-instance {Id('b')}) is missing an attribute required by your task.",
            PlacementExplanation.ClosestMatch(result));
    }

    [Fact]
    public void Results_survive_a_json_round_trip_unchanged()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var result = Place(Request(count: 3, memory: 3000, strategies: [SpreadZone, BinpackMemory, PlacementStrategy.RandomPlacement], constraints: [PlacementConstraint.Distinct]),
            Candidate(Instance('a')), Candidate(Instance('b', zone: "us-east-1b")), Candidate(Instance('c', connected: false)));

        var json = JsonSerializer.Serialize(result, options);
        var back = JsonSerializer.Deserialize<PlacementResult>(json, options);

        Assert.Equal(json, JsonSerializer.Serialize(back, options));
        Assert.Contains("\"rejection\":\"AgentDisconnected\"", json);
    }
}
