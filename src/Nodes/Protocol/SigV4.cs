using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Actors.Nodes.Protocol;

/// <summary>
/// An HTTP request as AWS Signature Version 4 sees it. <see cref="Path"/> is the path exactly as it travels on the
/// wire (still percent-encoded), <see cref="Query"/> the raw query without its '?'. Header names may repeat; order
/// among repeated names is kept because SigV4 joins their values in arrival order.
/// </summary>
public sealed record SigV4Request(
    string Method,
    string Path,
    string Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>All values of a header (case-insensitive name), joined with ',' as SigV4 joins them; null when absent.</summary>
    public string? Header(string name)
    {
        var values = Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(',', values);
    }

    public SigV4Request WithoutHeaders(params string[] names) =>
        this with { Headers = Headers.Where(h => !names.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).ToList() };

    public SigV4Request WithHeader(string name, string value) =>
        this with { Headers = [.. WithoutHeaders(name).Headers, new KeyValuePair<string, string>(name, value)] };
}

/// <summary>Every intermediate of one signature, so a mismatch can be traced to the line that differs.</summary>
public sealed record SigV4Signature(
    string CanonicalRequest,
    string StringToSign,
    string SignedHeaders,
    string Scope,
    string Signature,
    string Authorization);

/// <summary>A request with its SigV4 headers added, and how they were computed.</summary>
public sealed record SigV4SignedRequest(SigV4Request Request, SigV4Signature Signature);

