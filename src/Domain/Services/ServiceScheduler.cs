using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.Tasks;

namespace Actors.Domain.Services;

/// <summary>
/// The service scheduler as a pure function: given what a service wants and what its cluster runs, decide what to
/// launch, what to stop, and how its deployments stand. Level-triggered: it looks only at the state and a fresh
/// observation, so running it again after a crash, a lost message or a failover converges to the same place.
/// </summary>
/// <remarks>
/// The bounds of a rolling deployment hold for every decision: it launches only while live tasks plus launches in
/// flight stay within maximumPercent of the desired count, and stops a healthy task only while the healthy ones left
/// stay at or above minimumHealthyPercent. Tasks it asked to stop and tasks it launched but has not seen yet are
/// counted as if they were already so.
/// </remarks>
/// <summary>What the node's configuration tells the service scheduler (<c>Actors:Services</c>).</summary>
/// <param name="MinimumHealthyTime">
/// How long a task must have run before it counts as healthy (Nomad's min_healthy_time, 10 s by default): a container
/// that exits at once can be seen RUNNING for an instant, and counted healthy then, a deployment would stop the old tasks
/// for it and complete on tasks that are already gone. One that stops sooner than this failed to start.
/// </param>
/// <param name="DeploymentHistoryRetention">
/// How long a finished deployment stays in the live state (ECS keeps 90 days of deployment history); the journal keeps all.
/// </param>
public sealed record ServiceSchedulerSettings(TimeSpan MinimumHealthyTime, TimeSpan DeploymentHistoryRetention)
{
    public static ServiceSchedulerSettings Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromDays(90));
}

public static class ServiceScheduler
{
    /// <summary>How long a launch or a stop is counted apart while the cluster does not show it yet.</summary>
    public static readonly TimeSpan BookkeepingPatience = TimeSpan.FromMinutes(2);
    /// <summary>
    /// A stop asked this long ago whose task still shows live and wanted RUNNING is asked again. The message can be lost on
    /// its way (a shard handed over, a node killed), and meanwhile the task counts as stopping: the service ran above
    /// maximumPercent until <see cref="BookkeepingPatience"/> ran out (two minutes, in the chaos test). Stopping is
    /// idempotent, so asking again early costs nothing.
    /// </summary>
    public static readonly TimeSpan StopResendAfter = TimeSpan.FromSeconds(15);
    /// <summary>After a launch that could not place every task, the next try waits this long.</summary>
    public static readonly TimeSpan PlacementRetryDelay = TimeSpan.FromSeconds(10);
    /// <summary>Consecutive start failures before the restart throttle slows launches down.</summary>
    public const int ThrottleAfterFailures = 3;
    /// <summary>
    /// Tasks asked of the cluster's scheduler at once, as RunTask's limit: more are several launches side by side, so
    /// that each answer, and each event naming the tasks started or stopped, stays small.
    /// </summary>
    public const int MaxTasksPerLaunch = 10;
    public static readonly TimeSpan ThrottleFirstDelay = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ThrottleMaxDelay = TimeSpan.FromMinutes(27);

    public static Decision<IServiceEvent> Decide(ServiceState state, ReconcileService reconcile) =>
        state.Status is ServiceStatus.ACTIVE or ServiceStatus.DRAINING
            ? Decision<IServiceEvent>.Accept(new Reconciliation(state, reconcile).Run())
            : Decision<IServiceEvent>.Unchanged;

    /// <summary>
    /// RUNNING for <paramref name="minimumHealthyTime"/> at least, and HEALTHY where its revision has a health check: what
    /// the bounds of a deployment count, what completes it and what resets the restart throttle.
    /// </summary>
    public static bool CountsHealthy(ObservedTask task, bool hasHealthCheck, DateTimeOffset now, TimeSpan minimumHealthyTime) =>
        task.LastStatus == TaskLifecycleStatus.RUNNING
        && (task.StartedAt is not { } started || started + minimumHealthyTime <= now)
        && (!hasHealthCheck || task.HealthStatus == "HEALTHY");

