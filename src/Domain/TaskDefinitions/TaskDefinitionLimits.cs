namespace Actors.Domain.TaskDefinitions;

/// <summary>ECS's per-task-definition quotas, configurable per deployment.</summary>
public sealed record TaskDefinitionLimits
{
    public int MaxContainers { get; init; } = 10;
    /// <summary>The largest RegisterTaskDefinition request body the gateway accepts (ECS: 64 KiB); the domain never sees bytes.</summary>
    public int MaxSpecBytes { get; init; } = 65536;
    public int MaxPlacementConstraints { get; init; } = 10;

    public static TaskDefinitionLimits Default { get; } = new();
}
