// Three `actors serve` processes on 127.0.0.1 sharing one PostgreSQL journal (scripts/postgres-setup): two orchestrators
// and a gateway-only node. The tests run in order on the one cluster: it forms and answers everywhere, then the node
// hosting a service's entity - which is also the gateway the hollow agent talks to - is killed with SIGKILL in the
// middle of a rolling deployment, and the survivors must finish the deployment with the journal intact.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  CreateClusterCommand, DescribeClustersCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, UpdateServiceCommand,
  DescribeServicesCommand, ListTasksCommand, DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  postgresDatabase, startCluster, startAgent, controlPlaneStatus, waitForConnectedInstances, eventually, listAll, actorsDll, sleep,
  interleavedIncarnations,
} from './harness.mjs';

const CLUSTER = 'failover';
const SERVICE = 'web';
const DESIRED = 4;
const MAXIMUM_PERCENT = 150;
// How long a graceful leave may leave the service unanswered. Measured 1.3-2.5 s with the test alone on two cores and up
// to 5.8 s in full runs beside three other test files (5.7 s once in CI): CPU-bound there, the coordinators and entities
// starting on a starved machine. The figures are printed.
// What the bound catches is a handoff that fails: a request waiting out the 30 s ask timeout, a shard left unallocated.
const GAP_LIMIT_MS = 10_000;
const database = await postgresDatabase('actors_multinode');

