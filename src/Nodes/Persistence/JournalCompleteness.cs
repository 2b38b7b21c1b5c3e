using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Where the journal is complete for a reader that follows it by ordering: the highest ordering below which every row is
/// visible, or whose hole has stayed for <see cref="HoleWait"/>. PostgreSQL hands orderings out before commits, so a row
/// whose transaction is still open leaves a hole that fills later; a rolled-back insert leaves one for good.
/// </summary>
public sealed class JournalCompleteness(long completeThrough = 0)
{
    /// <summary>How long a hole in the orderings is waited for before it counts as a rolled-back insert.</summary>
    public static readonly TimeSpan HoleWait = TimeSpan.FromSeconds(2);

    private long _complete = completeThrough;
    private long _hole = -1;
    private DateTime _holeSeen;

    public async Task<long> Through(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ordering FROM journal WHERE ordering > @after ORDER BY ordering LIMIT 100000";
        JournalDatabase.Parameter(command, "@after", _complete);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var ordering = reader.GetInt64(0);
            if (ordering != _complete + 1 && _complete > 0)
            {
                if (_hole != _complete + 1) (_hole, _holeSeen) = (_complete + 1, DateTime.UtcNow);
                if (DateTime.UtcNow - _holeSeen < HoleWait) break;
            }
            _complete = ordering;
        }
        return _complete;
    }
}

/// <summary>Plain ADO.NET access to the journal's tables (the audit reads them; the tag indexer fills the tag table).</summary>
public static class JournalDatabase
{
    public static DbConnection Connect(JournalProvider provider, string connectionString) => provider == JournalProvider.Sqlite
        ? new SqliteConnection(connectionString)
        : new NpgsqlConnection(connectionString);

    public static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
