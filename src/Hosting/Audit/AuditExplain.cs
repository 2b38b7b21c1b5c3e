using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.Tasks;
using Actors.Nodes.Persistence;
using Actors.Nodes.Protocol;

namespace Actors.Hosting.Audit;

/// <summary>
/// `audit explain`: why a task is where it is (each placement decision with its candidates, the requirement each rejected
/// one failed and the strategy that chose) and why it stopped (stop code, reason, who asked, which deployment) - or, given
/// a request id instead of a task, what each launch of that request placed and why the rest could not be placed.
/// </summary>
public static class AuditExplain
{
    public static async Task<JsonObject> Explain(AuditJournal journal, string taskArnOrRequestId, CancellationToken cancellationToken)
    {
        if (Arn.TryParse(taskArnOrRequestId, out var arn))
        {
            if (arn.ResourceType != "task") throw new AuditException($"audit explain takes a task ARN or a request id, not a {arn.ResourceType} ARN.");
            return await Task(journal, arn.ResourcePath[(arn.ResourcePath.LastIndexOf('/') + 1)..], cancellationToken);
        }
        return await Request(journal, taskArnOrRequestId, cancellationToken);
    }

    private static async Task<JsonObject> Task(AuditJournal journal, string taskId, CancellationToken cancellationToken)
    {
        var placements = new JsonArray();
        var history = new JsonArray();
        JsonObject? stop = null;
        TaskState? placedTask = null;
        await foreach (var entry in journal.ByTag(AuditTags.Tag(AuditTags.Task, taskId), follow: false, cancellationToken))
        {
            if (entry.Event is not { } @event) continue;
            history.Add(Brief(entry, @event));
            switch (@event)
            {
                case LaunchPlanned planned when planned.Tasks.FirstOrDefault(t => t.TaskId == taskId) is { } task:
                    placements.Add(Placement(@event, "planned by the cluster's scheduler", task.Placement));
                    break;
                case LaunchTaskReplanned { Replacement: { } replacement }:
                    placements.Add(Placement(@event, "placed again after its instance refused it", replacement.Placement));
                    break;
                case TaskPlaced placed:
                    placedTask = placed.Task;
                    placements.Add(Placement(@event, "recorded by the container instance", placed.Placement));
                    break;
                case TaskStopRequested requested:
                    stop ??= new JsonObject();
                    stop["requestedAt"] = requested.Metadata.At;
                    stop["requestedBy"] = requested.Metadata.Principal;
                    stop["requestId"] = requested.Metadata.RequestId;
                    stop["stopCode"] = requested.StopCode.ToString();
                    stop["reason"] = requested.Reason;
                    break;
                case TaskStateChanged { Progress.LastStatus: TaskLifecycleStatus.STOPPED } stopped:
                    stop ??= new JsonObject();
                    stop["stoppedAt"] = stopped.Progress.StoppedAt ?? stopped.Metadata.At;
                    stop["stopCode"] ??= stopped.Progress.StopCode?.ToString();
                    stop["stoppedReason"] = stopped.Progress.StoppedReason;
                    break;
            }
        }
        if (history.Count == 0) throw new AuditException($"The journal has no event of task {taskId}.");
        if (stop is not null && placedTask?.StartedBy is { } startedBy && placedTask.Group?.StartsWith("service:", StringComparison.Ordinal) == true)
            stop["deployment"] = startedBy;
        return new JsonObject
        {
            ["task"] = taskId,
            ["cluster"] = placedTask?.ClusterName,
            ["containerInstance"] = placedTask?.ContainerInstanceId,
            ["group"] = placedTask?.Group,
            ["startedBy"] = placedTask?.StartedBy,
            ["taskDefinition"] = placedTask is null ? null : $"{placedTask.TaskDefinition.Family}:{placedTask.TaskDefinition.Revision}",
            ["placements"] = placements,
            ["stop"] = stop,
            ["history"] = history,
        };
    }

