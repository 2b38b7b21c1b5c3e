// Starts real `actors serve` processes for the end-to-end tests and the benchmark,
// and hands out clients that talk to them exactly as an AWS user would.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, createWriteStream, writeFileSync, readFileSync, rmSync, mkdtempSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import {
  ECSClient, ListContainerInstancesCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTasksCommand,
  waitUntilServicesStable, waitUntilTasksRunning, waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { signRequest } from './sigv4.mjs';

// Re-exported so the benchmark (outside this package) resolves the same SDK copy.
export * as ecs from '@aws-sdk/client-ecs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

export const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';
/** The agents' own action: agent keys only, and only for the instances the key registered. */
export const AGENT_SYNC_TARGET = 'ActorsAgentV20261124.Sync';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT = '000000000000';

/** The actors.dll to run: env ACTORS_DLL, else the Release build output. */
export function actorsDll() {
  const dll = process.env.ACTORS_DLL || join(repoRoot, 'src/Hosting/bin/Release/net10.0/actors.dll');
  if (!existsSync(dll)) {
    throw new Error(`actors.dll not found at ${dll}: build with 'dotnet build Actors.sln -c Release' or set ACTORS_DLL`);
  }
  return dll;
}

// Patient: a node starting beside other test servers on a loaded 2-core machine can take over a minute to answer 200.
const HEALTH_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 16_000;

// Every server process this test file started and has not yet seen exit: killed when the file ends,
// however it ends, so a failing test never leaves a server holding a port.
const running = new Set();
function killLeftovers() {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killLeftovers);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { killLeftovers(); process.exit(128 + (signal === 'SIGINT' ? 2 : 15)); });
}

