using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.Tests;

public class TagsTests
{
    [Theory]
    [InlineData("env", "prod", null)]
    [InlineData("", "x", ErrorCodes.InvalidParameter)]
    [InlineData("aws:owner", "x", ErrorCodes.InvalidParameter)]
    [InlineData("AWS:owner", "x", ErrorCodes.InvalidParameter)]
    [InlineData("bad#key", "x", ErrorCodes.InvalidParameter)]
    [InlineData("team name", "a+b=c.d_e:f/g@h-i", null)]
    public void Validates_keys_and_values(string key, string value, string? expectedError) =>
        Assert.Equal(expectedError, Tags.Validate([new Tag(key, value)])?.Code);

    [Fact]
    public void Refuses_a_51st_tag_counting_the_existing_ones()
    {
        var existing = Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v")).ToImmutableList();
        Assert.Null(Tags.ValidateMerge(existing, [new Tag("k0", "overwritten")]));
        Assert.Equal(ErrorCodes.InvalidParameter, Tags.ValidateMerge(existing, [new Tag("k50", "v")])?.Code);
    }

    [Fact]
    public void Merge_overwrites_by_key_and_remove_drops_keys()
    {
        var tags = Tags.Merge([new Tag("a", "1"), new Tag("b", "2")], [new Tag("b", "3"), new Tag("c", "4")]);
        Assert.Equal([new Tag("a", "1"), new Tag("b", "3"), new Tag("c", "4")], tags);
        Assert.Equal([new Tag("a", "1")], Tags.Remove(tags, ["b", "c", "missing"]));
    }
}
