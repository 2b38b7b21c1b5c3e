// Many hosts syncing through a node that dies: three `actors serve` orchestrators on one PostgreSQL journal, one
// `actors agent --hollow 150` whose first gateway is the node then killed with SIGKILL. The agent moves to the next
// gateway, the instances whose entities lived on the killed node come back on the survivors, and no instance is ever
// seen with its agent disconnected: watched every second for longer than the agent lease, so an instance whose syncs
// stopped reaching it would show.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateClusterCommand, ListContainerInstancesCommand, DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import {
  postgresDatabase, startCluster, startAgent, waitForConnectedInstances, listAll, sleep,
} from './harness.mjs';

const CLUSTER = 'many-hosts';
const HOSTS = 150;
const LEASE_SECONDS = 30; // the server's default Actors:AgentLeaseSeconds
const database = await postgresDatabase('actors_multinode_agents');

describe('hosts syncing through a node that is killed', { skip: database.skip ?? false, timeout: 600_000 }, () => {
  let nodes = [];
  let agent;

  before(async () => {
    nodes = await startCluster(database, { name: 'many-hosts' });
  });

  after(async () => {
    await agent?.dispose();
    await Promise.all(nodes.map((node) => node.dispose()));
    await database.drop?.();
  });

  it('keeps every instance connected while its gateway and some of the instance entities move to the survivors', async () => {
    const [victim, ...survivors] = nodes;
    const ecs = survivors[0].client();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    agent = await startAgent({
      endpoint: nodes.map((node) => node.endpoint).join(','),
      credentials: survivors[0].agentCredentials,
      cluster: CLUSTER,
      hollow: HOSTS,
      name: 'many-hosts-agent',
    });
    await waitForConnectedInstances(ecs, CLUSTER, HOSTS, { agents: [agent], timeoutMs: 120_000 });

    // Every second: which instances show their agent disconnected, asked through a survivor.
    const disconnectedSeen = new Map(); // instance ARN -> times seen disconnected
    const answeredAt = []; // when each round was answered
    let failedRounds = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          const arns = await listAll(ecs, ListContainerInstancesCommand, { cluster: CLUSTER }, 'containerInstanceArns');
          for (let i = 0; i < arns.length; i += 100) {
            const page = await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: arns.slice(i, i + 100) }),
              { abortSignal: AbortSignal.timeout(20_000) });
            for (const instance of page.containerInstances) {
              if (!instance.agentConnected) disconnectedSeen.set(instance.containerInstanceArn, (disconnectedSeen.get(instance.containerInstanceArn) ?? 0) + 1);
            }
          }
          answeredAt.push(Date.now());
        } catch {
          failedRounds += 1; // entities moving between nodes: this round's answer came too late
        }
        await sleep(1_000);
      }
    })();

    await sleep(2_000);
    const killedAt = Date.now();
    await victim.kill();
    // An instance whose agent could not reach it since the kill is marked disconnected one lease after its last sync,
    // or, if its entity moved, one lease after the entity came back (about 10 s): watch well past both.
    const judgedFrom = killedAt + (LEASE_SECONDS + 15) * 1_000;
    await sleep(judgedFrom - Date.now() + 6_000);
    watching = false;
    await watcher;

    console.log(`# ${answeredAt.length} rounds answered, watched ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the kill (${failedRounds} without an answer)`);
    assert.ok(answeredAt.filter((at) => at >= judgedFrom).length >= 2, `too few rounds answered after ${LEASE_SECONDS + 15} s to judge`);
    assert.deepEqual([...disconnectedSeen], [], 'instances seen with their agent disconnected');
    assert.equal(agent.exited, null, `the agent is still running:\n${agent.outputTail}`);
    const connected = await waitForConnectedInstances(ecs, CLUSTER, HOSTS, { agents: [agent], timeoutMs: 10_000 });
    assert.equal(connected.length, HOSTS, 'no host registered again as a new instance');
  });
});
