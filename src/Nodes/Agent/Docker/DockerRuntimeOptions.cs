using Actors.Domain.Common;

namespace Actors.Nodes.Agent.Docker;

/// <summary>A registry user name and password (or token) for pulling an image.</summary>
public sealed record RegistryCredential(string Username, string Password);

/// <summary>
/// Resolves a container's <c>repositoryCredentials.credentialsParameter</c> (in ECS a Secrets Manager secret ARN) to the
/// credentials it names; null when it cannot. Actors has no secret store, so the default resolves nothing and the pull
/// is tried anonymously.
/// </summary>
public delegate Task<RegistryCredential?> RegistryCredentialsResolver(string credentialsParameter, CancellationToken cancellationToken);

public sealed record DockerRuntimeOptions
{
    /// <summary>The engine's address; null means DOCKER_HOST, else <c>unix:///var/run/docker.sock</c>.</summary>
    public Uri? Endpoint { get; init; }
    /// <summary>Builds the task ARNs written to the containers' labels.</summary>
    public required AccountScope Scope { get; init; }
    /// <summary>The container instance this runtime works for: only containers labelled with it are seen.</summary>
    public required string ContainerInstanceArn { get; init; }
    public RegistryCredentialsResolver? ResolveRegistryCredentials { get; init; }
    /// <summary>ECS's default when a container has no <c>stopTimeout</c> (ECS_CONTAINER_STOP_TIMEOUT).</summary>
    public TimeSpan DefaultStopTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// How long a container waits for its dependencies' conditions when it has no <c>startTimeout</c>
    /// (ECS_CONTAINER_START_TIMEOUT, 3 minutes on Linux).
    /// </summary>
    public TimeSpan DefaultStartTimeout { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>How often a start re-inspects a dependency while waiting for its condition.</summary>
    public TimeSpan DependencyPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