    private static async Task<JsonObject> Request(AuditJournal journal, string requestId, CancellationToken cancellationToken)
    {
        var launches = new JsonArray();
        var history = new JsonArray();
        await foreach (var entry in journal.ByTag(AuditTags.Tag(AuditTags.RequestId, requestId), follow: false, cancellationToken))
        {
            if (entry.Event is not { } @event) continue;
            history.Add(Brief(entry, @event));
            if (@event is not LaunchPlanned planned) continue;
            launches.Add(new JsonObject
            {
                ["launchId"] = planned.LaunchId,
                ["cluster"] = entry.PersistenceId,
                ["taskDefinition"] = $"{planned.Spec.Revision.Family}:{planned.Spec.Revision.Revision}",
                ["group"] = planned.Spec.Group,
                ["startedBy"] = planned.Spec.StartedBy,
                ["constraints"] = Wire(planned.Spec.Constraints),
                ["strategies"] = Wire(planned.Spec.Strategies),
                ["placed"] = new JsonArray([.. planned.Tasks.Select(t => (JsonNode)new JsonObject
                {
                    ["task"] = t.TaskId, ["containerInstance"] = t.ContainerInstanceId, ["chosenBy"] = t.Placement.ChosenBy,
                })]),
                // Why the rest could not be placed: RunTask's failures, each naming an instance (or what the caller named) and the reason.
                ["notPlaced"] = new JsonArray([.. planned.Failures.Select(f => (JsonNode)new JsonObject
                {
                    ["target"] = f.Target, ["reason"] = f.Reason, ["detail"] = f.Detail,
                })]),
            });
        }
        if (history.Count == 0) throw new AuditException($"The journal has no event of request {requestId}.");
        return new JsonObject { ["requestId"] = requestId, ["launches"] = launches, ["history"] = history };
    }

    private static JsonObject Placement(IDomainEvent @event, string what, PlacementRecord record) => new()
    {
        ["at"] = @event.Metadata.At,
        ["what"] = what,
        ["requestedBy"] = @event.Metadata.Principal,
        ["requestId"] = @event.Metadata.RequestId,
        ["chosen"] = record.ChosenContainerInstanceId,
        ["chosenBy"] = record.ChosenBy,
        ["strategies"] = Wire(record.Strategies),
        ["seed"] = record.Seed,
        ["candidates"] = record.CandidateCount,
        ["accepted"] = Wire(record.Accepted),
        ["rejected"] = Wire(record.Rejected),
        ["replayChoosesTheSame"] = PlacementReplay.ChoosesTheSame(record),
    };

    private static JsonObject Brief(AuditEntry entry, IDomainEvent @event) => new()
    {
        ["at"] = @event.Metadata.At,
        ["entity"] = $"{entry.PersistenceId}#{entry.SequenceNr}",
        ["type"] = @event.GetType().Name,
        ["principal"] = @event.Metadata.Principal,
        ["reason"] = @event.Metadata.Reason,
    };

    private static JsonNode? Wire<T>(T value) => JsonSerializer.SerializeToNode(value, WireJson.Options);
}

/// <summary>
/// Replays a recorded placement on its recorded inputs: the placer ranks accepted candidates by their scores, strategy by
/// strategy (lower wins), and breaks ties by instance id, so the best of the recorded accepted candidates must be the chosen
/// one. The record keeps the best few accepted candidates, with the chosen one among them.
/// </summary>
public static class PlacementReplay
{
    /// <summary>True or false where the record allows the check; null where it does not (StartTask, or no scores kept).</summary>
    public static bool? ChoosesTheSame(PlacementRecord record)
    {
        var accepted = record.Accepted;
        if (accepted.Count == 0 || accepted.Any(a => a.Scores.Count != accepted[0].Scores.Count)) return null;
        var best = accepted[0];
        foreach (var candidate in accepted.Skip(1))
            if (Before(candidate, best)) best = candidate;
        return best.ContainerInstanceId == record.ChosenContainerInstanceId;
    }

    private static bool Before(CandidateVerdict a, CandidateVerdict b)
    {
        for (var s = 0; s < a.Scores.Count; s++)
        {
            var difference = a.Scores[s].Value.CompareTo(b.Scores[s].Value);
            if (difference != 0) return difference < 0;
        }
        return string.CompareOrdinal(a.ContainerInstanceId, b.ContainerInstanceId) < 0;
    }
}
