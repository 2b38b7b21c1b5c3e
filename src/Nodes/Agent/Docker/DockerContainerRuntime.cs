using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Docker.DotNet;
using Dm = Docker.DotNet.Models;
using TaskState = Actors.Domain.Tasks.TaskState;

namespace Actors.Nodes.Agent.Docker;

/// <summary>
/// <see cref="IContainerRuntime"/> on a Docker engine, through its API (any engine from API 1.41, Debian 12's 20.10, on).
/// Docker is the source of truth for containers (found again by their labels after a restart); only what Docker cannot
/// tell - why a start failed, when pulls ran, which tasks were stopped or removed - is kept in memory.
/// <para>
/// Limits, by design of this host: images are pulled only when missing (ECS's "prefer-cached"); repositoryCredentials
/// names a secret Actors cannot read, so it is resolved only through <see cref="DockerRuntimeOptions.ResolveRegistryCredentials"/>
/// and otherwise the pull is anonymous; secrets, S3 environment files, EFS/FSx volumes, awsvpc and pid/ipc mode "task"
/// fail the task with a reason; logConfiguration is passed to Docker as is (json-file, local, syslog, journald, ...
/// work; awslogs needs AWS credentials on the engine and awsfirelens is no Docker driver, so both fail the start);
/// restartPolicy, GPUs, firelens and the task metadata endpoint are not implemented.
/// </para>
/// </summary>
public sealed class DockerContainerRuntime : IContainerRuntime, IDisposable
{
    private static readonly TimeSpan EventReconnectDelay = TimeSpan.FromSeconds(1);

    private readonly DockerClient _docker;
    private readonly DockerRuntimeOptions _options;
    private readonly ConcurrentDictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> _digestsByImageId = new(StringComparer.Ordinal);

    public DockerContainerRuntime(DockerRuntimeOptions options)
    {
        _options = options;
        var builder = new DockerClientBuilder();
        if (options.Endpoint is { } endpoint) builder = builder.WithEndpoint(endpoint);
        // No API version is requested, so requests go to unversioned paths, which every engine answers at its own version:
        // a client pinned to a newer version than the engine's would be refused by older engines such as 20.10 (API 1.41).
        _docker = builder.Build();
    }

    public void Dispose() => _docker.Dispose();

    // ---------------------------------------------------------------- host

    public async Task<HostFacts> DescribeHost(CancellationToken cancellationToken)
    {
        var info = await _docker.System.GetSystemInfoAsync(cancellationToken);
        var version = await _docker.System.GetVersionAsync(cancellationToken);
        return new HostFacts(
            CpuCores: (int)info.NCPU,
            MemoryBytes: info.MemTotal,
            OsType: string.IsNullOrEmpty(info.OSType) ? "linux" : info.OSType,
            CpuArchitecture: EcsArchitecture(info.Architecture),
            RuntimeVersion: version.Version);
    }

    /// <summary>ECS's <c>ecs.cpu-architecture</c> values from the kernel's machine name.</summary>
    public static string EcsArchitecture(string machine) => machine switch
    {
        "x86_64" or "amd64" => "x86_64",
        "aarch64" or "arm64" => "arm64",
        _ => machine,
    };

    // ---------------------------------------------------------------- observe

    public async Task<IReadOnlyList<ReportedTask>> Observe(CancellationToken cancellationToken)
    {
        var containers = await OwnedContainers(cancellationToken);
        var inspected = await Task.WhenAll(containers.Select(container => InspectOrNull(container.ID, cancellationToken)));
        var observedByTask = new Dictionary<string, List<Dm.ContainerInspectResponse>>(StringComparer.Ordinal);
        foreach (var container in inspected)
        {
            if (container is null || TaskIdOf(container.Config?.Labels) is not { } taskId) continue;
            if (!observedByTask.TryGetValue(taskId, out var list)) observedByTask[taskId] = list = [];
            list.Add(container);
        }

        var reports = new List<ReportedTask>();
        foreach (var taskId in observedByTask.Keys.Union(_tasks.Keys))
        {
            _tasks.TryGetValue(taskId, out var record);
            if (record is { Removed: true }) continue;
            var observed = observedByTask.GetValueOrDefault(taskId) ?? [];
            var reported = new List<ReportedContainer>();
            foreach (var container in observed.OrderBy(ContainerIndexOf))
                reported.Add(ContainerObservation.Report(container, await DigestOf(container.Image, cancellationToken)));
            reports.Add(record is null
                ? new ReportedTask { TaskId = taskId, Containers = [.. reported] }
                : record.Report(taskId, reported));
        }
        return reports;
    }

