// Services: how fast a service reaches a steady state, and how fast (and how safely) it rolls, beside a Docker swarm
// on the same engine. Not a test: it prints figures. Needs Docker (scripts/docker-setup) and tests/EndToEnd's
// node_modules (run `npm ci` there first).
//
//   1. a 50-task service to steady state on hollow instances (`actors agent --hollow 10`, tasks "start" after ~200 ms)
//   2. the same on real containers (serve's local agent, busybox sleepers)
//   3. a rolling deployment of 20 real tasks, minimumHealthyPercent 100 / maximumPercent 200 (forceNewDeployment), a new
//      task counting as healthy once it ran Actors:Services:MinHealthySeconds (10 s by default, as Nomad's
//      min_healthy_time), beside `docker service update --force --update-parallelism 5 --update-monitor 10s
//      --update-order start-first --stop-grace-period 1s` of a 20-replica swarm service (the closest swarm comes to the
//      same safety: new replicas first, each batch watched 10 s), and beside the engine alone (20 parallel `docker run -d`).
//      Running containers are sampled every 100 ms during each roll: the fewest seen is the safety figure (never fewer
//      than 20 of 20).
//
//   node bench/services.mjs [--tasks 50] [--roll 20] [--hollow 10]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  startServer, startAgent, waitForConnectedInstances, sleep, ecs, docker, assertTestImage, TEST_IMAGE,
} from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '50' },
    roll: { type: 'string', default: '20' },
    hollow: { type: 'string', default: '10' },
  },
});
const steadyTasks = Number(values.tasks);
const rollTasks = Number(values.roll);
const hollowInstances = Number(values.hollow);
const STEADY_TIMEOUT_MS = 10 * 60_000;
const SWARM_SERVICE = 'actors-bench-swarm';
const ENGINE_LABEL = 'actors-bench-engine';

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const sleeper = (image) => ({
  name: 'app',
  image,
  essential: true,
  memory: 16,
  // As the swarm's --stop-grace-period 1s: PID 1 ignores SIGTERM, so each stop waits this long before SIGKILL.
  stopTimeout: 1,
  command: ['sleep', '3600'],
});

/** Polls DescribeServices until the service's only deployment is COMPLETED with every task RUNNING; returns ms taken. */
async function untilSteady(client, cluster, service, desired, since) {
  const deadline = Date.now() + STEADY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const [s] = (await client.send(new ecs.DescribeServicesCommand({ cluster, services: [service] }))).services;
    last = `running=${s.runningCount} pending=${s.pendingCount} deployments=${s.deployments.map((d) => `${d.status}/${d.rolloutState}`).join(',')}`;
    if (s.runningCount === desired && s.pendingCount === 0 && s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED') {
      return performance.now() - since;
    }
    await sleep(100);
  }
  throw new Error(`${service} not steady within ${STEADY_TIMEOUT_MS / 1000} s (${last})`);
}

/** Counts running containers matching a docker ps filter every 100 ms until stopped; returns the fewest and most seen. */
function sampleRunning(filter) {
  let stop = false;
  let fewest = Infinity;
  let most = 0;
  const done = (async () => {
    while (!stop) {
      const out = await docker(['ps', '-q', '--filter', filter]).catch(() => null);
      if (out !== null) {
        const n = out ? out.split('\n').length : 0;
        fewest = Math.min(fewest, n);
        most = Math.max(most, n);
      }
      await sleep(100);
    }
  })();
  return async () => { stop = true; await done; return { fewest, most }; };
}

async function removeContainers(filter) {
  const ids = await docker(['ps', '-aq', '--filter', filter]).catch(() => '');
  if (ids) await docker(['rm', '-f', ...ids.split('\n')], { timeoutMs: 120_000 }).catch(() => {});
}

async function hollowSteadyState() {
  const server = await startServer({ name: 'bench-services-hollow' });
  let agent;
  try {
    agent = await startAgent({ server, cluster: 'bench-hollow', hollow: hollowInstances, name: 'bench-services-hollow-agent' });
    const client = server.client();
    await waitForConnectedInstances(client, 'bench-hollow', hollowInstances, { agents: [agent], timeoutMs: 5 * 60_000 });
    await client.send(new ecs.RegisterTaskDefinitionCommand({ family: 'bench-svc', containerDefinitions: [sleeper('hollow/app:1')] }));
    const t0 = performance.now();
    await client.send(new ecs.CreateServiceCommand({ cluster: 'bench-hollow', serviceName: 'steady', taskDefinition: 'bench-svc', desiredCount: steadyTasks }));
    const ms = await untilSteady(client, 'bench-hollow', 'steady', steadyTasks, t0);
    console.log(`${steadyTasks}-task service on ${hollowInstances} hollow instances: steady state ${seconds(ms)} after CreateService`);
  } finally {
    await agent?.dispose();
    await server.dispose();
  }
}

