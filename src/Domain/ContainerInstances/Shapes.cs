using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Actors.Domain.ContainerInstances;

/// <summary>ECS's container-instance statuses; the member names are the strings on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContainerInstanceStatus>))]
public enum ContainerInstanceStatus
{
    REGISTERING,
    ACTIVE,
    DRAINING,
    DEREGISTERING,
    INACTIVE,
}

/// <summary>ECS's <c>Resource</c>: CPU and MEMORY are INTEGER, PORTS and PORTS_UDP are STRINGSET.</summary>
public sealed record Resource(
    string Name,
    string Type,
    double? DoubleValue = null,
    long? LongValue = null,
    int? IntegerValue = null,
    ImmutableList<string>? StringSetValue = null)
{
    public static Resource Integer(string name, int value) => new(name, ResourceTypes.Integer, IntegerValue: value);

    public static Resource StringSet(string name, IEnumerable<string> values) =>
        new(name, ResourceTypes.StringSet, StringSetValue: values.ToImmutableList());

    /// <summary>The numeric value whichever numeric member the agent filled in (agents send INTEGER, older tools LONG).</summary>
    [JsonIgnore]
    public long NumericValue => IntegerValue ?? LongValue ?? (long)(DoubleValue ?? 0);

    // Value equality for the string set too, so that two equal resources compare equal (ImmutableList compares by reference).
    public bool Equals(Resource? other) =>
        other is not null
        && Name == other.Name && Type == other.Type
        && DoubleValue == other.DoubleValue && LongValue == other.LongValue && IntegerValue == other.IntegerValue
        && (StringSetValue ?? []).SequenceEqual(other.StringSetValue ?? []);

    public override int GetHashCode() => HashCode.Combine(Name, Type, NumericValue, StringSetValue?.Count ?? 0);
}

public static class ResourceNames
{
    public const string Cpu = "CPU";
    public const string Memory = "MEMORY";
    public const string Ports = "PORTS";
    public const string UdpPorts = "PORTS_UDP";
}

public static class ResourceTypes
{
    public const string Integer = "INTEGER";
    public const string Long = "LONG";
    public const string Double = "DOUBLE";
    public const string StringSet = "STRINGSET";
}

/// <summary>ECS's <c>Attribute</c>. In state only name and value are kept: the target is the instance that holds it.</summary>
public sealed record Attribute(string Name, string? Value = null, string? TargetType = null, string? TargetId = null);

/// <summary>ECS's <c>VersionInfo</c>: what the agent reports about itself and the container runtime.</summary>
public sealed record VersionInfo(string? AgentVersion = null, string? AgentHash = null, string? DockerVersion = null);

/// <summary>ECS's <c>PlatformDevice</c>: a GPU or Neuron device the agent found on the host.</summary>
public sealed record PlatformDevice(string Id, string Type)
{
    public static readonly ImmutableArray<string> SupportedTypes = ["GPU", "NEURON_DEVICE"];
}
