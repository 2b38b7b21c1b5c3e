using System.Collections.Immutable;
using System.Globalization;
using Actors.Domain.Tasks;
using Dm = Docker.DotNet.Models;

namespace Actors.Nodes.Agent.Docker;

/// <summary>Translates Docker's view of a container into ECS's words.</summary>
public static class ContainerObservation
{
    public const string Pending = "PENDING";
    public const string Running = "RUNNING";
    public const string Stopped = "STOPPED";

    /// <summary>The ECS agent's reason for a container the kernel killed for its memory.</summary>
    public const string OutOfMemoryReason = "OutOfMemoryError: Container killed due to memory usage";

    public static ReportedContainer Report(Dm.ContainerInspectResponse container, string? imageDigest)
    {
        var state = container.State;
        var status = StatusOf(state);
        return new ReportedContainer
        {
            Name = DockerLabels.Read(container.Config?.Labels, DockerLabels.ContainerName) ?? container.Name.TrimStart('/'),
            RuntimeId = container.ID,
            ImageDigest = imageDigest,
            Status = status,
            ExitCode = status == Stopped && state is not null ? (int)state.ExitCode : null,
            Reason = ReasonOf(state),
            NetworkBindings = status == Running ? BindingsOf(container) : [],
            HealthStatus = HealthOf(container),
        };
    }

    public static string StatusOf(Dm.State? state) => state?.Status switch
    {
        "running" or "paused" or "restarting" => Running,
        "exited" or "dead" or "removing" => Stopped,
        // A container whose start failed stays "created" with an error: it will not run.
        "created" when !string.IsNullOrEmpty(state.Error) => Stopped,
        _ => Pending,
    };

    /// <summary>Whether the container was ever started (Docker keeps StartedAt at the zero time until then).</summary>
    public static bool HasStarted(Dm.State? state) =>
        state is not null && (state.Running || (DateTimeOffset.TryParse(state.StartedAt, CultureInfo.InvariantCulture, out var startedAt) && startedAt.Year > 1));

    private static string? ReasonOf(Dm.State? state)
    {
        if (state is null) return null;
        if (state.OOMKilled) return OutOfMemoryReason;
        if (!string.IsNullOrEmpty(state.Error)) return $"CannotStartContainerError: {state.Error}";
        return null;
    }

    private static string? HealthOf(Dm.ContainerInspectResponse container)
    {
        // ECS reports no health for a container without a health check.
        if (container.Config?.Healthcheck?.Test is not { Count: > 0 } test || test[0] == "NONE") return null;
        return container.State?.Health?.Status switch
        {
            "healthy" => "HEALTHY",
            "unhealthy" => "UNHEALTHY",
            _ => "UNKNOWN",
        };
    }

    private static ImmutableList<NetworkBinding> BindingsOf(Dm.ContainerInspectResponse container)
    {
        var bindings = ImmutableList.CreateBuilder<NetworkBinding>();
        if (container.HostConfig?.NetworkMode == "host")
        {
            // The container's ports are the host's own.
            foreach (var key in container.Config?.ExposedPorts?.Keys ?? [])
                if (ParsePortKey(key) is var (port, protocol))
                    bindings.Add(new NetworkBinding("0.0.0.0", port, port, protocol));
            return bindings.ToImmutable();
        }
        foreach (var (key, published) in container.NetworkSettings?.Ports ?? new Dictionary<string, IList<Dm.PortBinding>>())
        {
            if (published is null || ParsePortKey(key) is not var (containerPort, protocol)) continue;
            foreach (var binding in published)
                if (int.TryParse(binding.HostPort, CultureInfo.InvariantCulture, out var hostPort)
                    // Docker publishes a port on IPv4 and IPv6 alike (20.10 may even pick two different ephemeral host ports);
                    // ECS shows the binding once, the IPv4 one, as the classic agent does.
                    && !(binding.HostIP == "::" && published.Any(other => other.HostIP is "0.0.0.0" or "")))
                    bindings.Add(new NetworkBinding(string.IsNullOrEmpty(binding.HostIP) ? "0.0.0.0" : binding.HostIP, containerPort, hostPort, protocol));
        }
        return bindings.ToImmutable();
    }

    private static (int Port, string Protocol)? ParsePortKey(string key)
    {
        var parts = key.Split('/', 2);
        return int.TryParse(parts[0], CultureInfo.InvariantCulture, out var port) ? (port, parts.Length == 2 ? parts[1] : "tcp") : null;
    }
}
