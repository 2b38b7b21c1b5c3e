using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Tasks;
using Microsoft.Extensions.Logging;
using EcsAttribute = Actors.Domain.ContainerInstances.Attribute;

namespace Actors.Nodes.Agent;

/// <summary>
/// One container instance's agent: registers the host, then syncs in a loop - report the actual state, receive the
/// desired state, start what should run, stop what should not, remove what the control plane has forgotten. The loop
/// is level-triggered: a lost message is repaired by the next sync, and a restarted agent rebuilds its state from the
/// runtime (containers carry their task's labels), so it never starts a task twice.
/// </summary>
/// <param name="runtimeFor">The runtime for a container instance ARN: a Docker runtime owns only the containers labelled
/// with its instance, so it can exist only once the instance is registered.</param>
public sealed class ContainerAgent(AgentOptions options, Func<string, IContainerRuntime> runtimeFor, GatewayClient gateway, ILogger logger)
{
    private IContainerRuntime _runtime = null!;
    private readonly ConcurrentDictionary<string, Task> _starting = new();
    private readonly ConcurrentDictionary<string, Task> _stopping = new();
    private readonly Channel<string> _localChanges = Channel.CreateBounded<string>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public string? ContainerInstanceArn { get; private set; }

    /// <summary>Registers and syncs until <paramref name="stopping"/> is cancelled, then returns: the sync under way is abandoned.</summary>
    public async Task Run(CancellationToken stopping)
    {
        try
        {
            await RegisterAndSync(stopping);
        }
        catch (Exception abandoned) when (stopping.IsCancellationRequested)
        {
            // Cancelling its own long poll (or a call the stopping gateway cut short) is how an agent stops, not a failure:
            // the runtime keeps its containers and the next agent adopts them.
            logger.LogDebug("Stopped during a call to the control plane ({Reason})", abandoned.Message);
        }
    }

