using Actors.Nodes.Protocol;
using System.Text.Json;
using Actors.Hosting.Gateway;
using Actors.Hosting.Gateway.Actions;

namespace Actors.Hosting.Tests.Gateway;

public class WireJsonTests
{
    [Fact]
    public void Timestamps_are_epoch_seconds_and_nulls_are_left_out()
    {
        var json = JsonSerializer.Serialize(new { registeredAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), missing = (string?)null },
            WireJson.Options);
        Assert.Equal("""{"registeredAt":1700000000.5}""", json);
    }

    [Theory]
    [InlineData("""{"maxResults":"2"}""")]   // a string where ECS's model has an integer
    [InlineData("""{"maxResults":2.5}""")]
    [InlineData("""{"clusters":"web"}""")]   // a string where ECS's model has a list
    [InlineData("""{"nextToken":""")]
    [InlineData("[1,2]")]
    public void Wrong_types_and_malformed_json_are_serialization_exceptions(string body) =>
        Assert.Equal("SerializationException", Assert.Throws<EcsError>(() =>
            ActionTable.Read<DescribeClustersRequestWithPaging>(System.Text.Encoding.UTF8.GetBytes(body))).Code);

    [Fact]
    public void An_empty_body_reads_as_an_empty_request() =>
        Assert.Null(ActionTable.Read<ListClustersRequest>(ReadOnlyMemory<byte>.Empty).MaxResults);

    public sealed record DescribeClustersRequestWithPaging(List<string>? Clusters, string? NextToken, int? MaxResults);
}
