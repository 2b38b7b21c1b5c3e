using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;

namespace Actors.Domain.Tests.Placement;

/// <summary>
/// Properties of <see cref="Placer"/> over seeded random clusters and requests. Each case is reproducible from its
/// seed, which every assertion message names.
/// </summary>
public class PlacerPropertyTests
{
    private const int Cases = 400;
    private const string Group = "family:web";
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    private static readonly string[] Tiers = ["gold", "silver"];
    private static readonly int[] HostPorts = [80, 443, 8080];
    private static readonly PlacementConstraint GoldOnly = PlacementConstraint.Member("attribute:tier == gold");

    private static readonly PlacementStrategy[] AllStrategies =
    [
        PlacementStrategy.BinpackOn("cpu"), PlacementStrategy.BinpackOn("memory"), PlacementStrategy.SpreadOn("instanceId"),
        PlacementStrategy.SpreadOn("attribute:ecs.availability-zone"), PlacementStrategy.SpreadOn("attribute:tier"), PlacementStrategy.RandomPlacement,
    ];

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, Cases).Select(seed => new object[] { seed });

    private static List<PlacementCandidate> RandomCluster(Random random, bool alwaysFeasible = false, int? size = null)
    {
        var ids = new HashSet<string>();
        while (ids.Count < (size ?? random.Next(1, 9)))
            ids.Add(string.Concat(Enumerable.Range(0, 32).Select(_ => "0123456789abcdef"[random.Next(16)])));
        return ids.Select(id =>
        {
            var registered = ImmutableList.Create(
                Resource.Integer(ResourceNames.Cpu, alwaysFeasible ? 1_000_000 : random.Next(0, 33) * 128),
                Resource.Integer(ResourceNames.Memory, alwaysFeasible ? 1_000_000 : random.Next(0, 33) * 256),
                Resource.StringSet(ResourceNames.Ports, PlacementFixtures.AgentPorts));
            var inUse = alwaysFeasible ? [] : HostPorts.Where(_ => random.Next(4) == 0).Select(p => p.ToString(CultureInfo.InvariantCulture));
            var attributes = ImmutableList.Create(new Attribute("ecs.availability-zone", Zones[random.Next(Zones.Length)]));
            if (random.Next(3) > 0) attributes = attributes.Add(new Attribute("tier", Tiers[random.Next(Tiers.Length)]));
            var instance = ContainerInstanceState.Unregistered(PlacementFixtures.Cluster, id) with
            {
                Status = alwaysFeasible ? ContainerInstanceStatus.ACTIVE : random.Next(10) switch
                {
                    0 => ContainerInstanceStatus.DRAINING,
                    1 => ContainerInstanceStatus.INACTIVE,
                    _ => ContainerInstanceStatus.ACTIVE,
                },
                AgentConnected = alwaysFeasible || random.Next(8) > 0,
                RegisteredResources = registered,
                RemainingResources = registered.SetItem(2, Resource.StringSet(ResourceNames.Ports, PlacementFixtures.AgentPorts.Concat(inUse))),
                Attributes = attributes,
            };
            var groups = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(2) == 0 ? Group : "family:batch");
            return new PlacementCandidate(instance, [.. groups]);
        }).ToList();
    }

    private static PlacementRequest RandomRequest(Random random, int seed, IEnumerable<PlacementStrategy>? strategies = null, int? count = null)
    {
        var constraints = new List<PlacementConstraint>();
        if (random.Next(3) == 0) constraints.Add(GoldOnly);
        if (random.Next(3) == 0) constraints.Add(PlacementConstraint.Distinct);
        return new PlacementRequest(
            ResourceDemand.Of(random.Next(0, 17) * 128, random.Next(0, 17) * 256, HostPorts.Where(_ => random.Next(5) == 0)),
            [.. constraints],
            [.. strategies ?? Enumerable.Range(0, random.Next(0, 4)).Select(_ => AllStrategies[random.Next(AllStrategies.Length)])],
            count ?? random.Next(1, 11),
            Group,
            [],
            seed);
    }

    private static bool IsGold(ContainerInstanceState instance) => instance.AttributeValue("tier") == "gold";

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Placed_tasks_fit_and_no_instance_is_over_committed(int seed)
    {
        var random = new Random(seed);
        var cluster = RandomCluster(random);
        var request = RandomRequest(random, seed);

        var result = Placer.Place(request, cluster);

        Assert.Equal(request.Count, result.Placements.Count() + result.UnplacedCount);
        foreach (var (instanceId, tasks) in result.Placements.GroupBy(d => d.ContainerInstanceId!).Select(g => (g.Key, g.Count())))
        {
            var instance = cluster.Single(c => c.Instance.InstanceId == instanceId).Instance;
            Assert.True(instance is { Status: ContainerInstanceStatus.ACTIVE, AgentConnected: true }, $"seed {seed}: placed on an unavailable instance");
            var remaining = instance.RemainingResources;
            for (var task = 0; task < tasks; task++)
            {
                var reservation = ResourceLedger.Reserve(instance.RegisteredResources, remaining, request.Demand);
                Assert.True(reservation.Succeeded, $"seed {seed}: {tasks} tasks over-commit {instanceId} ({reservation.FailureReason})");
                remaining = reservation.Remaining!;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Member_of_and_distinct_instance_are_never_violated(int seed)
    {
        var random = new Random(seed);
        var cluster = RandomCluster(random);
        var request = RandomRequest(random, seed);

        var chosen = Placer.Place(request, cluster).Placements.Select(d => cluster.Single(c => c.Instance.InstanceId == d.ContainerInstanceId)).ToList();

        if (request.Constraints.Contains(GoldOnly))
            Assert.All(chosen, c => Assert.True(IsGold(c.Instance), $"seed {seed}: memberOf violated"));
        if (request.Constraints.Contains(PlacementConstraint.Distinct))
        {
            Assert.Equal(chosen.Count, chosen.Distinct().Count());
            Assert.All(chosen, c => Assert.DoesNotContain(Group, c.TaskGroups));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_single_task_is_placed_whenever_an_instance_is_feasible_and_binpack_picks_the_least_remaining(int seed)
    {
        var random = new Random(seed);
        var cluster = RandomCluster(random);
        var field = random.Next(2) == 0 ? "cpu" : "memory";
        var request = RandomRequest(random, seed, [PlacementStrategy.BinpackOn(field)], count: 1);
        var resource = field == "cpu" ? ResourceNames.Cpu : ResourceNames.Memory;

        // Feasibility worked out independently of the placer.
        var feasible = cluster.Where(c =>
                c.Instance is { Status: ContainerInstanceStatus.ACTIVE, AgentConnected: true }
                && ResourceLedger.Reserve(c.Instance, request.Demand).Succeeded
                && (!request.Constraints.Contains(GoldOnly) || IsGold(c.Instance))
                && (!request.Constraints.Contains(PlacementConstraint.Distinct) || !c.TaskGroups.Contains(Group)))
            .Select(c => c.Instance)
            .ToList();
        var result = Placer.Place(request, cluster);

        if (feasible.Count == 0)
        {
            Assert.Equal(1, result.UnplacedCount);
            return;
        }
        var chosen = feasible.SingleOrDefault(i => i.InstanceId == result.Decisions.Single().ContainerInstanceId);
        Assert.True(chosen is not null, $"seed {seed}: chose an infeasible instance or none");
        Assert.Equal(feasible.Min(i => PlacementFixtures.Remaining(i, resource)), PlacementFixtures.Remaining(chosen, resource));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_decision_chooses_a_best_ranked_accepted_candidate(int seed)
    {
        var random = new Random(seed);
        var request = RandomRequest(random, seed, [AllStrategies[random.Next(AllStrategies.Length)], AllStrategies[random.Next(AllStrategies.Length)]]);

        var result = Placer.Place(request, RandomCluster(random));

        foreach (var decision in result.Placements)
        {
            var accepted = decision.Accepted;
            var chosen = accepted.Single(v => v.ContainerInstanceId == decision.ContainerInstanceId);
            // Lexicographic order: nothing accepted may beat the chosen one on the first strategy where they differ.
            foreach (var other in accepted)
            {
                var difference = chosen.Scores.Zip(other.Scores).Select(p => p.First.Value.CompareTo(p.Second.Value)).FirstOrDefault(d => d != 0);
                Assert.True(difference < 0 || (difference == 0 && string.CompareOrdinal(chosen.ContainerInstanceId, other.ContainerInstanceId) <= 0),
                    $"seed {seed}: {other.ContainerInstanceId} ranks before the chosen {chosen.ContainerInstanceId}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Spread_never_lets_the_gap_between_values_grow_beyond_one_when_every_value_is_feasible(int seed)
    {
        var random = new Random(seed);
        var cluster = RandomCluster(random, alwaysFeasible: true);
        var zone = "ecs.availability-zone";
        var request = RandomRequest(random, seed, [PlacementStrategy.SpreadOn("attribute:" + zone)]) with { Constraints = [], Demand = ResourceDemand.Of(128, 256) };
        var values = cluster.Select(c => c.Instance.AttributeValue(zone)!).Distinct().ToList();
        var counts = values.ToDictionary(v => v, v => cluster.Where(c => c.Instance.AttributeValue(zone) == v).Sum(c => c.TasksOfGroup(Group)));

        var result = Placer.Place(request, cluster);

        Assert.Equal(request.Count, result.Placements.Count());
        var gap = counts.Values.Max() - counts.Values.Min();
        foreach (var decision in result.Placements)
        {
            counts[cluster.Single(c => c.Instance.InstanceId == decision.ContainerInstanceId).Instance.AttributeValue(zone)!]++;
            var next = counts.Values.Max() - counts.Values.Min();
            Assert.True(next <= Math.Max(gap, 1), $"seed {seed}: the gap between zones grew from {gap} to {next}");
            gap = next;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_same_request_and_seed_place_the_same_way_whatever_the_order_of_candidates(int seed)
    {
        var random = new Random(seed);
        var cluster = RandomCluster(random);
        var request = RandomRequest(random, seed);
        var shuffled = cluster.OrderBy(_ => random.Next()).ToList();

        var first = JsonSerializer.Serialize(Placer.Place(request, cluster));
        var again = JsonSerializer.Serialize(Placer.Place(request, cluster));
        var reordered = JsonSerializer.Serialize(Placer.Place(request, shuffled));
        // Candidates already in id order take the placer's no-sort path.
        var sorted = JsonSerializer.Serialize(Placer.Place(request, [.. cluster.OrderBy(c => c.Instance.InstanceId, StringComparer.Ordinal)]));

        Assert.Equal(first, again);
        Assert.Equal(first, reordered);
        Assert.Equal(first, sorted);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Places_and_explains_exactly_as_the_reference_placer_that_kept_every_verdict(int seed)
    {
        var random = new Random(seed);
        // Small clusters, and some large enough that the kept verdicts and ids are cut short.
        var cluster = RandomCluster(random, size: random.Next(4) == 0 ? random.Next(10, 60) : null);
        var request = RandomRequest(random, seed, count: random.Next(0, 12));
        if (random.Next(3) == 0) request = request with { RequiredAttributes = [new Actors.Domain.TaskDefinitions.RequiredAttribute { Name = "tier", Value = random.Next(2) == 0 ? "gold" : null }] };
        if (random.Next(4) == 0) request = request with { Constraints = request.Constraints.Add(PlacementConstraint.Member("task:group != family:batch")) };
        if (random.Next(4) == 0) request = request with { Demand = request.Demand with { UdpPorts = [53] } };
        if (random.Next(3) == 0) request = request with { Strategies = [PlacementStrategy.RandomPlacement, PlacementStrategy.SpreadOn("attribute:tier"), PlacementStrategy.RandomPlacement] };
        var shuffled = cluster.OrderBy(_ => random.Next()).ToList();

        var expected = ReferencePlacer.Place(request, cluster);
        var actual = Placer.Place(request, shuffled);

        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Equal((expected.UnplacedCount, expected.NoContainerInstances), (actual.UnplacedCount, actual.NoContainerInstances));
        Assert.Equal(expected.Failures, actual.Failures);
        Assert.Equal(expected.Decisions.Count, actual.Decisions.Count);
        foreach (var (old, now) in expected.Decisions.Zip(actual.Decisions))
        {
            Assert.Equal((old.TaskIndex, old.ContainerInstanceId, old.ChosenBy, old.DefaultStrategies, old.Seed, old.Candidates.Count),
                (now.TaskIndex, now.ContainerInstanceId, now.ChosenBy, now.DefaultStrategies, now.Seed, now.CandidateCount));
            Assert.Equal(old.StrategiesApplied, now.StrategiesApplied);
            if (old.Placed)
            {
                Assert.Equal(JsonSerializer.Serialize(old.Record(), options), JsonSerializer.Serialize(Actors.Domain.Tasks.PlacementRecord.From(now), options));
            }
            else
            {
                var (id, rejection, reason) = old.Closest();
                var single = new PlacementDecision(0, null, [], false, null, 0, 1, [], [new RejectedGroup(rejection!.Value, reason!, "", 1, [id])]);
                Assert.Equal(PlacementExplanation.ClosestMatch(single), PlacementExplanation.ClosestMatch(now));
            }
        }
        if (expected.Decisions.FirstOrDefault(d => !d.Placed) is { } unplaced)
            Assert.Equal(unplaced.Candidates.Count(c => !c.Accepted), actual.Decisions[^1].Rejected.Sum(g => g.Count));
    }
}
