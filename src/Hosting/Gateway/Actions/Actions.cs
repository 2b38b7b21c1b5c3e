namespace Actors.Hosting.Gateway.Actions;

/// <summary>Every action the gateway answers, registered area by area.</summary>
public static class Actions
{
    public static ActionTable Table()
    {
        var table = new ActionTable();
        ClusterActions.Register(table);
        TaskDefinitionActions.Register(table);
        ContainerInstanceActions.Register(table);
        AttributeActions.Register(table);
        TagActions.Register(table);
        TaskActions.Register(table);
        ServiceActions.Register(table);
        AgentActions.Register(table);
        ControlPlaneActions.Register(table);
        return table;
    }
}
