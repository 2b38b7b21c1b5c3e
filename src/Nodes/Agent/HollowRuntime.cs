using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Actors.Domain.Tasks;

namespace Actors.Nodes.Agent;

/// <summary>How a hollow runtime pretends: how long a start takes and how often it fails.</summary>
public sealed record HollowRuntimeOptions
{
    public TimeSpan StartDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Share of starts that fail as an unpullable image would, between 0 and 1.</summary>
    public double FailureRate { get; init; }
    public int CpuCores { get; init; } = 4;
    public long MemoryBytes { get; init; } = 16L * 1024 * 1024 * 1024;
    public int Seed { get; init; }
}

/// <summary>
/// A runtime that runs nothing: tasks "start" after a delay and run until stopped. For scale tests and benchmarks of the
/// control plane (<c>actors agent --hollow N</c>), never the default.
/// </summary>
public sealed class HollowRuntime(HollowRuntimeOptions options) : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, ReportedTask> _tasks = new();
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>();
    private readonly Random _random = new(options.Seed);
    private int _nextHostPort = 32768;

    public Task<HostFacts> DescribeHost(CancellationToken cancellationToken) =>
        Task.FromResult(new HostFacts(options.CpuCores, options.MemoryBytes, "linux", "x86_64", "hollow"));

    public Task<IReadOnlyList<ReportedTask>> Observe(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReportedTask>>(_tasks.Values.ToList());

    public async Task Start(TaskState task, CancellationToken cancellationToken)
    {
        if (_tasks.ContainsKey(task.TaskId)) return;
        var pullStarted = DateTimeOffset.UtcNow;
        await Task.Delay(options.StartDelay, cancellationToken);
        bool fails;
        lock (_random) fails = _random.NextDouble() < options.FailureRate;
        var image = task.TaskDefinition.Spec.ContainerDefinitions.FirstOrDefault()?.Image;
        _tasks[task.TaskId] = fails
            ? new ReportedTask
            {
                TaskId = task.TaskId,
                Containers = [],
                PullStartedAt = pullStarted,
                PullStoppedAt = DateTimeOffset.UtcNow,
                FailedToStartReason = $"CannotPullContainerError: hollow runtime failed to pull {image} (simulated)",
            }
            : new ReportedTask
            {
                TaskId = task.TaskId,
                PullStartedAt = pullStarted,
                PullStoppedAt = DateTimeOffset.UtcNow,
                Containers = [.. task.Containers.Select(container => new ReportedContainer
                {
                    Name = container.Name,
                    RuntimeId = $"hollow-{task.TaskId}-{container.Name}",
                    Status = "RUNNING",
                    NetworkBindings = [.. Bindings(task, container.Name)],
                })],
            };
        _changes.Writer.TryWrite(task.TaskId);
    }

    public Task Stop(string taskId, TimeSpan? stopTimeout, CancellationToken cancellationToken)
    {
        if (_tasks.TryGetValue(taskId, out var task))
        {
            _tasks[taskId] = task with { Containers = [.. task.Containers.Select(c => c with { Status = "STOPPED", ExitCode = 0 })] };
            _changes.Writer.TryWrite(taskId);
        }
        return Task.CompletedTask;
    }

    public Task Remove(string taskId, CancellationToken cancellationToken)
    {
        _tasks.TryRemove(taskId, out _);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<string> Changes([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var taskId in _changes.Reader.ReadAllAsync(cancellationToken))
            yield return taskId;
    }

    private IEnumerable<NetworkBinding> Bindings(TaskState task, string containerName)
    {
        var definition = task.TaskDefinition.Spec.ContainerDefinitions.FirstOrDefault(c => c.Name == containerName);
        foreach (var mapping in definition?.PortMappings ?? [])
        {
            var hostPort = mapping.HostPort is > 0 ? mapping.HostPort.Value : Interlocked.Increment(ref _nextHostPort);
            yield return new NetworkBinding("0.0.0.0", mapping.ContainerPort, hostPort, mapping.Protocol ?? "tcp");
        }
    }
}
