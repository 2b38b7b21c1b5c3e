using System.Collections.Immutable;
using Actors.Domain.Clusters;
using Actors.Domain.Common;
using Actors.Domain.Launches;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Services;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Attribute = Actors.Domain.ContainerInstances.Attribute;
using KeyValuePair = Actors.Domain.TaskDefinitions.KeyValuePair;

namespace Actors.Nodes.Tests.Golden;

/// <summary>
/// The domain value each golden file must decode to, one per stored event manifest at every version. Values fill every
/// optional member, so that a member dropped or renamed in the stored form shows up as a difference.
/// </summary>
public static class GoldenEvents
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private static readonly EventMetadata Metadata = new(At, "req-1", "AKIATEST", "golden event");

    private static readonly ImmutableList<Tag> Tags = [new("team", "web"), new("empty", null)];

    private static readonly ClusterConfiguration Configuration = new()
    {
        ExecuteCommandConfiguration = new ExecuteCommandConfiguration
        {
            KmsKeyId = "kms-1",
            Logging = "OVERRIDE",
            LogConfiguration = new ExecuteCommandLogConfiguration
            {
                CloudWatchLogGroupName = "group",
                CloudWatchEncryptionEnabled = true,
                S3BucketName = "bucket",
                S3EncryptionEnabled = false,
                S3KeyPrefix = "prefix/",
            },
        },
        ManagedStorageConfiguration = new ManagedStorageConfiguration { KmsKeyId = "kms-2", FargateEphemeralStorageKmsKeyId = "kms-3" },
    };

    private static readonly ImmutableList<Resource> Resources =
    [
        Resource.Integer(ResourceNames.Cpu, 2048),
        Resource.Integer(ResourceNames.Memory, 3900),
        new("LEGACY", ResourceTypes.Long, DoubleValue: 1.5, LongValue: 9_000_000_000),
        Resource.StringSet(ResourceNames.Ports, ["22", "2376"]),
    ];

    private static readonly ImmutableList<Attribute> Attributes =
        [new("ecs.os-type", "linux"), new("stack", "prod", "container-instance", "ci-1"), new("flag")];

    private static readonly TaskDefinitionSpec Spec = new()
    {
        Family = "web",
        TaskRoleArn = "arn:aws:iam::000000000000:role/task",
        ExecutionRoleArn = "arn:aws:iam::000000000000:role/exec",
        NetworkMode = "bridge",
        ContainerDefinitions =
        [
            new ContainerDefinition
            {
                Name = "app",
                Image = "nginx:1.27",
                Cpu = 256,
                Memory = 512,
                MemoryReservation = 256,
                PortMappings = [new PortMapping { ContainerPort = 80, HostPort = 8080, Protocol = "tcp" }],
                Essential = true,
                Command = ["nginx", "-g", "daemon off;"],
                Environment = [new KeyValuePair { Name = "MODE", Value = "prod" }],
                DockerLabels = new Dictionary<string, string> { ["a.b"] = "c" },
                LogConfiguration = new LogConfiguration { LogDriver = "json-file", Options = new Dictionary<string, string> { ["max-size"] = "10m" } },
                HealthCheck = new HealthCheck { Command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], Interval = 30, Retries = 3 },
            },
        ],
        Volumes = [new Volume { Name = "data", Host = new HostVolumeProperties { SourcePath = "/srv/data" } }],
        PlacementConstraints = [new TaskDefinitionPlacementConstraint { Type = "memberOf", Expression = "attribute:stack == prod" }],
        RequiresCompatibilities = ["EC2"],
        Cpu = "512",
        Memory = "1024",
        RuntimePlatform = new RuntimePlatform { CpuArchitecture = "X86_64", OperatingSystemFamily = "LINUX" },
        EphemeralStorage = new EphemeralStorage { SizeInGiB = 21 },
    };

    private static readonly TaskDefinitionRevision Revision = new()
    {
        Family = "web",
        Revision = 3,
        Spec = Spec,
        Status = TaskDefinitionStatus.INACTIVE,
        RegisteredAt = At,
        RegisteredBy = "AKIATEST",
        DeregisteredAt = At.AddHours(1),
        DeleteRequestedAt = At.AddHours(2),
        RequiresAttributes = [new RequiredAttribute { Name = "ecs.capability.docker-remote-api.1.18", Value = "v", TargetType = "container-instance", TargetId = "ci-1" }],
        Compatibilities = ["EC2", "EXTERNAL"],
        Tags = Tags,
    };

    private static readonly TaskState Task = new()
    {
        TaskId = "0123456789abcdef",
        ClusterName = "web",
        ContainerInstanceId = "ci-1",
        TaskDefinition = Revision,
        Overrides = new TaskOverride
        {
            ContainerOverrides =
            [
                new ContainerOverride
                {
                    Name = "app",
                    Command = ["echo", "hi"],
                    Environment = [new KeyValuePair { Name = "A", Value = "1" }],
                    EnvironmentFiles = [new EnvironmentFile { Value = "arn:aws:s3:::bucket/env", Type = "s3" }],
                    Cpu = 128,
                    Memory = 256,
                    MemoryReservation = 64,
                    ResourceRequirements = [new ResourceRequirement { Value = "1", Type = "GPU" }],
                },
            ],
            Cpu = "256",
            Memory = "512",
            TaskRoleArn = "arn:aws:iam::000000000000:role/override-task",
            ExecutionRoleArn = "arn:aws:iam::000000000000:role/override-exec",
            EphemeralStorage = new EphemeralStorage { SizeInGiB = 30 },
        },
        Group = "family:web",
        StartedBy = "deployer",
        Tags = Tags,
        LastStatus = TaskLifecycleStatus.STOPPED,
        DesiredStatus = TaskLifecycleStatus.STOPPED,
        Containers =
        [
            new TaskContainer
            {
                Name = "app",
                ContainerId = "c-1",
                Image = "nginx:1.27",
                ImageDigest = "sha256:abc",
                RuntimeId = "docker-1",
                LastStatus = "STOPPED",
                ExitCode = 137,
                Reason = "OOM",
                NetworkBindings = [new NetworkBinding("0.0.0.0", 80, 8080, "tcp"), new NetworkBinding(null, null, null, null)],
                HealthStatus = "UNHEALTHY",
                Essential = false,
                Cpu = "256",
                Memory = "512",
                MemoryReservation = "256",
            },
        ],
        Reserved = ResourceDemand.Of(256, 512, [8080], [5353]),
        CreatedAt = At,
        PullStartedAt = At.AddSeconds(1),
        PullStoppedAt = At.AddSeconds(2),
        StartedAt = At.AddSeconds(3),
        StoppingAt = At.AddSeconds(4),
        StoppedAt = At.AddSeconds(5),
        ExecutionStoppedAt = At.AddSeconds(6),
        StopCode = TaskStopCode.EssentialContainerExited,
        StoppedReason = "Essential container in task exited",
        HealthStatus = "UNHEALTHY",
        Version = 7,
    };

    private static readonly PlacementRecord Placement = new(
        "ci-1",
        "binpack(memory): least remaining memory 256",
        [PlacementStrategy.BinpackOn(PlacementStrategy.MemoryField), PlacementStrategy.RandomPlacement],
        42,
        3,
        // A rejected verdict among the accepted ones never happens, but it puts the verdict's optional members in the golden file.
        [CandidateVerdict.Accept("ci-1", [new StrategyScore("binpack(memory)", 256, "remaining memory 256")]),
            CandidateVerdict.Reject("ci-9", Rejection.InsufficientResources, "RESOURCE:CPU", "CPU")],
        [new RejectedCandidates("RESOURCE:MEMORY", "MEMORY", 2, ["ci-2", "ci-3"]), new RejectedCandidates("AGENT", null, 0, [])]);

    private static readonly ImmutableList<Resource> Remaining =
    [
        Resource.Integer(ResourceNames.Cpu, 1792),
        Resource.Integer(ResourceNames.Memory, 3388),
        Resource.StringSet(ResourceNames.Ports, ["22", "2376", "8080"]),
    ];

    private static readonly PlannedTask Planned = new("0123456789abcdef", "ci-1", Placement with { ChosenInstanceVersion = 12 });

    private static readonly ImmutableList<LaunchFailure> Failures =
        [new LaunchFailure("ci-4", "RESOURCE:MEMORY", "MEMORY"), new LaunchFailure("ci-missing", "MISSING", null)];

    private static readonly LaunchSpec Launch = new(
        Revision,
        Task.Overrides,
        "family:web",
        "deployer",
        Tags,
        ResourceDemand.Of(256, 512, [8080], [5353]),
        [PlacementConstraint.Distinct, PlacementConstraint.Member("attribute:stack == prod")],
        [PlacementStrategy.BinpackOn(PlacementStrategy.MemoryField), PlacementStrategy.RandomPlacement],
        NamedInstances: true);

    private static readonly DeploymentSettings BreakerSettings = new(50, 200, CircuitBreakerEnabled: true, Rollback: true);

    private static readonly ServiceRevision ServiceRevision = new("web", 3, HasHealthCheck: true,
        [PlacementConstraint.Distinct, PlacementConstraint.Member("attribute:stack == prod")],
        [PlacementStrategy.SpreadOn(PlacementStrategy.AttributePrefix + PlacementStrategy.AvailabilityZoneAttribute), PlacementStrategy.BinpackOn(PlacementStrategy.MemoryField)]);

    // A deployment starts IN_PROGRESS with no failures and no finish; this one, a rollback that failed, puts every
    // optional member in the golden file.
    private static readonly Deployment Deployment = new()
    {
        Id = "ecs-svc/1234567890123456789",
        Revision = ServiceRevision,
        Status = DeploymentStatus.ACTIVE,
        RolloutState = RolloutState.FAILED,
        RolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.",
        Lifecycle = ServiceDeploymentStatus.ROLLBACK_FAILED,
        StatusReason = "superseded by deployment ecs-svc/9876543210987654321",
        Settings = BreakerSettings,
        CreatedAt = At,
        UpdatedAt = At.AddMinutes(5),
        FinishedAt = At.AddMinutes(6),
        RollbackOf = "ecs-svc/1111111111111111111",
        SourceDeploymentIds = ["ecs-svc/1111111111111111111", "ecs-svc/2222222222222222222"],
        FailedTasks = 3,
        CountedFailures = ["fedcba9876543210", "0123456789abcdef", "00000000000000aa"],
        BreakerThreshold = 3,
    };

    /// <summary>The current domain value of every event manifest; an old version's manifest maps to what its upcasters produce.</summary>
    public static IReadOnlyDictionary<string, object> Expected { get; } = new Dictionary<string, object>
    {
        // Cluster
        ["cluster-created.v1"] = new ClusterCreated(Metadata, "web", Tags, [new ClusterSetting("containerInsights", "enabled"), new ClusterSetting("x", null)],
            Configuration, new ServiceConnectDefaults("arn:aws:servicediscovery:ns")),
        ["cluster-settings-updated.v1"] = new ClusterSettingsUpdated(Metadata, [new ClusterSetting("containerInsights", "disabled")]),
        ["cluster-configuration-updated.v1"] = new ClusterConfigurationUpdated(Metadata, Configuration),
        ["cluster-service-connect-defaults-updated.v1"] = new ClusterServiceConnectDefaultsUpdated(Metadata, new ServiceConnectDefaults(null)),
        ["cluster-deleted.v1"] = new ClusterDeleted(Metadata),
        ["cluster-tagged.v1"] = new ClusterTagged(Metadata, Tags),
        ["cluster-untagged.v1"] = new ClusterUntagged(Metadata, ["team", "empty"]),
        ["cluster-container-instance-admitted.v1"] = new ContainerInstanceAdmitted(Metadata, "ci-1"),
        ["cluster-container-instance-released.v1"] = new ContainerInstanceReleased(Metadata, "ci-1"),
        ["cluster-service-admitted.v1"] = new ServiceAdmitted(Metadata, "api", SchedulingStrategy.DAEMON),
        ["cluster-service-released.v1"] = new ServiceReleased(Metadata, "api"),
        ["cluster-task-locations-recorded.v1"] = new TaskLocationsRecorded(Metadata, [new TaskLocation("t-1", "ci-1"), new TaskLocation("t-2", "ci-2")],
            "token-1", "fingerprint-1"),
        ["cluster-launch-planned.v1"] = new LaunchPlanned(Metadata, "launch-1", "token-1", "fingerprint-1", Launch,
            [Planned, new PlannedTask("fedcba9876543210", "ci-2", PlacementRecord.ChosenByCaller("ci-2"))], Failures),
        // A replanned task has a replacement or a failure, never both; both put every optional member in the golden file.
        ["cluster-launch-task-replanned.v1"] = new LaunchTaskReplanned(Metadata, "launch-1", "0123456789abcdef", Planned, Failures[0]),
        ["cluster-launch-tasks-confirmed.v1"] = new LaunchTasksConfirmed(Metadata, "launch-1", [Planned.TaskId, "fedcba9876543210"]),
        ["cluster-launch-completed.v1"] = new LaunchCompleted(Metadata, "launch-1", new LaunchOutcome([new TaskLocation(Planned.TaskId, Planned.ContainerInstanceId)], Failures)),
        ["cluster-client-tokens-forgotten.v1"] = new ClientTokensForgotten(Metadata, ["token-1", "token-2"]),

        // Task definition family
        ["task-definition-registered.v1"] = new TaskDefinitionRegistered(Metadata, Revision),
        ["task-definition-deregistered.v1"] = new TaskDefinitionDeregistered(Metadata, "web", 3, At.AddHours(1)),
        ["task-definition-delete-requested.v1"] = new TaskDefinitionDeleteRequested(Metadata, "web", 3, At.AddHours(2)),
        ["task-definition-tagged.v1"] = new TaskDefinitionTagged(Metadata, "web", 3, Tags),
        ["task-definition-untagged.v1"] = new TaskDefinitionUntagged(Metadata, "web", 3, ["team"]),

        // Container instance
        ["container-instance-registered.v1"] = new ContainerInstanceRegistered(Metadata, "web", "ci-1", "i-0abc", Resources,
            new VersionInfo("1.90.0", "abcdef", "27.3.1"), Attributes, Tags, [new PlatformDevice("gpu-0", "GPU")]),
        ["container-instance-reregistered.v1"] = new ContainerInstanceReregistered(Metadata, "i-0abc", Resources, Resources.RemoveAt(0),
            new VersionInfo(AgentVersion: "1.91.0"), Attributes, Tags, []),
        ["container-instance-deregistered.v1"] = new ContainerInstanceDeregistered(Metadata, true),
        ["container-instance-state-changed.v1"] = new ContainerInstanceStateChanged(Metadata, ContainerInstanceStatus.DRAINING),
        ["container-instance-attributes-put.v1"] = new ContainerInstanceAttributesPut(Metadata, Attributes),
        ["container-instance-attributes-deleted.v1"] = new ContainerInstanceAttributesDeleted(Metadata, ["stack", "flag"]),
        ["container-instance-tagged.v1"] = new ContainerInstanceTagged(Metadata, Tags),
        ["container-instance-untagged.v1"] = new ContainerInstanceUntagged(Metadata, ["team"]),
        // v1 recorded neither the remaining resources nor the chosen instance's version: upcast to v2, both read as null.
        ["task-placed.v1"] = new TaskPlaced(Metadata, Task, Placement),
        ["task-placed.v2"] = new TaskPlaced(Metadata, Task, Placement with { ChosenInstanceVersion = 12 }, Remaining),
        ["task-stop-requested.v1"] = new TaskStopRequested(Metadata, "0123456789abcdef", TaskStopCode.UserInitiated, "stopped by user"),
        // v1 did not record the remaining resources: upcast to v2, they read as null.
        // v1 stored the whole task; read today it is the task's progress.
        ["task-state-changed.v1"] = new TaskStateChanged(Metadata,
            TaskProgress.Of(Task with { Overrides = null, Group = null, StartedBy = null, StopCode = null, StoppedReason = null })),
        ["task-state-changed.v2"] = new TaskStateChanged(Metadata, TaskProgress.Of(Task), Remaining),
        ["task-tagged.v1"] = new TaskTagged(Metadata, "0123456789abcdef", Tags),
        ["task-untagged.v1"] = new TaskUntagged(Metadata, "0123456789abcdef", ["team", "empty"]),
        ["tasks-forgotten.v1"] = new TasksForgotten(Metadata, ["0123456789abcdef", "fedcba9876543210"]),
        ["agent-connected.v1"] = new AgentConnected(Metadata),
        ["agent-disconnected.v1"] = new AgentDisconnected(Metadata, At.AddMinutes(-1)),

        // Service
        ["service-created.v1"] = new ServiceCreated(Metadata, SchedulingStrategy.REPLICA, 3, BreakerSettings, 60, Tags, EnableEcsManagedTags: true,
            "SERVICE", EnableExecuteCommand: true, "ENABLED", "token-1", "fingerprint-1"),
        ["service-updated.v1"] = new ServiceUpdated(Metadata, 5, DeploymentSettings.ReplicaDefault, 30, EnableEcsManagedTags: false, "TASK_DEFINITION",
            EnableExecuteCommand: false, "DISABLED"),
        ["service-deleted.v1"] = new ServiceDeleted(Metadata),
        ["service-inactivated.v1"] = new ServiceInactivated(Metadata),
        ["service-tagged.v1"] = new ServiceTagged(Metadata, Tags),
        ["service-untagged.v1"] = new ServiceUntagged(Metadata, ["team", "empty"]),
        ["service-deployment-started.v1"] = new ServiceDeploymentStarted(Metadata, Deployment),
        ["service-deployment-changed.v1"] = new ServiceDeploymentChanged(Metadata, "ecs-svc/1234567890123456789", DeploymentStatus.ACTIVE, RolloutState.FAILED,
            "ECS deployment circuit breaker: tasks failed to start.", ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS, "rolled back by the circuit breaker",
            Finished: true),
        ["service-deployments-forgotten.v1"] = new ServiceDeploymentsForgotten(Metadata, ["ecs-svc/1234567890123456789", "ecs-svc/9876543210987654321"]),
        ["service-task-failures-counted.v1"] = new ServiceTaskFailuresCounted(Metadata, "ecs-svc/1234567890123456789", ["0123456789abcdef", "fedcba9876543210"],
            4, At.AddSeconds(30)),
        ["service-throttle-reset.v1"] = new ServiceThrottleReset(Metadata),
        ["service-tasks-launch-requested.v1"] = new ServiceTasksLaunchRequested(Metadata, "ecs-svc/1234567890123456789/7", "ecs-svc/1234567890123456789", 2,
            ["ci-1", "ci-2"]),
        ["service-launch-settled.v1"] = new ServiceLaunchSettled(Metadata, "ecs-svc/1234567890123456789/7", ["0123456789abcdef"],
            ["was unable to place a task because no container instance met all of its requirements. Reason: RESOURCE:MEMORY"]),
        ["service-tasks-stop-requested.v1"] = new ServiceTasksStopRequested(Metadata,
            [new TaskStop("0123456789abcdef", "Scaling activity initiated by deployment ecs-svc/1234567890123456789"), new TaskStop("fedcba9876543210", "Task failed container health checks")]),
        ["service-bookkeeping-cleared.v1"] = new ServiceBookkeepingCleared(Metadata, ["ecs-svc/1234567890123456789/7"], ["0123456789abcdef"]),
        ["service-messages-recorded.v1"] = new ServiceMessagesRecorded(Metadata,
        [
            new ServiceMessage("6f1ed002-ab56-4d9b-a4a1-2c3d4e5f6a7b", At, "(service api) has started 1 tasks: (task 0123456789abcdef)."),
            new ServiceMessage("0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d", At.AddSeconds(1), "(service api) has reached a steady state."),
        ]),
    };
}
