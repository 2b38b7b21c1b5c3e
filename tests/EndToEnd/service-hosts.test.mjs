// Services and their hosts on a real Docker engine: two agents on the one engine with their own identities give two
// container instances (serve's local agent and an `actors agent`). Draining one moves the service's tasks to the other
// within the deployment bounds while a standalone task stays; a killed agent's instance is lost after
// Actors:LostInstanceTimeout (seconds here): its tasks are STOPPED saying why, the service replaces them elsewhere, and
// the agent, once back, removes the containers of those tasks.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ListTasksCommand,
  RunTaskCommand, StopTaskCommand, UpdateContainerInstancesStateCommand, DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  serverFor, startAgent, dockerSkipReason, assertTestImage, waitForConnectedInstances, waitTasksRunning, describeTasks,
  taskSummary, docker, eventually, listAll, waitServiceSteady, TEST_IMAGE,
} from './harness.mjs';

const CLUSTER = 'e2e-service-hosts';
const skip = await dockerSkipReason();
// Short enough that the lost-host test waits seconds, not minutes; long enough that a live agent on a loaded machine
// (a sync answered late, a GC pause) is never taken for a lost one mid-test, as 2 s and 3 s were in CI.
const shortLeases = {
  ACTORS__AGENTLEASESECONDS: '5',
  ACTORS__AGENT__SYNCWAITSECONDS: '1',
  ACTORS__LOSTINSTANCETIMEOUT: '00:00:15',
};

