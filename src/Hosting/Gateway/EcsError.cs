using Actors.Domain.Common;

namespace Actors.Hosting.Gateway;

/// <summary>An error answered in ECS's shape: <c>{"__type": Code, "message": Message}</c> with the same name in x-amzn-ErrorType.</summary>
public sealed class EcsError(string code, string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    /// <summary>The client's mistake is a 400; ServerException is ours, a 500, as ECS answers it.</summary>
    public static EcsError From(DomainError error) =>
        new(error.Code, error.Message, error.Code == ErrorCodes.Server ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest);
    public static EcsError InvalidParameter(string message) => new(ErrorCodes.InvalidParameter, message);
    public static EcsError Serialization(string message) => new("SerializationException", message);
    public static EcsError UnknownOperation(string message) => new("UnknownOperationException", message);
}
