// Gateway throughput and latency: one `actors serve` node, N concurrent SDK clients (each its own
// connection pool, each request SigV4-signed), first RegisterTaskDefinition then DescribeClusters.
// Prints figures; it is not a test. Uses tests/EndToEnd's node_modules (run `npm ci` there first).
//
//   node bench/gateway.mjs [--clients 32] [--seconds 20] [--count N]
//
// --count N stops a phase after N requests in all; otherwise each phase runs for --seconds.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startServer, ecs } from '../tests/EndToEnd/harness.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '20' },
    count: { type: 'string' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const count = values.count ? Number(values.count) : Infinity;

async function phase(name, sdkClients, makeCommand) {
  const latencies = [];
  let errors = 0;
  let issued = 0;
  let firstError;
  const started = performance.now();
  const deadline = started + seconds * 1000;
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

  let errors = 0;
  errors += await phase('RegisterTaskDefinition', sdkClients, (worker, n) => new ecs.RegisterTaskDefinitionCommand({
    family: `bench-${worker}`,
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64, command: ['echo', String(n)] }],
  }));
  errors += await phase('DescribeClusters', sdkClients, () => new ecs.DescribeClustersCommand({ clusters: ['bench'] }));
  process.exitCode = errors > 0 ? 1 : 0;
} finally {
  await server.dispose();
}
