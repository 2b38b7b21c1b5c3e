// `actors audit` from SQLite: events replayed per second by `audit verify`, and the time `audit state --at` takes for an
// entity with many events. Figures only. The journal is written by real entities (TaskDefinitionFamilyEntity, the same
// AggregateEntity shell that chains and tags every event) through the node's SQL journal settings for SQLite: many
// families sharing --events, plus one family of --entity-events revisions for the fold.
//
//   dotnet run -c Release --project bench/AuditBench -- [--events 100000] [--families 100] [--entity-events 10000] [--keep] [--raw]
//
// --raw also reads every row with one plain SQL query and deserializes it, to separate the query side's cost from ours.
//
// The issue asks for one million events; on a 2-core machine shared with other work, run that size by hand.
using System.Diagnostics;
using System.Globalization;
using Actors.Domain.Common;
using Actors.Domain.TaskDefinitions;
using Actors.Hosting.Audit;
using Actors.Nodes;
using Actors.Nodes.Entities;
using Actors.Nodes.Persistence;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var events = Option("--events", 100_000);
var families = Option("--families", 100);
var entityEvents = Option("--entity-events", 10_000);
var keep = args.Contains("--keep");
var dataDir = Directory.CreateTempSubdirectory("actors-audit-bench-").FullName;
var journalPath = Path.Combine(dataDir, "journal.db");
var connectionString = new SqliteConnectionStringBuilder { DataSource = journalPath }.ToString();
using (var connection = new SqliteConnection(connectionString))
{
    connection.Open();
    using var wal = connection.CreateCommand();
    wal.CommandText = "PRAGMA journal_mode=WAL;";
    wal.ExecuteNonQuery();
}

Console.WriteLine($"journal: {journalPath}");
var writing = Stopwatch.StartNew();
var written = await Write();
Console.WriteLine(Line($"wrote {written:N0} events in {writing.Elapsed.TotalSeconds:0.0} s ({written / writing.Elapsed.TotalSeconds:N0}/s), {new FileInfo(journalPath).Length / 1048576.0:0.0} MiB"));

await using (var audit = await AuditSystem.Start(AuditSource.DataDirectory(dataDir)))
{
    if (args.Contains("--raw"))
    {
        var raw = Stopwatch.StartNew();
        var serializer = (Akka.Serialization.SerializerWithStringManifest)audit.System.Serialization.FindSerializerForType(typeof(ChainedEvent));
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT message, manifest FROM journal ORDER BY ordering";
        using var reader = query.ExecuteReader();
        var rows = 0;
        while (reader.Read()) { serializer.FromBinary((byte[])reader[0], reader.GetString(1)); rows++; }
        Console.WriteLine(Line($"raw read + deserialize: {rows:N0} rows in {raw.Elapsed.TotalSeconds:0.00} s"));
    }
    var verification = await AuditVerify.Run(audit.Journal, null, CancellationToken.None);
    Console.WriteLine(Line($"audit verify: {verification.Events:N0} events of {verification.Entities} entities in {verification.Elapsed.TotalSeconds:0.00} s: {verification.EventsPerSecond:N0} events/s ({(verification.Passed ? "passed" : $"{verification.Problems.Count} problems")})"));

    var arn = $"arn:aws:ecs:us-east-1:000000000000:task-definition/big:{entityEvents / 2}";
    for (var run = 1; run <= 3; run++)
    {
        var folding = Stopwatch.StartNew();
        var answer = await AuditState.At(audit.Journal, arn, DateTimeOffset.MaxValue, CancellationToken.None);
        if (answer["taskDefinition"] is null) throw new InvalidOperationException("the revision was not found");
        Console.WriteLine(Line($"audit state --at, entity of {entityEvents:N0} events, run {run}: {folding.Elapsed.TotalMilliseconds:N0} ms"));
    }
}
if (!keep) Directory.Delete(dataDir, recursive: true);
return 0;

// Every family gets its events as commands told without waiting (the entity decides those that queue up together and
// writes them in one batch, as it does under load), and the last one asked, which answers once all are stored.
async Task<long> Write()
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Services.AddAkka("audit-bench", akka => akka
        .AddHocon("akka { loglevel = WARNING }\nakka.persistence.journal.sql { parallelism = 1, batch-size = 400, tagtable-asqueryable-insert-mode = inline }", HoconAddMode.Prepend)
        .AddSetup(ActorsSerialization.Setup())
        .WithSqlPersistence(connectionString, ProviderName.SQLiteMS,
            journalBuilder: journal => journal.AddWriteEventAdapter<EventTagger>("tagger", [typeof(IDomainEvent), typeof(ChainedEvent)])));
    using var host = builder.Build();
    await host.StartAsync();
    var system = host.Services.GetRequiredService<ActorSystem>();
    var plan = Enumerable.Range(0, families).Select(f => ($"family-{f}", events / families)).Append(("big", entityEvents)).ToList();
    var at = DateTimeOffset.UtcNow;
    await Task.WhenAll(plan.Select(async entry =>
    {
        var (family, count) = entry;
        var entity = system.ActorOf(Props.Create(() => new TaskDefinitionFamilyEntity(
            $"task-definition-family|{family}", family, 100, TimeProvider.System)));
        var spec = new TaskDefinitionSpec { Family = family, ContainerDefinitions = [new ContainerDefinition { Name = "app", Image = "busybox", Memory = 64 }] };
        for (var i = 1; i < count; i++)
            entity.Tell(new RegisterTaskDefinition(new RequestContext(at, $"bench-{family}-{i}", "AKIABENCH"), spec, null));
        await entity.Ask<object>(new RegisterTaskDefinition(new RequestContext(at, $"bench-{family}-{count}", "AKIABENCH"), spec, null), TimeSpan.FromMinutes(30));
    }));
    await host.StopAsync();
    return plan.Sum(p => (long)p.Item2);
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
