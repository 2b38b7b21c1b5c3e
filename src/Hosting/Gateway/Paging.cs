using System.Text;

namespace Actors.Hosting.Gateway;

/// <summary>
/// ECS's nextToken/maxResults paging over a list sorted by a unique key. The token names the last key answered,
/// so a page stays correct when items are added or removed between calls.
/// </summary>
public static class Paging
{
    public sealed record Page<T>(IReadOnlyList<T> Items, string? NextToken);

    /// <param name="sortedItems">Sorted by <paramref name="key"/> in ordinal order, descending when <paramref name="descending"/>.</param>
    public static Page<T> Take<T>(IEnumerable<T> sortedItems, Func<T, string> key, string? nextToken, int? maxResults, int limit = 100,
        bool descending = false)
    {
        if (maxResults is { } requested && (requested < 1 || requested > limit))
            throw EcsError.InvalidParameter($"maxResults must be between 1 and {limit}.");
        var after = nextToken is null ? null : DecodeToken(nextToken);
        var remaining = after is null ? sortedItems : sortedItems.Where(item => (descending ? -1 : 1) * string.CompareOrdinal(key(item), after) > 0);
        var pageSize = maxResults ?? limit;
        var page = remaining.Take(pageSize + 1).ToList();
        if (page.Count <= pageSize) return new Page<T>(page, null);
        page.RemoveAt(pageSize);
        return new Page<T>(page, EncodeToken(key(page[^1])));
    }

    /// <summary>The page size a request asks for, checked: for lists paged where they are kept (the scheduler's view).</summary>
    public static int PageSize(int? maxResults, int limit = 100) => maxResults is { } requested && (requested < 1 || requested > limit)
        ? throw EcsError.InvalidParameter($"maxResults must be between 1 and {limit}.")
        : maxResults ?? limit;

    /// <summary>The last key the previous page answered, from its nextToken (null on the first page).</summary>
    public static string? LastKey(string? nextToken) => nextToken is null ? null : DecodeToken(nextToken);

    public static string TokenAfter(string lastKey) => EncodeToken(lastKey);

    private static string EncodeToken(string lastKey) => Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + lastKey));

    private static string DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("v1:", StringComparison.Ordinal)) return text[3..];
        }
        catch (FormatException) { }
        throw EcsError.InvalidParameter("The nextToken is not valid: pass the nextToken of the previous response unchanged.");
    }
}
