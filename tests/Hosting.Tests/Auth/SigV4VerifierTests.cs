using System.Net;
using System.Text;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Xunit;

namespace Actors.Hosting.Tests.Auth;

public sealed class SigV4VerifierTests
{
    private const string KeyId = "AKIAACTORSEXAMPLE001";
    private const string Secret = "s3cr3t/ActorsExampleSecretKey0123456789ab";
    private const string Target = "AmazonEC2ContainerServiceV20141113.RunTask";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 16, 30, 0, TimeSpan.Zero);
    private static readonly byte[] RunTaskBody = Encoding.UTF8.GetBytes("""{"cluster":"default","taskDefinition":"web:3","count":2}""");

    private static readonly SigV4Verifier Verifier = new(
        id => id == KeyId ? Secret : null, service: "ecs");

    private static SigV4Request EcsRequest(byte[]? body = null) => new(
        "POST", "/", "",
        [
            new("host", "127.0.0.1:8080"),
            new("content-type", "application/x-amz-json-1.1"),
            new("x-amz-target", Target),
            new("user-agent", "aws-sdk-dotnet/4"),
        ],
        body ?? RunTaskBody);

    private static SigV4Request Signed(
        SigV4Request? request = null, string keyId = KeyId, string secret = Secret, string region = "eu-west-1",
        string service = "ecs", DateTimeOffset? at = null, bool contentSha256 = true) =>
        SigV4.Sign(request ?? EcsRequest(), keyId, secret, region, service, at ?? Now, contentSha256).Request;

    private static void AssertRefused(AuthenticationResult result, string errorType, int status, string? message = null)
    {
        Assert.False(result.IsAuthenticated);
        Assert.Null(result.AccessKeyId);
        var refusal = Assert.IsType<AuthRefusal>(result.Refusal);
        Assert.Equal(errorType, refusal.ErrorType);
        Assert.Equal(status, refusal.HttpStatus);
        if (message is not null) Assert.Equal(message, refusal.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_signed_ecs_post_is_authenticated_as_its_access_key(bool withContentSha256)
    {
        var result = Verifier.Verify(Signed(contentSha256: withContentSha256), Now);

        Assert.True(result.IsAuthenticated, result.Refusal?.Message);
        Assert.Equal(KeyId, result.AccessKeyId);
        Assert.Null(result.Refusal);
    }

    /// <summary>Headers exactly as botocore 1.43.11 (the AWS CLI's signer) produced them for this request.</summary>
    [Fact]
    public void A_request_signed_by_botocore_is_authenticated()
    {
        var request = new SigV4Request("POST", "/", "",
        [
            new("Host", "127.0.0.1:8080"),
            new("Content-Type", "application/x-amz-json-1.1"),
            new("X-Amz-Target", Target),
            new("User-Agent", "aws-cli/1.45.11"),
            new("X-Amz-Date", "20261124T162515Z"),
            new("Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAACTORSEXAMPLE001/20261124/eu-west-1/ecs/aws4_request, " +
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " +
                "Signature=d7f89d242177bf75dd5df6c99997472d3acd0caffca98cd05013264bc4bc81c1"),
        ], RunTaskBody);

        var result = Verifier.Verify(request, Now);

        Assert.True(result.IsAuthenticated, result.Refusal?.Message);
        Assert.Equal(KeyId, result.AccessKeyId);
    }

    [Fact]
    public void A_request_without_authorization_is_refused_as_missing_token_with_403()
    {
        AssertRefused(Verifier.Verify(EcsRequest(), Now), "MissingAuthenticationTokenException", 403, "Missing Authentication Token");
    }

    [Fact]
    public void An_unknown_access_key_is_refused_as_unrecognized_client()
    {
        AssertRefused(Verifier.Verify(Signed(keyId: "AKIAUNKNOWNUNKNOWN00"), Now),
            "UnrecognizedClientException", 400, "The security token included in the request is invalid.");
    }

    [Fact]
    public void A_wrong_secret_is_refused_as_invalid_signature()
    {
        AssertRefused(Verifier.Verify(Signed(secret: "not-the-secret"), Now),
            "InvalidSignatureException", 400, AuthRefusal.SignatureMismatchMessage);
    }

    [Fact]
    public void A_tampered_body_with_a_content_hash_is_refused_for_the_hash()
    {
        var tampered = Signed(contentSha256: true) with { Body = Encoding.UTF8.GetBytes("""{"cluster":"prod","taskDefinition":"web:3","count":2}""") };

        AssertRefused(Verifier.Verify(tampered, Now), "InvalidSignatureException", 400,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    [Fact]
    public void A_tampered_body_without_a_content_hash_is_refused_as_signature_mismatch()
    {
        var tampered = Signed(contentSha256: false) with { Body = Encoding.UTF8.GetBytes("""{"cluster":"prod","taskDefinition":"web:3","count":2}""") };

        AssertRefused(Verifier.Verify(tampered, Now), "InvalidSignatureException", 400, AuthRefusal.SignatureMismatchMessage);
    }

    [Fact]
    public void A_tampered_signed_header_is_refused_as_signature_mismatch()
    {
        var tampered = Signed().WithHeader("x-amz-target", "AmazonEC2ContainerServiceV20141113.DeleteCluster");

        AssertRefused(Verifier.Verify(tampered, Now), "InvalidSignatureException", 400, AuthRefusal.SignatureMismatchMessage);
    }

    [Fact]
    public void A_changed_unsigned_header_does_not_matter()
    {
        var relayed = Signed().WithHeader("user-agent", "some-proxy/1.0");

        Assert.True(Verifier.Verify(relayed, Now).IsAuthenticated);
    }

    [Fact]
    public void A_signature_sixteen_minutes_old_is_expired()
    {
        var request = Signed(at: Now.AddMinutes(-16));

        AssertRefused(Verifier.Verify(request, Now), "InvalidSignatureException", 400,
            "Signature expired: 20261124T161400Z is now earlier than 20261124T161500Z (20261124T163000Z - 15 min.)");
    }

    [Fact]
    public void A_signature_sixteen_minutes_ahead_is_not_yet_current()
    {
        var request = Signed(at: Now.AddMinutes(16));

        AssertRefused(Verifier.Verify(request, Now), "InvalidSignatureException", 400,
            "Signature not yet current: 20261124T164600Z is still later than 20261124T164500Z (20261124T163000Z + 15 min.)");
    }

    [Theory]
    [InlineData(-14)]
    [InlineData(14)]
    public void Clock_skew_within_fifteen_minutes_is_accepted(int minutes)
    {
        Assert.True(Verifier.Verify(Signed(at: Now.AddMinutes(minutes)), Now).IsAuthenticated);
    }

    [Fact]
    public void A_credential_scoped_to_another_service_is_refused()
    {
        AssertRefused(Verifier.Verify(Signed(service: "ecr"), Now), "InvalidSignatureException", 400,
            "Credential should be scoped to correct service: 'ecs'. ");
    }

    [Fact]
    public void Any_region_is_accepted_unless_one_is_required()
    {
        Assert.True(Verifier.Verify(Signed(region: "ap-southeast-2"), Now).IsAuthenticated);

        var pinned = new SigV4Verifier(id => id == KeyId ? Secret : null, "ecs", requiredRegion: "eu-west-1");
        Assert.True(pinned.Verify(Signed(region: "eu-west-1"), Now).IsAuthenticated);
        AssertRefused(pinned.Verify(Signed(region: "us-east-1"), Now), "InvalidSignatureException", 400,
            "Credential should be scoped to a valid region, not 'us-east-1'. ");
    }

    [Fact]
    public void A_signature_that_does_not_cover_host_is_refused()
    {
        var request = EcsRequest().WithHeader("x-amz-date", SigV4.FormatAmzDate(Now));
        var signature = SigV4.Compute(request, ["content-type", "x-amz-date", "x-amz-target"], KeyId, Secret, "eu-west-1", "ecs", Now,
            SigV4.Sha256Hex(request.Body.Span));

        AssertRefused(Verifier.Verify(request.WithHeader("authorization", signature.Authorization), Now), "IncompleteSignatureException", 400,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    [Fact]
    public void An_authorization_header_missing_parts_is_incomplete_and_names_them()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIAACTORSEXAMPLE001/20261124/eu-west-1/ecs/aws4_request";
        var request = Signed().WithHeader("authorization", header);

        AssertRefused(Verifier.Verify(request, Now), "IncompleteSignatureException", 400,
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
            $"Authorization={header}");
    }

    [Fact]
    public void A_credential_without_five_elements_is_incomplete()
    {
        var signed = Signed();
        var header = signed.Header("authorization")!.Replace("/eu-west-1/ecs/aws4_request", "/ecs/aws4_request", StringComparison.Ordinal);

        AssertRefused(Verifier.Verify(signed.WithHeader("authorization", header), Now), "IncompleteSignatureException", 400,
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAACTORSEXAMPLE001/20261124/ecs/aws4_request'");
    }

    [Fact]
    public void Another_authorization_scheme_is_incomplete()
    {
        var request = EcsRequest().WithHeader("authorization", "Bearer abc");

        AssertRefused(Verifier.Verify(request, Now), "IncompleteSignatureException", 400, "Unsupported Authorization Type. Authorization=Bearer abc");
    }

    [Fact]
    public void A_signature_without_any_date_is_incomplete()
    {
        var request = Signed().WithoutHeaders("x-amz-date");

        var result = Verifier.Verify(request, Now);

        AssertRefused(result, "IncompleteSignatureException", 400);
        Assert.StartsWith("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", result.Refusal!.Message);
    }

    [Fact]
    public void A_scope_date_other_than_the_request_date_is_refused()
    {
        var request = Signed().WithHeader("x-amz-date", "20261125T000500Z");

        // At the request's own time, so only the scope date is wrong.
        AssertRefused(Verifier.Verify(request, new DateTimeOffset(2026, 11, 25, 0, 5, 0, TimeSpan.Zero)), "InvalidSignatureException", 400,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261125', from '20261125T000500Z'.");
    }

    [Fact]
    public void Without_x_amz_date_the_date_header_dates_the_signature()
    {
        var request = EcsRequest().WithHeader("date", Now.ToString("r"));
        var signature = SigV4.Compute(request, ["content-type", "date", "host", "x-amz-target"], KeyId, Secret, "eu-west-1", "ecs", Now,
            SigV4.Sha256Hex(request.Body.Span));
        var signed = request.WithHeader("authorization", signature.Authorization);

        Assert.True(Verifier.Verify(signed, Now).IsAuthenticated);
        AssertRefused(Verifier.Verify(signed, Now.AddMinutes(16)), "InvalidSignatureException", 400);
    }

    [Fact]
    public void A_signature_in_upper_case_hex_is_still_recognised()
    {
        var signed = Signed();
        var header = signed.Header("authorization")!;
        var upper = header[..(header.IndexOf("Signature=", StringComparison.Ordinal) + 10)] + header[(header.IndexOf("Signature=", StringComparison.Ordinal) + 10)..].ToUpperInvariant();

        Assert.True(Verifier.Verify(signed.WithHeader("authorization", upper), Now).IsAuthenticated);
    }

    [Fact]
    public void A_request_signed_without_its_target_cannot_be_resent_as_another_action()
    {
        var overHostAndDate = SignedOver(EcsRequest(), "host", "x-amz-date", "content-type");
        Assert.False(Verifier.Verify(overHostAndDate, Now).IsAuthenticated);

        var resent = overHostAndDate.WithHeader("x-amz-target", "AmazonEC2ContainerServiceV20141113.DeleteCluster");

        AssertRefused(Verifier.Verify(resent, Now), "IncompleteSignatureException", 400,
            "Every x-amz-* header and content-type must be a 'SignedHeader' in the AWS Authorization; not signed: x-amz-target.");
    }

    [Fact]
    public void An_unsigned_content_type_is_refused()
    {
        var request = SignedOver(EcsRequest(), "host", "x-amz-date", "x-amz-target");

        AssertRefused(Verifier.Verify(request, Now), "IncompleteSignatureException", 400,
            "Every x-amz-* header and content-type must be a 'SignedHeader' in the AWS Authorization; not signed: content-type.");
    }

    [Fact]
    public void Every_unsigned_amz_header_is_named_and_sdk_bookkeeping_headers_may_stay_unsigned()
    {
        var withToken = EcsRequest().WithHeader("x-amz-security-token", "token").WithHeader("X-Amz-Content-Sha256", SigV4.Sha256Hex(RunTaskBody));
        var request = SignedOver(withToken, "content-type", "host", "x-amz-date", "x-amz-target");

        var refusal = Verifier.Verify(request, Now).Refusal;
        Assert.EndsWith("not signed: x-amz-content-sha256, x-amz-security-token.", refusal?.Message);

        var fromTheSdk = Signed(EcsRequest()).WithHeader("amz-sdk-invocation-id", Guid.NewGuid().ToString())
            .WithHeader("amz-sdk-request", "attempt=1; max=3").WithHeader("x-amzn-trace-id", "Root=1-abc");
        Assert.True(Verifier.Verify(fromTheSdk, Now).IsAuthenticated);
    }

    [Fact]
    public void A_presigned_query_is_refused_even_when_its_signature_is_right()
    {
        var presigned = Presign(EcsRequest(body: []) with { Method = "GET" }, Now, expiresSeconds: 604800);

        AssertRefused(Verifier.Verify(presigned, Now), "IncompleteSignatureException", 400,
            "Query-string authentication (X-Amz-Algorithm) is not supported by this API: sign the request in the Authorization header.");
    }

    [Fact]
    public void A_signed_request_that_also_carries_query_authentication_is_refused()
    {
        var signed = Signed() with { Query = "X-Amz-Signature=abc" };

        AssertRefused(Verifier.Verify(signed, Now), "IncompleteSignatureException", 400,
            "Found both 'X-Amz-Signature' as a query-string parameter and 'Authorization' as HTTP header.");
    }

    [Fact]
    public async Task A_request_signed_by_the_http_client_handler_is_authenticated()
    {
        var capture = new CapturingHandler();
        using var client = new HttpClient(new SigV4SigningHandler(KeyId, Secret, "eu-west-1", "ecs", new FixedClock(Now)) { InnerHandler = capture });
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8080/")
        {
            Content = new ByteArrayContent(RunTaskBody),
        };
        message.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("x-amz-target", Target);

        using var response = await client.SendAsync(message);

        var seen = capture.Seen!;
        Assert.Equal(SigV4.Sha256Hex(RunTaskBody), seen.Header("x-amz-content-sha256"));
        Assert.Contains("x-amz-target", seen.Header("authorization")!, StringComparison.Ordinal);
        var result = Verifier.Verify(seen, Now);
        Assert.True(result.IsAuthenticated, result.Refusal?.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_aspnet_request_read_for_sigv4_verifies_with_its_whole_body_with_or_without_a_declared_length(bool declared)
    {
        var signed = Signed();
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/";
        foreach (var (name, value) in signed.Headers) context.Request.Headers.Append(name, value);
        context.Request.ContentLength = declared ? RunTaskBody.Length : null;
        // A stream that hands out a few bytes per read, as a socket does.
        context.Request.Body = new TrickleStream(RunTaskBody, 7);

        var described = await context.Request.ReadForSigV4Async();

        Assert.Equal(RunTaskBody, described.Body.ToArray());
        Assert.True(Verifier.Verify(described, Now).IsAuthenticated);
    }

    private sealed class TrickleStream(byte[] content, int perRead) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, perRead));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, perRead), cancellationToken);
    }

    /// <summary>A correct signature over only the named headers (and x-amz-date, which it sets), whatever else the request carries.</summary>
    private static SigV4Request SignedOver(SigV4Request request, params string[] signedHeaders)
    {
        var dated = request.WithHeader("x-amz-date", SigV4.FormatAmzDate(Now));
        var signature = SigV4.Compute(dated, signedHeaders, KeyId, Secret, "eu-west-1", "ecs", Now, SigV4.Sha256Hex(dated.Body.Span));
        return dated.WithHeader("authorization", signature.Authorization);
    }

    private static SigV4Request Presign(SigV4Request request, DateTimeOffset at, int expiresSeconds)
    {
        var scope = SigV4.CredentialScope(at.UtcDateTime.ToString("yyyyMMdd"), "eu-west-1", "ecs");
        var query = (request.Query.Length > 0 ? request.Query + "&" : "") +
            "X-Amz-Algorithm=AWS4-HMAC-SHA256" +
            $"&X-Amz-Credential={Uri.EscapeDataString($"{KeyId}/{scope}")}" +
            $"&X-Amz-Date={SigV4.FormatAmzDate(at)}" +
            $"&X-Amz-Expires={expiresSeconds}" +
            "&X-Amz-SignedHeaders=host";
        var unsigned = request with { Query = query };
        var signature = SigV4.Compute(unsigned, ["host"], KeyId, Secret, "eu-west-1", "ecs", at, SigV4.EmptyPayloadHash);
        return unsigned with { Query = query + "&X-Amz-Signature=" + signature.Signature };
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Stands in for the network: records what would have been sent, as the gateway would read it.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public SigV4Request? Seen { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var headers = new List<KeyValuePair<string, string>> { new("host", uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}") };
            headers.AddRange(request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, string.Join(',', h.Value))));
            if (request.Content is not null)
                headers.AddRange(request.Content.Headers.Select(h => new KeyValuePair<string, string>(h.Key, string.Join(',', h.Value))));
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Seen = new SigV4Request(request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, body);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
