using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Services;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Services;

/// <summary>
/// A small deterministic world for the pure service scheduler: instances in zones, tasks that start, run, fail or turn
/// unhealthy as their revision says, a cluster that places launches, a virtual clock, and the service entity's journal
/// (a restart rebuilds the service from it, as the entity recovers). Every reconcile is checked against the bounds, counted
/// from what the tasks truly do (their fate), not from what the scheduler believes of them.
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
        /// <summary>For the fates that end: how long after it started it exits, or turns unhealthy.</summary>
        public TimeSpan Lifetime;
        public int Age;
        public bool Visible;
        public bool IsLive => LastStatus != TaskLifecycleStatus.STOPPED;
    }

    /// <summary>What a revision's tasks do. Every fate but Good fails before the minimum healthy time.</summary>
    public enum RevisionFate
    {
        /// <summary>Starts and runs (HEALTHY, with a health check).</summary>
        Good,
        /// <summary>Never starts: stops before RUNNING.</summary>
        FailsToStart,
        /// <summary>Runs, and its health check says UNHEALTHY from the first.</summary>
        Unhealthy,
        /// <summary>Runs HEALTHY, then turns UNHEALTHY a few seconds later.</summary>
        TurnsUnhealthy,
        /// <summary>Its container exits a second after it starts; the agent reports it stopped, never seen RUNNING.</summary>
        ExitsAtOnce,
        /// <summary>Seen RUNNING for one step, then stopped: its container had exited a second after it started.</summary>
        SeenRunningOnce,
        /// <summary>Runs a few seconds, seen RUNNING meanwhile, then exits.</summary>
        ExitsAfterSeconds,
    }

    public static readonly RevisionFate[] BadFates = [.. Enum.GetValues<RevisionFate>().Where(f => f != RevisionFate.Good)];

    /// <summary>Fates whose tasks can be told from a good one only by their health check.</summary>
    public static bool NeedsHealthCheck(RevisionFate fate) => fate is RevisionFate.Unhealthy or RevisionFate.TurnsUnhealthy;

    /// <summary>How long the cluster shows a STOPPED task, as its scheduler's retention does.</summary>
    public static readonly TimeSpan StoppedTaskRetention = TimeSpan.FromHours(1);

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
    /// <summary>The node's configuration, as every reconcile carries it.</summary>
    public ServiceSchedulerSettings Settings { get; }

    public ServiceSimulation(int seed, int instances, int capacityPerInstance, ServiceSchedulerSettings? settings = null)
    {
        _random = new Random(seed);
        _capacityPerInstance = capacityPerInstance;
        Settings = settings ?? ServiceSchedulerSettings.Default;
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

    /// <summary>Every UpdateService of the simulation: a whole revision, when given, changes every part of the primary's.</summary>
    public UpdateService Update(int? desiredCount = null, ServiceRevision? revision = null, bool forceNewDeployment = false) =>
        new(Context(), desiredCount, revision is null ? null : (RevisionChange)revision, forceNewDeployment, null, null, null, null, null, null);

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
                    if (task.Fate == RevisionFate.ExitsAtOnce)
                    {
                        // It started a second ago and has already exited: the agent reports both at once.
                        task.StartedAt = Now - TimeSpan.FromSeconds(1);
                        Exited(task, TimeSpan.FromSeconds(1));
                    }
                }
                continue;
            }
            if (task.LastStatus != TaskLifecycleStatus.RUNNING) continue;
            if (task.Fate == RevisionFate.SeenRunningOnce)
            {
                Exited(task, TimeSpan.FromSeconds(1));
                continue;
            }
            if (task.Fate == RevisionFate.ExitsAfterSeconds && Now - task.StartedAt >= task.Lifetime)
            {
                Exited(task, task.Lifetime);
                continue;
            }
            if (HealthChecked(task))
                task.Health = task.Fate == RevisionFate.Unhealthy
                              || task.Fate == RevisionFate.TurnsUnhealthy && Now - task.StartedAt >= task.Lifetime
                    ? "UNHEALTHY"
                    : "HEALTHY";
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

    /// <summary>Its essential container exited <paramref name="after"/> it started.</summary>
    private void Exited(SimTask task, TimeSpan after)
    {
        Stopped(task, TaskStopCode.EssentialContainerExited);
        task.StoppedAt = task.StartedAt + after;
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
        [.. Tasks.Where(t => t.Visible && !(t.StoppedAt + StoppedTaskRetention < Now)).Select(t => new ObservedTask(
            t.Id, t.DeploymentId, t.InstanceId, t.LastStatus, t.DesiredStatus, t.Health, t.StartedAt, t.StopCode, t.StoppedAt))],
        [.. Instances.Select(i => new ObservedInstance(i.Id, i.Eligible, !i.Eligible, i.Zone))]);

    /// <summary>One reconcile, checked against the bounds, then carried out: launches placed, stops delivered.</summary>
    public void Reconcile()
    {
        // As the entity does: launches without an answer are asked again (same token), and it does not reconcile before
        // they are answered - an observation would show their tasks while the launch still counts them as to come.
        foreach (var launch in State.Launches.Where(l => l.TaskIds is null).ToList()) Launch(launch.Token, launch.DeploymentId, launch.Count, launch.Targets);
        if (State.Launches.Any(l => l.TaskIds is null)) return;
        var observation = Observe();
        var serving = Tasks.Where(Serving).Select(t => t.Id).ToHashSet();
        var decision = Execute(new ReconcileService(Context(), observation, Settings));
        if (!decision.IsAccepted)
        {
            Violations.Add($"reconcile refused: {decision.Error}");
            return;
        }
        CheckMinimumHealthy(serving, observation, decision.Events);
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
        CheckMaximum(observation, decision.Events);
    }

    /// <summary>
    /// What the tasks truly do, whatever the scheduler sees: running and proven for the minimum healthy time - its
    /// container alive (not one of those that exit), HEALTHY where there is a health check. A task on a host whose agent
    /// is lost may well still serve: it counts until it is seen stopped.
    /// </summary>
    public bool Serving(SimTask task) =>
        task.IsLive && task.LastStatus == TaskLifecycleStatus.RUNNING && task.DesiredStatus == TaskLifecycleStatus.RUNNING
        && Now - task.StartedAt >= Settings.MinimumHealthyTime
        && task.Fate is not (RevisionFate.ExitsAtOnce or RevisionFate.SeenRunningOnce or RevisionFate.ExitsAfterSeconds)
        && (!HealthChecked(task) || task.Health == "HEALTHY");

    /// <summary>The tasks the service wants: the desired count, or for DAEMON each eligible instance.</summary>
    public int Desired(ServiceObservation observation) => !State.IsActive ? 0
        : State.SchedulingStrategy == SchedulingStrategy.DAEMON ? observation.Instances.Count(i => i.Eligible)
        : State.DesiredCount;

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
                    // A few seconds, always short of the minimum healthy time: those fates never prove healthy.
                    Lifetime = TimeSpan.FromSeconds(2 + _random.Next(Math.Max(1, (int)Settings.MinimumHealthyTime.TotalSeconds - 2))),
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

    /// <summary>
    /// Invariant: the scheduler never stops tasks that serve - proven healthy, whichever deployment they belong to - down
    /// below minimumHealthyPercent of the desired count. So while a new deployment has proven nothing, the previous one
    /// keeps that many. Tasks lost with their host, or (DAEMON) leaving an ineligible instance, are not the scheduler's doing.
    /// </summary>
    private void CheckMinimumHealthy(HashSet<string> serving, ServiceObservation observation, IReadOnlyList<IServiceEvent> events)
    {
        var stopped = events.OfType<ServiceTasksStopRequested>().SelectMany(s => s.Tasks).Select(s => s.TaskId).ToHashSet();
        if (!serving.Overlaps(stopped)) return;
        var leaving = observation.Instances.Where(i => !i.Eligible).Select(i => i.InstanceId).ToHashSet();
        var counted = State.SchedulingStrategy == SchedulingStrategy.DAEMON
            ? serving.Where(id => !leaving.Contains(Tasks.First(t => t.Id == id).InstanceId)).ToHashSet()
            : serving;
        var left = counted.Count(id => !stopped.Contains(id));
        var minimum = State.Settings.MinimumHealthy(Desired(observation));
        if (left < counted.Count && left < minimum)
            Violations.Add($"{Now:O}: stopped serving tasks down to {left}, below minimumHealthyPercent {State.Settings.MinimumHealthyPercent} of {Desired(observation)} ({minimum})");
    }

    /// <summary>
    /// Invariant: a launch never brings the tasks alive (pending or running, wherever they are, seen or not) above
    /// maximumPercent of the desired count; and a DAEMON service never has two on one instance.
    /// </summary>
    private void CheckMaximum(ServiceObservation observation, IReadOnlyList<IServiceEvent> events)
    {
        var desired = Desired(observation);
        if (events.OfType<ServiceTasksLaunchRequested>().Any())
        {
            var live = Tasks.Count(t => t.IsLive);
            if (live > State.Settings.MaximumTasks(desired))
                Violations.Add($"{Now:O}: {live} tasks live after a launch, above maximumPercent {State.Settings.MaximumPercent} of {desired}");
        }
        if (State.SchedulingStrategy == SchedulingStrategy.DAEMON)
            foreach (var crowded in Tasks.Where(t => t.IsLive).GroupBy(t => t.InstanceId).Where(g => g.Count() > 1))
                Violations.Add($"{Now:O}: {crowded.Count()} DAEMON tasks on instance {crowded.Key}");
    }

    /// <summary>Live tasks wanted RUNNING, by revision.</summary>
    public Dictionary<int, int> RunningByRevision() => Tasks
        .Where(t => t.IsLive && t.DesiredStatus == TaskLifecycleStatus.RUNNING && t.LastStatus == TaskLifecycleStatus.RUNNING)
        .GroupBy(t => State.Deployment(t.DeploymentId)!.Revision.Revision)
        .ToDictionary(g => g.Key, g => g.Count());
}
