using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Actors.Nodes.Protocol;

namespace Actors.Hosting.Gateway.Auth;

/// <summary>
/// Checks AWS Signature Version 4 on incoming requests, in the Authorization header or as a presigned query
/// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature, optional X-Amz-Expires).
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

    /// <summary>AWS refuses presigned requests valid for more than seven days.</summary>
    public static readonly TimeSpan MaximumPresignedLifetime = TimeSpan.FromDays(7);

    private readonly TimeSpan skew = allowedSkew ?? DefaultAllowedSkew;

    public string Service => service;
    public string? RequiredRegion => requiredRegion;
    public TimeSpan AllowedSkew => skew;

    public AuthenticationResult Verify(SigV4Request request, DateTimeOffset now)
    {
        var authorization = request.Header(SigV4.AuthorizationHeader);
        var query = ParseQuery(request.Query);
        ParsedSignature parsed;
        if (authorization is not null)
        {
            if (ParseAuthorizationHeader(authorization, request) is not { } fromHeader)
                return Refuse(HeaderRefusal(authorization));
            if (fromHeader.Refusal is not null) return Refuse(fromHeader.Refusal);
            parsed = fromHeader.Signature!;
        }
        else if (query.ContainsKey("X-Amz-Algorithm"))
        {
            var fromQuery = ParsePresignedQuery(query);
            if (fromQuery.Refusal is not null) return Refuse(fromQuery.Refusal);
            parsed = fromQuery.Signature!;
        }
        else
        {
            return Refuse(AuthRefusal.Missing());
        }

        if (CheckScope(parsed) is { } scopeRefusal) return Refuse(scopeRefusal);

        if (!parsed.SignedHeaders.Contains("host"))
            return Refuse(AuthRefusal.Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));

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
            bodyHash,
            parsed.Presigned ? "X-Amz-Signature" : null);

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
        DateTimeOffset SigningTime,
        TimeSpan? Expires,
        bool Presigned);

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

        return Assemble(fields["Credential"], fields["SignedHeaders"], fields["Signature"], amzDate!, signingTime, expires: null, presigned: false);
    }

    private static ParseOutcome ParsePresignedQuery(IReadOnlyDictionary<string, string> query)
    {
        if (query["X-Amz-Algorithm"] != SigV4.Algorithm)
            return Outcome(AuthRefusal.Incomplete($"Unsupported algorithm: '{query["X-Amz-Algorithm"]}'. Expected '{SigV4.Algorithm}'."));

        var missing = new StringBuilder();
        foreach (var name in new[] { "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date" })
            if (!query.TryGetValue(name, out var v) || v.Length == 0)
                missing.Append(CultureInfo.InvariantCulture, $"AWS query-string parameters must include '{name}'. ");
        if (missing.Length > 0)
            return Outcome(AuthRefusal.Incomplete(missing.Append("Re-examine the query-string parameters.").ToString()));

        var amzDate = query["X-Amz-Date"];
        if (!SigV4.TryParseAmzDate(amzDate, out var signingTime))
            return Outcome(AuthRefusal.Incomplete($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601"));

        TimeSpan? expires = null;
        if (query.TryGetValue("X-Amz-Expires", out var expiresText))
        {
            if (!int.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                return Outcome(AuthRefusal.Incomplete($"X-Amz-Expires should be a number. Got '{expiresText}'."));
            if (TimeSpan.FromSeconds(seconds) > MaximumPresignedLifetime)
                return Outcome(AuthRefusal.Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
            expires = TimeSpan.FromSeconds(seconds);
        }

        return Assemble(query["X-Amz-Credential"], query["X-Amz-SignedHeaders"], query["X-Amz-Signature"], amzDate, signingTime, expires, presigned: true);
    }

    private static ParseOutcome Assemble(
        string credential, string signedHeaders, string signature, string amzDate, DateTimeOffset signingTime, TimeSpan? expires, bool presigned)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts.Any(p => p.Length == 0))
            return Outcome(AuthRefusal.Incomplete(
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"));

        var headerNames = signedHeaders.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => n.ToLowerInvariant())
            .ToList();
        return new ParseOutcome(
            new ParsedSignature(parts[0], parts[1], parts[2], parts[3], parts[4], headerNames, signature, amzDate, signingTime, expires, presigned),
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
        // A presigned URL lives for X-Amz-Expires; a signed header request for the allowed skew either way.
        var earliestAccepted = parsed.Expires is { } lifetime ? now - lifetime : now - skew;
        if (signed < earliestAccepted)
        {
            var window = parsed.Expires is { } l ? $"{(int)l.TotalSeconds} sec." : $"{(int)skew.TotalMinutes} min.";
            return AuthRefusal.Invalid(
                $"Signature expired: {SigV4.FormatAmzDate(signed)} is now earlier than {SigV4.FormatAmzDate(earliestAccepted)} ({SigV4.FormatAmzDate(now)} - {window})");
        }
        var latestAccepted = now + skew;
        if (signed > latestAccepted)
            return AuthRefusal.Invalid(
                $"Signature not yet current: {SigV4.FormatAmzDate(signed)} is still later than {SigV4.FormatAmzDate(latestAccepted)} ({SigV4.FormatAmzDate(now)} + {(int)skew.TotalMinutes} min.)");
        return null;
    }

    /// <summary>Query parameters by decoded name (first occurrence wins), values decoded; only used to find X-Amz-*.</summary>
    private static Dictionary<string, string> ParseQuery(string rawQuery)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(rawQuery)) return result;
        foreach (var piece in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = piece.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? piece : piece[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(piece[(equals + 1)..]);
            result.TryAdd(name, value);
        }
        return result;
    }
}
