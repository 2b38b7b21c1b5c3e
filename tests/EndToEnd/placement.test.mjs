// Placement on hollow instances (simulated hosts: no Docker, tasks "start" after ~200 ms), so strategies and
// constraints are checked on three identical hosts that differ only in their instance type.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand, StopTaskCommand, ListTasksCommand,
  DescribeContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import {
  serverFor, startAgent, expectEcsError, waitForConnectedInstances, waitTasksRunning, waitTasksStopped, describeTasks, listAll, eventually,
} from './harness.mjs';
import { resourceMap } from './fixtures.mjs';

const CLUSTER = 'e2e-placement';
const TASK_CPU = 128;
const TASK_MEMORY = 1024;

describe('placement on hollow instances', { timeout: 300_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'placement' });
  let ecs;
  let smallAgent; // two instances of type hollow.small
  let largeAgent; // one instance of type hollow.large
  let instances; // ARNs, sorted
  let small; // the two hollow.small ARNs
  let large; // the hollow.large ARN
  let registered; // resourceMap of registeredResources (the same on all three)

  before(async () => {
    ecs = ctx.server.client();
    const common = { server: ctx.server, cluster: CLUSTER };
    smallAgent = await startAgent({ ...common, hollow: 2, name: 'placement-small', env: { ACTORS__AGENT__INSTANCETYPE: 'hollow.small' } });
    largeAgent = await startAgent({ ...common, hollow: 1, name: 'placement-large', env: { ACTORS__AGENT__INSTANCETYPE: 'hollow.large' } });
    const described = await waitForConnectedInstances(ecs, CLUSTER, 3, { agents: [smallAgent, largeAgent] });
    instances = described.map((c) => c.containerInstanceArn);
    const typeOf = (c) => c.attributes.find((a) => a.name === 'ecs.instance-type')?.value;
    small = described.filter((c) => typeOf(c) === 'hollow.small').map((c) => c.containerInstanceArn);
    large = described.find((c) => typeOf(c) === 'hollow.large')?.containerInstanceArn;
    assert.equal(small.length, 2, `two hollow.small instances: ${described.map(typeOf)}`);
    assert.ok(large, 'one hollow.large instance');
    registered = resourceMap(described[0].registeredResources);
    assert.equal(registered.CPU, 4 * 1024, 'a hollow host has 4 vCPUs by default');
    assert.ok(registered.MEMORY > 10 * TASK_MEMORY && registered.MEMORY <= 16 * 1024, `16 GiB less the agent's reserve, got ${registered.MEMORY}`);
    for (const c of described) assert.deepEqual(resourceMap(c.registeredResources), registered, 'identical hosts');

    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-place',
      containerDefinitions: [{ name: 'app', image: 'hollow/app:1', essential: true, cpu: TASK_CPU, memory: TASK_MEMORY }],
    }));
  });

  after(async () => {
    await smallAgent?.dispose();
    await largeAgent?.dispose();
  });

  async function describeInstances() {
    const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: instances }));
    return new Map(containerInstances.map((c) => [c.containerInstanceArn, c]));
  }

  /** Stops every task of the cluster and waits until all resources are back, so each test starts from empty hosts. */
  async function drain() {
    const arns = await listAll(ecs, ListTasksCommand, { cluster: CLUSTER }, 'taskArns');
    for (const arn of arns) await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'e2e: next test' }));
    for (let i = 0; i < arns.length; i += 100) await waitTasksStopped(ecs, CLUSTER, arns.slice(i, i + 100));
    await eventually('all resources released', async () => {
      const now = await describeInstances();
      return [...now.values()].every((c) => resourceMap(c.remainingResources).MEMORY === registered.MEMORY
        && resourceMap(c.remainingResources).CPU === registered.CPU && c.runningTasksCount === 0 && c.pendingTasksCount === 0);
    }, { timeoutMs: 30_000 });
  }

  /** RunTask, then wait for every placed task to be RUNNING; returns { tasks (described), failures }. */
  async function run(input) {
    const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-place', ...input }));
    const arns = answer.tasks.map((t) => t.taskArn);
    if (arns.length) await waitTasksRunning(ecs, CLUSTER, arns);
    return { tasks: arns.length ? await describeTasks(ecs, CLUSTER, arns) : [], failures: answer.failures };
  }

  /** Number of tasks on each instance, in the order of `instances`. */
  const perInstance = (tasks, arns = instances) => arns.map((arn) => tasks.filter((t) => t.containerInstanceArn === arn).length);

  it('binpack on memory fills one instance before the others', async () => {
    await drain();
    const { tasks, failures } = await run({ count: 10, placementStrategy: [{ type: 'binpack', field: 'memory' }] });
    assert.deepEqual(failures, []);
    assert.equal(tasks.length, 10);
    const counts = perInstance(tasks).sort((a, b) => b - a);
    assert.deepEqual(counts, [10, 0, 0], 'all ten on the instance with the least memory left after the first');

    const target = tasks[0].containerInstanceArn;
    const described = (await describeInstances()).get(target);
    assert.equal(described.runningTasksCount, 10);
    assert.equal(resourceMap(described.remainingResources).MEMORY, registered.MEMORY - 10 * TASK_MEMORY);
    assert.equal(resourceMap(described.remainingResources).CPU, registered.CPU - 10 * TASK_CPU);
  });

  it('spread on instanceId places the same number on every instance', async () => {
    await drain();
    const { tasks, failures } = await run({ count: 9, placementStrategy: [{ type: 'spread', field: 'instanceId' }] });
    assert.deepEqual(failures, []);
    assert.deepEqual(perInstance(tasks), [3, 3, 3]);
  });

  it('distinctInstance places one task per instance and reports the rest as failures', async () => {
    await drain();
    const { tasks, failures } = await run({ count: 4, placementConstraints: [{ type: 'distinctInstance' }] });
    assert.equal(tasks.length, 3, 'one per instance');
    assert.deepEqual(perInstance(tasks), [1, 1, 1]);
    assert.ok(failures.length >= 1, 'the fourth task could not be placed');
    for (const failure of failures) assert.equal(failure.reason, 'ATTRIBUTE', JSON.stringify(failure));
  });

  it('memberOf on attribute:ecs.instance-type places only on matching instances', async () => {
    await drain();
    const onLarge = await run({ count: 5, placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type == hollow.large' }] });
    assert.deepEqual(onLarge.failures, []);
    assert.equal(onLarge.tasks.length, 5);
    assert.ok(onLarge.tasks.every((t) => t.containerInstanceArn === large), 'all on the hollow.large instance');

    // Constraint and strategy together: spread over the small ones only.
    const onSmall = await run({
      count: 4,
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type in [hollow.small]' }],
      placementStrategy: [{ type: 'spread', field: 'instanceId' }],
    });
    assert.deepEqual(onSmall.failures, []);
    assert.deepEqual(perInstance(onSmall.tasks, small), [2, 2]);

    const nowhere = await run({ count: 1, placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type == c5.xlarge' }] });
    assert.deepEqual(nowhere.tasks, []);
    assert.ok(nowhere.failures.length >= 1);
    for (const failure of nowhere.failures) assert.equal(failure.reason, 'ATTRIBUTE', JSON.stringify(failure));
  });

  it('refuses what no instance can hold: RESOURCE:CPU, and RESOURCE:PORTS for a taken host port', async () => {
    await drain();
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-place-cpu',
      containerDefinitions: [{ name: 'app', image: 'hollow/app:1', essential: true, cpu: 5_000, memory: 128 }],
    }));
    const cpu = await run({ taskDefinition: 'e2e-place-cpu', count: 1 });
    assert.deepEqual(cpu.tasks, []);
    assert.ok(cpu.failures.length >= 1);
    for (const failure of cpu.failures) assert.equal(failure.reason, 'RESOURCE:CPU', JSON.stringify(failure));

    // A fixed host port fits once per instance: the fourth of four has nowhere to go.
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'e2e-place-port',
      containerDefinitions: [{ name: 'web', image: 'hollow/web:1', essential: true, memory: 128, portMappings: [{ containerPort: 80, hostPort: 8080 }] }],
    }));
    const ports = await run({ taskDefinition: 'e2e-place-port', count: 4 });
    assert.equal(ports.tasks.length, 3);
    assert.deepEqual(perInstance(ports.tasks), [1, 1, 1]);
    assert.ok(ports.failures.length >= 1);
    for (const failure of ports.failures) assert.equal(failure.reason, 'RESOURCE:PORTS', JSON.stringify(failure));
    for (const task of ports.tasks) assert.equal(task.containers[0].networkBindings[0].hostPort, 8080);
    const described = (await describeInstances()).get(ports.tasks[0].containerInstanceArn);
    assert.ok(resourceMap(described.remainingResources).PORTS.includes('8080'), 'the taken port is listed among the reserved ones');
  });

  it('StartTask on a chosen instance takes its resources, and StopTask gives them back once stopped', async () => {
    await drain();
    const [target] = small;
    const started = await ecs.send(new StartTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-place', containerInstances: [target], startedBy: 'e2e-start' }));
    assert.deepEqual(started.failures, []);
    assert.equal(started.tasks.length, 1);
    const [task] = started.tasks;
    assert.equal(task.containerInstanceArn, target);
    assert.equal(task.startedBy, 'e2e-start');
    await waitTasksRunning(ecs, CLUSTER, [task.taskArn]);

    const during = (await describeInstances()).get(target);
    assert.equal(during.runningTasksCount, 1);
    assert.equal(resourceMap(during.remainingResources).MEMORY, registered.MEMORY - TASK_MEMORY);
    assert.equal(resourceMap(during.remainingResources).CPU, registered.CPU - TASK_CPU);
    const untouched = (await describeInstances()).get(small[1]);
    assert.equal(resourceMap(untouched.remainingResources).MEMORY, registered.MEMORY, 'the other instance is untouched');

    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn, reason: 'e2e: release' }));
    await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
    const after = await eventually('resources given back', async () => {
      const now = (await describeInstances()).get(target);
      return resourceMap(now.remainingResources).MEMORY === registered.MEMORY ? now : false;
    }, { timeoutMs: 15_000 });
    assert.equal(resourceMap(after.remainingResources).CPU, registered.CPU);
    assert.equal(after.runningTasksCount, 0);
  });

  it('answers a repeated clientToken with the first request\'s tasks, and a different request with ConflictException', async () => {
    await drain();
    const input = { cluster: CLUSTER, taskDefinition: 'e2e-place', count: 2, clientToken: 'e2e-token-1' };
    const first = await ecs.send(new RunTaskCommand(input));
    assert.equal(first.tasks.length, 2);
    const again = await ecs.send(new RunTaskCommand(input));
    assert.deepEqual(again.tasks.map((t) => t.taskArn).sort(), first.tasks.map((t) => t.taskArn).sort(), 'no new tasks for a retried request');
    const all = await listAll(ecs, ListTasksCommand, { cluster: CLUSTER }, 'taskArns');
    assert.equal(all.length, 2, 'exactly the first request\'s tasks exist');
    await expectEcsError(ecs.send(new RunTaskCommand({ ...input, count: 3 })), 'ConflictException');
  });

  it('refuses overrides longer than ECS allows (8,192 characters of JSON)', async () => {
    const environment = [{ name: 'BIG', value: 'x'.repeat(9000) }];
    const error = await expectEcsError(ecs.send(new RunTaskCommand({
      cluster: CLUSTER, taskDefinition: 'e2e-place', overrides: { containerOverrides: [{ name: 'app', environment }] },
    })), 'InvalidParameterException');
    assert.match(error.message, /8192/);
    const small = await ecs.send(new RunTaskCommand({
      cluster: CLUSTER, taskDefinition: 'e2e-place', overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'SMALL', value: 'y' }] }] },
    }));
    assert.equal(small.tasks.length, 1);
    assert.deepEqual(small.tasks[0].overrides.containerOverrides[0].environment, [{ name: 'SMALL', value: 'y' }], 'RunTask answers the overrides');
  });

  it('places nothing on an instance whose agent is gone: AGENT', async () => {
    await drain();
    await largeAgent.kill();
    await eventually('the control plane notices the agent is gone', async () => {
      const now = (await describeInstances()).get(large);
      return now.agentConnected === false;
    }, { timeoutMs: 90_000, intervalMs: 1_000 });

    const answer = await ecs.send(new StartTaskCommand({ cluster: CLUSTER, taskDefinition: 'e2e-place', containerInstances: [large] }));
    assert.deepEqual(answer.tasks, []);
    assert.deepEqual(answer.failures.map((f) => [f.arn, f.reason]), [[large, 'AGENT']]);

    // RunTask skips it: a memberOf that only it matches finds nowhere to go.
    const onlyLarge = await ecs.send(new RunTaskCommand({
      cluster: CLUSTER, taskDefinition: 'e2e-place', count: 1,
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type == hollow.large' }],
    }));
    assert.deepEqual(onlyLarge.tasks, []);
    assert.ok(onlyLarge.failures.some((f) => f.arn === large && f.reason === 'AGENT'), JSON.stringify(onlyLarge.failures));
  });
});
