using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using Actors.Hosting.Gateway.Shapes;

using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;

namespace Actors.Hosting.Gateway.Actions;

/// <summary>The members of RegisterTaskDefinition that are not part of the spec; the spec is read from the same body.</summary>
public sealed record RegisterTaskDefinitionRequest(List<Tag>? Tags);

public sealed record DescribeTaskDefinitionRequest(string? TaskDefinition, List<string>? Include);

public sealed record ListTaskDefinitionsRequest(string? FamilyPrefix, string? Status, string? Sort, string? NextToken, int? MaxResults);

public sealed record ListTaskDefinitionFamiliesRequest(string? FamilyPrefix, string? Status, string? NextToken, int? MaxResults);

public sealed record DeregisterTaskDefinitionRequest(string? TaskDefinition);

public sealed record DeleteTaskDefinitionsRequest(List<string>? TaskDefinitions);

public static class TaskDefinitionActions
{
    private const int MaxDeletesPerRequest = 10;

    [Flags]
    private enum Details { None = 0, Tags = 1 }

    private static readonly Dictionary<string, Details> IncludeNames = new() { ["TAGS"] = Details.Tags };

    public static void Register(ActionTable table)
    {
        table.Add<RegisterTaskDefinitionRequest>("RegisterTaskDefinition", RegisterTaskDefinition);
        table.Add<DescribeTaskDefinitionRequest>("DescribeTaskDefinition", DescribeTaskDefinition);
        table.Add<ListTaskDefinitionsRequest>("ListTaskDefinitions", ListTaskDefinitions);
        table.Add<ListTaskDefinitionFamiliesRequest>("ListTaskDefinitionFamilies", ListTaskDefinitionFamilies);
        table.Add<DeregisterTaskDefinitionRequest>("DeregisterTaskDefinition", DeregisterTaskDefinition);
        table.Add<DeleteTaskDefinitionsRequest>("DeleteTaskDefinitions", DeleteTaskDefinitions);
    }

    private static async Task<object> RegisterTaskDefinition(RegisterTaskDefinitionRequest request, ActionContext context)
    {
        var limits = context.Plane.Limits.TaskDefinitions;
        if (context.Body.Length > limits.MaxSpecBytes)
            throw new EcsError(ErrorCodes.Client,
                $"Actual task definition size ({context.Body.Length} bytes) exceeds the limit ({limits.MaxSpecBytes} bytes).");
        var spec = ActionTable.Read<TaskDefinitionSpec>(context.Body);
        var tags = request.Tags?.ToImmutableList();
        // The family becomes an entity id: a bad one is answered here, with the same rules the entity applies.
        if (spec.Family is null || !TaskDefinitionValidation.IsValidName(spec.Family))
            throw EcsError.From(TaskDefinitionValidation.Validate(spec, tags, limits)
                                ?? DomainError.Client("Family contains invalid characters."));
        var registered = await Revision(context.Plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(spec.Family,
            new Domain.TaskDefinitions.RegisterTaskDefinition(context.Request, spec, tags, limits), context.Cancellation));
        return new { taskDefinition = TaskDefinitionShape.From(registered, context.Plane.Account), tags = registered.Tags };
    }

    private static async Task<object> DescribeTaskDefinition(DescribeTaskDefinitionRequest request, ActionContext context)
    {
        var includeTags = Includes.Parse(request.Include, IncludeNames).HasFlag(Details.Tags);
        var revision = await Resolve(request.TaskDefinition, context, revisionRequired: false);
        return new
        {
            taskDefinition = TaskDefinitionShape.From(revision, context.Plane.Account),
            tags = includeTags ? revision.Tags : null,
        };
    }

