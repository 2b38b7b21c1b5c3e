using Actors.Domain.Common;
using Actors.Nodes.Agent;
using Actors.Nodes.Agent.Docker;

namespace Actors.Hosting.Configuration;

/// <summary>The agent of a real host: the local Docker engine (DOCKER_HOST or /var/run/docker.sock) as its runtime.</summary>
public static class LocalAgent
{
    /// <summary>The directory under the data directory where the agent keeps what it must remember: its instance (and, under serve, its key).</summary>
    public const string StateDirectoryName = "agent";

    public static (AgentOptions Options, Func<string, IContainerRuntime> RuntimeFor) Create(ActorsOptions options, IEnumerable<int> extraReservedPorts)
    {
        var agentOptions = AgentService.OptionsFor(options, Environment.MachineName, Path.Combine(options.DataDir, StateDirectoryName), extraReservedPorts);
        // Task ARNs on container labels must name the control plane's region and account, which the instance ARN carries.
        return (agentOptions, instanceArn => new DockerContainerRuntime(new DockerRuntimeOptions
        {
            Scope = Arn.TryParse(instanceArn, out var arn) ? new AccountScope(arn.Region, arn.AccountId) : new AccountScope(options.Region, options.AccountId),
            ContainerInstanceArn = instanceArn,
        }));
    }
}
