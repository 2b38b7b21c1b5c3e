using Actors.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Actors.Hosting.Configuration;

/// <summary>Turns the journal settings into connection strings and prepares the database before Akka opens it.</summary>
public static class JournalSetup
{
    /// <summary>Sharding's bookkeeping lives in a schema of its own so the public schema's journal holds domain events only.</summary>
    public const string ShardingSchema = "akka_sharding";

    /// <summary>The SQLite tag index's file in the data directory, beside journal.db.</summary>
    public const string TagIndexFile = "journal-tags.db";

    /// <summary>The advisory lock key under which nodes prepare the database one at a time (any fixed number of ours).</summary>
    private const long SchemaSetupLock = 0x4163746f7273; // "Actors"

    public static JournalOptions Prepare(ActorsOptions options)
    {
        var journal = options.Journal;
        if (string.IsNullOrEmpty(journal.Postgres))
        {
            DataDirectory.EnsurePrivate(options.DataDir);
            var events = SqliteFile(Path.Combine(options.DataDir, "journal.db"));
            var sharding = SqliteFile(Path.Combine(options.DataDir, "sharding.db"));
            var tagIndex = SqliteFile(Path.Combine(options.DataDir, TagIndexFile));
            return new JournalOptions
            {
                Provider = JournalProvider.Sqlite, ConnectionString = events, ShardingConnectionString = sharding,
                TagIndexConnectionString = tagIndex, SnapshotEvery = journal.SnapshotEvery,
            };
        }

        // The tables themselves are created by the plugin on first start (auto-initialize), in the connection's search path.
        NpgsqlConnectionStringBuilder shardingBuilder;
        try
        {
            shardingBuilder = new NpgsqlConnectionStringBuilder(journal.Postgres) { SearchPath = ShardingSchema };
            using var connection = new NpgsqlConnection(journal.Postgres);
            connection.Open();
            // Nodes of a new cluster start together, and concurrent CREATE SCHEMA IF NOT EXISTS can still collide on
            // PostgreSQL's catalog (23505): a transaction-scoped advisory lock makes the nodes take turns.
            using var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock({SchemaSetupLock}); CREATE SCHEMA IF NOT EXISTS {ShardingSchema}", connection, transaction);
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            throw new JournalUnusableException($"The PostgreSQL journal cannot be used: {OneLine(e.Message)}", e);
        }
        return new JournalOptions
        {
            Provider = JournalProvider.PostgreSql, ConnectionString = journal.Postgres,
            ShardingConnectionString = shardingBuilder.ConnectionString, SnapshotEvery = journal.SnapshotEvery,
        };
    }

    /// <summary>
    /// Checks that the file is a readable SQLite database (reading its schema fails on a damaged or foreign file,
    /// which Akka would otherwise only meet at the first request, as a 30 s timeout) and turns WAL on: WAL lets
    /// readers (listings, audits) run beside the journal's writer; the plugin does not set it itself.
    /// </summary>
    private static string SqliteFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        DataDirectory.PrepareDatabaseFile(fullPath);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = fullPath }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master; PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw new JournalUnusableException(
                $"{fullPath} is not a usable SQLite database ({OneLine(e.Message)}); restore it from a backup or move it away to start empty.", e);
        }
        DataDirectory.PrepareDatabaseFile(fullPath);
        return connectionString;
    }

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>The journal's database cannot be opened or read: the node cannot start, and says why in one line.</summary>
public sealed class JournalUnusableException(string message, Exception inner) : Exception(message, inner);
