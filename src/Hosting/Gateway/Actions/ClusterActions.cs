using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Hosting.Gateway.Auth;
using Actors.Hosting.Gateway.Shapes;

namespace Actors.Hosting.Gateway.Actions;

public sealed record CreateClusterRequest(
    string? ClusterName, List<Tag>? Tags, List<ClusterSetting>? Settings, ClusterConfiguration? Configuration,
    List<string>? CapacityProviders, List<CapacityProviderStrategyItem>? DefaultCapacityProviderStrategy,
    ServiceConnectDefaults? ServiceConnectDefaults);

public sealed record CapacityProviderStrategyItem(string CapacityProvider, int? Weight, int? Base);

public sealed record DescribeClustersRequest(List<string>? Clusters, List<string>? Include);

public sealed record ListClustersRequest(string? NextToken, int? MaxResults);

public sealed record UpdateClusterRequest(string? Cluster, List<ClusterSetting>? Settings, ClusterConfiguration? Configuration,
    ServiceConnectDefaults? ServiceConnectDefaults);

public sealed record UpdateClusterSettingsRequest(string? Cluster, List<ClusterSetting>? Settings);

public sealed record ClusterRequest(string? Cluster);

public static class ClusterActions
{
    private const int MaxClustersPerDescribe = 100;

    // ATTACHMENTS is accepted and has nothing to add: Actors makes no capacity-provider attachments.
    private static readonly Dictionary<string, ClusterShape.Details> IncludeNames = new()
    {
        ["TAGS"] = ClusterShape.Details.Tags,
        ["SETTINGS"] = ClusterShape.Details.Settings,
        ["STATISTICS"] = ClusterShape.Details.Statistics,
        ["CONFIGURATIONS"] = ClusterShape.Details.Configurations,
        ["ATTACHMENTS"] = ClusterShape.Details.None,
    };

    public static void Register(ActionTable table)
    {
        // An agent creates the cluster it is told to join unless that is "default" (which its first instance creates),
        // as the Amazon ECS agent's managed policy allows it; CreateCluster leaves an existing cluster as it is.
        table.Add<CreateClusterRequest>("CreateCluster", CreateCluster, KeyRole.User | KeyRole.Agent);
        table.Add<DescribeClustersRequest>("DescribeClusters", DescribeClusters);
        table.Add<ListClustersRequest>("ListClusters", ListClusters);
        table.Add<UpdateClusterRequest>("UpdateCluster", UpdateCluster);
        table.Add<UpdateClusterSettingsRequest>("UpdateClusterSettings", UpdateClusterSettings);
        table.Add<ClusterRequest>("DeleteCluster", DeleteCluster);
    }

    private static async Task<object> CreateCluster(CreateClusterRequest request, ActionContext context)
    {
        var name = ResourceNames.ValidClusterName(string.IsNullOrEmpty(request.ClusterName) ? Cluster.DefaultName : request.ClusterName);
        var capacityProviders = (request.CapacityProviders ?? [])
            .Concat((request.DefaultCapacityProviderStrategy ?? []).Select(s => s.CapacityProvider)).Distinct().ToList();
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Send(name, new Domain.Clusters.CreateCluster(
            context.Request, request.Tags ?? [], request.Settings ?? [], request.Configuration, request.ServiceConnectDefaults, capacityProviders),
            context.Cancellation));
        return new { cluster = ClusterShape.From(state, context.Plane.Account, ClusterShape.Details.All, await TaskCounts(state, context)) };
    }

    private static async Task<object> DescribeClusters(DescribeClustersRequest request, ActionContext context)
    {
        var names = request.Clusters is { Count: > 0 } given ? given : [Cluster.DefaultName];
        if (names.Count > MaxClustersPerDescribe)
            throw EcsError.InvalidParameter($"At most {MaxClustersPerDescribe} clusters can be described at once.");
        var details = Includes.Parse(request.Include, IncludeNames);

        var clusters = new List<ClusterShape>();
        var failures = new List<Failure>();
        foreach (var nameOrArn in names)
        {
            var name = ResourceNames.Cluster(nameOrArn);
            var state = Cluster.IsValidName(name) ? await context.Plane.Clusters.GetState(name, context.Cancellation) : null;
            if (state is { Exists: true }) clusters.Add(ClusterShape.From(state, context.Plane.Account, details, await TaskCounts(state, context)));
            else failures.Add(new Failure(context.Plane.Account.ClusterArn(name), "MISSING"));
        }
        return new { clusters, failures };
    }

    /// <summary>Running and pending tasks, as the cluster's scheduler counts them in its view of the instances.</summary>
    private static async Task<ClusterShape.TaskCounts> TaskCounts(ClusterState state, ActionContext context)
    {
        if (!state.IsActive || state.RegisteredContainerInstancesCount() == 0) return ClusterShape.TaskCounts.None;
        var summary = await context.Plane.Clusters.Ask<Nodes.Scheduling.ClusterSummary>(state.Name, Nodes.Scheduling.GetClusterSummary.Instance,
            context.Cancellation);
        return new ClusterShape.TaskCounts(summary.RunningTasks, summary.PendingTasks);
    }

    private static async Task<object> ListClusters(ListClustersRequest request, ActionContext context)
    {
        var pageSize = Paging.PageSize(request.MaxResults);
        var page = await context.Plane.ActiveClusters(Paging.LastKey(request.NextToken), pageSize, context.Cancellation);
        return new { clusterArns = page.Ids.Select(context.Plane.Account.ClusterArn), nextToken = page.More ? Paging.TokenAfter(page.Ids[^1]) : null };
    }

    private static async Task<object> UpdateCluster(UpdateClusterRequest request, ActionContext context)
    {
        var name = ResourceNames.RequiredCluster(request.Cluster);
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Send(name, new Domain.Clusters.UpdateCluster(
            context.Request, request.Settings, request.Configuration, request.ServiceConnectDefaults), context.Cancellation));
        return new { cluster = ClusterShape.From(state, context.Plane.Account, ClusterShape.Details.All, await TaskCounts(state, context)) };
    }

    private static async Task<object> UpdateClusterSettings(UpdateClusterSettingsRequest request, ActionContext context)
    {
        var name = ResourceNames.RequiredCluster(request.Cluster);
        if (request.Settings is null) throw EcsError.InvalidParameter("settings is required.");
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Send(name,
            new Domain.Clusters.UpdateClusterSettings(context.Request, request.Settings), context.Cancellation));
        return new { cluster = ClusterShape.From(state, context.Plane.Account, ClusterShape.Details.All, await TaskCounts(state, context)) };
    }

    private static async Task<object> DeleteCluster(ClusterRequest request, ActionContext context)
    {
        var name = ResourceNames.RequiredCluster(request.Cluster);
        var state = await ControlPlane.Accepted(context.Plane.Clusters.Send(name, new Domain.Clusters.DeleteCluster(context.Request), context.Cancellation));
        return new { cluster = ClusterShape.From(state, context.Plane.Account, ClusterShape.Details.All, await TaskCounts(state, context)) };
    }
}
