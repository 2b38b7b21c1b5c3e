using System.Text;
using Actors.Domain.TaskDefinitions;
using Actors.Hosting.Gateway;
using Actors.Hosting.Gateway.Actions;
using Actors.Nodes.Agent;
using Xunit;

namespace Actors.Hosting.Tests.Gateway;

public sealed class RequestShapeTests
{
    private static EcsError Refusal<TRequest>(string json) where TRequest : class =>
        Assert.Throws<EcsError>(() => ActionTable.Read<TRequest>(Encoding.UTF8.GetBytes(json)));

    private static void AssertRefused<TRequest>(string json, string code, string message) where TRequest : class
    {
        var error = Refusal<TRequest>(json);
        Assert.Equal((code, message), (error.Code, error.Message));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void A_valid_request_is_read_whole()
    {
        var request = ActionTable.Read<RunTaskRequest>(Encoding.UTF8.GetBytes(
            """{"cluster":"c","taskDefinition":"web:1","tags":[{"key":"k","value":"v"}],"overrides":{"containerOverrides":[{"name":"app"}]},"propagateTags":"TASK_DEFINITION","enableECSManagedTags":true}"""));

        Assert.Equal("k", Assert.Single(request.Tags!).Key);
        Assert.Equal("TASK_DEFINITION", request.PropagateTags);
        Assert.True(request.EnableECSManagedTags);
        Assert.Equal("app", Assert.Single(request.Overrides!.ContainerOverrides!).Name);
    }

    [Theory]
    [InlineData("""{"tags":[null]}""", "tags[0] must not be null.")]
    [InlineData("""{"overrides":{"containerOverrides":[{"name":"a"},null]}}""", "overrides.containerOverrides[1] must not be null.")]
    [InlineData("""{"overrides":{"containerOverrides":[{"command":["x",null]}]}}""", "overrides.containerOverrides[0].command[1] must not be null.")]
    [InlineData("""{"placementConstraints":[null]}""", "placementConstraints[0] must not be null.")]
    [InlineData("""{"placementStrategy":[{"type":"random"},null]}""", "placementStrategy[1] must not be null.")]
    [InlineData("""{"tags":[{"value":"v"}]}""", "tags[0].key is required.")]
    [InlineData("""{"tags":[{"key":null}]}""", "tags[0].key is required.")]
    public void Nulls_the_types_do_not_allow_are_refused_by_path(string json, string message) =>
        AssertRefused<RunTaskRequest>(json, "InvalidParameterException", message);

    [Theory]
    [InlineData("""{"containerDefinitions":[{"secrets":[null]}]}""", "containerDefinitions[0].secrets[0] must not be null.")]
    [InlineData("""{"containerDefinitions":[{"dependsOn":[null]}]}""", "containerDefinitions[0].dependsOn[0] must not be null.")]
    [InlineData("""{"containerDefinitions":[{"dockerLabels":{"a":"1","b":null}}]}""", "containerDefinitions[0].dockerLabels.b must not be null.")]
    public void The_walk_reaches_into_task_definitions_and_maps(string json, string message) =>
        AssertRefused<TaskDefinitionSpec>(json, "InvalidParameterException", message);

    [Theory]
    [InlineData("""{"tags":[{"key":1}]}""", "Unable to parse request: tags[0].key must be a string, not a number.")]
    [InlineData("""{"tags":"x"}""", "Unable to parse request: tags must be a list, not a string.")]
    [InlineData("""{"overrides":[]}""", "Unable to parse request: overrides must be an object, not a list.")]
    [InlineData("""{"count":"2"}""", "Unable to parse request: count must be an integer from -2147483648 to 2147483647, not a string.")]
    [InlineData("""{"count":1e20}""", "Unable to parse request: count must be an integer from -2147483648 to 2147483647.")]
    [InlineData("""[1,2]""", "Unable to parse request: the request body must be an object, not a list.")]
    [InlineData("""null""", "Unable to parse request: the request body must be a JSON object, not null.")]
    public void Wrong_types_are_named_by_path_never_by_dotnet_type(string json, string message) =>
        AssertRefused<RunTaskRequest>(json, "SerializationException", message);

    [Fact]
    public void Broken_json_is_named_as_such()
    {
        var error = Refusal<RunTaskRequest>("""{"cluster": """);

        Assert.Equal("SerializationException", error.Code);
        Assert.StartsWith("Unable to parse request: the body is not valid JSON: ", error.Message);
        Assert.DoesNotContain("Actors.", error.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_wire_allows_is_broken_json()
    {
        var deep = """{"cluster":""" + new string('[', 100) + new string(']', 100) + "}";

        Assert.StartsWith("Unable to parse request: the body is not valid JSON: ", Refusal<RunTaskRequest>(deep).Message);
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-1e17")]
    [InlineData("253402300800")]
    public void An_agent_timestamp_out_of_range_is_refused_not_crashed_on(string seconds)
    {
        var json = $$"""{"cluster":"c","containerInstanceArn":"x","knownDesiredVersion":1,"tasks":[{"taskId":"t","containers":[],"pullStartedAt":{{seconds}}}]}""";

        AssertRefused<AgentSyncRequest>(json, "SerializationException",
            "Unable to parse request: tasks[0].pullStartedAt must be a timestamp in seconds since the epoch, from -62135596800 to 253402300799.");
    }

    [Fact]
    public void An_agent_timestamp_in_range_is_read()
    {
        var json = """{"knownDesiredVersion":1,"tasks":[{"taskId":"t","containers":[],"pullStartedAt":1764500000.5}]}""";

        var request = ActionTable.Read<AgentSyncRequest>(Encoding.UTF8.GetBytes(json));

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_764_500_000_500), request.Tasks![0].PullStartedAt);
    }

    [Fact]
    public void A_record_missing_required_members_names_them()
    {
        AssertRefused<AgentSyncRequest>("""{"knownDesiredVersion":1,"tasks":[{"taskId":"t"}]}""", "SerializationException",
            "Unable to parse request: tasks[0] must have taskId and containers.");
    }

    [Theory]
    [InlineData("$.tags[0].key", "tags[0].key")]
    [InlineData("$['odd.name'][2].x", "odd.name[2].x")]
    [InlineData("$", "")]
    public void System_text_json_paths_are_read_as_segments(string jsonPath, string formatted) =>
        Assert.Equal(formatted, RequestShape.Format(RequestShape.PathSegments(jsonPath)));
}
