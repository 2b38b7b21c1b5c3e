using Actors.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Actors.Hosting.Configuration;

/// <summary>Turns the journal settings into connection strings and prepares the database before Akka opens it.</summary>
public static class JournalSetup
{
    public static JournalOptions Prepare(ActorsOptions options)
    {
        var journal = options.Journal;
        if (journal.Provider == JournalProvider.Sqlite)
        {
            DataDirectory.EnsurePrivate(options.DataDir);
            var events = SqliteFile(Path.Combine(options.DataDir, "journal.db"));
            var sharding = SqliteFile(Path.Combine(options.DataDir, "sharding.db"));
            return new JournalOptions
            {
                Provider = JournalProvider.Sqlite, ConnectionString = events, ShardingConnectionString = sharding,
                SnapshotEvery = journal.SnapshotEvery,
            };
        }

        if (string.IsNullOrEmpty(journal.ConnectionString))
            throw new InvalidOperationException("Actors:Journal:ConnectionString is required when the journal provider is PostgreSql.");
        // Sharding's bookkeeping lives in a schema of its own so the public schema's journal holds domain events only.
        var shardingBuilder = new NpgsqlConnectionStringBuilder(journal.ConnectionString) { SearchPath = "akka_sharding" };
        try
        {
            using var connection = new NpgsqlConnection(journal.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS akka_sharding", connection);
            command.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new JournalUnusableException($"The PostgreSQL journal cannot be used: {OneLine(e.Message)}", e);
        }
        return new JournalOptions
        {
            Provider = JournalProvider.PostgreSql, ConnectionString = journal.ConnectionString,
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
