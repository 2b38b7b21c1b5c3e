using Actors.Nodes.Agent;

namespace Actors.Hosting.Configuration;

/// <summary>
/// Runs container agents for the life of the host: the local agent of <c>serve</c>, or those of <c>actors agent</c>. They
/// stop first on SIGTERM, ending their own long polls, so the gateway of a stopping <c>serve</c> drains without them.
/// </summary>
public sealed class AgentService(IReadOnlyList<(AgentOptions Options, Func<string, IContainerRuntime> RuntimeFor)> agents, GatewayClient gateway,
    ILoggerFactory loggers) : StopsFirstService
{
    private readonly IReadOnlyList<ContainerAgent> containerAgents = [.. agents.Select((agent, index) =>
        new ContainerAgent(agent.Options, agent.RuntimeFor, gateway, loggers.CreateLogger($"Actors.Agent.{index}")))];

    /// <summary>True once every agent has registered its container instance (it has an ARN).</summary>
    public bool AllRegistered => containerAgents.All(agent => agent.ContainerInstanceArn is not null);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(containerAgents.Select(agent => agent.Run(stoppingToken)));

    public override void Dispose()
    {
        gateway.Dispose();
        base.Dispose();
    }

    /// <summary>The agent options configuration gives, for the host with the given id.</summary>
    public static AgentOptions OptionsFor(ActorsOptions options, string hostId, string? stateDirectory, IEnumerable<int> extraReservedPorts) => new()
    {
        Cluster = options.Agent.Cluster,
        HostId = hostId,
        StateDirectory = stateDirectory,
        InstanceType = options.Agent.InstanceType,
        AvailabilityZone = options.Agent.AvailabilityZone,
        Attributes = options.Agent.Attributes,
        ReservedMemoryMiB = options.Agent.ReservedMemoryMiB,
        ReservedPorts = [.. new AgentOptions().ReservedPorts.Concat(extraReservedPorts).Distinct()],
        SyncWait = TimeSpan.FromSeconds(Math.Clamp(options.Agent.SyncWaitSeconds, 1, AgentProtocol.MaxWaitSeconds)),
        StartReportWindow = TimeSpan.FromMilliseconds(Math.Clamp(options.Agent.StartReportWindowMilliseconds, 0, 10_000)),
    };
}
