using System.Net.Http.Headers;
using System.Text.Json;
using Actors.Nodes.Protocol;

namespace Actors.Nodes.Agent;

/// <summary>An error the gateway answered in ECS's shape.</summary>
public sealed class GatewayError(string code, string message, int status) : Exception($"{code}: {message}")
{
    public string Code { get; } = code;
    public int Status { get; } = status;
}

/// <summary>Where the agent finds the control plane and how it signs its calls.</summary>
public sealed record GatewayConnection(IReadOnlyList<Uri> Endpoints, string AccessKeyId, string SecretAccessKey, string Region);

/// <summary>
/// The agent's HTTP client for the gateway: AWS JSON 1.1, SigV4-signed with the agent's own key, failing over to the
/// next endpoint when one does not answer. Agents never join the Akka cluster, so a thousand hosts stay clients.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");
    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _endpoints;
    private int _current;

    public GatewayClient(GatewayConnection connection, TimeSpan timeout)
    {
        if (connection.Endpoints.Count == 0) throw new ArgumentException("At least one gateway endpoint is needed.", nameof(connection));
        _endpoints = connection.Endpoints;
        var handler = new SigV4SigningHandler(connection.AccessKeyId, connection.SecretAccessKey, connection.Region, "ecs")
        {
            // No cap on connections: every hollow agent sharing this client holds one open long poll.
            InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
        };
        _http = new HttpClient(handler) { Timeout = timeout };
    }

    public Task<TResponse> Ecs<TResponse>(string action, object request, CancellationToken cancellationToken) =>
        Send<TResponse>("AmazonEC2ContainerServiceV20141113." + action, request, cancellationToken);

    /// <summary>Sends to the current endpoint; a connection failure or a 5xx moves to the next one and tries each once.</summary>
    public async Task<TResponse> Send<TResponse>(string target, object request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), WireJson.Options);
        Exception? lastFailure = null;
        for (var attempt = 0; attempt < _endpoints.Count; attempt++)
        {
            var endpoint = _endpoints[(_current + attempt) % _endpoints.Count];
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = JsonContentType;
                message.Headers.Add("X-Amz-Target", target);
                using var response = await _http.SendAsync(message, cancellationToken);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if ((int)response.StatusCode >= 500) throw GatewayErrorOf(bytes, (int)response.StatusCode);
                _current = (_current + attempt) % _endpoints.Count;
                if (!response.IsSuccessStatusCode) throw GatewayErrorOf(bytes, (int)response.StatusCode);
                return JsonSerializer.Deserialize<TResponse>(bytes, WireJson.Options)
                       ?? throw new GatewayError("SerializationException", "Empty response.", (int)response.StatusCode);
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested && IsEndpointFailure(failure))
            {
                lastFailure = failure;
            }
        }
        throw lastFailure!;
    }

    private static bool IsEndpointFailure(Exception failure) =>
        failure is HttpRequestException or TaskCanceledException || failure is GatewayError { Status: >= 500 };

    private static GatewayError GatewayErrorOf(byte[] body, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return new GatewayError(
                root.TryGetProperty("__type", out var type) ? type.GetString() ?? "Unknown" : "Unknown",
                root.TryGetProperty("message", out var message) ? message.GetString() ?? "" : "", status);
        }
        catch (JsonException)
        {
            return new GatewayError("Unknown", $"HTTP {status}", status);
        }
    }

    public void Dispose() => _http.Dispose();
}
