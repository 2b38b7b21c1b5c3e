// Placement throughput: one `actors serve --no-agent` node and `actors agent --hollow 1000` (simulated hosts,
// tasks "start" after ~200 ms), then 10,000 tasks by RunTask (count 10 per call, 16 concurrent callers, spread on
// instanceId so that every call reaches ten instances).
// Prints tasks placed per second, p50/p99 RunTask latency, and seconds until all placed tasks are RUNNING.
// The agent signs with the server's agent key (the harness passes it as ACTORS_AGENT_* to both): every hollow instance
// answers to that one key. Not a test. Uses tests/EndToEnd's node_modules (run `npm ci` there first).
//
//   node bench/placement.mjs [--instances 1000] [--tasks 10000] [--callers 16] [--warmup 0]
// --warmup N places N tasks first (startedBy bench-warmup), uncounted: the figure of a node that has run a while.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  startServer, startAgent, waitForConnectedInstances, listAll, sleep, ecs,
} from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    tasks: { type: 'string', default: '10000' },
    callers: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '0' },
  },
});
const instances = Number(values.instances);
const totalTasks = Number(values.tasks);
const callers = Number(values.callers);
const warmup = Number(values.warmup);
const PER_CALL = 10; // ECS's maximum count per RunTask
const CLUSTER = 'bench';
const RUNNING_TIMEOUT_MS = 10 * 60_000;

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

const server = await startServer({ name: 'bench-placement' });
let agent;
try {
  agent = await startAgent({ server, cluster: CLUSTER, hollow: instances, name: 'bench-hollow' });
  const client = server.client({ maxAttempts: 3 });

  let t0 = performance.now();
  await waitForConnectedInstances(client, CLUSTER, instances, { agents: [agent], timeoutMs: 5 * 60_000 });
  console.log(`actors placement benchmark: ${instances} hollow instances connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  await client.send(new ecs.RegisterTaskDefinitionCommand({
    family: 'bench-small',
    containerDefinitions: [{ name: 'app', image: 'hollow/app:1', essential: true, cpu: 128, memory: 256 }],
  }));

  // Each caller has its own client (its own connection pool), as separate users would.
  const clients = Array.from({ length: callers }, () => server.client({ maxAttempts: 3 }));

  /** RunTask until `total` tasks are asked for; prints and returns what was placed. */
  async function place(total, startedBy, label) {
    const calls = Math.ceil(total / PER_CALL);
    const latencies = [];
    const arns = [];
    let issued = 0;
    let failures = 0;
    let errors = 0;
    let firstProblem;
    const started0 = performance.now();
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
          arns.push(...answer.tasks.map((t) => t.taskArn));
          failures += answer.failures.length;
          if (answer.failures.length) firstProblem ??= `failure: ${JSON.stringify(answer.failures[0])}`;
        } catch (error) {
          errors += 1;
          firstProblem ??= `${error.name}: ${error.message}`;
        }
      }
    }));
    const seconds = (performance.now() - started0) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${label}RunTask x${calls} (count ${PER_CALL}, ${callers} callers, spread on instanceId): ${arns.length} tasks placed in ${seconds.toFixed(1)} s = ` +
      `${(arns.length / seconds).toFixed(0)} tasks/s; latency p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms; ` +
      `${failures} placement failures, ${errors} errors`,
    );
    if (firstProblem) console.log(`  first problem: ${firstProblem}`);
    return { arns, errors };
  }

  // A node that has run a while has compiled its hot paths: the warm-up's tasks are placed, not counted.
  if (warmup > 0) await place(warmup, 'bench-warmup', 'warm-up: ');
  t0 = performance.now();
  const { arns: placedArns, errors } = await place(totalTasks, 'bench', warmup > 0 ? 'after the warm-up: ' : '');

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
  if (pending.length) {
    console.log(`NOT all RUNNING after ${(RUNNING_TIMEOUT_MS / 1000).toFixed(0)} s: ${pending.length} still pending, ${stopped} stopped`);
    process.exitCode = 1;
  } else {
    console.log(`all ${placedArns.length - stopped} tasks RUNNING ${runningSeconds.toFixed(1)} s after the first RunTask${stopped ? ` (${stopped} stopped instead)` : ''}`);
  }
  const listed = await listAll(client, ecs.ListTasksCommand, { cluster: CLUSTER, startedBy: 'bench' }, 'taskArns');
  console.log(`ListTasks startedBy=bench: ${listed.length} tasks`);
  if (errors > 0 || placedArns.length < totalTasks) process.exitCode = 1;
} finally {
  await agent?.dispose();
  await server.dispose();
}
