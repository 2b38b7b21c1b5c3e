using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;

namespace Actors.Domain.Tests.Placement;

public class ClusterQueryTests
{
    private static readonly DateTimeOffset Jan2018 = new(2018, 1, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Jun2018 = new(2018, 6, 18, 22, 28, 28, TimeSpan.Zero);

    private static ContainerInstanceState Instance(
        string id, string type, string zone, bool connected, string agentVersion, DateTimeOffset registeredAt, int running,
        params Attribute[] custom) =>
        ContainerInstanceState.Unregistered("prod", id) with
        {
            Status = ContainerInstanceStatus.ACTIVE,
            Ec2InstanceId = $"host-{id[..4]}",
            AgentConnected = connected,
            VersionInfo = new VersionInfo(agentVersion),
            RegisteredAt = registeredAt,
            RunningTasksCount = running,
            Attributes = ImmutableList.Create<Attribute>(
                new("ecs.instance-type", type), new("ecs.availability-zone", zone), new("ecs.os-type", "linux")).AddRange(custom),
        };

    // a: small, zone a, connected, old agent, registered January, 0 tasks, stack=blue, gpu flag without value
    // b: large, zone b, connected, new agent, registered June, 3 tasks, stack=green, cores=16
    // c: small, zone c, disconnected, new agent, registered June, 12 tasks, no custom attributes
    private static readonly Dictionary<char, ContainerInstanceQuerySubject> Instances = new()
    {
        ['a'] = new(Instance("aaaa0000000000000000000000000000", "t2.small", "us-east-1a", true, "1.9.0", Jan2018, 0,
            new("stack", "blue"), new("gpu")), ["service:web", "family:batch"]),
        ['b'] = new(Instance("bbbb0000000000000000000000000000", "m5.large", "us-east-1b", true, "1.10.2", Jun2018, 3,
            new("stack", "green"), new("cores", "16")), ["service:api"]),
        ['c'] = new(Instance("cccc0000000000000000000000000000", "t2.small", "us-east-1c", false, "1.10.0", Jun2018.AddDays(1), 12)),
    };

    [Theory]
    // equality, inequality, quoting
    [InlineData("attribute:ecs.instance-type == t2.small", "ac")]
    [InlineData("attribute:ecs.instance-type equals 't2.small'", "ac")]
    [InlineData("attribute:ecs.instance-type != t2.small", "b")]
    [InlineData("attribute:stack == \"blue\"", "a")]
    [InlineData("attribute:stack != blue", "bc")]
    [InlineData("attribute:ecs.instance-type==t2.small", "ac")]
    // exists, and attributes without a value
    [InlineData("attribute:stack exists", "ab")]
    [InlineData("attribute:stack !exists", "c")]
    [InlineData("attribute:stack not_exists", "c")]
    [InlineData("attribute:gpu exists", "a")]
    [InlineData("attribute:gpu == gpu", "")]
    // lists
    [InlineData("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", "ab")]
    [InlineData("attribute:ecs.availability-zone !in [us-east-1a, us-east-1b]", "c")]
    [InlineData("attribute:ecs.availability-zone not_in ['us-east-1a']", "bc")]
    [InlineData("ec2InstanceId in ['host-aaaa', 'host-cccc']", "ac")]
    [InlineData("instanceId == bbbb0000000000000000000000000000", "b")]
    // regular expressions (whole value)
    [InlineData("attribute:ecs.instance-type =~ t2.*", "ac")]
    [InlineData("attribute:ecs.instance-type =~ t2", "")]
    [InlineData("attribute:ecs.instance-type !~ t2.*", "b")]
    [InlineData("attribute:ecs.instance-type matches '(t2|m5)\\.(small|large)'", "abc")]
    [InlineData("ec2InstanceId =~ 'host-[ab].*'", "ab")]
    [InlineData("attribute:stack =~ '(.)\\1?ue'", "")]
    [InlineData("attribute:stack =~ '(?=b).*'", "a")]
    // agent connection
    [InlineData("agentConnected == true", "ab")]
    [InlineData("agentConnected == FALSE", "c")]
    [InlineData("agentConnected != true", "c")]
    // numbers and versions
    [InlineData("runningTasksCount == 3", "b")]
    [InlineData("runningTasksCount > 3", "c")]
    [InlineData("runningTasksCount >= 3", "bc")]
    [InlineData("runningTasksCount < 10", "ab")]
    [InlineData("runningTasksCount <= 0", "a")]
    [InlineData("runningTasksCount less_than_equal 12", "abc")]
    [InlineData("agentVersion < 1.10.0", "a")]
    [InlineData("agentVersion >= 1.10.0", "bc")]
    [InlineData("agentVersion == 1.10.2", "b")]
    [InlineData("attribute:cores > 4", "b")]
    [InlineData("attribute:cores < 4", "")]
    // dates
    [InlineData("registeredAt < 2018-06-18", "a")]
    [InlineData("registeredAt > 2018-06-18T22:28:28Z", "c")]
    [InlineData("registeredAt >= 2018-06-18T22:28:28+00:00", "bc")]
    [InlineData("registeredAt == 2018-06-18T22:28:28", "b")]
    [InlineData("registeredAt <= 2018-06-19T00:28:28+02:00", "ab")]
    // task groups
    [InlineData("task:group == service:web", "a")]
    [InlineData("task:group != service:web", "bc")]
    [InlineData("task:group in [service:api, service:web]", "ab")]
    [InlineData("task:group exists", "ab")]
    [InlineData("task:group !exists", "c")]
    [InlineData("task:group =~ family:.*", "a")]
    // precedence: not > and > or
    [InlineData("attribute:ecs.instance-type == t2.small or attribute:stack == green and runningTasksCount > 100", "ac")]
    [InlineData("(attribute:ecs.instance-type == t2.small or attribute:stack == green) and runningTasksCount > 1", "bc")]
    [InlineData("not attribute:stack exists or agentConnected == false", "c")]
    [InlineData("not (attribute:stack exists and agentConnected == true)", "c")]
    [InlineData("not(task:group == service:web)", "bc")]
    [InlineData("!(runningTasksCount == 0) && attribute:ecs.instance-type == t2.small", "c")]
    [InlineData("!attribute:stack exists || runningTasksCount == 0", "ac")]
    [InlineData("not not runningTasksCount == 0", "a")]
    [InlineData("attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone != us-east-1c", "a")]
    [InlineData("((runningTasksCount == 0))", "a")]
    [InlineData("attribute:stack == blue AND agentConnected == true OR runningTasksCount == 12", "ac")]
    public void Matches_the_expected_instances(string expression, string expected)
    {
        Assert.True(ClusterQuery.TryParse(expression, out var query, out var error), error?.Message);
        var matched = string.Concat(Instances.Where(i => query.Matches(i.Value)).Select(i => i.Key));
        Assert.Equal(expected, matched);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("agentConnected", "expected an operator after 'agentConnected'")]
    [InlineData("cpu == 1", "unknown subject 'cpu'")]
    [InlineData("attribute:ecs.instance-type ==", "expected a value after '=='")]
    [InlineData("attribute:ecs.instance-type == t2.small and", "expected a subject")]
    [InlineData("attribute:ecs.instance-type == t2.small t2.micro", "found 't2.micro'")]
    [InlineData("(runningTasksCount == 1", "expected ')' to close the '(' at position 1")]
    [InlineData("runningTasksCount == 1)", "found ')'")]
    [InlineData("attribute:x in a, b", "expected a list like [a, b] after 'in'")]
    [InlineData("attribute:x in [a b]", "expected ',' or ']'")]
    [InlineData("attribute:x in []", "expected a value after '['")]
    [InlineData("attribute:x == 'open", "is not closed")]
    [InlineData("attribute:x =~ '(unclosed'", "not a valid regular expression")]
    [InlineData("runningTasksCount == many", "'many' is not a whole number")]
    [InlineData("runningTasksCount =~ 1", "cannot be applied to runningTasksCount")]
    [InlineData("registeredAt > yesterday", "'yesterday' is not a date")]
    [InlineData("registeredAt > 2018-13-45", "is not a date")]
    [InlineData("agentConnected == yes", "'yes' is not true or false")]
    [InlineData("agentConnected exists", "cannot be applied to agentConnected")]
    [InlineData("ec2InstanceId > i-1", "cannot be applied to ec2InstanceId")]
    [InlineData("task:group >= a", "cannot be applied to task:group")]
    [InlineData("attribute:bad#name exists", "'bad#name' is not a valid attribute name")]
    [InlineData("attribute: exists", "not a valid attribute name")]
    [InlineData("attribute:x == a | b", "unexpected character '|'")]
    public void Refuses_syntax_errors_pointing_at_the_problem(string expression, string expectedFragment)
    {
        Assert.False(ClusterQuery.TryParse(expression, out var query, out var error));
        Assert.Null(query);
        Assert.Equal(ErrorCodes.InvalidParameter, error.Code);
        Assert.Contains(expectedFragment, error.Message);
    }

    [Fact]
    public void Errors_say_where_the_problem_is()
    {
        Assert.False(ClusterQuery.TryParse("runningTasksCount == 1 and cpu > 2", out _, out var error));
        Assert.EndsWith("(at position 28).", error.Message);
    }

    [Fact]
    public void Expressions_are_at_most_2000_characters()
    {
        var clauses = string.Join(" or ", Enumerable.Repeat("runningTasksCount == 0", 80));
        var atLimit = clauses[..clauses.LastIndexOf(" or ", ClusterQuery.MaxLength, StringComparison.Ordinal)].PadRight(ClusterQuery.MaxLength);
        Assert.True(ClusterQuery.TryParse(atLimit, out _, out var error), error?.Message);
        Assert.False(ClusterQuery.TryParse(atLimit + " ", out _, out var tooLong));
        Assert.Contains("maximum length of 2000 characters", tooLong.Message);
    }

    [Fact]
    public void Parses_into_a_tree_with_not_binding_tighter_than_and_and_and_tighter_than_or()
    {
        Assert.True(ClusterQuery.TryParse("not agentConnected == true and runningTasksCount > 1 or task:group exists", out var query, out _));
        var or = Assert.IsType<OrExpression>(query.Expression);
        var and = Assert.IsType<AndExpression>(or.Left);
        var not = Assert.IsType<NotExpression>(and.Left);
        var connected = Assert.IsType<ComparisonExpression>(not.Operand);
        Assert.Equal(new QuerySubject(QuerySubjectKind.AgentConnected), connected.Subject);
        Assert.Equal(QueryOperator.Equal, connected.Operator);
        Assert.Equal(["true"], connected.Arguments);
        var exists = Assert.IsType<ComparisonExpression>(or.Right);
        Assert.Equal((QuerySubjectKind.TaskGroup, QueryOperator.Exists), (exists.Subject.Kind, exists.Operator));
        Assert.Empty(exists.Arguments);
    }

    [Fact]
    public void And_and_or_group_to_the_left()
    {
        Assert.True(ClusterQuery.TryParse("instanceId == a or instanceId == b or instanceId == c", out var query, out _));
        var outer = Assert.IsType<OrExpression>(query.Expression);
        Assert.IsType<OrExpression>(outer.Left);
        Assert.IsType<ComparisonExpression>(outer.Right);
    }

    [Fact]
    public void Quoted_values_keep_spaces_operators_and_escaped_quotes()
    {
        Assert.True(ClusterQuery.TryParse(@"attribute:note == 'it\'s == (fine) and [ok]'", out var query, out var error), error?.Message);
        var comparison = Assert.IsType<ComparisonExpression>(query.Expression);
        Assert.Equal(new QuerySubject(QuerySubjectKind.Attribute, "note"), comparison.Subject);
        Assert.Equal(["it's == (fine) and [ok]"], comparison.Arguments);
    }

    [Fact]
    public void A_catastrophic_pattern_finishes_quickly()
    {
        var slow = Instance("dddd0000000000000000000000000000", "t2.small", "z", true, "1.0.0", Jan2018, 0,
            new Attribute("payload", new string('a', 100) + "!"));
        Assert.True(ClusterQuery.TryParse("attribute:payload =~ '(a+)+b'", out var query, out var error), error?.Message);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(query.Matches(new ContainerInstanceQuerySubject(slow)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void A_pattern_that_times_out_matches_neither_way()
    {
        // A back-reference forces the backtracking engine, which the evaluator bounds with a timeout.
        var slow = Instance("dddd0000000000000000000000000000", "t2.small", "z", true, "1.0.0", Jan2018, 0,
            new Attribute("payload", new string('a', 40) + "!"));
        var subject = new ContainerInstanceQuerySubject(slow);
        Assert.True(ClusterQuery.TryParse(@"attribute:payload =~ '(a|aa)+\1b'", out var matches, out _));
        Assert.True(ClusterQuery.TryParse(@"attribute:payload !~ '(a|aa)+\1b'", out var mismatches, out _));
        Assert.False(matches.Matches(subject));
        Assert.False(mismatches.Matches(subject));
    }

    [Fact]
    public void The_instance_subject_reads_the_state()
    {
        var state = Instance("eeee0000000000000000000000000000", "t2.small", "z", true, "1.2.3", Jun2018, 7, new Attribute("flag"));
        var subject = new ContainerInstanceQuerySubject(state, ["service:x"]);
        Assert.True(subject.TryGetAttribute("flag", out var flag));
        Assert.Null(flag);
        Assert.False(subject.TryGetAttribute("missing", out _));
        Assert.Equal(("1.2.3", "host-eeee", state.InstanceId, Jun2018, 7), (subject.AgentVersion, subject.Ec2InstanceId, subject.InstanceId, subject.RegisteredAt, subject.RunningTasksCount));
        Assert.Equal(["service:x"], subject.TaskGroups);
        Assert.Empty(new ContainerInstanceQuerySubject(state).TaskGroups);
    }
}
