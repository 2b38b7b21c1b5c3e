using Actors.Nodes.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Actors.Hosting.Gateway.Auth;

public static class HttpRequestSigV4Reader
{
    /// <summary>
    /// Describes an ASP.NET Core request for <see cref="SigV4Verifier"/>: the path as it came on the wire (ASP.NET's
    /// Path is already decoded, and the client signed the encoded form), the raw query, every header and the body.
    /// The body is read once, into an array of its declared length when it has one (Kestrel has already refused a body
    /// above the configured limit); the endpoints take it from here, not from the request again.
    /// </summary>
    public static async Task<SigV4Request> ReadForSigV4Async(this HttpRequest request, CancellationToken cancellationToken = default)
    {
        byte[] body;
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            body = length == 0 ? [] : new byte[length];
            await request.Body.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
            foreach (var value in values)
                headers.Add(new(name, value ?? ""));

        return new SigV4Request(request.Method, WirePath(request), request.QueryString.HasValue ? request.QueryString.Value![1..] : "", headers, body);
    }

    private static string WirePath(HttpRequest request)
    {
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(rawTarget) && rawTarget.StartsWith('/'))
        {
            var question = rawTarget.IndexOf('?');
            return question < 0 ? rawTarget : rawTarget[..question];
        }
        // No raw target (tests, some servers): re-encode what ASP.NET decoded.
        return (request.PathBase + request.Path).ToUriComponent() is { Length: > 0 } path ? path : "/";
    }
}
