// Placement throughput: one `actors serve --no-agent` node and `actors agent --hollow 1000` (simulated hosts,
// tasks "start" after ~200 ms), then 10,000 tasks by RunTask (count 10 per call, 16 concurrent callers, spread on
// instanceId so that every call reaches ten instances).
// Prints tasks placed per second, p50/p99 RunTask latency, and seconds until all placed tasks are RUNNING.
// The agent signs with the server's agent key (the harness passes it as ACTORS_AGENT_* to both): every hollow instance
// answers to that one key. With --nodes N (N > 1) the same workload runs on N nodes sharing a PostgreSQL journal
// (scripts/postgres-setup): the agent is given every gateway, and the callers take turns among the gateways.
// Not a test. Uses tests/EndToEnd's node_modules (run `npm ci` there first).
//
// --warmup N first places N tasks the same way (reported apart) so that the measured round runs on a warmed-up node,
// as a server that has been up for a while is: a fresh .NET process spends a quarter of its CPU in the JIT at first.
//
//   node bench/placement.mjs [--instances 1000] [--tasks 10000] [--callers 16] [--nodes 1] [--warmup 0]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import {
  startServer, startAgent, startCluster, postgresDatabase, waitForConnectedInstances, listAll, sleep, ecs,
} from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    tasks: { type: 'string', default: '10000' },
    callers: { type: 'string', default: '16' },
    nodes: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '0' },
  },
});
const instances = Number(values.instances);
const totalTasks = Number(values.tasks);
const callers = Number(values.callers);
const nodeCount = Number(values.nodes);
const warmupTasks = Number(values.warmup);
const PER_CALL = 10; // ECS's maximum count per RunTask
const CLUSTER = 'bench';
const RUNNING_TIMEOUT_MS = 10 * 60_000;

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

const database = nodeCount > 1 ? await postgresDatabase('actors_bench_placement') : null;
if (database?.skip) throw new Error(database.skip);
const servers = database
  ? await startCluster(database, { roles: Array(nodeCount).fill('gateway,orchestrator'), name: 'bench-placement' })
  : [await startServer({ name: 'bench-placement' })];
