using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Actors.Domain.Common;
using Actors.Domain.Launches;

namespace Actors.Domain.Clusters;

/// <summary>The cluster aggregate: one entity per cluster name.</summary>
public sealed partial class Cluster : IAggregate<ClusterState, IClusterCommand, IClusterEvent>
{
    public const string DefaultName = "default";
    public const string ContainerInsightsSetting = "containerInsights";
    private static readonly string[] ContainerInsightsValues = ["enabled", "disabled", "enhanced"];

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,255}$")]
    private static partial Regex ValidName();

    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    public static DomainError? ValidateName(string name) => IsValidName(name)
        ? null
        : DomainError.InvalidParameter("Cluster name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.");

    public static ClusterState Empty(string entityId) => new() { Name = entityId };

    public static Decision<IClusterEvent> Decide(ClusterState state, IClusterCommand command) => command switch
    {
        CreateCluster create => DecideCreate(state, create),
        UpdateCluster update => DecideUpdate(state, update),
        UpdateClusterSettings update => DecideUpdate(state, new UpdateCluster(update.Context, update.Settings, null, null)),
        DeleteCluster delete => DecideDelete(state, delete),
        TagCluster tag => DecideTag(state, tag),
        UntagCluster untag => WhenActive(state) ?? Decision<IClusterEvent>.Accept(
            new ClusterUntagged(untag.Context.Because($"untagged cluster {state.Name}"), untag.TagKeys)),
        AdmitContainerInstance admit => DecideAdmit(state, admit),
        ReleaseContainerInstance release => state.ContainerInstanceIds.Contains(release.ContainerInstanceId)
            ? Decision<IClusterEvent>.Accept(new ContainerInstanceReleased(
                release.Context.Because($"container instance {release.ContainerInstanceId} left cluster {state.Name}"), release.ContainerInstanceId))
            : Decision<IClusterEvent>.Unchanged,
        AdmitService admit => DecideAdmitService(state, admit),
        ReleaseService release => state.Services.ContainsKey(release.ServiceName)
            ? Decision<IClusterEvent>.Accept(new ServiceReleased(
                release.Context.Because($"service {release.ServiceName} left cluster {state.Name}"), release.ServiceName))
            : Decision<IClusterEvent>.Unchanged,
        // A launch is planned only in an ACTIVE cluster; the rest of a launch follows its plan whatever becomes of the cluster.
        PlanLaunch when WhenActive(state) is { } notActive => notActive,
        ILaunchCommand launch => DecideLaunch(state, launch),
        _ => DomainError.InvalidParameter($"{command.GetType().Name} is not a cluster command."),
    };

    public static ClusterState Apply(ClusterState state, IClusterEvent @event) => @event switch
    {
        ClusterCreated created => Empty(state.Name) with
        {
            Status = ClusterStatus.ACTIVE,
            CreatedAt = created.Metadata.At,
            Tags = [.. created.Tags],
            Settings = [.. created.Settings],
            Configuration = created.Configuration,
            ServiceConnectDefaults = created.ServiceConnectDefaults,
        },
        ClusterSettingsUpdated updated => state with { Settings = MergeSettings(state.Settings, updated.Settings) },
        ClusterConfigurationUpdated updated => state with { Configuration = updated.Configuration },
        ClusterServiceConnectDefaultsUpdated updated => state with { ServiceConnectDefaults = updated.ServiceConnectDefaults },
        ClusterDeleted => state with { Status = ClusterStatus.INACTIVE },
        ClusterTagged tagged => state with { Tags = Tags.Merge(state.Tags, tagged.Tags) },
        ClusterUntagged untagged => state with { Tags = Tags.Remove(state.Tags, untagged.TagKeys) },
        ContainerInstanceAdmitted admitted => state with { ContainerInstanceIds = state.ContainerInstanceIds.Add(admitted.ContainerInstanceId) },
        ContainerInstanceReleased released => state with { ContainerInstanceIds = state.ContainerInstanceIds.Remove(released.ContainerInstanceId) },
        ServiceAdmitted admitted => state with { Services = state.Services.SetItem(admitted.ServiceName, admitted.SchedulingStrategy) },
        ServiceReleased released => state with { Services = state.Services.Remove(released.ServiceName) },
        // Written by builds that kept task locations in the cluster; locations now come from the instances themselves.
        TaskLocationsRecorded => state,
        ILaunchEvent launch => state.WithLaunches(LaunchProcess.Apply(state.Launching(), launch)),
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Unknown cluster event"),
    };

    /// <summary>The settings a cluster has when created without any: container insights off, as ECS answers.</summary>
    public static IReadOnlyList<ClusterSetting> DefaultSettings { get; } = [new(ContainerInsightsSetting, "disabled")];

    private static Decision<IClusterEvent> DecideCreate(ClusterState state, CreateCluster create)
    {
        var error = ValidateName(state.Name)
            ?? ValidateSettings(create.Settings)
            ?? Tags.Validate(create.Tags)
            ?? ValidateCapacityProviders(create.CapacityProviders);
        if (error is not null) return error;
        // CreateCluster is idempotent in ECS: an ACTIVE cluster of that name is answered as it is.
        if (state.IsActive) return Decision<IClusterEvent>.Unchanged;
        var settings = MergeSettings([.. DefaultSettings], create.Settings);
        return Decision<IClusterEvent>.Accept(new ClusterCreated(
            create.Context.Because(state.Exists ? $"re-created inactive cluster {state.Name}" : $"created cluster {state.Name}"),
            state.Name, create.Tags, settings, create.Configuration, create.ServiceConnectDefaults));
    }

    private static Decision<IClusterEvent> DecideUpdate(ClusterState state, UpdateCluster update)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (update.Settings is not null && ValidateSettings(update.Settings) is { } invalid) return invalid;
        var events = new List<IClusterEvent>();
        if (update.Settings is { Count: > 0 } settings && !MergeSettings(state.Settings, settings).SequenceEqual(state.Settings))
            events.Add(new ClusterSettingsUpdated(update.Context.Because($"updated settings of cluster {state.Name}"), settings));
        if (update.Configuration is not null && update.Configuration != state.Configuration)
            events.Add(new ClusterConfigurationUpdated(update.Context.Because($"updated configuration of cluster {state.Name}"), update.Configuration));
        if (update.ServiceConnectDefaults is not null && update.ServiceConnectDefaults != state.ServiceConnectDefaults)
            events.Add(new ClusterServiceConnectDefaultsUpdated(
                update.Context.Because($"updated Service Connect defaults of cluster {state.Name}"), update.ServiceConnectDefaults));
        return Decision<IClusterEvent>.Accept(events);
    }

    private static Decision<IClusterEvent> DecideDelete(ClusterState state, DeleteCluster delete)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (!state.ContainerInstanceIds.IsEmpty)
            return new DomainError(ErrorCodes.ClusterContainsContainerInstances,
                "The Cluster cannot be deleted while Container Instances are active or draining.");
        if (state.ActiveServicesCount > 0)
            return new DomainError(ErrorCodes.ClusterContainsServices, "The Cluster cannot be deleted while Services are active.");
        return Decision<IClusterEvent>.Accept(new ClusterDeleted(delete.Context.Because($"deleted cluster {state.Name}")));
    }

    private static Decision<IClusterEvent> DecideTag(ClusterState state, TagCluster tag)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (Tags.ValidateMerge(state.Tags, tag.Tags) is { } invalid) return invalid;
        return Decision<IClusterEvent>.Accept(new ClusterTagged(tag.Context.Because($"tagged cluster {state.Name}"), tag.Tags));
    }

    private static Decision<IClusterEvent> DecideAdmit(ClusterState state, AdmitContainerInstance admit)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (state.ContainerInstanceIds.Contains(admit.ContainerInstanceId)) return Decision<IClusterEvent>.Unchanged;
        if (state.ContainerInstanceIds.Count >= admit.MaxInstances)
            return new DomainError(ErrorCodes.LimitExceeded,
                $"Cluster {state.Name} already has {state.ContainerInstanceIds.Count} container instances, the most a cluster may have.");
        return Decision<IClusterEvent>.Accept(new ContainerInstanceAdmitted(
            admit.Context.Because($"container instance {admit.ContainerInstanceId} joined cluster {state.Name}"), admit.ContainerInstanceId));
    }

    private static Decision<IClusterEvent> DecideAdmitService(ClusterState state, AdmitService admit)
    {
        if (WhenActive(state) is { } notActive) return notActive;
        if (state.Services.ContainsKey(admit.ServiceName)) return Decision<IClusterEvent>.Unchanged;
        if (state.Services.Count >= admit.MaxServices)
            return new DomainError(ErrorCodes.LimitExceeded, $"Cluster {state.Name} already has {state.Services.Count} services, the most a cluster may have.");
        return Decision<IClusterEvent>.Accept(new ServiceAdmitted(
            admit.Context.Because($"service {admit.ServiceName} joined cluster {state.Name}"), admit.ServiceName, admit.SchedulingStrategy));
    }

    /// <summary>The launch process runs on the cluster's launches and clientTokens; its events are the cluster's.</summary>
    private static Decision<IClusterEvent> DecideLaunch(ClusterState state, ILaunchCommand command)
    {
        var decision = LaunchProcess.Decide(state.Launching(), command);
        return decision.IsAccepted ? Decision<IClusterEvent>.Accept([.. decision.Events]) : decision.Error!;
    }

    private static DomainError? WhenActive(ClusterState state) => state.IsActive ? null : DomainError.ClusterNotFound();

    private static DomainError? ValidateSettings(IReadOnlyList<ClusterSetting> settings)
    {
        foreach (var setting in settings)
        {
            if (setting.Name != ContainerInsightsSetting)
                return DomainError.InvalidParameter($"Unsupported cluster setting name '{setting.Name}'. Valid names: {ContainerInsightsSetting}.");
            if (!ContainerInsightsValues.Contains(setting.Value))
                return DomainError.InvalidParameter(
                    $"Invalid value '{setting.Value}' for cluster setting {ContainerInsightsSetting}. Valid values: {string.Join(", ", ContainerInsightsValues)}.");
        }
        return null;
    }

    private static DomainError? ValidateCapacityProviders(IReadOnlyList<string> capacityProviders) => capacityProviders.Count == 0
        ? null
        // Capacity providers scale EC2 Auto Scaling groups or Fargate, neither of which exists on hosts you run yourself.
        : DomainError.InvalidParameter(
            $"The specified capacity provider '{capacityProviders[0]}' does not exist: Actors places tasks on registered container instances and has no capacity providers.");

    private static ImmutableList<ClusterSetting> MergeSettings(ImmutableList<ClusterSetting> existing, IEnumerable<ClusterSetting> updates) =>
        KeyedLists.MergeBy(existing, updates, s => s.Name);
}
