using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Actors.Domain.Common;

namespace Actors.Domain.ContainerInstances;

/// <summary>A container instance as an event-sourced aggregate; entity id <c>&lt;cluster&gt;/&lt;instanceId&gt;</c>.</summary>
public sealed partial class ContainerInstance : IAggregate<ContainerInstanceState, IContainerInstanceCommand, IContainerInstanceEvent>
{
    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex InstanceIdFormat();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,255}$")]
    private static partial Regex ClusterNameFormat();

    public static bool IsValidInstanceId(string? instanceId) => instanceId is not null && InstanceIdFormat().IsMatch(instanceId);

    /// <summary>
    /// The registration with the instance it makes named: the one it re-registers; else, from the registration id of an
    /// Actors agent, the same id for every retry of one registration (an answer lost in a timeout must not leave a second
    /// instance) and a new one for the agent's next registration; else <paramref name="newInstanceId"/> (ECS's fresh id).
    /// </summary>
    public static RegisterContainerInstance Named(RegisterContainerInstance command, Func<string> newInstanceId) =>
        command.InstanceId is not null ? command
        : command with { InstanceId = command.RegistrationId is { } registration ? InstanceIdOfRegistration(command.Cluster, registration) : newInstanceId() };

    private static string InstanceIdOfRegistration(string cluster, string registrationId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{cluster}/{registrationId}")))[..32];

    public static ContainerInstanceState Empty(string entityId)
    {
        // Cluster names cannot contain '/', instance ids neither: the last slash separates them.
        var slash = entityId.LastIndexOf('/');
        if (slash <= 0 || slash == entityId.Length - 1)
            throw new ArgumentException($"A container instance entity id is '<cluster>/<instanceId>', not '{entityId}'.", nameof(entityId));
        return ContainerInstanceState.Unregistered(entityId[..slash], entityId[(slash + 1)..]);
    }

    public static Decision<IContainerInstanceEvent> Decide(ContainerInstanceState state, IContainerInstanceCommand command) => command switch
    {
        RegisterContainerInstance register => DecideRegister(state, register),
        DeregisterContainerInstance deregister => DecideDeregister(state, deregister),
        UpdateContainerInstanceState update => DecideUpdateState(state, update),
        PutContainerInstanceAttributes put => DecidePutAttributes(state, put),
        DeleteContainerInstanceAttributes delete => DecideDeleteAttributes(state, delete),
        TagContainerInstance tag => DecideTag(state, tag),
        UntagContainerInstance untag => DecideUntag(state, untag),
        ITaskCommand task => DecideTask(state, task),
        _ => DomainError.InvalidParameter($"{command.GetType().Name} is not a container instance command."),
    };

    public static ContainerInstanceState Apply(ContainerInstanceState state, IContainerInstanceEvent @event)
    {
        var next = @event switch
        {
            ContainerInstanceRegistered e => state with
            {
                ClusterName = e.ClusterName,
                InstanceId = e.InstanceId,
                Ec2InstanceId = e.Ec2InstanceId,
                Status = ContainerInstanceStatus.ACTIVE,
                StatusReason = null,
                VersionInfo = e.VersionInfo,
                RegisteredResources = e.RegisteredResources,
                RemainingResources = e.RegisteredResources,
                Attributes = e.Attributes,
                Tags = e.Tags,
                PlatformDevices = e.PlatformDevices,
                RegisteredAt = e.Metadata.At,
                RegisteredBy = e.Metadata.Principal,
            },
            ContainerInstanceReregistered e => state with
            {
                Ec2InstanceId = e.Ec2InstanceId,
                VersionInfo = e.VersionInfo,
                RegisteredResources = e.RegisteredResources,
                RemainingResources = e.RemainingResources,
                Attributes = e.Attributes,
                Tags = e.Tags,
                PlatformDevices = e.PlatformDevices,
            },
            ContainerInstanceDeregistered => state with { Status = ContainerInstanceStatus.INACTIVE, AgentConnected = false },
            ContainerInstanceStateChanged e => state with { Status = e.Status },
            ContainerInstanceAttributesPut e => state with { Attributes = Attributes.Merge(state.Attributes, e.Attributes) },
            ContainerInstanceAttributesDeleted e => state with { Attributes = Attributes.Remove(state.Attributes, e.Names) },
            ContainerInstanceTagged e => state with { Tags = Common.Tags.Merge(state.Tags, e.Tags) },
            ContainerInstanceUntagged e => state with { Tags = Common.Tags.Remove(state.Tags, e.TagKeys) },
            ITaskEvent e => ApplyTask(state, e),
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Not a container instance event."),
        };
        return next with { Version = state.Version + 1 };
    }

    private static Decision<IContainerInstanceEvent> DecideRegister(ContainerInstanceState state, RegisterContainerInstance command)
    {
        if (!ClusterNameFormat().IsMatch(command.Cluster ?? ""))
            return DomainError.InvalidParameter("Cluster names must be 1-255 letters, numbers, hyphens and underscores.");
        if (!IsValidInstanceId(command.InstanceId))
            return DomainError.InvalidParameter($"Container instance id '{command.InstanceId}' is invalid: ids are 32 lowercase hexadecimal characters.");
        if (command.Cluster != state.ClusterName || command.InstanceId != state.InstanceId)
            return DomainError.InvalidParameter(
                $"The container instance {command.Cluster}/{command.InstanceId} was sent to the entity {state.EntityId}.");
        if (state.Status is ContainerInstanceStatus.INACTIVE)
            return DomainError.Client(
                $"The container instance {state.InstanceId} was deregistered; deregistration is final. Register the host again as a new container instance.");
        if (state.IsRegistered && RefuseOtherAgent(state, command.Context) is { } notItsAgent) return notItsAgent;
        // The gateway deserializes absent lists as null.
        command = command with { TotalResources = command.TotalResources ?? [], Attributes = command.Attributes ?? [], Tags = command.Tags ?? [] };
        if ((ValidateResources(command.TotalResources) ?? Attributes.Validate(command.Attributes) ?? Tags.Validate(command.Tags)
            ?? ValidatePlatformDevices(command.PlatformDevices)) is { } invalid)
            return invalid;

        var devices = command.PlatformDevices ?? [];
        var reason = state.IsRegistered ? "The agent registered the container instance again." : "The agent registered the container instance.";
        if (!state.IsRegistered)
        {
            var attributes = Attributes.Merge([], command.Attributes);
            if (Attributes.CheckLimits(attributes) is { } firstOverLimit) return firstOverLimit;
            return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceRegistered(
                command.Context.Because(reason), command.Cluster, command.InstanceId, command.Ec2InstanceId,
                command.TotalResources, command.VersionInfo, attributes, Tags.Merge([], command.Tags), devices));
        }

        // The agent owns the ecs.* attributes, so the ones it no longer reports go; custom ones put by users stay.
        var kept = state.Attributes.RemoveAll(a => Attributes.IsAgentAttribute(a.Name));
        var merged = Attributes.Merge(kept, command.Attributes);
        if (Attributes.CheckLimits(merged) is { } overLimit) return overLimit;
        if (Tags.ValidateMerge(state.Tags, command.Tags) is { } tagError) return tagError;
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceReregistered(
            command.Context.Because(reason),
            command.Ec2InstanceId ?? state.Ec2InstanceId,
            command.TotalResources,
            ResourceLedger.Rebase(state.RegisteredResources, state.RemainingResources, command.TotalResources),
            command.VersionInfo ?? state.VersionInfo,
            merged,
            Tags.Merge(state.Tags, command.Tags),
            command.PlatformDevices ?? state.PlatformDevices));
    }

    private static Decision<IContainerInstanceEvent> DecideDeregister(ContainerInstanceState state, DeregisterContainerInstance command)
    {
        if (!state.IsRegistered) return NotFound(state);
        var tasks = state.RunningTasksCount + state.PendingTasksCount;
        if (tasks > 0 && !command.Force)
            return DomainError.InvalidParameter(
                $"The container instance {state.InstanceId} has {tasks} tasks running. Stop them first, or deregister with force to orphan them.");
        var reason = tasks > 0 ? $"Deregistered with force, stopping {tasks} tasks." : "Deregistered.";
        // No agent will report these tasks again: they stop now rather than show RUNNING forever.
        return Decision<IContainerInstanceEvent>.Accept([
            .. StopTasksOfDeregisteredInstance(state, command.Context),
            new ContainerInstanceDeregistered(command.Context.Because(reason), tasks > 0)]);
    }

    private static Decision<IContainerInstanceEvent> DecideUpdateState(ContainerInstanceState state, UpdateContainerInstanceState command)
    {
        if (command.Status is not (nameof(ContainerInstanceStatus.ACTIVE) or nameof(ContainerInstanceStatus.DRAINING)))
            return DomainError.InvalidParameter($"Container instance status '{command.Status}' is invalid: the only valid values are ACTIVE and DRAINING.");
        if (!state.IsRegistered) return NotFound(state);
        if (state.Status is not (ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING))
            return DomainError.InvalidParameter(
                $"The container instance {state.InstanceId} is {state.Status}; its state can only be updated once it is ACTIVE.");
        var status = Enum.Parse<ContainerInstanceStatus>(command.Status);
        if (status == state.Status) return Decision<IContainerInstanceEvent>.Unchanged;
        var reason = status == ContainerInstanceStatus.DRAINING ? "Set to DRAINING: no new tasks are placed on it." : "Set back to ACTIVE.";
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceStateChanged(command.Context.Because(reason), status));
    }

    private static Decision<IContainerInstanceEvent> DecidePutAttributes(ContainerInstanceState state, PutContainerInstanceAttributes command)
    {
        if (!state.IsRegistered) return TargetNotFound(state);
        if (Attributes.Validate(command.Attributes) is { } invalid) return invalid;
        // ecs.* attributes describe the host as its agent reported it; placement relies on them being true.
        if (command.Attributes.FirstOrDefault(a => Attributes.IsAgentAttribute(a.Name)) is { } reserved)
            return DomainError.InvalidParameter($"Attribute '{reserved.Name}' is reserved: names beginning with 'ecs.' are set by the container agent.");
        var merged = Attributes.Merge(state.Attributes, command.Attributes);
        if (Attributes.CustomCount(merged) > Attributes.MaxCustomPerResource) return Attributes.LimitExceeded();
        var changed = command.Attributes.Select(Attributes.Normalize).Where(a => !state.Attributes.Contains(a)).ToImmutableList();
        if (changed.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceAttributesPut(
            command.Context.Because($"Put attributes {string.Join(", ", changed.Select(a => a.Name))}."), changed));
    }

    private static Decision<IContainerInstanceEvent> DecideDeleteAttributes(ContainerInstanceState state, DeleteContainerInstanceAttributes command)
    {
        if (!state.IsRegistered) return TargetNotFound(state);
        foreach (var name in command.Names)
        {
            if (Attributes.ValidateName(name) is { } invalid) return invalid;
            if (Attributes.IsAgentAttribute(name))
                return DomainError.InvalidParameter($"Attribute '{name}' is reserved: names beginning with 'ecs.' are set by the container agent.");
        }
        var present = command.Names.Distinct().Where(state.HasAttribute).ToImmutableList();
        if (present.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceAttributesDeleted(
            command.Context.Because($"Deleted attributes {string.Join(", ", present)}."), present));
    }

    private static Decision<IContainerInstanceEvent> DecideTag(ContainerInstanceState state, TagContainerInstance command)
    {
        if (!state.IsRegistered) return ResourceNotFound(state);
        if (Tags.ValidateTagging(state.Tags, command.Tags) is { } invalid) return invalid;
        var changed = Tags.Changed(state.Tags, command.Tags);
        if (changed.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceTagged(
            command.Context.Because($"Tagged {string.Join(", ", changed.Select(t => t.Key))}."), changed));
    }

    private static Decision<IContainerInstanceEvent> DecideUntag(ContainerInstanceState state, UntagContainerInstance command)
    {
        if (!state.IsRegistered) return ResourceNotFound(state);
        if (Tags.ValidateUntagging(command.TagKeys) is { } invalid) return invalid;
        var present = Tags.Present(state.Tags, command.TagKeys);
        if (present.IsEmpty) return Decision<IContainerInstanceEvent>.Unchanged;
        return Decision<IContainerInstanceEvent>.Accept(new ContainerInstanceUntagged(
            command.Context.Because($"Untagged {string.Join(", ", present)}."), present));
    }

    private static DomainError? ValidateResources(ImmutableList<Resource>? resources)
    {
        if (resources is null) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            if (string.IsNullOrEmpty(resource.Name)) return DomainError.InvalidParameter("Every resource needs a name.");
            if (!names.Add(resource.Name)) return DomainError.InvalidParameter($"Resource '{resource.Name}' is given more than once.");
            switch (resource.Name)
            {
                case ResourceNames.Cpu or ResourceNames.Memory:
                    if (resource.Type is not (ResourceTypes.Integer or ResourceTypes.Long))
                        return DomainError.InvalidParameter($"Resource '{resource.Name}' must be of type INTEGER.");
                    if (resource.NumericValue < 0)
                        return DomainError.InvalidParameter($"Resource '{resource.Name}' cannot be negative.");
                    break;
                case ResourceNames.Ports or ResourceNames.UdpPorts:
                    if (resource.Type != ResourceTypes.StringSet)
                        return DomainError.InvalidParameter($"Resource '{resource.Name}' must be of type STRINGSET.");
                    if ((resource.StringSetValue ?? []).Any(p => !int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
                        return DomainError.InvalidParameter($"Resource '{resource.Name}' must list port numbers between 1 and 65535.");
                    break;
            }
        }
        return null;
    }

    private static DomainError? ValidatePlatformDevices(ImmutableList<PlatformDevice>? devices)
    {
        foreach (var device in devices ?? [])
        {
            if (string.IsNullOrEmpty(device.Id)) return DomainError.InvalidParameter("Every platform device needs an id.");
            if (!PlatformDevice.SupportedTypes.Contains(device.Type))
                return DomainError.InvalidParameter($"Platform device type '{device.Type}' is invalid: supported types are GPU and NEURON_DEVICE.");
        }
        return null;
    }

    /// <summary>
    /// True when <paramref name="principal"/> is the agent of the instance: the key that registered it. An agent key
    /// registers any number of instances (hollow agents, a host registered anew) and answers for each of them; no key
    /// answers for an instance another key registered.
    /// </summary>
    public static bool IsAgentOf(ContainerInstanceState state, string principal) =>
        state.RegisteredBy is { } agent && string.Equals(agent, principal, StringComparison.Ordinal);

    /// <summary>Refuses a registration or a sync from anyone but the instance's own agent.</summary>
    private static DomainError? RefuseOtherAgent(ContainerInstanceState state, RequestContext context) =>
        IsAgentOf(state, context.Principal)
            ? null
            : DomainError.AccessDenied(
                $"Access key {context.Principal} is not the agent of container instance {state.InstanceId}: only the key that registered an instance may register it again or sync it.");

    // ECS answers differently per API for an instance it does not know (or no longer knows):
    // the instance APIs with InvalidParameterException, PutAttributes/DeleteAttributes with TargetNotFoundException,
    // and TagResource/UntagResource with ResourceNotFoundException.
    private static DomainError NotFound(ContainerInstanceState state) =>
        DomainError.InvalidParameter($"The referenced container instance {state.InstanceId} was not found in cluster {state.ClusterName}.");

    private static DomainError TargetNotFound(ContainerInstanceState state) =>
        new(ErrorCodes.TargetNotFound, $"Could not find the target container instance {state.InstanceId} in cluster {state.ClusterName}.");

    private static DomainError ResourceNotFound(ContainerInstanceState state) =>
        new(ErrorCodes.ResourceNotFound, $"The specified resource was not found: container instance {state.InstanceId} in cluster {state.ClusterName}.");
}
