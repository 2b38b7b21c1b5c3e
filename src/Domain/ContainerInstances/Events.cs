using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.ContainerInstances;

public interface IContainerInstanceEvent : IDomainEvent;

/// <summary>A first registration: the instance becomes ACTIVE with remaining resources equal to the registered ones, registered at <c>Metadata.At</c>.</summary>
public sealed record ContainerInstanceRegistered(
    EventMetadata Metadata,
    string ClusterName,
    string InstanceId,
    string? Ec2InstanceId,
    ImmutableList<Resource> RegisteredResources,
    VersionInfo? VersionInfo,
    ImmutableList<Attribute> Attributes,
    ImmutableList<Tag> Tags,
    ImmutableList<PlatformDevice> PlatformDevices) : IContainerInstanceEvent;

/// <summary>The agent registered again: carries the resulting lists, remaining resources already rebased on what tasks hold.</summary>
public sealed record ContainerInstanceReregistered(
    EventMetadata Metadata,
    string? Ec2InstanceId,
    ImmutableList<Resource> RegisteredResources,
    ImmutableList<Resource> RemainingResources,
    VersionInfo? VersionInfo,
    ImmutableList<Attribute> Attributes,
    ImmutableList<Tag> Tags,
    ImmutableList<PlatformDevice> PlatformDevices) : IContainerInstanceEvent;

/// <param name="Forced">Deregistered with force while tasks were still counted on it.</param>
public sealed record ContainerInstanceDeregistered(EventMetadata Metadata, bool Forced) : IContainerInstanceEvent;

/// <summary>UpdateContainerInstancesState moved the instance between ACTIVE and DRAINING.</summary>
public sealed record ContainerInstanceStateChanged(EventMetadata Metadata, ContainerInstanceStatus Status) : IContainerInstanceEvent;

/// <summary>Custom attributes added or overwritten by name.</summary>
public sealed record ContainerInstanceAttributesPut(EventMetadata Metadata, ImmutableList<Attribute> Attributes) : IContainerInstanceEvent;

public sealed record ContainerInstanceAttributesDeleted(EventMetadata Metadata, ImmutableList<string> Names) : IContainerInstanceEvent;

/// <summary>Tags added or overwritten by key.</summary>
public sealed record ContainerInstanceTagged(EventMetadata Metadata, ImmutableList<Tag> Tags) : IContainerInstanceEvent;

public sealed record ContainerInstanceUntagged(EventMetadata Metadata, ImmutableList<string> TagKeys) : IContainerInstanceEvent;
