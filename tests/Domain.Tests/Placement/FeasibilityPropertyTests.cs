using System.Collections.Immutable;
using System.Globalization;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Scheduling;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Placement;

/// <summary>
/// The Placer and the instance that takes a task apply one rule (<see cref="Feasibility"/>): over seeded random
/// clusters (resources, ports, attributes, statuses, agents, running and stopped tasks of several groups) and requests
/// (demand, ports, memberOf on attributes, task groups and task counts from the definition and the request,
/// distinctInstance, required attributes, strategies, counts) made as the cluster scheduler makes them, whatever the Placer chooses, the chosen instance's own DecidePlace on the same state accepts,
/// task after task; and for the first task every instance's DecidePlace answers what the Placer found of it. Each case is
/// reproducible from its seed, which every assertion message names.
/// </summary>
public class FeasibilityPropertyTests
{
    private const int Cases = 1000;
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    private static readonly string[] Tiers = ["gold", "silver"];
    private static readonly string[] Groups = ["family:web", "family:batch", "service:db"];
    private static readonly int[] HostPorts = [80, 443, 8080];
    private static readonly int[] UdpPorts = [53, 5000];

    private static readonly PlacementConstraint[] MemberOfs =
    [
        PlacementConstraint.Member("attribute:tier == gold"),
        PlacementConstraint.Member("attribute:ecs.availability-zone != us-east-1c"),
        PlacementConstraint.Member("task:group == service:db"),
        PlacementConstraint.Member("not(task:group == family:batch)"),
        PlacementConstraint.Member("runningTasksCount < 2"),
        PlacementConstraint.Member("attribute:ecs.instance-type =~ m5.*"),
    ];

    private static readonly RequiredAttribute[] Requirements =
    [
        new() { Name = "tier" },
        new() { Name = "tier", Value = "gold" },
        new() { Name = "ecs.capability.gpu" },
    ];

