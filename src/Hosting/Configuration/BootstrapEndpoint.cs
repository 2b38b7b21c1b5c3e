using Actors.Nodes;
using Akka.Actor;

namespace Actors.Hosting.Configuration;

/// <summary>
/// The cluster bootstrap's endpoint of a node with peers: one route, GET /bootstrap/seed-nodes, on the port above the
/// node's transport (<see cref="NodeAddress.BootstrapPort"/>), apart from the gateway so that the API is never served
/// there. Peers probe it to find the cluster to join.
/// </summary>
public sealed class BootstrapEndpoint(NodeAddress address, IServiceProvider services) : IHostedService
{
    private WebApplication? server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{address.Host}:{address.BootstrapPort}");
        server = builder.Build();
        server.MapGet(BootstrapSeedNodes.Path, () => services.GetService<ActorSystem>() is { } system
            ? Results.Text(BootstrapSeedNodes.Json(system), "application/json")
            : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await server.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is null) return;
        await server.StopAsync(cancellationToken);
        await server.DisposeAsync();
    }
}
