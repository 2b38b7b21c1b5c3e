using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Agent.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;
using TaskState = Actors.Domain.Tasks.TaskState;

namespace Actors.Nodes.Tests.Docker;

/// <summary>
/// One runtime per test, owning a container instance ARN unique to the test run: its containers are found by that label
/// and force-removed afterwards, whatever the test did.
/// </summary>
public abstract class DockerRuntimeTestBase : IAsyncLifetime
{
    public const string TestImage = "actors-test/busybox:latest";
    protected static readonly AccountScope Scope = new("us-east-1", "000000000000");

    protected readonly string RunId = Guid.NewGuid().ToString("N")[..12];
    protected readonly DockerClient Docker = new DockerClientBuilder().Build();
    protected DockerRuntimeOptions Options { get; }
    protected DockerContainerRuntime Runtime { get; }

    protected DockerRuntimeTestBase()
    {
        Options = new DockerRuntimeOptions
        {
            Scope = Scope,
            ContainerInstanceArn = Scope.ContainerInstanceArn("test", $"test-run-{RunId}"),
            DependencyPollInterval = TimeSpan.FromMilliseconds(100),
        };
        Runtime = new DockerContainerRuntime(Options);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var container in await ContainersOfRun())
            await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
        var volumes = await Docker.Volumes.ListAsync(new VolumesListParameters { Filters = RunFilter() });
        foreach (var volume in volumes.Volumes ?? []) await Docker.Volumes.RemoveAsync(volume.Name, force: true);
        Runtime.Dispose();
        Docker.Dispose();
    }

    protected async Task<IList<ContainerListResponse>> ContainersOfRun() =>
        await Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = RunFilter() });

    private Dictionary<string, IDictionary<string, bool>> RunFilter() =>
        new() { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.ContainerInstanceArn}={Options.ContainerInstanceArn}"] = true } };

    protected TaskState TaskOf(string family, IReadOnlyList<ContainerDefinition> containers, string? networkMode = null, TaskOverride? overrides = null) => new()
    {
        TaskId = Guid.NewGuid().ToString("N"),
        ClusterName = "test",
        ContainerInstanceId = $"test-run-{RunId}",
        TaskDefinition = new TaskDefinitionRevision
        {
            Family = family,
            Revision = 1,
            Spec = new TaskDefinitionSpec { Family = family, NetworkMode = networkMode, ContainerDefinitions = containers },
        },
        Overrides = overrides,
        Containers = [],
        Reserved = ResourceDemand.None,
    };

    protected static ContainerDefinition Busybox(string name, params string[] command) => new()
    {
        Name = name,
        Image = TestImage,
        Command = command,
        Memory = 64,
        // busybox as PID 1 ignores SIGTERM: keep the wait for SIGKILL short.
        StopTimeout = 1,
    };

    protected async Task<ReportedTask?> Observed(string taskId) =>
        (await Runtime.Observe(CancellationToken.None)).SingleOrDefault(task => task.TaskId == taskId);

    /// <summary>Observes until <paramref name="condition"/> holds, failing with the last observation after the timeout.</summary>
    protected async Task<ReportedTask> ObserveUntil(string taskId, Func<ReportedTask, bool> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        ReportedTask? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Observed(taskId);
            if (last is not null && condition(last)) return last;
            await Task.Delay(100);
        }
        Assert.Fail($"task {taskId} did not reach the expected state in {seconds} s; last observed: {Describe(last)}");
        return last!;
    }

    protected static string Describe(ReportedTask? task) => task is null
        ? "(not observed)"
        : $"failed={task.FailedToStartReason}; " + string.Join("; ", task.Containers.Select(container =>
            $"{container.Name}={container.Status} exit={container.ExitCode} reason={container.Reason} bindings=[{string.Join(",", container.NetworkBindings)}]"));
}
