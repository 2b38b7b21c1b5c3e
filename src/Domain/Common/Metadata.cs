namespace Actors.Domain.Common;

/// <summary>Who asked for a change, when and under which request: every command carries it in, every event carries it out.</summary>
/// <param name="At">The time the gateway received the request (the domain never reads a clock).</param>
/// <param name="RequestId">The x-amzn-RequestId answered to the client.</param>
/// <param name="Principal">The access key id that signed the request, or the name of an internal actor.</param>
public sealed record RequestContext(DateTimeOffset At, string RequestId, string Principal)
{
    public EventMetadata Because(string reason) => new(At, RequestId, Principal, reason);
}

/// <summary>Why an event happened: the request that caused it and a sentence for the audit trail.</summary>
public sealed record EventMetadata(DateTimeOffset At, string RequestId, string Principal, string Reason);

/// <summary>Every domain event is an immutable, past-tense record carrying its metadata.</summary>
public interface IDomainEvent
{
    EventMetadata Metadata { get; }
}

/// <summary>Every command carries the context of the request that issued it.</summary>
public interface IDomainCommand
{
    RequestContext Context { get; }
}
