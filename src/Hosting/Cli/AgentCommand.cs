using Actors.Hosting.Configuration;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;

namespace Actors.Hosting.Cli;

/// <summary>
/// <c>actors agent</c>: a container agent for this host (or N hollow ones) that talks to the control plane through
/// the gateway with its own key pair, never joining the Akka cluster.
/// </summary>
public static class AgentCommand
{
    public static async Task<int> Run(IReadOnlyDictionary<string, string?> flagSettings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(flagSettings);
        builder.Logging.UseOneFormat();
        var options = builder.Configuration.GetSection(ActorsOptions.Section).Get<ActorsOptions>() ?? new ActorsOptions();

        var endpoints = (options.Agent.Endpoints ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) ? uri : null).ToList();
        if (endpoints.Count == 0 || endpoints.Any(e => e is null))
        {
            await Console.Error.WriteLineAsync("actors agent needs --endpoint URL[,URL...] with absolute http(s) URLs of gateways.");
            return 2;
        }
        var accessKeyId = options.Agent.AccessKeyId ?? Environment.GetEnvironmentVariable(CredentialStore.AccessKeyIdVariable);
        var secret = options.Agent.SecretAccessKey ?? Environment.GetEnvironmentVariable(CredentialStore.SecretAccessKeyVariable);
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
        {
            await Console.Error.WriteLineAsync(
                $"actors agent signs its calls: set {CredentialStore.AccessKeyIdVariable} and {CredentialStore.SecretAccessKeyVariable} to a key pair the gateway knows.");
            return 2;
        }

        var gateway = new GatewayClient(new GatewayConnection(endpoints!, accessKeyId, secret, options.Region),
            TimeSpan.FromSeconds(AgentProtocol.MaxWaitSeconds + 30));
        var agents = options.Agent.Hollow.Count > 0
            ? HollowAgents(options)
            : [LocalAgent.Create(options, Path.Combine(options.DataDir, "agent"), [])];
        builder.Services.AddHostedService(services => new AgentService(agents, gateway, services.GetRequiredService<ILoggerFactory>()));
        await builder.Build().RunAsync();
        return 0;
    }

    /// <summary>One simulated host: the same runtime whatever instance it registers as, since it owns no real containers.</summary>
    private static Func<string, IContainerRuntime> HollowRuntimeFor(ActorsOptions.HollowSettings hollow, int index)
    {
        var runtime = new HollowRuntime(new HollowRuntimeOptions
        {
            StartDelay = TimeSpan.FromMilliseconds(hollow.StartDelayMilliseconds),
            FailureRate = hollow.FailureRate,
            CpuCores = hollow.CpuCores,
            MemoryBytes = hollow.MemoryMiB * 1024L * 1024,
            Seed = index,
        });
        return _ => runtime;
    }

    private static List<(AgentOptions, Func<string, IContainerRuntime>)> HollowAgents(ActorsOptions options)
    {
        var hollow = options.Agent.Hollow;
        var prefix = Guid.NewGuid().ToString("N")[..8];
        // Hollow hosts remember nothing: each run registers fresh instances.
        return Enumerable.Range(0, hollow.Count).Select(index => (
                AgentService.OptionsFor(options, $"hollow-{prefix}-{index}", stateDirectory: null, []),
                HollowRuntimeFor(hollow, index)))
            .ToList();
    }
}
