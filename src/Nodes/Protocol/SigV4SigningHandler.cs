namespace Actors.Nodes.Protocol;

/// <summary>
/// Signs every request passing through an <see cref="HttpClient"/> with SigV4, the way the AWS SDKs sign theirs,
/// so a node can call an Actors gateway (or AWS) with a key pair. Signs the request headers plus content-type, and
/// adds x-amz-content-sha256 so the gateway can tell a changed body from a wrong key.
/// </summary>
public sealed class SigV4SigningHandler : DelegatingHandler
{
    private readonly string accessKeyId;
    private readonly string secretAccessKey;
    private readonly string region;
    private readonly string service;
    private readonly TimeProvider clock;

    public SigV4SigningHandler(string accessKeyId, string secretAccessKey, string region, string service, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.region = region;
        this.service = service;
        this.clock = clock ?? TimeProvider.System;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await request.SignWithSigV4Async(accessKeyId, secretAccessKey, region, service, clock.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

public static class HttpRequestMessageSigV4Extensions
{
    /// <summary>
    /// Adds x-amz-date, x-amz-content-sha256 and authorization to <paramref name="request"/>, signed as of
    /// <paramref name="signingTime"/>. Buffers the content (it is needed for the payload hash and is sent afterwards).
    /// </summary>
    public static async Task<SigV4Signature> SignWithSigV4Async(
        this HttpRequestMessage request,
        string accessKeyId,
        string secretAccessKey,
        string region,
        string service,
        DateTimeOffset signingTime,
        CancellationToken cancellationToken = default)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("A request to sign needs an absolute RequestUri.");
        if (!uri.IsAbsoluteUri) throw new InvalidOperationException("A request to sign needs an absolute RequestUri.");

        var body = request.Content is null
            ? []
            : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);

        foreach (var name in new[] { SigV4.AuthorizationHeader, SigV4.AmzDateHeader, SigV4.ContentSha256Header })
            request.Headers.Remove(name);

        // HttpClient sends Host as the URI's authority (port only when not the scheme's default) unless told otherwise.
        var host = request.Headers.Host ?? (uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}");
        var headers = new List<KeyValuePair<string, string>> { new("host", host) };
        foreach (var header in request.Headers)
        {
            if (string.Equals(header.Key, "host", StringComparison.OrdinalIgnoreCase)) continue;
            headers.Add(new(header.Key, string.Join(',', header.Value)));
        }
        if (request.Content?.Headers.ContentType is { } contentType)
            headers.Add(new("content-type", contentType.ToString()));

        var described = new SigV4Request(request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, body);
        var signed = SigV4.Sign(described, accessKeyId, secretAccessKey, region, service, signingTime, addContentSha256Header: true);

        request.Headers.TryAddWithoutValidation(SigV4.AmzDateHeader, signed.Request.Header(SigV4.AmzDateHeader));
        request.Headers.TryAddWithoutValidation(SigV4.ContentSha256Header, signed.Request.Header(SigV4.ContentSha256Header));
        request.Headers.TryAddWithoutValidation(SigV4.AuthorizationHeader, signed.Signature.Authorization);
        return signed.Signature;
    }
}
