// Tasks on a real Docker engine: one `actors serve` with its local agent for the whole file (starting servers is
// the slow part), busybox containers from the locally built test image, and the SDK's own task waiters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, ListTasksCommand, DescribeTasksCommand,
  waitUntilTasksRunning,
} from '@aws-sdk/client-ecs';
import {
  serverFor, dockerSkipReason, assertTestImage, waitForConnectedInstances, waitTasksRunning, waitTasksStopped,
  describeTasks, taskSummary, docker, containersOfTask, removeContainersOfTasks, eventually, TEST_IMAGE,
} from './harness.mjs';
import { sortTags } from './fixtures.mjs';

const CLUSTER = 'e2e-tasks';
const skip = await dockerSkipReason();

// A web server on 8080 that answers a known body, so the test knows it reached this container and no other.
const WEB_BODY = 'ok-from-actors-e2e';
const webContainer = {
  name: 'web',
  image: TEST_IMAGE,
  essential: true,
  memory: 64,
  // PID 1 ignores SIGTERM in a container: a short stopTimeout keeps StopTask from waiting ECS's default 30 s.
  stopTimeout: 2,
  command: ['sh', '-c', `mkdir -p /tmp/www && echo ${WEB_BODY} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`],
  portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
};

describe('tasks on Docker', { skip, timeout: 600_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'tasks', localAgent: true, cluster: CLUSTER });
  let ecs;
  let instanceArn; // this host, as the local agent registered it
  const started = []; // every task ARN this file ran, so after() can clean up containers whatever failed

  before(async () => {
    await assertTestImage();
    ecs = ctx.server.client();
    const [instance] = await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [ctx.server], timeoutMs: 60_000 });
    instanceArn = instance.containerInstanceArn;
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'e2e-web', networkMode: 'bridge', containerDefinitions: [webContainer] }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-sleeper',
      networkMode: 'bridge',
      containerDefinitions: [{ name: 'sleeper', image: TEST_IMAGE, essential: true, memory: 32, stopTimeout: 2, command: ['sleep', '3600'] }],
    }));
  });

  after(async () => {
    // Stop what is still running so the agent removes its containers; remove by label whatever remains.
    if (ecs && started.length) {
      const running = await ecs.send(new ListTasksCommand({ cluster: CLUSTER })).catch(() => ({ taskArns: [] }));
      for (const arn of running.taskArns) await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'e2e cleanup' })).catch(() => {});
    }
    await removeContainersOfTasks(started);
  });

  /** RunTask of one task, asserting the answer has no failures. */
  async function runOne(input) {
    const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, count: 1, ...input }));
    assert.deepEqual(answer.failures, [], `RunTask failures: ${JSON.stringify(answer.failures)}`);
    assert.equal(answer.tasks.length, 1);
    started.push(answer.tasks[0].taskArn);
    return answer.tasks[0];
  }

  /** GET / on 127.0.0.1:port until the body comes back (httpd may listen a moment after the container starts). */
  async function fetchBody(port) {
    return eventually(`GET http://127.0.0.1:${port}/`, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      return res.status === 200 ? text.trim() : `HTTP ${res.status}`;
    }, { timeoutMs: 15_000, intervalMs: 250 });
  }

  it('runs a busybox web server on a dynamic host port that answers on 127.0.0.1', async () => {
    const task = await runOne({
      taskDefinition: 'e2e-web',
      startedBy: 'e2e-web-test',
      group: 'web-group',
      tags: [{ key: 'suite', value: 'tasks' }, { key: 'owner', value: 'e2e' }],
    });
    assert.match(task.taskArn, new RegExp(`^arn:aws:ecs:us-east-1:000000000000:task/${CLUSTER}/[0-9a-f]{32}$`));
    assert.equal(task.desiredStatus, 'RUNNING');
    assert.ok(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(task.lastStatus), `fresh task lastStatus ${task.lastStatus}`);
    assert.equal(task.containerInstanceArn, instanceArn, 'placed on the only instance');

    await waitTasksRunning(ecs, CLUSTER, [task.taskArn]);

    const [running] = await describeTasks(ecs, CLUSTER, [task.taskArn], { include: ['TAGS'] });
    assert.equal(running.lastStatus, 'RUNNING', taskSummary(running));
    assert.equal(running.desiredStatus, 'RUNNING');
    assert.equal(running.group, 'web-group');
    assert.equal(running.startedBy, 'e2e-web-test');
    assert.deepEqual(sortTags(running.tags), sortTags([{ key: 'suite', value: 'tasks' }, { key: 'owner', value: 'e2e' }]));
    assert.equal(running.clusterArn, ctx.server.arn(`cluster/${CLUSTER}`));
    assert.equal(running.taskDefinitionArn, ctx.server.arn('task-definition/e2e-web:1'));
    assert.ok(running.createdAt instanceof Date && running.startedAt instanceof Date, 'createdAt and startedAt set');
    assert.ok(running.startedAt >= running.createdAt, 'started after it was created');
    assert.equal(running.stopCode, undefined);

    assert.equal(running.containers.length, 1);
    const [container] = running.containers;
    assert.equal(container.name, 'web');
    assert.equal(container.lastStatus, 'RUNNING');
    assert.equal(container.taskArn, task.taskArn);
    assert.match(container.runtimeId ?? '', /^[0-9a-f]{12,64}$/, 'the Docker container id');
    assert.equal(container.networkBindings.length, 1, JSON.stringify(container.networkBindings));
    const [binding] = container.networkBindings;
    assert.equal(binding.containerPort, 8080);
    assert.equal(binding.protocol, 'tcp');
    assert.ok(Number.isInteger(binding.hostPort) && binding.hostPort > 0 && binding.hostPort !== 8080, `a dynamic host port, got ${binding.hostPort}`);

    // The task answers where DescribeTasks says it does.
    assert.equal(await fetchBody(binding.hostPort), WEB_BODY);

    // Exactly one container for the task, the one DescribeTasks names, with the ECS agent's labels.
    const ids = await containersOfTask(task.taskArn);
    assert.equal(ids.length, 1, `containers labelled with the task: ${ids}`);
    assert.ok(ids[0].startsWith(container.runtimeId), `docker id ${ids[0]} is runtimeId ${container.runtimeId}`);
    const labels = JSON.parse(await docker(['inspect', '--format', '{{json .Config.Labels}}', ids[0]]));
    assert.equal(labels['com.amazonaws.ecs.task-arn'], task.taskArn);
    assert.equal(labels['com.amazonaws.ecs.container-name'], 'web');
    assert.ok([CLUSTER, ctx.server.arn(`cluster/${CLUSTER}`)].includes(labels['com.amazonaws.ecs.cluster']), `cluster label ${labels['com.amazonaws.ecs.cluster']}`);
  });

  it('stops a task with StopTask: UserInitiated, the reason kept, the container removed', async () => {
    const task = await runOne({ taskDefinition: 'e2e-web' });
    await waitTasksRunning(ecs, CLUSTER, [task.taskArn]);
    const [runningTask] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    const port = runningTask.containers[0].networkBindings[0].hostPort;
    assert.equal(await fetchBody(port), WEB_BODY);

    const reason = 'e2e: stopping on purpose';
    const stopped = await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn, reason }));
    assert.equal(stopped.task.taskArn, task.taskArn);
    assert.equal(stopped.task.desiredStatus, 'STOPPED');

    await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
    const [done] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    assert.equal(done.lastStatus, 'STOPPED', taskSummary(done));
    assert.equal(done.desiredStatus, 'STOPPED');
    assert.equal(done.stopCode, 'UserInitiated', taskSummary(done));
    assert.equal(done.stoppedReason, reason);
    assert.ok(done.stoppingAt instanceof Date && done.stoppedAt instanceof Date, 'stoppingAt and stoppedAt set');
    assert.ok(done.stoppedAt >= done.startedAt);
    assert.equal(done.containers[0].lastStatus, 'STOPPED');

    // Nothing listens any more, and the agent removes the container once the control plane has it STOPPED.
    await eventually('the port closes', async () => {
      try { await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) }); return false; } catch { return true; }
    }, { timeoutMs: 15_000 });
    await eventually(`no container left for ${task.taskArn}`, async () => (await containersOfTask(task.taskArn)).length === 0, { timeoutMs: 60_000, intervalMs: 500 });
  });

  it('stops the task when its essential container is killed outside the agent (exit code 137)', async () => {
    const task = await runOne({ taskDefinition: 'e2e-web' });
    await waitTasksRunning(ecs, CLUSTER, [task.taskArn]);
    const [running] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    await docker(['kill', running.containers[0].runtimeId]);

    await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
    const [done] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    assert.equal(done.stopCode, 'EssentialContainerExited', taskSummary(done));
    assert.match(done.stoppedReason ?? '', /^Essential container in task exited/, taskSummary(done));
    assert.equal(done.desiredStatus, 'STOPPED', 'the control plane gave up on it');
    assert.equal(done.containers[0].lastStatus, 'STOPPED');
    assert.equal(done.containers[0].exitCode, 137, taskSummary(done));
  });

  it('runs the overridden command: an essential container exiting 3 stops the task with exit code 3', async () => {
    const task = await runOne({
      taskDefinition: 'e2e-sleeper',
      overrides: { containerOverrides: [{ name: 'sleeper', command: ['sh', '-c', 'sleep 1; exit 3'] }] },
    });
    await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
    const [done] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    assert.equal(done.stopCode, 'EssentialContainerExited', taskSummary(done));
    assert.equal(done.containers[0].exitCode, 3, taskSummary(done));
    assert.deepEqual(done.overrides?.containerOverrides?.[0]?.command, ['sh', '-c', 'sleep 1; exit 3'], 'DescribeTasks shows the overrides');
  });

  it('fails a task whose image cannot be pulled: TaskFailedToStart with CannotPullContainerError', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-unpullable',
      containerDefinitions: [{ name: 'ghost', image: 'actors-test/does-not-exist:1', essential: true, memory: 32 }],
    }));
    const task = await runOne({ taskDefinition: 'e2e-unpullable' });

    // The SDK's TasksRunning waiter must give up on a STOPPED task (its failure acceptor), not time out.
    await assert.rejects(
      waitUntilTasksRunning({ client: ecs, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { cluster: CLUSTER, tasks: [task.taskArn] }),
      (error) => {
        assert.notEqual(error.name, 'TimeoutError', 'the waiter should fail on the STOPPED task, not time out');
        assert.match(String(error.message), /"state":"FAILURE"/, error.message.slice(0, 500));
        return true;
      },
    );

    await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
    const [done] = await describeTasks(ecs, CLUSTER, [task.taskArn]);
    assert.equal(done.stopCode, 'TaskFailedToStart', taskSummary(done));
    assert.match(done.stoppedReason ?? '', /^CannotPullContainerError/, taskSummary(done));
    assert.match(done.containers[0].reason ?? '', /^CannotPullContainerError/, taskSummary(done));
    assert.equal(done.containers[0].lastStatus, 'STOPPED');
    assert.equal(done.startedAt, undefined, 'it never started');
  });

  it('answers RESOURCE:MEMORY and starts nothing when no instance has the memory', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-huge',
      containerDefinitions: [{ name: 'huge', image: TEST_IMAGE, essential: true, memory: 10_000_000, command: ['sleep', '3600'] }],
    }));
    const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-huge', count: 1 }));
    assert.deepEqual(answer.tasks, []);
    assert.equal(answer.failures.length, 1, JSON.stringify(answer.failures));
    assert.equal(answer.failures[0].reason, 'RESOURCE:MEMORY');
    assert.equal(answer.failures[0].arn, instanceArn, 'the failure names the instance that lacked memory');

    const listed = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'e2e-huge' }));
    assert.deepEqual(listed.taskArns, []);
    const stopped = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'e2e-huge', desiredStatus: 'STOPPED' }));
    assert.deepEqual(stopped.taskArns, [], 'a task that was never placed does not exist at all');
  });

  it('lists tasks by family, startedBy, container instance and desired status', async () => {
    const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-sleeper', count: 2, startedBy: 'e2e-lister' }));
    assert.deepEqual(answer.failures, []);
    const arns = answer.tasks.map((t) => t.taskArn).sort();
    started.push(...arns);
    assert.equal(arns.length, 2);
    await waitTasksRunning(ecs, CLUSTER, arns);

    const list = async (input) => (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, ...input }))).taskArns.sort();
    assert.deepEqual(await list({ startedBy: 'e2e-lister' }), arns);
    assert.deepEqual(await list({ family: 'e2e-sleeper' }), arns, 'only running sleepers: the default desiredStatus is RUNNING');
    assert.deepEqual(await list({ startedBy: 'nobody-started-this' }), []);
    const onInstance = await list({ containerInstance: instanceArn });
    assert.ok(arns.every((a) => onInstance.includes(a)), 'both are on this host');
    assert.ok((await list({ desiredStatus: 'RUNNING' })).includes(arns[0]));

    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arns[0], reason: 'e2e: list test' }));
    // desiredStatus changes at once, before the container has stopped.
    assert.deepEqual(await list({ family: 'e2e-sleeper' }), [arns[1]]);
    assert.deepEqual(await list({ family: 'e2e-sleeper', desiredStatus: 'RUNNING' }), [arns[1]]);
    assert.ok((await list({ family: 'e2e-sleeper', desiredStatus: 'STOPPED' })).includes(arns[0]));
    assert.ok(!(await list({ desiredStatus: 'STOPPED' })).includes(arns[1]));

    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arns[1] }));
    await waitTasksStopped(ecs, CLUSTER, arns);
    assert.deepEqual(await list({ family: 'e2e-sleeper' }), []);
    const [first, second] = await describeTasks(ecs, CLUSTER, arns);
    assert.equal(first.stopCode, 'UserInitiated');
    assert.equal(second.stopCode, 'UserInitiated');
  });

  it('describes unknown tasks as MISSING', async () => {
    const missing = `${ctx.server.arn(`task/${CLUSTER}`)}/0123456789abcdef0123456789abcdef`;
    const answer = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [missing] }));
    assert.deepEqual(answer.tasks, []);
    assert.deepEqual(answer.failures.map((f) => [f.arn, f.reason]), [[missing, 'MISSING']]);
  });
});