/** A TCP port free right now on 127.0.0.1 (the server may still lose a race for it: start() retries). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Random credentials shaped like AWS's, so each server accepts only its own test's clients. */
export function generateCredentials() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/** A user key pair as `actors serve` reads it from its environment. */
function credentialEnv(credentials) {
  return { ACTORS_ACCESS_KEY_ID: credentials.accessKeyId, ACTORS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
}

/** An agent key pair as `actors agent` reads it from its environment, and as `actors serve` learns it. */
function agentCredentialEnv(credentials) {
  return { ACTORS_AGENT_ACCESS_KEY_ID: credentials.accessKeyId, ACTORS_AGENT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
}

/**
 * What servers and agents share: one `dotnet actors.dll ...` child at a time, its output kept (tail in memory,
 * whole in ACTORS_E2E_LOG_DIR), its pid recorded, and stop/kill that wait for the exit.
 */
export class ActorsProcess {
  /**
   * keepOutput: also keep the whole output of the current process in `output` (for tests that read every line).
   * runAs: { uid, gid } to run the process as another user (tests that tell its packets apart with iptables' owner match).
   */
  constructor({ keepOutput = false, runAs = null } = {}) {
    this.runAs = runAs;
    this.child = null;
    this.exit = null; // resolves with { code, signal } when the current process ends
    this.exited = null; // the current process's { code, signal } once it ended on its own or was stopped
    this.outputTail = '';
    this.keepOutput = keepOutput;
    this.output = '';
    this.starts = 0;
  }

  get running() {
    return this.child !== null && this.exited === null;
  }

  /** Spawns `dotnet actors.dll <args>` with the test process's environment plus `extraEnv`. */
  spawnActors(args, extraEnv) {
    const fullArgs = [actorsDll(), ...args];
    const env = {
      ...process.env,
      ...extraEnv,
      DOTNET_NOLOGO: '1',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    };
    delete env.ASPNETCORE_URLS; // --http decides where a server listens, nothing inherited
    this.outputTail = '';
    this.output = '';
    this.exited = null;
    this.starts += 1;
    if (this.runAs) Object.assign(env, { HOME: tmpdir(), DOTNET_CLI_HOME: tmpdir() }); // another user cannot write root's home
    const child = spawn('dotnet', fullArgs, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(this.runAs ?? {}) });
    this.child = child;
    running.add(child);
    const pidFile = recordPid(child.pid);
    const log = openLog(`${this.name}.${this.starts}.log`);
    log?.write(`$ dotnet ${fullArgs.join(' ')}\n`);
    const keep = (chunk) => {
      log?.write(chunk);
      this.outputTail = (this.outputTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
      if (this.keepOutput) this.output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exit = new Promise((resolveExit) => {
      child.once('error', (error) => { keep(`spawn error: ${error.message}\n`); });
      child.once('close', (code, signal) => {
        running.delete(child);
        if (pidFile) rmSync(pidFile, { force: true });
        log?.end(`\n[exited code=${code} signal=${signal}]\n`);
        this.exited = { code, signal };
        resolveExit({ code, signal });
      });
    });
    return child;
  }

  /** SIGTERM, then wait for the process to end (SIGKILL after 30 s). Returns { code, signal }. */
  async stop() {
    if (!this.child) return null;
    const child = this.child;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const result = await this.exit;
    clearTimeout(timer);
    this.child = null;
    return result;
  }

  /** SIGKILL: the process gets no chance to clean up (a crash, as far as it is concerned). */
  async kill() {
    if (!this.child) return null;
    this.child.kill('SIGKILL');
    const result = await this.exit;
    this.child = null;
    return result;
  }
}

/**
 * One `actors serve` node on a free port with its own temporary data directory.
 * Options: region, accountId (passed as flags when set), extraArgs, dataDir (reuse one), name (for logs),
 * localAgent (true: run the local agent against this host's Docker engine instead of --no-agent),
 * cluster (the local agent's --cluster), env (extra environment, e.g. ACTORS__* configuration keys), keepOutput.
 */
export async function startServer(options = {}) {
  const server = new ActorsServer(options);
  await server.start();
  return server;
}

export class ActorsServer extends ActorsProcess {
  constructor({ region, accountId, extraArgs = [], dataDir, name, localAgent = false, cluster, env = {}, keepOutput, credentials, agentCredentials, runAs } = {}) {
    super({ keepOutput, runAs });
    this.name = name || `actors-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.region = region || DEFAULT_REGION;
    this.accountId = accountId || DEFAULT_ACCOUNT;
    this.localAgent = localAgent;
    this.cluster = cluster;
    this.extraEnv = env;
    this.flags = [
      ...(localAgent && cluster ? ['--cluster', cluster] : []),
      ...(region ? ['--region', region] : []),
      ...(accountId ? ['--account-id', accountId] : []),
      ...extraArgs,
    ];
    this.ownsDataDir = !dataDir;
    this.dataDir = dataDir || mkdtempSync(join(tmpdir(), 'actors-e2e-'));
    if (runAs) chownSync(this.dataDir, runAs.uid, runAs.gid);
    this.credentials = credentials ?? generateCredentials(); // a user key: ECS's API (the nodes of one cluster share theirs)
    this.agentCredentials = agentCredentials ?? generateCredentials(); // an agent key, for the `actors agent` processes started against it
    this.port = null;
  }

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits for GET /healthz to answer 200; keeps the port across restarts when it can. */
  async start() {
    assert.equal(this.child, null, 'server already running');
    let lastError;
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (this.port === null || attempt > 1) this.port = await freePort();
      try {
        await this.#spawnAndWait();
        return this;
      } catch (error) {
        lastError = error;
        // Only a lost race for the port is worth another try; anything else is the server's fault.
        if (!/address already in use|EADDRINUSE|Failed to bind/i.test(this.outputTail)) throw error;
      }
    }
    throw lastError;
  }

  async #spawnAndWait() {
    const args = ['serve', ...(this.localAgent ? [] : ['--no-agent']), '--data-dir', this.dataDir, '--http', this.endpoint, ...this.flags];
    this.spawnActors(args, { ...credentialEnv(this.credentials), ...agentCredentialEnv(this.agentCredentials), ...this.extraEnv });

    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let exited = null;
    this.exit.then((e) => { exited = e; });
    let lastStatus = 'no answer';
    while (Date.now() < deadline) {
      if (exited) {
        this.child = null;
        throw new Error(`actors serve exited before it was healthy (code=${exited.code} signal=${exited.signal}); its output:\n${this.outputTail}`);
      }
      try {
        const res = await fetch(`${this.endpoint}/healthz`, { signal: AbortSignal.timeout(2_000) });
        // The reason a node gives for not being ready is in the body.
        lastStatus = `HTTP ${res.status} ${(await res.text()).trim()}`;
        if (res.status === 200) return;
      } catch (error) {
        lastStatus = error.cause?.code || error.message;
      }
      await sleep(100);
    }
    await this.kill();
    throw new Error(`actors serve was not healthy within ${HEALTH_TIMEOUT_MS / 1000}s (last /healthz: ${lastStatus}); its output:\n${this.outputTail}`);
  }

  /** Graceful stop and start again on the same data directory. Returns the stop's { code, signal }. */
  async restart() {
    const stopped = await this.stop();
    await this.start();
    return stopped;
  }

  /** Stops the process and removes its data directory (kept when ACTORS_E2E_KEEP_DATA is set). */
  async dispose() {
    await this.stop();
    if (this.ownsDataDir && !process.env.ACTORS_E2E_KEEP_DATA) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** An ECS client for this server. No retries by default: a test must see the first answer. */
  client(overrides = {}) {
    return new ECSClient({
      endpoint: this.endpoint,
      region: this.region,
      credentials: this.credentials,
      maxAttempts: 1,
      ...overrides,
    });
  }

  /** `arn:aws:ecs:<region>:<account>:<resource>` for this server. */
  arn(resource) {
    return `arn:aws:ecs:${this.region}:${this.accountId}:${resource}`;
  }

  /**
   * A raw POST / to the gateway, signed with this server's credentials unless told otherwise.
   * Options: body (string or object), sign (false for none), credentials, date, region, headers, contentType, signal (to abort).
   * Returns { status, headers, text, json }.
   */
  async rawCall(action, { body = {}, sign = true, credentials = this.credentials, date, region = this.region, headers = {}, contentType = 'application/x-amz-json-1.1', signal } = {}) {
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const url = `${this.endpoint}/`;
    let requestHeaders = { 'content-type': contentType, ...(action ? { 'x-amz-target': `${TARGET_PREFIX}.${action}` } : {}), ...headers };
    if (sign) requestHeaders = signRequest({ url, headers: requestHeaders, body: payload, region, date, ...credentials });
    delete requestHeaders.host; // fetch sets it, and refuses it as a header
    const res = await fetch(url, { method: 'POST', headers: requestHeaders, body: payload, signal });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** A raw agent sync (ActorsAgentV20261124.Sync), signed with this server's agent key unless told otherwise; as rawCall. */
  agentSync(body, { credentials = this.agentCredentials, ...options } = {}) {
    return this.rawCall(null, { ...options, body, credentials, headers: { 'x-amz-target': AGENT_SYNC_TARGET, ...options.headers } });
  }
}

/**
 * One `actors agent` process against a gateway. It has no health endpoint: wait for its instances with
 * waitForConnectedInstances(). Options: endpoint (URL, or several comma-separated), credentials (an agent key pair
 * the gateway knows), server (shorthand for both), cluster, dataDir (reuse one; where it remembers its instance),
 * hollow (N simulated hosts), env (extra environment, e.g. ACTORS__AGENT__HOLLOW__MEMORYMIB), name (for logs), keepOutput.
 */
export async function startAgent(options = {}) {
  const agent = new ActorsAgent(options);
  await agent.start();
  return agent;
}

export class ActorsAgent extends ActorsProcess {
  constructor({ server, endpoint, credentials, cluster = 'default', dataDir, hollow, env = {}, name, keepOutput } = {}) {
    super({ keepOutput });
    this.endpoint = endpoint ?? server?.endpoint;
    this.credentials = credentials ?? server?.agentCredentials;
    assert.ok(this.endpoint, 'startAgent needs an endpoint (or a server)');
    assert.ok(this.credentials, 'startAgent needs credentials (or a server)');
    this.name = name || `agent-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.cluster = cluster;
    this.hollow = hollow;
    this.extraEnv = env;
    this.ownsDataDir = !dataDir;
    this.dataDir = dataDir || mkdtempSync(join(tmpdir(), 'actors-e2e-agent-'));
  }

  /** Spawns the agent; fails only if it exits within its first second (bad flags, missing credentials). */
  async start() {
    assert.equal(this.child, null, 'agent already running');
    const args = ['agent', '--endpoint', this.endpoint, '--cluster', this.cluster, '--data-dir', this.dataDir,
      ...(this.hollow ? ['--hollow', String(this.hollow)] : [])];
    this.spawnActors(args, { ...agentCredentialEnv(this.credentials), ...this.extraEnv });
    await Promise.race([this.exit, sleep(1_000)]);
    if (this.exited) {
      this.child = null;
      throw new Error(`actors agent exited at once (code=${this.exited.code} signal=${this.exited.signal}); its output:\n${this.outputTail}`);
    }
    return this;
  }

  async restart() {
    const stopped = await this.stop();
    await this.start();
    return stopped;
  }

  async dispose() {
    await this.stop();
    if (this.ownsDataDir && !process.env.ACTORS_E2E_KEEP_DATA) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Polls until `cluster` has exactly `count` ACTIVE container instances whose agents are connected (more is an
 * error: an agent that registered twice). Returns their descriptions sorted by ARN. `agents` are checked for an
 * early exit so a crashed agent fails the wait at once, with its output.
 */
export async function waitForConnectedInstances(client, cluster, count, { agents = [], timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  while (Date.now() < deadline) {
    for (const agent of agents) {
      if (agent.exited) throw new Error(`agent ${agent.name} exited (code=${agent.exited.code} signal=${agent.exited.signal}); its output:\n${agent.outputTail}`);
    }
    try {
      const arns = await listAll(client, ListContainerInstancesCommand, { cluster, status: 'ACTIVE' }, 'containerInstanceArns');
      const described = [];
      for (let i = 0; i < arns.length; i += 100) {
        const page = await client.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + 100) }));
        described.push(...page.containerInstances);
      }
      const connected = described.filter((c) => c.agentConnected);
      seen = `${arns.length} ACTIVE, ${connected.length} connected`;
      if (arns.length > count) throw new Error(`cluster ${cluster} has ${arns.length} ACTIVE instances, expected ${count}`);
      if (connected.length === count) return described.sort((a, b) => (a.containerInstanceArn < b.containerInstanceArn ? -1 : 1));
    } catch (error) {
      if (/expected \d+$/.test(error.message)) throw error;
      seen = `${error.name}: ${error.message}`; // cluster not created yet, server restarting, ...
    }
    await sleep(count > 100 ? 1_000 : 250);
  }
  const tails = agents.map((a) => `--- ${a.name}:\n${a.outputTail.slice(-4_000)}`).join('\n');
  throw new Error(`cluster ${cluster} did not get ${count} connected instances within ${timeoutMs / 1000}s (last: ${seen})\n${tails}`);
}

/** Every item of a paginated list action (nextToken), e.g. listAll(ecs, ListTasksCommand, { cluster }, 'taskArns'). */
export async function listAll(client, Command, input, field, { maxPages = 1_000 } = {}) {
  const items = [];
  let nextToken;
  for (let page = 0; page < maxPages; page++) {
    const answer = await client.send(new Command({ ...input, nextToken }));
    items.push(...(answer[field] ?? []));
    nextToken = answer.nextToken;
    if (!nextToken) return items;
  }
  throw new Error(`${Command.name} still had pages after ${maxPages}`);
}

/** DescribeTasks for a few ARNs (at most 100), in the order given; asserts none is missing. */
export async function describeTasks(client, cluster, taskArns, { include } = {}) {
  const answer = await client.send(new DescribeTasksCommand({ cluster, tasks: taskArns, include }));
  assert.deepEqual(answer.failures, [], `DescribeTasks failures: ${JSON.stringify(answer.failures)}`);
  const byArn = new Map(answer.tasks.map((t) => [t.taskArn, t]));
  return taskArns.map((arn) => {
    assert.ok(byArn.has(arn), `DescribeTasks did not answer ${arn}`);
    return byArn.get(arn);
  });
}

/** A task as one line for assertion messages: status, stop code and reason, containers' status/exit/reason. */
export function taskSummary(task) {
  const containers = (task.containers ?? []).map((c) => `${c.name}:${c.lastStatus}${c.exitCode === undefined ? '' : `/exit ${c.exitCode}`}${c.reason ? ` (${c.reason})` : ''}`);
  return `${task.taskArn} last=${task.lastStatus} desired=${task.desiredStatus} stopCode=${task.stopCode ?? '-'} ` +
    `stoppedReason=${JSON.stringify(task.stoppedReason ?? null)} containers=[${containers.join(', ')}]`;
}

/**
 * The SDK's own TasksRunning waiter (so the test proves the waiter works against Actors), polled every 1-2 s
 * rather than ECS's 6 s; on failure the error names what the tasks look like.
 */
export async function waitTasksRunning(client, cluster, taskArns, { maxWaitTime = 60 } = {}) {
  return explainWaiter('TasksRunning', client, cluster, taskArns,
    waitUntilTasksRunning({ client, maxWaitTime, minDelay: 1, maxDelay: 2 }, { cluster, tasks: taskArns }));
}

/** The SDK's TasksStopped waiter, as waitTasksRunning. */
export async function waitTasksStopped(client, cluster, taskArns, { maxWaitTime = 60 } = {}) {
  return explainWaiter('TasksStopped', client, cluster, taskArns,
    waitUntilTasksStopped({ client, maxWaitTime, minDelay: 1, maxDelay: 2 }, { cluster, tasks: taskArns }));
}

/**
 * A service at a steady state: the SDK's ServicesStable waiter (one deployment, its tasks running), then that
 * deployment no longer IN_PROGRESS - COMPLETED once its tasks ran long enough to count healthy (or FAILED before).
 * Returns the service; on failure the error shows it (through `describe`).
 */
export async function waitServiceSteady(client, cluster, service, { maxWaitTime = 180, describe = JSON.stringify } = {}) {
  const current = async () => (await client.send(new DescribeServicesCommand({ cluster, services: [service] }))).services[0];
  try {
    await waitUntilServicesStable({ client, maxWaitTime, minDelay: 1, maxDelay: 2 }, { cluster, services: [service] });
    return await eventually(`${service}'s deployment to settle`, async () => {
      const now = await current();
      return now.deployments.length === 1 && now.deployments[0].rolloutState !== 'IN_PROGRESS' ? now : false;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  } catch (error) {
    const now = await current().then(describe, (e) => `(DescribeServices failed: ${e.message})`);
    throw new Error(`${service} did not reach a steady state (${error.name}: ${String(error.message).slice(0, 300)}); the service now: ${now}`);
  }
}

async function explainWaiter(name, client, cluster, taskArns, waiting) {
  try {
    return await waiting;
  } catch (error) {
    let now = '';
    try {
      const answer = await client.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 100) }));
      now = [...answer.tasks.map(taskSummary), ...answer.failures.map((f) => `${f.arn}: ${f.reason}`)].join('\n  ');
    } catch (describeError) {
      now = `(DescribeTasks failed: ${describeError.message})`;
    }
    throw new Error(`${name} waiter failed (${error.name}: ${String(error.message).slice(0, 300)}); the tasks now:\n  ${now}`);
  }
}