    private static readonly PlacementStrategy[] Strategies =
    [
        PlacementStrategy.BinpackOn("cpu"), PlacementStrategy.BinpackOn("memory"), PlacementStrategy.SpreadOn("instanceId"),
        PlacementStrategy.SpreadOn("attribute:ecs.availability-zone"), PlacementStrategy.SpreadOn("attribute:tier"), PlacementStrategy.RandomPlacement,
    ];

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, Cases).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Whatever_the_placer_chooses_the_instance_accepts_and_every_instance_refuses_what_the_placer_refused(int seed)
    {
        var random = new Random(seed);
        var instances = RandomCluster(random).ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        var view = new PlacementView();
        foreach (var instance in instances.Values)
            view.Apply(new InstanceChanges(instance.WithoutTasks(), [.. instance.Tasks.Values.Select(t => TaskSummary.Of(t, instance.Version))], [], instance.Version));
        var (revision, requestConstraints, request) = RandomRequest(random, seed);

        var result = Placer.Place(request, view.Candidates());

        // For the first task the Placer judged every registered instance against the cluster as it is.
        var first = result.Decisions.Count > 0 ? result.Decisions[0] : null;
        var refusedBy = first?.Rejected.SelectMany(g => g.ContainerInstanceIds.Select(id => (id, g.Reason))).ToDictionary(r => r.id, r => r.Reason)
                        ?? [];
        foreach (var instance in instances.Values.Where(i => i.IsRegistered))
        {
            var decision = ContainerInstance.Decide(instance, Place(instance, revision, requestConstraints, request, 0, first));
            Assert.True(refusedBy.GetValueOrDefault(instance.InstanceId) == decision.Error?.Message,
                $"seed {seed}: instance {instance.InstanceId} was {refusedBy.GetValueOrDefault(instance.InstanceId) ?? "accepted"} by the Placer " +
                $"and {decision.Error?.Message ?? "accepted"} by its own DecidePlace");
        }

        // Then every task the Placer placed is taken by its instance, each on the state the previous ones left.
        foreach (var placed in result.Placements)
        {
            var id = placed.ContainerInstanceId!;
            var decision = ContainerInstance.Decide(instances[id], Place(instances[id], revision, requestConstraints, request, placed.TaskIndex, placed));
            Assert.True(decision.IsAccepted && decision.Events.OfType<TaskPlaced>().Any(),
                $"seed {seed}: task {placed.TaskIndex} was placed on {id} ({placed.ChosenBy}) but the instance refused it: {decision.Error?.Message}");
            instances[id] = decision.Events.Aggregate(instances[id], ContainerInstance.Apply);
        }
    }

    /// <summary>The scheduler's PlaceTask for a task of the request: the task made from the revision, the request's constraints as its binding.</summary>
    private static PlaceTask Place(
        ContainerInstanceState instance, TaskDefinitionRevision revision, ImmutableList<PlacementConstraint> requestConstraints, PlacementRequest request,
        int taskIndex, PlacementDecision? decision)
    {
        var task = TaskLifecycle.Create($"task-{taskIndex:D4}", instance.ClusterName, instance.InstanceId, revision, null, request.TaskGroup, null, [],
            request.Demand, T0);
        var record = decision?.Placed == true ? PlacementRecord.From(decision) : PlacementRecord.ChosenByCaller(instance.InstanceId);
        return new PlaceTask(new RequestContext(T0, $"req-{taskIndex}", "AKIDEXAMPLE"), task, record, new PlacementBinding(requestConstraints));
    }

    private static List<ContainerInstanceState> RandomCluster(Random random)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (ids.Count < random.Next(1, 17))
            ids.Add(string.Concat(Enumerable.Range(0, 32).Select(_ => "0123456789abcdef"[random.Next(16)])));
        return [.. ids.Select(id => RandomInstance(random, id))];
    }

    private static ContainerInstanceState RandomInstance(Random random, string id)
    {
        var registered = ImmutableList.Create(
            Resource.Integer(ResourceNames.Cpu, random.Next(0, 17) * 256),
            Resource.Integer(ResourceNames.Memory, random.Next(0, 17) * 512),
            Resource.StringSet(ResourceNames.Ports, PlacementFixtures.AgentPorts),
            Resource.StringSet(ResourceNames.UdpPorts, []));
        var attributes = ImmutableList.Create(
            new Attribute("ecs.availability-zone", Zones[random.Next(Zones.Length)]),
            new Attribute("ecs.instance-type", random.Next(2) == 0 ? "m5.large" : "c5.large"));
        if (random.Next(3) > 0) attributes = attributes.Add(new Attribute("tier", Tiers[random.Next(Tiers.Length)]));
        if (random.Next(4) == 0) attributes = attributes.Add(new Attribute("ecs.capability.gpu"));

        // Tasks already there: running or starting ones hold their resources and count for their group, stopped ones neither.
        var remaining = registered;
        var tasks = ImmutableDictionary.CreateBuilder<string, TaskState>(StringComparer.Ordinal);
        for (var t = random.Next(0, 4); t > 0; t--)
        {
            var demand = ResourceDemand.Of(random.Next(0, 3) * 128, random.Next(0, 3) * 256,
                HostPorts.Where(_ => random.Next(4) == 0), UdpPorts.Where(_ => random.Next(6) == 0));
            var status = random.Next(4) switch
            {
                0 => TaskLifecycleStatus.STOPPED,
                1 => TaskLifecycleStatus.PROVISIONING,
                _ => TaskLifecycleStatus.RUNNING,
            };
            if (status != TaskLifecycleStatus.STOPPED)
            {
                if (Feasibility.Shortage(remaining, demand) is not null) continue;
                remaining = ResourceLedger.Take(registered, remaining, demand);
            }
            var group = Groups[random.Next(Groups.Length)];
            var taskId = $"existing-{tasks.Count:D2}-{id[..8]}";
            tasks[taskId] = TaskLifecycle.Create(taskId, PlacementFixtures.Cluster, id, Revision(group.Split(':')[1]),
                null, group, null, [], demand, T0) with { LastStatus = status };
        }

        return ContainerInstanceState.Unregistered(PlacementFixtures.Cluster, id) with
        {
            Status = random.Next(10) switch
            {
                0 => ContainerInstanceStatus.DRAINING,
                1 => ContainerInstanceStatus.INACTIVE,
                _ => ContainerInstanceStatus.ACTIVE,
            },
            AgentConnected = random.Next(8) > 0,
            RegisteredResources = registered,
            RemainingResources = remaining,
            Attributes = attributes,
            Tasks = tasks.ToImmutable(),
            RunningTasksCount = tasks.Values.Count(t => t.LastStatus == TaskLifecycleStatus.RUNNING),
            PendingTasksCount = tasks.Values.Count(t => t.LastStatus is not (TaskLifecycleStatus.RUNNING or TaskLifecycleStatus.STOPPED)),
            Version = random.Next(1, 100),
        };
    }

    /// <summary>A revision with its own memberOf constraints and required attributes, the request's constraints, and the
    /// PlacementRequest the cluster scheduler makes of them.</summary>
    private static (TaskDefinitionRevision, ImmutableList<PlacementConstraint>, PlacementRequest) RandomRequest(Random random, int seed)
    {
        var revision = Revision("web") with { RequiresAttributes = [.. Requirements.Where(_ => random.Next(10) == 0)] };
        revision = revision with
        {
            Spec = revision.Spec with
            {
                PlacementConstraints = [.. MemberOfs.Where(_ => random.Next(16) == 0).Select(c => new TaskDefinitionPlacementConstraint { Type = c.Type, Expression = c.Expression })],
            },
        };
        var constraints = MemberOfs.Where(_ => random.Next(12) == 0).ToList();
        if (random.Next(3) == 0) constraints.Add(PlacementConstraint.Distinct);
        var request = new PlacementRequest(
            ResourceDemand.Of(random.Next(0, 9) * 128, random.Next(0, 9) * 256,
                HostPorts.Where(_ => random.Next(5) == 0), UdpPorts.Where(_ => random.Next(8) == 0)),
            PlacementRules.Combine(revision.Spec.PlacementConstraints, constraints),
            [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Strategies[random.Next(Strategies.Length)])],
            random.Next(1, 11),
            Groups[random.Next(Groups.Length)],
            [.. revision.RequiresAttributes],
            seed);
        return (revision, [.. constraints], request);
    }

    private static TaskDefinitionRevision Revision(string family) =>
        TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = family,
            ContainerDefinitions = [new ContainerDefinition { Name = family, Image = "busybox", Memory = 128 }],
        }, 1, null, new RequestContext(T0, "req-register", "AKIDEXAMPLE"));
}