    // ---------------------------------------------------------------- start

    public async Task Start(TaskState task, CancellationToken cancellationToken)
    {
        var record = _tasks.GetOrAdd(task.TaskId, _ => new TaskRecord());
        Task chain;
        lock (record)
        {
            record.Task ??= task;
            // Never a second start: not after a stop, a removal or a failure; a start in progress is joined.
            if (record.StopRequested || record.Removed || record.FailedToStartReason is not null) return;
            if (record.StartChain is not { IsCompleted: false })
                record.StartChain = Task.Run(() => RunStartChain(task, record, cancellationToken), CancellationToken.None);
            chain = record.StartChain;
        }
        await chain.WaitAsync(cancellationToken);
    }

    private async Task RunStartChain(TaskState task, TaskRecord record, CancellationToken callerToken)
    {
        using var chainCancel = CancellationTokenSource.CreateLinkedTokenSource(callerToken, record.StopSignal.Token);
        var cancellationToken = chainCancel.Token;
        TaskStartFailure? failure = null;
        try
        {
            var plan = TaskLaunchPlan.For(task);
            var taskArn = _options.Scope.TaskArn(task.ClusterName, task.TaskId);
            var existing = (await OwnedContainers(cancellationToken))
                .Where(container => DockerLabels.Read(container.Labels, DockerLabels.TaskArn) == taskArn)
                .GroupBy(container => container.Labels[DockerLabels.ContainerName])
                .ToDictionary(group => group.Key, group => group.First());
            var volumes = await PrepareVolumes(task, taskArn, cancellationToken);
            await PullMissingImages(plan.Containers.Where(container => !existing.ContainsKey(container.Name)), record, cancellationToken);

            var context = new ContainerLaunchContext
            {
                TaskArn = taskArn,
                ContainerInstanceArn = _options.ContainerInstanceArn,
                DockerNames = plan.Containers.ToDictionary(
                    container => container.Name,
                    container => existing.TryGetValue(container.Name, out var found)
                        ? found.Names[0].TrimStart('/')
                        : DockerContainerSpec.NewDockerName(task.TaskDefinition.Family, task.TaskDefinition.Revision, container.Name)),
                Volumes = volumes,
                DefaultStopTimeout = _options.DefaultStopTimeout,
            };
            var created = plan.Containers.ToDictionary(
                container => container.Name,
                _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

            // Every container waits for its own dependencies, so independent containers start without waiting for each other.
            await Task.WhenAll(plan.Containers.Select(async container =>
            {
                try
                {
                    await LaunchContainer(task, plan, container, context, existing.GetValueOrDefault(container.Name), created, cancellationToken);
                }
                catch (TaskStartFailure containerFailure)
                {
                    Interlocked.CompareExchange(ref failure, containerFailure, null);
                    await chainCancel.CancelAsync();
                }
            }));
        }
        catch (TaskStartFailure taskFailure)
        {
            failure = taskFailure;
        }
        catch (OperationCanceledException) when (failure is not null || record.StopSignal.IsCancellationRequested)
        {
            // A container failed (the others were cancelled) or the task was stopped: nothing more to start.
        }

        if (failure is null) return;
        lock (record) record.Fail(failure);
        // A task that failed to start does not keep half of its containers running.
        await StopContainers(task.TaskId, null, callerToken);
    }

    private async Task<string> LaunchContainer(
        TaskState task, TaskLaunchPlan plan, ContainerLaunch container, ContainerLaunchContext context,
        Dm.ContainerListResponse? existing, Dictionary<string, TaskCompletionSource<string>> created, CancellationToken cancellationToken)
    {
        if (existing is not null)
        {
            // Adopted: an earlier start (maybe of an earlier agent) created it. Never start it twice.
            created[container.Name].TrySetResult(existing.ID);
            var state = (await _docker.Containers.InspectContainerAsync(existing.ID, cancellationToken)).State;
            if (ContainerObservation.HasStarted(state) || !string.IsNullOrEmpty(state?.Error)) return existing.ID;
            await WaitForDependencies(container, created, cancellationToken);
            await StartContainer(container, existing.ID, cancellationToken);
            return existing.ID;
        }

        await WaitForDependencies(container, created, cancellationToken);
        var parameters = DockerContainerSpec.Build(task, plan, container, context.DockerNames[container.Name], context);
        string id;
        try
        {
            id = (await _docker.Containers.CreateContainerAsync(parameters, cancellationToken)).ID;
        }
        catch (DockerApiException error)
        {
            throw new TaskStartFailure($"CannotCreateContainerError: {MessageOf(error)}", container.Name);
        }
        created[container.Name].TrySetResult(id);
        await StartContainer(container, id, cancellationToken);
        return id;
    }

    private async Task StartContainer(ContainerLaunch container, string id, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Containers.StartContainerAsync(id, new Dm.ContainerStartParameters(), cancellationToken);
        }
        catch (DockerApiException error)
        {
            throw new TaskStartFailure($"CannotStartContainerError: {MessageOf(error)}", container.Name);
        }
    }

