using Actors.Hosting.Gateway;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;

namespace Actors.Hosting.Tests.Gateway;

/// <summary>Which keys may call what: user keys ECS's API, agent keys only what ContainerAgent calls.</summary>
public class ActionRolesTests
{
    private static readonly ActionTable Table = Hosting.Gateway.Actions.Actions.Table();

    private static readonly string[] WhatAnAgentCalls =
    [
        // ContainerAgent.RegisterOnce: the cluster it joins when that is not "default", then its host.
        ActionTable.EcsTargetPrefix + "CreateCluster",
        ActionTable.EcsTargetPrefix + "RegisterContainerInstance",
        AgentProtocol.SyncTarget,
    ];

    [Fact]
    public void Agent_keys_may_call_only_what_an_agent_calls()
    {
        Assert.Equal(WhatAnAgentCalls.Order(StringComparer.Ordinal), Table.ActionsFor(KeyRole.Agent));
    }

    [Fact]
    public void User_keys_may_call_every_ecs_action_and_the_control_planes_status_and_nothing_of_the_agent_protocol()
    {
        var userActions = Table.ActionsFor(KeyRole.User).ToList();

        Assert.Equal(Table.Actions.Where(a => a.StartsWith(ActionTable.EcsTargetPrefix, StringComparison.Ordinal))
                .Append(Hosting.Gateway.Actions.ControlPlaneActions.DescribeTarget).Order(StringComparer.Ordinal),
            userActions);
        Assert.DoesNotContain(AgentProtocol.SyncTarget, userActions);
        Assert.Contains(ActionTable.EcsTargetPrefix + "DeregisterContainerInstance", userActions);
    }
}
