using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Sharding;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>
/// Queries are asked again when an attempt goes unanswered (a shard handed over drops what its region had buffered);
/// commands are sent once. The region here is a probe that answers what and when the test says.
/// </summary>
public class EntityClientTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private static readonly TimeSpan Attempt = TimeSpan.FromMilliseconds(300);
    private static readonly ClusterState Web = new() { Name = "web" };

    [Fact]
    public async Task A_query_dropped_on_the_way_is_asked_again_and_answered()
    {
        var region = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromSeconds(10), Attempt);

        var answer = client.Ask<ClusterSummary>("web", GetClusterSummary.Instance);
        var dropped = region.ExpectMsg<ShardingEnvelope>();
        Assert.Equal("web", dropped.EntityId);
        var again = region.ExpectMsg<ShardingEnvelope>(TimeSpan.FromSeconds(5));
        Assert.Same(GetClusterSummary.Instance, again.Message);
        var summary = new ClusterSummary(Web, 0, 0, 0);
        region.Reply(summary);

        Assert.Same(summary, await answer);
    }

    [Fact]
    public async Task An_entity_state_is_a_query_too()
    {
        var region = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromSeconds(10), Attempt);

        var state = client.GetState("web");
        region.ExpectMsg<ShardingEnvelope>();
        region.ExpectMsg<ShardingEnvelope>(envelope => envelope.Message is GetEntityState, TimeSpan.FromSeconds(5));
        region.Reply(new EntityResponse<ClusterState>(Web, null));

        Assert.Same(Web, await state);
    }

    [Fact]
    public async Task A_query_nobody_answers_fails_once_the_client_timeout_is_spent_in_attempts()
    {
        var region = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromMilliseconds(750), Attempt);

        await Assert.ThrowsAsync<AskTimeoutException>(() => client.Ask<ClusterSummary>("web", GetClusterSummary.Instance));

        // 300 + 300 + 150 ms: three attempts, all within the client's timeout.
        for (var i = 0; i < 3; i++) region.ExpectMsg<ShardingEnvelope>();
        Assert.False(region.HasMessages);
    }

    [Fact]
    public async Task A_command_is_sent_once_however_long_it_waits()
    {
        var region = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromMilliseconds(900), Attempt);
        var command = new CreateCluster(new RequestContext(DateTimeOffset.UnixEpoch, "request-1", "tester"), [], [], null, null, []);

        await Assert.ThrowsAsync<AskTimeoutException>(() => client.Send("web", command));
        await Assert.ThrowsAsync<AskTimeoutException>(() => client.Ask<EntityResponse<ClusterState>>("web", command));

        region.ExpectMsg<ShardingEnvelope>(envelope => ReferenceEquals(envelope.Message, command));
        region.ExpectMsg<ShardingEnvelope>(envelope => ReferenceEquals(envelope.Message, command));
        Assert.False(region.HasMessages);
    }

    [Fact]
    public void No_command_is_marked_a_query()
    {
        var types = new[] { typeof(IEntityQuery).Assembly, typeof(IDomainCommand).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => typeof(IEntityQuery).IsAssignableFrom(type) && typeof(IDomainCommand).IsAssignableFrom(type));
        Assert.Empty(types);
    }
    [Fact]
    public async Task A_held_question_is_answered_by_its_holder()
    {
        var region = CreateTestProbe();
        var holder = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromSeconds(10), Attempt);

        var answer = client.AskHeld<ClusterSummary>(Sys, "web", [], GetClusterSummary.Instance);
        region.ExpectMsg<ShardingEnvelope>();
        var asker = region.LastSender;
        asker.Tell(LongPollHeld.Instance, holder.Ref);
        asker.Tell(new ClusterSummary(Web, 3, 0, 0), holder.Ref);

        Assert.Equal(3, (await answer)!.RegisteredContainerInstances);
    }

    [Fact]
    public async Task A_holder_that_dies_without_answering_is_noticed_at_once_not_after_the_timeout()
    {
        var region = CreateTestProbe();
        var holder = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromMinutes(5), Attempt);

        var answer = client.AskHeld<ClusterSummary>(Sys, "web", [], GetClusterSummary.Instance);
        region.ExpectMsg<ShardingEnvelope>();
        region.LastSender.Tell(LongPollHeld.Instance, holder.Ref);
        // Held: not asked again, and not answered while the holder lives.
        region.ExpectNoMsg(Attempt * 2);
        Assert.False(answer.IsCompleted);
        Sys.Stop(holder.Ref);

        Assert.Null(await answer.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_question_nobody_holds_is_asked_again_with_what_precedes_it_until_an_entity_holds_it()
    {
        var region = CreateTestProbe();
        var holder = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromSeconds(10), Attempt);

        var answer = client.AskHeld<ClusterSummary>(Sys, "web", ["part"], GetClusterSummary.Instance);
        // Dropped on the way (a shard handed over): the part and the question go again, in order.
        Assert.Equal("part", region.ExpectMsg<ShardingEnvelope>().Message);
        Assert.Same(GetClusterSummary.Instance, region.ExpectMsg<ShardingEnvelope>().Message);
        Assert.Equal("part", region.ExpectMsg<ShardingEnvelope>(TimeSpan.FromSeconds(5)).Message);
        Assert.Same(GetClusterSummary.Instance, region.ExpectMsg<ShardingEnvelope>().Message);
        var asker = region.LastSender;
        // Held: no more attempts while the holder lives.
        asker.Tell(LongPollHeld.Instance, holder.Ref);
        region.ExpectNoMsg(Attempt * 3);
        asker.Tell(new ClusterSummary(Web, 2, 0, 0), holder.Ref);

        Assert.Equal(2, (await answer)!.RegisteredContainerInstances);
    }

    [Fact]
    public async Task A_held_question_nobody_answers_fails_after_the_client_timeout()
    {
        var region = CreateTestProbe();
        var client = new EntityClient<ClusterState>(region.Ref, TimeSpan.FromMilliseconds(700), Attempt);

        var answer = client.AskHeld<ClusterSummary>(Sys, "web", [], GetClusterSummary.Instance);
        region.ExpectMsg<ShardingEnvelope>();
        region.LastSender.Tell(LongPollHeld.Instance, CreateTestProbe().Ref);

        await Assert.ThrowsAsync<AskTimeoutException>(() => answer);
    }
}
