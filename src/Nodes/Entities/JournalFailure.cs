using System.Runtime.Serialization;
using Akka.Actor;

namespace Actors.Nodes.Entities;

/// <summary>
/// What an asker hears when the journal cannot be read for the entity it asked: a fault of the server, answered at once
/// instead of an ask timeout (the gateway answers it as ECS's ServerException).
/// </summary>
public sealed class JournalFailureException : Exception
{
    public JournalFailureException(string message) : base(message) { }

    // Akka.Remote carries the cause of a Status.Failure to another node through this constructor, and nothing else.
#pragma warning disable SYSLIB0051
    private JournalFailureException(SerializationInfo info, StreamingContext context) : base(info, context) { }
#pragma warning restore SYSLIB0051
}

/// <summary>
/// Published on the node's event stream whenever a read or write of the journal fails where it is used (an entity's
/// recovery or write, a listing): the node's health then reports the journal, even while a periodic read still succeeds
/// through cached pages.
/// </summary>
public sealed record JournalFailed(string Problem) : INoSerializationVerificationNeeded;

internal static class JournalFailure
{
    /// <summary>Reports a failed read and returns what the asker hears.</summary>
    /// <param name="consequence">What cannot be done, e.g. "cluster|web cannot be loaded".</param>
    public static JournalFailureException Unreadable(ActorSystem system, string consequence, Exception cause)
    {
        Report(system, $"a read of the journal failed ({Describe(cause)})");
        return new($"The journal cannot be read, so {consequence} ({Describe(cause)}). This is a fault of the server, not of the request.");
    }

    public static void Report(ActorSystem system, string problem) => system.EventStream.Publish(new JournalFailed(problem));

    /// <summary>The innermost cause in one line: database errors carry the reason there (e.g. "database disk image is malformed").</summary>
    public static string Describe(Exception cause) =>
        string.Join(' ', cause.GetBaseException().Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>An ask's temporary actor (here or on another node): someone waits for exactly one answer.</summary>
    public static bool IsAsker(IActorRef? sender) => sender is not null && !sender.IsNobody() && sender.Path.Elements is ["temp", ..];
}
