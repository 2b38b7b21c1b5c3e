using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Tasks;

namespace Actors.Domain.Placement;

/// <summary>
/// Places tasks on container instances the way ECS does, as a feasibility pass then a ranking (after Nomad's scheduler):
/// an instance is feasible when <see cref="Feasibility"/>, the rule the instance itself applies when it takes the task,
/// accepts it (ACTIVE, agent connected, resources, required attributes, binding constraints); the feasible ones are
/// then ordered by the strategies, each a sort key that later ones only break ties of, the instance id settling what is left. Tasks are placed one at a time and each placement updates the
/// instance it used (remaining resources, task groups), so the next task sees it. Pure and deterministic: randomness
/// comes from <see cref="PlacementRequest.Seed"/>.
/// </summary>
/// <remarks>
/// Built for a scheduler placing thousands of tasks a second over ~1,000 instances. A candidate's verdict depends on
/// that candidate alone, and a placement changes only the winner, so every candidate is checked once per call and
/// only the winner again after each task. Scores are plain numbers; the sentences explaining them are written only for
/// the few verdicts a decision keeps.
/// </remarks>
public static class Placer
{
    public static PlacementResult Place(PlacementRequest request, IReadOnlyList<PlacementCandidate> candidates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(request.Count);
        // Deregistered instances are not part of the cluster any more; sorting by id makes every later step order-independent.
        var pool = SortedPool(candidates);
        if (pool.Length == 0) return new PlacementResult([], [], request.Count, NoContainerInstances: true);

        if (request.Count == 0) return new PlacementResult([], [], 0, NoContainerInstances: false);

        var run = new Run(request, pool);
        var decisions = ImmutableList.CreateBuilder<PlacementDecision>();
        for (var task = 0; task < request.Count; task++)
        {
            if (run.FeasibleCount == 0)
            {
                decisions.Add(new PlacementDecision(task, null, run.Strategies, run.UsesDefault, null, request.Seed, pool.Length, [], run.RejectedGroups()));
                // Nothing changed since this task failed, so every later task would fail the same way.
                return new PlacementResult(decisions.ToImmutable(), run.Failures(), request.Count - task, NoContainerInstances: false);
            }
            run.Score();
            var (winner, runnerUp) = run.Rank();
            decisions.Add(new PlacementDecision(
                task, pool[winner].Instance.InstanceId, run.Strategies, run.UsesDefault, run.ChosenBy(winner, runnerUp), request.Seed,
                pool.Length, run.KeptAccepted(winner), run.RejectedGroups()));
            run.PlaceOn(winner);
        }
        return new PlacementResult(decisions.ToImmutable(), [], 0, NoContainerInstances: false);
    }

