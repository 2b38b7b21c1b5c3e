using System.Text;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Hosting.Audit;
using Actors.Hosting.Cli;
using Actors.Hosting.Gateway.Auth;
using Akka.Actor;

namespace Actors.Hosting.Gateway;

/// <summary>
/// The audit's queries on the gateway, signed with SigV4 by a user key like every call, answered as JSON Lines (one object
/// per line, written as it is read, so a long timeline or verify streams): <c>GET /v1/audit/events</c> (query parameters are
/// the flags of `actors audit events` without their dashes, <c>follow=true</c> keeps the answer open),
/// <c>/v1/audit/state?arn=..&amp;at=..</c>, <c>/v1/audit/explain?task=..</c> or <c>?request-id=..</c>, <c>/v1/audit/verify</c>.
/// </summary>
public static class AuditEndpoints
{
    public const string ContentType = "application/x-ndjson";

    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        var journal = new Lazy<AuditJournal>(() => new AuditJournal(
            app.ServiceProvider.GetRequiredService<ActorSystem>(), AuditSource.Of(app.ServiceProvider.GetRequiredService<Actors.Nodes.JournalOptions>())));
        app.MapGet("/v1/audit/{query}", (HttpContext http, string query, SigV4Verifier verifier, CredentialStore credentials, TimeProvider clock) =>
            Handle(http, query, journal.Value, verifier, credentials, clock));
    }

    private static async Task Handle(HttpContext http, string query, AuditJournal journal, SigV4Verifier verifier, CredentialStore credentials, TimeProvider clock)
    {
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var cancellation = http.RequestAborted;
        try
        {
            var authentication = verifier.Verify(await http.Request.ReadForSigV4Async(cancellation), clock.GetUtcNow());
            if (authentication.Refusal is { } refusal) throw new EcsError(refusal.ErrorType, refusal.Message, refusal.HttpStatus);
            if (credentials.RoleOf(authentication.AccessKeyId!) != KeyRole.User)
                throw new EcsError(ErrorCodes.AccessDenied, $"The key {authentication.AccessKeyId} may not read the audit: it is for user keys.");

            var parameters = http.Request.Query.ToDictionary(p => "--" + p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
            switch (query)
            {
                case "events":
                    await Stream(http, AuditEvents.Read(journal, AuditCommand.Filter(parameters), parameters.GetValueOrDefault("--follow") == "true", cancellation));
                    break;
                case "state":
                    var at = parameters.TryGetValue("--at", out var atText) ? AuditCommand.Time("at", atText) : DateTimeOffset.MaxValue;
                    await Stream(http, One(await AuditState.At(journal, Required(parameters, "arn"), at, cancellation)));
                    break;
                case "explain":
                    var subject = parameters.GetValueOrDefault("--task") ?? Required(parameters, "request-id");
                    await Stream(http, One(await AuditExplain.Explain(journal, subject, cancellation)));
                    break;
                case "verify":
                    var result = await AuditVerify.Run(journal, null, null, cancellation);
                    await Stream(http, One([.. result.Problems.Select(p => p.ToJson()), result.ToJson()]));
                    break;
                default:
                    throw new EcsError("UnknownOperationException", $"Unknown audit query {query}: events, state, explain or verify.", StatusCodes.Status404NotFound);
            }
        }
        catch (Exception mistake) when (mistake is EcsError or AuditException && !http.Response.HasStarted)
        {
            var error = mistake as EcsError ?? EcsError.InvalidParameter(mistake.Message);
            http.Response.StatusCode = error.Status;
            http.Response.Headers["x-amzn-ErrorType"] = error.Code;
            http.Response.ContentType = ContentType;
            await Line(http, new JsonObject { ["__type"] = error.Code, ["message"] = error.Message });
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away (a follow ends so).
        }
    }

    private static string Required(IReadOnlyDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue("--" + name, out var value) && value.Length > 0 ? value : throw EcsError.InvalidParameter($"{name} is required.");

    private static async IAsyncEnumerable<JsonObject> One(params JsonObject[] objects)
    {
        foreach (var item in objects) yield return item;
        await Task.CompletedTask;
    }

    private static async Task Stream(HttpContext http, IAsyncEnumerable<JsonObject> lines)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ContentType;
        await foreach (var line in lines.WithCancellation(http.RequestAborted)) await Line(http, line);
    }

    private static async Task Line(HttpContext http, JsonObject line)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