/** Log lines that say something failed: levels fail/crit, Akka's own [ERROR]/[WARNING] lines, or a stack trace. */
export function failureLines(output) {
  return output.split('\n').filter((line) =>
    /^\S+ (fail|crit): |\[(ERROR|WARNING)\]|^\s+at \S|\) in \/.*:line \d+|--- End of stack trace/.test(line));
}

/** Polls `probe` (async, returns a truthy value when done) every `intervalMs` until `timeoutMs`; returns that value. */
export async function eventually(what, probe, { timeoutMs = 30_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = `${error.name}: ${error.message}`;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s (last: ${typeof last === 'string' ? last : JSON.stringify(last)})`);
}

// ---------------------------------------------------------------- Docker

/** The image scripts/docker-setup makes: busybox-static, present locally (nothing can be pulled). */
export const TEST_IMAGE = 'actors-test/busybox:latest';

/** Runs the docker CLI (never a shell) and returns its stdout, trimmed; throws with stderr when it fails. */
export function docker(args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolveRun, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')} failed (${error.code ?? error.signal}): ${String(stderr).trim() || error.message}`));
      else resolveRun(String(stdout).trim());
    });
  });
}

/** Full ids of the containers (running or not) labelled with this task's ARN, as the agent labels them. */
export async function containersOfTask(taskArn) {
  const out = await docker(['ps', '-a', '--no-trunc', '--filter', `label=com.amazonaws.ecs.task-arn=${taskArn}`, '--format', '{{.ID}}']);
  return out ? out.split('\n') : [];
}

