using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Newtonsoft.Json;

namespace Actors.Nodes;

/// <summary>
/// The answer to a peer's cluster bootstrap probe (GET /bootstrap/seed-nodes), exactly as Akka.Management's own route
/// writes it: this node's address and the reachable members it can offer as seed nodes (none while it is leaving).
/// </summary>
public static class BootstrapSeedNodes
{
    public const string Path = "/bootstrap/seed-nodes";
    private const int MaxSeedNodes = 5;

    public static string Json(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var self = cluster.SelfMember;
        if (self.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed)
            return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, []));
        var state = cluster.State;
        var members = state.Members
            .Where(member => !state.Unreachable.Contains(member))
            .Where(member => member.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
            .Take(MaxSeedNodes)
            .Select(member => new HttpBootstrapJsonProtocol.ClusterMember(member.UniqueAddress.Address, member.UniqueAddress.Uid, member.Status, member.Roles))
            .ToImmutableList();
        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
    }
}
