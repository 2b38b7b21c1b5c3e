using System.Collections.Immutable;
using System.Globalization;
using Actors.Domain.ContainerInstances;

using Actors.Domain.Placement;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Placement;

/// <summary>One task's decision as the reference placer made it: a verdict for every candidate.</summary>
internal sealed record ReferenceDecision(
    int TaskIndex, string? ContainerInstanceId, ImmutableList<PlacementStrategy> StrategiesApplied, bool DefaultStrategies, string? ChosenBy, int Seed,
    ImmutableList<CandidateVerdict> Candidates)
{
    public bool Placed => ContainerInstanceId is not null;

    /// <summary>PlacementRecord.From as it was written over every verdict.</summary>
    public PlacementRecord Record() => new(
        ContainerInstanceId!, ChosenBy ?? "", StrategiesApplied, Seed, Candidates.Count,
        [.. Candidates.Where(c => c.Accepted).OrderByDescending(c => c.ContainerInstanceId == ContainerInstanceId).Take(PlacementRecord.MaxAcceptedKept)],
        [.. Candidates.Where(c => !c.Accepted)
            .GroupBy(c => (c.Reason ?? "", c.Detail))
            .Select(g => new RejectedCandidates(g.Key.Item1, g.Key.Detail, g.Count(), [.. g.Select(c => c.ContainerInstanceId).Take(PlacementRecord.MaxIdsPerReason)]))]);

    /// <summary>PlacementExplanation.ClosestMatch's pick as it was written over every verdict: the latest rejection, then the lowest id.</summary>
    public (string Id, Rejection? Rejection, string? Reason) Closest()
    {
        var closest = Candidates.Where(v => !v.Accepted).OrderByDescending(v => v.Rejection).ThenBy(v => v.ContainerInstanceId, StringComparer.Ordinal).First();
        return (closest.ContainerInstanceId, closest.Rejection, closest.Reason);
    }
}

internal sealed record ReferenceResult(ImmutableList<ReferenceDecision> Decisions, ImmutableList<PlacementFailure> Failures, int UnplacedCount, bool NoContainerInstances);

/// <summary>
/// The placer as it was before it was made fast (a verdict for every candidate of every task, all of them sorted),
/// kept as the reference the fast one must agree with. Original doc: places tasks on container instances the way ECS does, as a feasibility pass then a ranking (after Nomad's scheduler):
/// an instance is feasible when it is ACTIVE, its agent is connected, it has the resources, the required attributes and
/// every binding constraint; the feasible ones are then ordered by the strategies, each a sort key that later ones only
/// break ties of, the instance id settling what is left. Tasks are placed one at a time and each placement updates the
/// instance it used (remaining resources, task groups), so the next task sees it. Pure and deterministic: randomness
/// comes from <see cref="PlacementRequest.Seed"/>.
/// </summary>
internal static class ReferencePlacer
{
    public static ReferenceResult Place(PlacementRequest request, IReadOnlyList<PlacementCandidate> candidates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(request.Count);
        // Deregistered instances are not part of the cluster any more; sorting by id makes every later step order-independent.
        var pool = candidates
            .Where(c => c.Instance.IsRegistered)
            .OrderBy(c => c.Instance.InstanceId, StringComparer.Ordinal)
            .ToList();
        if (pool.Count == 0) return new ReferenceResult([], [], request.Count, NoContainerInstances: true);

        var memberOf = request.Constraints
            .Where(c => c.Type == PlacementConstraint.MemberOf)
            .Select(c => (Constraint: c, Query: ClusterQuery.TryParse(c.Expression, out var query, out var error)
                ? query
                : throw new ArgumentException($"Constraint {c} should have been validated: {error.Message}", nameof(request))))
            .ToList();
        var distinctInstance = request.Constraints.Any(c => c.Type == PlacementConstraint.DistinctInstance);
        var usesDefault = request.Strategies.IsEmpty;
        var strategies = usesDefault ? PlacementStrategy.RunTaskDefault : request.Strategies;
        var random = new Random(request.Seed);

        var decisions = ImmutableList.CreateBuilder<ReferenceDecision>();
        for (var task = 0; task < request.Count; task++)
        {
            var checks = pool.Select(c => Check(c, request, memberOf, distinctInstance)).ToList();
            var feasible = Enumerable.Range(0, pool.Count).Where(i => checks[i].Reservation is not null).ToList();
            if (feasible.Count == 0)
            {
                var verdicts = checks.Select(c => c.Verdict).ToImmutableList();
                decisions.Add(new ReferenceDecision(task, null, strategies, usesDefault, null, request.Seed, verdicts));
                var failures = pool.Zip(verdicts)
                    .Select(p => new PlacementFailure(p.First.Instance.ClusterName, p.Second.ContainerInstanceId, p.Second.Reason!, p.Second.Detail))
                    .ToImmutableList();
                // Nothing changed since this task failed, so every later task would fail the same way.
                return new ReferenceResult(decisions.ToImmutable(), failures, request.Count - task, NoContainerInstances: false);
            }

            var scores = Score(strategies, pool, feasible, request, random);
            var ranked = feasible
                .OrderBy(i => scores[i], KeyComparer.Instance)
                .ThenBy(i => pool[i].Instance.InstanceId, StringComparer.Ordinal)
                .ToList();
            var winner = ranked[0];
            var chosenBy = ChosenBy(strategies, scores, ranked, pool, request.Seed);

            var candidateVerdicts = Enumerable.Range(0, pool.Count)
                .Select(i => checks[i].Reservation is null
                    ? checks[i].Verdict
                    : CandidateVerdict.Accept(pool[i].Instance.InstanceId, scores[i].ToImmutableList()))
                .ToImmutableList();
            var placedOn = pool[winner];
            decisions.Add(new ReferenceDecision(task, placedOn.Instance.InstanceId, strategies, usesDefault, chosenBy, request.Seed, candidateVerdicts));
            pool[winner] = placedOn with
            {
                Instance = placedOn.Instance with
                {
                    RemainingResources = checks[winner].Reservation!,
                    PendingTasksCount = placedOn.Instance.PendingTasksCount + 1,
                },
                TaskGroups = placedOn.TaskGroups.Add(request.TaskGroup),
            };
        }
        return new ReferenceResult(decisions.ToImmutable(), [], 0, NoContainerInstances: false);
    }

