using Actors.Domain.Services;

namespace Actors.Nodes.Services;

/// <summary>
/// What a service knows its cluster runs of it, kept between reconciles: read whole from its cluster's scheduler (in
/// pages), then changed by the scheduler's feed, message by message. Its tasks and instances are kept in id order, as a
/// whole read gives them, so that a reconcile decides the same on either.
/// </summary>
internal sealed class ObservationCache(string epoch, long sequence, string? daemonDeployment, DateTimeOffset readAt, ServiceObservation whole)
{
    private readonly SortedDictionary<string, ObservedTask> _tasks = Index(whole.Tasks, t => t.TaskId);
    private readonly SortedDictionary<string, ObservedInstance> _instances = Index(whole.Instances, i => i.InstanceId);
    private ServiceObservation? _observation = whole;

    /// <summary>The scheduler's start the read and the feed come from.</summary>
    public string Epoch { get; } = epoch;
    /// <summary>The DAEMON primary whose eligibility the scheduler judges instances by; null for REPLICA.</summary>
    public string? DaemonDeployment { get; } = daemonDeployment;
    /// <summary>When it was read whole.</summary>
    public DateTimeOffset ReadAt { get; } = readAt;
    /// <summary>The last feed message applied (or, before any, the scheduler's when the read began): older ones are dropped.</summary>
    public long Sequence { get; private set; } = sequence;

    public ServiceObservation Observation => _observation ??= new([.. _tasks.Values], [.. _instances.Values]);

    /// <summary>Applies a newer message of the same feed; returns false for an older one (it arrived late, and changes nothing).</summary>
    public bool Apply(ServiceObservationChanged changed)
    {
        if (changed.Sequence <= Sequence) return false;
        Sequence = changed.Sequence;
        foreach (var task in changed.Tasks) _tasks[task.TaskId] = task;
        foreach (var taskId in changed.RemovedTasks) _tasks.Remove(taskId);
        foreach (var instance in changed.Instances) _instances[instance.InstanceId] = instance;
        foreach (var instanceId in changed.RemovedInstances) _instances.Remove(instanceId);
        _observation = null;
        return true;
    }

    private static SortedDictionary<string, T> Index<T>(IEnumerable<T> items, Func<T, string> id)
    {
        var index = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items) index[id(item)] = item;
        return index;
    }
}
