using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Launches;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Domain.Tests.Launches;

/// <summary>
/// Seeded random runs of the launch process as the cluster records it, driven the way the launch coordinator drives it:
/// plans made on a view that lags the instances (so instances refuse and tasks are placed again), asks lost, answered
/// twice and late, instances deregistered mid-launch, the coordinator restarted mid-launch (its state rebuilt from the
/// journal so far, everything in memory lost), and retries with clientTokens. At the end every launch has completed, each
/// task is held by exactly the instance its outcome names, nothing is held twice, and every caller of one clientToken
/// heard the same outcome.
/// </summary>
public class LaunchSimulationTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 300; seed++) seeds.Add(seed);
        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_launch_completes_once_with_its_tasks_where_its_outcome_says(int seed)
    {
        var sim = new LaunchSimulation(seed);
        for (var step = 0; step < 400; step++) sim.Step();
        sim.Quiesce();
        sim.AssertSettled();
    }

    [Fact]
    public void The_same_client_token_from_32_callers_plans_one_launch_and_gives_32_identical_answers()
    {
        var sim = new LaunchSimulation(seed: 7, disturb: false);
        var callers = Enumerable.Range(0, 32).Select(_ => sim.Request(count: 3, token: "same-token")).ToList();
        sim.Quiesce();
        sim.AssertSettled();
        Assert.Single(sim.Journal.OfType<LaunchPlanned>());
        var answers = callers.Select(c => sim.Answers[c]).ToList();
        Assert.All(answers, a => Assert.Equal(LaunchSimulation.Render(answers[0]), LaunchSimulation.Render(a)));
        Assert.Equal(3, answers[0].Tasks.Count);
        Assert.Equal(3, sim.Instances.Sum(i => i.Held.Count));

        var conflict = sim.Request(count: 3, token: "same-token", fingerprint: "another request");
        Assert.Equal(ErrorCodes.Conflict, sim.Errors[conflict].Code);
    }

    [Fact]
    public void The_answer_waits_for_the_recorded_completion_and_a_restart_before_it_resumes_from_the_journal()
    {
        var sim = new LaunchSimulation(seed: 3, disturb: false);
        var caller = sim.Request(count: 2, token: "t");
        sim.DeliverAll();
        // Every task is held, but nothing of the confirmations was stored yet: nobody may hear anything.
        Assert.False(sim.Answers.ContainsKey(caller));
        sim.Restart(); // the caller's ask dies with the coordinator; its retry comes with the same token
        var retry = sim.Request(count: 2, token: "t");
        sim.Quiesce();
        Assert.Equal(2, sim.Answers[retry].Tasks.Count);
        Assert.Equal(2, sim.Instances.Sum(i => i.Held.Count));
        sim.AssertSettled();
    }
}

/// <summary>The world of <see cref="LaunchSimulationTests"/>: instances, a coordinator shell, a journal.</summary>
public sealed class LaunchSimulation
{
    public sealed class Instance(string id, int slots)
    {
        public string Id { get; } = id;
        public int Slots { get; } = slots;
        public bool Registered { get; set; } = true;
        /// <summary>Tasks it took (kept even once deregistered: they must never be taken twice).</summary>
        public HashSet<string> Held { get; } = [];
        /// <summary>Slots taken by tasks from outside these launches (the view does not see them until it is refreshed).</summary>
        public int Outside { get; set; }
        public int Free => Slots - Held.Count - Outside;
    }

    private sealed record Ask(string LaunchId, string TaskId, string InstanceId);

    private sealed record Caller(int Id, int Count, string? Token, string Fingerprint);

    private readonly Random _random;
    private readonly bool _disturb;
    private readonly TaskDefinitionRevision _revision;
    private ClusterState _state;
    private int _clock;
    private int _nextCaller;
    private int _nextTask;
    /// <summary>The coordinator's view: free slots per instance as it last heard (refreshed now and then, reserved on plans).</summary>
    private Dictionary<string, int> _view = [];
    private readonly List<Ask> _inFlight = [];
    private Dictionary<string, List<int>> _waiters = [];
    private Dictionary<string, List<TaskLocation>> _unrecorded = [];
    private readonly List<Caller> _retries = [];

