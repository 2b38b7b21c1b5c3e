using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Actors.Domain.Common;

namespace Actors.Domain.ContainerInstances;

/// <summary>
/// ECS's attribute rules: names 1-128 letters, numbers, hyphens, underscores, forward and back slashes and periods;
/// values 1-128 of those (less nothing) plus at signs, colons and spaces, not starting or ending with a space;
/// at most 10 custom attributes per resource. Attributes named <c>ecs.*</c> are the agent's and do not count towards
/// that limit; ECS publishes no limit for them, so ours is <see cref="MaxAgentPerInstance"/>.
/// </summary>
public static partial class Attributes
{
    public const int MaxNameLength = 128;
    public const int MaxValueLength = 128;
    public const int MaxCustomPerResource = 10;
    /// <summary>
    /// Our cap on agent attributes (<c>ecs.*</c>, <c>com.amazonaws.ecs.*</c>) per instance: the Amazon ECS agent reports
    /// about 30, so 100 leaves room while keeping an instance's state and messages small.
    /// </summary>
    public const int MaxAgentPerInstance = 100;
    public const string AgentPrefix = "ecs.";
    /// <summary>The older prefix of the capabilities the Amazon ECS agent reports (docker-remote-api, logging drivers...).</summary>
    public const string LegacyAgentPrefix = "com.amazonaws.ecs.";

    [GeneratedRegex(@"^[A-Za-z0-9\-_/\\.]+$")]
    private static partial Regex NameCharacters();

    [GeneratedRegex(@"^[A-Za-z0-9\-_.@/\\: ]+$")]
    private static partial Regex ValueCharacters();

    public static bool IsAgentAttribute(string name) =>
        name.StartsWith(AgentPrefix, StringComparison.Ordinal) || name.StartsWith(LegacyAgentPrefix, StringComparison.Ordinal);

    /// <summary>Checks names and values of attributes as given to RegisterContainerInstance or PutAttributes.</summary>
    public static DomainError? Validate(IEnumerable<Attribute> attributes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            if (ValidateName(attribute.Name) is { } nameError) return nameError;
            if (attribute.Value is { } value)
            {
                if (value.Length is 0 or > MaxValueLength || !ValueCharacters().IsMatch(value))
                    return DomainError.InvalidParameter(
                        $"Attribute '{attribute.Name}' has an invalid value: values must be between 1 and {MaxValueLength} characters of letters, numbers, " +
                        "hyphens (-), underscores (_), periods (.), at signs (@), forward slashes (/), back slashes (\\), colons (:) or spaces.");
                if (value[0] == ' ' || value[^1] == ' ')
                    return DomainError.InvalidParameter($"Attribute '{attribute.Name}' has an invalid value: a value can't start or end with a space.");
            }
            if (!seen.Add(attribute.Name))
                return DomainError.InvalidParameter($"Attribute '{attribute.Name}' is given more than once.");
        }
        return null;
    }

    public static DomainError? ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !NameCharacters().IsMatch(name))
            return DomainError.InvalidParameter(
                $"Attribute name '{name}' is invalid: names must be between 1 and {MaxNameLength} characters of letters, numbers, " +
                "hyphens (-), underscores (_), forward slashes (/), back slashes (\\) or periods (.).");
        return null;
    }

    /// <summary>Adds or overwrites attributes by name, keeping the order in which names first appeared; targets are dropped.</summary>
    public static ImmutableList<Attribute> Merge(ImmutableList<Attribute> existing, IEnumerable<Attribute> added) =>
        KeyedLists.MergeBy(existing, added.Select(Normalize), a => a.Name);

    public static ImmutableList<Attribute> Remove(ImmutableList<Attribute> existing, IEnumerable<string> names)
    {
        var removed = names.ToHashSet(StringComparer.Ordinal);
        return existing.RemoveAll(a => removed.Contains(a.Name));
    }

    public static int CustomCount(IEnumerable<Attribute> attributes) => attributes.Count(a => !IsAgentAttribute(a.Name));

    public static int AgentCount(IEnumerable<Attribute> attributes) => attributes.Count(a => IsAgentAttribute(a.Name));

    /// <summary>The first limit the attributes of one instance break, or null.</summary>
    public static DomainError? CheckLimits(IEnumerable<Attribute> attributes)
    {
        var all = attributes as IReadOnlyCollection<Attribute> ?? [.. attributes];
        if (CustomCount(all) > MaxCustomPerResource) return LimitExceeded();
        var agentCount = AgentCount(all);
        if (agentCount > MaxAgentPerInstance)
            return new DomainError(ErrorCodes.AttributeLimitExceeded,
                $"A container instance can have up to {MaxAgentPerInstance} agent attributes (names beginning with '{AgentPrefix}' or " +
                $"'{LegacyAgentPrefix}'); {agentCount} were given.");
        return null;
    }

    public static DomainError LimitExceeded() => new(ErrorCodes.AttributeLimitExceeded,
        $"You can apply up to {MaxCustomPerResource} custom attributes for each resource. Remove existing attributes with DeleteAttributes first.");

    /// <summary>The state keeps name and value only: the target of an attribute in state is always the instance holding it.</summary>
    public static Attribute Normalize(Attribute attribute) =>
        attribute.TargetType is null && attribute.TargetId is null ? attribute : new Attribute(attribute.Name, attribute.Value);
}
