using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Actors.Domain.Common;

public sealed record Tag(string Key, string? Value);

/// <summary>ECS's tag rules: at most 50 per resource, keys 1-128 and values 0-256 characters of letters, digits, spaces and + - = . _ : / @, no aws: prefix.</summary>
public static partial class Tags
{
    public const int MaxPerResource = 50;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex AllowedCharacters();

    public static DomainError? Validate(IReadOnlyCollection<Tag>? tags)
    {
        if (tags is null) return null;
        if (tags.Count > MaxPerResource)
            return DomainError.InvalidParameter($"Too many tags: a resource can have at most {MaxPerResource} tags.");
        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key) || tag.Key.Length > MaxKeyLength)
                return DomainError.InvalidParameter($"Tag keys must be between 1 and {MaxKeyLength} characters.");
            if ((tag.Value?.Length ?? 0) > MaxValueLength)
                return DomainError.InvalidParameter($"Tag values must be at most {MaxValueLength} characters.");
            if (!AllowedCharacters().IsMatch(tag.Key) || !AllowedCharacters().IsMatch(tag.Value ?? ""))
                return DomainError.InvalidParameter($"Tag '{tag.Key}' contains characters that are not allowed: use letters, numbers, spaces and + - = . _ : / @.");
            if (IsReserved(tag.Key))
                return DomainError.InvalidParameter("Tag keys may not begin with 'aws:': that prefix is reserved.");
        }
        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
            return DomainError.InvalidParameter("Tag keys must be unique.");
        return null;
    }

    /// <summary>Adds or overwrites tags by key, keeping the order in which keys first appeared.</summary>
    public static ImmutableList<Tag> Merge(ImmutableList<Tag> existing, IEnumerable<Tag> added) => KeyedLists.MergeBy(existing, added, t => t.Key);

    public static ImmutableList<Tag> Remove(ImmutableList<Tag> existing, IEnumerable<string> keys)
    {
        var removed = keys.ToHashSet(StringComparer.Ordinal);
        return existing.RemoveAll(t => removed.Contains(t.Key));
    }

    /// <summary>
    /// Validates the tags a resource would have after <see cref="Merge"/>, so the 50-tag limit counts what is already there.
    /// Tags ECS manages (<c>aws:</c>) do not count against the limit.
    /// </summary>
    public static DomainError? ValidateMerge(ImmutableList<Tag> existing, IReadOnlyCollection<Tag> added) =>
        Validate(added) ?? Validate(Merge(existing.RemoveAll(t => IsReserved(t.Key)), added));

    /// <summary>The <c>aws:</c> prefix belongs to tags ECS manages itself (as <c>aws:ecs:clusterName</c>); users can neither set nor remove them.</summary>
    public static bool IsReserved(string key) => key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase);

    /// <summary>TagResource's rules: at least one tag, each valid, at most 50 once merged with the <paramref name="existing"/> ones.</summary>
    public static DomainError? ValidateTagging(ImmutableList<Tag> existing, IReadOnlyCollection<Tag> added) =>
        added.Count == 0 ? DomainError.InvalidParameter("Tags must contain at least one tag.") : ValidateMerge(existing, added);

    /// <summary>The tags of <paramref name="added"/> that are not already there as they are: what TagResource changes.</summary>
    public static ImmutableList<Tag> Changed(ImmutableList<Tag> existing, IEnumerable<Tag> added) => added.Where(t => !existing.Contains(t)).ToImmutableList();

    /// <summary>UntagResource's rules: at least one key, each of a valid length and none of ECS's own.</summary>
    public static DomainError? ValidateUntagging(IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0) return DomainError.InvalidParameter("TagKeys must contain at least one key.");
        if (keys.Any(k => string.IsNullOrEmpty(k) || k.Length > MaxKeyLength))
            return DomainError.InvalidParameter($"Tag keys must be between 1 and {MaxKeyLength} characters.");
        if (keys.FirstOrDefault(IsReserved) is { } reserved)
            return DomainError.InvalidParameter($"Tag '{reserved}' cannot be removed: keys beginning with 'aws:' are managed by ECS.");
        return null;
    }

    /// <summary>The keys of <paramref name="keys"/> that are there to remove, once each: ECS accepts removing keys that are not.</summary>
    public static ImmutableList<string> Present(ImmutableList<Tag> existing, IEnumerable<string> keys) =>
        keys.Distinct(StringComparer.Ordinal).Where(k => existing.Exists(t => t.Key == k)).ToImmutableList();
}
