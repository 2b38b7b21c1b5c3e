using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Scheduling;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;
using Xunit.Abstractions;
using Attribute = Actors.Domain.ContainerInstances.Attribute;
using KeyValuePair = Actors.Domain.TaskDefinitions.KeyValuePair;

namespace Actors.Nodes.Tests;

/// <summary>
/// Every message that can cross nodes, built from the largest state Actors supports - an instance holding 500 tasks
/// whose overrides are as long as ECS allows, a cluster of 5,000 instances and 100,000 task records - serializes far
/// below Akka.Remote's 128,000-byte frame.
/// </summary>
public class MessageSizeTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private const int Limit = 64 * 1024;
    private const string Cluster = "big";
    private static readonly RequestContext Context = new(DateTimeOffset.UnixEpoch, Guid.NewGuid().ToString("N"), "AKIAIOSFODNN7EXAMPLE");

    private static string Id(int i) => $"{i:x32}";

    /// <summary>Three containers with environments, ports and commands: a realistic web task, not a toy.</summary>
    private static readonly TaskDefinitionRevision Revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
    {
        Family = "storefront-web",
        ContainerDefinitions =
        [
            .. Enumerable.Range(0, 3).Select(c => new ContainerDefinition
            {
                Name = $"container-{c}", Image = $"registry.example.com/storefront/component-{c}:2026.11.30-abcdef0", Memory = 256, Cpu = 128,
                Environment = [.. Enumerable.Range(0, 20).Select(e => new KeyValuePair { Name = $"SETTING_{e}", Value = new string('v', 40) })],
                PortMappings = [new PortMapping { ContainerPort = 8080 + c, HostPort = 0 }],
                Command = ["/bin/sh", "-c", new string('c', 200)],
            }),
        ],
    }, 42, [new Tag("team", "storefront")], Context);

    /// <summary>Overrides of exactly ECS's largest size: 8,192 characters of JSON.</summary>
    private static readonly TaskOverride LargestOverrides = new()
    {
        ContainerOverrides = [new ContainerOverride { Name = "container-0", Environment = [new KeyValuePair { Name = "BIG", Value = new string('x', 8100) }] }],
    };

    private static ContainerInstanceState InstanceWith500Tasks()
    {
        var attributes = Enumerable.Range(0, Attributes.MaxCustomPerResource).Select(i => new Attribute($"custom-{i}", new string('a', 128)))
            // As many agent attributes as an instance may have, each as long as ECS allows.
            .Concat(Enumerable.Range(0, Attributes.MaxAgentPerInstance).Select(i => new Attribute($"ecs.capability.feature-{i:D3}".PadRight(Attributes.MaxNameLength, 'f'), new string('v', Attributes.MaxValueLength))))
            .ToImmutableList();
        var instance = ContainerInstanceState.Unregistered(Cluster, Id(1)) with
        {
            Status = ContainerInstanceStatus.ACTIVE, AgentConnected = true, Attributes = attributes, Version = 5000,
            RegisteredResources = [Resource.Integer(ResourceNames.Cpu, 1 << 20), Resource.Integer(ResourceNames.Memory, 1 << 22),
                Resource.StringSet(ResourceNames.Ports, ["22", "2375", "2376", "51678"]), Resource.StringSet(ResourceNames.UdpPorts, [])],
        };
        var tasks = Enumerable.Range(0, 500).Select(i => TaskLifecycle.Create(Id(100_000 + i), Cluster, Id(1), Revision, LargestOverrides,
            "service:storefront-web", "ecs-svc/1234567890123456789", [new Tag("env", "production")], ResourceDemand.Of(384, 768), Context.At));
        return instance with { Tasks = tasks.ToImmutableDictionary(t => t.TaskId) };
    }

    private static ClusterState ClusterOf5000Instances() => new()
    {
        Name = Cluster, Status = ClusterStatus.ACTIVE, ContainerInstanceIds = [.. Enumerable.Range(0, 5000).Select(Id)],
        ClientTokens = Enumerable.Range(0, 1000).ToImmutableDictionary(i => $"token-{i}",
            i => new ClientTokenUse($"launch-{i}", new string('f', 64), Context.At, null)),
    };

    /// <summary>
    /// A service with the longest name and placement a request may give, rolling from one revision to another, whose 100
    /// events are the longest sentences the scheduler says.
    /// </summary>
    private static ServiceState LargestService()
    {
        var name = new string('s', 255);
        var constraints = Enumerable.Range(0, Domain.Placement.PlacementRules.MaxConstraints)
            .Select(i => new Domain.Placement.PlacementConstraint("memberOf", $"attribute:custom-{i} == {new string('q', Domain.Placement.ClusterQuery.MaxLength - 40)}"))
            .ToImmutableList();
        var revision = new ServiceRevision("storefront-web", 42, true, constraints, [.. Enumerable.Range(0, 5).Select(_ => new Domain.Placement.PlacementStrategy("spread", "attribute:ecs.availability-zone"))]);
        var deployment = new Deployment
        {
            Id = "ecs-svc/1234567890123456789", Revision = revision, Settings = DeploymentSettings.ReplicaDefault, CreatedAt = Context.At, UpdatedAt = Context.At,
            RolloutStateReason = new string('r', 300), StatusReason = new string('r', 300), BreakerThreshold = 200,
        };
        var taskList = string.Join(" ", Enumerable.Range(0, ServiceScheduler.MaxTasksPerLaunch).Select(i => $"(task {Id(i)})"));
        return Service.Empty($"{Cluster}/{name}") with
        {
            Status = ServiceStatus.ACTIVE, CreatedAt = Context.At, CreatedBy = Context.Principal, DesiredCount = 5000,
            Deployments = [deployment with { Status = DeploymentStatus.ACTIVE }, deployment with { Id = "ecs-svc/9876543210987654321" }],
            Messages = [.. Enumerable.Range(0, Service.MaxMessages).Select(i => new ServiceMessage(Guid.NewGuid().ToString(), Context.At,
                $"(service {name}) has stopped {ServiceScheduler.MaxTasksPerLaunch} running tasks: {taskList}."))],
        };
    }

    public static IEnumerable<object[]> Messages()
    {
        var instance = InstanceWith500Tasks();
        var tasks = instance.Tasks.Values.OrderBy(t => t.TaskId, StringComparer.Ordinal).ToList();
        var descriptions = tasks.Select(t => TaskDescription.Of(t, instance)).ToList();
        var reports = tasks.Select(t => new ReportedTask
        {
            TaskId = t.TaskId, PullStartedAt = Context.At, PullStoppedAt = Context.At,
            Containers = [.. t.Containers.Select(c => new ReportedContainer
            {
                Name = c.Name, RuntimeId = new string('d', 64), Status = "RUNNING", ImageDigest = "sha256:" + new string('e', 64),
                NetworkBindings = [new NetworkBinding("0.0.0.0", 8080, 32768, "tcp")],
            })],
        }).ToList();
        var spec = new LaunchSpec(Revision, LargestOverrides, "service:storefront-web", "ecs-svc/1234567890123456789", [new Tag("env", "production")],
            ResourceDemand.Of(384, 768), [new Domain.Placement.PlacementConstraint("memberOf", new string('q', 2000))],
            [new Domain.Placement.PlacementStrategy("spread", "attribute:ecs.availability-zone")], false);
        var failures = Enumerable.Range(0, LaunchCoordinator.MaxFailuresPerLaunch)
            .Select(i => new LaunchFailure(Id(i), ResourceFailureReasons.Memory, "Needs 768 MiB of memory, 512 remaining.")).ToImmutableList();
        var cluster = ClusterOf5000Instances();
        var longestTags = Enumerable.Range(0, Tags.MaxPerResource)
            .Select(i => new Tag($"{i}".PadRight(Tags.MaxKeyLength, 'k'), new string('v', Tags.MaxValueLength))).ToImmutableList();

        var service = LargestService();
        // 200 deployments, every other one rolling back the one before it.
        var history = service with
        {
            Deployments = [.. Enumerable.Range(0, 200).Select(i => service.Deployments[0] with
            {
                Id = $"ecs-svc/{i:D19}", Status = DeploymentStatus.INACTIVE, RollbackOf = i % 2 == 1 ? $"ecs-svc/{i - 1:D19}" : null,
                SourceDeploymentIds = [.. Enumerable.Range(0, 5).Select(s => $"ecs-svc/{s:D19}")],
            })],
        };

        var pageSize = new SchedulerOptions().ObservationPageSize;
        var observedTasks = Enumerable.Range(0, pageSize).Select(i => new ObservedTask(Id(200_000 + i), "ecs-svc/1234567890123456789", Id(i),
            TaskLifecycleStatus.STOPPED, TaskLifecycleStatus.STOPPED, "UNHEALTHY", Context.At, TaskStopCode.ServiceSchedulerInitiated, Context.At)).ToList();
        var observedInstances = Enumerable.Range(0, pageSize).Select(i => new ObservedInstance(Id(i), false, true, new string('z', Attributes.MaxValueLength))).ToList();

        IEnumerable<(string Name, object Message)> all =
        [
            ("instance reply (500 tasks)", new EntityResponse<ContainerInstanceState>(instance.WithoutTasks(), null)),
            ("change feed message", new InstanceChanged(new InstanceChanges(instance.WithoutTasks(),
                [.. tasks.Take(100).Select(t => TaskSummary.Of(t, instance.Version))], [.. tasks.Skip(100).Take(100).Select(t => t.TaskId)], 5000))),
            ("change acknowledgement", new InstanceChangesAcknowledged(5000, [.. tasks.Take(200).Select(t => t.TaskId)])),
            ("agent sync answer", ContainerInstanceEntity.SyncAnswer(instance, new HashSet<string>())),
            ("agent sync answer (steady)", ContainerInstanceEntity.SyncAnswer(instance, tasks.Select(t => t.TaskId).ToHashSet())),
            ("agent sync (last part of the report)", new AgentSync(new ReportAgentState(Context, [.. MessageBudget.Parts(reports).Last()]), 77,
                TimeSpan.FromSeconds(20), 4)),
            .. MessageBudget.Parts(reports).Select((part, i) => ($"agent report part {i}", (object)new AgentReportPart(Context.RequestId, Context.Principal, i, [.. part]))),
            ("place task (the most and longest constraints)", new PlaceTask(Context, tasks[0], PlacementRecord.ChosenByCaller(Id(1)),
                new Domain.Placement.PlacementBinding([.. Enumerable.Repeat(Domain.Placement.PlacementConstraint.Member(new string('q', Domain.Placement.ClusterQuery.MaxLength)),
                    Domain.Placement.PlacementRules.MaxConstraints)]))),
            ("task answer", new TaskAnswer(descriptions[0], null)),
            ("task tags (50, longest)", new TaskTags(longestTags, null)),
            ("tag task", new TagClusterTask(new TagTask(Context, Id(100_000), longestTags))),
            ("tasks described", new TasksDescribed([.. MessageBudget.Take(descriptions).Taken])),
            ("describe instance tasks", new DescribeInstanceTasks([.. tasks.Take(5).Select(t => t.TaskId)])),
            ("launch request", new LaunchTasks(Context, $"arn:aws:ecs:us-east-1:123456789012:task-definition/{spec.Revision.Family}:{spec.Revision.Revision}",
                new LaunchOptions(spec.Overrides, 8192, spec.Group, spec.StartedBy, spec.Tags, "TASK_DEFINITION", true, spec.Constraints, spec.Strategies,
                    new AccountScope("us-east-1", "123456789012")), 10, [.. Enumerable.Range(0, 10).Select(Id)], "token", new string('f', 64), failures)),
            ("launch result", new LaunchResult([.. descriptions.Take(10).Select(d => d with { Overrides = null })], failures, null)),
            ("locate tasks", new LocateTasks([.. tasks.Take(100).Select(t => t.TaskId)])),
            ("task locations", new TaskLocations(tasks.Take(100).ToImmutableDictionary(t => t.TaskId, _ => Id(1)))),
            ("task id page", new IdPage([.. tasks.Take(100).Select(t => t.TaskId)], true)),
            ("attribute page", new AttributePage([.. Enumerable.Range(0, 100).Select(i => new InstanceAttribute(Id(i), $"custom-{i % 10}", new string('a', 128)))], true)),
            ("cluster reply (5,000 instances)", new EntityResponse<ClusterState>(cluster.Public(), null)),
            ("cluster summary (5,000 instances)", new ClusterSummary(cluster.Public(), 5000, 100_000, 0)),
            ("task definition revision answer", new RevisionAnswer(Revision, null)),
            ("revision page", new RevisionPage([.. Enumerable.Range(1_000_000 - 101, 101)], true, true)),
            ("service answer (100 longest events, two deployments, longest placement)", new ServiceAnswer(ServiceEntity.ViewOf(service, null), null)),
            ("service answer (the same, with 50 of the longest tags)", new ServiceAnswer(ServiceEntity.ViewOf(service with { Tags = longestTags }, null), null)),
            ("deployments listed (100 asked, the longest placement)", ServiceEntity.ListedDeployments(history, new ListDeployments(null, null, [], null, 100))),
            ("deployments named (20, each rolled back, the longest placement)", ServiceEntity.NamedDeployments(history,
                [.. history.Deployments.Where(d => d.RollbackOf is null).Take(20).Select(d => d.Id)])),
            ("service observation page (each task on an instance of its own)", new ServiceObservationPage([.. observedTasks.Take(pageSize)],
                [.. observedInstances.Take(pageSize)], Id(1), null, null, Guid.NewGuid().ToString("N"), long.MaxValue)),
            ("service feed message (twice the tasks and instances it may carry)", new ServiceObservationChanged(Guid.NewGuid().ToString("N"), long.MaxValue,
                [.. observedTasks.Take(ClusterScheduler.MaxItemsPerServiceChange)], [], [.. observedInstances.Take(ClusterScheduler.MaxItemsPerServiceChange)], [])),
            ("register instance", new RegisterInstance(new RegisterContainerInstance(Context, Cluster, Id(1), "host", instance.RegisteredResources,
                new VersionInfo("1.0", "abc", "27.0"), instance.Attributes, [.. Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", new string('t', 256)))]), 5000)),
        ];
        return all.Select(m => new[] { m.Name, m.Message });
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Serializes_far_below_a_remote_frame(string name, object message)
    {
        var bytes = Sys.Serialization.FindSerializerFor(message).ToBinary(message);
        Assert.IsType<ActorsSerializer>(Sys.Serialization.FindSerializerFor(message));
        Output?.WriteLine($"{name}: {bytes.Length:N0} bytes");
        Assert.True(bytes.Length < Limit, $"{name} is {bytes.Length:N0} bytes, over {Limit:N0}");
    }

    [Fact]
    public void The_budget_counts_an_items_serialized_bytes_small_or_larger_than_its_scratch_space()
    {
        var instance = InstanceWith500Tasks();
        foreach (object item in new object[] { instance.Tasks.Values.First(), Revision, "é€ \u0001 quoted \"", instance.WithoutTasks() })
            Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(item, item.GetType(), StoredJson.Options).Length, MessageBudget.SizeOf(item));
    }

    [Fact]
    public void A_view_of_5000_instances_and_100000_tasks_answers_pages_and_locations_without_growing_its_answers()
    {
        var view = new PlacementView();
        for (var i = 0; i < 5000; i++)
        {
            var profile = ContainerInstanceState.Unregistered(Cluster, Id(i)) with { Status = ContainerInstanceStatus.ACTIVE, Version = 20 };
            view.Apply(new InstanceChanges(profile, [.. Enumerable.Range(0, 20).Select(t => new TaskSummary(Id(1_000_000 + i * 20 + t), "family:web",
                "web", null, TaskLifecycleStatus.RUNNING, TaskLifecycleStatus.RUNNING, null, 20))], [], 20));
        }
        Assert.Equal(100_000, view.Tasks().Count());
        Assert.Equal(Id(4999), view.Locate(Id(1_000_000 + 99_999)));
        Assert.Equal(5000, view.Statistics().RegisteredInstances);
    }
}
