namespace Actors.Nodes.Agent.Docker;

/// <summary>The labels on every container this runtime creates: the ECS agent's, and ours to find them again.</summary>
public static class DockerLabels
{
    // The ECS agent's own labels, so tools written for ECS hosts recognise our containers.
    public const string Cluster = "com.amazonaws.ecs.cluster";
    public const string TaskArn = "com.amazonaws.ecs.task-arn";
    public const string ContainerName = "com.amazonaws.ecs.container-name";
    public const string TaskDefinitionFamily = "com.amazonaws.ecs.task-definition-family";
    public const string TaskDefinitionVersion = "com.amazonaws.ecs.task-definition-version";

    /// <summary>The container instance that owns the container: two agents on one engine never touch each other's containers.</summary>
    public const string ContainerInstanceArn = "actors.container-instance-arn";
    /// <summary>Position of the container in its task definition, to report containers in definition order after a restart.</summary>
    public const string ContainerIndex = "actors.container-index";
    /// <summary>Depth in the task's dependency graph (0: depends on nothing); stops go from the deepest level up.</summary>
    public const string DependencyLevel = "actors.dependency-level";
    /// <summary>On task-scoped volumes: the task definition's volume name.</summary>
    public const string VolumeName = "actors.volume-name";

    /// <summary>A label's value, or null when absent (Docker answers labels as IDictionary, which has no GetValueOrDefault).</summary>
    public static string? Read(IDictionary<string, string>? labels, string name) =>
        labels is not null && labels.TryGetValue(name, out var value) ? value : null;
}
