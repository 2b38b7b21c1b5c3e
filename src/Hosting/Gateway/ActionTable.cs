using Actors.Nodes.Protocol;
using System.Text.Json;

namespace Actors.Hosting.Gateway;

/// <summary>
/// The actions the gateway answers, by X-Amz-Target, each with the request shape its JSON body is read into: ECS's own
/// under ECS's target prefix, and the agents' protocol under a prefix of ours.
/// </summary>
public sealed class ActionTable
{
    public const string EcsTargetPrefix = "AmazonEC2ContainerServiceV20141113.";

    private readonly Dictionary<string, Func<ReadOnlyMemory<byte>, ActionContext, Task<object>>> _handlers = new(StringComparer.Ordinal);

    /// <summary>An ECS action, answered at <c>AmazonEC2ContainerServiceV20141113.&lt;action&gt;</c>.</summary>
    public void Add<TRequest>(string action, Func<TRequest, ActionContext, Task<object>> handler) where TRequest : class =>
        AddTarget(EcsTargetPrefix + action, handler);

    public void AddTarget<TRequest>(string target, Func<TRequest, ActionContext, Task<object>> handler) where TRequest : class =>
        _handlers.Add(target, (body, context) => handler(Read<TRequest>(body), context));

    public bool TryGet(string target, out Func<ReadOnlyMemory<byte>, ActionContext, Task<object>> handler) =>
        _handlers.TryGetValue(target, out handler!);

    public IEnumerable<string> Actions => _handlers.Keys;

    public static TRequest Read<TRequest>(ReadOnlyMemory<byte> body) where TRequest : class
    {
        if (body.IsEmpty) body = "{}"u8.ToArray();
        try
        {
            return JsonSerializer.Deserialize<TRequest>(body.Span, WireJson.Options)
                   ?? throw EcsError.Serialization("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw EcsError.Serialization(e.Path is { Length: > 1 }
                ? $"Unexpected value at {e.Path}: {FirstSentence(e.Message)}"
                : $"The request body is not valid JSON: {FirstSentence(e.Message)}");
        }
    }

    // System.Text.Json's messages continue with CLR type names and positions that mean nothing to an ECS client.
    private static string FirstSentence(string message)
    {
        var pathIndex = message.IndexOf(" Path:", StringComparison.Ordinal);
        return pathIndex > 0 ? message[..pathIndex] : message;
    }
}