    private sealed record CheckResult(CandidateVerdict Verdict, ImmutableList<Resource>? Reservation);

    /// <summary>The feasibility checks, in ECS's order: state, agent, resources, then the binding constraints.</summary>
    private static CheckResult Check(
        PlacementCandidate candidate, PlacementRequest request, List<(PlacementConstraint Constraint, ClusterQuery Query)> memberOf, bool distinctInstance)
    {
        var instance = candidate.Instance;
        var id = instance.InstanceId;
        CheckResult Reject(Rejection rejection, string reason, string detail) => new(CandidateVerdict.Reject(id, rejection, reason, detail), null);

        if (instance.Status != ContainerInstanceStatus.ACTIVE)
            return Reject(Rejection.NotActive, PlacementFailureReasons.Inactive, $"The container instance is {instance.Status}: it takes no new tasks.");
        if (!instance.AgentConnected)
            return Reject(Rejection.AgentDisconnected, PlacementFailureReasons.Agent, "The container agent is not connected.");

        var reservation = ResourceLedger.Reserve(instance, request.Demand);
        if (!reservation.Succeeded)
            return Reject(Rejection.InsufficientResources, reservation.FailureReason!, DescribeShortage(instance, request.Demand, reservation.FailureReason!));

        foreach (var required in request.RequiredAttributes)
        {
            var present = instance.Attributes.Find(a => a.Name == required.Name);
            if (present is null || (required.Value is not null && present.Value != required.Value))
                return Reject(Rejection.MissingRequiredAttribute, PlacementFailureReasons.Attribute,
                    required.Value is null
                        ? $"Missing required attribute {required.Name}."
                        : $"Missing required attribute {required.Name} = {required.Value}.");
        }

        var subject = new ContainerInstanceQuerySubject(instance, candidate.TaskGroups.Distinct().ToList());
        foreach (var (constraint, query) in memberOf)
            if (!query.Matches(subject))
                return Reject(Rejection.MemberOfUnmet, PlacementFailureReasons.Attribute, $"Does not satisfy {constraint}.");

        if (distinctInstance && candidate.TaskGroups.Contains(request.TaskGroup))
            return Reject(Rejection.DistinctInstance, PlacementFailureReasons.Attribute,
                $"distinctInstance: already runs a task of group {request.TaskGroup}.");

        return new CheckResult(CandidateVerdict.Accept(id, []), reservation.Remaining);
    }

    private static string DescribeShortage(ContainerInstanceState instance, ResourceDemand demand, string reason)
    {
        var remaining = instance.RemainingResources;
        string Amount(string name) => ResourceLedger.Amount(remaining, name).ToString(CultureInfo.InvariantCulture);
        string Ports(string name, ImmutableList<int> wanted)
        {
            var inUse = ResourceLedger.PortSet(remaining, name);
            var taken = wanted.Where(p => inUse.Contains(p.ToString(CultureInfo.InvariantCulture))).Distinct().Order().ToList();
            return taken.Count > 0
                ? $"Host port{(taken.Count > 1 ? "s" : "")} {string.Join(", ", taken)} already in use."
                : "The task binds the same host port more than once.";
        }
        return reason switch
        {
            ResourceFailureReasons.Cpu => $"Needs {demand.Cpu} CPU units, {Amount(ResourceNames.Cpu)} remaining.",
            ResourceFailureReasons.Memory => $"Needs {demand.Memory} MiB of memory, {Amount(ResourceNames.Memory)} remaining.",
            ResourceFailureReasons.Ports => Ports(ResourceNames.Ports, demand.Ports),
            ResourceFailureReasons.UdpPorts => Ports(ResourceNames.UdpPorts, demand.UdpPorts),
            _ => reason,
        };
    }

