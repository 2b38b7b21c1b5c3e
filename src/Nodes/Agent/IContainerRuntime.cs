using Actors.Domain.Tasks;

namespace Actors.Nodes.Agent;

/// <summary>What the agent learns about its host to register it.</summary>
public sealed record HostFacts(int CpuCores, long MemoryBytes, string OsType, string CpuArchitecture, string RuntimeVersion);

/// <summary>A host's container runtime as the agent sees it: Docker for real hosts, a simulation for hollow ones.</summary>
public interface IContainerRuntime
{
    Task<HostFacts> DescribeHost(CancellationToken cancellationToken);

    /// <summary>The actual state of every task this agent owns, read from the runtime itself.</summary>
    Task<IReadOnlyList<ReportedTask>> Observe(CancellationToken cancellationToken);

    /// <summary>Starts a task's containers; idempotent, may take long (pulls, dependency waits).</summary>
    Task Start(TaskState task, CancellationToken cancellationToken);

    Task Stop(string taskId, TimeSpan? stopTimeout, CancellationToken cancellationToken);

    Task Remove(string taskId, CancellationToken cancellationToken);

    /// <summary>Ids of tasks whose containers changed, as the runtime announces them.</summary>
    IAsyncEnumerable<string> Changes(CancellationToken cancellationToken);
}
