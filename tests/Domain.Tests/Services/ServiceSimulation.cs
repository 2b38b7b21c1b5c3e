using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Services;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Services;

/// <summary>
/// A small deterministic world for the pure service scheduler: instances in zones, tasks that start, run, fail or turn
/// unhealthy as their revision says, a cluster that places launches, a virtual clock, and the service entity's journal
/// (a restart rebuilds the service from it, as the entity recovers). Every reconcile is checked against the bounds.
/// </summary>
public sealed class ServiceSimulation
{
    public sealed class Instance(string id, string zone)
    {
        public string Id { get; } = id;
        public string Zone { get; } = zone;
        public bool Draining;
        public bool Lost;
        public int LostSteps;
        public bool Eligible => !Draining && !Lost;
    }

    public sealed class SimTask
    {
        public required string Id;
        public required string DeploymentId;
        public required string InstanceId;
        public required RevisionFate Fate;
        public TaskLifecycleStatus LastStatus = TaskLifecycleStatus.PENDING;
        public TaskLifecycleStatus DesiredStatus = TaskLifecycleStatus.RUNNING;
        public string Health = "UNKNOWN";
        public DateTimeOffset? StartedAt;
        public DateTimeOffset? StoppedAt;
        public TaskStopCode? StopCode;
        public int Age;
        public bool Visible;
        public bool IsLive => LastStatus != TaskLifecycleStatus.STOPPED;
    }

    /// <summary>
    /// What a revision's tasks do: start and run, fail to start, run and fail their health checks, or exit at once after
    /// starting (seen RUNNING for a step, or never).
    /// </summary>
    public enum RevisionFate { Good, FailsToStart, Unhealthy, ExitsAtOnce }

    private readonly Random _random;
    private readonly int _capacityPerInstance;
    private readonly Dictionary<int, RevisionFate> _fates = new();
    private readonly Dictionary<int, bool> _healthChecked = new();
    private readonly Dictionary<string, (ImmutableList<string> Ids, ImmutableList<string> Failures)> _launchOutcomes = new();
    private int _nextTaskNumber;
    private int _nextInstanceNumber;
    private int _requestNumber;

    public List<Instance> Instances { get; } = [];
    public List<SimTask> Tasks { get; } = [];
    public List<IServiceEvent> Journal { get; } = [];
    public ServiceState State { get; private set; }
    public DateTimeOffset Now { get; private set; } = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    public int Revision { get; private set; }
    public List<string> Violations { get; } = [];

    public ServiceSimulation(int seed, int instances, int capacityPerInstance)
    {
        _random = new Random(seed);
        _capacityPerInstance = capacityPerInstance;
        for (var i = 0; i < instances; i++) AddInstance();
        State = Service.Empty("sim/web");
    }

    public Random Random => _random;

    public void AddInstance() => Instances.Add(new Instance($"i{_nextInstanceNumber++:D3}", $"zone-{(char)('a' + Instances.Count % 3)}"));

    public RequestContext Context() => new(Now, $"req-{++_requestNumber}", "sim");

    public ServiceRevision NewRevision(RevisionFate fate, bool healthCheck)
    {
        Revision++;
        _fates[Revision] = fate;
        _healthChecked[Revision] = healthCheck;
        return new ServiceRevision("web", Revision, healthCheck, [], []);
    }

    public RevisionFate FateOf(ServiceRevision revision) => _fates[revision.Revision];

    public Decision<IServiceEvent> Execute(IServiceCommand command)
    {
        var decision = Service.Decide(State, command);
        if (decision.IsAccepted) Record(decision.Events);
        return decision;
    }

    private void Record(IEnumerable<IServiceEvent> events)
    {
        foreach (var @event in events)
        {
            Journal.Add(@event);
            State = Service.Apply(State, @event);
        }
    }

    /// <summary>The service entity restarts: its state is whatever its journal replays to.</summary>
    public void Restart()
    {
        var replayed = Journal.Aggregate(Service.Empty("sim/web"), Service.Apply);
        if (replayed != State && !Equivalent(replayed, State)) Violations.Add("replaying the journal gave another state");
        State = replayed;
        // A restarted entity asks the scheduler again for launches it has no answer to, with the same token.
        foreach (var launch in State.Launches.Where(l => l.TaskIds is null).ToList()) Launch(launch.Token, launch.DeploymentId, launch.Count, launch.Targets);
    }

    private static bool Equivalent(ServiceState a, ServiceState b) =>
        a.Deployments.Count == b.Deployments.Count && a.Launches.SequenceEqual(b.Launches) && a.Stopping.Count == b.Stopping.Count
        && a.DesiredCount == b.DesiredCount && a.Messages.SequenceEqual(b.Messages);

    public void Advance(TimeSpan by) => Now += by;

