// SIGTERM stops a node gracefully: it stops taking requests, answers every one under way (a long poll at once), leaves
// the Akka cluster and exits 0 within 5 s, logging no failure. An agent stopped with SIGTERM ends its long polls
// without the gateway calling that a failure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { AGENT_SYNC_TARGET, dockerSkipReason, failureLines, sleep, startAgent, startServer, waitForConnectedInstances } from './harness.mjs';
import { instanceRegistration } from './fixtures.mjs';

const EXIT_WITHIN_MS = 5_000;
// Every request must be over (answered, refused or closed) this soon after it was sent: far below any 30 s timeout.
const ANSWER_WITHIN_MS = 5_000;
const WORKERS = 8;

/** A connection the server refused or closed: what a client of a node that has gone away may see instead of an answer. */
function isConnectionEnd(error) {
  const code = error?.cause?.code ?? error?.code;
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code);
}

/** Sends `send()` in a loop until `until()` is true, recording each request's start, end and outcome. */
async function keepSending(send, until, record) {
  for (let n = 0; !until(); n++) {
    const entry = { started: Date.now(), ended: null, outcome: null };
    record.push(entry);
    try {
      const res = await send(n, AbortSignal.timeout(ANSWER_WITHIN_MS * 4));
      entry.outcome = res.status === 200 ? 'answered' : `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
    } catch (error) {
      entry.outcome = isConnectionEnd(error) ? 'connection ended' : `${error.name}: ${error.message} (${error.cause?.code ?? ''})`;
    }
    entry.ended = Date.now();
    // After a refusal there is no node to hammer: a short pause keeps the loop from spinning until the test ends it.
    if (entry.outcome === 'connection ended') await sleep(20);
  }
}

const skip = await dockerSkipReason();

describe('graceful shutdown', { timeout: 180_000 }, () => {
  it('answers or refuses every request under load, ends a held long poll at once, leaves the cluster and exits 0 within 5 s', { skip }, async (t) => {
    const server = await startServer({ name: 'shutdown', localAgent: true, keepOutput: true });
    try {
      const ecs = server.client();
      // The test stands in for a second agent, whose long poll is held when SIGTERM arrives.
      await ecs.send(new CreateClusterCommand({ clusterName: 'shutdown-poll' }));
      const registered = await server.rawCall('RegisterContainerInstance',
        { body: instanceRegistration('shutdown-poll'), credentials: server.agentCredentials });
      assert.equal(registered.status, 200, registered.text);
      const containerInstanceArn = registered.json.containerInstance.containerInstanceArn;
      const sync = (knownDesiredVersion, waitSeconds, signal) => server.agentSync(
        { cluster: 'shutdown-poll', containerInstanceArn, knownDesiredVersion, tasks: [], waitSeconds }, { signal });
      const first = await sync(-1, 0);
      assert.equal(first.status, 200, first.text);
      const known = first.json.desiredVersion;

      let exited = false;
      const requests = [];
      const load = Array.from({ length: WORKERS }, (_, worker) => keepSending((n, signal) => {
        switch (n % 3) {
          case 0: return server.rawCall('CreateCluster', { body: { clusterName: `shutdown-${worker}-${n}` }, signal });
          case 1: return server.rawCall('DescribeClusters', { body: { clusters: [`shutdown-${worker}-${n - 1}`, 'default'] }, signal });
          default: return server.rawCall('ListClusters', { body: { maxResults: 100 }, signal });
        }
      }, () => exited, requests));

      const pollStarted = Date.now();
      const poll = sync(known, 20, AbortSignal.timeout(30_000)).then(
        (res) => ({ res, ended: Date.now() }),
        (error) => ({ error, ended: Date.now() }));
      await sleep(1_500);
      const heldBeforeSignal = await Promise.race([poll.then(() => false), sleep(0).then(() => true)]);
      assert.ok(heldBeforeSignal, 'the long poll was answered before the signal: nothing new was expected for 20 s');

      const signalled = Date.now();
      const inFlightAtSignal = requests.filter((r) => r.ended === null).length;
      server.child.kill('SIGTERM');
      const { code, signal } = await Promise.race([server.exit, sleep(30_000).then(() => ({ code: 'still running after 30 s' }))]);
      const exitedAfter = Date.now() - signalled;
      exited = true;
      await Promise.all(load);

      assert.equal(code, 0, `exit code (signal ${signal}); output:\n${server.outputTail}`);
      assert.ok(exitedAfter < EXIT_WITHIN_MS, `exited ${exitedAfter} ms after SIGTERM; output:\n${server.outputTail}`);

      const polled = await poll;
      assert.ok(polled.res, `the long poll failed: ${polled.error}`);
      assert.equal(polled.res.status, 200, polled.res.text);
      assert.equal(polled.res.json.desiredVersion, known);
      assert.ok(polled.ended - signalled < 2_000, `the long poll was answered ${polled.ended - signalled} ms after SIGTERM`);
      assert.ok(polled.ended - pollStarted < 10_000, 'the long poll waited as if nothing had happened');

      const afterSignal = requests.filter((r) => r.ended >= signalled);
      const slow = requests.filter((r) => r.ended - r.started >= ANSWER_WITHIN_MS);
      const wrong = requests.filter((r) => r.outcome !== 'answered' && r.outcome !== 'connection ended');
      const summary = `${requests.length} requests, ${inFlightAtSignal} in flight at SIGTERM, ${afterSignal.length} ended after it ` +
        `(${afterSignal.filter((r) => r.outcome === 'answered').length} answered); exit ${exitedAfter} ms after SIGTERM, ` +
        `long poll answered after ${polled.ended - signalled} ms`;
      t.diagnostic(summary);
      assert.ok(inFlightAtSignal + afterSignal.length > 0, `no request met the shutdown: ${summary}`);
      assert.deepEqual(slow.map((r) => `${r.ended - r.started} ms: ${r.outcome}`), [], `requests that hung (${summary})`);
      assert.deepEqual(wrong.map((r) => r.outcome), [], `requests that failed (${summary})`);

      assert.match(server.output, /Marked address \[\S+\] as \[Leaving\]/, 'the node left the Akka cluster');
      assert.match(server.output, /Exiting completed/, 'the node left the Akka cluster');
      assert.deepEqual(failureLines(server.output), [], 'the log of a graceful stop has no failures');
    } finally {
      await server.dispose();
    }
  });

  it('stops hollow agents at once: their long polls end without a failure on either side', async (t) => {
    const server = await startServer({ name: 'shutdown-gateway', keepOutput: true });
    try {
      const agent = await startAgent({ server, cluster: 'shutdown-hollow', hollow: 5, name: 'shutdown-hollow', keepOutput: true });
      await waitForConnectedInstances(server.client(), 'shutdown-hollow', 5, { agents: [agent] });
      await sleep(1_000); // every agent is now in a long poll (10 s each)

      const signalled = Date.now();
      agent.child.kill('SIGTERM');
      const { code } = await Promise.race([agent.exit, sleep(30_000).then(() => ({ code: 'still running after 30 s' }))]);
      const exitedAfter = Date.now() - signalled;
      t.diagnostic(`the agent exited ${exitedAfter} ms after SIGTERM`);
      await agent.dispose();
      assert.equal(code, 0, agent.outputTail);
      assert.ok(exitedAfter < 3_000, `the agent exited ${exitedAfter} ms after SIGTERM`);
      assert.deepEqual(failureLines(agent.output), [], 'the agent logs no failure when it stops');
      assert.doesNotMatch(agent.output, /warn: /, 'the agent warns of nothing when it stops');

      // An agent may also give up in the middle of sending its sync: the gateway meets the end of the body, not a failure.
      const socket = connect(server.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/x-amz-json-1.1\r\n` +
        `X-Amz-Target: ${AGENT_SYNC_TARGET}\r\nContent-Length: 4096\r\n\r\n{"cluster":"shutdown-hollow",`);
      await sleep(200);
      socket.destroy();

      await sleep(500); // the gateway has seen every poll end
      assert.deepEqual(failureLines(server.output), [], 'agents ending their long polls are no failure of the gateway');
      const health = await fetch(`${server.endpoint}/healthz`);
      assert.equal(health.status, 200, await health.text());
    } finally {
      await server.dispose();
    }
  });
});
