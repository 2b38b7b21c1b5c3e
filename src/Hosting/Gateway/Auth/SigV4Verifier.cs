using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Actors.Nodes.Protocol;

namespace Actors.Hosting.Gateway.Auth;

/// <summary>
/// Checks AWS Signature Version 4 on incoming requests, in the Authorization header only: no ECS client presigns, and
/// a presigned URL would be a bearer token valid for days. Every x-amz-* header present and content-type must be
/// signed, so no header that steers the request (x-amz-target above all) can be swapped under a valid signature.
/// Region policy: with <paramref name="requiredRegion"/> null any region in the credential scope is accepted, because
/// Actors is one endpoint whatever region the CLI or SDK happens to be configured for; set it to pin one region.
/// Thread-safe: holds no mutable state.
/// </summary>
public sealed class SigV4Verifier(
    Func<string, string?> findSecret,
    string service = "ecs",
    string? requiredRegion = null,
    TimeSpan? allowedSkew = null)
{
    public static readonly TimeSpan DefaultAllowedSkew = TimeSpan.FromMinutes(15);

    private readonly TimeSpan skew = allowedSkew ?? DefaultAllowedSkew;

    public string Service => service;
    public string? RequiredRegion => requiredRegion;
    public TimeSpan AllowedSkew => skew;

    public AuthenticationResult Verify(SigV4Request request, DateTimeOffset now)
    {
        var authorization = request.Header(SigV4.AuthorizationHeader);
        var queryAuthentication = QueryAuthenticationParameter(request.Query);
        if (authorization is null)
            return Refuse(queryAuthentication is null
                ? AuthRefusal.Missing()
                : AuthRefusal.Incomplete(
                    $"Query-string authentication ({queryAuthentication}) is not supported by this API: sign the request in the Authorization header."));
        if (queryAuthentication is not null)
            return Refuse(AuthRefusal.Incomplete(
                $"Found both '{queryAuthentication}' as a query-string parameter and 'Authorization' as HTTP header."));

        if (ParseAuthorizationHeader(authorization, request) is not { } fromHeader)
            return Refuse(HeaderRefusal(authorization));
        if (fromHeader.Refusal is not null) return Refuse(fromHeader.Refusal);
        var parsed = fromHeader.Signature!;

        if (CheckScope(parsed) is { } scopeRefusal) return Refuse(scopeRefusal);

        if (!parsed.SignedHeaders.Contains("host"))
            return Refuse(AuthRefusal.Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
        if (UnsignedSteeringHeaders(request, parsed.SignedHeaders) is { Count: > 0 } unsigned)
            return Refuse(AuthRefusal.Incomplete(
                $"Every x-amz-* header and content-type must be a 'SignedHeader' in the AWS Authorization; not signed: {string.Join(", ", unsigned)}."));

        if (CheckTime(parsed, now) is { } timeRefusal) return Refuse(timeRefusal);

        var secret = findSecret(parsed.AccessKeyId);
        if (secret is null) return Refuse(AuthRefusal.UnknownKey());

        var bodyHash = SigV4.Sha256Hex(request.Body.Span);
        var declaredHash = request.Header(SigV4.ContentSha256Header);
        if (declaredHash is not null && !string.Equals(declaredHash.Trim(), bodyHash, StringComparison.OrdinalIgnoreCase))
            return Refuse(AuthRefusal.Invalid("The provided 'x-amz-content-sha256' header does not match what was computed."));

        var expected = SigV4.Compute(
            request,
            parsed.SignedHeaders,
            parsed.AccessKeyId,
            secret,
            parsed.Region,
            parsed.Service,
            parsed.SigningTime,
            bodyHash);

        return SignaturesEqual(expected.Signature, parsed.Signature)
            ? AuthenticationResult.Authenticated(parsed.AccessKeyId)
            : Refuse(AuthRefusal.SignatureMismatch());
    }

    private static AuthenticationResult Refuse(AuthRefusal refusal) => AuthenticationResult.Refused(refusal);

    /// <summary>Constant-time, so the time taken says nothing about how many leading characters were right.</summary>
    private static bool SignaturesEqual(string expected, string provided) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected),
            Encoding.ASCII.GetBytes(provided.ToLowerInvariant()));

    private sealed record ParsedSignature(
        string AccessKeyId,
        string ScopeDate,
        string Region,
        string Service,
        string ScopeTerminator,
        IReadOnlyList<string> SignedHeaders,
        string Signature,
        string AmzDate,
        DateTimeOffset SigningTime);

    private sealed record ParseOutcome(ParsedSignature? Signature, AuthRefusal? Refusal);

    private static AuthRefusal HeaderRefusal(string authorization) =>
        authorization.StartsWith(SigV4.Algorithm, StringComparison.Ordinal)
            ? AuthRefusal.Incomplete($"Authorization header is malformed. Authorization={authorization}")
            : AuthRefusal.Incomplete($"Unsupported Authorization Type. Authorization={authorization}");

    /// <summary>Null when the header is not SigV4 at all; a refusal naming what is missing when it is incomplete.</summary>
    private static ParseOutcome? ParseAuthorizationHeader(string authorization, SigV4Request request)
    {
        var trimmed = authorization.Trim();
        if (!trimmed.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal)) return null;

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in trimmed[SigV4.Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0) continue;
            fields[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        // AWS lists every missing parameter in one message, then echoes the header.
        var missing = new StringBuilder();
        foreach (var name in new[] { "Credential", "Signature", "SignedHeaders" })
            if (!fields.TryGetValue(name, out var v) || v.Length == 0)
                missing.Append(CultureInfo.InvariantCulture, $"Authorization header requires '{name}' parameter. ");
        var amzDate = request.Header(SigV4.AmzDateHeader) is { } xAmzDate ? xAmzDate.Trim() : null;
        DateTimeOffset signingTime = default;
        if (amzDate is null && request.Header("date") is { } httpDate)
        {
            // Without x-amz-date AWS falls back to the Date header; the string to sign still uses the ISO 8601 form.
            if (DateTimeOffset.TryParseExact(httpDate.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out signingTime))
                amzDate = SigV4.FormatAmzDate(signingTime);
            else
                return Outcome(AuthRefusal.Incomplete($"Date must be in ISO-8601 'basic format'. Got '{httpDate}'. See http://en.wikipedia.org/wiki/ISO_8601"));
        }
        if (amzDate is null)
            missing.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        if (missing.Length > 0)
            return Outcome(AuthRefusal.Incomplete($"{missing}Authorization={authorization}"));

        if (signingTime == default && !SigV4.TryParseAmzDate(amzDate, out signingTime))
            return Outcome(AuthRefusal.Incomplete($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601"));

        return Assemble(fields["Credential"], fields["SignedHeaders"], fields["Signature"], amzDate!, signingTime);
    }

    private static ParseOutcome Assemble(
        string credential, string signedHeaders, string signature, string amzDate, DateTimeOffset signingTime)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts.Any(p => p.Length == 0))
            return Outcome(AuthRefusal.Incomplete(
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"));

        var headerNames = signedHeaders.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => n.ToLowerInvariant())
            .ToList();
        return new ParseOutcome(
            new ParsedSignature(parts[0], parts[1], parts[2], parts[3], parts[4], headerNames, signature, amzDate, signingTime),
            null);
    }

    private static ParseOutcome Outcome(AuthRefusal refusal) => new(null, refusal);

    private AuthRefusal? CheckScope(ParsedSignature parsed)
    {
        var dateOfSigning = parsed.SigningTime.UtcDateTime.ToString(SigV4.ScopeDateFormat, CultureInfo.InvariantCulture);
        if (parsed.ScopeDate != dateOfSigning)
            return AuthRefusal.Invalid(
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{parsed.ScopeDate}' != '{dateOfSigning}', from '{parsed.AmzDate}'.");
        if (parsed.ScopeTerminator != SigV4.Terminator)
            return AuthRefusal.Invalid($"Credential should be scoped with a valid terminator: '{SigV4.Terminator}', not '{parsed.ScopeTerminator}'. ");
        if (parsed.Service != service)
            return AuthRefusal.Invalid($"Credential should be scoped to correct service: '{service}'. ");
        if (requiredRegion is not null && parsed.Region != requiredRegion)
            return AuthRefusal.Invalid($"Credential should be scoped to a valid region, not '{parsed.Region}'. ");
        return null;
    }

    private AuthRefusal? CheckTime(ParsedSignature parsed, DateTimeOffset now)
    {
        var signed = parsed.SigningTime;
        var earliestAccepted = now - skew;
        if (signed < earliestAccepted)
            return AuthRefusal.Invalid(
                $"Signature expired: {SigV4.FormatAmzDate(signed)} is now earlier than {SigV4.FormatAmzDate(earliestAccepted)} ({SigV4.FormatAmzDate(now)} - {(int)skew.TotalMinutes} min.)");
        var latestAccepted = now + skew;
        if (signed > latestAccepted)
            return AuthRefusal.Invalid(
                $"Signature not yet current: {SigV4.FormatAmzDate(signed)} is still later than {SigV4.FormatAmzDate(latestAccepted)} ({SigV4.FormatAmzDate(now)} + {(int)skew.TotalMinutes} min.)");
        return null;
    }

    /// <summary>The first SigV4 query-string parameter (X-Amz-Algorithm, X-Amz-Signature...) the query carries, or null.</summary>
    private static string? QueryAuthenticationParameter(string rawQuery)
    {
        foreach (var piece in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = piece.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? piece : piece[..equals]);
            if (QueryAuthenticationParameters.Contains(name)) return name;
        }
        return null;
    }

    private static readonly HashSet<string> QueryAuthenticationParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Security-Token",
    };

    /// <summary>
    /// The headers present that must be signed and are not: every x-amz-* (the target, the date, the token, the body
    /// hash) and content-type. amz-sdk-* and x-amzn-trace-id are outside both and may stay unsigned, as the SDKs leave them.
    /// </summary>
    private static List<string> UnsignedSteeringHeaders(SigV4Request request, IReadOnlyList<string> signedHeaders) =>
        request.Headers.Select(h => h.Key.ToLowerInvariant())
            .Where(name => name.StartsWith("x-amz-", StringComparison.Ordinal) || name == "content-type")
            .Distinct()
            .Where(name => !signedHeaders.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToList();
}