    /// <summary>Stopped without being asked to, before it ran for <paramref name="minimumHealthyTime"/>: it failed to start.</summary>
    private static bool FailedToStart(ObservedTask task, TimeSpan minimumHealthyTime) =>
        !task.IsLive && task.StopCode is not (TaskStopCode.UserInitiated or TaskStopCode.ServiceSchedulerInitiated)
        && (task.StartedAt is not { } started || task.StoppedAt is { } stopped && stopped - started < minimumHealthyTime);

    /// <summary>The delay before the next launch after <paramref name="failures"/> consecutive start failures.</summary>
    public static TimeSpan ThrottleDelay(int failures) => failures < ThrottleAfterFailures
        ? TimeSpan.Zero
        : TimeSpan.FromTicks(Math.Min(ThrottleMaxDelay.Ticks, ThrottleFirstDelay.Ticks << Math.Min(failures - ThrottleAfterFailures, 20)));

    /// <summary>One reconcile: the events it decides, applied as it goes so that later steps see the earlier ones.</summary>
    private sealed class Reconciliation(ServiceState state, ReconcileService reconcile)
    {
        private ServiceState _state = state;
        private readonly RequestContext _context = reconcile.Context;
        private readonly DateTimeOffset _now = reconcile.Context.At;
        private readonly ServiceSchedulerSettings _settings = reconcile.Settings;
        private readonly List<IServiceEvent> _events = [];
        private readonly List<string> _messages = [];
        private readonly Dictionary<string, ObservedInstance> _instances =
            reconcile.Observation.Instances.GroupBy(i => i.InstanceId).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        private readonly ImmutableList<ObservedTask> _observed = reconcile.Observation.Tasks;
        private readonly Dictionary<string, ObservedTask> _observedById =
            reconcile.Observation.Tasks.GroupBy(t => t.TaskId).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        private readonly List<TaskStop> _stops = [];
        private readonly HashSet<string> _stopping = new(StringComparer.Ordinal);

        private string Name => _state.Name;

        private void Add(IServiceEvent @event)
        {
            _events.Add(@event);
            _state = Service.Apply(_state, @event);
        }

        public List<IServiceEvent> Run()
        {
            ClearBookkeeping();
            ResendStops();
            CountFailures();
            TripBreaker();
            if (_state.SchedulingStrategy == SchedulingStrategy.DAEMON) PlanDaemon();
            else PlanReplica();
            if (_stops.Count > 0) Stop();
            Settle();
            ForgetHistory();
            if (Service.Messages(_state, _context, _messages) is { } said) Add(said);
            return _events;
        }

        /// <summary>The service's own tasks: those a deployment of this service started (a task merely in its group is not).</summary>
        private IEnumerable<ObservedTask> Tasks => _observed.Where(t => t.DeploymentId is { } id && _state.Deployment(id) is not null);

        private IEnumerable<ObservedTask> Live => Tasks.Where(t => t.IsLive);

        /// <summary>Live, wanted RUNNING and not being stopped by this service.</summary>
        private IEnumerable<ObservedTask> Wanted => Live.Where(t =>
            t.DesiredStatus == TaskLifecycleStatus.RUNNING && !_state.Stopping.ContainsKey(t.TaskId) && !_stopping.Contains(t.TaskId));

        private bool IsHealthy(ObservedTask task) =>
            CountsHealthy(task, _state.Deployment(task.DeploymentId!)?.Revision.HasHealthCheck == true, _now, _settings.MinimumHealthyTime);

        private bool IsLeaving(ObservedTask task) => _instances.GetValueOrDefault(task.InstanceId)?.Leaving == true;

        private bool Observed(string taskId) => _observedById.ContainsKey(taskId);

        /// <summary>Tasks launched (or being launched) that the observation does not show yet, by deployment.</summary>
        private int InFlight(string? deploymentId = null) => _state.Launches
            .Where(l => deploymentId is null || l.DeploymentId == deploymentId)
            .Sum(l => l.TaskIds is null ? l.Count : l.TaskIds.Count(id => !Observed(id)));

