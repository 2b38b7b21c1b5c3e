using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Tasks;

namespace Actors.Domain.Scheduling;

/// <summary>
/// What an instance tells its cluster's scheduler after a change: itself without its tasks, and the summaries of the
/// tasks changed since the scheduler last acknowledged (or ids of tasks it forgot). Versioned, so applying a change
/// twice or late does nothing.
/// </summary>
/// <param name="Instance">The instance as of <c>Instance.Version</c>, without tasks.</param>
/// <param name="UpToVersion">The instance's version when it sent this: the scheduler acknowledges it with the task ids.</param>
public sealed record InstanceChanges(
    ContainerInstanceState Instance,
    ImmutableList<TaskSummary> Tasks,
    ImmutableList<string> Forgotten,
    long UpToVersion);

/// <summary>
/// A cluster's instances and tasks as its scheduler sees them, in memory: fed by the instances' changes, rebuilt when
/// the scheduler starts, and ahead of them by the placements the scheduler made that an instance has not confirmed yet
/// (so two launches in a row never plan the same capacity). Placement decides against it; the instances have the last
/// word. Deterministic and free of I/O, like the rest of the domain.
/// </summary>
public sealed class PlacementView
{
    // Kept in instance id order: the placer then needs no sort of its own on every launch.
    private readonly SortedDictionary<string, Entry> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _taskLocations = new(StringComparer.Ordinal);
    /// <summary>Task ids by group, so that a service finds its tasks without a pass over the cluster.</summary>
    private readonly Dictionary<string, SortedSet<string>> _tasksByGroup = new(StringComparer.Ordinal);

    private sealed class Entry(ContainerInstanceState instance)
    {
        public ContainerInstanceState Instance = instance;
        public readonly Dictionary<string, TaskSummary> Tasks = new(StringComparer.Ordinal);
        /// <summary>Placed by the scheduler, not yet seen in the instance's changes: holds capacity meanwhile.</summary>
        public readonly Dictionary<string, (ResourceDemand Demand, string Group)> InFlight = new(StringComparer.Ordinal);
        public PlacementCandidate? Candidate;
    }

    public bool Knows(string instanceId) => _instances.ContainsKey(instanceId);

    public IEnumerable<string> InstanceIds => _instances.Keys;

    public ContainerInstanceState? Instance(string instanceId) => _instances.GetValueOrDefault(instanceId)?.Instance;

    public IEnumerable<ContainerInstanceState> Instances => _instances.Values.Select(e => e.Instance);

    public void Apply(InstanceChanges changes)
    {
        var id = changes.Instance.InstanceId;
        if (!_instances.TryGetValue(id, out var entry)) _instances[id] = entry = new Entry(changes.Instance);
        else if (changes.Instance.Version >= entry.Instance.Version) entry.Instance = changes.Instance;
        foreach (var task in changes.Tasks)
        {
            if (entry.Tasks.TryGetValue(task.TaskId, out var known) && known.InstanceVersion > task.InstanceVersion) continue;
            entry.Tasks[task.TaskId] = task;
            Group(task.Group).Add(task.TaskId);
            entry.InFlight.Remove(task.TaskId);
            _taskLocations[task.TaskId] = id;
        }
        foreach (var taskId in changes.Forgotten) Forget(entry, id, taskId);
        entry.Candidate = null;
    }

    /// <summary>The instance left the cluster: its tasks can no longer be found through it.</summary>
    public void Remove(string instanceId)
    {
        if (!_instances.Remove(instanceId, out var entry)) return;
        foreach (var taskId in entry.Tasks.Keys.Concat(entry.InFlight.Keys))
            if (_taskLocations.GetValueOrDefault(taskId) == instanceId) _taskLocations.Remove(taskId);
        foreach (var task in entry.Tasks.Values) Ungroup(task);
    }

    /// <summary>The scheduler placed a task: its capacity is taken here until the instance confirms or refuses it.</summary>
    public void Reserve(string instanceId, string taskId, ResourceDemand demand, string group)
    {
        if (!_instances.TryGetValue(instanceId, out var entry)) return;
        entry.InFlight[taskId] = (demand, group);
        entry.Candidate = null;
        _taskLocations[taskId] = instanceId;
    }

    /// <summary>The instance answered (took the task, or refused it): its own changes say the rest.</summary>
    public void Settle(string instanceId, string taskId)
    {
        if (!_instances.TryGetValue(instanceId, out var entry) || !entry.InFlight.Remove(taskId)) return;
        entry.Candidate = null;
        if (!entry.Tasks.ContainsKey(taskId) && _taskLocations.GetValueOrDefault(taskId) == instanceId) _taskLocations.Remove(taskId);
    }

    public string? Locate(string taskId) => _taskLocations.GetValueOrDefault(taskId);