    /// <summary>The registered candidates in ordinal instance-id order (ties keep their given order, as a stable sort would).</summary>
    private static PlacementCandidate[] SortedPool(IReadOnlyList<PlacementCandidate> candidates)
    {
        var registered = new List<PlacementCandidate>(candidates.Count);
        var sorted = true;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates[i].Instance.IsRegistered) continue;
            if (registered.Count > 0 && string.CompareOrdinal(registered[^1].Instance.InstanceId, candidates[i].Instance.InstanceId) > 0) sorted = false;
            registered.Add(candidates[i]);
        }
        // A caller that keeps its instances in id order (a scheduler's own view of the cluster) pays no sort.
        if (sorted) return [.. registered];

        var ids = new string[registered.Count];
        var order = new int[registered.Count];
        for (var i = 0; i < order.Length; i++)
        {
            ids[i] = registered[i].Instance.InstanceId;
            order[i] = i;
        }
        Array.Sort(ids, order, StringComparer.Ordinal);
        // Array.Sort is not stable: equal ids (which a cluster never has) are put back in their given order.
        for (var i = 1; i < ids.Length; i++)
        {
            if (!string.Equals(ids[i - 1], ids[i], StringComparison.Ordinal)) continue;
            Array.Sort(order, (a, b) =>
            {
                var byId = string.CompareOrdinal(registered[a].Instance.InstanceId, registered[b].Instance.InstanceId);
                return byId != 0 ? byId : a.CompareTo(b);
            });
            break;
        }
        var pool = new PlacementCandidate[order.Length];
        for (var i = 0; i < order.Length; i++) pool[i] = registered[order[i]];
        return pool;
    }

    /// <summary>One Place call's working state: per candidate (index into the sorted pool) what the checks and strategies read.</summary>
    private sealed class Run
    {
        private readonly PlacementRequest request;
        private readonly PlacementCandidate[] pool;
        private readonly Random random;
        private readonly Feasibility feasibility;

        // Per candidate: what it has left, how many tasks of the request's group it runs, and its refusal (null: feasible).
        private readonly long[] cpuLeft;
        private readonly long[] memoryLeft;
        private readonly int[] groupTasks;
        private readonly Unfit?[] refusals;
        // The feasible candidates in pool order, which is also the order of random draws.
        private readonly int[] feasible;

        // Per strategy: its name, binpack's resource, spread's value index per candidate and task count per value.
        private readonly string[] strategyNames;
        private readonly bool[] binpackCpu;
        private readonly int[]?[] spreadValueOf;
        private readonly string[]?[] spreadValues;
        private readonly long[]?[] spreadCounts;
        // The current task's scores: candidate i, strategy s at [i * strategies + s]; only feasible candidates are filled.
        private readonly long[] scores;
        private ImmutableList<RejectedGroup>? rejectedGroups;

        public Run(PlacementRequest request, PlacementCandidate[] pool)
        {
            this.request = request;
            this.pool = pool;
            random = new Random(request.Seed);
            UsesDefault = request.Strategies.IsEmpty;
            Strategies = UsesDefault ? PlacementStrategy.RunTaskDefault : request.Strategies;

            ResourceLedger.CheckDemand(request.Demand);
            feasibility = Feasibility.Of(request);

            var n = pool.Length;
            cpuLeft = new long[n];
            memoryLeft = new long[n];
            groupTasks = new int[n];
            refusals = new Unfit?[n];
            feasible = new int[n];
            for (var i = 0; i < n; i++)
            {
                Measure(i);
                refusals[i] = Check(i);
                if (refusals[i] is null) feasible[FeasibleCount++] = i;
            }

            var count = Strategies.Count;
            strategyNames = new string[count];
            binpackCpu = new bool[count];
            spreadValueOf = new int[]?[count];
            spreadValues = new string[]?[count];
            spreadCounts = new long[]?[count];
            for (var s = 0; s < count; s++)
            {
                var strategy = Strategies[s];
                strategyNames[s] = strategy.ToString();
                switch (strategy.Type)
                {
                    case PlacementStrategy.Binpack:
                        binpackCpu[s] = string.Equals(strategy.Field, PlacementStrategy.CpuField, StringComparison.OrdinalIgnoreCase);
                        break;
                    case PlacementStrategy.Spread:
                        PrepareSpread(s, strategy.Field!);
                        break;
                    default:
                        // Random needs nothing; an unknown type throws when scored, as it always has.
                        break;
                }
            }
            scores = new long[n * count];
        }

        public bool UsesDefault { get; }

        public ImmutableList<PlacementStrategy> Strategies { get; }

        public int FeasibleCount { get; private set; }

        /// <summary>Reads the candidate's remaining CPU and memory and its tasks of the group into plain numbers.</summary>
        private void Measure(int i)
        {
            var candidate = pool[i];
            cpuLeft[i] = Feasibility.Amount(candidate.Instance.RemainingResources, ResourceNames.Cpu);
            memoryLeft[i] = Feasibility.Amount(candidate.Instance.RemainingResources, ResourceNames.Memory);
            var tasks = 0;
            var groups = candidate.TaskGroups;
            for (var g = 0; g < groups.Count; g++)
                if (groups[g] == request.TaskGroup) tasks++;
            groupTasks[i] = tasks;
        }

        /// <summary>
        /// Each candidate's spread value as an index, and the tasks of the group per value summed over the whole pool
        /// (infeasible instances count too: their tasks are there).
        /// </summary>
        private void PrepareSpread(int s, string field)
        {
            var attribute = field.StartsWith(PlacementStrategy.AttributePrefix, StringComparison.OrdinalIgnoreCase)
                ? field[PlacementStrategy.AttributePrefix.Length..]
                : null;
            var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var values = new List<string>();
            var valueOf = new int[pool.Length];
            for (var i = 0; i < pool.Length; i++)
            {
                // ECS documents host as having the same effect as instanceId.
                var value = attribute is null ? pool[i].Instance.InstanceId : Feasibility.AttributeValue(pool[i].Instance, attribute, out _);
                if (value is null)
                {
                    valueOf[i] = -1;
                    continue;
                }
                // Ids are sorted, so one repeated (which a cluster never has) follows its twin: no lookup needed.
                if (attribute is null)
                {
                    if (i > 0 && values.Count > 0 && values[^1] == value)
                    {
                        valueOf[i] = values.Count - 1;
                        continue;
                    }
                    valueOf[i] = values.Count;
                    values.Add(value);
                    continue;
                }
                if (!indexOf.TryGetValue(value, out var index))
                {
                    index = values.Count;
                    indexOf.Add(value, index);
                    values.Add(value);
                }
                valueOf[i] = index;
            }
            var counts = new long[values.Count];
            for (var i = 0; i < pool.Length; i++)
                if (valueOf[i] >= 0) counts[valueOf[i]] += groupTasks[i];
            spreadValueOf[s] = valueOf;
            spreadValues[s] = [.. values];
            spreadCounts[s] = counts;
        }

        /// <summary>The one rule, given the numbers <see cref="Measure"/> read so that nothing is read twice.</summary>
        private Unfit? Check(int i) => feasibility.Check(pool[i].Instance, pool[i].TaskGroups, cpuLeft[i], memoryLeft[i], groupTasks[i]);

        /// <summary>Fills the current task's score values (lower preferred) of every feasible candidate, strategy by strategy.</summary>
        public void Score()
        {
            var count = Strategies.Count;
            for (var s = 0; s < count; s++)
            {
                switch (Strategies[s].Type)
                {
                    case PlacementStrategy.Binpack:
                        var left = binpackCpu[s] ? cpuLeft : memoryLeft;
                        for (var f = 0; f < FeasibleCount; f++)
                            scores[feasible[f] * count + s] = left[feasible[f]];
                        break;
                    case PlacementStrategy.Spread:
                        var valueOf = spreadValueOf[s]!;
                        var counts = spreadCounts[s]!;
                        for (var f = 0; f < FeasibleCount; f++)
                        {
                            var i = feasible[f];
                            // Without a value the instance is outside the spread: it ranks after every instance that has one.
                            scores[i * count + s] = valueOf[i] >= 0 ? counts[valueOf[i]] : long.MaxValue;
                        }
                        break;
                    case PlacementStrategy.Random:
                        // Drawn in instance-id order, so one seed always gives each candidate the same number.
                        for (var f = 0; f < FeasibleCount; f++)
                            scores[feasible[f] * count + s] = random.Next();
                        break;
                    default:
                        throw new ArgumentException($"Strategy {Strategies[s]} should have been validated.", "strategies");
                }
            }
        }

        /// <summary>The best and second-best feasible candidates (second -1 when alone): scores in strategy order, then instance id.</summary>
        public (int Winner, int RunnerUp) Rank()
        {
            int best = feasible[0], second = -1;
            for (var f = 1; f < FeasibleCount; f++)
            {
                // Candidates come in id order, so on equal scores the one already held has the lower id and stays ahead.
                var i = feasible[f];
                if (Before(i, best))
                {
                    second = best;
                    best = i;
                }
                else if (second < 0 || Before(i, second))
                {
                    second = i;
                }
            }
            return (best, second);
        }

        private bool Before(int i, int j)
        {
            var count = Strategies.Count;
            for (var s = 0; s < count; s++)
            {
                var difference = scores[i * count + s].CompareTo(scores[j * count + s]);
                if (difference != 0) return difference < 0;
            }
            return false;
        }

        /// <summary>The first strategy on which the winner beat the runner-up, in the words of that strategy.</summary>
        public string ChosenBy(int winner, int runnerUp)
        {
            if (runnerUp < 0) return "the only container instance that met all requirements";
            var count = Strategies.Count;
            for (var s = 0; s < count; s++)
            {
                if (scores[winner * count + s] == scores[runnerUp * count + s]) continue;
                return Strategies[s].Type switch
                {
                    PlacementStrategy.Random => $"random(seed {request.Seed})",
                    PlacementStrategy.Binpack => $"{Strategies[s]}: least {Meaning(winner, s)}",
                    _ => $"{Strategies[s]}: {Meaning(winner, s)}",
                };
            }
            return $"tied on every strategy: lowest instance id {pool[winner].Instance.InstanceId}";
        }

        /// <summary>What <see cref="PlacementRecord"/> keeps: the winner, then the next accepted candidates in instance-id order.</summary>
        public ImmutableList<CandidateVerdict> KeptAccepted(int winner)
        {
            var kept = ImmutableList.CreateBuilder<CandidateVerdict>();
            kept.Add(Accepted(winner));
            for (var f = 0; f < FeasibleCount && kept.Count < PlacementRecord.MaxAcceptedKept; f++)
                if (feasible[f] != winner) kept.Add(Accepted(feasible[f]));
            return kept.ToImmutable();
        }

        private CandidateVerdict Accepted(int i)
        {
            var count = Strategies.Count;
            var scored = ImmutableList.CreateBuilder<StrategyScore>();
            for (var s = 0; s < count; s++) scored.Add(new StrategyScore(strategyNames[s], scores[i * count + s], Meaning(i, s)));
            return CandidateVerdict.Accept(pool[i].Instance.InstanceId, scored.ToImmutable());
        }

        private string Meaning(int i, int s)
        {
            var strategy = Strategies[s];
            var value = scores[i * Strategies.Count + s];
            switch (strategy.Type)
            {
                case PlacementStrategy.Binpack:
                    return $"remaining {(binpackCpu[s] ? PlacementStrategy.CpuField : PlacementStrategy.MemoryField)} {value}";
                case PlacementStrategy.Spread:
                    var field = strategy.Field!;
                    var index = spreadValueOf[s]![i];
                    if (index < 0) return $"has no {field} to spread on";
                    var spreadValue = spreadValues[s]![index];
                    var described = field.StartsWith(PlacementStrategy.AttributePrefix, StringComparison.OrdinalIgnoreCase)
                        ? $"{field[PlacementStrategy.AttributePrefix.Length..]} {spreadValue}"
                        : $"instance {spreadValue}";
                    return $"{described} had {value} tasks of group {request.TaskGroup}";
                default:
                    return $"drew {value} from seed {request.Seed}";
            }
        }

        /// <summary>
        /// The rejected candidates grouped by (reason, detail) in order of first appearance, with their count and the
        /// lowest ids. Unchanged from one task to the next unless the last winner became unfeasible, so it is reused.
        /// </summary>
        public ImmutableList<RejectedGroup> RejectedGroups()
        {
            if (rejectedGroups is not null) return rejectedGroups;
            var groups = new List<(Unfit Refusal, int Count, ImmutableList<string>.Builder Ids)>();
            var indexOf = new Dictionary<(string, string), int>();
            var last = -1;
            for (var i = 0; i < pool.Length; i++)
            {
                if (refusals[i] is not { } refusal) continue;
                // Refusals other than a shortage share their detail string, so runs of them skip hashing it.
                var index = last;
                if (last < 0 || !ReferenceEquals(groups[last].Refusal.Detail, refusal.Detail) || groups[last].Refusal.Reason != refusal.Reason)
                    index = indexOf.GetValueOrDefault((refusal.Reason, refusal.Detail), -1);
                if (index < 0)
                {
                    index = groups.Count;
                    indexOf.Add((refusal.Reason, refusal.Detail), index);
                    groups.Add((refusal, 0, ImmutableList.CreateBuilder<string>()));
                }
                var group = groups[index];
                if (group.Ids.Count < PlacementRecord.MaxIdsPerReason) group.Ids.Add(pool[i].Instance.InstanceId);
                groups[index] = group with { Count = group.Count + 1 };
                last = index;
            }
            return rejectedGroups = [.. groups.Select(g => new RejectedGroup(g.Refusal.Rejection, g.Refusal.Reason, g.Refusal.Detail, g.Count, g.Ids.ToImmutable()))];
        }

        /// <summary>RunTask's failures once nothing is feasible: one per instance considered, in instance-id order.</summary>
        public ImmutableList<PlacementFailure> Failures()
        {
            var failures = ImmutableList.CreateBuilder<PlacementFailure>();
            for (var i = 0; i < pool.Length; i++)
            {
                var refusal = refusals[i]!.Value;
                failures.Add(new PlacementFailure(pool[i].Instance.ClusterName, pool[i].Instance.InstanceId, refusal.Reason, refusal.Detail));
            }
            return failures.ToImmutable();
        }

        /// <summary>Reserves the task on the winner, the only candidate whose numbers and verdict can change.</summary>
        public void PlaceOn(int winner)
        {
            var placedOn = pool[winner];
            pool[winner] = placedOn with
            {
                Instance = placedOn.Instance with
                {
                    // The rule accepted the winner: the ledger only books the task.
                    RemainingResources = ResourceLedger.Take(placedOn.Instance.RegisteredResources, placedOn.Instance.RemainingResources, request.Demand),
                    PendingTasksCount = placedOn.Instance.PendingTasksCount + 1,
                },
                TaskGroups = placedOn.TaskGroups.Add(request.TaskGroup),
            };
            Measure(winner);
            for (var s = 0; s < Strategies.Count; s++)
                if (spreadValueOf[s] is { } valueOf && valueOf[winner] >= 0) spreadCounts[s]![valueOf[winner]]++;

            if (Check(winner) is not { } refusal) return;
            refusals[winner] = refusal;
            var at = Array.IndexOf(feasible, winner, 0, FeasibleCount);
            Array.Copy(feasible, at + 1, feasible, at, FeasibleCount - at - 1);
            FeasibleCount--;
            rejectedGroups = null;
        }

    }
}