const [server] = servers;
let agent;
try {
  agent = await startAgent({
    endpoint: servers.map((s) => s.endpoint).join(','), credentials: server.agentCredentials, cluster: CLUSTER, hollow: instances, name: 'bench-hollow',
  });
  const client = server.client({ maxAttempts: 3 });

  let t0 = performance.now();
  await waitForConnectedInstances(client, CLUSTER, instances, { agents: [agent], timeoutMs: 5 * 60_000 });
  const where = database ? `${nodeCount} nodes on PostgreSQL` : 'one node on SQLite';
  console.log(`actors placement benchmark (${where}): ${instances} hollow instances connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  await client.send(new ecs.RegisterTaskDefinitionCommand({
    family: 'bench-small',
    containerDefinitions: [{ name: 'app', image: 'hollow/app:1', essential: true, cpu: 128, memory: 256 }],
  }));

  // Each caller has its own client (its own connection pool), as separate users would.
  const clients = Array.from({ length: callers }, (_, i) => servers[i % servers.length].client({ maxAttempts: 3 }));
  if (warmupTasks > 0) await round(`warm-up`, warmupTasks, 'bench-warmup', clients, client);
  const measured = await round('measured', totalTasks, 'bench', clients, client);
  const listed = await listAll(client, ecs.ListTasksCommand, { cluster: CLUSTER, startedBy: 'bench' }, 'taskArns');
  console.log(`ListTasks startedBy=bench: ${listed.length} tasks`);
  if (!measured.ok || listed.length !== measured.placed) process.exitCode = 1;
} finally {
  await agent?.dispose();
  await Promise.all(servers.map((s) => s.dispose()));
  await database?.drop();
}

/**
 * CPU seconds a process has used (user + system), from /proc: the figure that moves least with the machine's other
 * load, so a change's effect shows in fewer runs than in tasks/s. Linux's clock tick is 100 Hz. NaN where unreadable.
 */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return NaN;
  }
}

function cpuOf(processes) {
  return processes.reduce((sum, p) => sum + cpuSeconds(p.child?.pid), 0);
}

/** One round of RunTask calls until `total` tasks are placed, then until every placed task is RUNNING. */
async function round(label, total, startedBy, clients, client) {
  const calls = Math.ceil(total / PER_CALL);
  const latencies = [];
  const placedArns = [];
  const cpuBefore = { nodes: cpuOf(servers), agent: cpuOf([agent]) };
  let issued = 0;
  let failures = 0;
  let errors = 0;
  let firstProblem;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (issued < calls) {
      const n = issued++;
      const count = Math.min(PER_CALL, total - n * PER_CALL);
      const started = performance.now();
      try {
        const answer = await c.send(new ecs.RunTaskCommand({
          cluster: CLUSTER, taskDefinition: 'bench-small', count, startedBy, placementStrategy: [{ type: 'spread', field: 'instanceId' }],
        }));
        latencies.push(performance.now() - started);
        placedArns.push(...answer.tasks.map((t) => t.taskArn));
        failures += answer.failures.length;
        if (answer.failures.length) firstProblem ??= `failure: ${JSON.stringify(answer.failures[0])}`;
      } catch (error) {
        errors += 1;
        firstProblem ??= `${error.name}: ${error.message}`;
      }
    }
  }));
  const placingSeconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${label}: RunTask x${calls} (count ${PER_CALL}, ${clients.length} callers, spread on instanceId): ${placedArns.length} tasks placed in ${placingSeconds.toFixed(1)} s = ` +
    `${(placedArns.length / placingSeconds).toFixed(0)} tasks/s; latency p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms; ` +
    `${failures} placement failures, ${errors} errors`,
  );
  if (firstProblem) console.log(`  first problem: ${firstProblem}`);

  // Until every placed task is RUNNING: DescribeTasks in batches of 100 (its maximum), only the ones not yet seen RUNNING.
  let pending = [...placedArns];
  let stopped = 0;
  const deadline = Date.now() + RUNNING_TIMEOUT_MS;
  while (pending.length && Date.now() < deadline) {
    const still = [];
    for (let i = 0; i < pending.length; i += 100) {
      const batch = pending.slice(i, i + 100);
      const answer = await client.send(new ecs.DescribeTasksCommand({ cluster: CLUSTER, tasks: batch }));
      for (const task of answer.tasks) {
        if (task.lastStatus === 'STOPPED') stopped += 1;
        else if (task.lastStatus !== 'RUNNING') still.push(task.taskArn);
      }
      still.push(...answer.failures.map((f) => f.arn)); // not described yet: keep asking
    }
    pending = still;
    if (pending.length) await sleep(500);
  }
  const runningSeconds = (performance.now() - t0) / 1000;
  const cpuPerTask = (seconds) => ((seconds * 1000) / Math.max(1, placedArns.length)).toFixed(2);
  console.log(`${label}: CPU per task until all RUNNING: node(s) ${cpuPerTask(cpuOf(servers) - cpuBefore.nodes)} ms, ` +
    `hollow agents ${cpuPerTask(cpuOf([agent]) - cpuBefore.agent)} ms`);
  if (pending.length) {
    console.log(`${label}: NOT all RUNNING after ${(RUNNING_TIMEOUT_MS / 1000).toFixed(0)} s: ${pending.length} still pending, ${stopped} stopped`);
  } else {
    console.log(`${label}: all ${placedArns.length - stopped} tasks RUNNING ${runningSeconds.toFixed(1)} s after the first RunTask${stopped ? ` (${stopped} stopped instead)` : ''}`);
  }
  return { ok: errors === 0 && placedArns.length === total && pending.length === 0, placed: placedArns.length };
}
