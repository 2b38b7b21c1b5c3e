// A network partition: three orchestrators on one PostgreSQL journal, the third run as another user so that iptables'
// owner match can cut it off from the other two (its cluster transport and bootstrap ports, both ways) while it still
// reaches PostgreSQL and the test still reaches its gateway. Writes go on through every gateway, the isolated one
// included. Keep-majority must make the isolated node down itself and the two others take its entities over, and the
// journal must show that no entity ever had two live writers: each incarnation's events are one unbroken run.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CreateClusterCommand, TagResourceCommand, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { postgresDatabase, startCluster, controlPlaneStatus, eventually, sleep, interleavedIncarnations } from './harness.mjs';

const NOBODY = { uid: 65534, gid: 65534 };
const CHAIN = `ACTORS_E2E_PARTITION_${process.pid}`;
const CLUSTERS = 12; // entities enough that some live on every node

const iptables = (args) => new Promise((resolveRun, reject) => {
  execFile('iptables', ['-w', ...args], { timeout: 15_000 }, (error, stdout, stderr) => (error ? reject(new Error(`iptables ${args.join(' ')}: ${stderr || error.message}`)) : resolveRun(stdout)));
});

async function skipReason() {
  if (process.getuid?.() !== 0) return 'the partition test needs root (iptables, and a node run as nobody)';
  try {
    await iptables(['-L', 'OUTPUT', '-n']);
  } catch (error) {
    return `iptables does not work here: ${error.message}`;
  }
  return false;
}

const database = await postgresDatabase('actors_multinode_partition');
const skip = database.skip ?? await skipReason();

describe('a node cut off from the other two', { skip, timeout: 600_000 }, () => {
  let nodes = [];
  let chainInstalled = false;

  before(async () => {
    nodes = await startCluster(database, { name: 'partition', runAs: [null, null, NOBODY] });
  });

  after(async () => {
    await removeRules();
    await Promise.all(nodes.map((node) => node.dispose()));
    await database.drop?.();
  });

  async function removeRules() {
    if (!chainInstalled) return;
    await iptables(['-D', 'OUTPUT', '-j', CHAIN]).catch(() => {});
    await iptables(['-F', CHAIN]).catch(() => {});
    await iptables(['-X', CHAIN]).catch(() => {});
    chainInstalled = false;
  }

  /** Drops every packet between `isolated` (run as nobody) and the other nodes' cluster ports; PostgreSQL and HTTP stay open. */
  async function isolate(isolated, others) {
    const port = (node) => Number(node.nodeAddress.split(':')[1]);
    await iptables(['-N', CHAIN]);
    chainInstalled = true;
    await iptables(['-I', 'OUTPUT', '-j', CHAIN]);
    const drop = (rule) => iptables(['-A', CHAIN, '-p', 'tcp', ...rule, '-j', 'DROP']);
    for (const node of others) {
      for (const p of [port(node), port(node) + 1]) await drop(['-m', 'owner', '--uid-owner', String(NOBODY.uid), '--dport', String(p)]);
    }
    for (const p of [port(isolated), port(isolated) + 1]) {
      await drop(['--dport', String(p)]);
      await drop(['-m', 'owner', '--uid-owner', String(NOBODY.uid), '--sport', String(p)]);
    }
  }

  it('the isolated node downs itself, the majority takes its entities, and no entity has two live writers', async () => {
    const [first, second, isolated] = nodes;
    const names = Array.from({ length: CLUSTERS }, (_, i) => `part-${i}`);
    for (const clusterName of names) await first.client().send(new CreateClusterCommand({ clusterName }));
    const arn = (clusterName) => first.arn(`cluster/${clusterName}`);
    const { entities } = await controlPlaneStatus(first, names.map((n) => `cluster/${n}`));
    const onIsolated = entities.filter((e) => e.node === isolated.nodeAddress).map((e) => e.entityId);
    assert.ok(onIsolated.length > 0, `some cluster entity lives on the node to be isolated: ${JSON.stringify(entities)}`);

    // Writes through every gateway, the isolated one too: each persists an event on a cluster entity.
    const answeredBy = new Map(nodes.map((node) => [node, 0]));
    let writing = true;
    let round = 0;
    const writers = nodes.map((node) => (async () => {
      const ecs = node.client();
      while (writing) {
        const clusterName = names[round++ % names.length];
        try {
          await ecs.send(new TagResourceCommand({ resourceArn: arn(clusterName), tags: [{ key: 'round', value: String(round) }] }),
            { abortSignal: AbortSignal.timeout(3_000) });
          answeredBy.set(node, answeredBy.get(node) + 1);
        } catch { /* unreachable entity, downed node, or the gateway gone: go on */ }
        await sleep(50);
      }
    })());

    // The writers stop however the test ends: left running after a failure, they would keep the test file alive.
    let takenOverAfter;
    try {
      await sleep(2_000);
      await isolate(isolated, [first, second]);
      const isolatedAt = Date.now();

      // The majority removes the isolated node; every cluster entity answers again through the majority.
      await eventually('the majority to remove the isolated node', async () => {
        const { members } = await controlPlaneStatus(first);
        return members.length === 2 && members.every((m) => m.status === 'Up' && m.reachable && m.address !== isolated.nodeAddress);
      }, { timeoutMs: 60_000, intervalMs: 500 });
      await eventually('every cluster entity to answer through the majority', async () => {
        const answer = await second.client().send(new DescribeClustersCommand({ clusters: names }), { abortSignal: AbortSignal.timeout(3_000) });
        return answer.clusters.length === names.length;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      takenOverAfter = (Date.now() - isolatedAt) / 1000;

      // The isolated node downed itself: its gateway no longer gets writes answered.
      await eventually('the isolated node to stop answering writes', async () => {
        const before = answeredBy.get(isolated);
        await sleep(3_000);
        return answeredBy.get(isolated) === before;
      }, { timeoutMs: 60_000, intervalMs: 0 });
      await sleep(3_000); // the majority writes on to the entities it took over
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    console.log(`# the majority answered for every entity ${takenOverAfter.toFixed(1)} s after the partition; answered writes: `
      + `${[...answeredBy.values()].join(' / ')} (first / second / isolated); isolated process ${isolated.exited ? `exited (code ${isolated.exited.code})` : 'still running'}`);
    assert.ok(answeredBy.get(first) > 0 && answeredBy.get(second) > 0);

    // One live incarnation at a time: every entity's events numbered 1..n, each incarnation's events one unbroken run.
    const gaps = await database.query(`select persistence_id, count(*), min(sequence_number), max(sequence_number) from journal
      group by persistence_id having min(sequence_number) <> 1 or max(sequence_number) <> count(*)`);
    assert.deepEqual(gaps, [], 'persistence ids whose sequence numbers are not 1..n');
    assert.deepEqual(await interleavedIncarnations(database), [], 'incarnations whose events interleave with another\'s');
    const movedWriters = await database.query(`select count(distinct writer_uuid) from journal where persistence_id in
      (${onIsolated.map((id) => `'cluster|${id}'`).join(',')})`);
    assert.ok(Number(movedWriters[0][0]) >= 2, 'the entities of the isolated node were written by a new incarnation after the partition');
  });
});
