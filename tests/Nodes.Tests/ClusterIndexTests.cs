using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>ListClusters from an index fed by the journal: no cluster entity is asked, and a new index rebuilds the same list.</summary>
public class ClusterIndexTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private int _requests;

    private RequestContext Context() => new(Clock.GetUtcNow(), $"req-{Interlocked.Increment(ref _requests)}", "AKIATEST");

    private async Task Send(string cluster, IClusterCommand command) =>
        Assert.Null((await Clusters.Ask<EntityResponse<ClusterState>>(new ShardingEnvelope(cluster, command), Patience)).Error);

    private Task Create(string cluster) => Send(cluster, new CreateCluster(Context(), [], [], null, null, []));

    private IActorRef NewIndex() => Sys.ActorOf(Props.Create(() => new ClusterIndex(Journal)));

    private static async Task<IdPage> List(IActorRef index, string? after = null, int limit = 100) =>
        await index.Ask<IdPage>(new ListActiveClusters(after, limit), Patience);

    [Fact]
    public async Task Lists_the_active_clusters_each_write_left_and_rebuilds_them_from_the_journal()
    {
        var index = NewIndex();
        Assert.Empty((await List(index)).Ids);

        foreach (var name in new[] { "c", "a", "b" }) await Create(name);
        await Send("b", new DeleteCluster(Context()));
        // The first instance of "default" creates it through its scheduler.
        var registered = await Clusters.Ask<EntityResponse<ContainerInstanceState>>(new ShardingEnvelope(Cluster.DefaultName, new RegisterInstance(
            new RegisterContainerInstance(Context(), Cluster.DefaultName, null, null, [Resource.Integer(ResourceNames.Memory, 512)], null, [], []),
            MaxInstances: 10)), Patience);
        Assert.Null(registered.Error);

        // Read-your-writes: each acknowledged write is listed by the next question, with no wait.
        Assert.Equal(["a", "c", "default"], (await List(index)).Ids);
        await Create("d");
        Assert.Equal(["a", "c", "d", "default"], (await List(index)).Ids);
        await Create("b");
        await Send("c", new DeleteCluster(Context()));
        Assert.Equal(["a", "b", "d", "default"], (await List(index)).Ids);

        var first = await List(index, limit: 2);
        Assert.Equal(["a", "b"], first.Ids);
        Assert.True(first.More);
        var second = await List(index, after: "b", limit: 2);
        Assert.Equal(["d", "default"], second.Ids);
        Assert.False(second.More);

        // A node that starts (or restarts) builds the same index from the journal alone.
        Assert.Equal(["a", "b", "d", "default"], (await List(NewIndex())).Ids);
    }
}
