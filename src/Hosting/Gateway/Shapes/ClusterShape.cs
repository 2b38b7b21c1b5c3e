using Actors.Domain.Clusters;
using Actors.Domain.Common;

namespace Actors.Hosting.Gateway.Shapes;

public sealed record NameValue(string Name, string? Value);

/// <summary>ECS's Cluster shape.</summary>
public sealed record ClusterShape
{
    public required string ClusterArn { get; init; }
    public required string ClusterName { get; init; }
    public ClusterConfiguration? Configuration { get; init; }
    public required string Status { get; init; }
    public int RegisteredContainerInstancesCount { get; init; }
    public int RunningTasksCount { get; init; }
    public int PendingTasksCount { get; init; }
    public int ActiveServicesCount { get; init; }
    public IReadOnlyList<NameValue>? Statistics { get; init; }
    public IReadOnlyList<Tag>? Tags { get; init; }
    public IReadOnlyList<ClusterSetting>? Settings { get; init; }
    public IReadOnlyList<string> CapacityProviders { get; init; } = [];
    public IReadOnlyList<object> DefaultCapacityProviderStrategy { get; init; } = [];
    public ServiceConnectDefaults? ServiceConnectDefaults { get; init; }

    /// <summary>The parts DescribeClusters answers only when asked for them with <c>include</c>.</summary>
    [Flags]
    public enum Details { None = 0, Tags = 1, Settings = 2, Statistics = 4, Configurations = 8, All = Tags | Settings | Statistics | Configurations }

    /// <summary>Tasks live in the cluster's container instances; the gateway counts them there.</summary>
    public sealed record TaskCounts(int Running, int Pending)
    {
        public static TaskCounts None { get; } = new(0, 0);
    }

    public static ClusterShape From(ClusterState state, AccountScope account, Details details, TaskCounts tasks) => new()
    {
        ClusterArn = account.ClusterArn(state.Name),
        ClusterName = state.Name,
        Status = state.Status!.Value.ToString(),
        RegisteredContainerInstancesCount = state.RegisteredContainerInstancesCount(),
        RunningTasksCount = tasks.Running,
        PendingTasksCount = tasks.Pending,
        ActiveServicesCount = state.ActiveServicesCount,
        Configuration = details.HasFlag(Details.Configurations) ? state.Configuration : null,
        Tags = details.HasFlag(Details.Tags) ? state.Tags : null,
        Settings = details.HasFlag(Details.Settings) ? state.Settings : null,
        ServiceConnectDefaults = state.ServiceConnectDefaults,
        Statistics = details.HasFlag(Details.Statistics) ? StatisticsOf(state, tasks) : null,
    };

    // Every task runs on a container instance of ours, which ECS would count as EC2.
    private static IReadOnlyList<NameValue> StatisticsOf(ClusterState state, TaskCounts tasks) =>
    [
        new("runningEC2TasksCount", tasks.Running.ToString()),
        new("runningFargateTasksCount", "0"),
        new("pendingEC2TasksCount", tasks.Pending.ToString()),
        new("pendingFargateTasksCount", "0"),
        new("activeEC2ServiceCount", state.ActiveServicesCount.ToString()),
        new("activeFargateServiceCount", "0"),
        new("drainingEC2ServiceCount", "0"),
        new("drainingFargateServiceCount", "0"),
    ];
}

public sealed record Failure(string? Arn, string Reason, string? Detail = null);
