using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Placement;

/// <summary>ECS's <c>PlacementConstraint</c>: <c>distinctInstance</c>, or <c>memberOf</c> with a cluster query expression.</summary>
public sealed record PlacementConstraint(string Type, string? Expression = null)
{
    public const string DistinctInstance = "distinctInstance";
    public const string MemberOf = "memberOf";

    public static PlacementConstraint Distinct { get; } = new(DistinctInstance);

    public static PlacementConstraint Member(string expression) => new(MemberOf, expression);

    public override string ToString() => Expression is null ? Type : $"{Type}({Expression})";
}

/// <summary>ECS's <c>PlacementStrategy</c>: <c>binpack</c> on cpu or memory, <c>spread</c> on instanceId, host or attribute:&lt;name&gt;, or <c>random</c>.</summary>
public sealed record PlacementStrategy(string Type, string? Field = null)
{
    public const string Binpack = "binpack";
    public const string Spread = "spread";
    public const string Random = "random";

    public const string CpuField = "cpu";
    public const string MemoryField = "memory";
    public const string InstanceIdField = "instanceId";
    public const string HostField = "host";
    public const string AttributePrefix = "attribute:";
    public const string AvailabilityZoneAttribute = "ecs.availability-zone";

    public static PlacementStrategy RandomPlacement { get; } = new(Random);

    public static PlacementStrategy BinpackOn(string field) => new(Binpack, field);

    public static PlacementStrategy SpreadOn(string field) => new(Spread, field);

    /// <summary>What ECS applies to service tasks when the service names no strategy.</summary>
    public static ImmutableList<PlacementStrategy> ServiceDefault { get; } = [SpreadOn(AttributePrefix + AvailabilityZoneAttribute)];

    /// <summary>What RunTask applies when the request names no strategy: ECS places standalone tasks at random.</summary>
    public static ImmutableList<PlacementStrategy> RunTaskDefault { get; } = [RandomPlacement];

    public override string ToString() => Type == Random ? Random : $"{Type}({Field})";
}

/// <summary>The checks RunTask, StartTask and CreateService apply to placement constraints and strategies.</summary>
public static class PlacementRules
{
    public const int MaxConstraints = 10;
    public const int MaxStrategies = 5;

    public static DomainError? ValidateConstraints(IReadOnlyCollection<PlacementConstraint>? constraints)
    {
        if (constraints is null) return null;
        if (constraints.Count > MaxConstraints)
            return DomainError.InvalidParameter($"Too many placement constraints: at most {MaxConstraints} are allowed, {constraints.Count} were given.");
        foreach (var constraint in constraints)
        {
            switch (constraint.Type)
            {
                case PlacementConstraint.DistinctInstance:
                    if (constraint.Expression is not null)
                        return DomainError.InvalidParameter("A distinctInstance placement constraint cannot have an expression.");
                    break;
                case PlacementConstraint.MemberOf:
                    if (string.IsNullOrWhiteSpace(constraint.Expression))
                        return DomainError.InvalidParameter("A memberOf placement constraint requires an expression.");
                    if (!ClusterQuery.TryParse(constraint.Expression, out _, out var invalid)) return invalid;
                    break;
                default:
                    return DomainError.InvalidParameter(
                        $"Invalid placement constraint type '{constraint.Type}': valid types are {PlacementConstraint.DistinctInstance} and {PlacementConstraint.MemberOf}.");
            }
        }
        return null;
    }

    public static DomainError? ValidateStrategies(IReadOnlyCollection<PlacementStrategy>? strategies)
    {
        if (strategies is null) return null;
        if (strategies.Count > MaxStrategies)
            return DomainError.InvalidParameter($"Too many placement strategies: at most {MaxStrategies} are allowed, {strategies.Count} were given.");
        foreach (var strategy in strategies)
        {
            switch (strategy.Type)
            {
                case PlacementStrategy.Binpack:
                    if (!IsBinpackField(strategy.Field))
                        return DomainError.InvalidParameter(
                            $"Invalid field '{strategy.Field}' for the binpack placement strategy: valid fields are {PlacementStrategy.CpuField} and {PlacementStrategy.MemoryField}.");
                    break;
                case PlacementStrategy.Spread:
                    if (!IsSpreadField(strategy.Field))
                        return DomainError.InvalidParameter(
                            $"Invalid field '{strategy.Field}' for the spread placement strategy: valid fields are {PlacementStrategy.InstanceIdField}, {PlacementStrategy.HostField} and attribute:<name>.");
                    break;
                case PlacementStrategy.Random:
                    // ECS ignores the field of a random strategy.
                    break;
                default:
                    return DomainError.InvalidParameter(
                        $"Invalid placement strategy type '{strategy.Type}': valid types are {PlacementStrategy.Random}, {PlacementStrategy.Spread} and {PlacementStrategy.Binpack}.");
            }
        }
        return null;
    }

    /// <summary>The memberOf constraints of the task definition followed by those of the request: both bind, as in ECS.</summary>
    public static ImmutableList<PlacementConstraint> Combine(
        IEnumerable<TaskDefinitionPlacementConstraint>? taskDefinitionConstraints, IEnumerable<PlacementConstraint>? requestConstraints) =>
        (taskDefinitionConstraints ?? [])
            .Where(c => c.Type == PlacementConstraint.MemberOf && c.Expression is not null)
            .Select(c => PlacementConstraint.Member(c.Expression!))
            .Concat(requestConstraints ?? [])
            .ToImmutableList();

    public static bool IsBinpackField(string? field) =>
        string.Equals(field, PlacementStrategy.CpuField, StringComparison.OrdinalIgnoreCase)
        || string.Equals(field, PlacementStrategy.MemoryField, StringComparison.OrdinalIgnoreCase);

    public static bool IsSpreadField(string? field) =>
        string.Equals(field, PlacementStrategy.InstanceIdField, StringComparison.OrdinalIgnoreCase)
        || string.Equals(field, PlacementStrategy.HostField, StringComparison.OrdinalIgnoreCase)
        || (field is not null && field.StartsWith(PlacementStrategy.AttributePrefix, StringComparison.OrdinalIgnoreCase)
            && ContainerInstances.Attributes.ValidateName(field[PlacementStrategy.AttributePrefix.Length..]) is null);
}
