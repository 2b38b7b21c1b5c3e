using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tasks;

/// <summary>
/// The tags a task starts with (RunTask, StartTask): the caller's <c>tags</c>, the task definition's when
/// <c>propagateTags</c> is TASK_DEFINITION, and ECS's managed tag naming the cluster when <c>enableECSManagedTags</c> is set.
/// </summary>
public static class LaunchTags
{
    /// <summary>The managed tag ECS puts on a task launched with <c>enableECSManagedTags</c>; its value is the cluster's name.</summary>
    public const string ClusterNameKey = "aws:ecs:clusterName";

    /// <param name="propagateTags">ECS's PropagateTags as sent: TASK_DEFINITION, SERVICE, NONE or absent.</param>
    public static (ImmutableList<Tag> Tags, DomainError? Error) Of(
        string cluster, IReadOnlyCollection<Tag>? requested, string? propagateTags, bool managedTags, TaskDefinitionRevision revision)
    {
        ImmutableList<Tag> propagated;
        switch (propagateTags)
        {
            case null or "NONE":
                propagated = [];
                break;
            case "TASK_DEFINITION":
                propagated = revision.Tags;
                break;
            case "SERVICE":
                return ([], DomainError.InvalidParameter(
                    "propagateTags SERVICE applies to the tasks of a service; a task started by RunTask or StartTask can propagate TASK_DEFINITION tags only."));
            default:
                return ([], DomainError.InvalidParameter($"Invalid propagateTags '{propagateTags}': valid values are TASK_DEFINITION, SERVICE and NONE."));
        }
        requested ??= [];
        // The caller's tags win over the task definition's on the same key; together they stay within 50.
        if (Tags.ValidateMerge(propagated, requested) is { } invalid) return ([], invalid);
        var tags = Tags.Merge(propagated, requested);
        return (managedTags ? tags.Add(new Tag(ClusterNameKey, cluster)) : tags, null);
    }
}
