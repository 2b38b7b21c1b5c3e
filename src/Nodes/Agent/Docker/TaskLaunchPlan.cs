using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;

namespace Actors.Nodes.Agent.Docker;

/// <summary>A dependency of one container on another of its task, with ECS's condition.</summary>
public sealed record ContainerDependencyCondition(string ContainerName, string Condition)
{
    public const string Start = "START";
    public const string Complete = "COMPLETE";
    public const string Success = "SUCCESS";
    public const string Healthy = "HEALTHY";
}

/// <summary>One container as it will be launched: its definition with the task's overrides applied, and its place in the order.</summary>
public sealed record ContainerLaunch
{
    public required int Index { get; init; }
    public required ContainerDefinition Definition { get; init; }
    public string Name => Definition.Name!;
    /// <summary>0 when it depends on nothing, else one more than its deepest dependency.</summary>
    public required int Level { get; init; }
    /// <summary>dependsOn, plus links and volumesFrom as START dependencies (Docker needs those containers to exist first).</summary>
    public required IReadOnlyList<ContainerDependencyCondition> Dependencies { get; init; }
}

/// <summary>What a task needs started, checked before anything is created: refusals become the task's start failure.</summary>
public sealed record TaskLaunchPlan(IReadOnlyList<ContainerLaunch> Containers, string NetworkMode)
{
    public static TaskLaunchPlan For(TaskState task)
    {
        var spec = task.TaskDefinition.Spec;
        var networkMode = spec.EffectiveNetworkMode;
        if (networkMode == NetworkModes.AwsVpc)
            throw new TaskStartFailure("TaskFailedToStart: network mode awsvpc is not supported by this agent (it needs an elastic network interface per task); use bridge, host or none");
        if (!NetworkModes.All.Contains(networkMode))
            throw new TaskStartFailure($"TaskFailedToStart: unknown network mode '{networkMode}'");
        if (spec.PidMode == "task" || spec.IpcMode == "task")
            throw new TaskStartFailure("TaskFailedToStart: pidMode and ipcMode 'task' are not supported by this agent; use 'host' or leave them out");

        var definitions = spec.ContainerDefinitions.Select(definition => ApplyOverride(definition, task.Overrides)).ToList();
        foreach (var definition in definitions) RefuseWhatCannotBeResolved(definition);

        var names = definitions.Select(definition => definition.Name!).ToHashSet(StringComparer.Ordinal);
        var dependencies = definitions.ToDictionary(definition => definition.Name!, definition => DependenciesOf(definition, names));
        var levels = Levels(dependencies);
        var containers = definitions
            .Select((definition, index) => new ContainerLaunch
            {
                Index = index,
                Definition = definition,
                Level = levels[definition.Name!],
                Dependencies = dependencies[definition.Name!],
            })
            .ToList();
        return new TaskLaunchPlan(containers, networkMode);
    }

    /// <summary>The task's container overrides merged into each definition (override wins; environment merges by name).</summary>
    public static ContainerDefinition ApplyOverride(ContainerDefinition definition, TaskOverride? overrides)
    {
        var containerOverride = overrides?.ContainerOverrides?.FirstOrDefault(candidate => candidate.Name == definition.Name);
        if (containerOverride is null) return definition;
        var environment = (definition.Environment ?? []).ToList();
        foreach (var variable in containerOverride.Environment ?? [])
        {
            environment.RemoveAll(existing => existing.Name == variable.Name);
            environment.Add(variable);
        }
        return definition with
        {
            Command = containerOverride.Command ?? definition.Command,
            Environment = environment,
            EnvironmentFiles = containerOverride.EnvironmentFiles is { Count: > 0 } files
                ? [.. definition.EnvironmentFiles ?? [], .. files]
                : definition.EnvironmentFiles,
            Cpu = containerOverride.Cpu ?? definition.Cpu,
            Memory = containerOverride.Memory ?? definition.Memory,
            MemoryReservation = containerOverride.MemoryReservation ?? definition.MemoryReservation,
        };
    }

    // Secrets and S3 environment files would need AWS services we do not have; starting without them would run the
    // container with a configuration it was not given, so the task fails instead.
    private static void RefuseWhatCannotBeResolved(ContainerDefinition definition)
    {
        if (definition.Secrets is { Count: > 0 } || definition.LogConfiguration?.SecretOptions is { Count: > 0 })
            throw new TaskStartFailure($"ResourceInitializationError: container {definition.Name} uses secrets, which this agent cannot retrieve (no Secrets Manager or Systems Manager)", definition.Name);
        if (definition.EnvironmentFiles is { Count: > 0 })
            throw new TaskStartFailure($"ResourceInitializationError: container {definition.Name} uses environmentFiles, which this agent cannot download (no S3)", definition.Name);
    }

    private static IReadOnlyList<ContainerDependencyCondition> DependenciesOf(ContainerDefinition definition, HashSet<string> names)
    {
        var dependencies = new List<ContainerDependencyCondition>();
        foreach (var dependency in definition.DependsOn ?? [])
            dependencies.Add(new ContainerDependencyCondition(dependency.ContainerName ?? "", dependency.Condition ?? ContainerDependencyCondition.Start));
        foreach (var link in definition.Links ?? [])
            dependencies.Add(new ContainerDependencyCondition(link.Split(':', 2)[0], ContainerDependencyCondition.Start));
        foreach (var volumesFrom in definition.VolumesFrom ?? [])
            dependencies.Add(new ContainerDependencyCondition(volumesFrom.SourceContainer ?? "", ContainerDependencyCondition.Start));

        foreach (var dependency in dependencies)
        {
            if (!names.Contains(dependency.ContainerName))
                throw new TaskStartFailure($"TaskFailedToStart: container {definition.Name} depends on '{dependency.ContainerName}', which is not a container of the task", definition.Name);
            if (dependency.ContainerName == definition.Name)
                throw new TaskStartFailure($"TaskFailedToStart: container {definition.Name} depends on itself", definition.Name);
        }
        return dependencies;
    }

    private static Dictionary<string, int> Levels(Dictionary<string, IReadOnlyList<ContainerDependencyCondition>> dependencies)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        int LevelOf(string name)
        {
            if (levels.TryGetValue(name, out var known)) return known;
            if (!visiting.Add(name))
                throw new TaskStartFailure($"TaskFailedToStart: the containers' dependencies form a cycle through {name}", name);
            var level = dependencies[name].Select(dependency => LevelOf(dependency.ContainerName) + 1).DefaultIfEmpty(0).Max();
            visiting.Remove(name);
            return levels[name] = level;
        }

        foreach (var name in dependencies.Keys) LevelOf(name);
        return levels;
    }
}