describe('services across two hosts on Docker', { skip, timeout: 600_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'service-hosts', localAgent: true, cluster: CLUSTER, env: shortLeases });
  let ecs;
  let second; // the `actors agent` process: the second host
  let localInstance;
  let secondInstance;

  before(async () => {
    await assertTestImage();
    ecs = ctx.server.client();
    await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [ctx.server], timeoutMs: 60_000 });
    const [first] = await waitForConnectedInstances(ecs, CLUSTER, 1, { timeoutMs: 1_000 });
    localInstance = first.containerInstanceArn;
    second = await startAgent({ server: ctx.server, cluster: CLUSTER, name: 'service-hosts-agent', env: { ACTORS__AGENT__SYNCWAITSECONDS: '1' } });
    const both = await waitForConnectedInstances(ecs, CLUSTER, 2, { agents: [ctx.server, second], timeoutMs: 60_000 });
    secondInstance = both.map((i) => i.containerInstanceArn).find((arn) => arn !== localInstance);
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'hosts-sleeper',
      networkMode: 'bridge',
      containerDefinitions: [{ name: 'app', image: TEST_IMAGE, essential: true, memory: 16, stopTimeout: 2, command: ['sleep', '3600'] }],
    }));
  });

  after(async () => {
    if (ecs) await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'spread', force: true })).catch(() => {});
    await second?.dispose();
    for (const cluster of [CLUSTER, ctx.server?.arn(`cluster/${CLUSTER}`)]) {
      const ids = await docker(['ps', '-aq', '--filter', `label=com.amazonaws.ecs.cluster=${cluster}`]).catch(() => '');
      if (ids) await docker(['rm', '-f', ...ids.split('\n')]).catch(() => {});
    }
  });

  async function describeService(name) {
    const answer = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }));
    return answer.services[0];
  }

  const summary = (s) => `${s.serviceName} desired=${s.desiredCount} running=${s.runningCount} pending=${s.pendingCount} `
    + `deployments=${JSON.stringify(s.deployments.map((d) => [d.status, d.rolloutState, d.runningCount]))} events=${JSON.stringify(s.events.slice(0, 5).map((e) => e.message))}`;

  const waitStable = (name) => waitServiceSteady(ecs, CLUSTER, name, { maxWaitTime: 120, describe: summary });

  /** The service's RUNNING-desired tasks, described. */
  async function serviceTasks(name) {
    const arns = await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: name }, 'taskArns');
    return arns.length ? describeTasks(ecs, CLUSTER, arns) : [];
  }

  const countOn = (tasks, instanceArn) => tasks.filter((t) => t.containerInstanceArn === instanceArn).length;

  it('spreads a 4-task service over both hosts', async () => {
    await ecs.send(new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: 'spread',
      taskDefinition: 'hosts-sleeper',
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    }));
    await waitStable('spread');
    const tasks = await serviceTasks('spread');
    assert.equal(tasks.length, 4);
    assert.equal(countOn(tasks, localInstance), 2, tasks.map(taskSummary).join('\n'));
    assert.equal(countOn(tasks, secondInstance), 2, tasks.map(taskSummary).join('\n'));
  });

  it('drains a host: its service tasks move within the bounds, a standalone task stays, ACTIVE makes it eligible again', async () => {
    const standalone = (await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'hosts-sleeper', count: 1 }))).tasks[0];
    await waitTasksRunning(ecs, CLUSTER, [standalone.taskArn]);
    const drained = standalone.containerInstanceArn;
    const other = drained === localInstance ? secondInstance : localInstance;
    // distinctInstance within a group of its own: one task per host that takes new tasks.
    const onePerHost = (group) => ({ cluster: CLUSTER, taskDefinition: 'hosts-sleeper', count: 2, group, placementConstraints: [{ type: 'distinctInstance' }] });

    await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [drained], status: 'DRAINING' }));
    // minimumHealthyPercent 50 of 4: never fewer than 2 RUNNING; maximumPercent 150: never more than 6 RUNNING+PENDING.
    let samples = 0;
    await eventually('the service tasks leave the draining host', async () => {
      const tasks = await serviceTasks('spread');
      const running = tasks.filter((t) => t.lastStatus === 'RUNNING').length;
      const live = tasks.filter((t) => ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(t.lastStatus)).length;
      samples += 1;
      assert.ok(running >= 2, `fewer than 2 RUNNING during the drain:\n${tasks.map(taskSummary).join('\n')}`);
      assert.ok(live <= 6, `more than 6 tasks during the drain:\n${tasks.map(taskSummary).join('\n')}`);
      return countOn(tasks, drained) === 0 && countOn(tasks.filter((t) => t.lastStatus === 'RUNNING'), other) === 4;
    }, { timeoutMs: 120_000, intervalMs: 300 });
    assert.ok(samples > 1);
    const stable = await waitStable('spread');
    assert.equal(stable.runningCount, 4, summary(stable));

    const [still] = await describeTasks(ecs, CLUSTER, [standalone.taskArn]);
    assert.equal(still.lastStatus, 'RUNNING', `a standalone task stays on a DRAINING host: ${taskSummary(still)}`);
    assert.equal(still.desiredStatus, 'RUNNING');
    const whileDraining = await ecs.send(new RunTaskCommand(onePerHost('while-draining')));
    assert.deepEqual(whileDraining.tasks.map((t) => t.containerInstanceArn), [other], 'nothing new is placed on a DRAINING host');
    assert.ok(whileDraining.failures.some((f) => f.arn === drained && /DRAINING/.test(f.detail)), JSON.stringify(whileDraining.failures));

    await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [drained], status: 'ACTIVE' }));
    const reactivated = await ecs.send(new RunTaskCommand(onePerHost('reactivated')));
    assert.deepEqual(reactivated.tasks.map((t) => t.containerInstanceArn).sort(), [localInstance, secondInstance].sort(),
      `ACTIVE makes the host eligible again: ${JSON.stringify(reactivated.failures)}`);
    for (const task of [standalone, ...whileDraining.tasks, ...reactivated.tasks]) {
      await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn }));
    }
  });

  it('stops a lost host\'s tasks saying why, replaces the service\'s elsewhere, and the returning agent removes their containers', async () => {
    // Both hosts hold service tasks again: scale out so the second host has some.
    const before = await serviceTasks('spread');
    let onSecond = before.filter((t) => t.containerInstanceArn === secondInstance);
    if (onSecond.length === 0) {
      await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [localInstance], status: 'DRAINING' }));
      await eventually('the service moves to the second host', async () =>
        countOn(await serviceTasks('spread'), localInstance) === 0 ? true : false, { timeoutMs: 120_000, intervalMs: 500 });
      await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [localInstance], status: 'ACTIVE' }));
      await waitStable('spread');
      onSecond = (await serviceTasks('spread')).filter((t) => t.containerInstanceArn === secondInstance);
    }
    assert.ok(onSecond.length > 0);
    const lostArns = onSecond.map((t) => t.taskArn);
    const lostContainers = [];
    for (const arn of lostArns) {
      lostContainers.push(...(await docker(['ps', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${arn}`])).split('\n').filter(Boolean));
    }
    assert.equal(lostContainers.length, lostArns.length, 'each task has its running container');

    await second.kill();
    const stopped = await eventually('the lost host\'s tasks are STOPPED', async () => {
      const answer = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: lostArns }));
      return answer.tasks.every((t) => t.lastStatus === 'STOPPED') && answer.tasks;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    for (const task of stopped) {
      assert.match(task.stoppedReason, /lost|disconnected/i, taskSummary(task));
    }
    const stable = await eventually('the service is back at 4 RUNNING on the local host', async () => {
      const tasks = await serviceTasks('spread');
      return tasks.length === 4 && tasks.every((t) => t.lastStatus === 'RUNNING' && t.containerInstanceArn === localInstance) && tasks;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    assert.equal(stable.length, 4);
    // The agent's containers kept running meanwhile: nobody told them to stop.
    assert.ok((await docker(['ps', '-q', '--filter', `id=${lostContainers[0]}`])), 'the lost host\'s container runs on while its agent is away');

    await second.start();
    await eventually('the returning agent removes the containers of its lost tasks', async () => {
      for (const id of lostContainers) {
        if (await docker(['ps', '-q', '--filter', `id=${id}`])) return false;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const after = await serviceTasks('spread');
    assert.equal(after.filter((t) => lostArns.includes(t.taskArn)).length, 0, 'no lost task came back');
  });
});
