using Actors.Nodes.Persistence;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Actors.Nodes.Tests;

/// <summary>
/// A TestKit whose actor system persists to a private shared in-memory SQLite database through Akka.Persistence.Sql
/// and serializes with our serializer, checking that every message it sends can cross the wire.
/// </summary>
public abstract class NodeTestKit : Akka.TestKit.Xunit2.TestKit
{
    private readonly SqliteConnection _keepDatabaseAlive;

    protected NodeTestKit(ITestOutputHelper output) : this(output, $"Filename=file:memdb-{Guid.NewGuid():N}.db;Mode=Memory;Cache=Shared") { }

    private NodeTestKit(ITestOutputHelper output, string connectionString)
        : base(BootstrapSetup.Create().WithConfig(Config(connectionString)).And(ActorsSerialization.Setup()), output: output)
    {
        _keepDatabaseAlive = new SqliteConnection(connectionString);
        _keepDatabaseAlive.Open();
    }

    private static Config Config(string connectionString) => ConfigurationFactory.ParseString($$"""
        akka.actor.serialize-messages = on
        # the first persist creates the tables and warms linq2db up, which takes seconds on a busy 2-core machine
        akka.test.single-expect-default = 15s
        akka.persistence {
          journal {
            plugin = "akka.persistence.journal.sql"
            sql { connection-string = "{{connectionString}}", provider-name = "SQLite.MS", auto-initialize = on }
          }
          snapshot-store {
            plugin = "akka.persistence.snapshot-store.sql"
            sql { connection-string = "{{connectionString}}", provider-name = "SQLite.MS", auto-initialize = on }
          }
        }
        """).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    protected override void AfterAll()
    {
        base.AfterAll();
        _keepDatabaseAlive.Dispose();
    }
}
