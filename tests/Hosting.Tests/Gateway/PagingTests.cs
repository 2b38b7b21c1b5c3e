using Actors.Hosting.Gateway;

namespace Actors.Hosting.Tests.Gateway;

public class PagingTests
{
    private static readonly string[] Names = ["a", "b", "c", "d", "e"];

    [Fact]
    public void Pages_walk_the_whole_list_once()
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = Paging.Take(Names, n => n, token, 2);
            seen.AddRange(page.Items);
            token = page.NextToken;
            pages++;
        } while (token is not null);
        Assert.Equal(Names, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public void The_last_full_page_has_no_token() => Assert.Null(Paging.Take(Names, n => n, null, 5).NextToken);

    [Fact]
    public void A_page_resumes_after_its_key_even_when_that_item_is_gone()
    {
        var first = Paging.Take(Names, n => n, null, 2);
        var next = Paging.Take(Names.Where(n => n != "b"), n => n, first.NextToken, 2);
        Assert.Equal(["c", "d"], next.Items);
    }

    [Fact]
    public void Descending_lists_page_in_their_own_order()
    {
        var descending = Names.Reverse().ToList();
        var first = Paging.Take(descending, n => n, null, 2, descending: true);
        var second = Paging.Take(descending, n => n, first.NextToken, 2, descending: true);
        Assert.Equal(["e", "d", "c", "b"], first.Items.Concat(second.Items));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void MaxResults_out_of_range_is_an_invalid_parameter(int maxResults) =>
        Assert.Equal("InvalidParameterException", Assert.Throws<EcsError>(() => Paging.Take(Names, n => n, null, maxResults)).Code);

    [Fact]
    public void A_forged_token_is_an_invalid_parameter() =>
        Assert.Equal("InvalidParameterException", Assert.Throws<EcsError>(() => Paging.Take(Names, n => n, "not-a-token!", 2)).Code);
}