        private int DesiredCount => !_state.IsActive ? 0
            : _state.SchedulingStrategy == SchedulingStrategy.DAEMON ? _instances.Values.Count(i => i.Eligible)
            : _state.DesiredCount;

        private void ClearBookkeeping()
        {
            var since = _now - BookkeepingPatience;
            var launches = _state.Launches
                .Where(l => l.TaskIds is not null && (l.TaskIds.All(Observed) || l.RequestedAt < since))
                .Select(l => l.Token).ToImmutableList();
            var stops = _state.Stopping
                .Where(s => s.Value < since || !_observedById.TryGetValue(s.Key, out var task)
                    || !task.IsLive || task.DesiredStatus == TaskLifecycleStatus.STOPPED)
                .Select(s => s.Key).Order(StringComparer.Ordinal).ToImmutableList();
            if (launches.IsEmpty && stops.IsEmpty) return;
            Add(new ServiceBookkeepingCleared(_context.Because(
                $"service {Name}: {launches.Count} launch(es) and {stops.Count} stop(s) now show in the cluster"), launches, stops));
        }

        /// <summary>Stops asked <see cref="StopResendAfter"/> ago or more whose tasks still show wanted RUNNING: asked again.</summary>
        private void ResendStops()
        {
            var since = _now - StopResendAfter;
            foreach (var (taskId, askedAt) in _state.Stopping.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (askedAt > since || !_observedById.TryGetValue(taskId, out var task)
                    || !task.IsLive || task.DesiredStatus != TaskLifecycleStatus.RUNNING) continue;
                StopTask(new TaskStop(taskId, StopReason(task, _state.Primary)));
            }
        }

        /// <summary>Tasks that failed to start, or run but fail their health checks past the grace period, count against their deployment.</summary>
        private void CountFailures()
        {
            var grace = TimeSpan.FromSeconds(_state.HealthCheckGracePeriodSeconds ?? 0);
            foreach (var deployment in _state.Deployments.Where(d => d.Status != DeploymentStatus.INACTIVE).ToList())
            {
                var failedToStart = new List<string>();
                var unhealthy = new List<string>();
                foreach (var task in Tasks.Where(t => t.DeploymentId == deployment.Id && !deployment.CountedFailures.Contains(t.TaskId)))
                {
                    if (FailedToStart(task, _settings.MinimumHealthyTime))
                        failedToStart.Add(task.TaskId);
                    else if (task.IsLive && task.DesiredStatus == TaskLifecycleStatus.RUNNING && task.LastStatus == TaskLifecycleStatus.RUNNING
                             && deployment.Revision.HasHealthCheck && task.HealthStatus == "UNHEALTHY" && task.StartedAt + grace <= _now)
                        unhealthy.Add(task.TaskId);
                }
                if (failedToStart.Count + unhealthy.Count == 0) continue;
                var startFailures = _state.ConsecutiveStartFailures + failedToStart.Count;
                var throttled = failedToStart.Count > 0 && startFailures >= ThrottleAfterFailures;
                var notBefore = failedToStart.Count == 0 ? _state.NextLaunchNotBefore : throttled ? _now + ThrottleDelay(startFailures) : null;
                Add(new ServiceTaskFailuresCounted(_context.Because(
                        $"service {Name}: deployment {deployment.Id} had {failedToStart.Count} task(s) stop before they ran {_settings.MinimumHealthyTime.TotalSeconds:0} s and {unhealthy.Count} fail health checks"
                        + (throttled ? $"; {startFailures} start failures in a row, next launch not before {notBefore:O}" : "")),
                    deployment.Id, [.. failedToStart.Concat(unhealthy)], startFailures, notBefore));
                if (throttled) _messages.Add($"(service {Name}) is unable to consistently start tasks successfully.");
                foreach (var id in unhealthy) StopTask(new TaskStop(id, "Task failed container health checks"));
            }
        }

