// The agent and the control plane restart independently without losing or duplicating a running container:
// `serve --no-agent` plus a separate `actors agent` on the real Docker engine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, ListTasksCommand, ListContainerInstancesCommand,
  DescribeContainerInstancesCommand, DeregisterContainerInstanceCommand,
} from '@aws-sdk/client-ecs';
import {
  serverFor, startAgent, dockerSkipReason, assertTestImage, waitForConnectedInstances, waitTasksRunning,
  describeTasks, taskSummary, docker, containersOfTask, removeContainersOfTasks, eventually, generateCredentials, TEST_IMAGE,
} from './harness.mjs';

const CLUSTER = 'e2e-restarts';
const skip = await dockerSkipReason();
// A second agent key the server learns from configuration, for the agent given a new key.
const newAgentKey = generateCredentials();

describe('agent and control plane restarts', { skip, timeout: 600_000 }, () => {
  const ctx = serverFor({ before, after }, {
    name: 'restarts-serve',
    env: {
      ACTORS__CREDENTIALS__0__ACCESSKEYID: newAgentKey.accessKeyId,
      ACTORS__CREDENTIALS__0__SECRETACCESSKEY: newAgentKey.secretAccessKey,
      ACTORS__CREDENTIALS__0__ROLE: 'agent',
    },
  });
  let ecs;
  let agent;
  let instanceArn;
  let first; // { taskArn, runtimeId } of the task that lives through every restart
  const started = [];

  before(async () => {
    await assertTestImage();
    ecs = ctx.server.client();
    agent = await startAgent({ server: ctx.server, cluster: CLUSTER, name: 'restarts-agent' });
    const [instance] = await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [agent], timeoutMs: 60_000 });
    instanceArn = instance.containerInstanceArn;
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-survivor',
      containerDefinitions: [{ name: 'sleeper', image: TEST_IMAGE, essential: true, memory: 32, stopTimeout: 2, command: ['sleep', '3600'] }],
    }));
  });

  after(async () => {
    if (ecs && ctx.server?.running) {
      const running = await ecs.send(new ListTasksCommand({ cluster: CLUSTER })).catch(() => ({ taskArns: [] }));
      for (const arn of running.taskArns) await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'e2e cleanup' })).catch(() => {});
    }
    await agent?.dispose();
    await removeContainersOfTasks(started);
  });

  async function runSleeper() {
    const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-survivor', startedBy: 'e2e-restarts' }));
    assert.deepEqual(answer.failures, [], JSON.stringify(answer.failures));
    const { taskArn } = answer.tasks[0];
    started.push(taskArn);
    await waitTasksRunning(ecs, CLUSTER, [taskArn], { maxWaitTime: 90 });
    const [task] = await describeTasks(ecs, CLUSTER, [taskArn]);
    return { taskArn, runtimeId: task.containers[0].runtimeId };
  }

  /** The survivor is RUNNING, in the same container, and Docker holds exactly that one container for it. */
  async function assertSurvivorIntact(when) {
    const [task] = await describeTasks(ecs, CLUSTER, [first.taskArn]);
    assert.equal(task.lastStatus, 'RUNNING', `${when}: ${taskSummary(task)}`);
    assert.equal(task.desiredStatus, 'RUNNING', `${when}: ${taskSummary(task)}`);
    assert.equal(task.containerInstanceArn, instanceArn);
    assert.equal(task.containers[0].runtimeId, first.runtimeId, `${when}: the same container, not a new one`);
    const ids = await containersOfTask(first.taskArn);
    assert.equal(ids.length, 1, `${when}: exactly one container for the task, found ${ids.length}: ${ids}`);
    assert.ok(ids[0].startsWith(first.runtimeId));
    assert.equal(await docker(['inspect', '--format', '{{.State.Running}}', ids[0]]), 'true', `${when}: the container still runs`);
  }

  async function onlyInstance() {
    const listed = await ecs.send(new ListContainerInstancesCommand({ cluster: CLUSTER }));
    assert.deepEqual(listed.containerInstanceArns, [instanceArn], 'still exactly the one instance: no second registration');
  }

  it('runs a task to RUNNING through a separate agent process', async () => {
    first = await runSleeper();
    assert.match(first.runtimeId ?? '', /^[0-9a-f]{12,64}$/);
    await assertSurvivorIntact('before any restart');
  });

  it('adopts the running container after the agent is killed and restarted on the same data directory', async () => {
    assert.ok(first, 'needs the task of the first test');
    const killed = await agent.kill();
    assert.equal(killed.signal, 'SIGKILL');
    // The container belongs to the engine, not to the agent process: it keeps running meanwhile.
    assert.equal(await docker(['inspect', '--format', '{{.State.Running}}', first.runtimeId]), 'true');

    await agent.start();
    const [instance] = await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [agent], timeoutMs: 60_000 });
    assert.equal(instance.containerInstanceArn, instanceArn, 'the restarted agent re-registered the same container instance');
    await onlyInstance();

    // A new task reaching RUNNING proves the restarted agent has synced (and so reconciled the old task too).
    const second = await runSleeper();
    assert.notEqual(second.runtimeId, first.runtimeId);
    await assertSurvivorIntact('after the agent restart');
    const [described] = (await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [instanceArn] }))).containerInstances;
    assert.equal(described.runningTasksCount, 2, 'the old task and the new one');
  });

  it('keeps tasks and the instance across a control-plane restart, and the agent reconnects', async () => {
    assert.ok(first, 'needs the task of the first test');
    const port = ctx.server.port;
    const stopped = await ctx.server.stop();
    assert.equal(stopped.code, 0, `serve should exit 0 on SIGTERM, got ${JSON.stringify(stopped)}`);
    // The agent keeps running and retrying while the control plane is gone; its container keeps running too.
    assert.ok(agent.running, `the agent died with the control plane:\n${agent.outputTail}`);
    assert.equal(await docker(['inspect', '--format', '{{.State.Running}}', first.runtimeId]), 'true');

    await ctx.server.start();
    assert.equal(ctx.server.port, port, 'restarted on the same port, where the agent looks for it');
    ecs = ctx.server.client();

    const [task] = await describeTasks(ecs, CLUSTER, [first.taskArn]);
    assert.equal(task.desiredStatus, 'RUNNING', `described straight after the restart: ${taskSummary(task)}`);
    await onlyInstance();
    await eventually('the agent reconnects (agentConnected true)', async () => {
      const [instance] = (await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [instanceArn] }))).containerInstances;
      return instance.agentConnected === true && instance.status === 'ACTIVE';
    }, { timeoutMs: 60_000, intervalMs: 500 });

    // Work after the restart reaches the agent, and the old task is neither lost nor started twice.
    const third = await runSleeper();
    assert.ok(third.runtimeId);
    await assertSurvivorIntact('after the control-plane restart');
    assert.ok(agent.running, 'the agent is still the same process');
  });

  it('removes the containers of an instance deregistered with force when its agent registers anew', async () => {
    assert.ok(first, 'needs the task of the first test');
    const running = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns;
    assert.ok(running.length > 0);
    for (const arn of running) assert.ok((await containersOfTask(arn)).length > 0, `task ${arn} has its container before`);

    await ecs.send(new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: instanceArn, force: true }));
    const [renewed] = await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [agent], timeoutMs: 90_000 });
    assert.notEqual(renewed.containerInstanceArn, instanceArn, 'the host came back as a new container instance');
    for (const arn of running) {
      await eventually(`the container of ${arn} is gone`, async () => (await containersOfTask(arn)).length === 0, { timeoutMs: 30_000 });
    }
    instanceArn = renewed.containerInstanceArn;
  });

  it('registers the host as a new instance when the agent restarts with another key, since the old one answers only its own', async () => {
    const { taskArn } = await runSleeper();
    assert.equal((await describeTasks(ecs, CLUSTER, [taskArn]))[0].containerInstanceArn, instanceArn);

    agent.credentials = newAgentKey;
    await agent.restart();
    const renewed = await eventually('the host is a new, connected instance', async () => {
      const arns = (await ecs.send(new ListContainerInstancesCommand({ cluster: CLUSTER, status: 'ACTIVE' }))).containerInstanceArns;
      const described = (await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: arns }))).containerInstances;
      return described.find((c) => c.containerInstanceArn !== instanceArn && c.agentConnected);
    }, { timeoutMs: 90_000, intervalMs: 500 });
    assert.ok(agent.running, agent.outputTail);
    assert.match(agent.outputTail, /Re-registering .* was refused \(AccessDeniedException/);

    // Nothing will ever run the old instance's containers again: the agent removed them. The old instance, still
    // registered to the old key, is the user's to deregister.
    await eventually(`the container of ${taskArn} is gone`, async () => (await containersOfTask(taskArn)).length === 0, { timeoutMs: 30_000 });
    await ecs.send(new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: instanceArn, force: true }));
    instanceArn = renewed.containerInstanceArn;
    assert.ok((await runSleeper()).runtimeId, 'the new instance runs tasks');
  });
});