    /// <summary>Tasks move on by one step: stops take effect, pending tasks start or fail, health checks report.</summary>
    public void Progress()
    {
        foreach (var task in Tasks.Where(t => t.IsLive))
        {
            task.Age++;
            task.Visible = true;
            var instance = Instances.First(i => i.Id == task.InstanceId);
            if (instance.Lost && instance.LostSteps > 3)
            {
                Stopped(task, TaskStopCode.ServiceSchedulerInitiated);
                continue;
            }
            if (task.DesiredStatus == TaskLifecycleStatus.STOPPED)
            {
                if (_random.Next(3) > 0) Stopped(task, task.StopCode);
                continue;
            }
            if (task.LastStatus == TaskLifecycleStatus.PENDING && task.Age >= 1 + _random.Next(3))
            {
                if (task.Fate == RevisionFate.FailsToStart) Stopped(task, TaskStopCode.TaskFailedToStart);
                else
                {
                    task.LastStatus = TaskLifecycleStatus.RUNNING;
                    task.StartedAt = Now;
                    // Half of those that exit at once are seen RUNNING for a step; the others only once stopped.
                    if (task.Fate == RevisionFate.ExitsAtOnce && _random.Next(2) == 0) ExitedAtOnce(task);
                }
                continue;
            }
            if (task.LastStatus == TaskLifecycleStatus.RUNNING && task.Fate == RevisionFate.ExitsAtOnce)
            {
                ExitedAtOnce(task);
                continue;
            }
            if (task.LastStatus == TaskLifecycleStatus.RUNNING && task.Health == "UNKNOWN" && HealthChecked(task))
                task.Health = task.Fate == RevisionFate.Unhealthy ? "UNHEALTHY" : "HEALTHY";
        }
        foreach (var instance in Instances.Where(i => i.Lost)) instance.LostSteps++;
    }

    private void Stopped(SimTask task, TaskStopCode? code)
    {
        task.LastStatus = TaskLifecycleStatus.STOPPED;
        task.DesiredStatus = TaskLifecycleStatus.STOPPED;
        task.StopCode = code;
        task.StoppedAt = Now;
    }

    /// <summary>Its container exited a second after it started; the agent reported both.</summary>
    private void ExitedAtOnce(SimTask task)
    {
        Stopped(task, TaskStopCode.EssentialContainerExited);
        task.StoppedAt = task.StartedAt + TimeSpan.FromSeconds(1);
    }

    private bool HealthChecked(SimTask task) =>
        State.Deployment(task.DeploymentId) is { } deployment && _healthChecked.GetValueOrDefault(deployment.Revision.Revision);

    /// <summary>A container dies from outside (removed by hand): its task stops after it ran.</summary>
    public void KillRandomRunningTask()
    {
        var running = Tasks.Where(t => t.IsLive && t.LastStatus == TaskLifecycleStatus.RUNNING).ToList();
        if (running.Count == 0) return;
        Stopped(running[_random.Next(running.Count)], TaskStopCode.EssentialContainerExited);
    }

    public ServiceObservation Observe() => new(
        [.. Tasks.Where(t => t.Visible).Select(t => new ObservedTask(
            t.Id, t.DeploymentId, t.InstanceId, t.LastStatus, t.DesiredStatus, t.Health, t.StartedAt, t.StopCode, t.StoppedAt))],
        [.. Instances.Select(i => new ObservedInstance(i.Id, i.Eligible, !i.Eligible, i.Zone))]);

    /// <summary>One reconcile, checked against the bounds, then carried out: launches placed, stops delivered.</summary>
    public void Reconcile()
    {
        var observation = Observe();
        var before = State;
        var decision = Execute(new ReconcileService(Context(), observation));
        if (!decision.IsAccepted)
        {
            Violations.Add($"reconcile refused: {decision.Error}");
            return;
        }
        Check(before, State, observation, decision.Events);
        foreach (var @event in decision.Events)
        {
            switch (@event)
            {
                case ServiceTasksLaunchRequested launch:
                    Launch(launch.Token, launch.DeploymentId, launch.Count, launch.Targets);
                    break;
                case ServiceTasksStopRequested stop:
                    foreach (var taskStop in stop.Tasks)
                        if (Tasks.Find(t => t.Id == taskStop.TaskId) is { IsLive: true } task)
                        {
                            task.DesiredStatus = TaskLifecycleStatus.STOPPED;
                            task.StopCode ??= TaskStopCode.ServiceSchedulerInitiated;
                        }
                    break;
            }
        }
    }