    public List<Instance> Instances { get; } = [];
    public List<IClusterEvent> Journal { get; } = [];
    public Dictionary<int, LaunchOutcome> Answers { get; } = [];
    public Dictionary<int, DomainError> Errors { get; } = [];
    private readonly Dictionary<int, string?> _tokenOf = [];

    public LaunchSimulation(int seed, bool disturb = true)
    {
        _random = new Random(seed);
        _disturb = disturb;
        _revision = TaskDefinitionRevision.Register(new TaskDefinitionSpec
        {
            Family = "web",
            ContainerDefinitions = [new ContainerDefinition { Name = "web", Image = "busybox", Memory = 64 }],
        }, 1, null, Context());
        for (var i = 0; i < 3 + seed % 4; i++) Instances.Add(new Instance($"i{i}", 2 + _random.Next(4)));
        _state = Cluster.Empty("sim");
        Record(new CreateCluster(Context(), [], [], null, null, []));
        RefreshView();
    }

    private RequestContext Context() => new(DateTimeOffset.UnixEpoch.AddSeconds(_clock++), $"req-{_clock}", "sim");

    private LaunchSpec Spec => new(_revision, null, "family:web", null, [], ResourceDemand.Of(memory: 64), [], [], false);

    /// <summary>Decides and records a command as the scheduler does; completions recorded answer their waiters.</summary>
    private Decision<IClusterEvent> Record(IClusterCommand command)
    {
        var decision = Cluster.Decide(_state, command);
        foreach (var @event in decision.Events)
        {
            _state = Cluster.Apply(_state, @event);
            Journal.Add(@event);
            if (@event is LaunchCompleted completed)
            {
                foreach (var caller in _waiters.GetValueOrDefault(completed.LaunchId) ?? []) Answers[caller] = completed.Outcome;
                _waiters.Remove(completed.LaunchId);
            }
        }
        return decision;
    }

    private void RefreshView() => _view = Instances.Where(i => i.Registered).ToDictionary(i => i.Id, i => i.Free);

    public int Request(int count, string? token = null, string fingerprint = "digest")
    {
        var caller = new Caller(_nextCaller++, count, token, fingerprint);
        _tokenOf[caller.Id] = token;
        Handle(caller);
        return caller.Id;
    }

    private void Handle(Caller caller)
    {
        if (caller.Token is { } token && LaunchProcess.ForClientToken(_state.Launching(), token, caller.Fingerprint) is { } known)
        {
            if (known.Conflict is { } conflict) Errors[caller.Id] = conflict;
            else if (known.Outcome is { } outcome) Answers[caller.Id] = outcome;
            else Waiters(known.PendingLaunchId!).Add(caller.Id);
            return;
        }
        var planned = ImmutableList.CreateBuilder<PlannedTask>();
        var failures = ImmutableList.CreateBuilder<LaunchFailure>();
        for (var n = 0; n < caller.Count; n++)
        {
            var choice = _view.Where(v => v.Value > 0).Select(v => v.Key).OrderBy(_ => _random.Next()).FirstOrDefault();
            if (choice is null)
            {
                failures.Add(new LaunchFailure("sim", "RESOURCE:MEMORY", null));
                continue;
            }
            _view[choice]--;
            planned.Add(new PlannedTask($"t{_nextTask++}", choice, PlacementRecord.ChosenByCaller(choice)));
        }
        var launchId = $"launch-{caller.Id}";
        Waiters(launchId).Add(caller.Id);
        var decision = Record(new PlanLaunch(Context(), launchId, caller.Token, caller.Token is null ? null : caller.Fingerprint, Spec,
            planned.ToImmutable(), failures.ToImmutable()));
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        if (_state.Launches.TryGetValue(launchId, out var launch)) Dispatch(launch, launch.Tasks);
        else if (_waiters.GetValueOrDefault(launchId)?.Remove(caller.Id) == true) Handle(caller); // its token was planned first
    }

    private List<int> Waiters(string launchId) => _waiters.TryGetValue(launchId, out var w) ? w : _waiters[launchId] = [];

