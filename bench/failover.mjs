// Failover time: three `actors serve` nodes on 127.0.0.1 sharing a PostgreSQL journal (scripts/postgres-setup), a dozen
// clusters whose scheduler entities spread over the nodes; then, five times, `kill -9` of a node hosting some of them
// and the seconds until every one of its entities answers again through a survivor (a fresh DescribeClusters every
// 250 ms, each given 1 s: one sent to the dead node's shard before it moved would wait for the ask timeout). The killed
// node is started again and rejoins before the next round. Measured with the tuned timings (src/Nodes/Failover.cs)
// and with Akka's defaults (Actors:Node:Failover = akka-defaults). Prints the rounds and their median. Not a test.
// Uses tests/EndToEnd's node_modules (run `npm ci` there first).
//
//   node bench/failover.mjs [--rounds 5] [--timings tuned,akka-defaults]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  postgresDatabase, startCluster, controlPlaneStatus, eventually, sleep, ecs,
} from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    timings: { type: 'string', default: 'tuned,akka-defaults' },
  },
});
const rounds = Number(values.rounds);
const CLUSTERS = Array.from({ length: 12 }, (_, i) => `failover-${i}`);

const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Where each probe cluster's entity lives now: { nodeAddress: [cluster names] }. */
async function entitiesByNode(gateway) {
  const status = await controlPlaneStatus(gateway, CLUSTERS.map((name) => `cluster/${name}`));
  const byNode = {};
  status.entities.forEach((entity, i) => { (byNode[entity.node] ??= []).push(CLUSTERS[i]); }); // answered in the order asked
  return byNode;
}

async function measure(timings) {
  const database = await postgresDatabase('actors_bench_failover');
  if (database.skip) throw new Error(database.skip);
  const nodes = await startCluster(database, { name: `bench-failover-${timings}`, env: { ACTORS__NODE__FAILOVER: timings } });
  const seconds = [];
  try {
    for (const name of CLUSTERS) await nodes[0].client().send(new ecs.CreateClusterCommand({ clusterName: name }));
    for (let round = 1; round <= rounds; round++) {
      // Every probe entity awake and located (after a rejoin the coordinator may be moving shards to the new node).
      const byNode = await eventually('every probe entity located', async () => {
        await nodes[0].client().send(new ecs.DescribeClustersCommand({ clusters: CLUSTERS }));
        const located = await entitiesByNode(nodes[0]);
        return Object.keys(located).every((address) => nodes.some((node) => node.nodeAddress === address)) ? located : false;
      }, { timeoutMs: 120_000, intervalMs: 1_000 });
      // The node hosting the most probe entities (never all of them: a survivor must be left to answer).
      const victim = nodes.filter((node) => byNode[node.nodeAddress]?.length)
        .sort((a, b) => byNode[b.nodeAddress].length - byNode[a.nodeAddress].length)[0];
      const survivor = nodes.find((node) => node !== victim);
      const orphans = byNode[victim.nodeAddress];
      const client = survivor.client();
      const killedAt = performance.now();
      await victim.kill();
      const waiting = new Set(orphans);
      while (waiting.size > 0) {
        await Promise.all([...waiting].map(async (name) => {
          try {
            await client.send(new ecs.DescribeClustersCommand({ clusters: [name] }), { abortSignal: AbortSignal.timeout(1_000) });
            waiting.delete(name);
          } catch { /* not back yet */ }
        }));
        if (performance.now() - killedAt > 180_000) throw new Error(`${[...waiting].join(', ')} did not answer within 180 s`);
        if (waiting.size > 0) await sleep(250);
      }
      const took = (performance.now() - killedAt) / 1000;
      seconds.push(took);
      console.log(`  ${timings} round ${round}: kill -9 ${victim.nodeAddress} (${orphans.length} of ${CLUSTERS.length} entities): all answered again after ${took.toFixed(1)} s`);
      await victim.start();
      await eventually('three members Up again', async () => {
        const status = await controlPlaneStatus(survivor);
        return status.members.length === 3 && status.members.every((m) => m.status === 'Up' && m.reachable);
      }, { timeoutMs: 120_000, intervalMs: 500 });
    }
  } finally {
    await Promise.all(nodes.map((node) => node.dispose()));
    await database.drop();
  }
  return seconds;
}

const results = {};
for (const timings of values.timings.split(',')) {
  console.log(`actors failover benchmark, ${timings} timings: 3 nodes on PostgreSQL, ${rounds} rounds`);
  results[timings] = await measure(timings);
}
for (const [timings, seconds] of Object.entries(results)) {
  console.log(`${timings}: a killed node's entities answered again after ${median(seconds).toFixed(1)} s (median of ${seconds.length}; `
    + `${Math.min(...seconds).toFixed(1)}-${Math.max(...seconds).toFixed(1)} s)`);
}
