using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>ListTaskDefinitions from an index fed by the journal: no family is asked, and a new index rebuilds the same list.</summary>
public class TaskDefinitionIndexTests(ITestOutputHelper output) : NodeTestKit(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private int _requests;

    private RequestContext Context() => new(Clock.GetUtcNow(), $"req-{Interlocked.Increment(ref _requests)}", "AKIATEST");

    private async Task Send(string family, ITaskDefinitionFamilyCommand command) =>
        Assert.Null((await TaskDefinitionFamilies.Ask<RevisionAnswer>(new ShardingEnvelope(family, command), Patience)).Error);

    private Task Register(string family) => Send(family, new RegisterTaskDefinition(Context(), new TaskDefinitionSpec
    {
        Family = family,
        ContainerDefinitions = [new ContainerDefinition { Name = "app", Image = "busybox", Memory = 128 }],
    }, null));

    private IActorRef NewIndex() => Sys.ActorOf(Props.Create(() => new TaskDefinitionIndex(Journal)));

    private static async Task<List<string>> List(IActorRef index, TaskDefinitionStatus? status = TaskDefinitionStatus.ACTIVE, string? family = null,
        TaskDefinitionKey? after = null, bool descending = false, int limit = 100)
    {
        var page = await index.Ask<TaskDefinitionRevisionPage>(new ListTaskDefinitionRevisions(status, family, after, descending, limit), Patience);
        return [.. page.Revisions.Select(r => $"{r.Family}:{r.Revision}"), .. page.More ? ["more"] : Array.Empty<string>()];
    }

    [Fact]
    public async Task Lists_revisions_by_family_and_number_as_each_write_left_them_and_rebuilds_them_from_the_journal()
    {
        var index = NewIndex();
        Assert.Empty(await List(index));

        foreach (var family in new[] { "web", "api", "web", "web", "api" }) await Register(family);
        await Send("web", new DeregisterTaskDefinition(Context(), 2));
        // Read-your-writes: each acknowledged write is listed by the next question, with no wait.
        Assert.Equal(["api:1", "api:2", "web:1", "web:3"], await List(index));
        await Register("batch");
        await Send("api", new DeregisterTaskDefinition(Context(), 1));
        await Send("api", new DeleteTaskDefinition(Context(), 1));

        Assert.Equal(["api:2", "batch:1", "web:1", "web:3"], await List(index));
        Assert.Equal(["web:3", "web:1", "batch:1", "api:2"], await List(index, descending: true));
        Assert.Equal(["web:2"], await List(index, TaskDefinitionStatus.INACTIVE));
        Assert.Equal(["api:1"], await List(index, TaskDefinitionStatus.DELETE_IN_PROGRESS));
        Assert.Equal(["web:3", "web:1"], await List(index, family: "web", descending: true));
        Assert.Empty(await List(index, family: "none"));
        Assert.Equal(["api:2", "batch:1", "more"], await List(index, limit: 2));
        Assert.Equal(["web:1", "web:3"], await List(index, after: new TaskDefinitionKey("batch", 1), limit: 2));
        Assert.Equal(["web:1", "batch:1", "more"], await List(index, after: new TaskDefinitionKey("web", 3), descending: true, limit: 2));

        // A node that starts (or restarts) builds the same index from the journal alone.
        Assert.Equal(["api:2", "batch:1", "web:1", "web:3"], await List(NewIndex()));
    }
}