    private void Dispatch(PendingLaunch launch, IEnumerable<PlannedTask> tasks) =>
        _inFlight.AddRange(tasks.Select(t => new Ask(launch.LaunchId, t.TaskId, t.ContainerInstanceId)));

    /// <summary>An instance takes the task if it holds it already or has room and is registered; it answers (or the answer is lost).</summary>
    private void Deliver(Ask ask, bool lost)
    {
        var instance = Instances.Single(i => i.Id == ask.InstanceId);
        var taken = instance.Held.Contains(ask.TaskId) || (instance.Registered && instance.Free > 0 && instance.Held.Add(ask.TaskId));
        if (lost)
        {
            if (_state.Launches.TryGetValue(ask.LaunchId, out var pending) && pending.Tasks.Find(t => t.TaskId == ask.TaskId) is { } again
                && again.ContainerInstanceId == ask.InstanceId)
                Dispatch(pending, [again]); // no answer in time: asked again
            return;
        }
        Answered(ask, taken);
        if (_disturb && _random.Next(6) == 0) _late.Add((ask, taken)); // the answer comes again, later
    }

    private readonly List<(Ask Ask, bool Taken)> _late = [];

    private void Answered(Ask ask, bool taken)
    {
        if (!_state.Launches.TryGetValue(ask.LaunchId, out var launch)) return;
        var planned = launch.Tasks.Find(t => t.TaskId == ask.TaskId);
        if (planned is null || planned.ContainerInstanceId != ask.InstanceId || launch.Confirmed.Contains(ask.TaskId)) return;
        if (taken)
        {
            (_unrecorded.TryGetValue(ask.LaunchId, out var list) ? list : _unrecorded[ask.LaunchId] = []).Add(new TaskLocation(ask.TaskId, ask.InstanceId));
            return;
        }
        RefreshView(); // a refusal: the view was behind
        PlannedTask? replacement = null;
        if (launch.MayPlaceAgain(ask.TaskId) && _view.Where(v => v.Value > 0).Select(v => v.Key).OrderBy(_ => _random.Next()).FirstOrDefault() is { } choice)
        {
            _view[choice]--;
            replacement = new PlannedTask(ask.TaskId, choice, PlacementRecord.ChosenByCaller(choice));
        }
        var decision = Record(new ReplanLaunchTask(Context(), ask.LaunchId, ask.TaskId, ask.InstanceId, replacement,
            replacement is null ? new LaunchFailure(ask.InstanceId, "RESOURCE:MEMORY", null) : null));
        Assert.True(decision.IsAccepted, decision.Error?.Message);
        if (replacement is not null && _state.Launches.ContainsKey(ask.LaunchId)) Dispatch(_state.Launches[ask.LaunchId], [replacement]);
    }

    /// <summary>Confirmations gathered since the last write are recorded together, one command per launch.</summary>
    private void RecordConfirmations()
    {
        var batch = _unrecorded;
        _unrecorded = [];
        foreach (var (launchId, tasks) in batch)
            Assert.True(Record(new ConfirmLaunchTasks(Context(), launchId, [.. tasks])).IsAccepted);
    }

    /// <summary>The coordinator dies: what it had in memory is gone; the state is what the journal replays.</summary>
    public void Restart()
    {
        _state = Journal.Aggregate(Cluster.Empty("sim"), Cluster.Apply);
        _inFlight.Clear();
        _late.Clear();
        _unrecorded = [];
        // The callers' asks die with it; a caller with a token comes back.
        foreach (var (launchId, callers) in _waiters)
            foreach (var caller in callers)
                if (_tokenOf[caller] is { } token) _retries.Add(new Caller(caller, 0, token, "digest"));
        _waiters = [];
        RefreshView();
        foreach (var launch in _state.Launches.Values) Dispatch(launch, launch.Unconfirmed());
    }