    private static async Task<object> ListTaskDefinitions(ListTaskDefinitionsRequest request, ActionContext context)
    {
        var status = ParseStatus(request.Status ?? "ACTIVE", allowAll: false);
        var descending = request.Sort switch
        {
            null or "ASC" => false,
            "DESC" => true,
            _ => throw EcsError.InvalidParameter($"Invalid sort '{request.Sort}'. Valid values: ASC, DESC."),
        };
        var pageSize = Paging.PageSize(request.MaxResults);
        var after = Paging.LastKey(request.NextToken)?.Split('\0') is [var afterFamily, var afterRevision]
                    && int.TryParse(afterRevision, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? new TaskDefinitionKey(afterFamily, number)
            : null;
        // ECS's familyPrefix here names one whole family, despite its name.
        var page = await context.Plane.TaskDefinitionRevisions(new ListTaskDefinitionRevisions(status.Status,
            request.FamilyPrefix is { Length: > 0 } family ? family : null, after, descending, pageSize), context.Cancellation);
        var items = page.Revisions;
        var more = page.More;
        return new
        {
            taskDefinitionArns = items.Select(r => context.Plane.Account.TaskDefinitionArn(r.Family, r.Revision)),
            nextToken = more ? Paging.TokenAfter($"{items[^1].Family}\0{items[^1].Revision}") : null,
        };
    }

    private static async Task<object> ListTaskDefinitionFamilies(ListTaskDefinitionFamiliesRequest request, ActionContext context)
    {
        var status = ParseStatus(request.Status ?? "ALL", allowAll: true);
        var names = (await FamilyNames(context)).Where(name => name.StartsWith(request.FamilyPrefix ?? "", StringComparison.Ordinal)).ToList();
        var pages = await Task.WhenAll(names.Where(TaskDefinitionValidation.IsValidName).Select(async name => (Name: name,
            Page: await context.Plane.TaskDefinitionFamilies.Ask<RevisionPage>(name, new ListRevisions(null, null, false, 1), context.Cancellation))));
        var matching = pages
            .Where(p => p.Page.Revisions.Count > 0)
            .Where(p => status.Status switch
            {
                null => true,
                TaskDefinitionStatus.ACTIVE => p.Page.HasActive,
                _ => !p.Page.HasActive,
            })
            .Select(p => p.Name);
        var page = Paging.Take(matching, family => family, request.NextToken, request.MaxResults);
        return new { families = page.Items, nextToken = page.NextToken };
    }

    private static async Task<object> DeregisterTaskDefinition(DeregisterTaskDefinitionRequest request, ActionContext context)
    {
        var (family, revision) = Parse(request.TaskDefinition, revisionRequired: true);
        var deregistered = await Revision(context.Plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(family,
            new Domain.TaskDefinitions.DeregisterTaskDefinition(context.Request, revision!.Value), context.Cancellation));
        return new { taskDefinition = TaskDefinitionShape.From(deregistered, context.Plane.Account) };
    }

    private static async Task<object> DeleteTaskDefinitions(DeleteTaskDefinitionsRequest request, ActionContext context)
    {
        if (request.TaskDefinitions is not { Count: > 0 } names)
            throw EcsError.InvalidParameter("taskDefinitions must name at least one task definition.");
        if (names.Count > MaxDeletesPerRequest)
            throw EcsError.InvalidParameter($"At most {MaxDeletesPerRequest} task definitions can be deleted at once.");

        var deleted = new List<object>();
        var failures = new List<Failure>();
        foreach (var name in names)
        {
            var (family, revision) = Parse(name, revisionRequired: true);
            var arn = context.Plane.Account.TaskDefinitionArn(family, revision!.Value);
            var response = await context.Plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(family,
                new DeleteTaskDefinition(context.Request, revision.Value), context.Cancellation);
            if (response.Error is { } error) failures.Add(new Failure(arn, error.Message));
            else deleted.Add(TaskDefinitionShape.From(response.Revision!, context.Plane.Account));
        }
        return new { taskDefinitions = deleted, failures };
    }

    /// <summary>The revision a request names: "family" (its latest ACTIVE revision), "family:revision" or the ARN.</summary>
    public static async Task<TaskDefinitionRevision> Resolve(string? taskDefinition, ActionContext context, bool revisionRequired)
    {
        var (family, revisionNumber) = Parse(taskDefinition, revisionRequired);
        return await Revision(context.Plane.TaskDefinitionFamilies.Ask<RevisionAnswer>(family, new GetRevision(revisionNumber), context.Cancellation));
    }

    /// <summary>The revision a family answered with, or its refusal as the ECS error.</summary>
    private static async Task<TaskDefinitionRevision> Revision(Task<RevisionAnswer> answer)
    {
        var result = await answer;
        return result.Error is null && result.Revision is { } revision ? revision : throw EcsError.From(result.Error!);
    }

    /// <summary>Splits "family", "family:revision" or an ARN into the family (a valid entity id) and the revision, if any.</summary>
    public static (string Family, int? Revision) Parse(string? taskDefinition, bool revisionRequired)
    {
        if (Domain.Launches.LaunchSpecs.ParseTaskDefinition(taskDefinition, out var family, out var revision) is { } invalid) throw EcsError.From(invalid);
        if (revisionRequired && revision is null)
            throw EcsError.InvalidParameter($"'{taskDefinition}' must name a revision: family:revision or the task definition ARN.");
        return (family, revision);
    }

    private static (TaskDefinitionStatus? Status, bool All) ParseStatus(string status, bool allowAll) => status switch
    {
        "ALL" when allowAll => (null, true),
        _ when Enum.TryParse<TaskDefinitionStatus>(status, out var parsed) && status == parsed.ToString() => (parsed, false),
        _ => throw EcsError.InvalidParameter($"Invalid status '{status}'."),
    };

    private static Task<IReadOnlyList<string>> FamilyNames(ActionContext context) =>
        context.Plane.Directory.EntityIds(Nodes.Sharding.EntityKinds.TaskDefinitionFamily, context.Cancellation);
}
