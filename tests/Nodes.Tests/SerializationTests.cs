using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Persistence.Stored;
using Actors.Nodes.Sharding;
using Actors.Nodes.Tests.Golden;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

public class SerializationTests(ITestOutputHelper output) : NodeTestKit(output)
{
    public static TheoryData<Type> DomainMessageTypes()
    {
        var types = typeof(IDomainEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && (typeof(IDomainEvent).IsAssignableFrom(t) || typeof(IDomainCommand).IsAssignableFrom(t)));
        var data = new TheoryData<Type>();
        foreach (var type in types) data.Add(type);
        return data;
    }

    [Theory]
    [MemberData(nameof(DomainMessageTypes))]
    public void Every_event_and_command_has_a_manifest_and_our_serializer(Type type)
    {
        Assert.NotEmpty(Manifests.Of(type));
        Assert.IsType<ActorsSerializer>(Sys.Serialization.FindSerializerForType(type));
    }

    [Theory]
    [MemberData(nameof(DomainMessageTypes))]
    public void Every_event_is_stored_as_a_record_of_the_stored_layer(Type type)
    {
        if (!typeof(IDomainEvent).IsAssignableFrom(type)) return;
        Assert.True(StoredEventFormat.Current.HasCodecFor(type),
            $"{type.Name} has no stored record: add one and its codec in src/Nodes/Persistence/Stored, and a golden file (see GoldenEventTests).");
    }

    /// <summary>Audits replay one kind of entity by its tag: every event names the kind that writes it.</summary>
    [Fact]
    public void Every_event_is_tagged_with_the_kind_of_entity_that_writes_it()
    {
        var kinds = GoldenEvents.Expected.ToDictionary(e => e.Key, e => EntityKinds.TagOf((IDomainEvent)e.Value));

        Assert.All(kinds.Where(k => k.Key.StartsWith("service-", StringComparison.Ordinal)), k => Assert.Equal(EntityKinds.Service, k.Value));
        Assert.Equal(EntityKinds.Cluster, kinds["cluster-service-admitted.v1"]);
        Assert.Equal(EntityKinds.Cluster, kinds["cluster-service-released.v1"]);
    }

    [Fact]
    public void Manifests_are_unique_and_versioned()
    {
        var manifests = Manifests.Types.Select(Manifests.Of).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
        Assert.All(manifests, m => Assert.Matches(@"^[a-z0-9-]+\.v\d+$", m));
    }

    [Fact]
    public void Stored_bytes_carry_no_clr_type_names()
    {
        var created = new Domain.Clusters.ClusterCreated(
            new EventMetadata(DateTimeOffset.UnixEpoch, "req", "AKIATEST", "created cluster web"), "web", [new Tag("a", "b")], [], null, null);
        var serializer = Sys.Serialization.FindSerializerFor(created);
        var bytes = serializer.ToBinary(created);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("Actors.", text);
        Assert.Contains("\"requestId\":\"req\"", text);
        Assert.Equal(created with { Tags = created.Tags }, Roundtrip(created), new EventComparer());
    }

    /// <summary>
    /// A service's state is its snapshot and its reply: every member, the deployments' sets of counted failures and the
    /// tasks it is stopping included, reads back as it was written, and the service goes on from it as from the original.
    /// </summary>
    [Fact]
    public void A_service_state_reads_back_as_it_was_written()
    {
        var state = ServiceThatLaunchedFailedAndRedeployed();
        Assert.Equal(2, state.Deployments.Count);
        Assert.Contains(state.Deployments, d => d.CountedFailures.Count == 2);
        Assert.NotEmpty(state.Stopping);
        Assert.NotEmpty(state.Launches);
        Assert.NotEmpty(state.Messages);

        var read = Assert.IsType<ServiceState>(Roundtrip(state));

        Assert.Equal(DomainJson(state), DomainJson(read));
        Assert.DoesNotContain("\"currentDeployments\"", DomainJson(state)); // derived views would repeat the deployments
        Assert.DoesNotContain("\"primary\"", DomainJson(state));
        Assert.Equal(state.Stopping.OrderBy(s => s.Key, StringComparer.Ordinal), read.Stopping.OrderBy(s => s.Key, StringComparer.Ordinal));
        for (var i = 0; i < state.Deployments.Count; i++)
            Assert.True(state.Deployments[i].CountedFailures.SetEquals(read.Deployments[i].CountedFailures));
        var next = new ServiceBookkeepingCleared(Metadata(30), [state.Launches[0].Token], [state.Stopping.Keys.First()]);
        Assert.Equal(DomainJson(Service.Apply(state, next)), DomainJson(Service.Apply(read, next)));

        var reply = Assert.IsType<EntityResponse<ServiceState>>(Roundtrip(new EntityResponse<ServiceState>(state.Public(), null)));
        Assert.Equal(DomainJson(state.Public()), DomainJson(reply.State));
    }

