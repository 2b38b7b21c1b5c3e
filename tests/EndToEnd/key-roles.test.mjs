// Keys have a role, and a container instance answers only the agent key that registered it. User keys call ECS's
// API (through the SDK here); agent keys call CreateCluster, RegisterContainerInstance and the agent protocol
// (ActorsAgentV20261124.Sync, sent as the harness's signed requests) and nothing more. A second agent key is
// learnt from configuration (an Actors:Credentials entry with "Role": "agent"), the first from ACTORS_AGENT_*.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, ListClustersCommand, RegisterContainerInstanceCommand, DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, assertWireError, expectEcsError, generateCredentials, sleep } from './harness.mjs';
import { instanceRegistration } from './fixtures.mjs';

const CLUSTER = 'roles';
const otherAgent = generateCredentials();

describe('key roles and the agent of an instance', { timeout: 120_000 }, () => {
  const ctx = serverFor({ before, after }, {
    name: 'key-roles',
    env: {
      ACTORS__CREDENTIALS__0__ACCESSKEYID: otherAgent.accessKeyId,
      ACTORS__CREDENTIALS__0__SECRETACCESSKEY: otherAgent.secretAccessKey,
      ACTORS__CREDENTIALS__0__ROLE: 'agent',
      // A short lease (no local agent runs, so nothing else depends on it): a dead host shows disconnected within seconds.
      ACTORS__AGENTLEASESECONDS: '6',
      ACTORS__AGENT__SYNCWAITSECONDS: '1',
    },
  });
  let users; // an SDK client with the user key
  let agent; // an SDK client with the agent key from ACTORS_AGENT_*
  let instanceArn; // registered by that agent key

  const syncBody = (arn, tasks = []) => ({ cluster: CLUSTER, containerInstanceArn: arn, knownDesiredVersion: -1, tasks, waitSeconds: 0 });
  const describeInstance = async (arn) =>
    (await users.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [arn] }))).containerInstances[0];

  before(async () => {
    users = ctx.server.client();
    agent = ctx.server.client({ credentials: ctx.server.agentCredentials });
    // What an agent needs, an agent key may do: create the cluster it joins, register its host.
    await agent.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    instanceArn = (await agent.send(new RegisterContainerInstanceCommand(instanceRegistration(CLUSTER)))).containerInstance.containerInstanceArn;
  });

  it('refuses a user key on the agent protocol with 400 AccessDeniedException', async () => {
    const res = await ctx.server.agentSync(syncBody(instanceArn), { credentials: ctx.server.credentials });
    assertWireError(res, 'AccessDeniedException', { status: [400] });
    assert.match(res.json.message, /user key .* not authorized to perform ActorsAgentV20261124\.Sync/);
    assert.equal((await describeInstance(instanceArn)).agentConnected, false, 'the refused sync connected nothing');
  });

  it('refuses an agent key on user actions with 400 AccessDeniedException', async () => {
    const refused = [
      new ListClustersCommand({}),
      new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [instanceArn] }),
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'roles-app' }),
      // Deregistration is a user action: an agent cannot take its own or another host out of the cluster.
      new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: instanceArn, force: true }),
    ];
    for (const command of refused) {
      const error = await expectEcsError(agent.send(command), 'AccessDeniedException');
      assert.match(error.message, /agent key .* not authorized/, command.constructor.name);
    }
    assert.equal((await describeInstance(instanceArn)).status, 'ACTIVE');
  });

  it('lets an agent key sync the instance it registered', async () => {
    const res = await ctx.server.agentSync(syncBody(instanceArn));
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.desiredVersion, 'number');
    assert.deepEqual(res.json.run, []);
    assert.equal((await describeInstance(instanceArn)).agentConnected, true);
  });

  it('refuses an agent key syncing or re-registering an instance another key registered', async () => {
    const otherClient = ctx.server.client({ credentials: otherAgent });
    const othersArn = (await otherClient.send(new RegisterContainerInstanceCommand(instanceRegistration(CLUSTER)))).containerInstance.containerInstanceArn;
    const usersArn = (await users.send(new RegisterContainerInstanceCommand(instanceRegistration(CLUSTER)))).containerInstance.containerInstanceArn;

    for (const [arn, credentials, whose] of [
      [instanceArn, otherAgent, 'the first agent key\'s instance, by the configured agent key'],
      [othersArn, ctx.server.agentCredentials, 'the configured agent key\'s instance, by the first'],
      [usersArn, ctx.server.agentCredentials, 'an instance a user key registered'],
    ]) {
      const res = await ctx.server.agentSync(syncBody(arn), { credentials });
      assertWireError(res, 'AccessDeniedException', { status: [400] });
      assert.match(res.json.message, /not the agent of container instance/, whose);
    }
    await expectEcsError(otherClient.send(new RegisterContainerInstanceCommand({ ...instanceRegistration(CLUSTER), containerInstanceArn: instanceArn })),
      'AccessDeniedException');

    // Each key still syncs its own.
    assert.equal((await ctx.server.agentSync(syncBody(othersArn), { credentials: otherAgent })).status, 200);
  });

  it('a refused sync neither stops the instance\'s tasks nor keeps its dead agent connected', async () => {
    await users.send(new RegisterTaskDefinitionCommand({
      family: 'roles-app',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 32, environment: [{ name: 'SECRET_VALUE', value: 'only-for-its-agent' }] }],
    }));
    assert.equal((await ctx.server.agentSync(syncBody(instanceArn))).status, 200);
    const started = await users.send(new StartTaskCommand({ cluster: CLUSTER, taskDefinition: 'roles-app', containerInstances: [instanceArn] }));
    assert.deepEqual(started.failures, []);
    const taskArn = started.tasks[0].taskArn;
    const taskId = taskArn.split('/').pop();

    const own = await ctx.server.agentSync(syncBody(instanceArn, [{ taskId, containers: [{ name: 'app', runtimeId: 'c0ffee', status: 'RUNNING' }] }]));
    assert.equal(own.status, 200, own.text);
    const [running] = (await users.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks;
    assert.equal(running.lastStatus, 'RUNNING');

    // Another agent key reports the instance empty, again and again, while its own agent is silent: refused every
    // time, and the lease runs out as if nobody had called.
    const deadline = Date.now() + 30_000;
    let refusals = 0;
    while ((await describeInstance(instanceArn)).agentConnected) {
      assert.ok(Date.now() < deadline, 'the instance whose agent went silent still shows connected after 30 s');
      const res = await ctx.server.agentSync(syncBody(instanceArn), { credentials: otherAgent });
      assertWireError(res, 'AccessDeniedException', { status: [400] });
      assert.doesNotMatch(res.text, /only-for-its-agent/, 'a refused sync hears no desired state');
      refusals += 1;
      await sleep(500);
    }
    assert.ok(refusals > 1, `the other key synced ${refusals} time(s) before the lease ran out`);
    const [untouched] = (await users.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks;
    assert.equal(untouched.lastStatus, 'RUNNING', 'no sync but its own agent\'s can stop the task');

    // Its own agent comes back: connected again, and it is told to keep running the task.
    const back = await ctx.server.agentSync(syncBody(instanceArn, [{ taskId, containers: [{ name: 'app', runtimeId: 'c0ffee', status: 'RUNNING' }] }]));
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json.keep, [taskId]);
    assert.equal((await describeInstance(instanceArn)).agentConnected, true);
  });
});