describe('three nodes on PostgreSQL', { skip: database.skip ?? false, timeout: 600_000 }, () => {
  let nodes = [];
  let agent;
  let victim;
  let survivor;
  const answered = []; // request ids of the writes answered 200, in order

  before(async () => {
    nodes = await startCluster(database, { roles: ['gateway,orchestrator', 'gateway,orchestrator', 'gateway'], name: 'multinode' });
  });

  after(async () => {
    await agent?.dispose();
    await Promise.all(nodes.map((node) => node.dispose()));
    await database.drop?.();
  });

  /** Sends through `node` and remembers the request id of a write that was answered. */
  async function write(node, command) {
    const answer = await node.client().send(command);
    answered.push({ requestId: answer.$metadata.requestId, what: command.constructor.name });
    return answer;
  }

  it('forms one cluster whose gateways all answer; the gateway-only node hosts no shard; cluster status shows it', async () => {
    const [first, , gatewayOnly] = nodes;
    const status = await controlPlaneStatus(gatewayOnly);
    assert.deepEqual(status.members.map((m) => m.address).sort(), nodes.map((n) => n.nodeAddress).sort());
    assert.ok(status.members.every((m) => m.status === 'Up' && m.reachable), JSON.stringify(status.members));
    assert.deepEqual(status.members.find((m) => m.address === gatewayOnly.nodeAddress).roles, ['gateway']);

    await write(gatewayOnly, new CreateClusterCommand({ clusterName: CLUSTER }));
    const described = await first.client().send(new DescribeClustersCommand({ clusters: [CLUSTER] }));
    assert.equal(described.clusters[0]?.status, 'ACTIVE');

    const located = await controlPlaneStatus(first, [`cluster/${CLUSTER}`]);
    assert.ok(located.shards.length > 0, 'some shard is allocated');
    assert.ok(located.shards.every((s) => s.node !== gatewayOnly.nodeAddress), `a gateway-only node hosts nothing: ${JSON.stringify(located.shards)}`);
    assert.ok([nodes[0].nodeAddress, nodes[1].nodeAddress].includes(located.entities[0].node), JSON.stringify(located.entities));

    const printed = await runCli(['cluster', 'status', '--endpoint', gatewayOnly.endpoint, '--entity', `cluster/${CLUSTER}`], gatewayOnly.credentials);
    assert.match(printed, /Members \(3\):/);
    for (const node of nodes) assert.ok(printed.includes(node.nodeAddress), `${node.nodeAddress} in:\n${printed}`);
    assert.match(printed, new RegExp(`cluster/${CLUSTER}\\s+shard \\d+\\s+on ${located.entities[0].node.replace(/\./g, '\\.')}`));
  });

  it('kill -9 of the node hosting a service in a rolling deployment: the survivors finish it and the journal holds every answered write', async () => {
    const gatewayOnly = nodes[2];
    const ecs = gatewayOnly.client();
    for (const revision of ['1', '2']) {
      await write(gatewayOnly, new RegisterTaskDefinitionCommand({
        family: 'failover-app',
        containerDefinitions: [{ name: 'app', image: `app:${revision}`, memory: 64, cpu: 128, essential: true }],
      }));
    }
    await write(gatewayOnly, new CreateServiceCommand({
      cluster: CLUSTER, serviceName: SERVICE, taskDefinition: 'failover-app:1', desiredCount: 0,
      deploymentConfiguration: { maximumPercent: MAXIMUM_PERCENT, minimumHealthyPercent: 50 },
    }));
    const { entities: [service] } = await controlPlaneStatus(gatewayOnly, [`service/${CLUSTER}/${SERVICE}`]);
    victim = nodes.find((node) => node.nodeAddress === service.node);
    assert.ok(victim && victim !== gatewayOnly, `the service lives on an orchestrator: ${JSON.stringify(service)}`);
    survivor = nodes.find((node) => node !== victim && node !== gatewayOnly);

    // The agent talks to the victim first: killing it also takes the agent's gateway away.
    agent = await startAgent({
      endpoint: [victim, gatewayOnly, survivor].map((node) => node.endpoint).join(','),
      credentials: gatewayOnly.agentCredentials,
      cluster: CLUSTER,
      hollow: 2,
      name: 'multinode-agent',
      // Slow starts keep the deployment in flight long enough to be interrupted.
      env: { ACTORS__AGENT__HOLLOW__STARTDELAYMILLISECONDS: '3000' },
    });
    await waitForConnectedInstances(ecs, CLUSTER, 2, { agents: [agent] });

    await write(gatewayOnly, new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, desiredCount: DESIRED }));
    await waitForSteady(ecs, 'failover-app:1', 90_000);
    // Scaling up launches exactly what is missing: no task was started only to be stopped as an excess.
    const launched = [
      ...await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'RUNNING' }, 'taskArns'),
      ...await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'STOPPED' }, 'taskArns'),
    ];
    assert.equal(launched.length, DESIRED, `tasks launched to scale from 0 to ${DESIRED}: ${launched.length}`);

    // Sample how many tasks exist while the deployment runs, through any gateway that answers.
    const samples = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const node of nodes.filter((n) => n.running)) {
          try {
            samples.push((await liveTasks(node.client())).length);
            break;
          } catch { /* that gateway is gone or busy failing over: the next one */ }
        }
        await sleep(300);
      }
    })();

    await write(gatewayOnly, new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: 'failover-app:2' }));
    await eventually('the new deployment to start a task', async () => (await liveTasks(ecs)).some((t) => t.taskDefinitionArn.endsWith(':2')),
      { timeoutMs: 30_000 });
    const answeredBeforeKill = [...answered];
    const killedAt = Date.now();
    await victim.kill();

    // A request sent to the dead node's region before its shards moved waits for the gateway's ask timeout: ask again
    // every second, each time with a fresh request, to see when the entity answers.
    await eventually('the service to answer again', async () => {
      await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }), { abortSignal: AbortSignal.timeout(1_000) });
      return true;
    }, { timeoutMs: 60_000, intervalMs: 0 });
    console.log(`# the killed node's service answered again after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);

    await waitForSteady(ecs, 'failover-app:2', 120_000);
    sampling = false;
    await sampler;

    const finalTasks = await eventually('desiredCount tasks left, none started twice', async () => {
      const live = await liveTasks(ecs);
      return live.length === DESIRED ? live : false;
    }, { timeoutMs: 30_000 });
    assert.ok(finalTasks.every((t) => t.taskDefinitionArn.endsWith(':2') && t.lastStatus === 'RUNNING'));
    const allowed = Math.floor(DESIRED * MAXIMUM_PERCENT / 100);
    assert.ok(samples.length > 5, `sampled ${samples.length} times`);
    assert.ok(Math.max(...samples) <= allowed, `at most ${allowed} tasks at any sampled moment, saw ${Math.max(...samples)} (${samples.join(' ')})`);

    // The agent moved to another gateway: still running, its instances connected, no instance registered twice.
    assert.equal(agent.exited, null, `the agent is still running:\n${agent.outputTail}`);
    await waitForConnectedInstances(ecs, CLUSTER, 2, { agents: [agent], timeoutMs: 30_000 });

    await assertJournal(answeredBeforeKill);
  });

  it('the killed node rejoins through its peers; SIGTERM hands its shards over and it leaves with the service answering throughout', async () => {
    assert.ok(victim && survivor, 'the failover test ran first');
    const gatewayOnly = nodes[2];
    await victim.start(); // same --node-address and --peers: it joins the running cluster through whichever peer answers
    await eventually('three members Up again', async () => {
      const status = await controlPlaneStatus(gatewayOnly);
      return status.members.length === 3 && status.members.every((m) => m.status === 'Up' && m.reachable);
    }, { timeoutMs: 30_000 });

    const { entities: [service] } = await controlPlaneStatus(gatewayOnly, [`service/${CLUSTER}/${SERVICE}`]);
    const leaving = nodes.find((node) => node.nodeAddress === service.node);
    const ecs = gatewayOnly.client();
    const availability = pollAvailability(() => ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }),
      { abortSignal: AbortSignal.timeout(1_000) }));
    const stopped = await leaving.stop();
    await sleep(2_000);
    const gap = await availability.stop();
    console.log(`# SIGTERM of the node hosting the service: exit ${stopped.code}, longest time without an answer ${gap}`);
    assert.equal(stopped.code, 0, leaving.outputTail);
    assert.ok(gap.ms < GAP_LIMIT_MS, `the service was unavailable for ${gap}`);
    // Removal takes a gossip round or two after the node is gone: it must leave, never be found unreachable.
    const status = await eventually('the node to be removed', async () => {
      const now = await controlPlaneStatus(gatewayOnly, [`service/${CLUSTER}/${SERVICE}`]);
      assert.ok(now.members.every((m) => m.reachable), `it left instead of becoming unreachable: ${JSON.stringify(now.members)}`);
      return now.members.length === 2 ? now : false;
    }, { timeoutMs: 15_000 });
    assert.notEqual(status.entities[0].node, leaving.nodeAddress);
    await assertJournal([]);
  });

  it('a rolling restart of every node (SIGTERM, start again) leaves the service unanswered for a few seconds at most', async () => {
    // The node the previous test stopped comes back first; then each node in turn leaves and returns.
    const stoppedNode = nodes.find((node) => !node.running);
    if (stoppedNode) await stoppedNode.start();
    const allUp = async () => {
      const answering = nodes.find((node) => node.running);
      const status = await controlPlaneStatus(answering);
      return status.members.length === nodes.length && status.members.every((m) => m.status === 'Up' && m.reachable);
    };
    await eventually('every node Up', allUp, { timeoutMs: 30_000 });

    // Each request goes to the first running gateway that answers within a second.
    const availability = pollAvailability(async () => {
      for (const node of nodes.filter((n) => n.running)) {
        const answered = await node.client().send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }),
          { abortSignal: AbortSignal.timeout(1_000) }).then(() => true, () => false);
        if (answered) return;
      }
      throw new Error('no gateway answered');
    });
    const steps = []; // what the restart did when, to read a gap against
    const step = (what) => steps.push(`${new Date().toISOString()} ${what}`);
    let gap;
    try {
      for (const node of nodes) {
        step(`SIGTERM ${node.nodeAddress}`);
        const stopped = await node.stop();
        step(`${node.nodeAddress} exited ${stopped.code}`);
        assert.equal(stopped.code, 0, `${node.nodeAddress} exits 0 on SIGTERM:\n${node.outputTail}`);
        await node.start();
        step(`${node.nodeAddress} started`);
        await eventually(`every node Up after ${node.nodeAddress} restarted`, allUp, { timeoutMs: 30_000 });
        step('every node Up');
      }
    } finally {
      gap = await availability.stop();
    }
    console.log(`# rolling restart of ${nodes.length} nodes: longest time without an answer ${gap}`);
    assert.ok(gap.ms < GAP_LIMIT_MS, `the service was unavailable for ${gap} during the rolling restart:\n${steps.join('\n')}`);
    const { services: [service] } = await nodes[2].client().send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }));
    assert.equal(service.desiredCount, DESIRED);
    await assertJournal([]);
  });

  /**
   * Calls `ask` every 100 ms until stopped, timing the answers; stop() resolves with the longest time without one: its
   * `ms`, and as text with when it began and ended (to read against the nodes' logs).
   */
  function pollAvailability(ask) {
    let polling = true;
    let lastAnswer = Date.now();
    let longest = { ms: 0, from: lastAnswer, to: lastAnswer };
    const measure = (now) => { if (now - lastAnswer > longest.ms) longest = { ms: now - lastAnswer, from: lastAnswer, to: now }; };
    const loop = (async () => {
      while (polling) {
        if (await ask().then(() => true, () => false)) {
          measure(Date.now());
          lastAnswer = Date.now();
        }
        await sleep(100);
      }
    })();
    return {
      async stop() {
        polling = false;
        await loop;
        measure(Date.now());
        const { ms, from, to } = longest;
        return { ms, toString: () => `${(ms / 1000).toFixed(1)} s (${new Date(from).toISOString()} to ${new Date(to).toISOString()})` };
      },
    };
  }

  /** Every answered write is in the journal (by its request id), and every persistence id's sequence numbers run 1..n with one writer at a time. */
  async function assertJournal(writes) {
    for (const { requestId, what } of writes) {
      const [[count]] = await database.query(`select count(*) from journal where position('${requestId}' in convert_from(message, 'UTF8')) > 0`);
      assert.ok(Number(count) >= 1, `${what} (request ${requestId}) was answered 200 but is not in the journal`);
    }
    for (const schema of ['public', 'akka_sharding']) {
      const rows = await database.query(
        `select persistence_id, count(*), min(sequence_number), max(sequence_number) from ${schema}.journal group by persistence_id`);
      assert.ok(rows.length > 0, `${schema}.journal has events`);
      for (const [persistenceId, count, min, max] of rows) {
        assert.ok(Number(min) === 1 && Number(max) === Number(count), `${schema} ${persistenceId}: ${count} events numbered ${min}..${max}`);
      }
    }
    // One live incarnation at a time: each incarnation's events are one unbroken run of its entity's sequence numbers, so no
    // two incarnations ever wrote in turns.
    assert.deepEqual(await interleavedIncarnations(database), [], 'incarnations whose events interleave with another\'s');
  }
});