    private async Task RegisterAndSync(CancellationToken stopping)
    {
        ContainerInstanceArn = await Register(stopping);
        _ = WatchRuntime(stopping);
        long knownVersion = -1;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Every change signalled so far is in what is read next: a signal left over would only cause a sync
                // that reports nothing new.
                while (_localChanges.Reader.TryRead(out _)) { }
                var actual = await ActualState(stopping);
                var response = await SyncUntilLocalChange(knownVersion, actual, stopping);
                if (response is null) continue; // something changed here first: report it straight away
                // More new tasks than one answer carries: ask again at once, without waiting, once these are started.
                knownVersion = response.More ? -1 : response.DesiredVersion;
                var started = Reconcile(response, actual, stopping);
                if (!response.More) await StartsEndedOrWindowOver(started, stopping);
            }
            catch (GatewayError error) when (error.Code == AgentProtocol.NotRegisteredError)
            {
                logger.LogWarning("The control plane no longer knows this container instance; registering anew");
                await RemoveContainersOf(_runtime, stopping);
                ForgetRegistration();
                ContainerInstanceArn = await Register(stopping);
                _ = WatchRuntime(stopping);
                knownVersion = -1;
            }
            catch (Exception failure) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(failure, "Sync with the control plane failed; retrying in {Delay}", options.RetryDelay);
                await Task.Delay(options.RetryDelay, stopping);
            }
        }
    }

    private async Task<string> Register(CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                return await RegisterOnce(stopping);
            }
            catch (Exception failure) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(failure, "Registering with the control plane failed; retrying in {Delay}", options.RetryDelay);
                await Task.Delay(options.RetryDelay, stopping);
            }
        }
    }

    private async Task<string> RegisterOnce(CancellationToken stopping)
    {
        var remembered = RememberedRegistration();
        HostFacts host;
        var describer = runtimeFor(remembered ?? "unregistered");
        try { host = await describer.DescribeHost(stopping); }
        finally { (describer as IDisposable)?.Dispose(); }
        if (options.Cluster != Domain.Clusters.Cluster.DefaultName)
            await gateway.Ecs<JsonElement>("CreateCluster", new { clusterName = options.Cluster }, stopping);
        var memoryMiB = (int)Math.Max(0, host.MemoryBytes / (1024 * 1024) - options.ReservedMemoryMiB);
        var attributes = new List<EcsAttribute>
        {
            new("ecs.os-type", host.OsType),
            new("ecs.cpu-architecture", host.CpuArchitecture),
            new("ecs.instance-type", options.InstanceType),
            new("ecs.availability-zone", options.AvailabilityZone),
        };
        attributes.AddRange(options.Capabilities.Select(capability => new EcsAttribute(capability)));
        attributes.AddRange(options.Attributes.Select(a => new EcsAttribute(a.Key, a.Value)));
        var request = new
        {
            cluster = options.Cluster,
            containerInstanceArn = remembered,
            // A retry of a registration whose answer was lost names the same registration, so it finds the first
            // instance instead of leaving a ghost beside a new one.
            instanceIdentityDocument = JsonSerializer.Serialize(new { instanceId = options.HostId, registrationId = remembered is null ? PendingRegistrationId() : null }),
            totalResources = new[]
            {
                Resource.Integer(ResourceNames.Cpu, host.CpuCores * 1024),
                Resource.Integer(ResourceNames.Memory, memoryMiB),
                Resource.StringSet(ResourceNames.Ports, options.ReservedPorts.Select(p => p.ToString())),
                Resource.StringSet(ResourceNames.UdpPorts, []),
            },
            versionInfo = new VersionInfo(options.AgentVersion, null, host.RuntimeVersion),
            attributes,
        };
        JsonElement response;
        try
        {
            response = await gateway.Ecs<JsonElement>("RegisterContainerInstance", request, stopping);
        }
        catch (GatewayError refused) when (request.containerInstanceArn is not null
                                           && refused.Code is ErrorCodes.Client or ErrorCodes.AccessDenied)
        {
            // The remembered instance was deregistered, or registered with another key than this agent's (it changed,
            // or the instance dates from before agents had keys of their own): it will never answer this agent again,
            // so this host becomes a new instance.
            logger.LogWarning("Re-registering {Arn} was refused ({Reason}); registering a new container instance",
                request.containerInstanceArn, refused.Message);
            var old = runtimeFor(remembered!);
            try { await RemoveContainersOf(old, stopping); }
            finally { (old as IDisposable)?.Dispose(); }
            ForgetRegistration();
            return await RegisterOnce(stopping);
        }
        var arn = response.GetProperty("containerInstance").GetProperty("containerInstanceArn").GetString()!;
        RememberRegistration(arn);
        ForgetPendingRegistration();
        (_runtime as IDisposable)?.Dispose();
        _runtime = runtimeFor(arn);
        logger.LogInformation("Registered container instance {Arn} in cluster {Cluster}", arn, options.Cluster);
        return arn;
    }

    /// <summary>The runtime's view plus tasks still being started, which have no containers to observe yet.</summary>
    private async Task<IReadOnlyList<ReportedTask>> ActualState(CancellationToken stopping)
    {
        // Read before observing: a start that ends in between is then seen by Observe, never lost between the two.
        var starting = _starting.Keys.ToList();
        var observed = (await _runtime.Observe(stopping)).ToList();
        foreach (var taskId in starting)
            if (observed.All(t => t.TaskId != taskId))
                observed.Add(new ReportedTask { TaskId = taskId, Containers = [] });
        return observed;
    }

    /// <summary>
    /// Long-polls the gateway, giving up early (null) when the runtime reports a change the control plane should hear
    /// first. The poll given up is not cancelled: the next sync ends it on the control plane (an agent waits on its
    /// latest sync only), so the request completes and its connection is reused; its answer is left unread.
    /// </summary>
    private async Task<AgentSyncResponse?> SyncUntilLocalChange(long knownVersion, IReadOnlyList<ReportedTask> actual, CancellationToken stopping)
    {
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var watch = _localChanges.Reader.WaitToReadAsync(stopWatching.Token).AsTask();
        var sync = gateway.Send<AgentSyncResponse>(AgentProtocol.SyncTarget,
            new AgentSyncRequest(options.Cluster, ContainerInstanceArn, knownVersion, actual, (int)options.SyncWait.TotalSeconds), stopping);
        var first = await Task.WhenAny(sync, watch);
        if (first == sync)
        {
            await stopWatching.CancelAsync();
            return await sync;
        }
        _localChanges.Reader.TryRead(out _);
        _ = sync.ContinueWith(left => _ = left.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return null;
    }

    /// <summary>Starts what should run, stops what should not, removes what is forgotten; answers the starts it began.</summary>
    private List<Task> Reconcile(AgentSyncResponse desired, IReadOnlyList<ReportedTask> actual, CancellationToken stopping)
    {
        var started = new List<Task>();
        var running = desired.Run.Select(t => t.TaskId).Concat(desired.Keep ?? []).ToHashSet();
        var toStop = desired.Stop.ToHashSet();
        var present = actual.Where(t => t.Containers.Count > 0).ToDictionary(t => t.TaskId);

        foreach (var task in desired.Run)
            if (!present.ContainsKey(task.TaskId) && !actual.Any(t => t.TaskId == task.TaskId && t.FailedToStartReason is not null))
                if (InBackground(_starting, task.TaskId, () => _runtime.Start(task, stopping), stopping) is { } start) started.Add(start);

        foreach (var reported in actual)
        {
            var taskId = reported.TaskId;
            if (running.Contains(taskId) || _starting.ContainsKey(taskId)) continue;
            var anyRunning = reported.Containers.Any(c => c.Status != "STOPPED");
            if (anyRunning) InBackground(_stopping, taskId, () => _runtime.Stop(taskId, null, stopping), stopping);
            // Neither to run nor to stop: the control plane has recorded the task STOPPED (or never knew it), so its
            // containers - or the memory of its failed start - can go.
            else if (!toStop.Contains(taskId)) InBackground(_stopping, taskId, () => _runtime.Remove(taskId, stopping), stopping);
        }
        return started;
    }

    /// <summary>Waits until the starts just begun have ended, or <see cref="AgentOptions.StartReportWindow"/> is over.</summary>
    private async Task StartsEndedOrWindowOver(List<Task> started, CancellationToken stopping)
    {
        if (started.Count == 0 || options.StartReportWindow <= TimeSpan.Zero) return;
        await Task.WhenAny(Task.WhenAll(started), Task.Delay(options.StartReportWindow, stopping));
    }

    /// <summary>Runs one start/stop/remove per task at a time, and wakes the loop when it ends so the result is reported.</summary>
    private Task? InBackground(ConcurrentDictionary<string, Task> inFlight, string taskId, Func<Task> work, CancellationToken stopping)
    {
        if (inFlight.ContainsKey(taskId)) return null;
        // The work waits until it is registered as in flight: work that ended first would leave its entry behind for good.
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(async () =>
        {
            await registered.Task;
            try { await work(); }
            catch (Exception failure) when (!stopping.IsCancellationRequested) { logger.LogWarning(failure, "Runtime work on task {TaskId} failed", taskId); }
            catch (Exception) { /* cut short because the agent stops; the next agent finds the task as the runtime left it */ }
            finally
            {
                inFlight.TryRemove(taskId, out _);
                _localChanges.Writer.TryWrite(taskId);
            }
        });
        inFlight[taskId] = running;
        registered.SetResult();
        return running;
    }

    private async Task WatchRuntime(CancellationToken stopping)
    {
        var runtime = _runtime;
        while (!stopping.IsCancellationRequested && runtime == _runtime)
        {
            try
            {
                await foreach (var taskId in runtime.Changes(stopping))
                    _localChanges.Writer.TryWrite(taskId);
            }
            catch (Exception failure) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(failure, "Watching the container runtime failed; watching again");
                await Task.Delay(options.RetryDelay, stopping);
            }
        }
    }

    private string? RegistrationFile => options.StateDirectory is null ? null : Path.Combine(options.StateDirectory, "container-instance.arn");

    private string? RememberedRegistration() =>
        RegistrationFile is { } file && File.Exists(file) ? File.ReadAllText(file).Trim() : null;

    private void RememberRegistration(string arn)
    {
        if (RegistrationFile is not { } file) return;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, arn);
    }

    /// <summary>
    /// The control plane let go of the instance (a forced deregistration stopped its tasks): nothing will ever ask for
    /// its containers again, so they are stopped and removed before this host becomes a new instance.
    /// </summary>
    private async Task RemoveContainersOf(IContainerRuntime runtime, CancellationToken stopping)
    {
        foreach (var task in await runtime.Observe(stopping))
        {
            try
            {
                await runtime.Stop(task.TaskId, null, stopping);
                await runtime.Remove(task.TaskId, stopping);
            }
            catch (Exception failure) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(failure, "Removing task {TaskId} of the deregistered instance failed", task.TaskId);
            }
        }
    }

    private string? _pendingRegistrationId;

    /// <summary>The id of the registration under way, kept in the data directory so that a restarted agent retries the same one.</summary>
    private string PendingRegistrationId()
    {
        if (_pendingRegistrationId is not null) return _pendingRegistrationId;
        var file = RegistrationFile is { } remembered ? remembered + ".pending" : null;
        if (file is not null && File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } saved) return _pendingRegistrationId = saved;
        _pendingRegistrationId = Guid.NewGuid().ToString("N");
        if (file is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, _pendingRegistrationId);
        }
        return _pendingRegistrationId;
    }

    private void ForgetPendingRegistration()
    {
        _pendingRegistrationId = null;
        if (RegistrationFile is { } file && File.Exists(file + ".pending")) File.Delete(file + ".pending");
    }

    private void ForgetRegistration()
    {
        if (RegistrationFile is { } file && File.Exists(file)) File.Delete(file);
    }
}
