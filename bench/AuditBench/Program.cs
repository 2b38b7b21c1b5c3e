// `actors audit` figures: events replayed per second by `audit verify`, and the time `audit state --at` takes for an entity
// with many events, from SQLite or PostgreSQL; and (--write-cost) how fast entities write chained events. Figures only.
//
//   dotnet run -c Release --project bench/AuditBench -- [--events 1000000] [--entity-events 10000] [--postgres CONNECTION] [--keep]
//   dotnet run -c Release --project bench/AuditBench -- --write-cost 20000
//
// The journal: one task definition family of --entity-events revisions written by a real TaskDefinitionFamilyEntity (the
// AggregateEntity shell that chains and tags every event) through the node's SQL journal settings, which also creates the
// tables; then the rest of --events generated, because a million events written by entities takes too long on this
// machine: families of 100 revisions each, decided by the same TaskDefinitionFamily.Decide, linked by the same
// EventChain.Link the entity uses, stored through our serializer, and inserted with plain SQL (PostgreSQL: binary COPY)
// as Akka.Persistence.Sql writes them (journal row, one tags row per tag), fifty families interleaved at a time as
// entities' writes interleave. Each event is a TaskDefinitionRegistered of about 700 bytes.
// --postgres takes an empty database (createdb); SQLite uses a temporary data directory.
//
// --write-cost N: N events by real entities (20 families) into a fresh SQLite journal (their tags travel in the envelopes;
// the node's TagIndexer indexes them behind the writes, which this does not run); and EventChain.Link against the bare
// serialization it wraps.
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
using Akka.Serialization;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NpgsqlTypes;

var events = Option("--events", 1_000_000);
var entityEvents = Option("--entity-events", 10_000);
var writeCost = Option("--write-cost", 0);
var keep = args.Contains("--keep");
var postgres = Array.IndexOf(args, "--postgres") is var p and >= 0 ? args[p + 1] : null;
var spec = new TaskDefinitionSpec { ContainerDefinitions = [new ContainerDefinition { Name = "app", Image = "busybox", Memory = 64 }] };

if (writeCost > 0)
{
    var dir = Directory.CreateTempSubdirectory("actors-audit-bench-").FullName;
    var clock = Stopwatch.StartNew();
    var written = await WriteByEntities(Sqlite(dir), JournalProvider.Sqlite, Enumerable.Range(0, 20).Select(f => ($"family-{f}", writeCost / 20)));
    Console.WriteLine(Line($"entities wrote {written:N0} chained events: {written / clock.Elapsed.TotalSeconds:N0} events/s"));
    Directory.Delete(dir, recursive: true);
    await using var serialization = await AuditSystem.Start(new AuditSource(JournalProvider.Sqlite, "Data Source=:memory:"));
    var @event = TaskDefinitionFamily.Decide(TaskDefinitionFamily.Empty("link"), Register("link", 1)).Events[0];
    var state = TaskDefinitionFamily.Empty("link");
    const int links = 100_000;
    var bare = Stopwatch.StartNew();
    for (var i = 0; i < links; i++) serialization.System.Serialization.FindSerializerFor(@event).ToBinary(@event);
    var bareSeconds = bare.Elapsed.TotalSeconds;
    var linked = Stopwatch.StartNew();
    for (var i = 0; i < links; i++) EventChain.Link(serialization.System.Serialization, "task-definition-family|link", i + 1, @event, state, "");
    Console.WriteLine(Line($"serialize an event: {bareSeconds / links * 1e6:0.0} µs; EventChain.Link (serialize, hash, tags): {linked.Elapsed.TotalSeconds / links * 1e6:0.0} µs"));
    return 0;
}

var dataDir = postgres is null ? Directory.CreateTempSubdirectory("actors-audit-bench-").FullName : null;
var source = postgres is null ? new AuditSource(JournalProvider.Sqlite, Sqlite(dataDir!)) : AuditSource.Postgres(postgres);
Console.WriteLine($"journal: {(postgres is null ? Path.Combine(dataDir!, "journal.db") : "PostgreSQL")}");

var writing = Stopwatch.StartNew();
await WriteByEntities(source.ConnectionString, source.Provider, [("big", entityEvents)]);
Console.WriteLine(Line($"entity wrote {entityEvents:N0} events in {writing.Elapsed.TotalSeconds:0.0} s"));