    /// <summary>A task as its instance last told, with that instance; null while it is only placed, or unknown.</summary>
    public (TaskSummary Task, string InstanceId)? Task(string taskId) =>
        _taskLocations.GetValueOrDefault(taskId) is { } instanceId && _instances.GetValueOrDefault(instanceId)?.Tasks.GetValueOrDefault(taskId) is { } task
            ? (task, instanceId)
            : null;

    /// <summary>Every registered instance as placement sees it, in-flight placements included, in instance id order.</summary>
    public IReadOnlyList<PlacementCandidate> Candidates()
    {
        var candidates = new List<PlacementCandidate>(_instances.Count);
        foreach (var entry in _instances.Values)
            if (entry.Instance.IsRegistered) candidates.Add(entry.Candidate ??= CandidateOf(entry));
        return candidates;
    }

    private static PlacementCandidate CandidateOf(Entry entry)
    {
        var instance = entry.Instance;
        var groups = ImmutableList.CreateBuilder<string>();
        foreach (var task in entry.Tasks.Values)
            if (task.IsActive) groups.Add(task.Group);
        if (entry.InFlight.Count == 0) return new PlacementCandidate(instance, groups.ToImmutable());
        var remaining = instance.RemainingResources;
        foreach (var (demand, group) in entry.InFlight.Values)
        {
            remaining = ResourceLedger.Reserve(instance.RegisteredResources, remaining, demand).Remaining ?? remaining;
            groups.Add(group);
        }
        return new PlacementCandidate(
            instance with { RemainingResources = remaining, PendingTasksCount = instance.PendingTasksCount + entry.InFlight.Count },
            groups.ToImmutable());
    }

    /// <summary>Tasks of the cluster, or of one instance, that <paramref name="matches"/>.</summary>
    public IEnumerable<TaskSummary> Tasks(string? instanceId = null) => instanceId is null
        ? _instances.Values.SelectMany(e => e.Tasks.Values)
        : _instances.TryGetValue(instanceId, out var entry) ? entry.Tasks.Values : [];

    /// <summary>DescribeClusters' counts: registered instances, and running and pending tasks on them.</summary>
    public (int RegisteredInstances, int RunningTasks, int PendingTasks) Statistics()
    {
        int registered = 0, running = 0, pending = 0;
        foreach (var entry in _instances.Values)
        {
            if (!entry.Instance.IsRegistered) continue;
            registered++;
            running += entry.Instance.RunningTasksCount;
            pending += entry.Instance.PendingTasksCount + entry.InFlight.Count;
        }
        return (registered, running, pending);
    }

    /// <summary>
    /// Drops summaries of tasks stopped before <paramref name="stoppedBefore"/>. The instances forget them too and say
    /// so; this only covers a forget notice lost with a crashed instance. Returns the summaries it dropped.
    /// </summary>
    public List<TaskSummary> ForgetStopped(DateTimeOffset stoppedBefore)
    {
        var forgotten = new List<TaskSummary>();
        foreach (var (id, entry) in _instances)
        foreach (var task in entry.Tasks.Values.Where(t => !t.IsActive && t.StoppedAt < stoppedBefore).ToList())
        {
            Forget(entry, id, task.TaskId);
            forgotten.Add(task);
        }
        return forgotten;
    }

    /// <summary>The tasks of <paramref name="group"/> with ids after <paramref name="afterTaskId"/>, in id order, with their instance.</summary>
    public IEnumerable<(TaskSummary Task, string InstanceId)> TasksOfGroup(string group, string? afterTaskId = null)
    {
        if (!_tasksByGroup.TryGetValue(group, out var ids) || ids.Count == 0) yield break;
        if (afterTaskId is not null && string.CompareOrdinal(afterTaskId, ids.Max) >= 0) yield break;
        var view = afterTaskId is null ? ids : ids.GetViewBetween(afterTaskId, ids.Max!);
        foreach (var id in view)
        {
            if (id == afterTaskId || _taskLocations.GetValueOrDefault(id) is not { } instanceId) continue;
            if (_instances.GetValueOrDefault(instanceId)?.Tasks.GetValueOrDefault(id) is { } task) yield return (task, instanceId);
        }
    }

    private SortedSet<string> Group(string group) =>
        _tasksByGroup.TryGetValue(group, out var ids) ? ids : _tasksByGroup[group] = new SortedSet<string>(StringComparer.Ordinal);

    private void Ungroup(TaskSummary task)
    {
        if (!_tasksByGroup.TryGetValue(task.Group, out var ids)) return;
        ids.Remove(task.TaskId);
        if (ids.Count == 0) _tasksByGroup.Remove(task.Group);
    }

    private void Forget(Entry entry, string instanceId, string taskId)
    {
        if (!entry.Tasks.Remove(taskId, out var forgotten)) return;
        Ungroup(forgotten);
        entry.Candidate = null;
        if (_taskLocations.GetValueOrDefault(taskId) == instanceId) _taskLocations.Remove(taskId);
    }
}