    public void Step()
    {
        var roll = _random.Next(100);
        if (roll < 12) Request(1 + _random.Next(5), _random.Next(3) == 0 ? $"token-{_random.Next(6)}" : null);
        else if (roll < 60 && _inFlight.Count > 0) DeliverOne();
        else if (roll < 75) RecordConfirmations();
        else if (_disturb && roll < 80) Instances[_random.Next(Instances.Count)].Outside += 1; // a task from elsewhere: the view lags
        else if (_disturb && roll < 82 && Instances.Count(i => i.Registered) > 1)
            Instances.Where(i => i.Registered).ElementAt(_random.Next(Instances.Count(i => i.Registered))).Registered = false; // deregistered mid-launch
        else if (_disturb && roll < 85) Restart();
        else if (roll < 90 && _retries.Count > 0)
        {
            var retry = _retries[0];
            _retries.RemoveAt(0);
            Handle(retry);
        }
        else if (_late.Count > 0)
        {
            var (ask, taken) = _late[0];
            _late.RemoveAt(0);
            Answered(ask, taken);
        }
    }

    private void DeliverOne()
    {
        var index = _random.Next(_inFlight.Count);
        var ask = _inFlight[index];
        _inFlight.RemoveAt(index);
        Deliver(ask, lost: _disturb && _random.Next(8) == 0);
    }

    public void DeliverAll()
    {
        while (_inFlight.Count > 0) DeliverOne();
    }

    /// <summary>No more disturbance: answers arrive, confirmations are recorded, retries come, until nothing is pending.</summary>
    public void Quiesce()
    {
        for (var round = 0; round < 1000 && (_inFlight.Count > 0 || _unrecorded.Count > 0 || _retries.Count > 0 || !_state.Launches.IsEmpty); round++)
        {
            while (_inFlight.Count > 0)
            {
                var ask = _inFlight[0];
                _inFlight.RemoveAt(0);
                Deliver(ask, lost: false);
            }
            RecordConfirmations();
            foreach (var retry in _retries.ToList()) Handle(retry);
            _retries.Clear();
            if (_inFlight.Count == 0 && _unrecorded.Count == 0 && !_state.Launches.IsEmpty) Restart(); // nothing in flight: only a restart resumes
        }
    }

    public static string Render(LaunchOutcome outcome) =>
        string.Join(",", outcome.Tasks.Select(t => $"{t.TaskId}@{t.ContainerInstanceId}")) + "|" + string.Join(",", outcome.Failures);

    public void AssertSettled()
    {
        Assert.Empty(_state.Launches);
        Assert.DoesNotContain(_waiters, w => w.Value.Count > 0);
        // Nothing is held twice.
        var held = Instances.SelectMany(i => i.Held).ToList();
        Assert.Equal(held.Count, held.Distinct().Count());
        var outcomes = Journal.OfType<LaunchCompleted>().ToList();
        Assert.Equal(outcomes.Count, outcomes.Select(o => o.LaunchId).Distinct().Count());
        var plans = Journal.OfType<LaunchPlanned>().ToDictionary(p => p.LaunchId);
        foreach (var completed in outcomes)
        {
            // Each task of the outcome is held by the instance it names, and the launch accounts for every task it was asked.
            foreach (var task in completed.Outcome.Tasks) Assert.Contains(task.TaskId, Instances.Single(i => i.Id == task.ContainerInstanceId).Held);
            var plan = plans[completed.LaunchId];
            Assert.Equal(plan.Tasks.Count + plan.Failures.Count, completed.Outcome.Tasks.Count + completed.Outcome.Failures.Count);
        }
        // Every held task belongs to exactly one outcome (a refused or lost placement left nothing behind).
        Assert.Equal(held.Order(), outcomes.SelectMany(o => o.Outcome.Tasks.Select(t => t.TaskId)).Order());
        // Callers of one token heard one outcome, the recorded one.
        foreach (var group in Answers.Where(a => _tokenOf[a.Key] is not null).GroupBy(a => _tokenOf[a.Key]!))
        {
            var recorded = _state.ClientTokens.TryGetValue(group.Key, out var use) ? use.Outcome : null;
            foreach (var (_, answer) in group)
            {
                Assert.Equal(Render(group.First().Value), Render(answer));
                if (recorded is not null) Assert.Equal(Render(recorded), Render(answer));
            }
        }
    }
}
