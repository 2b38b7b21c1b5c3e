using Actors.Domain.Services;
using Actors.Domain.Tasks;
using static Actors.Domain.Tests.Services.ServiceSimulation;

namespace Actors.Domain.Tests.Services;

/// <summary>
/// Hundreds of seeded random scenarios of the pure service scheduler: deployments (good, failing to start, unhealthy),
/// tasks killed from outside, instances drained, lost and added, scaling, and restarts of the service from its journal.
/// At every step the bounds hold; at the end every scenario converges or rolls back as its circuit breaker says.
/// </summary>
public class ServiceSimulationTests
{
    public static TheoryData<int> Seeds(int count)
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= count; seed++) seeds.Add(seed);
        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds), 300)]
    public void Replica_services_keep_their_bounds_and_converge(int seed) => Run(seed, SchedulingStrategy.REPLICA);

    [Theory]
    [MemberData(nameof(Seeds), 300)]
    public void Daemon_services_keep_one_task_per_instance_and_converge(int seed) => Run(seed, SchedulingStrategy.DAEMON);

    private static void Run(int seed, SchedulingStrategy strategy)
    {
        var sim = new ServiceSimulation(seed, instances: 3 + seed % 4, capacityPerInstance: strategy == SchedulingStrategy.DAEMON ? 2 : 6);
        var random = sim.Random;
        var daemon = strategy == SchedulingStrategy.DAEMON;
        var breaker = random.Next(2) == 0;
        var rollback = breaker && random.Next(3) > 0;
        var (min, max) = daemon ? (random.Next(2) * 50, 100) : Percentages(random);
        var desired = daemon ? (int?)null : random.Next(0, 7);

        var created = sim.Execute(new CreateService(sim.Context(), strategy, desired, sim.NewRevision(RevisionFate.Good, random.Next(2) == 0),
            new DeploymentSettingsRequest(min, max, breaker, rollback), random.Next(3) * 10, [], false, null, false, null, null, null));
        Assert.True(created.IsAccepted, created.Error?.Message);

        for (var step = 0; step < 150; step++)
        {
            sim.Advance(TimeSpan.FromSeconds(1 + random.Next(10)));
            Disturb(sim, daemon);
            sim.Progress();
            sim.Reconcile();
        }

        // Quiet: the operator fixes what is broken (a good revision where no breaker guards a bad one), capacity returns.
        foreach (var instance in sim.Instances) instance.Draining = false;
        sim.Instances.RemoveAll(i => i.Lost && sim.Tasks.All(t => t.InstanceId != i.Id || !t.IsLive));
        while (sim.Instances.Count(i => i.Eligible) < 3) sim.AddInstance();
        // A bad revision is left to the breaker only while it guards a deployment in progress.
        var primary = sim.State.Primary!;
        // What the breaker goes back to must work: a bad revision deployed at desiredCount 0 completed without a task.
        var guarded = primary.Settings.CircuitBreakerEnabled && primary.RolloutState == RolloutState.IN_PROGRESS
                      && (sim.State.RollbackTarget is not { } target || sim.FateOf(target.Revision) == RevisionFate.Good);
        if (sim.FateOf(primary.Revision) != RevisionFate.Good && !guarded)
            Assert.True(sim.Execute(sim.Update(revision: sim.NewRevision(RevisionFate.Good, false))).IsAccepted);
        var goal = sim.State.Primary!;

        for (var step = 0; step < 400 && !Converged(sim); step++)
        {
            sim.Advance(TimeSpan.FromSeconds(30));
            sim.Progress();
            sim.Reconcile();
            if (step % 50 == 25) sim.Restart();
        }

        Assert.Empty(sim.Violations);
        Assert.True(Converged(sim), Describe(sim, goal));
    }

    /// <summary>
    /// A container that exits at once is sometimes seen RUNNING for an instant. Counted healthy then, the deployment
    /// stopped the old tasks for it and could complete on tasks already gone, leaving nothing to roll back from.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds), 60)]
    public void A_revision_whose_containers_exit_at_once_trips_the_breaker_and_rolls_back_while_the_old_tasks_serve(int seed)
    {
        var sim = new ServiceSimulation(seed, instances: 3, capacityPerInstance: 6);
        var random = sim.Random;
        var good = sim.NewRevision(RevisionFate.Good, healthCheck: false);
        Assert.True(sim.Execute(new CreateService(sim.Context(), SchedulingStrategy.REPLICA, 3, good,
            new DeploymentSettingsRequest(50, 200, true, true), null, [], false, null, false, null, null, null)).IsAccepted);
        for (var step = 0; step < 100 && sim.State.Primary!.RolloutState != RolloutState.COMPLETED; step++)
        {
            sim.Advance(TimeSpan.FromSeconds(1 + random.Next(5)));
            sim.Progress();
            sim.Reconcile();
            if (step % 20 == 10) sim.Restart();
        }
        Assert.Equal(RolloutState.COMPLETED, sim.State.Primary!.RolloutState);

        Assert.True(sim.Execute(sim.Update(revision: sim.NewRevision(RevisionFate.SeenRunningOnce, false))).IsAccepted);
        var bad = sim.State.Primary!;
        for (var step = 0; step < 200 && !(sim.State.Primary!.RollbackOf == bad.Id && sim.State.Primary.RolloutState == RolloutState.COMPLETED); step++)
        {
            sim.Advance(TimeSpan.FromSeconds(1 + random.Next(5)));
            sim.Progress();
            sim.Reconcile();
            if (step % 20 == 10) sim.Restart();
            // minimumHealthyPercent 50 of 3: two tasks of the good revision serve throughout.
            Assert.True(sim.RunningByRevision().GetValueOrDefault(good.Revision) >= 2, $"step {step}: {string.Join(", ", sim.RunningByRevision())}");
        }

        Assert.Empty(sim.Violations);
        var primary = sim.State.Primary!;
        Assert.Equal((good.Revision, RolloutState.COMPLETED, bad.Id), (primary.Revision.Revision, primary.RolloutState, primary.RollbackOf));
        Assert.Equal(ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL, sim.State.Deployment(bad.Id)!.Lifecycle);
        Assert.Equal(new Dictionary<int, int> { [good.Revision] = 3 }, sim.RunningByRevision());
    }

    /// <summary>
    /// One deployment from a service that completed its previous one, of a revision of every fate, on a node whose
    /// minimum healthy time varies, with a host lost and the service restarted from its journal mid-deployment now and
    /// then. Besides the bounds checked at every reconcile, it must end as its fate and settings say: a good revision
    /// completes; a failed one with rollback leaves the previous revision COMPLETED at the desired count; without rollback
    /// the previous revision serves on at the desired count; without a breaker the old tasks keep minimumHealthyPercent;
    /// and a service whose previous revision ran never ends a failed deployment without a running task.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds), 1000)]
    public void A_deployment_of_any_fate_never_takes_the_service_down(int seed)
    {
        var minimumHealthy = TimeSpan.FromSeconds((seed % 3) switch { 0 => 10, 1 => 5, _ => 30 });
        var sim = new ServiceSimulation(seed, instances: 3 + seed % 3, capacityPerInstance: 6,
            new ServiceSchedulerSettings(minimumHealthy, ServiceSchedulerSettings.Default.DeploymentHistoryRetention));
        var random = sim.Random;
        var daemon = seed % 5 == 0;
        var breaker = random.Next(4) > 0;
        var rollback = breaker && random.Next(2) == 0;
        var desired = daemon ? (int?)null : 1 + random.Next(6);
        var (min, max) = daemon ? (random.Next(2) * 50, 100) : Percentages(random);
        // Bounds that allow neither a start nor a stop deploy nothing: not this test's subject.
        if (!daemon && DeploymentSettings.ReplicaDefault with { MinimumHealthyPercent = min, MaximumPercent = max } is var bounds
            && bounds.MinimumHealthy(desired!.Value) == desired && bounds.MaximumTasks(desired.Value) == desired)
            max = 200;
        var previous = sim.NewRevision(RevisionFate.Good, random.Next(2) == 0);
        Assert.True(sim.Execute(new CreateService(sim.Context(), daemon ? SchedulingStrategy.DAEMON : SchedulingStrategy.REPLICA, desired, previous,
            new DeploymentSettingsRequest(min, max, breaker, rollback), random.Next(3) * 10, [], false, null, false, null, null, null)).IsAccepted);
        for (var step = 0; step < 200 && sim.State.Primary!.RolloutState != RolloutState.COMPLETED; step++) Step(sim, random);
        Assert.True(sim.State.Primary!.RolloutState == RolloutState.COMPLETED, Describe(sim, sim.State.Primary));

        var fate = random.Next(4) == 0 ? RevisionFate.Good : BadFates[random.Next(BadFates.Length)];
        Assert.True(sim.Execute(sim.Update(revision: sim.NewRevision(fate, NeedsHealthCheck(fate) || random.Next(2) == 0))).IsAccepted);
        var deployment = sim.State.Primary!;
        for (var step = 0; step < 60; step++)
        {
            if (random.Next(40) == 0 && sim.Instances.Where(i => !i.Lost).ToList() is { Count: > 2 } alive) alive[random.Next(alive.Count)].Lost = true;
            if (random.Next(15) == 0) sim.Restart();
            Step(sim, random);
        }
        // Capacity returns; then it must settle.
        sim.Instances.RemoveAll(i => i.Lost && sim.Tasks.All(t => t.InstanceId != i.Id || !t.IsLive));
        while (sim.Instances.Count(i => i.Eligible) < 3) sim.AddInstance();
        for (var step = 0; step < 300 && !Settled(sim, deployment); step++)
        {
            Step(sim, random);
            if (step % 40 == 20) sim.Restart();
        }

        Assert.True(sim.Violations.Count == 0, string.Join("\n", sim.Violations) + "\n" + Describe(sim, deployment));
        var state = sim.State;
        var wanted = daemon ? sim.Instances.Count(i => i.Eligible) : desired!.Value;
        var running = sim.RunningByRevision();
        var story = $"fate {fate}, breaker {breaker}, rollback {rollback}, {min}/{max} of {wanted}, running {string.Join(", ", running)}: "
                    + string.Join(" | ", sim.Journal.TakeLast(6).Select(e => e.Metadata.Reason));
        var failed = state.Deployment(deployment.Id)!.RolloutState == RolloutState.FAILED;
        if (fate == RevisionFate.Good)
        {
            Assert.True(state.Primary!.Id == deployment.Id && state.Primary.RolloutState == RolloutState.COMPLETED, story);
            Assert.Equal(wanted, running.GetValueOrDefault(deployment.Revision.Revision));
        }
        else if (breaker && rollback)
        {
            // Invariant: rolled back, the previous revision COMPLETED at the desired count.
            Assert.True(failed, story);
            Assert.Equal((previous.Revision, RolloutState.COMPLETED, deployment.Id), (state.Primary!.Revision.Revision, state.Primary.RolloutState, state.Primary.RollbackOf));
            Assert.True(running.GetValueOrDefault(previous.Revision) == wanted && running.Count == 1, story);
        }
        else if (breaker)
        {
            // Invariant: without rollback the failed deployment stays PRIMARY and the previous revision serves on.
            Assert.True(failed && state.Primary!.Id == deployment.Id, story);
            Assert.True(running.GetValueOrDefault(previous.Revision) == wanted, story);
        }
        // No breaker: the bad deployment goes on trying, and the bounds checked at every step kept the old tasks serving.
        // Invariant: the previous revision ran, so no failed deployment ends with nothing running.
        if (failed) Assert.True(running.Values.Sum() > 0, story);
    }

    private static void Step(ServiceSimulation sim, Random random)
    {
        sim.Advance(TimeSpan.FromSeconds(1 + random.Next(5)));
        sim.Progress();
        sim.Reconcile();
    }

    /// <summary>The deployment reached its end: completed, or failed and the service settled after it.</summary>
    private static bool Settled(ServiceSimulation sim, Deployment deployment)
    {
        var state = sim.State;
        var wanted = state.SchedulingStrategy == SchedulingStrategy.DAEMON ? sim.Instances.Count(i => i.Eligible) : state.DesiredCount;
        var live = sim.Tasks.Where(t => t.IsLive).ToList();
        var steady = state.Launches.IsEmpty && state.Stopping.IsEmpty && live.Count == wanted
                     && live.All(t => t.LastStatus == TaskLifecycleStatus.RUNNING && t.DesiredStatus == TaskLifecycleStatus.RUNNING);
        return state.Primary!.RolloutState == RolloutState.COMPLETED && steady
               || state.Deployment(deployment.Id)!.RolloutState == RolloutState.FAILED && state.Primary.RolloutState != RolloutState.IN_PROGRESS && steady;
    }

    private static (int Min, int Max) Percentages(Random random) => random.Next(6) switch
    {
        0 => (100, 200),
        1 => (50, 100),
        2 => (75, 125),
        3 => (0, 100),
        4 => (100, 150),
        _ => (50, 200),
    };

    /// <summary>Something happens to the world or the service, now and then.</summary>
    private static void Disturb(ServiceSimulation sim, bool daemon)
    {
        var random = sim.Random;
        var roll = random.Next(100);
        switch (roll)
        {
            case < 4:
                var fate = random.Next(2) == 0 ? RevisionFate.Good : BadFates[random.Next(BadFates.Length)];
                var healthCheck = NeedsHealthCheck(fate) || random.Next(2) == 0;
                sim.Execute(sim.Update(revision: sim.NewRevision(fate, healthCheck)));
                break;
            case < 6:
                sim.Execute(sim.Update(forceNewDeployment: true));
                break;
            case < 10 when !daemon:
                sim.Execute(sim.Update(desiredCount: random.Next(0, 9)));
                break;
            case < 13:
                sim.KillRandomRunningTask();
                break;
            case < 15:
                var active = sim.Instances.Where(i => i.Eligible).ToList();
                if (active.Count > 1) active[random.Next(active.Count)].Draining = true;
                break;
            case < 17:
                var draining = sim.Instances.Where(i => i.Draining).ToList();
                if (draining.Count > 0) draining[random.Next(draining.Count)].Draining = false;
                break;
            case < 18:
                var alive = sim.Instances.Where(i => !i.Lost).ToList();
                if (alive.Count > 2) alive[random.Next(alive.Count)].Lost = true;
                break;
            case < 20:
                sim.AddInstance();
                break;
            case < 23:
                sim.Restart();
                break;
        }
    }

    /// <summary>
    /// Done: the primary deployment COMPLETED with exactly the desired count of its tasks running and nothing else live,
    /// or FAILED by the breaker with no rollback to go to.
    /// </summary>
    private static bool Converged(ServiceSimulation sim)
    {
        var state = sim.State;
        var primary = state.Primary!;
        var desired = state.SchedulingStrategy == SchedulingStrategy.DAEMON ? sim.Instances.Count(i => i.Eligible) : state.DesiredCount;
        // A failed deployment without rollback: the last completed one, where there is one, serves the desired count.
        if (primary.RolloutState == RolloutState.FAILED)
            return state.Launches.IsEmpty && (state.RollbackTarget is not { Status: DeploymentStatus.ACTIVE } target
                                              || sim.Tasks.Count(t => t.IsLive && t.LastStatus == TaskLifecycleStatus.RUNNING) == desired);
        // Bounds that allow neither a start nor a stop (say 1 task at 100%/150%): stuck, and the service says so.
        if (state.Settings.MinimumHealthy(desired) == desired && state.Settings.MaximumTasks(desired) == desired && desired > 0
            && state.Messages.Exists(m => m.Message.Contains("can neither deploy nor drain")))
            return true;
        if (primary.RolloutState != RolloutState.COMPLETED) return false;
        var live = sim.Tasks.Where(t => t.IsLive).ToList();
        return live.Count == desired && live.All(t => t.DeploymentId == primary.Id && t.LastStatus == TaskLifecycleStatus.RUNNING);
    }

    private static string Describe(ServiceSimulation sim, Deployment target)
    {
        var primary = sim.State.Primary!;
        return $"not converged: target {target.Id} rev {target.Revision.Revision}; primary {primary.Id} rev {primary.Revision.Revision} {primary.RolloutState} "
               + $"failed {primary.FailedTasks}/{primary.BreakerThreshold}; desired {sim.State.DesiredCount}; "
               + $"live {string.Join(", ", sim.Tasks.Where(t => t.IsLive).Select(t => $"{t.Id}@{t.InstanceId} {t.LastStatus}/{t.DesiredStatus} {t.Health} dep {t.DeploymentId}"))}; "
               + $"launches {sim.State.Launches.Count}; stopping {sim.State.Stopping.Count}; throttle {sim.State.NextLaunchNotBefore:O} now {sim.Now:O}; "
               + $"settings {sim.State.Settings}; instances {string.Join(", ", sim.Instances.Select(i => $"{i.Id}{(i.Draining ? " draining" : "")}{(i.Lost ? " lost" : "")}"))}; "
               + $"messages: {string.Join(" | ", sim.State.Messages.Take(5).Select(m => m.Message))}; "
               + $"journal: {string.Join(" | ", sim.Journal.TakeLast(8).Select(e => e.Metadata.Reason))}";
    }
}
