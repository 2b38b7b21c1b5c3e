// A journal that cannot be read makes the node say so: /healthz answers 503 with the reason, requests that need the
// journal fail at once with a ServerException that names it, and a node started on a database that is not one exits at
// once with one line. A journal slow to initialize is waited for, not called broken. The data directory is private to
// the node's user.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { ActorsServer, actorsDll, eventually, failureLines, freePort, generateCredentials, sleep, startServer } from './harness.mjs';

describe('journal health', { timeout: 120_000 }, () => {
  it('keeps the data directory 0700 and its databases and generated keys 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'actors-e2e-modes-'));
    const dataDir = join(parent, 'data'); // created by the server itself
    // No ACTORS_ACCESS_KEY_ID: the server generates credentials.json.
    const server = await startServer({ dataDir, env: { ACTORS_ACCESS_KEY_ID: '', ACTORS_SECRET_ACCESS_KEY: '' } });
    try {
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      const files = readdirSync(dataDir).filter((f) => /^(journal|sharding)\.db(-wal|-shm)?$|^credentials\.json$/.test(f)).sort();
      assert.deepEqual(files, ['credentials.json', 'journal.db', 'journal.db-shm', 'journal.db-wal',
        'sharding.db', 'sharding.db-shm', 'sharding.db-wal']);
      for (const file of files) assert.equal((statSync(join(dataDir, file)).mode & 0o777).toString(8), '600', file);
    } finally {
      await server.dispose();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('answers 503 with the reason once journal.db is truncated under the running node', async () => {
    const server = await startServer({ name: 'journal-truncated' });
    try {
      await server.client().send(new CreateClusterCommand({ clusterName: 'before-damage' }));
      truncateSync(join(server.dataDir, 'journal.db'), 0);
      const answer = await eventually('/healthz answers 503', async () => {
        const res = await fetch(`${server.endpoint}/healthz`);
        const text = await res.text();
        return res.status === 503 ? text : undefined;
      }, { timeoutMs: 20_000 });
      assert.match(answer, /unhealthy: the journal database cannot be read: .+/);
      // One log format for the process: Akka's lines come through the same console logger as the gateway's.
      const lines = server.outputTail.split('\n').filter((line) => /^\S/.test(line));
      assert.ok(lines.some((line) => / info: Akka\S*\[0\] /.test(line)), server.outputTail.slice(0, 2_000));
      for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit): /);
      assert.match(server.outputTail, /fail: Actors\.Hosting\.Gateway\.JournalProbe\[0\] The journal cannot be read: /);
    } finally {
      await server.dispose();
    }
  });

  it('answers requests that need a journal damaged under the running node at once, with a ServerException that names the journal', async () => {
    const server = await startServer({ name: 'journal-garbled' });
    try {
      // Enough events that the journal's tables span many pages, most of them in the WAL.
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => server.rawCall('CreateCluster', { body: { clusterName: `before-${batch}-${i}` } })));
      }
      for (const file of ['journal.db', 'journal.db-wal']) {
        const path = join(server.dataDir, file);
        const size = statSync(path).size;
        const fd = openSync(path, 'r+');
        writeSync(fd, randomBytes(size), 0, size, 0);
        closeSync(fd);
      }

      const timed = async (action, body) => {
        const started = Date.now();
        const res = await server.rawCall(action, { body, signal: AbortSignal.timeout(60_000) });
        return { res, ms: Date.now() - started };
      };
      const journalFault = (consequence) => new RegExp(
        `^The journal cannot be read, so ${consequence} \\(.+\\)\\. This is a fault of the server, not of the request\\.$`);

      // Which request meets the damage first depends on what SQLite still holds in its caches: listings read the whole
      // journal, a new cluster's entity reads it to start and then writes to it. Every request answers at once, and every
      // failure says it is the journal's and whether a change may have been stored.
      const faults = [
        journalFault('the cluster entities cannot be listed'),
        journalFault('cluster\\|after-\\d+ cannot be loaded'),
        /^The journal failed while recording the change \(.+\); it may or may not have been stored: describe the resource before retrying\.$/,
      ];
      let failed = 0;
      for (let i = 0; i < 20 && failed === 0; i++) {
        const [action, body] = i % 2 === 0 ? ['ListClusters', {}] : ['CreateCluster', { clusterName: `after-${i}` }];
        const { res, ms } = await timed(action, body);
        assert.ok(ms < 5_000, `${action} answered after ${ms} ms: ${res.status} ${res.text}`);
        if (res.status === 200) continue;
        failed += 1;
        assert.equal(res.status, 500, res.text);
        assert.equal(res.json.__type, 'ServerException');
        assert.ok(faults.some((fault) => fault.test(res.json.message)), `${action}: ${res.json.message}`);
      }
      assert.ok(failed > 0, 'no request met the damaged journal');

      // The failure met makes the node unhealthy at once, even where its periodic read is still answered from cached pages.
      const health = await eventually('/healthz answers 503', async () => {
        const res = await fetch(`${server.endpoint}/healthz`);
        const text = await res.text();
        return res.status === 503 ? text : undefined;
      }, { timeoutMs: 5_000, intervalMs: 100 });
      assert.match(health, /^unhealthy: (a (read of|write to) the journal failed \(.+\) \d+ s ago|the journal .+)$/m);
    } finally {
      await server.dispose();
    }
  });

  it('waits for a journal that is slow to initialize: starting, not unhealthy; a request sent meanwhile is answered; nothing logged as failed', async () => {
    // Longer than a read's 5 s: the node used to call its journal unhealthy then, and its gateway failed every request
    // for good once its first one had met the journal still initializing (CI: nodes started together on two busy cores).
    const HOLD_MS = 8_000;
    const parent = mkdtempSync(join(tmpdir(), 'actors-e2e-slow-journal-'));
    const dataDir = join(parent, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    // Another writer holds journal.db (in WAL mode, as the node leaves it) until its stdin closes: the journal cannot
    // create its tables, so it stays initializing, exactly as a journal does while its database is slow to answer.
    const holder = spawn('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()
db.execute("COMMIT")
`, join(dataDir, 'journal.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const server = new ActorsServer({ dataDir, name: 'journal-slow', keepOutput: true });
    try {
      const [held] = await once(holder.stdout, 'data');
      assert.equal(String(held).trim(), 'held');
      const started = server.start();
      const starting = await eventually('/healthz to say the journal is not read yet', async () => {
        const res = await fetch(`${server.endpoint}/healthz`).catch(() => null);
        const text = res ? await res.text() : '';
        return res?.status === 503 && /journal/.test(text) ? text : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      assert.match(starting, /^starting \(the journal has not been read yet\)$/m);
      const request = server.rawCall('CreateCluster', { body: { clusterName: 'waited-for' }, signal: AbortSignal.timeout(60_000) })
        .then((answer) => ({ ...answer, at: Date.now() }));
      await sleep(HOLD_MS);
      const health = await fetch(`${server.endpoint}/healthz`);
      assert.deepEqual([health.status, (await health.text()).trim()], [503, 'starting (the journal has not been read yet)']);
      const releasedAt = Date.now();
      holder.stdin.end();
      await once(holder, 'exit');

      const answer = await request;
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.cluster.status, 'ACTIVE');
      assert.ok(answer.at >= releasedAt, `the request was answered ${releasedAt - answer.at} ms before the journal was released`);
      await started;
      assert.equal((await server.rawCall('ListClusters', { body: {} })).json.clusterArns.length, 1);
      assert.deepEqual(failureLines(server.output), [], 'a journal slow to start is no failure');
    } finally {
      holder.kill();
      await server.dispose();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('exits at once with one line on stderr when started on a journal.db that is not a database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'actors-e2e-garbage-'));
    writeFileSync(join(dataDir, 'journal.db'), randomBytes(16_384));
    const credentials = generateCredentials();
    const port = await freePort();
    try {
      const started = Date.now();
      const child = spawn('dotnet', [actorsDll(), 'serve', '--no-agent', '--data-dir', dataDir, '--http', `http://127.0.0.1:${port}`], {
        env: { ...process.env, ACTORS_ACCESS_KEY_ID: credentials.accessKeyId, ACTORS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise((resolve) => child.once('close', resolve));
      clearTimeout(killer);
      assert.notEqual(code, 0, `exit code; stdout:\n${stdout}`);
      assert.ok(code !== null, 'killed after 20 s instead of exiting by itself');
      assert.ok(Date.now() - started < 15_000, 'took more than 15 s to give up');
      const lines = stderr.split('\n').filter((line) => line.trim() !== '');
      assert.equal(lines.length, 1, `stderr:\n${stderr}`);
      assert.match(lines[0], /journal\.db is not a usable SQLite database \(.*not a database.*\)/);
      assert.doesNotMatch(stderr, /\bat \w+\./, 'no stack trace');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
