namespace Actors.Hosting.Gateway;

/// <summary>ECS's <c>include</c> lists (TAGS, SETTINGS...): each name maps to a flag; an unknown name is an InvalidParameterException.</summary>
public static class Includes
{
    public static TFlags Parse<TFlags>(IEnumerable<string>? include, IReadOnlyDictionary<string, TFlags> names) where TFlags : struct, Enum
    {
        var flags = 0;
        foreach (var item in include ?? [])
            flags |= names.TryGetValue(item, out var flag)
                ? Convert.ToInt32(flag)
                : throw EcsError.InvalidParameter($"Invalid include value '{item}'. Valid values: {string.Join(", ", names.Keys)}.");
        return (TFlags)Enum.ToObject(typeof(TFlags), flags);
    }
}