/** Removes whatever containers the given tasks left behind (cleanup only: the tests assert the agent's own removal). */
export async function removeContainersOfTasks(taskArns) {
  for (const arn of taskArns) {
    const ids = await containersOfTask(arn).catch(() => []);
    if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => {});
  }
}

/** GET /_ping on the engine's unix socket: true when it answers OK within 5 s. */
function dockerSocketAnswers(socketPath) {
  return new Promise((resolvePing) => {
    const req = httpRequest({ socketPath, path: '/_ping', method: 'GET', timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolvePing(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('timeout', () => { req.destroy(); resolvePing(false); });
    req.on('error', () => resolvePing(false));
    req.end();
  });
}

export function dockerSocketPath() {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/**
 * Why the Docker tests cannot run here (a string for describe's `skip`), or false when they can. Only a socket
 * that does not answer is a reason to skip; under scripts/test (ACTORS_E2E_REQUIRE_DOCKER=1, set once
 * scripts/docker-setup succeeded) even that is an error, so a broken engine fails the run instead of hiding.
 */
export async function dockerSkipReason() {
  const socket = dockerSocketPath();
  if (await dockerSocketAnswers(socket)) return false;
  const reason = `no Docker engine answers on ${socket} (run scripts/docker-setup)`;
  if (process.env.ACTORS_E2E_REQUIRE_DOCKER === '1') throw new Error(`${reason}, yet ACTORS_E2E_REQUIRE_DOCKER=1`);
  console.log(`# SKIPPING Docker tests: ${reason}`);
  return reason;
}

/** For one test: t.skip() with the reason and false when Docker is unavailable, else true. */
export async function requireDocker(t) {
  const reason = await dockerSkipReason();
  if (reason) { t.skip(reason); return false; }
  return true;
}

/** Asserts the test image exists locally (scripts/docker-setup makes it); a clear failure rather than a pull error. */
export async function assertTestImage() {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE]);
  } catch (error) {
    throw new Error(`the test image ${TEST_IMAGE} is missing: run scripts/docker-setup (${error.message})`);
  }
}

/**
 * Asserts that a promise rejects with the ECS error `name`, as the SDK surfaces it:
 * HTTP 400 (or the status(es) given), a message, and a request id. Returns the error for further checks.
 */
export async function expectEcsError(promise, name, { status = 400 } = {}) {
  let caught;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected ${name}, but the call succeeded`);
  assert.equal(caught.name, name, `expected ${name}, got ${caught.name}: ${caught.message}`);
  const statuses = [status].flat();
  assert.ok(statuses.includes(caught.$metadata?.httpStatusCode), `${name} should come with HTTP ${statuses.join(' or ')}, got ${caught.$metadata?.httpStatusCode}`);
  assert.ok(caught.$metadata?.requestId, `${name} should carry x-amzn-RequestId`);
  assert.equal(typeof caught.message, 'string');
  return caught;
}

/** Asserts the JSON 1.1 error shape: 4xx, {"__type","message"}, x-amzn-ErrorType equal, a request id. */
export function assertWireError(res, expectedTypes, { status = [400] } = {}) {
  const types = [expectedTypes].flat();
  assert.ok(status.includes(res.status), `HTTP ${status.join('/')} expected, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.ok(res.json && typeof res.json === 'object', `a JSON error body, got: ${res.text.slice(0, 300)}`);
  assert.ok(types.includes(res.json.__type), `__type ${types.join(' or ')} expected, got ${res.json.__type}`);
  assert.equal(typeof res.json.message, 'string');
  assert.equal(res.headers.get('x-amzn-errortype'), res.json.__type, 'x-amzn-ErrorType header equals __type');
  assert.ok(res.headers.get('x-amzn-requestid'), 'x-amzn-RequestId on every error');
}

/** Starts one server for the enclosing describe() and disposes of it afterwards. */
export function serverFor(hooks, options) {
  const holder = { server: null };
  hooks.before(async () => { holder.server = await startServer(options); });
  hooks.after(async () => { await holder.server?.dispose(); });
  return holder;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- PostgreSQL and multi-node clusters

/** The role scripts/postgres-setup creates; each test file makes databases of its own with it. */
const PG = {
  host: '127.0.0.1',
  port: process.env.PGPORT || '5432',
  user: process.env.ACTORS_PG_TEST_USER || 'actors_test',
  password: process.env.ACTORS_PG_TEST_PASSWORD || 'actors_test',
};

/** Runs one SQL statement with psql as the test role; resolves with the rows, each an array of column texts. */
export function psql(database, sql) {
  return new Promise((resolveRun, reject) => {
    execFile('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-tA', '-F', '\t', '-c', sql],
      { env: { ...process.env, PGPASSWORD: PG.password }, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`psql ${database}: ${String(stderr).trim() || error.message}`));
        else resolveRun(String(stdout).split('\n').filter((line) => line.length > 0).map((line) => line.split('\t')));
      });
  });
}

