using System.Collections.Immutable;
using Actors.Domain.Common;

namespace Actors.Domain.TaskDefinitions;

/// <summary>One family's revisions. The entity id is the family name.</summary>
/// <param name="NextRevision">The number the next registration gets: revisions are never reused, even after deletion.</param>
public sealed record TaskDefinitionFamilyState(string Family, ImmutableList<TaskDefinitionRevision> Revisions, int NextRevision)
{
    public TaskDefinitionRevision? FindRevision(int revision) => Revisions.Find(r => r.Revision == revision);

    /// <summary>What the family name alone resolves to in DescribeTaskDefinition and RunTask: the newest ACTIVE revision.</summary>
    public TaskDefinitionRevision? LatestActive() =>
        Revisions.Where(r => r.Status == TaskDefinitionStatus.ACTIVE).MaxBy(r => r.Revision);
}

public interface ITaskDefinitionFamilyCommand : IDomainCommand;

/// <param name="Limits">The deployment's quotas; null means ECS's defaults.</param>
public sealed record RegisterTaskDefinition(RequestContext Context, TaskDefinitionSpec Spec, ImmutableList<Tag>? Tags, TaskDefinitionLimits? Limits = null)
    : ITaskDefinitionFamilyCommand;

public sealed record DeregisterTaskDefinition(RequestContext Context, int Revision) : ITaskDefinitionFamilyCommand;

/// <summary>One revision of a DeleteTaskDefinitions request (the gateway sends one command per ARN and reports failures per ARN).</summary>
public sealed record DeleteTaskDefinition(RequestContext Context, int Revision) : ITaskDefinitionFamilyCommand;

public sealed record TagTaskDefinition(RequestContext Context, int Revision, ImmutableList<Tag> Tags) : ITaskDefinitionFamilyCommand;

public sealed record UntagTaskDefinition(RequestContext Context, int Revision, ImmutableList<string> TagKeys) : ITaskDefinitionFamilyCommand;

public interface ITaskDefinitionFamilyEvent : IDomainEvent
{
    string Family { get; }
    int Revision { get; }
}

public sealed record TaskDefinitionRegistered(EventMetadata Metadata, TaskDefinitionRevision Definition) : ITaskDefinitionFamilyEvent
{
    public string Family => Definition.Family;
    public int Revision => Definition.Revision;
}

public sealed record TaskDefinitionDeregistered(EventMetadata Metadata, string Family, int Revision, DateTimeOffset DeregisteredAt)
    : ITaskDefinitionFamilyEvent;

public sealed record TaskDefinitionDeleteRequested(EventMetadata Metadata, string Family, int Revision, DateTimeOffset DeleteRequestedAt)
    : ITaskDefinitionFamilyEvent;

public sealed record TaskDefinitionTagged(EventMetadata Metadata, string Family, int Revision, ImmutableList<Tag> Tags) : ITaskDefinitionFamilyEvent;

public sealed record TaskDefinitionUntagged(EventMetadata Metadata, string Family, int Revision, ImmutableList<string> TagKeys)
    : ITaskDefinitionFamilyEvent;

