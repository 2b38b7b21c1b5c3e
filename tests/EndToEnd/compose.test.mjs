// The repository's docker-compose.yml as a user runs it: images built by scripts/compose-images (local stand-ins for
// the official base images: no registry is reachable here), `docker-compose up -d`, a service created through a
// gateway and run by the compose agent on this host's engine, the node hosting the service killed with `docker kill`,
// and the service still steady and answering through the other gateways; `docker-compose down -v` at the end.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateClusterCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, DescribeServicesCommand, ListTasksCommand,
  DeleteServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  dockerSkipReason, assertTestImage, generateCredentials, freePort, remoteGateway, controlPlaneStatus,
  waitForConnectedInstances, eventually, docker, containersOfTask, TEST_IMAGE,
} from './harness.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLUSTER = 'compose-e2e';
const SERVICE = 'web';
const DESIRED = 2;
const NODES = ['node1', 'node2', 'node3'];
const skip = await dockerSkipReason();

/** Runs a command in the repository with the compose environment; resolves with its stdout, rejects with its output. */
function run(file, args, env, timeoutMs) {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error
        ? reject(new Error(`${file} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stdout}\n${stderr}`))
        : resolveRun(String(stdout).trim())));
  });
}

describe('docker-compose.yml: three nodes, PostgreSQL and an agent', { skip, timeout: 900_000 }, () => {
  const project = `actorse2e${process.pid}`;
  const credentials = generateCredentials();
  const agentCredentials = generateCredentials();
  const env = {
    COMPOSE_PROJECT_NAME: project,
    ACTORS_ACCESS_KEY_ID: credentials.accessKeyId,
    ACTORS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ACTORS_AGENT_ACCESS_KEY_ID: agentCredentials.accessKeyId,
    ACTORS_AGENT_SECRET_ACCESS_KEY: agentCredentials.secretAccessKey,
    ACTORS_AGENT_CLUSTER: CLUSTER,
  };
  const compose = (args, timeoutMs = 300_000) => run('docker-compose', args, env, timeoutMs);
  const gateways = {}; // by compose service name

  /** What made a node unhealthy or slow is in its log: each node's health and its last warnings and failures, for CI to show. */
  const nodesSaid = async () => (await Promise.all(NODES.map(async (node) => {
    const health = await compose(['ps', '-q', node])
      .then((id) => docker(['inspect', '--format', '{{.State.Status}} {{json .State.Health.Status}} restarts {{.RestartCount}}', id]))
      .catch((e) => e.message);
    const logs = await compose(['logs', '--no-color', '--no-log-prefix', node]).catch((e) => e.message);
    const warned = logs.split('\n').filter((line) => /^\S+ (warn|fail|crit): /.test(line));
    // Late heartbeats are many on a busy machine: counted, not listed, so they do not push the rest out.
    const late = warned.filter((line) => line.includes('heartbeat interval is growing too large'));
    const said = warned.filter((line) => !late.includes(line)).slice(-25);
    return [`${node}: ${health}, ${late.length} late heartbeats`, ...said.map((line) => `${node}: ${line.slice(0, 400)}`)].join('\n');
  }))).join('\n');
  /** A test's failure carries what the nodes said (CI keeps no logs of the compose project). */
  const withNodesSaid = (test) => async () => {
    try {
      await test();
    } catch (error) {
      error.message = `${error.message}\n${await nodesSaid()}`;
      throw error;
    }
  };
  let started = false;

  before(async () => {
    await assertTestImage();
    const building = Date.now();
    const built = await run('bash', ['scripts/compose-images'], {}, 600_000);
    console.log(`# scripts/compose-images: ${((Date.now() - building) / 1000).toFixed(1)} s\n${built.replace(/^/gm, '#   ')}`);
    for (const [i, node] of NODES.entries()) {
      const port = await freePort();
      env[`ACTORS_NODE${i + 1}_PORT`] = String(port);
      gateways[node] = remoteGateway({ port, credentials, agentCredentials, name: node });
    }
    const upAt = Date.now();
    started = true;
    // up -d returns once the nodes are healthy (the agent depends on it), that is once each is Up in one cluster.
    await compose(['up', '-d']).catch(async (error) => { throw new Error(`${error.message}\n${await nodesSaid()}`); });
    console.log(`# docker-compose up -d: ${((Date.now() - upAt) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    if (!started) return;
    const live = NODES.find((node) => gateways[node].reachable !== false);
    await gateways[live].client().send(new DeleteServiceCommand({ cluster: CLUSTER, service: SERVICE, force: true })).catch(() => {});
    const logDir = process.env.ACTORS_E2E_LOG_DIR;
    if (logDir) {
      await compose(['logs', '--no-color'])
        .then((logs) => { mkdirSync(logDir, { recursive: true }); writeFileSync(resolve(logDir, `${project}.log`), logs); }).catch(() => {});
    }
    await compose(['down', '-v', '--timeout', '30'], 120_000).catch((error) => console.log(`# ${error.message}`));
    // The agent ran the tasks' containers on this host's engine, outside the compose project: remove what is left.
    for (const cluster of [CLUSTER, gateways[live].arn(`cluster/${CLUSTER}`)]) {
      const ids = await docker(['ps', '-aq', '--filter', `label=com.amazonaws.ecs.cluster=${cluster}`]).catch(() => '');
      if (ids) await docker(['rm', '-f', ...ids.split('\n')]).catch(() => {});
    }
  });

  it('forms one cluster of the three nodes; the agent registers through a gateway and runs a service on this host', withNodesSaid(async () => {
    const status = await controlPlaneStatus(gateways.node2);
    assert.deepEqual(status.members.map((m) => m.address).sort(), NODES.map((node) => `${node}:4053`));
    assert.ok(status.members.every((m) => m.status === 'Up' && m.reachable), JSON.stringify(status.members));

    const ecs = gateways.node1.client();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    // The agent retries its registration until the cluster exists.
    await waitForConnectedInstances(ecs, CLUSTER, 1, { timeoutMs: 60_000 });
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'compose-sleeper',
      networkMode: 'bridge',
      containerDefinitions: [{ name: 'app', image: TEST_IMAGE, essential: true, memory: 16, stopTimeout: 2, command: ['sleep', '3600'] }],
    }));
    await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: 'compose-sleeper', desiredCount: DESIRED }));
    const steady = await waitForSteady(ecs, 120_000);
    assert.equal(steady.runningCount, DESIRED);
  }));

  it('docker kill of the node hosting the service: it stays steady, answers through the other gateways, no task restarts', withNodesSaid(async () => {
    const before = await gateways.node3.client().send(new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE }));
    assert.equal(before.taskArns.length, DESIRED);
    for (const arn of before.taskArns) assert.equal((await containersOfTask(arn)).length, 1, `one container for ${arn}`);

    const { entities: [service] } = await controlPlaneStatus(gateways.node1, [`service/${CLUSTER}/${SERVICE}`]);
    const victim = service.node.split(':')[0];
    assert.ok(NODES.includes(victim), JSON.stringify(service));
    const container = await compose(['ps', '-q', victim]);
    const killedAt = Date.now();
    await docker(['kill', container]);
    gateways[victim].reachable = false;
    const survivors = NODES.filter((node) => node !== victim);

    // Each surviving gateway answers for the service again once its shard moved (a fresh request each second: one sent
    // to the dead node's region before that waits for the ask timeout).
    for (const node of survivors) {
      await eventually(`${node} to answer for the service`, async () => {
        await gateways[node].client().send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }),
          { abortSignal: AbortSignal.timeout(1_000) });
        return true;
      }, { timeoutMs: 60_000, intervalMs: 0 });
      console.log(`# ${node} answered for the service ${((Date.now() - killedAt) / 1000).toFixed(1)} s after docker kill ${victim}`);
    }

    for (const node of survivors) {
      const ecs = gateways[node].client();
      const steady = await waitForSteady(ecs, 30_000);
      assert.equal(steady.deployments.length, 1, JSON.stringify(steady.deployments));
      const after = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE }));
      assert.deepEqual([...after.taskArns].sort(), [...before.taskArns].sort(), `${node}: the same tasks, none replaced`);
    }
    for (const arn of before.taskArns) {
      const state = await docker(['inspect', '--format', '{{.State.Running}} {{.RestartCount}}', ...(await containersOfTask(arn))]);
      assert.equal(state, 'true 0', `${arn}'s container kept running`);
    }
    const status = await controlPlaneStatus(gateways[survivors[0]], [`service/${CLUSTER}/${SERVICE}`]);
    assert.ok(survivors.map((node) => `${node}:4053`).includes(status.entities[0].node), JSON.stringify(status.entities));
  }));

  async function waitForSteady(ecs, timeoutMs) {
    return eventually(`service ${SERVICE} steady with ${DESIRED} running`, async () => {
      const { services: [current] } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }));
      return current.deployments.length === 1 && current.deployments[0].rolloutState === 'COMPLETED'
        && current.runningCount === DESIRED && current.pendingCount === 0 ? current : false;
    }, { timeoutMs, intervalMs: 500 });
  }
});
