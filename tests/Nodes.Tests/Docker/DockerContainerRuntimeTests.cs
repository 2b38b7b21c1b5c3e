using System.Net.Sockets;
using System.Text;
using Actors.Domain.TaskDefinitions;
using Actors.Domain.Tasks;
using Actors.Nodes.Agent.Docker;
using Docker.DotNet.Models;
using KeyValuePair = Actors.Domain.TaskDefinitions.KeyValuePair;
using Ulimit = Actors.Domain.TaskDefinitions.Ulimit;

namespace Actors.Nodes.Tests.Docker;

public sealed class DockerContainerRuntimeTests : DockerRuntimeTestBase
{
    private static ContainerDefinition WebServer(string name = "web") => Busybox(name, "httpd", "-f", "-p", "8080", "-h", "/var/www") with
    {
        PortMappings = [new PortMapping { ContainerPort = 8080, HostPort = 0, Protocol = "tcp" }],
    };

    [DockerFact]
    public async Task A_busybox_task_runs_its_dynamic_host_port_answers_and_stop_then_remove_leave_no_container()
    {
        var task = TaskOf("web", [WebServer()]);

        await Runtime.Start(task, CancellationToken.None);
        var running = await ObserveUntil(task.TaskId, observed => observed.Containers.All(container => container.Status == "RUNNING"));

        var binding = running.Containers.Single().NetworkBindings.First(binding => binding.ContainerPort == 8080);
        Assert.NotEqual(8080, binding.HostPort);
        Assert.Equal("tcp", binding.Protocol);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", binding.HostPort!.Value);
            var stream = client.GetStream();
            await stream.WriteAsync("GET /index.html HTTP/1.0\r\n\r\n"u8.ToArray());
            using var reader = new StreamReader(stream, Encoding.ASCII);
            var answer = await reader.ReadToEndAsync();
            Assert.StartsWith("HTTP/1.", answer);
            Assert.Contains("actors-test", answer);
        }

        await Runtime.Stop(task.TaskId, TimeSpan.FromSeconds(1), CancellationToken.None);
        var stopped = await Observed(task.TaskId);
        Assert.Equal("STOPPED", stopped!.Containers.Single().Status);

