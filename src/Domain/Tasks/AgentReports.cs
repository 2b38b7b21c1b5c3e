using System.Collections.Immutable;

namespace Actors.Domain.Tasks;

/// <summary>What an agent saw of one container when it synced: Docker's view, translated to ECS's words.</summary>
public sealed record ReportedContainer
{
    public required string Name { get; init; }
    public string? RuntimeId { get; init; }
    public string? ImageDigest { get; init; }
    /// <summary>PENDING (not created or created but not started), RUNNING or STOPPED.</summary>
    public required string Status { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>Why it stopped or failed, e.g. "CannotPullContainerError: ..." (ECS's container <c>reason</c>).</summary>
    public string? Reason { get; init; }
    public ImmutableList<NetworkBinding> NetworkBindings { get; init; } = [];
    public string? HealthStatus { get; init; }
}

/// <summary>What an agent saw of one task at a sync (level-triggered: the whole actual state, every time).</summary>
public sealed record ReportedTask
{
    public required string TaskId { get; init; }
    public required ImmutableList<ReportedContainer> Containers { get; init; }
    public DateTimeOffset? PullStartedAt { get; init; }
    public DateTimeOffset? PullStoppedAt { get; init; }
    /// <summary>Set when the agent gave up starting the task (pull failure, create error): the task failed to start.</summary>
    public string? FailedToStartReason { get; init; }
}
