using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.ContainerInstances;

public interface IContainerInstanceCommand : IDomainCommand;

/// <summary>
/// RegisterContainerInstance from an agent. For an instance that is already registered (ECS's re-registration with
/// <c>containerInstanceArn</c>) it refreshes resources, versions, agent attributes and devices and keeps everything else.
/// </summary>
/// <param name="InstanceId">
/// The instance re-registered (from <c>containerInstanceArn</c>); null for a new registration, which its cluster's
/// scheduler names (<see cref="ContainerInstance.Named"/>) before the instance sees it.
/// </param>
/// <param name="RegistrationId">The registration id an Actors agent puts in its identity document: names the new instance.</param>
public sealed record RegisterContainerInstance(
    RequestContext Context,
    string Cluster,
    string? InstanceId,
    string? Ec2InstanceId,
    ImmutableList<Resource> TotalResources,
    VersionInfo? VersionInfo,
    ImmutableList<Attribute> Attributes,
    ImmutableList<Tag> Tags,
    ImmutableList<PlatformDevice>? PlatformDevices = null,
    string? RegistrationId = null) : IContainerInstanceCommand;

/// <param name="Force">Deregister even with tasks on the instance; they are orphaned, as in ECS.</param>
public sealed record DeregisterContainerInstance(RequestContext Context, bool Force) : IContainerInstanceCommand;

/// <summary>UpdateContainerInstancesState for this instance; ECS accepts only ACTIVE and DRAINING (as text, checked here).</summary>
public sealed record UpdateContainerInstanceState(RequestContext Context, string Status) : IContainerInstanceCommand;

/// <summary>PutAttributes aimed at this instance (the gateway resolves each attribute's target first).</summary>
public sealed record PutContainerInstanceAttributes(RequestContext Context, ImmutableList<Attribute> Attributes) : IContainerInstanceCommand;

/// <summary>DeleteAttributes aimed at this instance: only names count, as ECS ignores values on delete.</summary>
public sealed record DeleteContainerInstanceAttributes(RequestContext Context, ImmutableList<string> Names) : IContainerInstanceCommand;

public sealed record TagContainerInstance(RequestContext Context, ImmutableList<Tag> Tags) : IContainerInstanceCommand;

public sealed record UntagContainerInstance(RequestContext Context, ImmutableList<string> TagKeys) : IContainerInstanceCommand;