    /// <summary>The cluster's scheduler: places on eligible instances with room (spread by count), idempotent by token.</summary>
    private void Launch(string token, string deploymentId, int count, ImmutableList<string> targets)
    {
        if (!_launchOutcomes.TryGetValue(token, out var outcome))
        {
            var ids = ImmutableList.CreateBuilder<string>();
            var failures = ImmutableList.CreateBuilder<string>();
            var revision = State.Deployment(deploymentId)!.Revision.Revision;
            for (var i = 0; i < count; i++)
            {
                var candidates = Instances
                    .Where(inst => inst.Eligible && (targets.IsEmpty || targets.Contains(inst.Id)))
                    .Where(inst => Tasks.Count(t => t.IsLive && t.InstanceId == inst.Id) < _capacityPerInstance)
                    .OrderBy(inst => Tasks.Count(t => t.IsLive && t.InstanceId == inst.Id)).ThenBy(inst => inst.Id)
                    .ToList();
                if (candidates.Count == 0)
                {
                    failures.Add("was unable to place a task because no container instance met all of its requirements.");
                    continue;
                }
                var task = new SimTask
                {
                    Id = $"t{_nextTaskNumber++:D5}", DeploymentId = deploymentId, InstanceId = candidates[0].Id, Fate = _fates[revision],
                    // Sometimes the cluster's view lags the launch's answer by a step.
                    Visible = _random.Next(2) == 0,
                };
                Tasks.Add(task);
                ids.Add(task.Id);
            }
            _launchOutcomes[token] = outcome = (ids.ToImmutable(), failures.ToImmutable());
        }
        // Sometimes the answer is lost with a crash: the entity asks again after its restart.
        if (_random.Next(10) == 0) return;
        Execute(new RecordServiceLaunch(Context(), token, outcome.Ids, outcome.Failures));
    }

    private void Check(ServiceState before, ServiceState after, ServiceObservation observation, IReadOnlyList<IServiceEvent> events)
    {
        var desired = after.SchedulingStrategy == SchedulingStrategy.DAEMON
            ? (after.IsActive ? observation.Instances.Count(i => i.Eligible) : 0)
            : (after.IsActive ? after.DesiredCount : 0);
        var ours = observation.Tasks.Where(t => t.DeploymentId is { } id && after.Deployment(id) is not null).ToList();
        var observed = ours.Select(t => t.TaskId).ToHashSet();
        int InFlight(ServiceState s) => s.Launches.Sum(l => l.TaskIds is null ? l.Count : l.TaskIds.Count(id => !observed.Contains(id)));

        if (events.OfType<ServiceTasksLaunchRequested>().Any())
        {
            var total = ours.Count(t => t.IsLive) + InFlight(after);
            if (total > after.Settings.MaximumTasks(desired))
                Violations.Add($"{Now:O}: {total} tasks live or launching, above maximumPercent {after.Settings.MaximumPercent} of {desired}");
        }

        var stopped = events.OfType<ServiceTasksStopRequested>().SelectMany(s => s.Tasks).ToList();
        if (stopped.Count > 0)
        {
            var leaving = observation.Instances.Where(i => !i.Eligible).Select(i => i.InstanceId).ToHashSet();
            bool Healthy(ObservedTask t, ServiceState s) =>
                t.IsLive && t.DesiredStatus == TaskLifecycleStatus.RUNNING && !s.Stopping.ContainsKey(t.TaskId)
                && ServiceScheduler.CountsHealthy(t, s.Deployment(t.DeploymentId!)!.Revision.HasHealthCheck, Now);
            // DAEMON tasks leave an ineligible instance at once; every other healthy task stops only within the bound.
            var exempt = after.SchedulingStrategy == SchedulingStrategy.DAEMON
                ? ours.Where(t => leaving.Contains(t.InstanceId)).Select(t => t.TaskId).ToHashSet()
                : [];
            var healthyBefore = ours.Count(t => Healthy(t, before) && !exempt.Contains(t.TaskId));
            var healthyAfter = ours.Count(t => Healthy(t, after) && !exempt.Contains(t.TaskId));
            var minimum = after.Settings.MinimumHealthy(desired);
            if (healthyAfter < healthyBefore && healthyAfter < minimum)
                Violations.Add($"{Now:O}: stopped healthy tasks down to {healthyAfter}, below minimumHealthyPercent {after.Settings.MinimumHealthyPercent} of {desired} ({minimum})");
        }

        if (after.SchedulingStrategy == SchedulingStrategy.DAEMON)
            foreach (var crowded in Tasks.Where(t => t.IsLive).GroupBy(t => t.InstanceId).Where(g => g.Count() > 1))
                Violations.Add($"{Now:O}: {crowded.Count()} DAEMON tasks on instance {crowded.Key}");
    }

    /// <summary>Live tasks wanted RUNNING, by revision.</summary>
    public Dictionary<int, int> RunningByRevision() => Tasks
        .Where(t => t.IsLive && t.DesiredStatus == TaskLifecycleStatus.RUNNING && t.LastStatus == TaskLifecycleStatus.RUNNING)
        .GroupBy(t => State.Deployment(t.DeploymentId)!.Revision.Revision)
        .ToDictionary(g => g.Key, g => g.Count());
}