/// <summary>
/// AWS Signature Version 4 (header form), shared by the gateway's verifier and by clients that sign their own calls.
/// Pure: the time is always passed in, nothing is read or written.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Terminator = "aws4_request";
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";
    public const string ScopeDateFormat = "yyyyMMdd";
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public const string AmzDateHeader = "x-amz-date";
    public const string ContentSha256Header = "x-amz-content-sha256";
    public const string SecurityTokenHeader = "x-amz-security-token";
    public const string AuthorizationHeader = "authorization";

    /// <summary>
    /// Headers <see cref="Sign"/> leaves out of the signature: hop-by-hop or rewritten by proxies and HTTP stacks,
    /// the same set the AWS SDKs leave out, so a relay between signer and verifier cannot break the signature.
    /// </summary>
    public static readonly IReadOnlySet<string> UnsignedHeaderNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "cache-control", "connection", "expect", "from", "keep-alive", "max-forwards", "pragma",
        "referer", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "content-length",
    };

    public static string FormatAmzDate(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    public static bool TryParseAmzDate(string? value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// AWS's URI encoding: every UTF-8 byte except the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) becomes
    /// %XX with upper-case hex; '/' is kept only where it separates path segments.
    /// </summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (c == '/' && !encodeSlash))
                builder.Append(c);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>
    /// The canonical URI of a wire path for every service but S3: dot segments resolved, empty segments dropped (a
    /// trailing slash kept), then each segment URI-encoded once more — which encodes the wire's own escapes a second
    /// time, exactly as the SDKs do.
    /// </summary>
    public static string CanonicalUri(string wirePath)
    {
        if (string.IsNullOrEmpty(wirePath)) return "/";
        var segments = new List<string>();
        var pieces = wirePath.Split('/');
        foreach (var piece in pieces)
        {
            if (piece is "" or ".") continue;
            if (piece == "..")
            {
                if (segments.Count > 0) segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(piece);
        }
        if (segments.Count == 0) return "/";
        var last = pieces[^1];
        var trailingSlash = last is "" or "." or "..";
        return "/" + string.Join('/', segments.Select(s => UriEncode(s, encodeSlash: true))) + (trailingSlash ? "/" : "");
    }

    /// <summary>
    /// The canonical query string of a raw query: each name and value percent-decoded and re-encoded the AWS way,
    /// sorted by name then value (byte order), a missing value written as empty. '+' is taken literally (RFC 3986),
    /// not as a space: the SDKs always send spaces as %20.
    /// </summary>
    public static string CanonicalQueryString(string rawQuery, string? excludedParameter = null)
    {
        if (string.IsNullOrEmpty(rawQuery)) return "";
        var pairs = new List<(string Name, string Value)>();
        foreach (var piece in rawQuery.TrimStart('?').Split('&'))
        {
            if (piece.Length == 0) continue;
            var equals = piece.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? piece : piece[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(piece[(equals + 1)..]);
            if (excludedParameter is not null && name == excludedParameter) continue;
            pairs.Add((UriEncode(name, encodeSlash: true), UriEncode(value, encodeSlash: true)));
        }
        return string.Join('&', pairs
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>A header value as SigV4 signs it: trimmed, every run of white space (folded lines too) made one space.</summary>
    public static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c)) { pendingSpace = true; continue; }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>
    /// The canonical headers block (each line "name:value\n", names lower-case and sorted) for the given signed header
    /// names. A signed name the request lacks is written with an empty value, so the signature simply fails to match.
    /// </summary>
    public static string CanonicalHeaders(IReadOnlyList<KeyValuePair<string, string>> headers, IEnumerable<string> signedHeaderNames)
    {
        var builder = new StringBuilder();
        foreach (var name in signedHeaderNames.Select(n => n.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal))
        {
            var values = headers
                .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                .Select(h => CanonicalHeaderValue(h.Value));
            builder.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>The signed-headers list: lower-case names, sorted, ';'-separated.</summary>
    public static string SignedHeadersList(IEnumerable<string> names) =>
        string.Join(';', names.Select(n => n.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));

    public static string CanonicalRequest(
        string method, string canonicalUri, string canonicalQuery, string canonicalHeaders, string signedHeaders, string payloadHash) =>
        $"{method.ToUpperInvariant()}\n{canonicalUri}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";

    public static string CredentialScope(string scopeDate, string region, string service) => $"{scopeDate}/{region}/{service}/{Terminator}";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Sha256Hex(canonicalRequest)}";

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static byte[] SigningKey(string secretAccessKey, string scopeDate, string region, string service)
    {
        var dateKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(scopeDate));
        var regionKey = HMACSHA256.HashData(dateKey, Encoding.UTF8.GetBytes(region));
        var serviceKey = HMACSHA256.HashData(regionKey, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(serviceKey, Encoding.UTF8.GetBytes(Terminator));
    }

    public static string SignatureOf(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>
    /// Computes the signature of a request over the given signed headers, as of <paramref name="signingTime"/>.
    /// <paramref name="payloadHash"/> is what the canonical request ends with (hex SHA-256 of the body, or whatever the
    /// x-amz-content-sha256 header declared); <paramref name="excludedQueryParameter"/> is X-Amz-Signature for
    /// presigned URLs.
    /// </summary>
    public static SigV4Signature Compute(
        SigV4Request request,
        IEnumerable<string> signedHeaderNames,
        string accessKeyId,
        string secretAccessKey,
        string region,
        string service,
        DateTimeOffset signingTime,
        string payloadHash,
        string? excludedQueryParameter = null)
    {
        var names = signedHeaderNames.ToList();
        var signedHeaders = SignedHeadersList(names);
        var canonicalRequest = CanonicalRequest(
            request.Method,
            CanonicalUri(request.Path),
            CanonicalQueryString(request.Query, excludedQueryParameter),
            CanonicalHeaders(request.Headers, names),
            signedHeaders,
            payloadHash);
        var scopeDate = signingTime.UtcDateTime.ToString(ScopeDateFormat, CultureInfo.InvariantCulture);
        var scope = CredentialScope(scopeDate, region, service);
        var stringToSign = StringToSign(FormatAmzDate(signingTime), scope, canonicalRequest);
        var signature = SignatureOf(SigningKey(secretAccessKey, scopeDate, region, service), stringToSign);
        var authorization = $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Signature(canonicalRequest, stringToSign, signedHeaders, scope, signature, authorization);
    }

    /// <summary>
    /// Signs an outgoing request: sets x-amz-date (and x-amz-content-sha256 / x-amz-security-token when asked), signs
    /// every header present except <see cref="UnsignedHeaderNames"/>, and sets authorization. The request must carry
    /// a host header, since the verifier insists it be signed.
    /// </summary>
    public static SigV4SignedRequest Sign(
        SigV4Request request,
        string accessKeyId,
        string secretAccessKey,
        string region,
        string service,
        DateTimeOffset signingTime,
        bool addContentSha256Header = false,
        string? sessionToken = null)
    {
        if (request.Header("host") is null)
            throw new ArgumentException("A SigV4 request must carry a host header.", nameof(request));

        var payloadHash = Sha256Hex(request.Body.Span);
        var prepared = request.WithoutHeaders(AuthorizationHeader).WithHeader(AmzDateHeader, FormatAmzDate(signingTime));
        if (addContentSha256Header) prepared = prepared.WithHeader(ContentSha256Header, payloadHash);
        if (sessionToken is not null) prepared = prepared.WithHeader(SecurityTokenHeader, sessionToken);

        var signedNames = prepared.Headers.Select(h => h.Key).Where(n => !UnsignedHeaderNames.Contains(n));
        var signature = Compute(prepared, signedNames, accessKeyId, secretAccessKey, region, service, signingTime, payloadHash);
        return new SigV4SignedRequest(prepared.WithHeader(AuthorizationHeader, signature.Authorization), signature);
    }
}