        private void TripBreaker()
        {
            if (_state.Primary is not { RolloutState: RolloutState.IN_PROGRESS, BreakerThreshold: { } threshold } primary
                || !primary.Settings.CircuitBreakerEnabled || primary.FailedTasks < threshold)
                return;
            var why = $"circuit breaker tripped after {primary.FailedTasks} failed task(s), threshold {threshold}: tasks failed to start or failed health checks";
            _messages.Add($"(service {Name}) (deployment {primary.Id}) deployment failed: tasks failed to start. The deployment circuit breaker counted {primary.FailedTasks} failed tasks, its threshold is {threshold}.");
            // A rollback that fails in turn stays failed: rolling back again would only run the same revision once more.
            var rollBack = primary.Settings.Rollback && primary.RollbackOf is null
                ? Service.RollBack(_state, _context, primary with { RolloutStateReason = why }, why, ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS)
                : [];
            if (rollBack.Count > 0)
            {
                foreach (var @event in rollBack) Add(@event);
                _messages.Add($"(service {Name}) (deployment {primary.Id}) is rolling back to deployment {_state.Primary!.Id} ({_state.Primary.Revision.Family}:{_state.Primary.Revision.Revision}).");
                return;
            }
            Add(new ServiceDeploymentChanged(_context.Because($"deployment {primary.Id} of service {Name} failed: {why}"),
                primary.Id, DeploymentStatus.PRIMARY, RolloutState.FAILED, why,
                primary.RollbackOf is null ? ServiceDeploymentStatus.STOPPED : ServiceDeploymentStatus.ROLLBACK_FAILED, why, Finished: true));
            if (primary.RollbackOf is { } original && _state.Deployment(original) is { } failed)
                Add(new ServiceDeploymentChanged(_context.Because($"rollback of deployment {original} of service {Name} failed"),
                    failed.Id, failed.Status, failed.RolloutState, failed.RolloutStateReason, ServiceDeploymentStatus.ROLLBACK_FAILED,
                    $"its rollback {primary.Id} failed: {why}", Finished: true));
        }

        /// <summary>
        /// The deployment that launches: a primary that has not failed, else the fallback; none while the restart throttle
        /// or a placement failure holds launches back.
        /// </summary>
        private Deployment? Launchable(out string? heldBack)
        {
            heldBack = null;
            if (!_state.IsActive || _state.Primary is not { } primary) return null;
            var launching = primary.RolloutState == RolloutState.FAILED ? Fallback : primary;
            if (launching is null) return null;
            if (_state.NextLaunchNotBefore > _now) heldBack = $"restart throttle until {_state.NextLaunchNotBefore:O}";
            else if (_state.PlacementFailedAt + PlacementRetryDelay > _now) heldBack = "a placement failed moments ago";
            return heldBack is null ? launching : null;
        }

        /// <summary>
        /// After a deployment failed without rolling back, the last deployment that completed keeps the service at its
        /// desired count: the old tasks were let go only as far as minimumHealthyPercent allowed (all of them at 0 %), and
        /// without it the service would end with fewer, or none.
        /// </summary>
        private Deployment? Fallback => _state.Primary is { RolloutState: RolloutState.FAILED } && _state.RollbackTarget is { Status: DeploymentStatus.ACTIVE } target
            ? target
            : null;

