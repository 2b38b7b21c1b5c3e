using Akka.Actor;
using Akka.Cluster;

namespace Actors.Hosting.Gateway;

/// <summary>Ready once this node is an Up member of its Akka cluster: only then can shard regions place entities.</summary>
public static class Health
{
    public static IResult Check(IServiceProvider services)
    {
        var system = services.GetService<ActorSystem>();
        var status = system is null ? null : (MemberStatus?)Cluster.Get(system).SelfMember.Status;
        return status == MemberStatus.Up
            ? Results.Text("ok\n")
            : Results.Text($"starting ({status?.ToString() ?? "actor system not started"})\n", statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
