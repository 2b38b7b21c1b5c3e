namespace Actors.Hosting.Gateway.Auth;

/// <summary>
/// Why a request was not authenticated, named, worded and given the HTTP status the way AWS JSON-protocol services
/// (ECS, DynamoDB, ECR...) answer: MissingAuthenticationToken is 403, every other authentication error 400.
/// The gateway writes it as {"__type": ErrorType, "message": Message} with the same x-amzn-ErrorType header.
/// </summary>
public sealed record AuthRefusal(string ErrorType, string Message, int HttpStatus)
{
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string IncompleteSignature = "IncompleteSignatureException";

    public const string SignatureMismatchMessage =
        "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    public static AuthRefusal Missing() => new(MissingAuthenticationToken, "Missing Authentication Token", 403);

    public static AuthRefusal UnknownKey() => new(UnrecognizedClient, "The security token included in the request is invalid.", 400);

    public static AuthRefusal SignatureMismatch() => new(InvalidSignature, SignatureMismatchMessage, 400);

    public static AuthRefusal Invalid(string message) => new(InvalidSignature, message, 400);

    public static AuthRefusal Incomplete(string message) => new(IncompleteSignature, message, 400);
}

/// <summary>Either the authenticated principal (the access key id that signed the request) or a refusal.</summary>
public sealed record AuthenticationResult
{
    private AuthenticationResult(string? accessKeyId, AuthRefusal? refusal)
    {
        AccessKeyId = accessKeyId;
        Refusal = refusal;
    }

    public string? AccessKeyId { get; }
    public AuthRefusal? Refusal { get; }
    public bool IsAuthenticated => AccessKeyId is not null;

    public static AuthenticationResult Authenticated(string accessKeyId) => new(accessKeyId, null);
    public static AuthenticationResult Refused(AuthRefusal refusal) => new(null, refusal);
}