        private void PlanReplica()
        {
            var desired = DesiredCount;
            var settings = _state.Settings;
            var primary = _state.Primary;
            // With a failed primary (no rollback) the old tasks keep serving: nothing replaces them.
            var replacing = primary is not null && primary.RolloutState != RolloutState.FAILED;

            foreach (var task in Wanted.Where(t => IsLeaving(t) && t.LastStatus != TaskLifecycleStatus.RUNNING).ToList())
                StopTask(new TaskStop(task.TaskId, $"Container instance {task.InstanceId} is draining"));

            // The tasks that serve the service: the primary's, or every deployment's while a failed primary replaces
            // nothing - those then scale in, drain and stop with the service as the primary's would.
            bool Serving(ObservedTask task) => !replacing || task.DeploymentId == primary?.Id;
            var kept = Wanted.Where(t => Serving(t) && !IsLeaving(t)).ToList();
            var servingInFlight = replacing ? InFlight(primary!.Id) : InFlight();
            var excess = Math.Max(0, kept.Count + servingInFlight - desired);
            var extra = BalancedScaleIn(kept, excess);

            // What may go, in the order it goes: older deployments, then tasks on leaving instances, then the excess.
            var outgoing = Wanted
                .Where(t => !Serving(t))
                .OrderBy(t => _state.Deployments.FindIndex(d => d.Id == t.DeploymentId))
                .Concat(Wanted.Where(t => Serving(t) && IsLeaving(t)))
                .Concat(extra)
                .ToList();
            var allowance = Wanted.Count(IsHealthy) - settings.MinimumHealthy(desired);
            foreach (var task in outgoing)
            {
                var healthy = IsHealthy(task);
                if (healthy && allowance <= 0) continue;
                if (healthy) allowance--;
                StopTask(new TaskStop(task.TaskId, StopReason(task, primary)));
            }

            var live = Live.Count() + InFlight();
            var need = desired - (kept.Count(t => !_stopping.Contains(t.TaskId)) + servingInFlight);
            var room = settings.MaximumTasks(desired) - live;
            var launch = Launchable(out var heldBack);
            if (need > 0 && room > 0 && launch is not null)
            {
                var count = Math.Min(need, room);
                RequestLaunch(launch, count, [], $"it wants {desired}, has {desired - need} and may run {settings.MaximumTasks(desired)} at once ({live} now)");
            }
            else if ((need > 0 || outgoing.Any(t => !_stopping.Contains(t.TaskId))) && heldBack is null && launch is not null
                     && room <= 0 && allowance <= 0 && _stops.Count == 0 && InFlight() == 0 && _state.Stopping.IsEmpty)
                _messages.Add($"(service {Name}) can neither deploy nor drain: minimumHealthyPercent {settings.MinimumHealthyPercent} forbids stopping a healthy task before a new one runs, and maximumPercent {settings.MaximumPercent} forbids starting one before an old one stops.");
        }

        /// <summary>
        /// The <paramref name="count"/> tasks to stop when scaling in: a failed primary's first (its revision is the broken
        /// one: stopping the old tasks instead would leave nothing that works), then not-yet-healthy ones, then from the
        /// fullest zone and instance.
        /// </summary>
        private List<ObservedTask> BalancedScaleIn(List<ObservedTask> tasks, int count)
        {
            var failedPrimary = _state.Primary is { RolloutState: RolloutState.FAILED } primary ? primary.Id : null;
            var chosen = new List<ObservedTask>();
            var remaining = tasks.ToList();
            for (var i = 0; i < count && remaining.Count > 0; i++)
            {
                var byZone = remaining.GroupBy(Zone).ToDictionary(g => g.Key, g => g.Count());
                var byInstance = remaining.GroupBy(t => t.InstanceId).ToDictionary(g => g.Key, g => g.Count());
                var next = remaining
                    .OrderByDescending(t => t.DeploymentId == failedPrimary)
                    .ThenBy(IsHealthy)
                    .ThenByDescending(t => byZone[Zone(t)])
                    .ThenByDescending(t => byInstance[t.InstanceId])
                    .ThenByDescending(t => t.TaskId, StringComparer.Ordinal)
                    .First();
                chosen.Add(next);
                remaining.Remove(next);
            }
            return chosen;
        }

        private void StopTask(TaskStop stop)
        {
            if (_stopping.Add(stop.TaskId)) _stops.Add(stop);
        }

        private string Zone(ObservedTask task) => _instances.GetValueOrDefault(task.InstanceId)?.AvailabilityZone ?? "";

        private void PlanDaemon()
        {
            var desired = DesiredCount;
            var settings = _state.Settings;
            var primary = _state.Primary;
            // A deleted service wants its task on no instance.
            var eligible = _state.IsActive
                ? _instances.Values.Where(i => i.Eligible).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal)
                : [];

