namespace Actors.Hosting.Configuration;

/// <summary>
/// Background work that ends as soon as the host begins to stop (SIGTERM), before any hosted service's StopAsync: the
/// server then drains its requests and the actor system leaves the cluster without this work still calling them (an
/// agent syncing with a gateway that is going away, a probe reading a journal that is being closed).
/// </summary>
public abstract class StopsFirstService : BackgroundService, IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