/** The service's tasks that are not STOPPED (PENDING or RUNNING, also while being stopped). */
async function liveTasks(ecs) {
  const arns = [
    ...await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'RUNNING' }, 'taskArns'),
    ...await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'STOPPED' }, 'taskArns'),
  ];
  const tasks = [];
  for (let i = 0; i < arns.length; i += 100) {
    tasks.push(...(await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + 100) }))).tasks);
  }
  return tasks.filter((t) => t.lastStatus !== 'STOPPED');
}

async function waitForSteady(ecs, revision, timeoutMs) {
  await eventually(`service ${SERVICE} steady on ${revision}`, async () => {
    const { services: [service] } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }));
    const [primary, ...others] = service.deployments;
    return others.length === 0 && primary.taskDefinition.endsWith(revision) && primary.rolloutState === 'COMPLETED'
      && service.runningCount === DESIRED ? service : false;
  }, { timeoutMs, intervalMs: 500 });
}

/** `actors cluster status ...` with a user key; resolves with what it printed. */
function runCli(args, credentials) {
  return new Promise((resolveRun, reject) => {
    execFile('dotnet', [actorsDll(), ...args], {
      env: { ...process.env, ACTORS_ACCESS_KEY_ID: credentials.accessKeyId, ACTORS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      timeout: 60_000,
    }, (error, stdout, stderr) => (error ? reject(new Error(`actors ${args.join(' ')}: ${stderr || error.message}`)) : resolveRun(String(stdout))));
  });
}