    private async Task WaitForDependencies(ContainerLaunch container, Dictionary<string, TaskCompletionSource<string>> created, CancellationToken cancellationToken)
    {
        if (container.Dependencies.Count == 0) return;
        var startTimeout = container.Definition.StartTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : _options.DefaultStartTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(startTimeout);
        try
        {
            foreach (var dependency in container.Dependencies)
            {
                var dependencyId = await created[dependency.ContainerName].Task.WaitAsync(timeout.Token);
                await WaitForCondition(container.Name, dependency, dependencyId, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TaskStartFailure(
                $"CannotStartContainerError: container {container.Name} waited {startTimeout.TotalSeconds:0} s (its startTimeout) for its dependencies' conditions",
                container.Name);
        }
    }

    private async Task WaitForCondition(string dependent, ContainerDependencyCondition dependency, string dependencyId, CancellationToken cancellationToken)
    {
        TaskStartFailure NotMet(string why) =>
            new($"CannotStartContainerError: dependency condition not met: container {dependent} needs {dependency.ContainerName} to {dependency.Condition}, but {why}", dependent);

        while (true)
        {
            var inspected = await _docker.Containers.InspectContainerAsync(dependencyId, cancellationToken);
            var state = inspected.State;
            var status = ContainerObservation.StatusOf(state);
            var exitCode = state?.ExitCode ?? 0;
            switch (dependency.Condition)
            {
                case ContainerDependencyCondition.Start when ContainerObservation.HasStarted(state):
                case ContainerDependencyCondition.Complete when status == ContainerObservation.Stopped:
                case ContainerDependencyCondition.Success when status == ContainerObservation.Stopped && exitCode == 0:
                case ContainerDependencyCondition.Healthy when state?.Health?.Status == "healthy":
                    return;
                case ContainerDependencyCondition.Success when status == ContainerObservation.Stopped:
                    throw NotMet($"it exited with code {exitCode}");
                case ContainerDependencyCondition.Healthy when status == ContainerObservation.Stopped:
                    throw NotMet($"it exited with code {exitCode} before it was healthy");
                case ContainerDependencyCondition.Healthy when inspected.Config?.Healthcheck?.Test is not { Count: > 0 }:
                    throw NotMet("it has no health check");
                case ContainerDependencyCondition.Start or ContainerDependencyCondition.Complete
                    or ContainerDependencyCondition.Success or ContainerDependencyCondition.Healthy:
                    break;
                default:
                    throw NotMet($"'{dependency.Condition}' is not a condition (START, COMPLETE, SUCCESS, HEALTHY)");
            }
            if (status == ContainerObservation.Stopped && dependency.Condition == ContainerDependencyCondition.Start)
                throw NotMet("it failed to start");
            await Task.Delay(_options.DependencyPollInterval, cancellationToken);
        }
    }

    // ---------------------------------------------------------------- images

    private async Task PullMissingImages(IEnumerable<ContainerLaunch> containers, TaskRecord record, CancellationToken cancellationToken)
    {
        foreach (var group in containers.GroupBy(container => container.Definition.Image ?? ""))
        {
            var container = group.First();
            if (string.IsNullOrEmpty(group.Key))
                throw new TaskStartFailure($"CannotPullContainerError: container {container.Name} has no image", container.Name);
            if (await ImageExists(group.Key, cancellationToken)) continue;

            lock (record) record.PullStartedAt ??= DateTimeOffset.UtcNow;
            try
            {
                await Pull(group.Key, container, cancellationToken);
            }
            finally
            {
                lock (record) record.PullStoppedAt = DateTimeOffset.UtcNow;
            }
        }
    }

    private async Task<bool> ImageExists(string image, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException error) when (error.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task Pull(string image, ContainerLaunch container, CancellationToken cancellationToken)
    {
        var credentialsParameter = container.Definition.RepositoryCredentials?.CredentialsParameter;
        Dm.AuthConfig? auth = null;
        if (credentialsParameter is not null && _options.ResolveRegistryCredentials is { } resolve
            && await resolve(credentialsParameter, cancellationToken) is { } credential)
            auth = new Dm.AuthConfig { Username = credential.Username, Password = credential.Password, ServerAddress = RegistryOf(image) };

        string? streamError = null;
        try
        {
            await _docker.Images.CreateImageAsync(
                new Dm.ImagesCreateParameters { FromImage = WithDefaultTag(image) },
                auth,
                new SynchronousProgress<Dm.JSONMessage>(message => streamError ??= message.Error?.Message),
                cancellationToken);
        }
        catch (DockerApiException error)
        {
            streamError = MessageOf(error);
        }

        if (await ImageExists(image, cancellationToken)) return;
        var unresolved = credentialsParameter is not null && auth is null
            ? $" (repositoryCredentials {credentialsParameter} could not be resolved by this agent; the pull was anonymous)"
            : "";
        throw new TaskStartFailure(
            $"CannotPullContainerError: pull image {image}: {streamError ?? "the image is still missing after the pull"}{unresolved}",
            container.Name);
    }

    /// <summary>Without a tag Docker would pull every tag of the repository.</summary>
    private static string WithDefaultTag(string image)
    {
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        return lastSegment.Contains('@') || lastSegment.Contains(':') ? image : image + ":latest";
    }

    /// <summary>The registry host of an image reference (Docker Hub when the first segment is not a host name).</summary>
    private static string RegistryOf(string image)
    {
        var slash = image.IndexOf('/');
        if (slash > 0)
        {
            var first = image[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost") return first;
        }
        return "https://index.docker.io/v1/";
    }

    private async Task<string?> DigestOf(string imageId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(imageId)) return null;
        if (_digestsByImageId.TryGetValue(imageId, out var known)) return known;
        string? digest = null;
        try
        {
            var image = await _docker.Images.InspectImageAsync(imageId, cancellationToken);
            // ECS's imageDigest is the registry manifest digest; an imported image has none.
            digest = image.RepoDigests?.Select(reference => reference[(reference.IndexOf('@') + 1)..]).FirstOrDefault();
        }
        catch (DockerApiException)
        {
            return null;
        }
        _digestsByImageId[imageId] = digest;
        return digest;
    }

    // ---------------------------------------------------------------- volumes

    private async Task<IReadOnlyDictionary<string, VolumeSource>> PrepareVolumes(TaskState task, string taskArn, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<string, VolumeSource>(StringComparer.Ordinal);
        var volumes = task.TaskDefinition.Spec.Volumes ?? [];
        if (volumes.Count == 0) return sources;

        var taskVolumes = (await _docker.Volumes.ListAsync(new Dm.VolumesListParameters
        {
            Filters = LabelFilter($"{DockerLabels.TaskArn}={taskArn}"),
        }, cancellationToken)).Volumes ?? [];

        foreach (var volume in volumes)
        {
            var name = volume.Name ?? "";
            if (volume.EfsVolumeConfiguration is not null || volume.FsxWindowsFileServerVolumeConfiguration is not null || volume.ConfiguredAtLaunch == true)
                throw new TaskStartFailure($"ResourceInitializationError: volume {name}: EFS, FSx and volumes configured at launch are not supported by this agent");
            if (volume.Host?.SourcePath is { Length: > 0 } hostPath)
            {
                sources[name] = new VolumeSource(hostPath, IsHostPath: true);
                continue;
            }
            var configuration = volume.DockerVolumeConfiguration;
            if (configuration?.Scope == "shared")
            {
                sources[name] = new VolumeSource(await EnsureSharedVolume(name, configuration, cancellationToken), IsHostPath: false);
                continue;
            }
            // Task scope, and a host volume without a path: a Docker volume that lives as long as the task.
            var found = taskVolumes.FirstOrDefault(candidate => DockerLabels.Read(candidate.Labels, DockerLabels.VolumeName) == name);
            var volumeName = found?.Name ?? (await _docker.Volumes.CreateAsync(new Dm.VolumesCreateParameters
            {
                Name = DockerContainerSpec.NewDockerName(task.TaskDefinition.Family, task.TaskDefinition.Revision, name),
                Driver = configuration?.Driver ?? "local",
                DriverOpts = configuration?.DriverOpts?.ToDictionary() ?? [],
                Labels = new Dictionary<string, string>(configuration?.Labels?.ToDictionary() ?? [])
                {
                    [DockerLabels.TaskArn] = taskArn,
                    [DockerLabels.ContainerInstanceArn] = _options.ContainerInstanceArn,
                    [DockerLabels.VolumeName] = name,
                },
            }, cancellationToken)).Name;
            sources[name] = new VolumeSource(volumeName, IsHostPath: false);
        }
        return sources;
    }

    private async Task<string> EnsureSharedVolume(string name, DockerVolumeConfiguration configuration, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Volumes.InspectAsync(name, cancellationToken);
            return name;
        }
        catch (DockerApiException error) when (error.StatusCode == HttpStatusCode.NotFound)
        {
            if (configuration.Autoprovision != true)
                throw new TaskStartFailure($"ResourceInitializationError: shared volume {name} does not exist and autoprovision is off");
        }
        await _docker.Volumes.CreateAsync(new Dm.VolumesCreateParameters
        {
            Name = name,
            Driver = configuration.Driver ?? "local",
            DriverOpts = configuration.DriverOpts?.ToDictionary() ?? [],
            Labels = configuration.Labels?.ToDictionary() ?? [],
        }, cancellationToken);
        return name;
    }

    // ---------------------------------------------------------------- stop and remove

    public async Task Stop(string taskId, TimeSpan? stopTimeout, CancellationToken cancellationToken)
    {
        var record = _tasks.GetOrAdd(taskId, _ => new TaskRecord());
        Task? chain;
        lock (record)
        {
            record.StopRequested = true;
            chain = record.StartChain;
        }
        await record.StopSignal.CancelAsync();
        if (chain is not null)
        {
            try { await chain.WaitAsync(cancellationToken); }
            catch (Exception) when (!cancellationToken.IsCancellationRequested) { /* its outcome is the start's business */ }
        }
        await StopContainers(taskId, stopTimeout, cancellationToken);
    }

    private async Task StopContainers(string taskId, TimeSpan? stopTimeout, CancellationToken cancellationToken)
    {
        var containers = (await OwnedContainers(cancellationToken)).Where(container => TaskIdOf(container.Labels) == taskId).ToList();
        // Dependents first: a container stops only after every container that depends on it.
        foreach (var level in containers.GroupBy(DependencyLevelOf).OrderByDescending(group => group.Key))
        {
            await Task.WhenAll(level.Where(container => container.State is "running" or "restarting" or "paused").Select(async container =>
            {
                // Without a timeout Docker uses the container's own StopTimeout, which we set from its stopTimeout.
                var parameters = new Dm.ContainerStopParameters
                {
                    WaitBeforeKillSeconds = stopTimeout is { } timeout ? (uint)Math.Max(0, timeout.TotalSeconds) : null,
                };
                try { await _docker.Containers.StopContainerAsync(container.ID, parameters, cancellationToken); }
                catch (DockerContainerNotFoundException) { /* removed meanwhile: stopped enough */ }
            }));
        }
    }

    public async Task Remove(string taskId, CancellationToken cancellationToken)
    {
        var containers = (await OwnedContainers(cancellationToken)).Where(container => TaskIdOf(container.Labels) == taskId).ToList();
        var running = containers.Where(container => container.State is "running" or "restarting" or "paused").ToList();
        if (running.Count > 0)
            throw new InvalidOperationException($"task {taskId} still has running containers ({string.Join(", ", running.Select(container => container.Names[0]))}): stop it first");

        foreach (var container in containers)
        {
            try
            {
                await _docker.Containers.RemoveContainerAsync(container.ID, new Dm.ContainerRemoveParameters { RemoveVolumes = true }, cancellationToken);
            }
            catch (DockerContainerNotFoundException) { /* already gone */ }
        }

        var volumes = (await _docker.Volumes.ListAsync(new Dm.VolumesListParameters
        {
            Filters = LabelFilter($"{DockerLabels.ContainerInstanceArn}={_options.ContainerInstanceArn}"),
        }, cancellationToken)).Volumes ?? [];
        foreach (var volume in volumes.Where(volume => TaskIdOf(volume.Labels) == taskId))
            await _docker.Volumes.RemoveAsync(volume.Name, force: false, cancellationToken);

        // The record stays as a tombstone, so that no later Start brings the task back.
        var record = _tasks.GetOrAdd(taskId, _ => new TaskRecord());
        lock (record)
        {
            record.Removed = true;
            record.StopRequested = true;
        }
        await record.StopSignal.CancelAsync();
    }

    // ---------------------------------------------------------------- changes

    public async IAsyncEnumerable<string> Changes([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var taskIds = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpEvents(taskIds.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var taskId in taskIds.Reader.ReadAllAsync(cancellationToken))
                yield return taskId;
        }
        finally
        {
            await stop.CancelAsync();
            try { await pump; } catch (OperationCanceledException) { }
        }
    }

    private async Task PumpEvents(ChannelWriter<string> taskIds, CancellationToken cancellationToken)
    {
        // Resuming from the last event seen replays what happened while the stream was down.
        long? since = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var parameters = new Dm.ContainerEventsParameters
            {
                Since = since?.ToString(CultureInfo.InvariantCulture),
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["type"] = new Dictionary<string, bool> { ["container"] = true },
                    ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.ContainerInstanceArn}={_options.ContainerInstanceArn}"] = true },
                },
            };
            try
            {
                await _docker.System.MonitorEventsAsync(parameters, new SynchronousProgress<Dm.Message>(message =>
                {
                    if (message.Time is { } time) since = time;
                    if (IsStateChange(message.Action) && TaskIdOf(message.Actor?.Attributes) is { } taskId)
                        taskIds.TryWrite(taskId);
                }), cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The engine restarted or the connection broke: reconnect below.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try { await Task.Delay(EventReconnectDelay, cancellationToken); }
            catch (OperationCanceledException) { break; }
        }
        taskIds.TryComplete();
    }

    /// <summary>Events that change what Observe reports (not exec, attach, resize, top...).</summary>
    private static bool IsStateChange(string action) =>
        action is "create" or "start" or "die" or "oom" or "stop" or "kill" or "pause" or "unpause" or "destroy" or "restart"
        || action.StartsWith("health_status", StringComparison.Ordinal);

    // ---------------------------------------------------------------- helpers

    private async Task<IList<Dm.ContainerListResponse>> OwnedContainers(CancellationToken cancellationToken) =>
        await _docker.Containers.ListContainersAsync(new Dm.ContainersListParameters
        {
            All = true,
            Filters = LabelFilter($"{DockerLabels.ContainerInstanceArn}={_options.ContainerInstanceArn}"),
        }, cancellationToken);

    private async Task<Dm.ContainerInspectResponse?> InspectOrNull(string id, CancellationToken cancellationToken)
    {
        try { return await _docker.Containers.InspectContainerAsync(id, cancellationToken); }
        catch (DockerContainerNotFoundException) { return null; } // removed since the listing
    }

    private static Dictionary<string, IDictionary<string, bool>> LabelFilter(string label) =>
        new() { ["label"] = new Dictionary<string, bool> { [label] = true } };

    /// <summary>The task id is the last segment of the task ARN label (<c>arn:...:task/cluster/id</c>).</summary>
    private static string? TaskIdOf(IDictionary<string, string>? labels) =>
        DockerLabels.Read(labels, DockerLabels.TaskArn) is { } arn && arn.LastIndexOf('/') is var slash and >= 0 ? arn[(slash + 1)..] : null;

    private static int ContainerIndexOf(Dm.ContainerInspectResponse container) =>
        int.TryParse(DockerLabels.Read(container.Config?.Labels, DockerLabels.ContainerIndex), CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue;

    private static int DependencyLevelOf(Dm.ContainerListResponse container) =>
        int.TryParse(DockerLabels.Read(container.Labels, DockerLabels.DependencyLevel), CultureInfo.InvariantCulture, out var level) ? level : 0;

    /// <summary>Docker's error body is <c>{"message": "..."}</c>.</summary>
    private static string MessageOf(DockerApiException error)
    {
        try
        {
            using var body = JsonDocument.Parse(error.ResponseBody ?? "");
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text) return text;
        }
        catch (JsonException) { }
        return string.IsNullOrWhiteSpace(error.ResponseBody) ? error.Message : error.ResponseBody.Trim();
    }

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>What Docker cannot tell about a task; every member is read and written under the record's lock.</summary>
    private sealed class TaskRecord
    {
        public TaskState? Task;
        public Task? StartChain;
        public readonly CancellationTokenSource StopSignal = new();
        public DateTimeOffset? PullStartedAt;
        public DateTimeOffset? PullStoppedAt;
        public string? FailedToStartReason;
        public readonly Dictionary<string, string> ContainerReasons = new(StringComparer.Ordinal);
        public bool StopRequested;
        public bool Removed;

        public void Fail(TaskStartFailure failure)
        {
            FailedToStartReason ??= failure.Reason;
            if (failure.ContainerName is { } name) ContainerReasons.TryAdd(name, failure.Reason);
        }

        /// <summary>The observed containers, completed with the task's containers Docker does not have (yet, or any more).</summary>
        public ReportedTask Report(string taskId, List<ReportedContainer> observed)
        {
            lock (this)
            {
                var chainDone = StartChain is { IsCompleted: true };
                var givenUp = FailedToStartReason is not null || StopRequested;
                var containers = observed.Select(container =>
                {
                    var reason = container.Reason ?? ContainerReasons.GetValueOrDefault(container.Name);
                    // Created but never to be started: the task gave up on it.
                    var status = givenUp && container.Status == ContainerObservation.Pending ? ContainerObservation.Stopped : container.Status;
                    return container with { Reason = reason, Status = status };
                }).ToList();
                foreach (var definition in Task?.TaskDefinition.Spec.ContainerDefinitions ?? [])
                {
                    if (definition.Name is not { } name || containers.Any(container => container.Name == name)) continue;
                    var missing = new ReportedContainer { Name = name, Status = ContainerObservation.Pending, Reason = ContainerReasons.GetValueOrDefault(name) };
                    if (givenUp) missing = missing with { Status = ContainerObservation.Stopped };
                    else if (chainDone && StartChain!.IsCompletedSuccessfully)
                        missing = missing with { Status = ContainerObservation.Stopped, Reason = "The container was removed outside the agent" };
                    containers.Add(missing);
                }
                return new ReportedTask
                {
                    TaskId = taskId,
                    Containers = [.. containers],
                    PullStartedAt = PullStartedAt,
                    PullStoppedAt = PullStoppedAt,
                    FailedToStartReason = FailedToStartReason,
                };
            }
        }
    }
}
