// `actors audit` on a scripted history, on hollow instances (no Docker): clusters, task definitions, tasks placed and one
// that fits nowhere, a stopped task, a service with two deployments and a rollback (StopServiceDeployment ROLLBACK of a
// deployment that cannot place), and a drained instance. Then the timeline's filters, the state of entities at several
// moments against what the gateway answered then, explain, the same queries over HTTP, and verify on the untouched
// journal and on copies with a deleted row, an altered payload and two swapped rows (sqlite3).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand, TagResourceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, DescribeTasksCommand,
  CreateServiceCommand, UpdateServiceCommand, DescribeServicesCommand, StopServiceDeploymentCommand,
  UpdateContainerInstancesStateCommand, DescribeContainerInstancesCommand, DescribeClustersCommand,
} from '@aws-sdk/client-ecs';
import {
  actorsDll, startServer, startAgent, waitForConnectedInstances, waitTasksRunning, waitTasksStopped, eventually, sleep,
  postgresDatabase, waitServiceSteady,
} from './harness.mjs';
import { signRequest } from './sigv4.mjs';

/** Runs `actors audit ...args`; resolves { code, stdout, stderr } whatever the exit code. */
function audit(args, env = {}) {
  return new Promise((resolve) => {
    execFile('dotnet', [actorsDll(), 'audit', ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}
const jsonLines = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

describe('audit', { timeout: 600_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'actors-audit-'));
  let server;
  let agent;
  let ecs;
  const seen = {}; // what the gateway answered, and when
  const timeline = () => audit(['events', '--data-dir', dataDir, '--json']).then((r) => jsonLines(r.stdout));
  const at = async () => {
    // Event times are the request's arrival at the gateway: a moment strictly between two requests.
    await sleep(20);
    const moment = new Date().toISOString();
    await sleep(20);
    return moment;
  };

  before(async () => {
    server = await startServer({ name: 'audit', dataDir });
    ecs = server.client();
    // A start report window far above the hollow start (~200 ms), so that even a loaded machine reports RUNNING first.
    agent = await startAgent({ server, hollow: 2, name: 'audit-hollow', env: { ACTORS__AGENT__STARTREPORTWINDOWMILLISECONDS: '5000' } });
    const instances = await waitForConnectedInstances(ecs, 'default', 2, { agents: [agent] });
    seen.instances = instances.map((i) => i.containerInstanceArn ?? i).sort();

    await ecs.send(new CreateClusterCommand({ clusterName: 'audit-other', tags: [{ key: 'team', value: 'core' }] }));
    for (const [family, memory] of [['web', 64], ['web', 96], ['huge', 900_000]])
      await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: 'app', image: 'busybox', memory }] }));

    const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'web:1', placementStrategy: [{ type: 'binpack', field: 'memory' }] }));
    seen.task = run.tasks[0].taskArn;
    await waitTasksRunning(ecs, 'default', [seen.task]);
    seen.runningAt = await at();
    seen.runningTask = (await ecs.send(new DescribeTasksCommand({ tasks: [seen.task], include: ['TAGS'] }))).tasks[0];

    const unplaceable = await ecs.send(new RunTaskCommand({ taskDefinition: 'huge' }));
    assert.equal(unplaceable.tasks.length, 0);
    seen.unplaceableRequest = unplaceable.$metadata.requestId;

    await ecs.send(new StopTaskCommand({ task: seen.task, reason: 'audit test stops it' }));
    await waitTasksStopped(ecs, 'default', [seen.task]);

    const waitStable = () => waitServiceSteady(ecs, 'default', 'svc', { maxWaitTime: 120 });
    await ecs.send(new CreateServiceCommand({ serviceName: 'svc', taskDefinition: 'web:1', desiredCount: 2 }));
    await waitStable();
    seen.firstDeploymentAt = await at();
    seen.firstDeployment = (await ecs.send(new DescribeServicesCommand({ services: ['svc'] }))).services[0];
    await ecs.send(new UpdateServiceCommand({ service: 'svc', taskDefinition: 'web:2' }));
    seen.secondDeployment = await waitStable();
    seen.secondDeploymentAt = await at();

    // A deployment that cannot place, rolled back by hand to web:2.
    const stuck = (await ecs.send(new UpdateServiceCommand({ service: 'svc', taskDefinition: 'huge' }))).service.deployments[0].id;
    await eventually('the stuck deployment reports a placement failure', async () => {
      const service = (await ecs.send(new DescribeServicesCommand({ services: ['svc'] }))).services[0];
      return service.events.some((e) => e.message.includes('was unable to place a task'));
    }, { timeoutMs: 60_000, intervalMs: 500 });
    await ecs.send(new StopServiceDeploymentCommand({
      serviceDeploymentArn: server.arn(`service-deployment/default/svc/${stuck.slice('ecs-svc/'.length)}`), stopType: 'ROLLBACK',
    }));
    seen.rolledBack = await waitStable();
    assert.equal(seen.rolledBack.taskDefinition, server.arn('task-definition/web:2'));

    seen.beforeDrainAt = await at();
    seen.drained = seen.instances[0];
    seen.instanceBeforeDrain = (await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: [seen.drained] }))).containerInstances[0];
    await ecs.send(new UpdateContainerInstancesStateCommand({ containerInstances: [seen.drained], status: 'DRAINING' }));
    seen.drainedAt = await at();
  });

  after(async () => {
    await agent?.stop();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('filters the timeline by tag', async () => {
    const all = await timeline();
    assert.ok(all.length > 30, `${all.length} events`);
    const orderings = all.map((e) => e.ordering);
    assert.deepEqual(orderings, [...orderings].sort((a, b) => a - b), 'oldest first');
    const taskId = seen.task.split('/').pop();
    const filtered = async (...flags) => jsonLines((await audit(['events', '--data-dir', dataDir, '--json', ...flags])).stdout);
    // The node keeps writing (its agents report): compare what both reads saw.
    const last = orderings.at(-1);
    const expect = async (flags, predicate, what) => {
      const got = (await filtered(...flags)).filter((e) => e.ordering <= last);
      const want = all.filter(predicate);
      assert.ok(want.length > 0, `${what}: the history has some`);
      assert.deepEqual(got.map((e) => e.ordering), want.map((e) => e.ordering), what);
      return got;
    };
    const taskEvents = await expect(['--task', seen.task], (e) => e.tags.includes(`task:${taskId}`), 'by task ARN');
    assert.deepEqual([...new Set(taskEvents.map((e) => e.type))].sort(),
      ['LaunchCompleted', 'LaunchPlanned', 'TaskPlaced', 'TaskStateChanged', 'TaskStopRequested'], 'a task\'s story');
    // Its start ended within the agent's start report window: RUNNING is the first report, with no PENDING before it.
    const reported = taskEvents.filter((e) => e.type === 'TaskStateChanged').map((e) => e.event.progress.lastStatus);
    assert.equal(reported[0], 'RUNNING', `the statuses reported: ${reported}`);
    await expect(['--cluster', 'audit-other'], (e) => e.persistenceId === 'cluster|audit-other', 'by cluster');
    await expect(['--type', 'TaskPlaced', '--family', 'web'], (e) => e.type === 'TaskPlaced' && e.event.task.taskDefinition.family === 'web', 'by type and family');
    await expect(['--service', 'svc'], (e) => e.persistenceId === 'service|default/svc' || e.tags.includes('service:default/svc'), 'by service');
    const instanceId = seen.drained.split('/').pop();
    await expect(['--container-instance', seen.drained, '--type', 'ContainerInstanceStateChanged'],
      (e) => e.persistenceId === `container-instance|default/${instanceId}` && e.type === 'ContainerInstanceStateChanged', 'by instance');
    await expect(['--principal', server.credentials.accessKeyId, '--type', 'ClusterCreated'],
      (e) => e.principal === server.credentials.accessKeyId && e.type === 'ClusterCreated', 'by principal');
    await expect(['--request-id', seen.unplaceableRequest], (e) => e.requestId === seen.unplaceableRequest, 'by request id');
    await expect(['--since', seen.beforeDrainAt, '--until', seen.drainedAt], (e) => e.at >= seen.beforeDrainAt && e.at <= seen.drainedAt, 'by time');

    const table = await audit(['events', '--data-dir', dataDir, '--task', taskId]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^TIME \(UTC\)\s+TYPE/);
    assert.match(table.stdout, /TaskStopRequested\s+container-instance\|default\/\w+#\d+\s+AKIA\w+\s+/);
  });

  it('follows new events as they are written', async () => {
    const follower = spawn('dotnet', [actorsDll(), 'audit', 'events', '--data-dir', dataDir, '--json', '--follow', '--type', 'ClusterCreated']);
    let out = '';
    follower.stdout.on('data', (chunk) => { out += chunk; });
    try {
      const clusters = () => jsonLines(out).map((e) => e.persistenceId);
      await eventually('the past first', () => clusters().includes('cluster|audit-other'));
      await ecs.send(new CreateClusterCommand({ clusterName: 'audit-followed' }));
      await eventually('then what is written after', () => clusters().at(-1) === 'cluster|audit-followed');
      assert.equal(new Set(clusters()).size, clusters().length, 'each event once');
    } finally {
      follower.kill();
    }
  });

  it('shows entities as the gateway answered them then', async () => {
    const state = async (arn, moment) => {
      const result = await audit(['state', arn, '--at', moment, '--data-dir', dataDir, '--json']);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    const task = (await state(seen.task, seen.runningAt)).tasks[0];
    for (const field of ['taskArn', 'lastStatus', 'desiredStatus', 'containerInstanceArn', 'taskDefinitionArn', 'version', 'cpu', 'memory', 'group'])
      assert.deepEqual(task[field], seen.runningTask[field], field);
    assert.equal((await state(seen.task, seen.drainedAt)).tasks[0].lastStatus, 'STOPPED');
    assert.deepEqual((await state(seen.task, '2000-01-01T00:00:00Z')).failures.map((f) => f.reason), ['MISSING']);

    const serviceArn = server.arn('service/default/svc');
    for (const [moment, answered] of [[seen.firstDeploymentAt, seen.firstDeployment], [seen.secondDeploymentAt, seen.secondDeployment], [seen.drainedAt, seen.rolledBack]]) {
      const service = (await state(serviceArn, moment)).services[0];
      assert.equal(service.taskDefinition, answered.taskDefinition);
      assert.equal(service.desiredCount, answered.desiredCount);
      assert.deepEqual(service.deployments.map((d) => [d.id, d.status, d.taskDefinition]),
        answered.deployments.map((d) => [d.id, d.status, d.taskDefinition]));
    }

    const before = (await state(seen.drained, seen.beforeDrainAt)).containerInstances[0];
    assert.equal(before.status, 'ACTIVE');
    assert.deepEqual(before.remainingResources, seen.instanceBeforeDrain.remainingResources);
    assert.equal(before.containerInstanceArn, seen.instanceBeforeDrain.containerInstanceArn);
    assert.equal((await state(seen.drained, seen.drainedAt)).containerInstances[0].status, 'DRAINING');

    const cluster = (await state(server.arn('cluster/audit-other'), seen.drainedAt)).clusters[0];
    const described = (await ecs.send(new DescribeClustersCommand({ clusters: ['audit-other'], include: ['TAGS'] }))).clusters[0];
    assert.deepEqual([cluster.clusterName, cluster.status, cluster.tags], [described.clusterName, described.status, described.tags]);
    const definition = await state(server.arn('task-definition/web:2'), seen.drainedAt);
    assert.equal(definition.taskDefinition.containerDefinitions[0].memory, 96);
  });

  it('explains a placed task and an unplaceable one', async () => {
    const placed = JSON.parse((await audit(['explain', seen.task, '--data-dir', dataDir, '--json'])).stdout);
    assert.equal(`arn:aws:ecs:us-east-1:000000000000:container-instance/default/${placed.containerInstance}`, seen.runningTask.containerInstanceArn);
    const recorded = placed.placements.at(-1);
    assert.equal(recorded.chosen, placed.containerInstance);
    assert.deepEqual(recorded.strategies, [{ type: 'binpack', field: 'memory' }]);
    assert.equal(recorded.candidates, 2);
    // Both instances are empty, so binpack ties and the lowest instance id wins: the sentence says which.
    assert.match(recorded.chosenBy, /^(binpack|tied on every strategy: lowest instance id)/);
    assert.deepEqual(recorded.accepted.map((a) => a.containerInstanceId).sort(), seen.instances.map((a) => a.split('/').pop()).sort());
    assert.equal(recorded.replayChoosesTheSame, true);
    assert.equal(placed.stop.stopCode, 'UserInitiated');
    assert.equal(placed.stop.reason, 'audit test stops it');
    assert.equal(placed.stop.requestedBy, server.credentials.accessKeyId);

    const unplaced = JSON.parse((await audit(['explain', seen.unplaceableRequest, '--data-dir', dataDir, '--json'])).stdout);
    assert.equal(unplaced.launches.length, 1);
    assert.deepEqual(unplaced.launches[0].placed, []);
    assert.deepEqual(unplaced.launches[0].notPlaced.map((f) => f.reason), ['RESOURCE:MEMORY', 'RESOURCE:MEMORY']);
    assert.deepEqual(unplaced.launches[0].notPlaced.map((f) => f.target).sort(), seen.instances.map((a) => a.split('/').pop()).sort());
  });

  it('answers the same queries over HTTP, signed, as JSON Lines', async () => {
    const get = async (path, credentials = server.credentials) => {
      const url = `${server.endpoint}${path}`;
      const headers = signRequest({ method: 'GET', url, headers: {}, body: '', region: server.region, ...credentials });
      delete headers.host;
      const res = await fetch(url, { headers });
      return { status: res.status, type: res.headers.get('content-type'), lines: jsonLines(await res.text()) };
    };
    const events = await get(`/v1/audit/events?task=${encodeURIComponent(seen.task)}`);
    assert.equal(events.status, 200);
    assert.equal(events.type, 'application/x-ndjson');
    const cli = jsonLines((await audit(['events', '--data-dir', dataDir, '--json', '--task', seen.task])).stdout);
    assert.deepEqual(events.lines, cli);
    const state = await get(`/v1/audit/state?arn=${encodeURIComponent(seen.task)}&at=${encodeURIComponent(seen.runningAt)}`);
    assert.equal(state.lines[0].tasks[0].lastStatus, 'RUNNING');
    const explained = await get(`/v1/audit/explain?request-id=${seen.unplaceableRequest}`);
    assert.equal(explained.lines[0].launches[0].notPlaced.length, 2);
    const verified = await get('/v1/audit/verify');
    assert.equal(verified.lines.at(-1).passed, true);

    const unsigned = await fetch(`${server.endpoint}/v1/audit/events`);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const agentKey = await get('/v1/audit/events', server.agentCredentials);
    assert.equal(agentKey.status, 400);
    assert.equal(agentKey.lines[0].__type, 'AccessDeniedException');
    const bad = await get('/v1/audit/state?arn=nonsense');
    assert.equal(bad.status, 400);
    assert.equal(bad.lines[0].__type, 'InvalidParameterException');
  });

  it('verifies every replayed entity against the live cluster, and names what a stale copy of the journal lacks', async () => {
    const signedBy = { ACTORS_ACCESS_KEY_ID: server.credentials.accessKeyId, ACTORS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey };
    const live = await audit(['verify', '--data-dir', dataDir, '--endpoint', server.endpoint, '--json'], signedBy);
    assert.equal(live.code, 0, live.stdout + live.stderr);
    const summary = jsonLines(live.stdout).at(-1);
    // Two clusters, two families, two instances, the service: each compared, the instances' tasks with them.
    assert.ok(summary.entitiesComparedLive >= 7 && summary.entitiesComparedLive === summary.entities, JSON.stringify(summary));

    // A copy taken now (sqlite3's online backup, WAL included), then the live cluster moves on: the copy is stale.
    const stale = join(dataDir, 'stale');
    mkdirSync(stale);
    execFileSync('sqlite3', [join(dataDir, 'journal.db'), `.backup '${join(stale, 'journal.db')}'`]);
    const other = server.arn('cluster/audit-other');
    await ecs.send(new TagResourceCommand({ resourceArn: other, tags: [{ key: 'added', value: 'after-the-copy' }] }));
    const behind = await audit(['verify', '--data-dir', stale, '--endpoint', server.endpoint, '--json'], signedBy);
    assert.equal(behind.code, 1, behind.stdout + behind.stderr);
    const problems = jsonLines(behind.stdout).slice(0, -1);
    const cluster = problems.find((p) => p.persistenceId === 'cluster|audit-other');
    assert.ok(cluster, behind.stdout);
    assert.equal(cluster.problem, 'live');
    assert.match(cluster.message, /^cluster audit-other: the replayed journal and the live cluster differ in tags/);

    const unsigned = await audit(['verify', '--data-dir', dataDir, '--endpoint', server.endpoint], { ACTORS_ACCESS_KEY_ID: '', ACTORS_SECRET_ACCESS_KEY: '' });
    assert.equal(unsigned.code, 2);
    assert.match(unsigned.stderr, /verify --endpoint signs its calls with a user key/);
  });

  it('verifies the untouched journal and names the row of each tampering', async () => {
    const untouched = await audit(['verify', '--data-dir', dataDir]);
    assert.equal(untouched.code, 0, untouched.stdout + untouched.stderr);
    assert.match(untouched.stdout, /^passed: \d+ events of \d+ entities \(\d+ chained, [1-9]\d* placements replayed\)/m);

    // Tamper with copies of the stopped node's journal.
    await agent.stop();
    await server.stop();
    const all = await timeline();
    const pid = 'service|default/svc';
    assert.ok(all.filter((e) => e.persistenceId === pid).length >= 6);
    const tampered = async (name, sql) => {
      const dir = join(dataDir, name);
      mkdirSync(dir);
      copyFileSync(join(dataDir, 'journal.db'), join(dir, 'journal.db'));
      const changed = execFileSync('sqlite3', [join(dir, 'journal.db'), `${sql}; SELECT total_changes();`]).toString().trim();
      assert.notEqual(changed, '0', `${name} changed a row`);
      const result = await audit(['verify', '--data-dir', dir, '--json']);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const lines = jsonLines(result.stdout);
      assert.equal(lines.at(-1).passed, false);
      return lines.slice(0, -1).map((p) => [p.persistenceId, p.sequenceNr, p.problem]);
    };
    // Rows the tag index has not reached are found by the tags in their envelopes: an empty index answers the same.
    const unindexed = join(dataDir, 'unindexed');
    mkdirSync(unindexed);
    copyFileSync(join(dataDir, 'journal.db'), join(unindexed, 'journal.db'));
    execFileSync('sqlite3', [join(unindexed, 'journal.db'), 'DELETE FROM tags']);
    const byTask = async (dir) => jsonLines((await audit(['events', '--data-dir', dir, '--json', '--task', seen.task])).stdout);
    const indexedAnswer = await byTask(dataDir);
    assert.ok(indexedAnswer.length >= 3, JSON.stringify(indexedAnswer));
    assert.deepEqual(await byTask(unindexed), indexedAnswer);

    const where = `persistence_id = '${pid}'`;
    assert.deepEqual(await tampered('deleted', `DELETE FROM journal WHERE ${where} AND sequence_number = 3`), [[pid, 3, 'missing']]);
    assert.deepEqual(await tampered('altered',
      `UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"principal":"', '"principal":"x') AS BLOB) WHERE ${where} AND sequence_number = 2`),
    [[pid, 2, 'altered']]);
    assert.deepEqual(await tampered('swapped', `
      CREATE TEMP TABLE pair AS SELECT sequence_number AS seq, message, manifest FROM journal WHERE ${where} AND sequence_number IN (4, 5);
      UPDATE journal SET message = (SELECT message FROM pair WHERE seq = 9 - journal.sequence_number),
                         manifest = (SELECT manifest FROM pair WHERE seq = 9 - journal.sequence_number)
        WHERE ${where} AND sequence_number IN (4, 5)`),
    [[pid, 4, 'altered'], [pid, 5, 'altered'], [pid, 6, 'broken-link']]);
  });
});

describe('audit on PostgreSQL', { timeout: 300_000 }, () => {
  let database;
  let server;

  before(async () => {
    database = await postgresDatabase('actors_audit');
    if (database.skip) return;
    server = await startServer({ name: 'audit-pg', extraArgs: ['--postgres', database.connectionString] });
    const ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'pg-audit' }));
    for (const memory of [64, 96, 128])
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'pg-web', containerDefinitions: [{ name: 'app', image: 'busybox', memory }] }));
  });

  after(async () => {
    await server?.stop();
    await database?.drop?.();
  });

  it('reads, folds and verifies a PostgreSQL journal, and names a tampered row', async (t) => {
    if (database.skip) return t.skip(database.skip);
    const pg = ['--postgres', database.connectionString];
    const family = jsonLines((await audit(['events', ...pg, '--json', '--family', 'pg-web'])).stdout);
    assert.deepEqual(family.map((e) => [e.persistenceId, e.sequenceNr, e.type]), [1, 2, 3].map((n) => ['task-definition-family|pg-web', n, 'TaskDefinitionRegistered']));
    const cluster = jsonLines((await audit(['events', ...pg, '--json', '--cluster', 'pg-audit'])).stdout);
    assert.deepEqual(cluster.map((e) => e.type), ['ClusterCreated']);

    const state = await audit(['state', 'arn:aws:ecs:us-east-1:000000000000:task-definition/pg-web:2', ...pg, '--json']);
    assert.equal(state.code, 0, state.stderr);
    assert.equal(JSON.parse(state.stdout).taskDefinition.containerDefinitions[0].memory, 96);

    const untouched = await audit(['verify', ...pg]);
    assert.equal(untouched.code, 0, untouched.stdout + untouched.stderr);
    assert.match(untouched.stdout, /^passed: \d+ events/m);

    await server.stop();
    await database.query(`UPDATE journal SET message = convert_to(replace(convert_from(message, 'UTF8'), '"memory":96', '"memory":97'), 'UTF8')
      WHERE persistence_id = 'task-definition-family|pg-web' AND sequence_number = 2`);
    const tampered = await audit(['verify', ...pg, '--json']);
    assert.equal(tampered.code, 1, tampered.stdout + tampered.stderr);
    assert.deepEqual(jsonLines(tampered.stdout).slice(0, -1).map((p) => [p.persistenceId, p.sequenceNr, p.problem]),
      [['task-definition-family|pg-web', 2, 'altered']]);
  });
});