/// <summary>Registers, deregisters, deletes and tags the revisions of one task definition family.</summary>
public sealed class TaskDefinitionFamily
    : IAggregate<TaskDefinitionFamilyState, ITaskDefinitionFamilyCommand, ITaskDefinitionFamilyEvent>
{
    /// <summary>ECS's answer for a family:revision it does not know.</summary>
    public const string UnknownRevisionMessage = "Unable to describe task definition.";

    /// <summary>ECS's DeleteTaskDefinitions failure reason for a revision that was not deregistered first.</summary>
    public const string DeleteActiveMessage = "The specified task definition is still in ACTIVE status. Please deregister the target and try again.";

    public static TaskDefinitionFamilyState Empty(string entityId) => new(entityId, [], 1);

    public static Decision<ITaskDefinitionFamilyEvent> Decide(TaskDefinitionFamilyState state, ITaskDefinitionFamilyCommand command) =>
        command switch
        {
            RegisterTaskDefinition register => DecideRegister(state, register),
            DeregisterTaskDefinition deregister => DecideDeregister(state, deregister),
            DeleteTaskDefinition delete => DecideDelete(state, delete),
            TagTaskDefinition tag => DecideTag(state, tag),
            UntagTaskDefinition untag => DecideUntag(state, untag),
            _ => DomainError.Client($"Task definition families do not handle {command.GetType().Name}."),
        };

    public static TaskDefinitionFamilyState Apply(TaskDefinitionFamilyState state, ITaskDefinitionFamilyEvent @event) =>
        @event switch
        {
            TaskDefinitionRegistered registered => state with
            {
                Revisions = state.Revisions.Add(registered.Definition),
                NextRevision = Math.Max(state.NextRevision, registered.Revision + 1),
            },
            TaskDefinitionDeregistered deregistered => Update(state, deregistered.Revision,
                r => r with { Status = TaskDefinitionStatus.INACTIVE, DeregisteredAt = deregistered.DeregisteredAt }),
            TaskDefinitionDeleteRequested deleted => Update(state, deleted.Revision,
                r => r with { Status = TaskDefinitionStatus.DELETE_IN_PROGRESS, DeleteRequestedAt = deleted.DeleteRequestedAt }),
            TaskDefinitionTagged tagged => Update(state, tagged.Revision, r => r with { Tags = Tags.Merge(r.Tags, tagged.Tags) }),
            TaskDefinitionUntagged untagged => Update(state, untagged.Revision, r => r with { Tags = Tags.Remove(r.Tags, untagged.TagKeys) }),
            _ => state,
        };

    private static Decision<ITaskDefinitionFamilyEvent> DecideRegister(TaskDefinitionFamilyState state, RegisterTaskDefinition command)
    {
        // The entity id is the family: a mismatch is a routing fault, and registering it here would corrupt both families.
        if (command.Spec.Family != state.Family)
            return DomainError.Client($"Family '{command.Spec.Family}' cannot be registered in family '{state.Family}'.");
        if (TaskDefinitionValidation.Validate(command.Spec, command.Tags, command.Limits ?? TaskDefinitionLimits.Default) is { } error)
            return error;
        var revision = TaskDefinitionRevision.Register(command.Spec, state.NextRevision, command.Tags, command.Context);
        return Decision<ITaskDefinitionFamilyEvent>.Accept(new TaskDefinitionRegistered(
            command.Context.Because($"registered revision {revision.Revision} of family {state.Family}"), revision));
    }

    private static Decision<ITaskDefinitionFamilyEvent> DecideDeregister(TaskDefinitionFamilyState state, DeregisterTaskDefinition command)
    {
        if (state.FindRevision(command.Revision) is not { } revision)
            return DomainError.Client(UnknownRevisionMessage);
        // Deregistering what is already INACTIVE (or being deleted) is accepted and changes nothing.
        if (revision.Status != TaskDefinitionStatus.ACTIVE)
            return Decision<ITaskDefinitionFamilyEvent>.Unchanged;
        return Decision<ITaskDefinitionFamilyEvent>.Accept(new TaskDefinitionDeregistered(
            command.Context.Because($"deregistered revision {revision.Revision} of family {state.Family}"),
            state.Family, revision.Revision, command.Context.At));
    }

    private static Decision<ITaskDefinitionFamilyEvent> DecideDelete(TaskDefinitionFamilyState state, DeleteTaskDefinition command)
    {
        if (state.FindRevision(command.Revision) is not { } revision)
            return DomainError.Client(UnknownRevisionMessage);
        return revision.Status switch
        {
            TaskDefinitionStatus.ACTIVE => DomainError.Client(DeleteActiveMessage),
            TaskDefinitionStatus.DELETE_IN_PROGRESS => Decision<ITaskDefinitionFamilyEvent>.Unchanged,
            _ => Decision<ITaskDefinitionFamilyEvent>.Accept(new TaskDefinitionDeleteRequested(
                command.Context.Because($"requested deletion of revision {revision.Revision} of family {state.Family}"),
                state.Family, revision.Revision, command.Context.At)),
        };
    }

    private static Decision<ITaskDefinitionFamilyEvent> DecideTag(TaskDefinitionFamilyState state, TagTaskDefinition command)
    {
        if (state.FindRevision(command.Revision) is not { } revision)
            return DomainError.Client(UnknownRevisionMessage);
        if (command.Tags.Count == 0)
            return DomainError.InvalidParameter("Tags must contain at least one tag.");
        if (Tags.ValidateMerge(revision.Tags, command.Tags) is { } error)
            return error;
        if (Tags.Merge(revision.Tags, command.Tags).SequenceEqual(revision.Tags))
            return Decision<ITaskDefinitionFamilyEvent>.Unchanged;
        return Decision<ITaskDefinitionFamilyEvent>.Accept(new TaskDefinitionTagged(
            command.Context.Because($"tagged revision {revision.Revision} of family {state.Family} with {string.Join(", ", command.Tags.Select(t => t.Key))}"),
            state.Family, revision.Revision, command.Tags));
    }

    private static Decision<ITaskDefinitionFamilyEvent> DecideUntag(TaskDefinitionFamilyState state, UntagTaskDefinition command)
    {
        if (state.FindRevision(command.Revision) is not { } revision)
            return DomainError.Client(UnknownRevisionMessage);
        var present = command.TagKeys.Where(key => revision.Tags.Any(t => t.Key == key)).Distinct().ToImmutableList();
        // ECS accepts removing keys that are not there; only keys actually present are worth an event.
        if (present.IsEmpty)
            return Decision<ITaskDefinitionFamilyEvent>.Unchanged;
        return Decision<ITaskDefinitionFamilyEvent>.Accept(new TaskDefinitionUntagged(
            command.Context.Because($"removed tags {string.Join(", ", present)} from revision {revision.Revision} of family {state.Family}"),
            state.Family, revision.Revision, present));
    }

    private static TaskDefinitionFamilyState Update(TaskDefinitionFamilyState state, int revision, Func<TaskDefinitionRevision, TaskDefinitionRevision> change)
    {
        var index = state.Revisions.FindIndex(r => r.Revision == revision);
        return index < 0 ? state : state with { Revisions = state.Revisions.SetItem(index, change(state.Revisions[index])) };
    }
}
