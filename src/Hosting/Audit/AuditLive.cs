using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Hosting.Gateway.Shapes;
using Actors.Nodes.Agent;
using Actors.Nodes.Protocol;
using Actors.Nodes.Services;
using Actors.Nodes.Sharding;

namespace Actors.Hosting.Audit;

/// <summary>
/// `audit verify --endpoint`: every entity of the journal, folded through the same Apply its actor uses, must be what the
/// live cluster answers for it: the Describe* answer built from the replayed state equals the gateway's, field for
/// field, but for the few fields the gateway fills from other entities or from the moment (<see cref="LiveOnly"/>).
/// An entity that changes while it is compared is compared again; what still differs is a problem named by its
/// persistence id and newest sequence number, with the fields that differ.
/// </summary>
public sealed class AuditLive(AuditJournal journal, GatewayClient gateway)
{
    /// <summary>How often an entity that differs is read again on both sides: a live cluster may have moved on in between.</summary>
    private const int Attempts = 3;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    /// <summary>DescribeTasks' limit per call.</summary>
    private const int TasksPerDescribe = 100;
    /// <summary>How many differing fields a problem names.</summary>
    private const int FieldsNamed = 5;

    /// <summary>
    /// Fields of a Describe answer that no entity's journal holds: a cluster's task counts (its instances hold the tasks), a
    /// service's task counts (the tasks it observes in the cluster; an old deployment's desired count is what it still
    /// runs) and a daemon service's desired count (its eligible instances). Paths as <see cref="Differences"/> names them,
    /// "*" for any array index.
    /// </summary>
    private static readonly Dictionary<string, HashSet<string>> LiveOnly = new(StringComparer.Ordinal)
    {
        [EntityKinds.Cluster] = ["runningTasksCount", "pendingTasksCount", "statistics"],
        [EntityKinds.Service] =
        [
            "runningCount", "pendingCount", "deployments[*].runningCount", "deployments[*].pendingCount", "deployments[*].desiredCount",
            "currentServiceRevisions[*].requestedTaskCount", "currentServiceRevisions[*].runningTaskCount", "currentServiceRevisions[*].pendingTaskCount",
        ],
    };
    private static readonly HashSet<string> DaemonLiveOnly = ["desiredCount"];

    public int EntitiesCompared { get; private set; }

