using System.Collections.Immutable;
using Actors.Domain.Common;
using Actors.Domain.ContainerInstances;
using Actors.Nodes.Entities;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Nodes.Scheduling;

/// <summary>
/// Writes that touch several instances at once (PutAttributes, DeleteAttributes, UpdateContainerInstancesState) are one
/// decision of the cluster's scheduler. It decides every target with the instances' own rule
/// (<see cref="ContainerInstance.Decide"/>) on its view first, and hands the commands to the instances only when the
/// decision stands: attributes all or none, states per instance as ECS answers them (a failure per instance that cannot
/// change, the others all changed).
/// <para>
/// The view is authoritative for what these writes depend on - membership, status, custom attributes - because every
/// writer of them passes through here and is serialized: a batch waits while one of its instances registers or
/// deregisters, and a (de)registration waits while a batch holds its instance. What the scheduler's own writes left is
/// kept (by instance version) until the change feed brings it, so a batch never decides on a view older than the
/// previous one's outcome. An instance can then refuse only when its journal fails or it does not answer in time; the
/// caller hears a failure and, as both calls are idempotent, retries. No intent is recorded: nothing is half done
/// that a retry would not finish.
/// </para>
/// </summary>
public sealed partial class ClusterScheduler
{
    /// <summary>Instances a batch write is being handed to.</summary>
    private readonly HashSet<string> _writing = new(StringComparer.Ordinal);
    /// <summary>Batch writes and (de)registrations waiting until the instances they touch are free, in arrival order.</summary>
    private readonly List<(object Message, IActorRef Sender)> _waitingForInstances = [];
    /// <summary>Instances as this scheduler's own writes and registrations left them, until the change feed catches up.</summary>
    private readonly Dictionary<string, ContainerInstanceState> _written = new(StringComparer.Ordinal);

    private void ReceiveInstanceWrites()
    {
        Command<ChangeInstanceAttributes>(change => WhenViewReady(change, () =>
            WhenInstancesFree(change, change.Targets.Select(t => t.InstanceId), includeRegistering: true, () => ChangeAttributes(change, Sender))));
        Command<ChangeInstancesState>(change => WhenViewReady(change, () =>
            WhenInstancesFree(change, change.InstanceIds, includeRegistering: true, () => ChangeStates(change, Sender))));
        Command<InstanceWritesAnswered>(OnInstanceWritesAnswered);
    }

    private void WhenInstancesFree(object message, IEnumerable<string> instanceIds, bool includeRegistering, Action handle)
    {
        if (instanceIds.Any(id => _writing.Contains(id) || (includeRegistering && _registering.Contains(id))))
            _waitingForInstances.Add((message, Sender));
        else handle();
    }

    /// <summary>Something that held instances let go: whatever waited is looked at again, in the order it came.</summary>
    private void ReleaseWaitingForInstances()
    {
        if (_waitingForInstances.Count == 0) return;
        var waiting = _waitingForInstances.ToList();
        _waitingForInstances.Clear();
        foreach (var (message, sender) in waiting) Self.Tell(message, sender);
    }

    /// <summary>The instance as the newest of the view and this scheduler's own writes has it; an unregistered one if it is no member.</summary>
    private ContainerInstanceState CurrentInstance(string instanceId)
    {
        if (!State.ContainerInstanceIds.Contains(instanceId))
        {
            _written.Remove(instanceId);
            return ContainerInstanceState.Unregistered(State.Name, instanceId);
        }
        var seen = _view.Instance(instanceId);
        if (_written.TryGetValue(instanceId, out var written))
        {
            if (seen is null || written.Version > seen.Version) return written;
            _written.Remove(instanceId);
        }
        return seen ?? ContainerInstanceState.Unregistered(State.Name, instanceId);
    }

    private void Remember(ContainerInstanceState instance)
    {
        if (instance.Version >= CurrentInstance(instance.InstanceId).Version) _written[instance.InstanceId] = instance.WithoutTasks();
    }

    private void ChangeAttributes(ChangeInstanceAttributes change, IActorRef replyTo)
    {
        if (!State.IsActive)
        {
            replyTo.Tell(new InstanceAttributesChanged(DomainError.ClusterNotFound()));
            return;
        }
        var commands = ImmutableList.CreateBuilder<(string InstanceId, IContainerInstanceCommand Command)>();
        foreach (var target in change.Targets)
        {
            IContainerInstanceCommand command = change.Delete
                ? new DeleteContainerInstanceAttributes(change.Context, [.. target.Attributes.Select(a => a.Name)])
                : new PutContainerInstanceAttributes(change.Context, target.Attributes);
            var decision = ContainerInstance.Decide(CurrentInstance(target.InstanceId), command);
            if (decision.Error is { } refused)
            {
                replyTo.Tell(new InstanceAttributesChanged(refused));
                return;
            }
            if (decision.Events.Count > 0) commands.Add((target.InstanceId, command));
        }
        HandToInstances(new InstanceWrites(replyTo, change, commands.ToImmutable()));
    }

