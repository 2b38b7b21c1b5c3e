using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using EcsAttribute = Actors.Domain.ContainerInstances.Attribute;

namespace Actors.Hosting.Gateway.Shapes;

/// <summary>ECS's ContainerInstance shape.</summary>
public sealed record ContainerInstanceShape
{
    public required string ContainerInstanceArn { get; init; }
    public string? Ec2InstanceId { get; init; }
    public long Version { get; init; }
    public VersionInfo? VersionInfo { get; init; }
    public required IReadOnlyList<Resource> RemainingResources { get; init; }
    public required IReadOnlyList<Resource> RegisteredResources { get; init; }
    public required string Status { get; init; }
    public string? StatusReason { get; init; }
    public bool AgentConnected { get; init; }
    public int RunningTasksCount { get; init; }
    public int PendingTasksCount { get; init; }
    public required IReadOnlyList<EcsAttribute> Attributes { get; init; }
    public DateTimeOffset? RegisteredAt { get; init; }
    public IReadOnlyList<Tag>? Tags { get; init; }

    public static ContainerInstanceShape From(ContainerInstanceState state, AccountScope account, bool includeTags) => new()
    {
        ContainerInstanceArn = account.ContainerInstanceArn(state.ClusterName, state.InstanceId),
        Ec2InstanceId = state.Ec2InstanceId,
        Version = state.Version,
        VersionInfo = state.VersionInfo,
        RemainingResources = state.RemainingResources,
        RegisteredResources = state.RegisteredResources,
        Status = state.Status!.Value.ToString(),
        StatusReason = state.StatusReason,
        AgentConnected = state.AgentConnected,
        RunningTasksCount = state.RunningTasksCount,
        PendingTasksCount = state.PendingTasksCount,
        // Inside a container instance ECS answers attributes as name and value only.
        Attributes = state.Attributes.Select(a => new EcsAttribute(a.Name, a.Value)).ToList(),
        RegisteredAt = state.RegisteredAt,
        Tags = includeTags ? state.Tags : null,
    };
}
