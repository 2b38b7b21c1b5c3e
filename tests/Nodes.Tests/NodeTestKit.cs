using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Actors.Nodes.Scheduling;
using Actors.Nodes.Services;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>A clock that only moves when a test moves it, so leases and retention are tested without waiting.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _elapsedTicks;

    public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref _elapsedTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _elapsedTicks, by.Ticks);
}

/// <summary>
/// A TestKit over a node started exactly as <c>actors serve</c> starts one - <see cref="NodeSetup.AddActorsNode"/> with
/// its tag indexer, separate sharding journal and remember-entities - on private shared in-memory SQLite databases,
/// with a <see cref="ManualClock"/>, checking that every message it sends can cross the wire. A <see cref="FailingJournal"/>
/// is configured beside the real ones, for entities that must meet a broken journal.
/// </summary>
/// <remarks>
/// Tests of a failing journal turn the wire check off (<c>checkSerialization: false</c>): Akka's journal passes its failures
/// to its own local actors inside messages that only its JSON fallback would serialize, and that fallback cannot read an
/// exception back, so the check itself would lose them. Such tests check what they send across nodes explicitly.
/// </remarks>
public abstract class NodeTestKit : Akka.TestKit.Xunit2.TestKit
{
    private readonly Node _node;

    protected NodeTestKit(ITestOutputHelper output, AgentLeaseOptions? lease = null, SchedulerOptions? scheduler = null, bool checkSerialization = true,
        ServiceOptions? services = null)
        : this(output, Node.Start(lease, scheduler, checkSerialization, services)) { }

    private NodeTestKit(ITestOutputHelper output, Node node) : base(node.System, output) => _node = node;

    protected ManualClock Clock => _node.Clock;

    protected IActorRef Clusters => _node.Registry.Get<ClusterRegion>();

    protected IActorRef Instances => _node.Registry.Get<ContainerInstanceRegion>();

    protected IActorRef Services => _node.Registry.Get<ServiceRegion>();

    protected IActorRef TaskDefinitionFamilies => _node.Registry.Get<TaskDefinitionFamilyRegion>();

    protected IActorRef Indexer => _node.Registry.Get<TagIndexer>();

    /// <summary>The node's journal databases (shared in-memory SQLite databases, alive while the node is).</summary>
    protected JournalOptions Journal => _node.Journal;

    protected override void AfterAll()
    {
        base.AfterAll();
        _node.Dispose();
    }

    private sealed class Node : IDisposable
    {
        private readonly IHost _host;
        private readonly SqliteConnection[] _keepDatabasesAlive;

        private Node(IHost host, SqliteConnection[] databases, ManualClock clock)
        {
            _host = host;
            _keepDatabasesAlive = databases;
            Clock = clock;
            System = host.Services.GetRequiredService<ActorSystem>();
            Registry = host.Services.GetRequiredService<ActorRegistry>();
        }

        public ActorSystem System { get; }
        public ActorRegistry Registry { get; }
        public ManualClock Clock { get; }
        public JournalOptions Journal { get; private init; } = null!;

        public static Node Start(AgentLeaseOptions? lease, SchedulerOptions? scheduler, bool checkSerialization, ServiceOptions? services)
        {
            var name = Guid.NewGuid().ToString("N");
            string Database(string suffix) => $"Filename=file:memdb-{name}-{suffix}.db;Mode=Memory;Cache=Shared";
            var databases = new[] { new SqliteConnection(Database("journal")), new SqliteConnection(Database("sharding")), new SqliteConnection(Database("tags")) };
            foreach (var database in databases) database.Open();
            var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

            var journal = new JournalOptions
            {
                ConnectionString = Database("journal"), ShardingConnectionString = Database("sharding"), TagIndexConnectionString = Database("tags"),
            };
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddAkka("actors-test", (akka, _) => akka
                .AddActorsNode(new NodeOptions
                {
                    Journal = journal,
                    AgentLease = lease ?? new AgentLeaseOptions(),
                    Scheduler = scheduler ?? new SchedulerOptions(),
                    Services = services ?? new ServiceOptions(),
                    Clock = clock,
                })
                .AddHocon(FailingJournal.Hocon, HoconAddMode.Prepend)
                .AddHocon($"akka.actor.serialize-messages = {(checkSerialization ? "on" : "off")}", HoconAddMode.Prepend)
                .AddHocon("""
                    akka.loglevel = INFO
                    # the first persist creates the tables and warms linq2db up, which takes seconds on a busy 2-core machine
                    akka.test.single-expect-default = 15s
                    """, HoconAddMode.Prepend));
            var host = builder.Build();
            host.StartAsync().GetAwaiter().GetResult();
            return new Node(host, databases, clock) { Journal = journal };
        }

        public void Dispose()
        {
            _host.StopAsync().GetAwaiter().GetResult();
            _host.Dispose();
            foreach (var database in _keepDatabasesAlive) database.Dispose();
        }
    }
}