/**
 * A new, empty database for one test (the journal is created in it on first start), or a reason to skip when no
 * PostgreSQL answers (run scripts/postgres-setup); under ACTORS_E2E_REQUIRE_POSTGRES=1 that is an error instead.
 * Returns { name, connectionString, query(sql), drop() } or { skip }.
 */
export async function postgresDatabase(prefix) {
  try {
    await psql('postgres', 'select 1');
  } catch (error) {
    const reason = `no PostgreSQL answers for ${PG.user} on ${PG.host}:${PG.port} (run scripts/postgres-setup): ${error.message}`;
    if (process.env.ACTORS_E2E_REQUIRE_POSTGRES === '1') throw new Error(`${reason}, yet ACTORS_E2E_REQUIRE_POSTGRES=1`);
    return { skip: reason };
  }
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await psql('postgres', `create database ${name}`);
  return {
    name,
    connectionString: `Host=${PG.host};Port=${PG.port};Database=${name};Username=${PG.user};Password=${PG.password}`,
    query: (sql) => psql(name, sql),
    drop: () => psql('postgres', `drop database if exists ${name} with (force)`).catch(() => {}),
  };
}

/**
 * The journal's incarnations whose events are not one unbroken run of their entity's sequence numbers: rows of
 * [persistence id, incarnation, first, last, count]; none when no two incarnations of an entity ever wrote in turns. The
 * incarnation is the one each event's envelope names (the journal's writer_uuid column names the node's journal, which
 * an entity that moved away and back legitimately shows twice).
 */
