namespace Actors.Domain.TaskDefinitions;

/// <summary>
/// What ECS computes at registration: the capabilities a container instance must advertise to run the task
/// (<c>requiresAttributes</c>) and the launch types the definition is valid for (<c>compatibilities</c>).
/// </summary>
/// <remarks>
/// A documented subset of ECS's attributes, for features a Docker host may or may not honour: Docker Remote API versions
/// where the ECS field docs state one (1.18 for log configuration, docker labels and ulimits; 1.19 for log options;
/// 1.25 for devices and init processes), one <c>logging-driver.*</c> attribute per log driver, and the agent capabilities
/// for task roles, awsvpc, health checks, container ordering, privileged containers, secrets, env files, private registry
/// credentials, ECR pulls, EFS and FireLens.
/// </remarks>
public static class TaskDefinitionRequirements
{
    private const string Legacy = "com.amazonaws.ecs.capability.";
    private const string Current = "ecs.capability.";

    public static IReadOnlyList<RequiredAttribute> RequiredAttributes(TaskDefinitionSpec spec)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var containers = spec.ContainerDefinitions;

        if (spec.TaskRoleArn is { Length: > 0 }) names.Add(Legacy + "task-iam-role");
        if (spec.EffectiveNetworkMode == NetworkModes.AwsVpc) names.Add(Current + "task-eni");

        foreach (var container in containers)
        {
            if (container.LogConfiguration is { LogDriver: { } driver } log)
            {
                names.Add(Legacy + "docker-remote-api.1.18");
                names.Add(Legacy + "logging-driver." + driver);
                if (log.Options is { Count: > 0 }) names.Add(Legacy + "docker-remote-api.1.19");
                if (driver == "awslogs" && spec.ExecutionRoleArn is { Length: > 0 }) names.Add(Current + "execution-role-awslogs");
            }
            if (container.DockerLabels is { Count: > 0 } || container.Ulimits is { Count: > 0 })
                names.Add(Legacy + "docker-remote-api.1.18");
            if (container.LinuxParameters is { } linux && (linux.Devices is { Count: > 0 } || linux.InitProcessEnabled == true))
                names.Add(Legacy + "docker-remote-api.1.25");
            if (container.HealthCheck is not null) names.Add(Current + "container-health-check");
            if (container.DependsOn is { Count: > 0 } || container.StartTimeout is not null || container.StopTimeout is not null)
                names.Add(Current + "container-ordering");
            if (container.Privileged == true) names.Add(Legacy + "privileged-container");
            if (container.RepositoryCredentials is not null) names.Add(Legacy + "private-registry-authentication.secretsmanager");
            if (container.EnvironmentFiles is { Count: > 0 }) names.Add(Current + "env-files.s3");
            if (container.FirelensConfiguration is { Type: { } firelens }) names.Add(Current + "firelens." + firelens);
            foreach (var secret in container.Secrets ?? [])
                names.Add(Current + (secret.ValueFrom?.Contains(":secretsmanager:", StringComparison.Ordinal) == true
                    ? "secrets.asm.environment-variables"
                    : "secrets.ssm.environment-variables"));
            if (container.Image?.Contains(".dkr.ecr.", StringComparison.Ordinal) == true)
            {
                names.Add(Legacy + "ecr-auth");
                if (spec.ExecutionRoleArn is { Length: > 0 }) names.Add(Current + "execution-role-ecr-pull");
            }
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.EfsVolumeConfiguration is { } efs)
                names.Add(Current + (efs.AuthorizationConfig is not null || efs.TransitEncryption == "ENABLED" ? "efsAuth" : "efs"));
        }

        return names.Select(name => new RequiredAttribute { Name = name }).ToList();
    }

    /// <summary>
    /// EC2 always (Actors' hosts are EC2-style Docker hosts and validation has accepted the definition), FARGATE when
    /// Fargate's rules hold, as ECS answers it even when not requested, and EXTERNAL or MANAGED_INSTANCES when requested.
    /// </summary>
    public static IReadOnlyList<string> Compatibilities(TaskDefinitionSpec spec)
    {
        var result = new List<string> { TaskDefinitions.Compatibilities.Ec2 };
        if (TaskDefinitionValidation.FargateIncompatibility(spec) is null) result.Add(TaskDefinitions.Compatibilities.Fargate);
        foreach (var requested in spec.RequiresCompatibilities ?? [])
            if (!result.Contains(requested)) result.Add(requested);
        return result;
    }
}
