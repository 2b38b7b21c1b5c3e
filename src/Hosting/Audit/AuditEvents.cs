using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Actors.Domain.Common;
using Actors.Nodes.Persistence;

namespace Actors.Hosting.Audit;

/// <summary>
/// What `audit events` selects. Every filter is a tag (see <see cref="AuditTags"/>): the most selective one is the tag query,
/// the others are checked on the tags each entry was written with, and the time range on the time its request arrived.
/// Without a filter the timeline is the whole journal. Events written before the tags existed carry none of the filters'
/// tags, so only the unfiltered timeline shows them.
/// </summary>
public sealed record AuditFilter
{
    public string? Cluster { get; init; }
    /// <summary>A service name (in <see cref="Cluster"/>, else <c>default</c>), <c>cluster/name</c> or its ARN.</summary>
    public string? Service { get; init; }
    public string? Task { get; init; }
    public string? ContainerInstance { get; init; }
    public string? Family { get; init; }
    /// <summary>The event's type, as the domain names it (TaskPlaced, ServiceDeploymentStarted...).</summary>
    public string? Type { get; init; }
    public string? Principal { get; init; }
    public string? RequestId { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }

    /// <summary>The tags an entry must carry, most selective first.</summary>
    public IReadOnlyList<string> RequiredTags()
    {
        var tags = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) tags.Add(AuditTags.Tag(name, value));
        }
        Add(AuditTags.Task, LastSegment(Task));
        Add(AuditTags.RequestId, RequestId);
        Add(AuditTags.ContainerInstance, LastSegment(ContainerInstance));
        Add(AuditTags.Service, ServiceEntityId());
        Add(AuditTags.Family, Family);
        Add(AuditTags.Principal, Principal);
        Add(AuditTags.Type, Type);
        Add(AuditTags.Cluster, ClusterName());
        return tags;
    }

    public bool Matches(AuditEntry entry)
    {
        foreach (var tag in RequiredTags())
            if (!entry.Tags.Contains(tag)) return false;
        var at = entry.Event?.Metadata.At;
        if (Since is { } since && (at is null || at < since)) return false;
        if (Until is { } until && (at is null || at > until)) return false;
        return true;
    }

    private string? ClusterName() => Cluster is null ? null : Arn.TryParse(Cluster, out var arn) ? arn.ResourcePath : Cluster;

    private string? ServiceEntityId()
    {
        if (string.IsNullOrEmpty(Service)) return null;
        if (Arn.TryParse(Service, out var arn)) return arn.ResourcePath;
        return Service.Contains('/') ? Service : $"{ClusterName() ?? Domain.Clusters.Cluster.DefaultName}/{Service}";
    }

    /// <summary>A task or instance is named by its id or its ARN (whose last segment is the id).</summary>
    private static string? LastSegment(string? idOrArn) => idOrArn is null ? null : idOrArn[(idOrArn.LastIndexOf('/') + 1)..];
}

/// <summary>`audit events`: the timeline, one JSON object per event.</summary>
public static class AuditEvents
{
    public static async IAsyncEnumerable<JsonObject> Read(
        AuditJournal journal, AuditFilter filter, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var entries = filter.RequiredTags().FirstOrDefault() is { } tag
            ? journal.ByTag(tag, follow, cancellationToken)
            : journal.All(withTags: true, follow, cancellationToken);
        await foreach (var entry in entries)
            if (filter.Matches(entry)) yield return Describe(journal, entry);
    }

    public static JsonObject Describe(AuditJournal journal, AuditEntry entry)
    {
        var metadata = entry.Event?.Metadata;
        return new JsonObject
        {
            ["ordering"] = entry.Ordering,
            ["at"] = metadata?.At,
            ["persistenceId"] = entry.PersistenceId,
            ["sequenceNr"] = entry.SequenceNr,
            ["type"] = entry.Event?.GetType().Name,
            ["manifest"] = journal.ManifestOf(entry),
            ["principal"] = metadata?.Principal,
            ["requestId"] = metadata?.RequestId,
            ["reason"] = metadata?.Reason,
            ["tags"] = new JsonArray([.. entry.Tags.Order(StringComparer.Ordinal).Select(t => (JsonNode)t)]),
            ["event"] = journal.StoredJson(entry),
        };
    }

    /// <summary>One line of the readable table: time, type, entity, principal, reason.</summary>
    public static string TableLine(JsonObject described) =>
        string.Join("  ",
            ((DateTimeOffset?)described["at"])?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            ((string?)described["type"] ?? "?").PadRight(32),
            $"{(string?)described["persistenceId"]}#{(long?)described["sequenceNr"]}".PadRight(48),
            ((string?)described["principal"] ?? "").PadRight(20),
            (string?)described["reason"] ?? "");

    public const string TableHeader =
        "TIME (UTC)               TYPE                              ENTITY#SEQ                                        PRINCIPAL             REASON";
}