export function interleavedIncarnations(database) {
  return database.query(`
    select persistence_id, incarnation, min(sequence_number), max(sequence_number), count(*) from (
      select persistence_id, sequence_number, convert_from(message, 'UTF8')::jsonb->>'incarnation' as incarnation from journal
      where manifest like 'chained.v2/%') chained
    where incarnation is not null
    group by persistence_id, incarnation having max(sequence_number) - min(sequence_number) + 1 <> count(*)`);
}

/**
 * A free port whose next one is free too: a node's cluster transport and its bootstrap endpoint. Taken below the
 * kernel's ephemeral range: a node restarted on its address must find both free again, and meanwhile any outgoing
 * connection (a journal's, a client's) may take an ephemeral port as its own - a rolling restart in a loaded run failed
 * so ("Failed to bind to address http://127.0.0.1:37824: address already in use").
 */
export async function freePortPair() {
  const [ephemeralLow] = (() => {
    try { return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number); } catch { return [32768]; }
  })();
  const low = 10000;
  const high = Math.max(low + 1000, ephemeralLow) - 2;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await portIsFree(port) && await portIsFree(port + 1)) return port;
  }
  throw new Error(`no two adjacent free ports found between ${low} and ${high}`);
}

function portIsFree(port) {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
}

/**
 * Several `actors serve` nodes on 127.0.0.1 forming one cluster over a shared PostgreSQL journal, started side by side
 * (a new cluster forms once every peer answers). `roles`: one entry per node, e.g. ['gateway,orchestrator', 'gateway'].
 * The nodes share one user key and one agent key; `runAs[i]` ({ uid, gid }) runs node i as another user. Returns the servers in the order of `roles`.
 */
