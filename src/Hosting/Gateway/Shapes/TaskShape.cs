using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Tasks;
using EcsAttribute = Actors.Domain.ContainerInstances.Attribute;

namespace Actors.Hosting.Gateway.Shapes;

public sealed record ContainerShape
{
    public required string ContainerArn { get; init; }
    public required string TaskArn { get; init; }
    public required string Name { get; init; }
    public string? Image { get; init; }
    public string? ImageDigest { get; init; }
    public string? RuntimeId { get; init; }
    public required string LastStatus { get; init; }
    public int? ExitCode { get; init; }
    public string? Reason { get; init; }
    public required IReadOnlyList<NetworkBinding> NetworkBindings { get; init; }
    public required IReadOnlyList<object> NetworkInterfaces { get; init; }
    public string? HealthStatus { get; init; }
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public string? MemoryReservation { get; init; }
}

/// <summary>ECS's Task shape.</summary>
public sealed record TaskShape
{
    public required string TaskArn { get; init; }
    public required string ClusterArn { get; init; }
    public required string TaskDefinitionArn { get; init; }
    public required string ContainerInstanceArn { get; init; }
    public required TaskOverride Overrides { get; init; }
    public required string LastStatus { get; init; }
    public required string DesiredStatus { get; init; }
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public required IReadOnlyList<ContainerShape> Containers { get; init; }
    public string? StartedBy { get; init; }
    public long Version { get; init; }
    public string? StoppedReason { get; init; }
    public string? StopCode { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? PullStartedAt { get; init; }
    public DateTimeOffset? PullStoppedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? StoppingAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? ExecutionStoppedAt { get; init; }
    public string? Group { get; init; }
    public string LaunchType { get; init; } = "EC2";
    public required IReadOnlyList<EcsAttribute> Attributes { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? HealthStatus { get; init; }
    public IReadOnlyList<Tag>? Tags { get; init; }

    public static TaskShape From(TaskDescription task, AccountScope account, bool includeTags)
    {
        var taskArn = account.TaskArn(task.ClusterName, task.TaskId);
        var progress = task.Progress;
        return new TaskShape
        {
            TaskArn = taskArn,
            ClusterArn = account.ClusterArn(task.ClusterName),
            TaskDefinitionArn = account.TaskDefinitionArn(task.Family, task.Revision),
            ContainerInstanceArn = account.ContainerInstanceArn(task.ClusterName, task.ContainerInstanceId),
            Overrides = task.Overrides ?? new TaskOverride { ContainerOverrides = [] },
            LastStatus = progress.LastStatus.ToString(),
            DesiredStatus = progress.DesiredStatus.ToString(),
            Cpu = task.Cpu,
            Memory = task.Memory,
            Containers = progress.Containers.Select(container => new ContainerShape
            {
                ContainerArn = ContainerArn(account, task, container),
                TaskArn = taskArn,
                Name = container.Name,
                Image = container.Image,
                ImageDigest = container.ImageDigest,
                RuntimeId = container.RuntimeId,
                LastStatus = container.LastStatus,
                ExitCode = container.ExitCode,
                Reason = container.Reason,
                NetworkBindings = container.NetworkBindings,
                NetworkInterfaces = [],
                HealthStatus = container.HealthStatus,
                Cpu = container.Cpu,
                Memory = container.Memory,
                MemoryReservation = container.MemoryReservation,
            }).ToList(),
            StartedBy = task.StartedBy,
            Version = progress.Version,
            StoppedReason = progress.StoppedReason,
            StopCode = progress.StopCode?.ToString(),
            CreatedAt = task.CreatedAt,
            PullStartedAt = progress.PullStartedAt,
            PullStoppedAt = progress.PullStoppedAt,
            StartedAt = progress.StartedAt,
            StoppingAt = progress.StoppingAt,
            StoppedAt = progress.StoppedAt,
            ExecutionStoppedAt = progress.ExecutionStoppedAt,
            Group = task.Group,
            Attributes = task.CpuArchitecture is { } architecture ? [new EcsAttribute("ecs.cpu-architecture", architecture)] : [],
            AvailabilityZone = task.AvailabilityZone,
            HealthStatus = progress.HealthStatus,
            Tags = includeTags ? task.Tags : null,
        };
    }

    private static string ContainerArn(AccountScope account, TaskDescription task, TaskContainer container) =>
        $"arn:aws:ecs:{account.Region}:{account.AccountId}:container/{task.ClusterName}/{task.TaskId}/{container.ContainerId}";
}
