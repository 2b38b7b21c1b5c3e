using System.Text.Json.Nodes;
using Actors.Hosting.Audit;

namespace Actors.Hosting.Tests.Audit;

public sealed class AuditLiveTests
{
    private static List<string> Differences(string replayed, string live, params string[] ignored)
    {
        var found = new List<string>();
        AuditLive.Differences(JsonNode.Parse(replayed), JsonNode.Parse(live), "", ignored.ToHashSet(), found);
        return found;
    }

    [Fact]
    public void Equal_answers_differ_nowhere_and_a_member_null_on_one_side_and_absent_on_the_other_is_alike()
    {
        Assert.Empty(Differences("""{"a":1,"b":[{"c":"x"}],"d":null}""", """{"b":[{"c":"x"}],"a":1}"""));
    }

    [Fact]
    public void Names_each_differing_path_and_which_side_alone_has_a_member()
    {
        Assert.Equal(["b[0].c", "d (only live)", "e (only in the journal)"],
            Differences("""{"a":1,"b":[{"c":"x"}],"e":true}""", """{"a":1,"b":[{"c":"y"}],"d":2}"""));
        Assert.Equal(["tags"], Differences("""{"tags":[{"key":"a"}]}""", """{"tags":[{"key":"a"},{"key":"b"}]}"""));
    }

    [Fact]
    public void Live_only_fields_are_ignored_at_every_index_of_an_array()
    {
        const string replayed = """{"runningCount":0,"deployments":[{"id":"d1","runningCount":0},{"id":"d2","runningCount":0}]}""";
        const string live = """{"runningCount":3,"deployments":[{"id":"d1","runningCount":2},{"id":"d3","runningCount":1}]}""";
        Assert.Equal(["deployments[1].id"], Differences(replayed, live, "runningCount", "deployments[*].runningCount"));
    }
}
