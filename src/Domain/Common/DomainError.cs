namespace Actors.Domain.Common;

/// <summary>A refused command, named as Amazon ECS names its exceptions so the gateway can answer it verbatim.</summary>
public sealed record DomainError(string Code, string Message)
{
    public static DomainError InvalidParameter(string message) => new(ErrorCodes.InvalidParameter, message);
    public static DomainError Client(string message) => new(ErrorCodes.Client, message);
    public static DomainError ClusterNotFound(string message = "Cluster not found.") => new(ErrorCodes.ClusterNotFound, message);
    public static DomainError AccessDenied(string message) => new(ErrorCodes.AccessDenied, message);
}

/// <summary>The exception names of @aws-sdk/client-ecs that Actors answers with.</summary>
public static class ErrorCodes
{
    public const string InvalidParameter = "InvalidParameterException";
    public const string Client = "ClientException";
    public const string Server = "ServerException";
    public const string ClusterNotFound = "ClusterNotFoundException";
    public const string ClusterContainsContainerInstances = "ClusterContainsContainerInstancesException";
    public const string ClusterContainsServices = "ClusterContainsServicesException";
    public const string ClusterContainsTasks = "ClusterContainsTasksException";
    public const string ServiceNotFound = "ServiceNotFoundException";
    public const string ServiceNotActive = "ServiceNotActiveException";
    public const string ServiceDeploymentNotFound = "ServiceDeploymentNotFoundException";
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string TargetNotFound = "TargetNotFoundException";
    public const string AttributeLimitExceeded = "AttributeLimitExceededException";
    public const string LimitExceeded = "LimitExceededException";
    public const string Conflict = "ConflictException";
    public const string AccessDenied = "AccessDeniedException";
}