    /// <summary>One score per strategy for each feasible candidate (index into the pool), lower preferred.</summary>
    private static Dictionary<int, StrategyScore[]> Score(
        ImmutableList<PlacementStrategy> strategies, List<PlacementCandidate> pool, List<int> feasible, PlacementRequest request, Random random)
    {
        var scores = feasible.ToDictionary(i => i, _ => new StrategyScore[strategies.Count]);
        for (var s = 0; s < strategies.Count; s++)
        {
            var strategy = strategies[s];
            var name = strategy.ToString();
            switch (strategy.Type)
            {
                case PlacementStrategy.Binpack:
                    var resource = string.Equals(strategy.Field, PlacementStrategy.CpuField, StringComparison.OrdinalIgnoreCase)
                        ? ResourceNames.Cpu
                        : ResourceNames.Memory;
                    var field = resource == ResourceNames.Cpu ? PlacementStrategy.CpuField : PlacementStrategy.MemoryField;
                    foreach (var i in feasible)
                    {
                        var left = ResourceLedger.Amount(pool[i].Instance.RemainingResources, resource);
                        scores[i][s] = new StrategyScore(name, left, $"remaining {field} {left}");
                    }
                    break;
                case PlacementStrategy.Spread:
                    var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var candidate in pool)
                        if (SpreadValue(strategy.Field!, candidate.Instance) is { } value)
                            counts[value] = counts.GetValueOrDefault(value) + candidate.TasksOfGroup(request.TaskGroup);
                    foreach (var i in feasible)
                    {
                        var instance = pool[i].Instance;
                        scores[i][s] = SpreadValue(strategy.Field!, instance) is { } value
                            ? new StrategyScore(name, counts[value], $"{DescribeSpreadValue(strategy.Field!, value)} had {counts[value]} tasks of group {request.TaskGroup}")
                            // Without a value the instance is outside the spread: it ranks after every instance that has one.
                            : new StrategyScore(name, long.MaxValue, $"has no {strategy.Field} to spread on");
                    }
                    break;
                case PlacementStrategy.Random:
                    // Drawn in instance-id order, so one seed always gives each candidate the same number.
                    foreach (var i in feasible)
                    {
                        var draw = random.Next();
                        scores[i][s] = new StrategyScore(name, draw, $"drew {draw} from seed {request.Seed}");
                    }
                    break;
                default:
                    throw new ArgumentException($"Strategy {strategy} should have been validated.", nameof(strategies));
            }
        }
        return scores;
    }

    private static string? SpreadValue(string field, ContainerInstanceState instance)
    {
        if (field.StartsWith(PlacementStrategy.AttributePrefix, StringComparison.OrdinalIgnoreCase))
            return instance.AttributeValue(field[PlacementStrategy.AttributePrefix.Length..]);
        // ECS documents host as having the same effect as instanceId.
        return instance.InstanceId;
    }

    private static string DescribeSpreadValue(string field, string value) =>
        field.StartsWith(PlacementStrategy.AttributePrefix, StringComparison.OrdinalIgnoreCase)
            ? $"{field[PlacementStrategy.AttributePrefix.Length..]} {value}"
            : $"instance {value}";

    /// <summary>The first strategy on which the winner beat the runner-up, in the words of that strategy.</summary>
    private static string ChosenBy(
        ImmutableList<PlacementStrategy> strategies, Dictionary<int, StrategyScore[]> scores, List<int> ranked, List<PlacementCandidate> pool, int seed)
    {
        if (ranked.Count == 1) return "the only container instance that met all requirements";
        var winner = scores[ranked[0]];
        var runnerUp = scores[ranked[1]];
        for (var s = 0; s < strategies.Count; s++)
        {
            if (winner[s].Value == runnerUp[s].Value) continue;
            return strategies[s].Type switch
            {
                PlacementStrategy.Random => $"random(seed {seed})",
                PlacementStrategy.Binpack => $"{strategies[s]}: least {winner[s].Meaning}",
                _ => $"{strategies[s]}: {winner[s].Meaning}",
            };
        }
        return $"tied on every strategy: lowest instance id {pool[ranked[0]].Instance.InstanceId}";
    }

    private sealed class KeyComparer : IComparer<StrategyScore[]>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(StrategyScore[]? x, StrategyScore[]? y)
        {
            for (var i = 0; i < x!.Length; i++)
            {
                var difference = x[i].Value.CompareTo(y![i].Value);
                if (difference != 0) return difference;
            }
            return 0;
        }
    }
}
