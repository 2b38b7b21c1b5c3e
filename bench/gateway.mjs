// Gateway throughput and latency: one `actors serve` node, N concurrent SDK clients (each its own
// connection pool, each request SigV4-signed), first RegisterTaskDefinition then DescribeClusters.
// Prints figures; it is not a test. Uses tests/EndToEnd's node_modules (run `npm ci` there first).
//
//   node bench/gateway.mjs [--clients 32] [--seconds 20] [--count N] [--warmup 0]
//
// --count N stops a phase after N requests in all; otherwise each phase runs for --seconds. --warmup S first runs both
// phases for S seconds each, reported apart, so that the measured phases run on a warmed-up node (a fresh .NET process
// compiles its hot paths again during its first seconds).
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startServer, ecs } from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '20' },
    count: { type: 'string' },
    warmup: { type: 'string', default: '0' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const count = values.count ? Number(values.count) : Infinity;
const warmupSeconds = Number(values.warmup);

async function phase(name, sdkClients, makeCommand, phaseSeconds = seconds) {
  const latencies = [];
  let errors = 0;
  let issued = 0;
  let firstError;
  const started = performance.now();
  const deadline = started + phaseSeconds * 1000;
  await Promise.all(sdkClients.map(async (client, worker) => {
    // Each worker claims the next request number until the count or the time runs out.
    while (issued < count && performance.now() < deadline) {
      const n = issued++;
      const t0 = performance.now();
      try {
        await client.send(makeCommand(worker, n));
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= `${error.name}: ${error.message}`;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  console.log(
    `${name.padEnd(24)} ${String(latencies.length).padStart(7)} ok ${String(errors).padStart(5)} errors ` +
    `${(latencies.length / elapsed).toFixed(1).padStart(9)} req/s   p50 ${pct(50).toFixed(2)} ms   p99 ${pct(99).toFixed(2)} ms   (${elapsed.toFixed(1)} s)`,
  );
  if (firstError) console.log(`  first error: ${firstError}`);
  return errors;
}

const server = await startServer({ name: 'bench' });
try {
  // Default retries, as a real client would have; the figures count only successful calls.
  const sdkClients = Array.from({ length: clients }, () => server.client({ maxAttempts: 3 }));
  await sdkClients[0].send(new ecs.CreateClusterCommand({ clusterName: 'bench' }));
  console.log(`actors gateway benchmark: ${clients} concurrent signed clients, ${Number.isFinite(count) ? `${count} requests` : `${seconds} s`} per phase`);

  const register = (worker, n) => new ecs.RegisterTaskDefinitionCommand({
    family: `bench-${worker}`,
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64, command: ['echo', String(n)] }],
  });
  const describe = () => new ecs.DescribeClustersCommand({ clusters: ['bench'] });
  if (warmupSeconds > 0) {
    await phase('(warm-up) Register...', sdkClients, (worker, n) => register(worker, -1 - n), warmupSeconds);
    await phase('(warm-up) Describe...', sdkClients, describe, warmupSeconds);
  }
  let errors = 0;
  errors += await phase('RegisterTaskDefinition', sdkClients, register);
  errors += await phase('DescribeClusters', sdkClients, describe);
  process.exitCode = errors > 0 ? 1 : 0;
} finally {
  await server.dispose();
}
