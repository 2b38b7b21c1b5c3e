using System.Globalization;
using System.Text.RegularExpressions;

namespace Actors.Domain.Placement;

/// <summary>
/// Evaluates a parsed cluster query. The negated operators (!=, !in, !~, !exists) are the negation of their positive
/// forms, so an instance without the attribute satisfies <c>attribute:x != y</c>. For <c>task:group</c> the positive
/// forms hold when any task's group satisfies them. Ordering comparisons on a missing value are false.
/// </summary>
public static class ClusterQueryEvaluator
{
    /// <summary>Bounds patterns that need the backtracking engine (back-references, look-arounds).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly string[] DateFormats =
        ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd"];

    public static bool Evaluate(QueryExpression expression, IClusterQuerySubject subject) => expression switch
    {
        AndExpression and => Evaluate(and.Left, subject) && Evaluate(and.Right, subject),
        OrExpression or => Evaluate(or.Left, subject) || Evaluate(or.Right, subject),
        NotExpression not => !Evaluate(not.Operand, subject),
        ComparisonExpression comparison => Evaluate(comparison, subject),
        _ => throw new ArgumentOutOfRangeException(nameof(expression), expression.GetType().Name, "Not a cluster query expression."),
    };

    /// <summary>ECS's registeredAt formats: 2018-06-18T22:28:28+00:00, ...Z, without offset (UTC), or a date alone.</summary>
    public static bool TryParseDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    private static bool Evaluate(ComparisonExpression comparison, IClusterQuerySubject subject)
    {
        // A pattern that timed out is neither a match nor a mismatch: the comparison is false either way,
        // so an unanswerable constraint never places a task.
        if (comparison.Operator is QueryOperator.Matches or QueryOperator.NotMatches)
        {
            var matched = AnyMatches(comparison, subject);
            return matched is { } result && (comparison.Operator == QueryOperator.Matches ? result : !result);
        }
        return comparison.Operator switch
        {
            QueryOperator.NotEqual => !Holds(comparison, QueryOperator.Equal, subject),
            QueryOperator.NotIn => !Holds(comparison, QueryOperator.In, subject),
            QueryOperator.NotExists => !Holds(comparison, QueryOperator.Exists, subject),
            _ => Holds(comparison, comparison.Operator, subject),
        };
    }

    // The placer evaluates memberOf queries for every candidate instance, so the checks below walk the subject's values
    // in place rather than collecting them, and allocate nothing for attributes, ids and task groups.

    /// <summary>Whether some value of the subject satisfies the positive operator <paramref name="op"/> (exists: there is a value).</summary>
    private static bool Holds(ComparisonExpression comparison, QueryOperator op, IClusterQuerySubject subject)
    {
        if (comparison.Subject.Kind == QuerySubjectKind.TaskGroup)
        {
            if (op == QueryOperator.Exists) return subject.TaskGroups.Count > 0;
            foreach (var group in subject.TaskGroups)
                if (Satisfies(comparison, op, group)) return true;
            return false;
        }
        if (!TryGetValue(comparison.Subject, subject, out var value)) return false;
        return op == QueryOperator.Exists || Satisfies(comparison, op, value);
    }

    private static bool Satisfies(ComparisonExpression comparison, QueryOperator op, string? value)
    {
        var kind = comparison.Subject.Kind;
        switch (op)
        {
            case QueryOperator.Equal: return Compare(kind, value, comparison.Arguments[0]) == 0;
            case QueryOperator.In:
                foreach (var argument in comparison.Arguments)
                    if (Compare(kind, value, argument) == 0) return true;
                return false;
            case QueryOperator.GreaterThan: return Compare(kind, value, comparison.Arguments[0]) > 0;
            case QueryOperator.GreaterThanOrEqual: return Compare(kind, value, comparison.Arguments[0]) >= 0;
            case QueryOperator.LessThan: return Compare(kind, value, comparison.Arguments[0]) < 0;
            case QueryOperator.LessThanOrEqual: return Compare(kind, value, comparison.Arguments[0]) <= 0;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Negated operators are evaluated through their positive form.");
        }
    }

