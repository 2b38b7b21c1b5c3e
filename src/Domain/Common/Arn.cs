namespace Actors.Domain.Common;

/// <summary>The region and account that every ARN of this deployment names (from configuration).</summary>
public sealed record AccountScope(string Region, string AccountId)
{
    public string ClusterArn(string clusterName) => $"{Prefix}cluster/{clusterName}";
    public string TaskDefinitionArn(string family, int revision) => $"{Prefix}task-definition/{family}:{revision}";
    public string ContainerInstanceArn(string clusterName, string instanceId) => $"{Prefix}container-instance/{clusterName}/{instanceId}";
    public string TaskArn(string clusterName, string taskId) => $"{Prefix}task/{clusterName}/{taskId}";
    public string ServiceArn(string clusterName, string serviceName) => $"{Prefix}service/{clusterName}/{serviceName}";

    /// <summary>A deployment of a service as ListServiceDeployments names it; the id is the deployment's without <c>ecs-svc/</c>.</summary>
    public string ServiceDeploymentArn(string clusterName, string serviceName, string deploymentId) =>
        $"{Prefix}service-deployment/{clusterName}/{serviceName}/{ServiceDeploymentIds.Short(deploymentId)}";

    /// <summary>The revision a deployment runs: one per deployment, so it shares the deployment's id.</summary>
    public string ServiceRevisionArn(string clusterName, string serviceName, string deploymentId) =>
        $"{Prefix}service-revision/{clusterName}/{serviceName}/{ServiceDeploymentIds.Short(deploymentId)}";

    private string Prefix => $"arn:aws:ecs:{Region}:{AccountId}:";
}

/// <summary>A deployment's id (<c>ecs-svc/</c> and digits) and the part of it that service-deployment and service-revision ARNs carry.</summary>
public static class ServiceDeploymentIds
{
    public const string Prefix = "ecs-svc/";

    public static string Short(string deploymentId) =>
        deploymentId.StartsWith(Prefix, StringComparison.Ordinal) ? deploymentId[Prefix.Length..] : deploymentId;

    public static string Full(string shortId) => Prefix + shortId;
}

/// <summary>A parsed ECS ARN: <c>arn:aws:ecs:region:account:type/path</c>.</summary>
public sealed record Arn(string Region, string AccountId, string ResourceType, string ResourcePath)
{
    public static bool TryParse(string? text, out Arn arn)
    {
        arn = null!;
        if (text is null || !text.StartsWith("arn:", StringComparison.Ordinal)) return false;
        var parts = text.Split(':', 6);
        if (parts.Length != 6 || parts[2] != "ecs") return false;
        var slash = parts[5].IndexOf('/');
        if (slash <= 0 || slash == parts[5].Length - 1) return false;
        arn = new Arn(parts[3], parts[4], parts[5][..slash], parts[5][(slash + 1)..]);
        return true;
    }

    public static bool LooksLikeArn(string? text) => text is not null && text.StartsWith("arn:", StringComparison.Ordinal);
}