            foreach (var task in Wanted.Where(t => !eligible.Contains(t.InstanceId)).ToList())
                StopTask(new TaskStop(task.TaskId, !_state.IsActive ? StopReason(task, primary)
                    : IsLeaving(task) ? $"Container instance {task.InstanceId} is draining"
                    : $"Container instance {task.InstanceId} no longer meets the service's placement constraints"));
            // Never two on one instance: should two ever be there, the one of the newest deployment stays.
            foreach (var group in Wanted.GroupBy(t => t.InstanceId).Where(g => g.Count() > 1))
            foreach (var task in group.OrderByDescending(t => _state.Deployments.FindIndex(d => d.Id == t.DeploymentId)).ThenBy(t => t.TaskId).Skip(1))
                StopTask(new TaskStop(task.TaskId, "Scaling activity initiated by (deployment " + primary?.Id + "): one task per instance"));

            var replacing = primary is not null && primary.RolloutState != RolloutState.FAILED;
            var allowance = Wanted.Count(IsHealthy) - settings.MinimumHealthy(desired);
            foreach (var task in Wanted.Where(t => replacing && t.DeploymentId != primary!.Id).ToList())
            {
                var healthy = IsHealthy(task);
                if (healthy && allowance <= 0) continue;
                if (healthy) allowance--;
                StopTask(new TaskStop(task.TaskId, StopReason(task, primary)));
            }

            var launch = Launchable(out _);
            if (launch is null) return;
            var occupied = Live.Select(t => t.InstanceId)
                .Concat(_state.Launches.Where(l => l.TaskIds is null || l.TaskIds.Any(id => !Observed(id))).SelectMany(l => l.Targets))
                .ToHashSet(StringComparer.Ordinal);
            var room = settings.MaximumTasks(desired) - (Live.Count() + InFlight());
            foreach (var instance in eligible.Where(i => !occupied.Contains(i)).Order(StringComparer.Ordinal))
            {
                if (room-- <= 0) break;
                RequestLaunch(launch, 1, [instance], $"instance {instance} has no task of it");
            }
        }

        private string StopReason(ObservedTask task, Deployment? primary) => IsLeaving(task)
            ? $"Container instance {task.InstanceId} is draining"
            : $"Scaling activity initiated by (deployment {primary?.Id ?? task.DeploymentId})";

        private void RequestLaunch(Deployment deployment, int count, ImmutableList<string> targets, string why)
        {
            for (var launched = 0; launched < count; launched += MaxTasksPerLaunch)
            {
                var token = $"{deployment.Id}/{_state.LaunchesRequested + 1}";
                var size = Math.Min(MaxTasksPerLaunch, count - launched);
                Add(new ServiceTasksLaunchRequested(
                    _context.Because($"service {Name} launches {size} task(s) of deployment {deployment.Id}: {why}"),
                    token, deployment.Id, size, targets));
            }
        }

        private void Stop()
        {
            var stops = _stops.ToImmutableList();
            Add(new ServiceTasksStopRequested(_context.Because(
                $"service {Name} stops {stops.Count} task(s): {string.Join("; ", stops.GroupBy(s => s.Reason).Select(g => $"{g.Count()} because {g.Key}"))}"),
                stops));
            foreach (var named in stops.Chunk(MaxTasksPerLaunch))
                _messages.Add($"(service {Name}) has stopped {named.Length} running tasks: {string.Join(" ", named.Select(s => $"(task {s.TaskId})"))}.");
        }

        /// <summary>Deployments that are done say so; old ones without tasks retire; a drained deleted service goes INACTIVE.</summary>
        private void Settle()
        {
            var nothingInFlight = InFlight() == 0 && _state.Stopping.IsEmpty;
            if (_state.Status == ServiceStatus.DRAINING)
            {
                Retire();
                if (!Live.Any() && nothingInFlight)
                    Add(new ServiceInactivated(_context.Because($"service {Name} has no task left after its deletion")));
                return;
            }
            Complete(nothingInFlight);
            Retire();
        }

