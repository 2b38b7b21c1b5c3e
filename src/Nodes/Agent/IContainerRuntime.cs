using Actors.Domain.Tasks;

namespace Actors.Nodes.Agent;

/// <summary>What the agent registers about its host (ECS's registration resources and attributes).</summary>
/// <param name="CpuCores">Logical CPUs; the agent registers 1024 CPU units per core.</param>
/// <param name="MemoryBytes">Total memory of the host.</param>
/// <param name="OsType"><c>linux</c> (ECS's <c>ecs.os-type</c>).</param>
/// <param name="CpuArchitecture"><c>x86_64</c> or <c>arm64</c> (ECS's <c>ecs.cpu-architecture</c>).</param>
/// <param name="RuntimeVersion">The container runtime's version, e.g. Docker's <c>20.10.24</c>.</param>
public sealed record HostFacts(int CpuCores, long MemoryBytes, string OsType, string CpuArchitecture, string RuntimeVersion);

/// <summary>
/// The agent's view of the container runtime on its host. Each instance belongs to one container instance: it sees and
/// touches only the containers it created (or that an earlier instance for the same container instance created).
/// </summary>
public interface IContainerRuntime
{
    Task<HostFacts> DescribeHost(CancellationToken cancellationToken);

    /// <summary>
    /// The actual state of every task this container instance owns, rebuilt from the runtime on every call (plus, in
    /// memory, the start failures and pull times it cannot read back from the runtime).
    /// </summary>
    Task<IReadOnlyList<ReportedTask>> Observe(CancellationToken cancellationToken);

    /// <summary>
    /// Runs the whole start chain of a task: pulls, creates and starts its containers in dependency order, waiting for
    /// each dependency condition. Idempotent: containers that exist are adopted, a container is never started twice, and a
    /// task that was stopped or failed to start is never started again. May take long (pulls, HEALTHY waits): run it in the
    /// background. A start failure is not thrown: it is recorded and reported by <see cref="Observe"/> as the task's
    /// <see cref="ReportedTask.FailedToStartReason"/>. Throws only when the runtime cannot be reached or on cancellation.
    /// </summary>
    Task Start(TaskState task, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the task's containers, dependents before their dependencies: SIGTERM, then SIGKILL after
    /// <paramref name="stopTimeout"/> or, when null, each container's own <c>stopTimeout</c> (default 30 s).
    /// Cancels a start still in progress and prevents any later start of the task.
    /// </summary>
    Task Stop(string taskId, TimeSpan? stopTimeout, CancellationToken cancellationToken);

    /// <summary>Removes the task's stopped containers and their task-scoped volumes; after it the task is no longer observed.</summary>
    Task Remove(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Ids of tasks whose containers changed (created, started, died, health changed, out of memory, destroyed), as they
    /// happen; the caller then calls <see cref="Observe"/>. Runs until cancelled, reconnecting when the runtime's event
    /// stream drops. A task id may repeat; an event may also come for a task that is already removed.
    /// </summary>
    IAsyncEnumerable<string> Changes(CancellationToken cancellationToken);
}
