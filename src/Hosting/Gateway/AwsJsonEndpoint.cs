using Actors.Nodes.Protocol;
using System.Text.Json;
using Actors.Domain.Common;
using Actors.Hosting.Gateway.Auth;
using Akka.Actor;

namespace Actors.Hosting.Gateway;

/// <summary>
/// <c>POST /</c> as Amazon ECS answers it: SigV4 check, dispatch on X-Amz-Target, the key's role checked against the
/// action's callers, JSON body to a domain command, the entity's answer back in ECS's shape. Every response carries
/// x-amzn-RequestId; every error is <c>{"__type","message"}</c> with the same name in x-amzn-ErrorType.
/// </summary>
public sealed class AwsJsonEndpoint(
    ActionTable actions, ControlPlaneAccessor controlPlane, SigV4Verifier verifier, CredentialStore credentials, TimeProvider clock,
    ILogger<AwsJsonEndpoint> log)
{
    public async Task Handle(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        try
        {
            var signed = await http.Request.ReadForSigV4Async(http.RequestAborted);
            var now = clock.GetUtcNow();
            var authentication = verifier.Verify(signed, now);
            if (authentication.Refusal is { } refusal)
                throw new EcsError(refusal.ErrorType, refusal.Message, refusal.HttpStatus);

            var target = http.Request.Headers["X-Amz-Target"].ToString();
            if (!actions.TryGet(target, out var action))
                throw EcsError.UnknownOperation(string.IsNullOrEmpty(target)
                    ? "Missing X-Amz-Target header."
                    : $"Unknown operation {target}.");
            var accessKeyId = authentication.AccessKeyId!;
            // The verifier found the key, so it has a role.
            var role = credentials.RoleOf(accessKeyId)!.Value;
            if (!action.Callers.HasFlag(role)) throw Denied(accessKeyId, role, target);

            var context = new ActionContext(new RequestContext(now, requestId, accessKeyId), controlPlane.Get(), signed.Body, http.RequestAborted);
            var result = await action.Handle(signed.Body, context);
            await Write(http, StatusCodes.Status200OK, result);
        }
        catch (EcsError error)
        {
            await WriteError(http, error);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteError(http, new EcsError("RequestEntityTooLargeException", "The request body is larger than the gateway accepts.",
                StatusCodes.Status413PayloadTooLarge));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception fault) when (fault is AskTimeoutException or TaskCanceledException)
        {
            log.LogError(fault, "Request {RequestId} timed out inside the control plane", requestId);
            await WriteError(http, new EcsError(ErrorCodes.Server, "The control plane did not answer in time.", StatusCodes.Status500InternalServerError));
        }
        catch (Exception fault)
        {
            log.LogError(fault, "Request {RequestId} failed", requestId);
            await WriteError(http, new EcsError(ErrorCodes.Server, "An internal error occurred.", StatusCodes.Status500InternalServerError));
        }
    }

    private EcsError Denied(string accessKeyId, KeyRole role, string target)
    {
        var allowed = role == KeyRole.Agent
            ? "agent keys may call only what a container agent needs: " +
              string.Join(", ", actions.ActionsFor(KeyRole.Agent).Select(a => a.StartsWith(ActionTable.EcsTargetPrefix, StringComparison.Ordinal)
                  ? a[ActionTable.EcsTargetPrefix.Length..]
                  : a))
            : "it is for container agents, which sign with agent keys";
        return new EcsError(ErrorCodes.AccessDenied, $"The {KeyRoles.Name(role)} key {accessKeyId} is not authorized to perform {target}: {allowed}.");
    }

    private static Task WriteError(HttpContext http, EcsError error)
    {
        http.Response.Headers["x-amzn-ErrorType"] = error.Code;
        return Write(http, error.Status, new Dictionary<string, string> { ["__type"] = error.Code, ["message"] = error.Message });
    }

    private static async Task Write(HttpContext http, int status, object body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = WireJson.ContentType;
        await JsonSerializer.SerializeAsync(http.Response.Body, body, body.GetType(), WireJson.Options, http.RequestAborted);
    }
}