    /// <summary>Compares every entity of <paramref name="persistenceIds"/> (newest sequence number each) with the live cluster.</summary>
    public async Task<List<AuditProblem>> Compare(IReadOnlyDictionary<string, long> persistenceIds, CancellationToken cancellationToken)
    {
        var problems = new List<AuditProblem>();
        foreach (var (persistenceId, sequenceNr) in persistenceIds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var difference in await CompareEntity(persistenceId, cancellationToken))
                problems.Add(new AuditProblem(persistenceId, sequenceNr, "live", difference));
            EntitiesCompared++;
        }
        return problems;
    }

    /// <summary>What still differs after <see cref="Attempts"/> reads, one sentence per Describe answer that differs.</summary>
    private async Task<List<string>> CompareEntity(string persistenceId, CancellationToken cancellationToken)
    {
        var differences = new List<string>();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            differences.Clear();
            // The live answer first: the journal read after it holds at least what the answer was built from.
            await foreach (var (what, live, replayed, ignored) in Pairs(persistenceId, cancellationToken))
            {
                var fields = new List<string>();
                Differences(replayed, live, "", ignored, fields);
                if (fields.Count > 0)
                    differences.Add($"{what}: the replayed journal and the live cluster differ in {string.Join(", ", fields.Take(FieldsNamed))}"
                                    + (fields.Count > FieldsNamed ? $" and {fields.Count - FieldsNamed} more" : "") + ".");
            }
            if (differences.Count == 0 || attempt == Attempts) break;
            await Task.Delay(Settle, cancellationToken);
        }
        return differences;
    }

    /// <summary>For one entity, each Describe answer it makes: what it is, the live answer, the replayed one and the live-only fields.</summary>
    private async IAsyncEnumerable<(string What, JsonNode? Live, JsonNode? Replayed, IReadOnlySet<string> Ignored)> Pairs(
        string persistenceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var none = new HashSet<string>();
        if (EntityKinds.TryParsePersistenceId(persistenceId, EntityKinds.Cluster, out var clusterName))
        {
            var live = await Describe("DescribeClusters", new JsonObject { ["clusters"] = Names(clusterName), ["include"] = Names("TAGS", "SETTINGS", "STATISTICS", "CONFIGURATIONS") },
                "clusters", cancellationToken);
            var state = await Fold<Cluster, ClusterState, IClusterCommand, IClusterEvent>(EntityKinds.Cluster, clusterName, cancellationToken);
            yield return ($"cluster {clusterName}", live.Answer, state.Status is null || live.Account is null ? null
                : Wire(ClusterShape.From(state, live.Account, ClusterShape.Details.All, ClusterShape.TaskCounts.None)), LiveOnly[EntityKinds.Cluster]);
        }
        else if (EntityKinds.TryParsePersistenceId(persistenceId, EntityKinds.Service, out var serviceId))
        {
            // The entity id's halves, as the aggregate reads them.
            var named = Service.Empty(serviceId);
            var (cluster, name) = (named.ClusterName, named.Name);
            var live = await Describe("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = Names(name), ["include"] = Names("TAGS") },
                "services", cancellationToken);
            var state = await Fold<Service, ServiceState, IServiceCommand, IServiceEvent>(EntityKinds.Service, serviceId, cancellationToken);
            var ignored = state.SchedulingStrategy == SchedulingStrategy.DAEMON
                ? [.. LiveOnly[EntityKinds.Service], .. DaemonLiveOnly]
                : LiveOnly[EntityKinds.Service];
            // DescribeServices answers an INACTIVE service for about an hour, then MISSING: both are what ECS does.
            var replayed = state.Status is null || live.Account is null || (state.Status == ServiceStatus.INACTIVE && live.Answer is null) ? null
                : Wire(ServiceShape.From(ServiceEntity.ViewOf(state, null), live.Account, includeTags: true));
            yield return ($"service {serviceId}", live.Answer, replayed, ignored);
        }
        else if (EntityKinds.TryParsePersistenceId(persistenceId, EntityKinds.ContainerInstance, out var instanceEntityId))
        {
            var named = ContainerInstance.Empty(instanceEntityId);
            var (cluster, instanceId) = (named.ClusterName, named.InstanceId);
            // Which tasks to ask about; the fold compared is the one after every live answer.
            var known = await Fold<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>(
                EntityKinds.ContainerInstance, instanceEntityId, cancellationToken);
            var taskIds = known.Tasks.Keys.Order(StringComparer.Ordinal).ToList();
            var live = await Describe("DescribeContainerInstances",
                new JsonObject { ["cluster"] = cluster, ["containerInstances"] = Names(instanceId), ["include"] = Names("TAGS") }, "containerInstances", cancellationToken);
            var tasks = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var batch in taskIds.Chunk(TasksPerDescribe))
                foreach (var (taskId, answer) in await DescribeMany("DescribeTasks",
                             new JsonObject { ["cluster"] = cluster, ["tasks"] = Names(batch), ["include"] = Names("TAGS") }, "tasks", "taskArn", cancellationToken))
                    tasks[taskId] = answer;
            var state = await Fold<ContainerInstance, ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>(
                EntityKinds.ContainerInstance, instanceEntityId, cancellationToken);
            yield return ($"container instance {instanceEntityId}", live.Answer,
                state.Status is null || live.Account is null ? null : Wire(ContainerInstanceShape.From(state, live.Account, includeTags: true)), none);
            if (state.Status is null) yield break;
            foreach (var taskId in taskIds)
            {
                var answer = tasks.GetValueOrDefault(taskId);
                var account = AccountOf(answer, "taskArn") ?? live.Account;
                yield return ($"task {cluster}/{taskId}", answer, account is null || !state.Tasks.TryGetValue(taskId, out var task) ? null
                    : Wire(TaskShape.From(TaskDescription.Of(task, state), account, includeTags: true)), none);
            }
        }
        else if (EntityKinds.TryParsePersistenceId(persistenceId, EntityKinds.TaskDefinitionFamily, out var family))
        {
            var known = await Fold<TaskDefinitionFamily, TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>(
                EntityKinds.TaskDefinitionFamily, family, cancellationToken);
            var answers = new List<(int Number, JsonObject? Live)>();
            foreach (var number in known.Revisions.Select(r => r.Revision))
            {
                try
                {
                    answers.Add((number, await gateway.Ecs<JsonObject>("DescribeTaskDefinition",
                        new JsonObject { ["taskDefinition"] = $"{family}:{number}", ["include"] = Names("TAGS") }, cancellationToken)));
                }
                catch (GatewayError error) when (error.Status < 500)
                {
                    answers.Add((number, null));
                }
            }
            var state = await Fold<TaskDefinitionFamily, TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>(
                EntityKinds.TaskDefinitionFamily, family, cancellationToken);
            foreach (var (number, live) in answers)
            {
                var account = AccountOf(live?["taskDefinition"], "taskDefinitionArn");
                var revision = state.Revisions.FirstOrDefault(r => r.Revision == number);
                yield return ($"task definition {family}:{number}", live, account is null || revision is null ? null
                    : new JsonObject { ["taskDefinition"] = Wire(TaskDefinitionShape.From(revision, account)), ["tags"] = Wire(revision.Tags) }, none);
            }
        }
    }

    private async Task<TState> Fold<TAggregate, TState, TCommand, TEvent>(string kind, string entityId, CancellationToken cancellationToken)
        where TAggregate : IAggregate<TState, TCommand, TEvent>
        where TEvent : class, IDomainEvent =>
        (await AuditState.Fold<TAggregate, TState, TCommand, TEvent>(journal, kind, entityId, DateTimeOffset.MaxValue, cancellationToken)).State;

    /// <summary>The one entity a Describe* call answers (null when it answers a failure), and the account its ARN names.</summary>
    private async Task<(JsonNode? Answer, AccountScope? Account)> Describe(string action, JsonObject request, string member, CancellationToken cancellationToken)
    {
        var response = await gateway.Ecs<JsonObject>(action, request, cancellationToken);
        var answer = (response[member] as JsonArray)?.FirstOrDefault();
        return (answer?.DeepClone(), AccountOf(answer, ArnMember(member)));
    }

    private async Task<Dictionary<string, JsonNode?>> DescribeMany(string action, JsonObject request, string member, string arnMember, CancellationToken cancellationToken)
    {
        var response = await gateway.Ecs<JsonObject>(action, request, cancellationToken);
        return (response[member] as JsonArray ?? []).Where(a => a?[arnMember] is not null)
            .ToDictionary(a => a![arnMember]!.GetValue<string>().Split('/')[^1], a => (JsonNode?)a!.DeepClone(), StringComparer.Ordinal);
    }

    private static string ArnMember(string member) => member switch
    {
        "clusters" => "clusterArn",
        "services" => "serviceArn",
        "containerInstances" => "containerInstanceArn",
        _ => throw new ArgumentOutOfRangeException(nameof(member), member, null),
    };

    private static AccountScope? AccountOf(JsonNode? answer, string arnMember) =>
        answer?[arnMember]?.GetValue<string>() is { } text && Arn.TryParse(text, out var arn) ? new AccountScope(arn.Region, arn.AccountId) : null;

    private static JsonArray Names(params IEnumerable<string> names) => new([.. names.Select(n => (JsonNode)JsonValue.Create(n))]);

    private static JsonNode? Wire(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), WireJson.Options);

    /// <summary>The paths where two JSON documents differ (members absent on one side and null on the other are alike).</summary>
    public static void Differences(JsonNode? replayed, JsonNode? live, string path, IReadOnlySet<string> ignored, List<string> found)
    {
        if (ignored.Contains(AnyIndex.Replace(path, "[*]"))) return;
        switch (replayed, live)
        {
            case (null, null):
                return;
            case (JsonObject left, JsonObject right):
                foreach (var key in left.Select(p => p.Key).Union(right.Select(p => p.Key)).Order(StringComparer.Ordinal))
                    Differences(left[key], right[key], path.Length == 0 ? key : $"{path}.{key}", ignored, found);
                return;
            case (JsonArray left, JsonArray right) when left.Count == right.Count:
                for (var i = 0; i < left.Count; i++) Differences(left[i], right[i], $"{path}[{i}]", ignored, found);
                return;
            case (null, _):
                found.Add($"{Named(path)} (only live)");
                return;
            case (_, null):
                found.Add($"{Named(path)} (only in the journal)");
                return;
            default:
                if (!JsonNode.DeepEquals(replayed, live)) found.Add(Named(path));
                return;
        }
    }

    private static string Named(string path) => path.Length == 0 ? "the whole answer" : path;

    /// <summary>"deployments[0].runningCount" is ignored as "deployments[*].runningCount".</summary>
    private static readonly Regex AnyIndex = new(@"\[\d+\]", RegexOptions.Compiled);
}
