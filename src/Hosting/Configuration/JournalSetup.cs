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
            Directory.CreateDirectory(options.DataDir);
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
        using (var connection = new NpgsqlConnection(journal.ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS akka_sharding", connection);
            command.ExecuteNonQuery();
        }
        return new JournalOptions
        {
            Provider = JournalProvider.PostgreSql, ConnectionString = journal.ConnectionString,
            ShardingConnectionString = shardingBuilder.ConnectionString, SnapshotEvery = journal.SnapshotEvery,
        };
    }

    /// <summary>WAL lets readers (listings, audits) run beside the journal's writer; the plugin does not set it itself.</summary>
    private static string SqliteFile(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path) }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
        return connectionString;
    }
}
