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
        var guarded = primary.Settings.CircuitBreakerEnabled && primary.RolloutState == RolloutState.IN_PROGRESS;
        if (sim.FateOf(primary.Revision) != RevisionFate.Good && !guarded)
            Assert.True(sim.Execute(new UpdateService(sim.Context(), null, sim.NewRevision(RevisionFate.Good, false), false, null, null, null, null, null, null)).IsAccepted);
        var target = sim.State.Primary!;

        for (var step = 0; step < 400 && !Converged(sim); step++)
        {
            sim.Advance(TimeSpan.FromSeconds(30));
            sim.Progress();
            sim.Reconcile();
            if (step % 50 == 25) sim.Restart();
        }

        Assert.Empty(sim.Violations);
        Assert.True(Converged(sim), Describe(sim, target));
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

        Assert.True(sim.Execute(new UpdateService(sim.Context(), null, sim.NewRevision(RevisionFate.ExitsAtOnce, false), false,
            null, null, null, null, null, null)).IsAccepted);
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
                var fate = random.Next(5) switch
                {
                    0 => RevisionFate.FailsToStart, 1 => RevisionFate.Unhealthy, 2 => RevisionFate.ExitsAtOnce, _ => RevisionFate.Good,
                };
                var healthCheck = fate == RevisionFate.Unhealthy || random.Next(2) == 0;
                sim.Execute(new UpdateService(sim.Context(), null, sim.NewRevision(fate, healthCheck), false, null, null, null, null, null, null));
                break;
            case < 6:
                sim.Execute(new UpdateService(sim.Context(), null, null, true, null, null, null, null, null, null));
                break;
            case < 10 when !daemon:
                sim.Execute(new UpdateService(sim.Context(), random.Next(0, 9), null, false, null, null, null, null, null, null));
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
        if (primary.RolloutState == RolloutState.FAILED) return state.Launches.IsEmpty;
        var desired = state.SchedulingStrategy == SchedulingStrategy.DAEMON ? sim.Instances.Count(i => i.Eligible) : state.DesiredCount;
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
