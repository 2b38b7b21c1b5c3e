using System.Collections.Immutable;

namespace Actors.Domain.Common;

/// <summary>Lists ECS keeps unique by a key (tags by key, attributes and settings by name).</summary>
public static class KeyedLists
{
    /// <summary>Adds or overwrites items by key, keeping the order in which keys first appeared.</summary>
    public static ImmutableList<T> MergeBy<T>(ImmutableList<T> existing, IEnumerable<T> added, Func<T, string> key)
    {
        var result = existing;
        foreach (var item in added)
        {
            var index = result.FindIndex(current => key(current) == key(item));
            result = index >= 0 ? result.SetItem(index, item) : result.Add(item);
        }
        return result;
    }
}
