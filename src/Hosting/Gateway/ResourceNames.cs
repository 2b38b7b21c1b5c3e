using Actors.Domain.Clusters;
using Actors.Domain.Common;

namespace Actors.Hosting.Gateway;

/// <summary>Every ECS API that takes a resource accepts its short name or its full ARN.</summary>
public static class ResourceNames
{
    /// <summary>The cluster a request names, or <c>default</c> where ECS lets it be left out.</summary>
    public static string Cluster(string? clusterOrArn)
    {
        if (string.IsNullOrEmpty(clusterOrArn)) return Domain.Clusters.Cluster.DefaultName;
        if (!Arn.LooksLikeArn(clusterOrArn)) return clusterOrArn;
        if (Arn.TryParse(clusterOrArn, out var arn) && arn.ResourceType == "cluster" && !arn.ResourcePath.Contains('/'))
            return arn.ResourcePath;
        throw EcsError.InvalidParameter($"Invalid cluster ARN: {clusterOrArn}");
    }

    /// <summary>A cluster that must be given (UpdateCluster, DeleteCluster...).</summary>
    public static string RequiredCluster(string? clusterOrArn) => string.IsNullOrEmpty(clusterOrArn)
        ? throw EcsError.InvalidParameter("cluster is required.")
        : Cluster(clusterOrArn);

    /// <summary>Checks a name before it becomes an entity id, so a bad name never reaches the journal as a persistence id.</summary>
    public static string ValidClusterName(string name) =>
        Domain.Clusters.Cluster.ValidateName(name) is { } error ? throw EcsError.From(error) : name;
}
