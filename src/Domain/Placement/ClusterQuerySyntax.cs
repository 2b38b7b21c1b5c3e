using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Actors.Domain.Placement;

/// <summary>A parsed cluster query: comparisons combined with and, or and not.</summary>
public abstract record QueryExpression;

public sealed record AndExpression(QueryExpression Left, QueryExpression Right) : QueryExpression;

public sealed record OrExpression(QueryExpression Left, QueryExpression Right) : QueryExpression;

public sealed record NotExpression(QueryExpression Operand) : QueryExpression;

/// <summary>
/// <c>subject operator [argument]</c>. <see cref="Arguments"/> is empty for exists/!exists, one value for scalar operators,
/// and the list for in/!in. <see cref="Pattern"/> is the compiled regular expression of =~ and !~.
/// </summary>
public sealed record ComparisonExpression(
    QuerySubject Subject,
    QueryOperator Operator,
    ImmutableList<string> Arguments,
    Regex? Pattern = null) : QueryExpression;

public enum QuerySubjectKind
{
    Attribute,
    AgentConnected,
    AgentVersion,
    Ec2InstanceId,
    /// <summary>Actors' addition: the container instance id (the last part of its ARN).</summary>
    InstanceId,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
}

/// <param name="AttributeName">The name after <c>attribute:</c>, for <see cref="QuerySubjectKind.Attribute"/> only.</param>
public sealed record QuerySubject(QuerySubjectKind Kind, string? AttributeName = null)
{
    public override string ToString() => Kind switch
    {
        QuerySubjectKind.Attribute => $"attribute:{AttributeName}",
        QuerySubjectKind.TaskGroup => "task:group",
        _ => char.ToLowerInvariant(Kind.ToString()[0]) + Kind.ToString()[1..],
    };
}

public enum QueryOperator
{
    Equal,
    NotEqual,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

/// <summary>What a cluster query is evaluated against: a container instance, and for <c>task:group</c> the groups of its tasks.</summary>
public interface IClusterQuerySubject
{
    /// <summary>Whether the instance has the attribute; <paramref name="value"/> is null for an attribute with a name only.</summary>
    bool TryGetAttribute(string name, out string? value);

    bool AgentConnected { get; }
    string? AgentVersion { get; }
    string? Ec2InstanceId { get; }
    string InstanceId { get; }
    DateTimeOffset? RegisteredAt { get; }
    int RunningTasksCount { get; }

    /// <summary>The groups (<c>family:x</c>, <c>service:y</c>...) of the tasks on the instance.</summary>
    IReadOnlyCollection<string> TaskGroups { get; }
}