        /// <summary>
        /// Old deployments without tasks retire (INACTIVE), except the rollback target while the primary has not completed
        /// and the service wants tasks: should the primary fail, that is what serves again. Scaled to 0, nothing serves.
        /// </summary>
        private void Retire()
        {
            var keepTarget = _state.IsActive && _state.Primary is not { RolloutState: RolloutState.COMPLETED } && DesiredCount > 0;
            foreach (var old in _state.Deployments.Where(d => d.Status == DeploymentStatus.ACTIVE).ToList())
            {
                if (Live.Any(t => t.DeploymentId == old.Id) || InFlight(old.Id) > 0 || keepTarget && old.Id == _state.RollbackTargetId) continue;
                var unfinished = old.Lifecycle is ServiceDeploymentStatus.IN_PROGRESS or ServiceDeploymentStatus.PENDING;
                Add(new ServiceDeploymentChanged(_context.Because($"deployment {old.Id} of service {Name} has no task left"),
                    old.Id, DeploymentStatus.INACTIVE, old.RolloutState, old.RolloutStateReason,
                    unfinished ? ServiceDeploymentStatus.STOPPED : old.Lifecycle, old.StatusReason, Finished: true));
            }
        }

        /// <summary>
        /// Finished deployments that have not changed for the history's retention leave the live state, in one event that
        /// names them; the rollback target stays, and so does a deployment whose tasks the cluster still shows.
        /// </summary>
        private void ForgetHistory()
        {
            var before = _now - _settings.DeploymentHistoryRetention;
            var forgotten = _state.Deployments
                .Where(d => d.Status == DeploymentStatus.INACTIVE && d.UpdatedAt <= before && d.Id != _state.RollbackTargetId
                    && d.Lifecycle is ServiceDeploymentStatus.SUCCESSFUL or ServiceDeploymentStatus.STOPPED
                        or ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL or ServiceDeploymentStatus.ROLLBACK_FAILED
                    && !_observed.Exists(t => t.DeploymentId == d.Id) && InFlight(d.Id) == 0)
                .Select(d => d.Id).ToImmutableList();
            if (forgotten.IsEmpty) return;
            Add(new ServiceDeploymentsForgotten(_context.Because(
                $"service {Name} forgets {forgotten.Count} deployment(s) finished before {before:O}, past the history's retention of {_settings.DeploymentHistoryRetention}"),
                forgotten));
        }

        /// <summary>A primary that reached the desired count of healthy tasks, nothing else running, completes.</summary>
        private void Complete(bool nothingInFlight)
        {
            var desired = DesiredCount;
            if (_state.Primary is not { } primary || primary.RolloutState == RolloutState.FAILED) return;
            var wanted = Wanted.ToList();
            var steady = nothingInFlight && _stops.Count == 0
                && wanted.Count == desired && wanted.All(t => t.DeploymentId == primary.Id && IsHealthy(t) && !IsLeaving(t))
                && !Live.Any(t => t.DeploymentId != primary.Id);
            if (!steady) return;
            if (primary.RolloutState == RolloutState.IN_PROGRESS)
            {
                Add(new ServiceDeploymentChanged(_context.Because($"deployment {primary.Id} of service {Name} completed with {desired} healthy task(s)"),
                    primary.Id, DeploymentStatus.PRIMARY, RolloutState.COMPLETED, $"ECS deployment {primary.Id} completed.",
                    ServiceDeploymentStatus.SUCCESSFUL, null, Finished: true));
                if (primary.RollbackOf is { } original && _state.Deployment(original) is { } failed)
                    Add(new ServiceDeploymentChanged(_context.Because($"deployment {original} of service {Name} was rolled back by {primary.Id}"),
                        failed.Id, failed.Status, RolloutState.FAILED, failed.RolloutStateReason, ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL,
                        failed.StatusReason, Finished: true));
                _messages.Add($"(service {Name}) (deployment {primary.Id}) deployment completed.");
            }
            if (_state.ConsecutiveStartFailures > 0 || _state.NextLaunchNotBefore is not null)
                Add(new ServiceThrottleReset(_context.Because($"service {Name} reached a steady state")));
            _messages.Add($"(service {Name}) has reached a steady state.");
        }
    }
}
