using System.Collections.Immutable;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.Tasks;
using Actors.Nodes.Services;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Scheduling;

/// <summary>
/// The feed from the scheduler to its services: each service that read its observation whole hears afterwards what of
/// it changed - its tasks as they now are (or gone), and instances where that changed how they may hold its tasks - so
/// that a reconcile costs the change, not the service's size. It is the instances' feed to the scheduler turned around:
/// what changed is kept per service until acknowledged, one message is in flight at a time (built from the view when it
/// is sent, so a resend carries what is current), and a scheduler that starts again has no feeds: it tells every service
/// to read whole once more.
/// </summary>
public sealed partial class ClusterScheduler
{
    private const string ServiceFeedTimer = "service-feed";
    /// <summary>Tasks and instances per feed message: a few hundred bytes each, so a message stays near 40 KB at most.</summary>
    public const int MaxItemsPerServiceChange = 100;
    /// <summary>This start of the scheduler: feed messages and pages name it, so a service sees when its feed began anew.</summary>
    private readonly string _epoch = Guid.NewGuid().ToString("N");
    /// <summary>Rises with every feed message and every subscription, over all services.</summary>
    private long _feedSequence;
    private readonly Dictionary<string, ServiceFeed> _feeds = new(StringComparer.Ordinal);
    /// <summary>Services told to read again since the last tick: told at most once per tick.</summary>
    private readonly HashSet<string> _toldStale = new(StringComparer.Ordinal);

    /// <summary>What one service has not heard yet, and the message it has not acknowledged.</summary>
    private sealed class ServiceFeed(DaemonEligibility? daemon)
    {
        /// <summary>How a DAEMON service judges instances, as it said when it subscribed.</summary>
        public DaemonEligibility? Daemon { get; } = daemon;
        /// <summary>Whether an instance takes the service's tasks, prepared once per feed.</summary>
        public Feasibility Eligibility { get; } = Eligibility(daemon);
        /// <summary>Between the first and the last page of the service's read: changes are kept, not sent yet.</summary>
        public bool Reading { get; set; } = true;
        public HashSet<string> Tasks { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);
        public SentChange? InFlight { get; set; }
    }

    private sealed class SentChange(long sequence, List<string> taskIds, List<string> instanceIds)
    {
        public long Sequence { get; } = sequence;
        public List<string> TaskIds { get; } = taskIds;
        public List<string> InstanceIds { get; } = instanceIds;
        /// <summary>Feed ticks since it was sent: resent after the second, so it waited one to two intervals.</summary>
        public int Ticks { get; set; }
    }

    private static string? ServiceOf(string group) =>
        group.StartsWith(ServiceGroupPrefix, StringComparison.Ordinal) ? group[ServiceGroupPrefix.Length..] : null;

    /// <summary>The first page of a read: whatever the service was owed is in what it reads now.</summary>
    private void Subscribe(string serviceName, DaemonEligibility? daemon)
    {
        _feeds[serviceName] = new ServiceFeed(daemon);
        _feedSequence++;
    }

    /// <summary>The last page of a read: what changed since its first page is sent from now on.</summary>
    private void StartFeed(string serviceName)
    {
        if (!_feeds.TryGetValue(serviceName, out var feed) || !feed.Reading) return;
        feed.Reading = false;
        Send(serviceName, feed);
    }

