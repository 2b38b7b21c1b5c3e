// Starts real `actors serve` processes for the end-to-end tests and the benchmark,
// and hands out clients that talk to them exactly as an AWS user would.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, createWriteStream, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { ECSClient } from '@aws-sdk/client-ecs';
import { signRequest } from './sigv4.mjs';

// Re-exported so the benchmark (outside this package) resolves the same SDK copy.
export * as ecs from '@aws-sdk/client-ecs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

export const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';
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

const HEALTH_TIMEOUT_MS = 60_000;
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

/**
 * One `actors serve` node on a free port with its own temporary data directory.
 * Options: region, accountId (passed as flags when set), extraArgs, dataDir (reuse one), name (for logs).
 */
export async function startServer(options = {}) {
  const server = new ActorsServer(options);
  await server.start();
  return server;
}

export class ActorsServer {
  constructor({ region, accountId, extraArgs = [], dataDir, name } = {}) {
    this.name = name || `actors-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.region = region || DEFAULT_REGION;
    this.accountId = accountId || DEFAULT_ACCOUNT;
    this.flags = [
      ...(region ? ['--region', region] : []),
      ...(accountId ? ['--account-id', accountId] : []),
      ...extraArgs,
    ];
    this.ownsDataDir = !dataDir;
    this.dataDir = dataDir || mkdtempSync(join(tmpdir(), 'actors-e2e-'));
    this.credentials = generateCredentials();
    this.child = null;
    this.port = null;
    this.exit = null; // resolves with { code, signal } when the current process ends
    this.outputTail = '';
    this.starts = 0;
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
    const args = [actorsDll(), 'serve', '--no-agent', '--data-dir', this.dataDir, '--http', this.endpoint, ...this.flags];
    const env = {
      ...process.env,
      ACTORS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      ACTORS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
      DOTNET_NOLOGO: '1',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    };
    delete env.ASPNETCORE_URLS; // --http decides where it listens, nothing inherited
    this.outputTail = '';
    this.starts += 1;
    const child = spawn('dotnet', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    const pidFile = recordPid(child.pid);
    const log = openLog(`${this.name}.${this.starts}.log`);
    log?.write(`$ dotnet ${args.join(' ')}\n`);
    const keep = (chunk) => {
      log?.write(chunk);
      this.outputTail = (this.outputTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exit = new Promise((resolveExit) => {
      child.once('error', (error) => { keep(`spawn error: ${error.message}\n`); });
      child.once('close', (code, signal) => {
        running.delete(child);
        if (pidFile) rmSync(pidFile, { force: true });
        log?.end(`\n[exited code=${code} signal=${signal}]\n`);
        resolveExit({ code, signal });
      });
    });

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
        lastStatus = `HTTP ${res.status}`;
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch (error) {
        lastStatus = error.cause?.code || error.message;
      }
      await sleep(100);
    }
    await this.kill();
    throw new Error(`actors serve was not healthy within ${HEALTH_TIMEOUT_MS / 1000}s (last /healthz: ${lastStatus}); its output:\n${this.outputTail}`);
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

  async kill() {
    if (!this.child) return null;
    this.child.kill('SIGKILL');
    const result = await this.exit;
    this.child = null;
    return result;
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
   * Options: body (string or object), sign (false for none), credentials, date, region, headers, contentType.
   * Returns { status, headers, text, json }.
   */
  async rawCall(action, { body = {}, sign = true, credentials = this.credentials, date, region = this.region, headers = {}, contentType = 'application/x-amz-json-1.1' } = {}) {
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const url = `${this.endpoint}/`;
    let requestHeaders = { 'content-type': contentType, ...(action ? { 'x-amz-target': `${TARGET_PREFIX}.${action}` } : {}), ...headers };
    if (sign) requestHeaders = signRequest({ url, headers: requestHeaders, body: payload, region, date, ...credentials });
    delete requestHeaders.host; // fetch sets it, and refuses it as a header
    const res = await fetch(url, { method: 'POST', headers: requestHeaders, body: payload });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
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