export async function startCluster(database, { roles = ['gateway,orchestrator', 'gateway,orchestrator', 'gateway,orchestrator'], name = 'node', env = {}, runAs = [] } = {}) {
  const ports = [];
  for (let i = 0; i < roles.length; i++) ports.push(await freePortPair());
  const peers = ports.map((port) => `127.0.0.1:${port}`).join(',');
  const credentials = generateCredentials();
  const agentCredentials = generateCredentials();
  const servers = roles.map((nodeRoles, i) => new ActorsServer({
    name: `${name}${i + 1}-${process.pid}`,
    credentials,
    agentCredentials,
    env,
    extraArgs: ['--postgres', database.connectionString, '--node-address', `127.0.0.1:${ports[i]}`, '--peers', peers, '--roles', nodeRoles],
    runAs: runAs[i] ?? null,
  }));
  servers.forEach((server, i) => { server.nodeAddress = `127.0.0.1:${ports[i]}`; });
  try {
    await Promise.all(servers.map((server) => server.start()));
    // Answering HTTP is not yet being a member: wait until every node is Up and reachable.
    await eventually(`${servers.length} nodes Up in one cluster`, async () => {
      const { members } = await controlPlaneStatus(servers[0]);
      return members.length === servers.length && members.every((m) => m.status === 'Up' && m.reachable);
    }, { timeoutMs: 60_000, intervalMs: 250 });
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill()));
    throw error;
  }
  return servers;
}

