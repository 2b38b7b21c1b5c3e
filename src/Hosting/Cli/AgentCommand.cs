using Actors.Hosting.Configuration;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;

namespace Actors.Hosting.Cli;

/// <summary>
/// <c>actors agent</c>: a container agent for this host (or N hollow ones) that talks to the control plane through
/// the gateway with its own agent key pair, never joining the Akka cluster. Hollow agents share the one key: each
/// instance they register answers to it.
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
        // An agent key, never a user's: the gateway lets agent keys call only what an agent needs.
        var accessKeyId = options.Agent.AccessKeyId ?? Environment.GetEnvironmentVariable(CredentialStore.AgentAccessKeyIdVariable);
        var secret = options.Agent.SecretAccessKey ?? Environment.GetEnvironmentVariable(CredentialStore.AgentSecretAccessKeyVariable);
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
        {
            await Console.Error.WriteLineAsync(
                $"actors agent signs its calls with an agent key: set {CredentialStore.AgentAccessKeyIdVariable} and " +
                $"{CredentialStore.AgentSecretAccessKeyVariable} to a pair the gateway knows as an agent key (the same variables in the " +
                "gateway's environment, or an Actors:Credentials entry with \"Role\": \"agent\")." +
                (Environment.GetEnvironmentVariable(CredentialStore.AccessKeyIdVariable) is { Length: > 0 }
                    ? $" {CredentialStore.AccessKeyIdVariable} names a user key, which agents no longer use."
                    : ""));
            return 2;
        }

        var gateway = new GatewayClient(new GatewayConnection(endpoints!, accessKeyId, secret, options.Region),
            TimeSpan.FromSeconds(AgentProtocol.MaxWaitSeconds + 30));
        var agents = options.Agent.Hollow.Count > 0
            ? HollowAgents(options)
            : [LocalAgent.Create(options, [])];
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
