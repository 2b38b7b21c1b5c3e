using System.Net.Sockets;
using System.Text;

namespace Actors.Nodes.Tests.Docker;

/// <summary>
/// A fact that needs a Docker engine: skipped, saying why, only when no engine answers on DOCKER_HOST or the default socket
/// (scripts/test starts one through scripts/docker-setup, so in the project's test run these tests run).
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> WhyNoEngine = new(ProbeEngine);

    public DockerFactAttribute()
    {
        if (WhyNoEngine.Value is { } reason) Skip = reason;
    }

    private static string? ProbeEngine()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
            return null; // a TCP engine: let the tests find out
        var path = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = 3000;
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8);
            var buffer = new byte[1024];
            var answer = Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer));
            return answer.Contains(" 200 ", StringComparison.Ordinal)
                ? null
                : $"the Docker engine at {path} does not answer /_ping with 200 (run scripts/docker-setup)";
        }
        catch (Exception error) when (error is SocketException or IOException)
        {
            return $"no Docker engine answers at {path} ({error.Message}); run scripts/docker-setup to install and start one";
        }
    }
}