/**
 * A gateway this test file did not start (a container's published port, say) with the same client(), rawCall() and
 * arn() as a started server's: nothing to start, stop or dispose.
 */
export function remoteGateway({ port, credentials, agentCredentials, name, region = DEFAULT_REGION, accountId = DEFAULT_ACCOUNT }) {
  return Object.assign(Object.create(ActorsServer.prototype), { port, credentials, agentCredentials, name, region, accountId });
}

/** The control plane's status as `actors cluster status --json` prints it (members, shards, the entities asked for). */
export async function controlPlaneStatus(server, entities = []) {
  const answer = await server.rawCall(null, {
    body: { entities },
    headers: { 'x-amz-target': 'ActorsControlPlaneV20261124.DescribeControlPlane' },
  });
  assert.equal(answer.status, 200, `DescribeControlPlane: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
  return answer.json;
}

// When scripts/test sets ACTORS_E2E_PID_DIR, each live server leaves <pid> there, so the script
// can end by id whatever a crashed test process left behind.
function recordPid(pid) {
  const dir = process.env.ACTORS_E2E_PID_DIR;
  if (!dir || !pid) return null;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(pid));
  writeFileSync(file, `${pid}\n`);
  return file;
}

// When ACTORS_E2E_LOG_DIR is set, each server's whole output goes to a file there (CI keeps them).
function openLog(fileName) {
  const dir = process.env.ACTORS_E2E_LOG_DIR;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  return createWriteStream(join(dir, fileName));
}
