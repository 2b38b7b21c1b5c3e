using Akka.Actor;
using Akka.Persistence;

namespace Actors.Nodes.Persistence;

/// <summary>
/// A read of a journal that returns no event: replaying nothing still reads a persistence id's highest sequence number
/// from the database. Akka.Persistence.Sql's journal stashes every message until it has initialized (created its tables,
/// compiled its first queries), so the first answer also says that the journal is ready - which can take longer than
/// any single read on a node starting beside others on a loaded machine.
/// </summary>
public static class JournalRead
{
    private const string ProbePersistenceId = "actors-journal-probe";

    /// <summary>Reads nothing through the journal <paramref name="pluginId"/> (null: the domain's).</summary>
    /// <returns>Null when the journal read the database; otherwise the failure it answered with.</returns>
    /// <exception cref="AskTimeoutException">The journal did not answer within <paramref name="timeout"/>.</exception>
    public static async Task<Exception?> Nothing(ActorSystem system, string? pluginId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(pluginId);
        var answer = await journal.Ask<object>(replyTo => new ReplayMessages(0, 0, 0, ProbePersistenceId, replyTo), timeout, cancellationToken);
        return answer is ReplayMessagesFailure failure ? failure.Cause : null;
    }
}
