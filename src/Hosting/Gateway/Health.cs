using Actors.Hosting.Configuration;
using Akka.Actor;
using Akka.Cluster;

namespace Actors.Hosting.Gateway;

/// <summary>
/// Ready once this node is an Up member of its Akka cluster (only then can shard regions place entities), its journals
/// answer reads, and its local agent, when it runs one, has registered (so the agent's cluster exists); no longer ready
/// from the moment it begins to stop, so a load balancer sends nothing more. Otherwise 503 with the reason.
/// </summary>
public static class Health
{
    public static IResult Check(IServiceProvider services)
    {
        if (Problem(services) is { } problem)
            return Results.Text(problem + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.Text("ok\n");
    }

    private static string? Problem(IServiceProvider services)
    {
        if (services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
            return "stopping (answering the requests under way, then leaving the cluster)";
        var system = services.GetService<ActorSystem>();
        var status = system is null ? null : (MemberStatus?)Cluster.Get(system).SelfMember.Status;
        if (status != MemberStatus.Up) return $"starting ({status?.ToString() ?? "actor system not started"})";
        switch (services.GetService<JournalProbe>()?.Last)
        {
            case null: return "starting (the journal has not been read yet)";
            case { Healthy: false, Problem: var journalProblem }: return $"unhealthy: {journalProblem}";
        }
        if (services.GetService<AgentService>() is { AllRegistered: false })
            return "starting (the local agent has not registered its container instance yet)";
        return null;
    }
}
