namespace Actors.Nodes.Agent;

/// <summary>How an agent describes its host and how often it talks to the control plane.</summary>
public sealed record AgentOptions
{
    public string Cluster { get; init; } = "default";
    /// <summary>Where the agent keeps the ARN of its container instance, so a restart re-registers the same instance.</summary>
    public string? StateDirectory { get; init; }
    /// <summary>The host identifier ECS calls ec2InstanceId.</summary>
    public string HostId { get; init; } = Environment.MachineName;
    public string InstanceType { get; init; } = "actors.host";
    public string AvailabilityZone { get; init; } = "local";
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    /// <summary>Memory kept back for the host itself and the agent.</summary>
    public int ReservedMemoryMiB { get; init; } = 256;
    /// <summary>Ports the real ECS agent reserves (SSH, Docker, the agent's introspection) plus the gateway's own, added by the host.</summary>
    public IReadOnlyList<int> ReservedPorts { get; init; } = [22, 2375, 2376, 51678, 51679];
    /// <summary>The longest a sync waits at the gateway for a change; also the heartbeat interval of an idle agent.</summary>
    public TimeSpan SyncWait { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// After starting tasks, how long the agent waits for the starts to end before its next sync: a start that ends
    /// within it is reported RUNNING straight away, without a PENDING report before it (one write and one sync less per
    /// task), and several starts go in one report. A stop of the instance's tasks is heard at most this much later.
    /// </summary>
    public TimeSpan StartReportWindow { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Pause before trying again after the gateway could not be reached.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// The capability attributes the agent advertises, as the Amazon ECS agent does: what its Docker runtime honours,
    /// so task definitions that need more (IAM task roles, awsvpc, secrets) are placed nowhere, with the reason ATTRIBUTE.
    /// </summary>
    public IReadOnlyList<string> Capabilities { get; init; } = DockerCapabilities;

    public static IReadOnlyList<string> DockerCapabilities { get; } =
    [
        .. new[] { "1.17", "1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27", "1.28", "1.29", "1.30",
            "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37", "1.38", "1.39", "1.40", "1.41" }
            .Select(version => "com.amazonaws.ecs.capability.docker-remote-api." + version),
        .. new[] { "json-file", "syslog", "journald", "gelf", "fluentd", "none" }.Select(driver => "com.amazonaws.ecs.capability.logging-driver." + driver),
        "com.amazonaws.ecs.capability.privileged-container",
        "ecs.capability.container-health-check",
        "ecs.capability.container-ordering",
    ];

    public string AgentVersion { get; init; } = typeof(AgentOptions).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";
}
