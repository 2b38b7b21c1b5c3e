using Actors.Hosting.Gateway;
using Actors.Domain.Services;
using Actors.Nodes;
using Actors.Nodes.Services;

namespace Actors.Hosting.Configuration;

/// <summary>The section "Actors" of configuration: appsettings.json, ACTORS__* environment variables, then command-line flags.</summary>
public sealed class ActorsOptions
{
    public const string Section = "Actors";

    public string DataDir { get; set; } = "./data";
    public string Http { get; set; } = "http://127.0.0.1:8080";
    public string Region { get; set; } = "us-east-1";
    public string AccountId { get; set; } = "000000000000";
    public AgentSettings Agent { get; set; } = new();
    public JournalSettings Journal { get; set; } = new();
    public ClusterMembershipSettings Node { get; set; } = new();
    public ClusterStatusSettings ClusterStatus { get; set; } = new();
    public GatewayLimits Limits { get; set; } = new();
    public ServiceSettings Services { get; set; } = new();
    /// <summary>How long an agent may stay silent before its container instance shows agentConnected=false.</summary>
    public int AgentLeaseSeconds { get; set; } = 30;
    /// <summary>How long a STOPPED task stays describable (and its RunTask clientToken remembered); ECS keeps them about an hour.</summary>
    public TimeSpan StoppedTaskRetention { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How long an agent may stay disconnected before its instance is lost: its tasks stop and services replace them.</summary>
    public TimeSpan LostInstanceTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The service scheduler's settings (<c>Actors:Services</c>).</summary>
    public sealed class ServiceSettings
    {
        /// <summary>Seconds a new task must run (and be HEALTHY, with a health check) before it counts toward its deployment; Nomad's min_healthy_time.</summary>
        public int MinHealthySeconds { get; set; } = (int)ServiceSchedulerSettings.Default.MinimumHealthyTime.TotalSeconds;
        /// <summary>How long a finished deployment stays listed (ListServiceDeployments); ECS keeps 90 days.</summary>
        public TimeSpan DeploymentHistoryRetention { get; set; } = ServiceSchedulerSettings.Default.DeploymentHistoryRetention;

        /// <summary>What the service entities are given; null and a problem when a value is out of range.</summary>
        public (ServiceOptions? Options, string? Problem) Read() =>
            MinHealthySeconds < 0 ? (null, $"Actors:Services:MinHealthySeconds must be 0 or more, not {MinHealthySeconds}.")
            : DeploymentHistoryRetention <= TimeSpan.Zero ? (null, $"Actors:Services:DeploymentHistoryRetention must be positive, not {DeploymentHistoryRetention}.")
            : (new ServiceOptions { MinimumHealthyTime = TimeSpan.FromSeconds(MinHealthySeconds), DeploymentHistoryRetention = DeploymentHistoryRetention }, null);
    }

    public sealed class AgentSettings
    {
        public bool Enabled { get; set; } = true;
        public string Cluster { get; set; } = "default";
        /// <summary>Gateways for <c>actors agent</c>, comma-separated; the local agent of <c>serve</c> uses its own gateway.</summary>
        public string? Endpoints { get; set; }
        /// <summary>The agent key <c>actors agent</c> signs with (else ACTORS_AGENT_ACCESS_KEY_ID / ..._SECRET_ACCESS_KEY); serve's local agent generates its own.</summary>
        public string? AccessKeyId { get; set; }
        public string? SecretAccessKey { get; set; }
        public string InstanceType { get; set; } = "actors.host";
        public string AvailabilityZone { get; set; } = "local";
        public Dictionary<string, string> Attributes { get; set; } = [];
        public int ReservedMemoryMiB { get; set; } = 256;
        public int SyncWaitSeconds { get; set; } = 10;
        /// <summary>How long the agent waits for the starts it just began before it reports (see <c>AgentOptions.StartReportWindow</c>); 0: at once.</summary>
        public int StartReportWindowMilliseconds { get; set; } = 500;
        public HollowSettings Hollow { get; set; } = new();
    }

    /// <summary>Simulated hosts for scale tests: <c>actors agent --hollow N</c>.</summary>
    public sealed class HollowSettings
    {
        public int Count { get; set; }
        public int StartDelayMilliseconds { get; set; } = 200;
        public double FailureRate { get; set; }
        public int CpuCores { get; set; } = 4;
        public int MemoryMiB { get; set; } = 16384;
    }

    public sealed class JournalSettings
    {
        /// <summary>An Npgsql connection string (<c>--postgres</c>): the nodes of a multi-node cluster share this database. Unset: SQLite in the data directory.</summary>
        public string? Postgres { get; set; }
        public int SnapshotEvery { get; set; } = 100;
    }

    /// <summary>This node's place in the Akka cluster (<c>--node-address</c>, <c>--peers</c>, <c>--roles</c>).</summary>
    public sealed class ClusterMembershipSettings
    {
        /// <summary>HOST:PORT where this node's cluster transport listens and is reached; port 0 (a free one) suits a node alone.</summary>
        public string Address { get; set; } = "127.0.0.1:0";
        /// <summary>HOST:PORT of every control-plane node, comma-separated, this one included; unset: a one-node cluster.</summary>
        public string? Peers { get; set; }
        /// <summary>Comma-separated: <c>gateway</c> (answers the API), <c>orchestrator</c> (hosts the entities).</summary>
        public string Roles { get; set; } = "gateway,orchestrator";
        /// <summary><c>tuned</c> (a killed node's entities back in under 10 s) or <c>akka-defaults</c> (about 46 s; for comparison).</summary>
        public string Failover { get; set; } = "tuned";
    }

    /// <summary><c>actors cluster status</c>: the gateways to ask (comma-separated), entities to locate, and the output form.</summary>
    public sealed class ClusterStatusSettings
    {
        public string? Endpoints { get; set; }
        public string? Entities { get; set; }
        public bool Json { get; set; }
    }
}