await using (var audit = await AuditSystem.Start(source))
{
    var generating = Stopwatch.StartNew();
    var generated = await Generate(audit.System.Serialization, events - entityEvents);
    Console.WriteLine(Line($"generated {generated:N0} events in {generating.Elapsed.TotalSeconds:0.0} s{(dataDir is null ? "" : $", journal {new FileInfo(Path.Combine(dataDir, "journal.db")).Length / 1048576.0:N0} MiB")}"));

    for (var run = 1; run <= 2; run++)
    {
        var verification = await AuditVerify.Run(audit.Journal, null, null, CancellationToken.None);
        Console.WriteLine(Line($"audit verify, run {run}: {verification.Events:N0} events of {verification.Entities:N0} entities in {verification.Elapsed.TotalSeconds:0.00} s: {verification.EventsPerSecond:N0} events/s ({(verification.Passed ? "passed" : $"{verification.Problems.Count} problems: {verification.Problems[0]}")})"));
    }

    var arn = $"arn:aws:ecs:us-east-1:000000000000:task-definition/big:{entityEvents / 2}";
    for (var run = 1; run <= 3; run++)
    {
        var folding = Stopwatch.StartNew();
        var answer = await AuditState.At(audit.Journal, arn, DateTimeOffset.MaxValue, CancellationToken.None);
        if (answer["taskDefinition"] is null) throw new InvalidOperationException("the revision was not found");
        Console.WriteLine(Line($"audit state --at, entity of {entityEvents:N0} events, run {run}: {folding.Elapsed.TotalMilliseconds:N0} ms"));
    }
}
if (dataDir is not null && !keep) Directory.Delete(dataDir, recursive: true);
return 0;

RegisterTaskDefinition Register(string family, int i) =>
    new(new RequestContext(DateTimeOffset.UtcNow, $"bench-{family}-{i}", "AKIABENCH"), spec with { Family = family }, null);

// Every family gets its events as commands told without waiting (the entity decides those that queue up together and
// writes them in one batch, as it does under load), and the last one asked, which answers once all are stored.
async Task<long> WriteByEntities(string connectionString, JournalProvider provider, IEnumerable<(string Family, int Count)> plan)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Services.AddAkka("audit-bench", akka =>
    {
        akka.AddHocon("akka { loglevel = WARNING }", HoconAddMode.Prepend)
            .AddSetup(ActorsSerialization.Setup())
            .WithSqlPersistence(connectionString, provider == JournalProvider.Sqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15);
        if (provider == JournalProvider.Sqlite)
            akka.AddHocon("akka.persistence.journal.sql { parallelism = 1, batch-size = 400 }", HoconAddMode.Prepend);
    });
    using var host = builder.Build();
    await host.StartAsync();
    var system = host.Services.GetRequiredService<ActorSystem>();
    var families = plan.ToList();
    await Task.WhenAll(families.Select(async entry =>
    {
        var (family, count) = entry;
        var entity = system.ActorOf(Props.Create(() => new TaskDefinitionFamilyEntity($"task-definition-family|{family}", family, 100, TimeProvider.System)));
        for (var i = 1; i < count; i++) entity.Tell(Register(family, i));
        await entity.Ask<object>(Register(family, count), TimeSpan.FromMinutes(30));
    }));
    await host.StopAsync();
    return families.Sum(f => (long)f.Count);
}

// Families of 100 revisions, fifty at a time taking turns, each event decided, linked and stored as its entity would.
async Task<long> Generate(Serialization serialization, int count)
{
    const int perFamily = 100, together = 50;
    var rows = new List<Row>(together * perFamily);
    long ordering = await MaxOrdering(), written = 0;
    var writerUuid = Guid.NewGuid().ToString("N");
    for (var wave = 0; written < count; wave++)
    {
        var families = Enumerable.Range(0, together).Select(f => (Name: $"gen-{wave}-{f}", State: TaskDefinitionFamily.Empty($"gen-{wave}-{f}"), Hash: "")).ToArray();
        rows.Clear();
        for (var i = 1; i <= perFamily && written < count; i++)
            for (var f = 0; f < together && written < count; f++, written++)
            {
                var (name, state, hash) = families[f];
                var persistenceId = $"task-definition-family|{name}";
                var @event = TaskDefinitionFamily.Decide(state, Register(name, i)).Events.Single();
                var chained = EventChain.Link(serialization, persistenceId, i, @event, state, hash);
                var serializer = (SerializerWithStringManifest)serialization.FindSerializerFor(chained);
                rows.Add(new Row(++ordering, persistenceId, i, serializer.ToBinary(chained), serializer.Manifest(chained), serializer.Identifier, chained.Tags));
                families[f] = (name, TaskDefinitionFamily.Apply(state, @event), chained.Hash);
            }
        await Insert(rows, writerUuid);
    }
    if (await MaxOrdering() != ordering) throw new InvalidOperationException("the journal's orderings are not the ones the tag rows name");
    return written;
}

