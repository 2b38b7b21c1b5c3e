namespace Actors.Nodes.Agent.Docker;

/// <summary>
/// The task cannot be started, for a reason worth reporting: becomes the task's FailedToStartReason and, when one container
/// is to blame, that container's reason. Thrown inside the start chain only; never escapes <see cref="IContainerRuntime.Start"/>.
/// </summary>
public sealed class TaskStartFailure(string reason, string? containerName = null) : Exception(reason)
{
    /// <summary>ECS style: an error class, a colon, the detail, e.g. <c>CannotPullContainerError: ...</c>.</summary>
    public string Reason { get; } = reason;
    public string? ContainerName { get; } = containerName;
}
