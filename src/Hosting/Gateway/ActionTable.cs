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

    /// <summary>
    /// Reads a request body into its record and holds it to its shape (<see cref="RequestShape"/>); every failure is an
    /// <see cref="EcsError"/> that names the JSON path, so nothing a client sends reaches a handler half-formed.
    /// </summary>
    public static TRequest Read<TRequest>(ReadOnlyMemory<byte> body) where TRequest : class
    {
        if (body.IsEmpty) body = "{}"u8.ToArray();
        TRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<TRequest>(body.Span, WireJson.Options);
        }
        catch (JsonException e)
        {
            throw RequestShape.DescribeReadFailure(e, body.Span, typeof(TRequest), WireJson.Options);
        }
        if (request is null) throw EcsError.Serialization("Unable to parse request: the request body must be a JSON object, not null.");
        RequestShape.Check(request, WireJson.Options);
        return request;
    }
}