async Task<long> MaxOrdering()
{
    await using var connection = Connect();
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM journal";
    return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}

System.Data.Common.DbConnection Connect() =>
    postgres is null ? new SqliteConnection(source.ConnectionString) : new NpgsqlConnection(source.ConnectionString);

async Task Insert(List<Row> rows, string writerUuid)
{
    var created = DateTime.UtcNow.Ticks;
    if (postgres is not null)
    {
        // COPY cannot set the identity column: one writer on an otherwise idle journal gets the next orderings in row order
        // (checked at the end against the orderings the tag rows name).
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using (var journal = await connection.BeginBinaryImportAsync(
            "COPY journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await journal.StartRowAsync();
                await journal.WriteAsync(created, NpgsqlDbType.Bigint);
                await journal.WriteAsync(false, NpgsqlDbType.Boolean);
                await journal.WriteAsync(row.PersistenceId, NpgsqlDbType.Text);
                await journal.WriteAsync((long)row.SequenceNr, NpgsqlDbType.Bigint);
                await journal.WriteAsync(row.Message, NpgsqlDbType.Bytea);
                await journal.WriteAsync(row.Manifest, NpgsqlDbType.Text);
                await journal.WriteAsync(row.Serializer, NpgsqlDbType.Integer);
                await journal.WriteAsync(writerUuid, NpgsqlDbType.Text);
            }
            await journal.CompleteAsync();
        }
        await using var tags = await connection.BeginBinaryImportAsync("COPY tags (ordering_id, tag, sequence_nr, persistence_id) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
            foreach (var tag in row.Tags)
            {
                await tags.StartRowAsync();
                await tags.WriteAsync(row.Ordering, NpgsqlDbType.Bigint);
                await tags.WriteAsync(tag, NpgsqlDbType.Text);
                await tags.WriteAsync((long)row.SequenceNr, NpgsqlDbType.Bigint);
                await tags.WriteAsync(row.PersistenceId, NpgsqlDbType.Text);
            }
        await tags.CompleteAsync();
        return;
    }
    await using var sqlite = new SqliteConnection(source.ConnectionString);
    await sqlite.OpenAsync();
    await using var transaction = (SqliteTransaction)await sqlite.BeginTransactionAsync();
    var insertRow = sqlite.CreateCommand();
    insertRow.CommandText = "INSERT INTO journal (ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) VALUES ($o, $c, 0, $p, $s, $m, $f, $i, $w)";
    var insertTag = sqlite.CreateCommand();
    insertTag.CommandText = "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES ($o, $t, $s, $p)";
    foreach (var row in rows)
    {
        insertRow.Parameters.Clear();
        insertRow.Parameters.AddWithValue("$o", row.Ordering);
        insertRow.Parameters.AddWithValue("$c", created);
        insertRow.Parameters.AddWithValue("$p", row.PersistenceId);
        insertRow.Parameters.AddWithValue("$s", row.SequenceNr);
        insertRow.Parameters.AddWithValue("$m", row.Message);
        insertRow.Parameters.AddWithValue("$f", row.Manifest);
        insertRow.Parameters.AddWithValue("$i", row.Serializer);
        insertRow.Parameters.AddWithValue("$w", writerUuid);
        await insertRow.ExecuteNonQueryAsync();
        foreach (var tag in row.Tags)
        {
            insertTag.Parameters.Clear();
            insertTag.Parameters.AddWithValue("$o", row.Ordering);
            insertTag.Parameters.AddWithValue("$t", tag);
            insertTag.Parameters.AddWithValue("$s", row.SequenceNr);
            insertTag.Parameters.AddWithValue("$p", row.PersistenceId);
            await insertTag.ExecuteNonQueryAsync();
        }
    }
    await transaction.CommitAsync();
}

static string Sqlite(string dataDir)
{
    var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "journal.db") }.ToString();
    using var connection = new SqliteConnection(connectionString);
    connection.Open();
    using var wal = connection.CreateCommand();
    wal.CommandText = "PRAGMA journal_mode=WAL;";
    wal.ExecuteNonQuery();
    return connectionString;
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

sealed record Row(long Ordering, string PersistenceId, int SequenceNr, byte[] Message, string Manifest, int Serializer, IReadOnlyCollection<string> Tags);
