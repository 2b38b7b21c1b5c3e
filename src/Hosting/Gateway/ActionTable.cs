using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Protocol;
using System.Text.Json;

namespace Actors.Hosting.Gateway;

/// <summary>One action of the gateway: who may call it, and its handler over the raw JSON body.</summary>
/// <param name="Callers">The roles of the keys allowed to call it.</param>
public sealed record GatewayAction(KeyRole Callers, Func<ReadOnlyMemory<byte>, ActionContext, Task<object>> Handle);

/// <summary>
/// The actions the gateway answers, by X-Amz-Target, each with the request shape its JSON body is read into and the
/// roles of the keys that may call it: ECS's own under ECS's target prefix (user keys), and the agents' protocol under a
/// prefix of ours (agent keys).
/// </summary>
public sealed class ActionTable
{
    public const string EcsTargetPrefix = "AmazonEC2ContainerServiceV20141113.";

    private readonly Dictionary<string, GatewayAction> _actions = new(StringComparer.Ordinal);

    /// <summary>An ECS action, answered at <c>AmazonEC2ContainerServiceV20141113.&lt;action&gt;</c>; user keys only unless <paramref name="callers"/> says more.</summary>
    public void Add<TRequest>(string action, Func<TRequest, ActionContext, Task<object>> handler, KeyRole callers = KeyRole.User)
        where TRequest : class =>
        AddTarget(EcsTargetPrefix + action, handler, callers);

    public void AddTarget<TRequest>(string target, Func<TRequest, ActionContext, Task<object>> handler, KeyRole callers) where TRequest : class =>
        _actions.Add(target, new GatewayAction(callers, (body, context) => handler(Read<TRequest>(body), context)));

    public bool TryGet(string target, out GatewayAction action) => _actions.TryGetValue(target, out action!);

    public IEnumerable<string> Actions => _actions.Keys;

    /// <summary>The targets a key of <paramref name="role"/> may call, in order.</summary>
    public IEnumerable<string> ActionsFor(KeyRole role) =>
        _actions.Where(entry => entry.Value.Callers.HasFlag(role)).Select(entry => entry.Key).Order(StringComparer.Ordinal);

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