    /// <summary>
    /// The value of a single-valued subject as text, false when absent. An attribute that has a name but no value exists
    /// yet equals nothing, so it gives a null value that only <c>exists</c> counts.
    /// </summary>
    private static bool TryGetValue(QuerySubject querySubject, IClusterQuerySubject subject, out string? value)
    {
        switch (querySubject.Kind)
        {
            case QuerySubjectKind.Attribute:
                return subject.TryGetAttribute(querySubject.AttributeName!, out value);
            case QuerySubjectKind.AgentConnected:
                value = subject.AgentConnected ? "true" : "false";
                return true;
            case QuerySubjectKind.AgentVersion:
                value = subject.AgentVersion;
                return value is not null;
            case QuerySubjectKind.Ec2InstanceId:
                value = subject.Ec2InstanceId;
                return value is not null;
            case QuerySubjectKind.InstanceId:
                value = subject.InstanceId;
                return true;
            case QuerySubjectKind.RegisteredAt:
                value = subject.RegisteredAt is { } at ? at.UtcDateTime.ToString("o", CultureInfo.InvariantCulture) : null;
                return value is not null;
            case QuerySubjectKind.RunningTasksCount:
                value = subject.RunningTasksCount.ToString(CultureInfo.InvariantCulture);
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(querySubject), querySubject.Kind, "Unknown subject.");
        }
    }

    /// <summary>Compares a subject value with an argument: null (a value-less attribute) is unequal and unordered.</summary>
    private static int? Compare(QuerySubjectKind kind, string? value, string argument)
    {
        if (value is null) return null;
        switch (kind)
        {
            case QuerySubjectKind.RegisteredAt:
                return TryParseDate(value, out var at) && TryParseDate(argument, out var bound) ? at.CompareTo(bound) : null;
            case QuerySubjectKind.RunningTasksCount:
                return long.Parse(value, CultureInfo.InvariantCulture).CompareTo(long.Parse(argument, CultureInfo.InvariantCulture));
            case QuerySubjectKind.AgentConnected:
                return string.Equals(value, argument, StringComparison.OrdinalIgnoreCase) ? 0 : string.CompareOrdinal(value, argument.ToLowerInvariant());
            case QuerySubjectKind.AgentVersion:
                return CompareVersions(value, argument);
            case QuerySubjectKind.Attribute:
                // Attribute values are text, but "4 > 16" should not hold just because '4' sorts after '1'.
                if (decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                    && decimal.TryParse(argument, NumberStyles.Number, CultureInfo.InvariantCulture, out var other))
                    return number.CompareTo(other);
                return string.CompareOrdinal(value, argument);
            default:
                return string.CompareOrdinal(value, argument);
        }
    }

    /// <summary>Agent versions compare by their dotted numbers (1.9.0 &lt; 1.10.0), ignoring a leading v; otherwise as text.</summary>
    private static int CompareVersions(string left, string right)
    {
        static int[]? Parts(string version)
        {
            var parts = version.TrimStart('v', 'V').Split('.');
            var numbers = new int[parts.Length];
            for (var i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
            return numbers;
        }

        if (Parts(left) is not { } a || Parts(right) is not { } b) return string.CompareOrdinal(left, right);
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var difference = (i < a.Length ? a[i] : 0).CompareTo(i < b.Length ? b[i] : 0);
            if (difference != 0) return difference;
        }
        return 0;
    }

    private static bool? AnyMatches(ComparisonExpression comparison, IClusterQuerySubject subject)
    {
        var pattern = comparison.Pattern!;
        try
        {
            if (comparison.Subject.Kind == QuerySubjectKind.TaskGroup)
            {
                foreach (var group in subject.TaskGroups)
                    if (pattern.IsMatch(group)) return true;
                return false;
            }
            return TryGetValue(comparison.Subject, subject, out var value) && value is not null && pattern.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