    /// <summary>
    /// An instance changed (<paramref name="after"/> null: it left the view). Its tasks in <paramref name="tasks"/> changed
    /// or went; the instance matters to DAEMON services if how it may hold their task changed, and to others holding tasks there.
    /// </summary>
    private void FeedServices(ContainerInstanceState? before, ContainerInstanceState? after, IReadOnlyCollection<(string TaskId, string Group)> tasks)
    {
        if (State.Services.IsEmpty) return;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (taskId, group) in tasks)
        {
            if (ServiceOf(group) is not { } service || !State.Services.ContainsKey(service)) continue;
            touched.Add(service);
            if (_feeds.TryGetValue(service, out var feed)) feed.Tasks.Add(taskId);
        }
        var instance = after ?? before;
        if (instance is not null && _feeds.Count > 0 && (after is null || before is null || HoldsDifferently(before, after)))
        {
            var groups = after is null
                ? tasks.Select(t => t.Group).ToHashSet(StringComparer.Ordinal)
                : _view.Tasks(after.InstanceId).Select(t => t.Group).ToHashSet(StringComparer.Ordinal);
            foreach (var (service, feed) in _feeds)
            {
                var concerned = feed.Daemon is not null
                    ? after is null || before is null || Observed(before, feed.Eligibility) != Observed(after, feed.Eligibility)
                    : groups.Contains(ServiceGroupPrefix + service);
                if (!concerned) continue;
                feed.Instances.Add(instance.InstanceId);
                touched.Add(service);
            }
        }
        foreach (var service in touched)
        {
            if (_feeds.TryGetValue(service, out var feed)) Send(service, feed);
            else TellStale(service);
        }
    }

    /// <summary>What services see of an instance: whether it may hold tasks, whether it is leaving, its zone and what constraints match.</summary>
    private static bool HoldsDifferently(ContainerInstanceState before, ContainerInstanceState after) =>
        before.Status != after.Status || before.AgentConnected != after.AgentConnected || before.IsRegistered != after.IsRegistered
        || !before.Attributes.SequenceEqual(after.Attributes);

    private void RemoveFromView(string instanceId)
    {
        var before = _view.Instance(instanceId);
        var tasks = _view.Tasks(instanceId).Select(t => (t.TaskId, t.Group)).ToList();
        _view.Remove(instanceId);
        FeedServices(before, null, tasks);
    }

    /// <summary>Sends the service what it has not heard, unless a message is in flight or it is still reading.</summary>
    private void Send(string serviceName, ServiceFeed feed)
    {
        if (feed.Reading || feed.InFlight is not null || (feed.Tasks.Count == 0 && feed.Instances.Count == 0)) return;
        var tasks = ImmutableList.CreateBuilder<ObservedTask>();
        var removedTasks = ImmutableList.CreateBuilder<string>();
        var instanceIds = new HashSet<string>(StringComparer.Ordinal);
        var sentTasks = new List<string>();
        var sentInstances = new List<string>();
        var items = 0;
        foreach (var taskId in feed.Tasks)
        {
            if (items >= MaxItemsPerServiceChange) break;
            sentTasks.Add(taskId);
            items++;
            if (_view.Task(taskId) is { } found)
            {
                tasks.Add(ObservedTaskOf(found.Task, found.InstanceId));
                if (instanceIds.Add(found.InstanceId)) items++;
            }
            else removedTasks.Add(taskId);
        }
        foreach (var instanceId in feed.Instances)
        {
            if (items >= MaxItemsPerServiceChange) break;
            sentInstances.Add(instanceId);
            if (instanceIds.Add(instanceId)) items++;
        }
        feed.Tasks.ExceptWith(sentTasks);
        feed.Instances.ExceptWith(sentInstances);
        var instances = ImmutableList.CreateBuilder<ObservedInstance>();
        var removedInstances = ImmutableList.CreateBuilder<string>();
        foreach (var instanceId in instanceIds.Order(StringComparer.Ordinal))
        {
            if (_view.Instance(instanceId) is { } instance) instances.Add(Observed(instance, feed.Eligibility));
            else removedInstances.Add(instanceId);
        }
        feed.InFlight = new SentChange(++_feedSequence, sentTasks, sentInstances);
        _services().Tell(new ShardingEnvelope(ServiceState.EntityIdOf(State.Name, serviceName), new ServiceObservationChanged(
            _epoch, feed.InFlight.Sequence, tasks.ToImmutable(), removedTasks.ToImmutable(), instances.ToImmutable(), removedInstances.ToImmutable())));
    }

    private void OnServiceFeedAcknowledged(ServiceObservationAcknowledged ack)
    {
        if (ack.Epoch != _epoch || !_feeds.TryGetValue(ack.ServiceName, out var feed) || feed.InFlight?.Sequence != ack.Sequence) return;
        feed.InFlight = null;
        Send(ack.ServiceName, feed);
    }

    /// <summary>Resends what waited too long for its acknowledgement; forgets the feeds of services the cluster let go.</summary>
    private void OnServiceFeedTick()
    {
        _toldStale.Clear();
        foreach (var gone in _feeds.Keys.Where(service => !State.Services.ContainsKey(service)).ToList()) _feeds.Remove(gone);
        foreach (var (service, feed) in _feeds)
        {
            if (feed.InFlight is not { } sent || ++sent.Ticks < 2) continue;
            // Lost, or its service is moving between nodes: what it carried is sent again, as it now is.
            feed.Tasks.UnionWith(sent.TaskIds);
            feed.Instances.UnionWith(sent.InstanceIds);
            feed.InFlight = null;
            Send(service, feed);
        }
    }

    /// <summary>A service without a feed here is told to read whole, which subscribes it (once per tick at most).</summary>
    private void TellStale(string serviceName)
    {
        if (!_viewReady || !_toldStale.Add(serviceName)) return;
        _services().Tell(new ShardingEnvelope(ServiceState.EntityIdOf(State.Name, serviceName), new ServiceObservationStale(_epoch)));
    }

    private sealed record ServiceFeedTick : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static ServiceFeedTick Instance { get; } = new();
    }
}
