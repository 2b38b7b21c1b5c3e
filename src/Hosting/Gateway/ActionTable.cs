using System.Text.Json;

namespace Actors.Hosting.Gateway;

/// <summary>The ECS actions the gateway answers, each with the request shape its JSON body is read into.</summary>
public sealed class ActionTable
{
    private readonly Dictionary<string, Func<ReadOnlyMemory<byte>, ActionContext, Task<object>>> _handlers = new(StringComparer.Ordinal);

    public void Add<TRequest>(string action, Func<TRequest, ActionContext, Task<object>> handler) where TRequest : class =>
        _handlers.Add(action, (body, context) => handler(Read<TRequest>(body), context));

    public bool TryGet(string action, out Func<ReadOnlyMemory<byte>, ActionContext, Task<object>> handler) =>
        _handlers.TryGetValue(action, out handler!);

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
