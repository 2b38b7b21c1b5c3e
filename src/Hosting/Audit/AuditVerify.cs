using System.Diagnostics;
using System.Text.Json.Nodes;
using Actors.Domain.ContainerInstances;
using Actors.Nodes.Persistence;

namespace Actors.Hosting.Audit;

/// <summary>One thing wrong with the journal, at one row of one entity.</summary>
public sealed record AuditProblem(string PersistenceId, long SequenceNr, string Kind, string Message)
{
    public JsonObject ToJson() => new()
    {
        ["persistenceId"] = PersistenceId, ["sequenceNr"] = SequenceNr, ["problem"] = Kind, ["message"] = Message,
    };

    public override string ToString() => $"{PersistenceId} #{SequenceNr}: {Message}";
}

/// <summary>What `audit verify` found: how much it read and every problem.</summary>
/// <param name="EntitiesComparedLive">Entities compared with the live cluster (verify --endpoint); null without an endpoint.</param>
public sealed record AuditVerification(long Events, int Entities, long ChainedEvents, long PlacementsReplayed, int? EntitiesComparedLive,
    TimeSpan Elapsed, IReadOnlyList<AuditProblem> Problems)
{
    public bool Passed => Problems.Count == 0;

    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : Events;

    public JsonObject ToJson() => new()
    {
        ["passed"] = Passed, ["events"] = Events, ["entities"] = Entities, ["chainedEvents"] = ChainedEvents,
        ["placementsReplayed"] = PlacementsReplayed, ["entitiesComparedLive"] = EntitiesComparedLive, ["seconds"] = Math.Round(Elapsed.TotalSeconds, 3),
        ["eventsPerSecond"] = Math.Round(EventsPerSecond), ["problems"] = new JsonArray([.. Problems.Select(p => (JsonNode)p.ToJson())]),
    };
}

/// <summary>
/// `audit verify`: reads the whole journal in its order and checks, per entity, that sequence numbers have no gap and
/// never go back; that every event deserializes with today's code (through the upcasters); that every chained event's hash
/// is the hash of what its row holds now (payload, manifest, persistence id, sequence number) and links to the previous
/// event's hash - so an altered payload, a deleted row and two swapped rows are each named by persistence id and sequence
/// number; that each recorded placement, replayed on its recorded candidates, chooses the same instance; and, given a
/// live cluster (<see cref="AuditLive"/>), that every entity replayed is what the cluster answers for it.
/// The chain cannot show that an entity's newest events were cut off (nothing follows them): keep the heads it prints.
/// </summary>
public static class AuditVerify
{
    private sealed class EntityChain
    {
        public long LastSequenceNr;
        public string LastHash = "";
        /// <summary>An event of this entity is chained: from then on every one must be.</summary>
        public bool Chained;
    }

    public static async Task<AuditVerification> Run(AuditJournal journal, AuditLive? live, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var entities = new Dictionary<string, EntityChain>(StringComparer.Ordinal);
        var problems = new List<AuditProblem>();
        long events = 0, chainedEvents = 0, placements = 0;
        await foreach (var entry in journal.All(withTags: false, follow: false, cancellationToken))
        {
            events++;
            if ((events & 0x3FFF) == 0) progress?.Report(events);
            if (!entities.TryGetValue(entry.PersistenceId, out var chain)) entities[entry.PersistenceId] = chain = new EntityChain();
            void Problem(string kind, string message) => problems.Add(new AuditProblem(entry.PersistenceId, entry.SequenceNr, kind, message));

            var expected = chain.LastSequenceNr + 1;
            var gap = entry.SequenceNr != expected;
            if (entry.SequenceNr < expected)
                Problem("order", $"comes after #{chain.LastSequenceNr} in the journal: rows were reordered or duplicated.");
            else if (gap)
                problems.Add(new AuditProblem(entry.PersistenceId, expected, "missing",
                    expected == entry.SequenceNr - 1
                        ? $"is missing: the entity's events jump from #{chain.LastSequenceNr} to #{entry.SequenceNr} (a deleted row)."
                        : $"to #{entry.SequenceNr - 1} are missing: the entity's events jump from #{chain.LastSequenceNr} to #{entry.SequenceNr} (deleted rows)."));
            chain.LastSequenceNr = Math.Max(chain.LastSequenceNr, entry.SequenceNr);

            if (entry.Chained is { } chained)
            {
                chainedEvents++;
                if (chained.ReadError is not null && chained.Hash.Length == 0)
                    Problem("unreadable", $"its stored envelope cannot be read ({chained.ReadError}).");
                else if (!entry.HashHolds)
                    Problem("altered", "its hash does not match what the row holds: its payload or manifest was altered, or it was moved here from another position.");
                else if (!gap && chained.PreviousHash != chain.LastHash && !(chained.PreviousHash.Length == 0 && !chain.Chained))
                    Problem("broken-link", $"does not follow #{entry.SequenceNr - 1}: the previous row was altered or replaced.");
                if (chained.ReadError is not null && chained.Hash.Length > 0)
                    Problem("unreadable", $"does not deserialize with today's code ({chained.ReadError}).");
                chain.LastHash = chained.Hash;
                chain.Chained = true;
            }
            else if (chain.Chained)
            {
                Problem("unchained", "carries no chain although earlier events of its entity do: it was written or replaced outside an entity.");
                chain.LastHash = "";
            }

            if (entry.Event is TaskPlaced placed && PlacementReplay.ChoosesTheSame(placed.Placement) is { } same)
            {
                placements++;
                if (!same)
                    Problem("placement", $"task {placed.Task.TaskId} went to {placed.Placement.ChosenContainerInstanceId}, but its recorded candidates rank another first.");
            }
        }
        progress?.Report(events);
        if (live is not null)
            problems.AddRange(await live.Compare(entities.ToDictionary(e => e.Key, e => e.Value.LastSequenceNr, StringComparer.Ordinal), cancellationToken));
        return new AuditVerification(events, entities.Count, chainedEvents, placements, live?.EntitiesCompared, clock.Elapsed, problems);
    }
}
