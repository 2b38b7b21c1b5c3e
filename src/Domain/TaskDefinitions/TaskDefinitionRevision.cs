using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.TaskDefinitions;

/// <summary>ECS's task definition statuses; the member names are ECS's strings.</summary>
public enum TaskDefinitionStatus
{
    ACTIVE,
    INACTIVE,
    DELETE_IN_PROGRESS,
}

/// <summary>A capability a container instance must advertise to run the task (ECS <c>Attribute</c> in <c>requiresAttributes</c>).</summary>
public sealed record RequiredAttribute
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
    public string? TargetType { get; init; }
    public string? TargetId { get; init; }
}

/// <summary>
/// One registered revision of a family: the normalised spec as ECS answers it, plus what ECS adds at registration.
/// </summary>
public sealed record TaskDefinitionRevision
{
    public required string Family { get; init; }
    public required int Revision { get; init; }
    /// <summary>The spec as registered, normalised (task cpu in units and memory in MiB, ECS's defaults filled in).</summary>
    public required TaskDefinitionSpec Spec { get; init; }
    public TaskDefinitionStatus Status { get; init; } = TaskDefinitionStatus.ACTIVE;
    public DateTimeOffset RegisteredAt { get; init; }
    /// <summary>The principal that registered it.</summary>
    public string RegisteredBy { get; init; } = "";
    public DateTimeOffset? DeregisteredAt { get; init; }
    public DateTimeOffset? DeleteRequestedAt { get; init; }
    public IReadOnlyList<RequiredAttribute> RequiresAttributes { get; init; } = [];
    public IReadOnlyList<string> Compatibilities { get; init; } = [];
    public ImmutableList<Tag> Tags { get; init; } = [];

    /// <summary>The revision ECS would answer for <paramref name="spec"/> registered as number <paramref name="revision"/>.</summary>
    public static TaskDefinitionRevision Register(TaskDefinitionSpec spec, int revision, IEnumerable<Tag>? tags, RequestContext context)
    {
        var normalised = TaskDefinitionNormalization.Normalize(spec);
        return new TaskDefinitionRevision
        {
            Family = spec.Family,
            Revision = revision,
            Spec = normalised,
            RegisteredAt = context.At,
            RegisteredBy = context.Principal,
            RequiresAttributes = TaskDefinitionRequirements.RequiredAttributes(normalised),
            Compatibilities = TaskDefinitionRequirements.Compatibilities(normalised),
            Tags = tags?.ToImmutableList() ?? [],
        };
    }

    public string Arn(AccountScope scope) => scope.TaskDefinitionArn(Family, Revision);
}