    /// <summary>A cluster's services stay in ordinal order (ListServices pages by it) after a snapshot or a hop between nodes.</summary>
    [Fact]
    public void A_cluster_state_keeps_its_services_in_ordinal_order()
    {
        // The culture's order would be api, b, Web.
        var cluster = Decided<Cluster, ClusterState, IClusterCommand, IClusterEvent>(Cluster.Empty("prod"),
            new CreateCluster(Context(0), [], [], null, null, []),
            new AdmitService(Context(1), "b", SchedulingStrategy.REPLICA, 5000),
            new AdmitService(Context(2), "Web", SchedulingStrategy.DAEMON, 5000),
            new AdmitService(Context(3), "api", SchedulingStrategy.REPLICA, 5000));
        Assert.Equal(new[] { "Web", "api", "b" }, cluster.Services.Keys);

        var read = Assert.IsType<ClusterState>(Roundtrip(cluster));

        Assert.Same(StringComparer.Ordinal, read.Services.KeyComparer);
        Assert.Equal(cluster.Services, read.Services);
        Assert.Equal(DomainJson(cluster), DomainJson(read));
        var admitted = new ServiceAdmitted(Metadata(4), "Zeta", SchedulingStrategy.REPLICA);
        Assert.Equal(new[] { "Web", "Zeta", "api", "b" }, Cluster.Apply(read, admitted).Services.Keys);
    }

