using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Actors.Domain.Common;

namespace Actors.Domain.Placement;

/// <summary>
/// ECS's cluster query language, used by ListContainerInstances filters and memberOf placement constraints:
/// <c>subject operator [argument]</c> combined with <c>and</c>/<c>&amp;&amp;</c>, <c>or</c>/<c>||</c>, <c>not</c>/<c>!</c> and
/// parentheses (not binds tighter than and, and tighter than or). Arguments are bare words or quoted strings
/// ('...' or "..."); in/!in take a list <c>[a, b]</c>; =~/!~ take a regular expression that must match the whole value.
/// Operators may also be spelled as words (equals, not_equals, greater_than, ..., not_in, matches, not_matches).
/// </summary>
public sealed class ClusterQuery
{
    public const int MaxLength = 2000;

    private ClusterQuery(string text, QueryExpression expression)
    {
        Text = text;
        Expression = expression;
    }

    public string Text { get; }
    public QueryExpression Expression { get; }

    /// <summary>Parses <paramref name="text"/>, or explains with an InvalidParameterException error where it went wrong.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ClusterQuery? query, [NotNullWhen(false)] out DomainError? error)
    {
        query = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = DomainError.InvalidParameter("Invalid cluster query: the expression is empty.");
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = DomainError.InvalidParameter($"Invalid cluster query: the expression can have a maximum length of {MaxLength} characters.");
            return false;
        }
        try
        {
            query = new ClusterQuery(text, new Parser(text).ParseWhole());
            return true;
        }
        catch (QuerySyntaxException syntax)
        {
            error = DomainError.InvalidParameter(syntax.Message);
            return false;
        }
    }

    public bool Matches(IClusterQuerySubject subject) => ClusterQueryEvaluator.Evaluate(Expression, subject);

    public override string ToString() => Text;

    private sealed class QuerySyntaxException(string message) : Exception(message);

    private enum TokenKind { Word, Quoted, Symbol, OpenParen, CloseParen, OpenBracket, CloseBracket, Comma, End }

    private readonly record struct Token(TokenKind Kind, string Text, int Position)
    {
        public bool IsWord(string word) => Kind == TokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
        public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
        public string Describe() => Kind == TokenKind.End ? "the end of the expression" : $"'{Text}'";
    }

    private static readonly ImmutableDictionary<string, QueryOperator> OperatorsBySpelling = new Dictionary<string, QueryOperator>(StringComparer.OrdinalIgnoreCase)
    {
        ["=="] = QueryOperator.Equal, ["equals"] = QueryOperator.Equal,
        ["!="] = QueryOperator.NotEqual, ["not_equals"] = QueryOperator.NotEqual,
        [">"] = QueryOperator.GreaterThan, ["greater_than"] = QueryOperator.GreaterThan,
        [">="] = QueryOperator.GreaterThanOrEqual, ["greater_than_equal"] = QueryOperator.GreaterThanOrEqual,
        ["<"] = QueryOperator.LessThan, ["less_than"] = QueryOperator.LessThan,
        ["<="] = QueryOperator.LessThanOrEqual, ["less_than_equal"] = QueryOperator.LessThanOrEqual,
        ["exists"] = QueryOperator.Exists,
        ["!exists"] = QueryOperator.NotExists, ["not_exists"] = QueryOperator.NotExists,
        ["in"] = QueryOperator.In,
        ["!in"] = QueryOperator.NotIn, ["not_in"] = QueryOperator.NotIn,
        ["=~"] = QueryOperator.Matches, ["matches"] = QueryOperator.Matches,
        ["!~"] = QueryOperator.NotMatches, ["not_matches"] = QueryOperator.NotMatches,
    }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly QueryOperator[] EqualityListAndPattern =
        [QueryOperator.Equal, QueryOperator.NotEqual, QueryOperator.In, QueryOperator.NotIn, QueryOperator.Matches, QueryOperator.NotMatches];

    private static readonly QueryOperator[] EqualityAndOrder =
        [QueryOperator.Equal, QueryOperator.NotEqual, QueryOperator.GreaterThan, QueryOperator.GreaterThanOrEqual, QueryOperator.LessThan, QueryOperator.LessThanOrEqual];

    /// <summary>The operators ECS's documentation lists for each subject; attributes take them all.</summary>
    private static readonly ImmutableDictionary<QuerySubjectKind, ImmutableHashSet<QueryOperator>> AllowedOperators =
        new Dictionary<QuerySubjectKind, ImmutableHashSet<QueryOperator>>
        {
            [QuerySubjectKind.Attribute] = Enum.GetValues<QueryOperator>().ToImmutableHashSet(),
            [QuerySubjectKind.AgentConnected] = EqualityListAndPattern.ToImmutableHashSet(),
            [QuerySubjectKind.Ec2InstanceId] = EqualityListAndPattern.ToImmutableHashSet(),
            [QuerySubjectKind.InstanceId] = EqualityListAndPattern.ToImmutableHashSet(),
            [QuerySubjectKind.AgentVersion] = EqualityAndOrder.ToImmutableHashSet(),
            [QuerySubjectKind.RegisteredAt] = EqualityAndOrder.ToImmutableHashSet(),
            [QuerySubjectKind.RunningTasksCount] = EqualityAndOrder.ToImmutableHashSet(),
            [QuerySubjectKind.TaskGroup] = EqualityListAndPattern.Append(QueryOperator.Exists).Append(QueryOperator.NotExists).ToImmutableHashSet(),
        }.ToImmutableDictionary();

    private static readonly ImmutableDictionary<string, QuerySubjectKind> FieldSubjects = new Dictionary<string, QuerySubjectKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["agentConnected"] = QuerySubjectKind.AgentConnected,
        ["agentVersion"] = QuerySubjectKind.AgentVersion,
        ["ec2InstanceId"] = QuerySubjectKind.Ec2InstanceId,
        ["instanceId"] = QuerySubjectKind.InstanceId,
        ["registeredAt"] = QuerySubjectKind.RegisteredAt,
        ["runningTasksCount"] = QuerySubjectKind.RunningTasksCount,
        ["task:group"] = QuerySubjectKind.TaskGroup,
    }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    private sealed class Parser(string text)
    {
        private readonly List<Token> _tokens = Tokenize(text);
        private int _next;

        private Token Peek => _tokens[_next];

        private Token Take() => _tokens[_next++];

        public QueryExpression ParseWhole()
        {
            var expression = ParseOr();
            if (Peek.Kind != TokenKind.End)
                throw Error($"expected 'and', 'or' or the end of the expression but found {Peek.Describe()}", Peek);
            return expression;
        }

        private QueryExpression ParseOr()
        {
            var left = ParseAnd();
            while (Peek.IsWord("or") || Peek.IsSymbol("||"))
            {
                Take();
                left = new OrExpression(left, ParseAnd());
            }
            return left;
        }

        private QueryExpression ParseAnd()
        {
            var left = ParseUnary();
            while (Peek.IsWord("and") || Peek.IsSymbol("&&"))
            {
                Take();
                left = new AndExpression(left, ParseUnary());
            }
            return left;
        }

        private QueryExpression ParseUnary()
        {
            if (Peek.IsWord("not") || Peek.IsSymbol("!"))
            {
                Take();
                return new NotExpression(ParseUnary());
            }
            if (Peek.Kind == TokenKind.OpenParen)
            {
                var open = Take();
                var inner = ParseOr();
                if (Peek.Kind != TokenKind.CloseParen)
                    throw Error($"expected ')' to close the '(' at position {open.Position + 1} but found {Peek.Describe()}", Peek);
                Take();
                return inner;
            }
            return ParseComparison();
        }

        private ComparisonExpression ParseComparison()
        {
            var subjectToken = Take();
            if (subjectToken.Kind != TokenKind.Word)
                throw Error($"expected a subject (attribute:<name>, agentConnected, agentVersion, ec2InstanceId, instanceId, registeredAt, runningTasksCount or task:group) but found {subjectToken.Describe()}", subjectToken);
            var subject = ParseSubject(subjectToken);

            var operatorToken = Take();
            if (operatorToken.Kind is not (TokenKind.Word or TokenKind.Symbol) || !OperatorsBySpelling.TryGetValue(operatorToken.Text, out var op))
                throw Error($"expected an operator after '{subjectToken.Text}' but found {operatorToken.Describe()}", operatorToken);
            if (!AllowedOperators[subject.Kind].Contains(op))
                throw Error($"the operator '{operatorToken.Text}' cannot be applied to {subject}", operatorToken);

            switch (op)
            {
                case QueryOperator.Exists or QueryOperator.NotExists:
                    return new ComparisonExpression(subject, op, []);
                case QueryOperator.In or QueryOperator.NotIn:
                    var list = ParseList(operatorToken);
                    foreach (var (value, token) in list) CheckArgument(subject, value, token);
                    return new ComparisonExpression(subject, op, list.Select(v => v.Value).ToImmutableList());
                case QueryOperator.Matches or QueryOperator.NotMatches:
                    var (pattern, patternToken) = ParseValue(operatorToken);
                    return new ComparisonExpression(subject, op, [pattern], CompilePattern(pattern, patternToken));
                default:
                    var (argument, argumentToken) = ParseValue(operatorToken);
                    CheckArgument(subject, argument, argumentToken);
                    return new ComparisonExpression(subject, op, [argument]);
            }
        }

        private QuerySubject ParseSubject(Token token)
        {
            const string attributePrefix = "attribute:";
            if (token.Text.StartsWith(attributePrefix, StringComparison.OrdinalIgnoreCase))
            {
                var name = token.Text[attributePrefix.Length..];
                if (ContainerInstances.Attributes.ValidateName(name) is not null)
                    throw Error($"'{name}' is not a valid attribute name", token);
                return new QuerySubject(QuerySubjectKind.Attribute, name);
            }
            if (FieldSubjects.TryGetValue(token.Text, out var kind)) return new QuerySubject(kind);
            throw Error($"unknown subject '{token.Text}': use attribute:<name>, agentConnected, agentVersion, ec2InstanceId, instanceId, registeredAt, runningTasksCount or task:group", token);
        }

        private (string Value, Token Token) ParseValue(Token after)
        {
            var token = Take();
            if (token.Kind is TokenKind.Word or TokenKind.Quoted) return (token.Text, token);
            throw Error($"expected a value after '{after.Text}' but found {token.Describe()}", token);
        }

        private List<(string Value, Token Token)> ParseList(Token after)
        {
            var open = Take();
            if (open.Kind != TokenKind.OpenBracket)
                throw Error($"expected a list like [a, b] after '{after.Text}' but found {open.Describe()}", open);
            var values = new List<(string, Token)> { ParseValue(open) };
            while (Peek.Kind == TokenKind.Comma)
                values.Add(ParseValue(Take()));
            if (Peek.Kind != TokenKind.CloseBracket)
                throw Error($"expected ',' or ']' in the list opened at position {open.Position + 1} but found {Peek.Describe()}", Peek);
            Take();
            return values;
        }

        private void CheckArgument(QuerySubject subject, string value, Token token)
        {
            switch (subject.Kind)
            {
                case QuerySubjectKind.RegisteredAt when !ClusterQueryEvaluator.TryParseDate(value, out _):
                    throw Error($"'{value}' is not a date: use 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18", token);
                case QuerySubjectKind.RunningTasksCount when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                    throw Error($"'{value}' is not a whole number", token);
                case QuerySubjectKind.AgentConnected when !bool.TryParse(value, out _):
                    throw Error($"'{value}' is not true or false", token);
            }
        }

        private Regex CompilePattern(string pattern, Token token)
        {
            // Java's Pattern.matches semantics: the whole value must match.
            var anchored = $@"\A(?:{pattern})\z";
            try
            {
                // The non-backtracking engine runs in linear time, so no pattern can stall placement.
                return new Regex(anchored, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (NotSupportedException)
            {
                // Back-references and look-arounds need the backtracking engine: bound it with a timeout instead.
                return CompileBacktracking(anchored, pattern, token);
            }
            catch (ArgumentException invalid)
            {
                throw Error($"'{pattern}' is not a valid regular expression ({invalid.Message})", token);
            }
        }

        private Regex CompileBacktracking(string anchored, string pattern, Token token)
        {
            try
            {
                return new Regex(anchored, RegexOptions.CultureInvariant, ClusterQueryEvaluator.MatchTimeout);
            }
            catch (ArgumentException invalid)
            {
                throw Error($"'{pattern}' is not a valid regular expression ({invalid.Message})", token);
            }
        }

        private static QuerySyntaxException Error(string what, Token at) =>
            new($"Invalid cluster query: {what} (at position {at.Position + 1}).");

        private static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                var start = i;
                switch (c)
                {
                    case '(': tokens.Add(new Token(TokenKind.OpenParen, "(", start)); i++; continue;
                    case ')': tokens.Add(new Token(TokenKind.CloseParen, ")", start)); i++; continue;
                    case '[': tokens.Add(new Token(TokenKind.OpenBracket, "[", start)); i++; continue;
                    case ']': tokens.Add(new Token(TokenKind.CloseBracket, "]", start)); i++; continue;
                    case ',': tokens.Add(new Token(TokenKind.Comma, ",", start)); i++; continue;
                    case '\'' or '"':
                        tokens.Add(ReadQuoted(text, ref i));
                        continue;
                }
                if (ReadSymbol(text, i) is { } symbol)
                {
                    tokens.Add(new Token(TokenKind.Symbol, symbol, start));
                    i += symbol.Length;
                    continue;
                }
                while (i < text.Length && IsWordCharacter(text[i])) i++;
                if (i == start)
                    throw Error($"unexpected character '{c}'", new Token(TokenKind.Symbol, c.ToString(), start));
                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
            }
            tokens.Add(new Token(TokenKind.End, "", text.Length));
            return tokens;
        }

        private static string? ReadSymbol(string text, int i)
        {
            foreach (var symbol in (string[])["==", "!=", ">=", "<=", "=~", "!~", "&&", "||"])
                if (string.CompareOrdinal(text, i, symbol, 0, symbol.Length) == 0) return symbol;
            // "!exists" and "!in" are operators; any other "!" negates what follows.
            foreach (var word in (string[])["!exists", "!in"])
                if (string.Compare(text, i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0
                    && (i + word.Length == text.Length || !IsWordCharacter(text[i + word.Length])))
                    return text.Substring(i, word.Length);
            return text[i] is '!' or '>' or '<' ? text[i].ToString() : null;
        }

        private static bool IsWordCharacter(char c) =>
            !char.IsWhiteSpace(c) && c is not ('(' or ')' or '[' or ']' or ',' or '\'' or '"' or '=' or '!' or '<' or '>' or '&' or '|');

        private static Token ReadQuoted(string text, ref int i)
        {
            var start = i;
            var quote = text[i++];
            var value = new StringBuilder();
            while (i < text.Length && text[i] != quote)
            {
                // A backslash escapes the quote character or another backslash; elsewhere it stays (regexes need it).
                if (text[i] == '\\' && i + 1 < text.Length && (text[i + 1] == quote || text[i + 1] == '\\'))
                    i++;
                value.Append(text[i++]);
            }
            if (i == text.Length)
                throw Error($"the quoted value starting with {quote} is not closed", new Token(TokenKind.Quoted, quote.ToString(), start));
            i++;
            return new Token(TokenKind.Quoted, value.ToString(), start);
        }
    }
}
