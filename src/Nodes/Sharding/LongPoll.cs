using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Sharding;

/// <summary>
/// Told by an entity that holds a question as a long poll (an agent's sync waiting for its desired state to change),
/// from the entity itself, so that the asker can watch it.
/// </summary>
public sealed record LongPollHeld
{
    public static LongPollHeld Instance { get; } = new();
}

/// <summary>
/// Asks an entity a question it may hold as a long poll, and notices when the entity dies holding it. A plain ask would
/// wait out its whole timeout: an entity on a node killed with SIGKILL answers nothing, and the agent heard a stop its
/// instance recorded only 30 s later (a chaos run: a service above maximumPercent meanwhile). The asker watches the
/// holder instead, and hears of its death once the node is downed, as soon as the entity can start elsewhere.
/// </summary>
public static class LongPoll
{
    /// <summary>
    /// The answer, or null when the entity that held the question stopped without answering (ask again: the entity's
    /// next incarnation answers). Throws <see cref="AskTimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<TAnswer?> Ask<TAnswer>(IActorRefFactory actors, IActorRef region, ShardingEnvelope envelope, TimeSpan timeout,
        CancellationToken cancellationToken) where TAnswer : class
    {
        var answer = new TaskCompletionSource<TAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var relay = actors.ActorOf(Props.Create(() => new Relay<TAnswer>(answer, region, envelope, timeout)).WithDeploy(Deploy.Local));
        await using var cancel = cancellationToken.Register(() => relay.Tell(PoisonPill.Instance));
        return await answer.Task;
    }

    private sealed class Relay<TAnswer> : ReceiveActor, IWithTimers where TAnswer : class
    {
        private readonly TaskCompletionSource<TAnswer?> _answer;
        private readonly TimeSpan _timeout;

        public Relay(TaskCompletionSource<TAnswer?> answer, IActorRef region, ShardingEnvelope envelope, TimeSpan timeout)
        {
            _answer = answer;
            _timeout = timeout;
            Receive<LongPollHeld>(_ => Context.Watch(Sender));
            Receive<TAnswer>(reply => Complete(() => _answer.TrySetResult(reply)));
            Receive<Terminated>(_ => Complete(() => _answer.TrySetResult(null)));
            Receive<TimedOut>(_ => Complete(() => _answer.TrySetException(
                new AskTimeoutException($"No answer to {envelope.Message.GetType().Name} for {envelope.EntityId} within {_timeout}."))));
            region.Tell(envelope);
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartSingleTimer(nameof(TimedOut), TimedOut.Instance, _timeout);

        private void Complete(Action complete)
        {
            complete();
            Context.Stop(Self);
        }

        // Cancelled (the caller went away) or stopped for any other reason: the caller is never left waiting.
        protected override void PostStop() => _answer.TrySetCanceled();

        private sealed record TimedOut
        {
            public static TimedOut Instance { get; } = new();
        }
    }
}