        await Runtime.Remove(task.TaskId, CancellationToken.None);
        Assert.Empty(await ContainersOfRun());
        Assert.Null(await Observed(task.TaskId));
    }

    [DockerFact]
    public async Task A_container_killed_outside_the_agent_is_reported_stopped_with_its_exit_code_and_announced_by_Changes()
    {
        var task = TaskOf("sleeper", [Busybox("sleeper", "sleep", "600")]);
        await Runtime.Start(task, CancellationToken.None);
        var running = await ObserveUntil(task.TaskId, observed => observed.Containers.Single().Status == "RUNNING");

        using var listening = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var changes = Runtime.Changes(listening.Token).GetAsyncEnumerator(listening.Token);
        // The stream is subscribed once the first MoveNext runs; give the engine a moment to register the listener.
        var next = changes.MoveNextAsync().AsTask();
        await Task.Delay(500);
        await Docker.Containers.KillContainerAsync(running.Containers.Single().RuntimeId!, new ContainerKillParameters { Signal = "KILL" });

        var changedTaskIds = new List<string>();
        while (await next)
        {
            changedTaskIds.Add(changes.Current);
            if (changes.Current == task.TaskId) break;
            next = changes.MoveNextAsync().AsTask();
        }
        await changes.DisposeAsync();
        Assert.Contains(task.TaskId, changedTaskIds);

        var stopped = await ObserveUntil(task.TaskId, observed => observed.Containers.Single().Status == "STOPPED");
        Assert.Equal(137, stopped.Containers.Single().ExitCode);
    }

    [DockerFact]
    public async Task An_unpullable_image_fails_the_task_with_CannotPullContainerError_and_creates_no_container()
    {
        var task = TaskOf("unpullable", [Busybox("app", "true") with { Image = "actors-test/does-not-exist:1" }]);

        await Runtime.Start(task, CancellationToken.None);

        var failed = await Observed(task.TaskId);
        Assert.NotNull(failed);
        Assert.StartsWith("CannotPullContainerError:", failed.FailedToStartReason);
        var container = failed.Containers.Single();
        Assert.Equal("STOPPED", container.Status);
        Assert.StartsWith("CannotPullContainerError:", container.Reason);
        Assert.NotNull(failed.PullStartedAt);
        Assert.NotNull(failed.PullStoppedAt);
        Assert.Empty(await ContainersOfRun());
    }

    [DockerFact]
    public async Task Starting_a_task_twice_never_creates_a_second_set_of_containers()
    {
        var task = TaskOf("twice", [Busybox("a", "sleep", "600"), Busybox("b", "sleep", "600")]);

        await Task.WhenAll(Runtime.Start(task, CancellationToken.None), Runtime.Start(task, CancellationToken.None));
        await Runtime.Start(task, CancellationToken.None);
        using (var restarted = new DockerContainerRuntime(Options))
            await restarted.Start(task, CancellationToken.None);

        var containers = await ContainersOfRun();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, container => Assert.Equal("running", container.State));
    }

    [DockerFact]
    public async Task A_new_runtime_instance_adopts_the_containers_of_the_one_before_it()
    {
        var task = TaskOf("adopted", [WebServer()]);
        await Runtime.Start(task, CancellationToken.None);
        var before = await ObserveUntil(task.TaskId, observed => observed.Containers.Single().Status == "RUNNING");

        using var restarted = new DockerContainerRuntime(Options);
        var after = (await restarted.Observe(CancellationToken.None)).Single(observed => observed.TaskId == task.TaskId);
        Assert.Equal(before.Containers.Single().RuntimeId, after.Containers.Single().RuntimeId);
        Assert.Equal("RUNNING", after.Containers.Single().Status);
        Assert.Equal(before.Containers.Single().NetworkBindings, after.Containers.Single().NetworkBindings);

        await restarted.Stop(task.TaskId, TimeSpan.FromSeconds(1), CancellationToken.None);
        await restarted.Remove(task.TaskId, CancellationToken.None);
        Assert.Empty(await ContainersOfRun());
    }

    [DockerFact]
    public async Task Another_container_instance_on_the_same_engine_sees_none_of_our_containers()
    {
        var task = TaskOf("private", [Busybox("app", "sleep", "600")]);
        await Runtime.Start(task, CancellationToken.None);

        using var neighbour = new DockerContainerRuntime(Options with { ContainerInstanceArn = Options.ContainerInstanceArn + "-neighbour" });
        Assert.DoesNotContain(await neighbour.Observe(CancellationToken.None), observed => observed.TaskId == task.TaskId);
        await neighbour.Stop(task.TaskId, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal("RUNNING", (await Observed(task.TaskId))!.Containers.Single().Status);
    }

    [DockerFact]
    public async Task Containers_start_in_dependency_order_waiting_for_SUCCESS_and_START()
    {
        var task = TaskOf("ordered", [
            Busybox("sidecar", "sleep", "600") with { DependsOn = [new ContainerDependency { ContainerName = "app", Condition = "START" }] },
            Busybox("app", "sleep", "600") with { DependsOn = [new ContainerDependency { ContainerName = "init", Condition = "SUCCESS" }] },
            Busybox("init", "sleep", "1") with { Essential = false },
        ]);

        await Runtime.Start(task, CancellationToken.None);

        var observed = await Observed(task.TaskId);
        Assert.Null(observed!.FailedToStartReason);
        var byName = observed.Containers.ToDictionary(container => container.Name);
        var init = (await Docker.Containers.InspectContainerAsync(byName["init"].RuntimeId!)).State!;
        var app = (await Docker.Containers.InspectContainerAsync(byName["app"].RuntimeId!)).State!;
        var sidecar = (await Docker.Containers.InspectContainerAsync(byName["sidecar"].RuntimeId!)).State!;
        Assert.Equal(0, init.ExitCode);
        Assert.True(DateTimeOffset.Parse(app.StartedAt) >= DateTimeOffset.Parse(init.FinishedAt), $"app started {app.StartedAt}, init finished {init.FinishedAt}");
        Assert.True(DateTimeOffset.Parse(sidecar.StartedAt) >= DateTimeOffset.Parse(app.StartedAt), $"sidecar started {sidecar.StartedAt}, app {app.StartedAt}");
        // Reported in definition order.
        Assert.Equal(["sidecar", "app", "init"], observed.Containers.Select(container => container.Name));
    }

    [DockerFact]
    public async Task A_SUCCESS_dependency_that_exits_non_zero_fails_the_task_and_its_dependent_never_starts()
    {
        var task = TaskOf("unmet", [
            Busybox("init", "sh", "-c", "exit 3") with { Essential = false },
            Busybox("app", "sleep", "600") with { DependsOn = [new ContainerDependency { ContainerName = "init", Condition = "SUCCESS" }] },
        ]);

        await Runtime.Start(task, CancellationToken.None);

        var observed = await Observed(task.TaskId);
        Assert.StartsWith("CannotStartContainerError: dependency condition not met", observed!.FailedToStartReason);
        Assert.Contains("exited with code 3", observed.FailedToStartReason);
        var app = observed.Containers.Single(container => container.Name == "app");
        Assert.Equal("STOPPED", app.Status);
        Assert.Null(app.RuntimeId);
        Assert.Single(await ContainersOfRun());

        // A failed task is never started again.
        await Runtime.Start(task, CancellationToken.None);
        Assert.Single(await ContainersOfRun());
    }

    [DockerFact]
    public async Task Containers_carry_the_ECS_labels_name_and_the_definition_settings()
    {
        var task = TaskOf("labelled", [WebServer() with
        {
            Cpu = 256,
            Memory = 96,
            MemoryReservation = 32,
            Environment = [new KeyValuePair { Name = "GREETING", Value = "hello" }, new KeyValuePair { Name = "KEPT", Value = "yes" }],
            DockerLabels = new Dictionary<string, string> { ["team"] = "agents", [DockerLabels.Cluster] = "disguised" },
            WorkingDirectory = "/tmp",
            Hostname = "webhost",
            ExtraHosts = [new HostEntry { Hostname = "db.local", IpAddress = "10.0.0.9" }],
            Ulimits = [new Ulimit { Name = "nofile", SoftLimit = 1024, HardLimit = 2048 }],
            StopTimeout = 7,
            HealthCheck = new HealthCheck { Command = ["CMD-SHELL", "true"], Interval = 5, Retries = 2 },
        }], overrides: new TaskOverride
        {
            ContainerOverrides = [new ContainerOverride { Name = "web", Environment = [new KeyValuePair { Name = "GREETING", Value = "overridden" }] }],
        });

        await Runtime.Start(task, CancellationToken.None);

        var container = await Docker.Containers.InspectContainerAsync((await ContainersOfRun()).Single().ID);
        var labels = container.Config!.Labels;
        Assert.Equal("test", labels[DockerLabels.Cluster]);
        Assert.Equal(Scope.TaskArn("test", task.TaskId), labels[DockerLabels.TaskArn]);
        Assert.Equal("web", labels[DockerLabels.ContainerName]);
        Assert.Equal("labelled", labels[DockerLabels.TaskDefinitionFamily]);
        Assert.Equal("1", labels[DockerLabels.TaskDefinitionVersion]);
        Assert.Equal(Options.ContainerInstanceArn, labels[DockerLabels.ContainerInstanceArn]);
        Assert.Equal("agents", labels["team"]);
        Assert.Matches("^/ecs-labelled-1-web-[0-9a-f]{20}$", container.Name);

        Assert.Contains("GREETING=overridden", container.Config.Env);
        Assert.Contains("KEPT=yes", container.Config.Env);
        Assert.Equal("/tmp", container.Config.WorkingDir);
        Assert.Equal("webhost", container.Config.Hostname);
        Assert.Equal(TimeSpan.FromSeconds(7), container.Config.StopTimeout);
        Assert.Equal(["CMD-SHELL", "true"], container.Config.Healthcheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(5), container.Config.Healthcheck.Interval);
        var host = container.HostConfig!;
        Assert.Equal(256, host.CPUShares);
        Assert.Equal(96L * 1024 * 1024, host.Memory);
        Assert.Equal(32L * 1024 * 1024, host.MemoryReservation);
        Assert.Contains("db.local:10.0.0.9", host.ExtraHosts);
        Assert.Contains(host.Ulimits, limit => limit.Name == "nofile" && limit.Soft == 1024 && limit.Hard == 2048);
        Assert.Equal("bridge", host.NetworkMode);
    }

    [DockerFact]
    public async Task An_awsvpc_task_fails_to_start_with_a_clear_reason()
    {
        var task = TaskOf("vpc", [Busybox("app", "true")], networkMode: NetworkModes.AwsVpc);

        await Runtime.Start(task, CancellationToken.None);

        var observed = await Observed(task.TaskId);
        Assert.Contains("awsvpc", observed!.FailedToStartReason);
        Assert.Empty(await ContainersOfRun());
    }

    [DockerFact]
    public async Task DescribeHost_reports_the_engine_and_the_machine()
    {
        var host = await Runtime.DescribeHost(CancellationToken.None);

        Assert.Equal(Environment.ProcessorCount, host.CpuCores);
        Assert.True(host.MemoryBytes > 0);
        Assert.Equal("linux", host.OsType);
        Assert.Contains(host.CpuArchitecture, new[] { "x86_64", "arm64" });
        Assert.Matches(@"^\d+\.\d+", host.RuntimeVersion);
    }
}