    /// <summary>The chained.v2 envelope, byte for byte: links, then tags, then the event's own bytes verbatim; v1 (no tags) still reads.</summary>
    [Fact]
    public void A_chained_event_is_stored_as_its_versioned_envelope_with_its_tags()
    {
        var created = new ClusterCreated(Metadata(0), "prod", [], [], null, null);
        var serializer = (ActorsSerializer)Sys.Serialization.FindSerializerFor(created);
        var payload = serializer.ToBinary(created);
        var chained = new ChainedEvent(created, serializer.Manifest(created), payload, "", "ab12") { Tags = ["cluster:prod", "principal:AKIATEST"] };

        var bytes = serializer.ToBinary(chained);

        Assert.Equal("chained.v2/" + serializer.Manifest(created), serializer.Manifest(chained));
        Assert.Equal("""{"previousHash":"","hash":"ab12","tags":["cluster:prod","principal:AKIATEST"],"event":""" + System.Text.Encoding.UTF8.GetString(payload) + "}",
            System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(["cluster:prod", "principal:AKIATEST"], EventChain.ReadTags(bytes).ToArray());
        var read = Assert.IsType<ChainedEvent>(serializer.FromBinary(bytes, serializer.Manifest(chained)));
        Assert.Equal((chained.Hash, chained.PreviousHash), (read.Hash, read.PreviousHash));
        Assert.Equal(chained.Tags.ToArray(), read.Tags.ToArray());
        Assert.Equal(payload, read.Payload);

        var v1 = System.Text.Encoding.UTF8.GetBytes("""{"previousHash":"","hash":"ab12","event":""" + System.Text.Encoding.UTF8.GetString(payload) + "}");
        var old = Assert.IsType<ChainedEvent>(serializer.FromBinary(v1, EventChain.ManifestPrefixV1 + serializer.Manifest(created)));
        Assert.Equal(("ab12", 0), (old.Hash, old.Tags.Length));
        Assert.Null(old.ReadError);
        Assert.Empty(EventChain.ReadTags(v1));
    }

    /// <summary>
    /// A service as it is after a working day: created with a circuit breaker, tasks launched (one not placed), two that
    /// failed to start counted, a new revision deployed while tasks of the first are being stopped.
    /// </summary>
    private static ServiceState ServiceThatLaunchedFailedAndRedeployed()
    {
        var revision = new ServiceRevision("web", 1, HasHealthCheck: true, [PlacementConstraint.Distinct],
            [PlacementStrategy.SpreadOn(PlacementStrategy.AttributePrefix + PlacementStrategy.AvailabilityZoneAttribute)]);
        var service = Decided<Service, ServiceState, IServiceCommand, IServiceEvent>(Service.Empty("prod/web"),
            new CreateService(Context(0), SchedulingStrategy.REPLICA, 3, revision, new DeploymentSettingsRequest(50, 200, true, true), 30,
                [new Tag("team", "web")], true, "SERVICE", false, null, "token-1", "fingerprint-1"),
            new ReconcileService(Context(1), ServiceObservation.Empty, ServiceSchedulerSettings.Default));
        var launch = Assert.Single(service.Launches);
        var first = service.Primary!;
        service = Decided<Service, ServiceState, IServiceCommand, IServiceEvent>(service,
            new RecordServiceLaunch(Context(2), launch.Token, ["task-1", "task-2"], ["RESOURCE:MEMORY"]),
            new UpdateService(Context(3), null, revision with { Revision = 2 }, false, null, null, null, null, null, null));
        return new IServiceEvent[]
        {
            new ServiceTaskFailuresCounted(Metadata(4), first.Id, ["task-1", "task-2"], 2, null),
            new ServiceTasksStopRequested(Metadata(5), [new TaskStop("task-1", "Scaling activity initiated by deployment " + service.Primary!.Id)]),
        }.Aggregate(service, Service.Apply);
    }

    private static TState Decided<TAggregate, TState, TCommand, TEvent>(TState state, params TCommand[] commands)
        where TAggregate : IAggregate<TState, TCommand, TEvent> where TEvent : IDomainEvent
    {
        foreach (var command in commands)
        {
            var decision = TAggregate.Decide(state, command);
            Assert.True(decision.IsAccepted, $"{command!.GetType().Name} was refused: {decision.Error}");
            state = decision.Events.Aggregate(state, TAggregate.Apply);
        }
        return state;
    }

    /// <summary>PlaceTask carries what bound the placement to the instance; one from a sender that did not send it binds nothing more.</summary>
    [Fact]
    public void A_place_task_keeps_its_binding_and_one_without_reads_as_unbound()
    {
        var revision = Domain.TaskDefinitions.TaskDefinitionRevision.Register(new Domain.TaskDefinitions.TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new Domain.TaskDefinitions.ContainerDefinition { Name = "web", Image = "busybox", Memory = 128 }],
        }, 1, null, Context(1));
        var task = Domain.Tasks.TaskLifecycle.Create(new string('a', 32), "prod", new string('b', 32), revision, null, "family:web", null, [],
            Domain.ContainerInstances.ResourceDemand.Of(128, 128), Context(1).At);
        var place = new Domain.ContainerInstances.PlaceTask(Context(2), task, Domain.Tasks.PlacementRecord.ChosenByCaller(new string('b', 32)),
            new PlacementBinding([PlacementConstraint.Distinct, PlacementConstraint.Member("attribute:tier == gold")]));

        var read = Assert.IsType<Domain.ContainerInstances.PlaceTask>(Roundtrip(place));
        Assert.Equal(place.Binding!.Constraints, read.Binding!.Constraints);

        var unbound = System.Text.Json.Nodes.JsonNode.Parse(Sys.Serialization.FindSerializerFor(place).ToBinary(place))!.AsObject();
        Assert.True(unbound.Remove("binding"));
        var old = Sys.Serialization.Deserialize(System.Text.Encoding.UTF8.GetBytes(unbound.ToJsonString()), ActorsSerializer.Id, Manifests.Of(place.GetType()));
        Assert.Null(Assert.IsType<Domain.ContainerInstances.PlaceTask>(old).Binding);
    }

    private static RequestContext Context(int minute) => new(new DateTimeOffset(2026, 11, 30, 12, minute, 0, TimeSpan.Zero), $"req-{minute}", "AKIATEST");

    private static EventMetadata Metadata(int minute) => Context(minute).Because("test");

    private static string DomainJson(object value) => System.Text.Json.JsonSerializer.Serialize(value, value.GetType(), StoredJson.Options);

    private object Roundtrip(object message) =>
        Sys.Serialization.Deserialize(Sys.Serialization.FindSerializerFor(message).ToBinary(message),
            ActorsSerializer.Id, Manifests.Of(message.GetType()));

    /// <summary>Records holding lists compare by reference; compare their stored form instead.</summary>
    private sealed class EventComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) =>
            System.Text.Json.JsonSerializer.Serialize(x, StoredJson.Options) == System.Text.Json.JsonSerializer.Serialize(y, StoredJson.Options);

        public int GetHashCode(object obj) => 0;
    }
}