async function realContainers() {
  const cluster = 'bench-real';
  const server = await startServer({ name: 'bench-services-real', localAgent: true, cluster });
  const clusterFilter = `label=com.amazonaws.ecs.cluster=${cluster}`;
  try {
    const client = server.client();
    await waitForConnectedInstances(client, cluster, 1, { agents: [server], timeoutMs: 60_000 });
    await client.send(new ecs.RegisterTaskDefinitionCommand({ family: 'bench-svc', networkMode: 'bridge', containerDefinitions: [sleeper(TEST_IMAGE)] }));

    let t0 = performance.now();
    await client.send(new ecs.CreateServiceCommand({ cluster, serviceName: 'steady', taskDefinition: 'bench-svc', desiredCount: steadyTasks }));
    let ms = await untilSteady(client, cluster, 'steady', steadyTasks, t0);
    console.log(`${steadyTasks}-task service on real containers (one host): steady state ${seconds(ms)} after CreateService`);
    await client.send(new ecs.DeleteServiceCommand({ cluster, service: 'steady', force: true }));
    t0 = performance.now();
    await waitForNoContainers(clusterFilter);
    console.log(`  (its ${steadyTasks} containers stopped ${seconds(performance.now() - t0)} after DeleteService with force)`);

    await client.send(new ecs.CreateServiceCommand({
      cluster, serviceName: 'roll', taskDefinition: 'bench-svc', desiredCount: rollTasks,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
    }));
    await untilSteady(client, cluster, 'roll', rollTasks, performance.now());
    const sampling = sampleRunning(clusterFilter);
    t0 = performance.now();
    await client.send(new ecs.UpdateServiceCommand({ cluster, service: 'roll', forceNewDeployment: true }));
    ms = await untilSteady(client, cluster, 'roll', rollTasks, t0);
    const { fewest, most } = await sampling();
    console.log(`Actors rolling deployment of ${rollTasks} real tasks (min 100% / max 200%, minimum healthy time `
      + `${process.env.ACTORS__SERVICES__MINHEALTHYSECONDS ?? 10} s): ${seconds(ms)} to steady state; `
      + `running containers between ${fewest} and ${most}`);
    await client.send(new ecs.DeleteServiceCommand({ cluster, service: 'roll', force: true }));
    await waitForNoContainers(clusterFilter);
  } finally {
    await server.dispose();
    await removeContainers(clusterFilter);
  }
}

async function waitForNoContainers(filter) {
  const deadline = Date.now() + 120_000;
  while (await docker(['ps', '-q', '--filter', filter])) {
    if (Date.now() > deadline) throw new Error(`containers matching ${filter} still run 120 s on`);
    await sleep(250);
  }
}

async function swarmRoll() {
  const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
  const ownSwarm = state !== 'active';
  if (ownSwarm) await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  const filter = `label=com.docker.swarm.service.name=${SWARM_SERVICE}`;
  try {
    await docker(['service', 'rm', SWARM_SERVICE]).catch(() => {});
    await docker(['service', 'create', '--detach=false', '--quiet', '--name', SWARM_SERVICE, '--replicas', String(rollTasks), '--no-resolve-image',
      '--stop-grace-period', '1s', TEST_IMAGE, 'sleep', '3600'], { timeoutMs: 300_000 });
    const sampling = sampleRunning(filter);
    const t0 = performance.now();
    await docker(['service', 'update', '--detach=false', '--quiet', '--force', '--update-parallelism', '5', '--update-monitor', '10s',
      '--update-order', 'start-first', '--stop-grace-period', '1s', '--no-resolve-image', SWARM_SERVICE], { timeoutMs: 600_000 });
    const ms = performance.now() - t0;
    const { fewest, most } = await sampling();
    console.log(`Docker swarm rolling update of ${rollTasks} replicas (parallelism 5, monitor 10s, start-first): ${seconds(ms)}; `
      + `running containers between ${fewest} and ${most}`);
  } finally {
    await docker(['service', 'rm', SWARM_SERVICE]).catch(() => {});
    await waitForNoContainers(filter);
    if (ownSwarm) await docker(['swarm', 'leave', '--force']).catch(() => {});
  }
}

async function engineAlone() {
  const filter = `label=${ENGINE_LABEL}`;
  try {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: rollTasks }, () =>
      docker(['run', '-d', '--label', ENGINE_LABEL, '--memory', '16m', TEST_IMAGE, 'sleep', '3600'], { timeoutMs: 120_000 })));
    console.log(`The engine alone: ${rollTasks} parallel \`docker run -d\` in ${seconds(performance.now() - t0)}`);
  } finally {
    await removeContainers(filter);
  }
}

await assertTestImage();
console.log('actors services benchmark');
await hollowSteadyState();
await realContainers();
await swarmRoll();
await engineAlone();
