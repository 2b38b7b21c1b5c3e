using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Actors.Nodes.Tests;

/// <summary>
/// A journal that fails as a damaged database does, for the persistence ids that say so: <c>unreadable|...</c> cannot be
/// replayed, <c>unwritable|...</c> replays as empty but cannot be written, <c>rejecting|...</c> replays as empty and refuses
/// each write it is given (as a journal refuses an event it cannot serialize) while the journal itself works. Each failure comes after a short delay, as from
/// a disk, so a test can ask while the entity is still waiting for it. NodeTestKit configures it as <see cref="PluginId"/>.
/// </summary>
public sealed class FailingJournal : AsyncWriteJournal
{
    public const string PluginId = "akka.persistence.journal.failing";
    public const string Hocon = $$"""
        {{PluginId}} {
          class = "Actors.Nodes.Tests.FailingJournal, Actors.Nodes.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(300);

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (!persistenceId.StartsWith("unreadable|", StringComparison.Ordinal)) return 0;
        await Task.Delay(Delay);
        throw new InvalidOperationException("SQLite Error 11: 'database disk image is malformed'.");
    }

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback) => Task.CompletedTask;

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        await Task.Delay(Delay);
        var writes = messages.ToList();
        if (writes.All(write => write.PersistenceId.StartsWith("rejecting|", StringComparison.Ordinal)))
            return writes.Select(_ => (Exception)new InvalidOperationException("the event cannot be stored")).ToImmutableList();
        throw new InvalidOperationException("SQLite Error 10: 'disk I/O error'.");
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) => Task.CompletedTask;
}
