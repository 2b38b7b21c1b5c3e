using System.Text.RegularExpressions;
using Actors.Domain.Common;
using Actors.Hosting.Configuration;
using Actors.Hosting.Gateway;
using Actors.Hosting.Gateway.Actions;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes;
using Actors.Nodes.Agent;
using Actors.Nodes.Entities;
using Actors.Nodes.Scheduling;
using Akka.Hosting;

namespace Actors.Hosting.Cli;

/// <summary><c>actors serve</c>: one node with every role, as a one-node Akka cluster unless seed nodes are configured.</summary>
public static partial class ServeCommand
{
    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountIdFormat();

    /// <summary>How long the server waits for requests under way once the node begins to stop.</summary>
    public static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(3);

    public static async Task<int> Run(string[] args, IReadOnlyDictionary<string, string?> flagSettings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(flagSettings);
        builder.Logging.UseOneFormat();
        var options = builder.Configuration.GetSection(ActorsOptions.Section).Get<ActorsOptions>() ?? new ActorsOptions();
        if (!AccountIdFormat().IsMatch(options.AccountId))
        {
            await Console.Error.WriteLineAsync($"--account-id must be 12 digits, not '{options.AccountId}'.");
            return 2;
        }

        var (membership, membershipProblem) = Membership.Read(options);
        if (membership is null)
        {
            await Console.Error.WriteLineAsync(membershipProblem);
            return 2;
        }
        var (services, servicesProblem) = options.Services.Read();
        if (services is null)
        {
            await Console.Error.WriteLineAsync(servicesProblem);
            return 2;
        }

        JournalOptions journal;
        try
        {
            journal = JournalSetup.Prepare(options);
        }
        catch (JournalUnusableException unusable)
        {
            // One line a person can act on; the stack trace would only bury it.
            await Console.Error.WriteLineAsync(unusable.Message);
            return 1;
        }
        var account = new AccountScope(options.Region, options.AccountId);
        // SIGTERM: the agent and the journal probe stop first, the server stops accepting and waits for the requests under way
        // (they answer at once: long polls end on the signal), then Akka.Hosting's CoordinatedShutdown hands the shards off and
        // leaves the cluster. A request still running after the drain bound is cut off so the node is gone within seconds.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = DrainBound);
        builder.WebHost.UseUrls(options.Http);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBytes);
        // Like an AWS regional endpoint, the gateway answers requests signed for its own region only.
        builder.Services.AddSigV4Authentication(builder.Configuration, options.DataDir, requiredRegion: options.Region,
            withLocalAgentKey: options.Agent.Enabled);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(account);
        builder.Services.AddSingleton(options.Limits);
        builder.Services.AddSingleton<ControlPlaneAccessor>();
        builder.Services.AddSingleton(Actions.Table());
        builder.Services.AddSingleton<AwsJsonEndpoint>();
        builder.Services.AddSingleton(journal);
        builder.Services.AddSingleton<JournalProbe>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JournalProbe>());
        builder.Services.AddAkka("actors", (akka, _) => akka.LogThroughMicrosoftLogging().AddActorsNode(new NodeOptions
        {
            Address = membership.Address,
            Peers = membership.Peers,
            Roles = membership.Roles,
            Failover = membership.Failover,
            Journal = journal,
            AgentLease = new AgentLeaseOptions
            {
                Timeout = TimeSpan.FromSeconds(Math.Max(options.AgentLeaseSeconds, 2 * options.Agent.SyncWaitSeconds)),
                StoppedTaskRetention = options.StoppedTaskRetention,
                LostInstanceTimeout = options.LostInstanceTimeout,
            },
            Scheduler = new SchedulerOptions
            {
                StoppedTaskRetention = options.StoppedTaskRetention, ClientTokenRetention = options.StoppedTaskRetention,
            },
            Services = services,
        }));

        if (membership.Peers.Count > 0)
            builder.Services.AddHostedService(services => new BootstrapEndpoint(membership.Address, services));
        if (options.Agent.Enabled) AddLocalAgent(builder, options);

        var app = builder.Build();
        app.MapPost("/", (HttpContext http, AwsJsonEndpoint endpoint) => endpoint.Handle(http));
        app.MapGet("/", () => Results.Text("Actors: an Amazon ECS-compatible control plane. POST AWS JSON 1.1 requests here.\n"));
        app.MapGet("/healthz", (IServiceProvider services) => Health.Check(services));
        app.MapAudit();

        var credentials = app.Services.GetRequiredService<CredentialStore>();
        if (credentials.StartupNotice is { } notice) app.Logger.LogInformation("{Notice}", notice);
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// The local agent talks to this node's own gateway over HTTP with an agent key of its own (generated into its state
    /// directory, so it stays the agent of the instance it registered across restarts), exactly as a remote agent
    /// would: one protocol and one set of rights for every host.
    /// </summary>
    private static void AddLocalAgent(WebApplicationBuilder builder, ActorsOptions options)
    {
        var gatewayUri = new UriBuilder(options.Http.Replace("://+", "://localhost").Replace("://*", "://localhost"));
        if (gatewayUri.Host is "0.0.0.0" or "[::]" or "localhost") gatewayUri.Host = "127.0.0.1";
        builder.Services.AddSingleton(services =>
        {
            var key = services.GetRequiredService<CredentialStore>().LocalAgentKey
                      ?? throw new InvalidOperationException("The credential store was loaded without the local agent's key.");
            var gateway = new GatewayClient(
                new GatewayConnection([gatewayUri.Uri], key.AccessKeyId, key.SecretAccessKey, options.Region),
                TimeSpan.FromSeconds(AgentProtocol.MaxWaitSeconds + 30));
            var agent = LocalAgent.Create(options, [gatewayUri.Port]);
            return new AgentService([agent], gateway, services.GetRequiredService<ILoggerFactory>());
        });
        // Health reports ready only once this agent registered, so a script that waits for it finds the cluster.
        builder.Services.AddHostedService(services => services.GetRequiredService<AgentService>());
    }
}
