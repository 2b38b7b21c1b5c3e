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
/// Asks an entity a question it may hold as a long poll. A plain ask waits out its whole timeout whenever the question
/// is lost: dropped with a shard handed over to a node that just joined, or held by an entity whose node is killed. Both
/// left an agent deaf for the gateway's 30 s (a chaos run: a stop recorded at once reached its host 30 s later, and a
/// service ran above maximumPercent meanwhile). So the question goes again each attempt until an entity says it holds
/// it, and the asker then watches that holder: should it die, the caller hears so once its node is downed.
/// </summary>
public static class LongPoll
{
    /// <summary>
    /// The answer, or null when the entity that held the question stopped without answering (ask again: its next
    /// incarnation answers). <paramref name="envelopes"/> are sent in order, the question last (a report's parts, then
    /// the sync), and all again at each <paramref name="attempt"/> until held. Throws <see cref="AskTimeoutException"/>
    /// after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<TAnswer?> Ask<TAnswer>(IActorRefFactory actors, IActorRef region, IReadOnlyList<ShardingEnvelope> envelopes,
        TimeSpan attempt, TimeSpan timeout, CancellationToken cancellationToken) where TAnswer : class
    {
        var answer = new TaskCompletionSource<TAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var relay = actors.ActorOf(Props.Create(() => new Relay<TAnswer>(answer, region, envelopes, attempt, timeout)).WithDeploy(Deploy.Local));
        // Sent from here, so that whatever the caller tells the entity next arrives after the question.
        foreach (var envelope in envelopes) region.Tell(envelope, relay);
        await using var cancel = cancellationToken.Register(() => relay.Tell(PoisonPill.Instance));
        return await answer.Task;
    }

    private sealed class Relay<TAnswer> : ReceiveActor, IWithTimers where TAnswer : class
    {
        private const string AttemptTimer = "attempt";
        private readonly TaskCompletionSource<TAnswer?> _answer;
        private readonly IActorRef _region;
        private readonly IReadOnlyList<ShardingEnvelope> _envelopes;
        private readonly TimeSpan _attempt;
        private readonly TimeSpan _timeout;

        public Relay(TaskCompletionSource<TAnswer?> answer, IActorRef region, IReadOnlyList<ShardingEnvelope> envelopes, TimeSpan attempt, TimeSpan timeout)
        {
            _answer = answer;
            _region = region;
            _envelopes = envelopes;
            _attempt = attempt;
            _timeout = timeout;
            Receive<LongPollHeld>(_ =>
            {
                Timers.Cancel(AttemptTimer);
                Context.Watch(Sender);
            });
            Receive<TAnswer>(reply => Complete(() => _answer.TrySetResult(reply)));
            Receive<Terminated>(_ => Complete(() => _answer.TrySetResult(null)));
            Receive<AskAgain>(_ => Send());
            Receive<TimedOut>(_ => Complete(() => _answer.TrySetException(new AskTimeoutException(
                $"No answer to {_envelopes[^1].Message.GetType().Name} for {_envelopes[^1].EntityId} within {_timeout}."))));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart()
        {
            Timers.StartSingleTimer(nameof(TimedOut), TimedOut.Instance, _timeout);
            Timers.StartPeriodicTimer(AttemptTimer, AskAgain.Instance, _attempt);
        }

        /// <summary>
        /// Asking again is harmless: a question the entity meanwhile held is answered when the next one arrives (an agent
        /// waits on its latest sync only), and that answer is what the caller gets.
        /// </summary>
        private void Send()
        {
            foreach (var envelope in _envelopes) _region.Tell(envelope);
        }

        private void Complete(Action complete)
        {
            complete();
            Context.Stop(Self);
        }

        // Cancelled (the caller went away) or stopped for any other reason: the caller is never left waiting.
        protected override void PostStop() => _answer.TrySetCanceled();

        private sealed record AskAgain
        {
            public static AskAgain Instance { get; } = new();
        }

        private sealed record TimedOut
        {
            public static TimedOut Instance { get; } = new();
        }
    }
}