    private void ChangeStates(ChangeInstancesState change, IActorRef replyTo)
    {
        if (!State.IsActive)
        {
            replyTo.Tell(new InstancesStateChanged([], DomainError.ClusterNotFound()));
            return;
        }
        var commands = ImmutableList.CreateBuilder<(string InstanceId, IContainerInstanceCommand Command)>();
        foreach (var instanceId in change.InstanceIds.Distinct())
        {
            var command = new UpdateContainerInstanceState(change.Context, change.Status);
            // Unchanged instances are asked too: they answer themselves as they are, as ECS lists them among the updated.
            if (ContainerInstance.Decide(CurrentInstance(instanceId), command).IsAccepted) commands.Add((instanceId, command));
        }
        HandToInstances(new InstanceWrites(replyTo, change, commands.ToImmutable()));
    }

    private void HandToInstances(InstanceWrites writes)
    {
        if (writes.Commands.IsEmpty)
        {
            Answer(writes, ImmutableDictionary<string, EntityResponse<ContainerInstanceState>?>.Empty);
            return;
        }
        foreach (var (instanceId, _) in writes.Commands) _writing.Add(instanceId);
        var asks = writes.Commands.Select(async write => (write.InstanceId, Response: await AskInstance(write.InstanceId, write.Command)));
        Task.WhenAll(asks).PipeTo(Self, success: answers => new InstanceWritesAnswered(writes,
            answers.ToImmutableDictionary(a => a.InstanceId, a => a.Response, StringComparer.Ordinal)));
    }

    private async Task<EntityResponse<ContainerInstanceState>?> AskInstance(string instanceId, IContainerInstanceCommand command)
    {
        try
        {
            return await _instances().Ask<EntityResponse<ContainerInstanceState>>(new ShardingEnvelope(InstanceEntityId(instanceId), command),
                _options.RegistrationAskTimeout);
        }
        catch (Exception)
        {
            return null; // not known whether it recorded the change: the caller hears a failure and retries
        }
    }

    private void OnInstanceWritesAnswered(InstanceWritesAnswered answered)
    {
        foreach (var (instanceId, _) in answered.Writes.Commands) _writing.Remove(instanceId);
        foreach (var response in answered.Responses.Values)
            if (response is { Error: null, State.IsRegistered: true }) Remember(response.State);
        Answer(answered.Writes, answered.Responses);
        ReleaseWaitingForInstances();
    }

    private void Answer(InstanceWrites writes, ImmutableDictionary<string, EntityResponse<ContainerInstanceState>?> responses)
    {
        if (responses.Values.Any(r => r is null))
        {
            var silent = responses.First(r => r.Value is null).Key;
            writes.ReplyTo.Tell(new Status.Failure(new TimeoutException($"Container instance {silent} did not answer in time.")));
            return;
        }
        switch (writes.Request)
        {
            case ChangeInstanceAttributes:
                // Decided on the view, refused by the instance: its journal failed (see the class comment).
                var refused = writes.Commands.Select(c => responses[c.InstanceId]!.Error).FirstOrDefault(e => e is not null);
                writes.ReplyTo.Tell(new InstanceAttributesChanged(refused));
                break;
            case ChangeInstancesState change:
                writes.ReplyTo.Tell(new InstancesStateChanged([.. change.InstanceIds.Select(id => StateOutcome(id, change, responses))], null));
                break;
        }
    }

    private InstanceStateOutcome StateOutcome(string instanceId, ChangeInstancesState change,
        ImmutableDictionary<string, EntityResponse<ContainerInstanceState>?> responses)
    {
        var (state, error) = responses.GetValueOrDefault(instanceId) is { } response
            ? (response.State, response.Error)
            : (CurrentInstance(instanceId), ContainerInstance.Decide(CurrentInstance(instanceId), new UpdateContainerInstanceState(change.Context, change.Status)).Error);
        if (state.Status is null) return new InstanceStateOutcome(instanceId, null, "MISSING");
        return error is null ? new InstanceStateOutcome(instanceId, state, null) : new InstanceStateOutcome(instanceId, null, error.Message);
    }

    private sealed record InstanceWrites(IActorRef ReplyTo, object Request, ImmutableList<(string InstanceId, IContainerInstanceCommand Command)> Commands);

    private sealed record InstanceWritesAnswered(InstanceWrites Writes, ImmutableDictionary<string, EntityResponse<ContainerInstanceState>?> Responses)
        : INoSerializationVerificationNeeded;
}
