// A seeded fuzz of every action the gateway answers: valid bodies, mutated the ways clients and attackers get them
// wrong (nulls in lists, wrong types, huge numbers, empty and 100 KB strings, deep nesting, unknown fields, truncated
// JSON). Bad input must be refused with a 4xx in ECS's error shape, never a 5xx (clients retry 5xx as server
// faults), and the server must still answer afterwards. The seed is fixed, so a failure reproduces.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor, AGENT_SYNC_TARGET as AGENT_SYNC } from './harness.mjs';
import { instanceRegistration } from './fixtures.mjs';

// Fixed, so a failure reproduces; ACTORS_FUZZ_SEED explores other sequences.
const SEED = Number(process.env.ACTORS_FUZZ_SEED ?? 20261130);
const REQUESTS = 5_500;
const CONCURRENCY = 8;
const CLUSTER = 'fuzz';
const TASK_ID = '0123456789abcdef0123456789abcdef';
// Longer than the agents' longest poll (20 s): no answer by then is a fault of its own.
const ANSWER_TIMEOUT_MS = 25_000;
const MAX_FAULTS_REPORTED = 20;

/** mulberry32: a tiny deterministic PRNG, enough to pick mutations reproducibly. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function taskDefinition(family) {
  return {
    family,
    networkMode: 'bridge',
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app', image: 'busybox', memory: 64, cpu: 128, essential: true,
        command: ['sleep', '60'], entryPoint: ['sh', '-c'],
        portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }],
        environment: [{ name: 'MODE', value: 'fuzz' }],
        environmentFiles: [{ value: 'arn:aws:s3:::bucket/app.env', type: 's3' }],
        secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/token' }],
        mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: false }],
        ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }],
        dependsOn: [{ containerName: 'side', condition: 'START' }],
        dockerLabels: { team: 'fuzz' },
        logConfiguration: { logDriver: 'json-file', options: { 'max-size': '10m' } },
        healthCheck: { command: ['CMD-SHELL', 'true'], interval: 30, timeout: 5, retries: 3 },
      },
      { name: 'side', image: 'busybox', memory: 32, essential: false },
    ],
    volumes: [{ name: 'data', host: { sourcePath: '/tmp' } }],
    placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }],
    tags: [{ key: 'team', value: 'fuzz' }],
  };
}

/** One valid body per action, naming the fixtures the suite creates first, so mutations reach past the lookups. */
function seeds(instanceArn) {
  const overrides = { containerOverrides: [{ name: 'app', command: ['true'], environment: [{ name: 'A', value: 'b' }], memory: 64 }] };
  return {
    CreateCluster: { clusterName: 'fuzz-new', tags: [{ key: 'k', value: 'v' }], settings: [{ name: 'containerInsights', value: 'disabled' }],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }], capacityProviders: [] },
    DescribeClusters: { clusters: [CLUSTER, 'missing'], include: ['TAGS', 'SETTINGS'] },
    ListClusters: { maxResults: 10 },
    UpdateCluster: { cluster: CLUSTER, settings: [{ name: 'containerInsights', value: 'enabled' }] },
    UpdateClusterSettings: { cluster: CLUSTER, settings: [{ name: 'containerInsights', value: 'disabled' }] },
    DeleteCluster: { cluster: 'fuzz-doomed' },
    RegisterTaskDefinition: taskDefinition('fuzz-td'),
    DescribeTaskDefinition: { taskDefinition: 'fuzz:1', include: ['TAGS'] },
    ListTaskDefinitions: { familyPrefix: 'fuzz', status: 'ACTIVE', sort: 'DESC', maxResults: 5 },
    ListTaskDefinitionFamilies: { familyPrefix: 'fu', status: 'ALL', maxResults: 5 },
    DeregisterTaskDefinition: { taskDefinition: 'fuzz-doomed:1' },
    DeleteTaskDefinitions: { taskDefinitions: ['fuzz-doomed:1'] },
    RegisterContainerInstance: { ...instanceRegistration('fuzz-other'), instanceIdentityDocument: '{"instanceId":"i-0123456789abcdef0"}',
      platformDevices: [{ id: 'gpu-0', type: 'GPU' }], tags: [{ key: 'k', value: 'v' }] },
    DeregisterContainerInstance: { cluster: CLUSTER, containerInstance: 'ffffffffffffffffffffffffffffffff', force: true },
    DescribeContainerInstances: { cluster: CLUSTER, containerInstances: [instanceArn], include: ['TAGS', 'CONTAINER_INSTANCE_HEALTH'] },
    ListContainerInstances: { cluster: CLUSTER, filter: 'attribute:ecs.os-type == linux', status: 'ACTIVE', maxResults: 5 },
    UpdateContainerInstancesState: { cluster: CLUSTER, containerInstances: [instanceArn], status: 'ACTIVE' },
    PutAttributes: { cluster: CLUSTER, attributes: [{ name: 'stack', value: 'fuzz', targetType: 'container-instance', targetId: instanceArn }] },
    DeleteAttributes: { cluster: CLUSTER, attributes: [{ name: 'gone', targetType: 'container-instance', targetId: instanceArn }] },
    ListAttributes: { cluster: CLUSTER, targetType: 'container-instance', attributeName: 'stack', maxResults: 5 },
    TagResource: { resourceArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}`, tags: [{ key: 'k', value: 'v' }] },
    UntagResource: { resourceArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}`, tagKeys: ['k'] },
    ListTagsForResource: { resourceArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}` },
    // RunTask and StartTask name an active revision, so a body that survives its mutations goes through the cluster's
    // scheduler (the fuzz's instance has no agent: its launches end in AGENT failures).
    RunTask: { cluster: CLUSTER, taskDefinition: 'fuzz:1', count: 1, group: 'g', startedBy: 'fuzz', launchType: 'EC2',
      overrides, placementConstraints: [{ type: 'distinctInstance' }], placementStrategy: [{ type: 'spread', field: 'instanceId' }],
      tags: [{ key: 'k', value: 'v' }], clientToken: 'token-1' },
    StartTask: { cluster: CLUSTER, taskDefinition: 'fuzz:1', containerInstances: [instanceArn], overrides, tags: [{ key: 'k', value: 'v' }] },
    StopTask: { cluster: CLUSTER, task: TASK_ID, reason: 'fuzz' },
    DescribeTasks: { cluster: CLUSTER, tasks: [TASK_ID], include: ['TAGS'] },
    ListTasks: { cluster: CLUSTER, containerInstance: instanceArn, desiredStatus: 'RUNNING', maxResults: 5 },
    // The service's instance has no agent either: its launches fail to place, which it retries now and then.
    CreateService: { cluster: CLUSTER, serviceName: 'fuzz-svc', taskDefinition: 'fuzz:1', desiredCount: 1, clientToken: 'svc-token-1',
      launchType: 'EC2', schedulingStrategy: 'REPLICA', deploymentController: { type: 'ECS' }, healthCheckGracePeriodSeconds: 10,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 200, strategy: 'ROLLING',
        deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { alarmNames: [], enable: false, rollback: false } },
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }], placementStrategy: [{ type: 'spread', field: 'instanceId' }],
      tags: [{ key: 'k', value: 'v' }], propagateTags: 'SERVICE', enableECSManagedTags: true, enableExecuteCommand: false,
      availabilityZoneRebalancing: 'DISABLED', serviceConnectConfiguration: { enabled: false } },
    UpdateService: { cluster: CLUSTER, service: 'fuzz-svc', desiredCount: 2, taskDefinition: 'fuzz:1', forceNewDeployment: true,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 150 }, placementConstraints: [], placementStrategy: [{ type: 'binpack', field: 'memory' }],
      healthCheckGracePeriodSeconds: 0, enableExecuteCommand: true, propagateTags: 'NONE' },
    DeleteService: { cluster: CLUSTER, service: 'fuzz-gone', force: true },
    DescribeServices: { cluster: CLUSTER, services: ['fuzz-svc', `arn:aws:ecs:us-east-1:000000000000:service/${CLUSTER}/missing`], include: ['TAGS'] },
    ListServices: { cluster: CLUSTER, launchType: 'EC2', schedulingStrategy: 'REPLICA', maxResults: 5 },
    ListServicesByNamespace: { namespace: 'fuzz-namespace', maxResults: 5 },
    ListServiceDeployments: { cluster: CLUSTER, service: 'fuzz-svc', status: ['IN_PROGRESS', 'SUCCESSFUL'],
      createdAt: { after: 1764500000, before: 1964500000.25 }, maxResults: 5 },
    DescribeServiceDeployments: { serviceDeploymentArns: [`arn:aws:ecs:us-east-1:000000000000:service-deployment/${CLUSTER}/fuzz-svc/0000000000000000000`] },
    DescribeServiceRevisions: { serviceRevisionArns: [`arn:aws:ecs:us-east-1:000000000000:service-revision/${CLUSTER}/fuzz-svc/0000000000000000000`] },
    StopServiceDeployment: { serviceDeploymentArn: `arn:aws:ecs:us-east-1:000000000000:service-deployment/${CLUSTER}/fuzz-svc/0000000000000000000`,
      stopType: 'ROLLBACK' },
    [AGENT_SYNC]: { cluster: CLUSTER, containerInstanceArn: instanceArn, knownDesiredVersion: -1, waitSeconds: 0,
      tasks: [{ taskId: TASK_ID, pullStartedAt: 1764500000.5, pullStoppedAt: 1764500001,
        containers: [{ name: 'app', status: 'STOPPED', exitCode: 0, reason: 'done',
          networkBindings: [{ bindIP: '0.0.0.0', containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }] }] },
  };
}

// Values that stand in for a JSON number JavaScript cannot hold; replaced in the text after JSON.stringify.
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '1.7976931348623157e309', '-0.0000000000000000000001e-400'];
const HUGE = [1e308, -1e308, 2 ** 63, -(2 ** 63), 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 253402300800, -62135596801, 1e20, -1, 0.5];

class Mutator {
  constructor(random) {
    this.random = random;
  }

  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }

  /** Every place in a JSON value as [parent, key]; the root is [holder, 'root']. */
  places(holder) {
    const found = [];
    const visit = (parent, key) => {
      found.push([parent, key]);
      const value = parent[key];
      if (value && typeof value === 'object') for (const k of Object.keys(value)) visit(value, Array.isArray(value) ? Number(k) : k);
    };
    visit(holder, 'root');
    return found;
  }

  placesWhere(holder, test) {
    const all = this.places(holder).filter(([p, k]) => test(p[k]));
    return all.length > 0 ? all : this.places(holder);
  }

  otherType(value) {
    const choices = [null, 0, -7, 1.5, true, false, '', 'x', [], {}, ['x'], [1], { a: 1 }, '{}', '[]', 'null']
      .filter((c) => typeof c !== typeof value || Array.isArray(c) !== Array.isArray(value));
    return structuredClone(this.pick(choices));
  }

  nested(depth) {
    let value = this.random() < 0.5 ? 'leaf' : 1;
    for (let i = 0; i < depth; i++) value = this.random() < 0.5 ? [value] : { n: value };
    return value;
  }

  /** One mutated body as a string (or Buffer, for bytes that are no UTF-8). */
  mutate(seed) {
    const holder = { root: structuredClone(seed) };
    const raw = [];
    let truncate = false;
    let garbage = false;
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) {
      const kind = this.pick(['nullInList', 'nullInList', 'wrongType', 'wrongType', 'hugeNumber', 'rawNumber', 'emptyString',
        'deepNesting', 'unknownField', 'truncate', 'bigString', 'setNull', 'dropField', 'garbage']);
      switch (kind) {
        case 'nullInList': {
          const [p, k] = this.pick(this.placesWhere(holder, Array.isArray));
          if (Array.isArray(p[k])) p[k].splice(Math.floor(this.random() * (p[k].length + 1)), 0, null);
          else p[k] = [null];
          break;
        }
        case 'wrongType': {
          const [p, k] = this.pick(this.places(holder));
          p[k] = this.otherType(p[k]);
          break;
        }
        case 'hugeNumber': {
          const [p, k] = this.pick(this.placesWhere(holder, (v) => typeof v === 'number'));
          p[k] = this.pick(HUGE);
          break;
        }
        case 'rawNumber': {
          const [p, k] = this.pick(this.placesWhere(holder, (v) => typeof v === 'number'));
          p[k] = `__RAW_${raw.length}__`;
          raw.push(this.pick(RAW_NUMBERS));
          break;
        }
        case 'emptyString': {
          const [p, k] = this.pick(this.placesWhere(holder, (v) => typeof v === 'string'));
          p[k] = '';
          break;
        }
        case 'deepNesting': {
          const [p, k] = this.pick(this.places(holder));
          p[k] = this.nested(this.pick([8, 31, 33, 64, 200]));
          break;
        }
        case 'unknownField': {
          const [p, k] = this.pick(this.placesWhere(holder, (v) => v && typeof v === 'object' && !Array.isArray(v)));
          if (p[k] && typeof p[k] === 'object' && !Array.isArray(p[k])) p[k][this.pick(['unknown', '__proto__x', 'Cluster', '', 'é'])] = this.otherType(undefined);
          break;
        }
        case 'bigString': {
          const [p, k] = this.pick(this.placesWhere(holder, (v) => typeof v === 'string'));
          p[k] = this.pick(['x', 'é', '"', '\u0000']).repeat(100 * 1024);
          break;
        }
        case 'setNull': {
          const [p, k] = this.pick(this.places(holder));
          p[k] = null;
          break;
        }
        case 'dropField': {
          const [p, k] = this.pick(this.places(holder));
          if (k !== 'root') {
            if (Array.isArray(p)) p.splice(k, 1);
            else delete p[k];
          }
          break;
        }
        case 'truncate':
          truncate = true;
          break;
        case 'garbage':
          garbage = true;
          break;
      }
    }
    let text = JSON.stringify(holder.root) ?? 'null';
    raw.forEach((literal, index) => { text = text.replace(`"__RAW_${index}__"`, literal); });
    if (truncate) text = text.slice(0, Math.floor(this.random() * text.length));
    if (garbage) {
      const bytes = Buffer.from(text);
      const at = Math.floor(this.random() * (bytes.length + 1));
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28, 0x00]), bytes.subarray(at)]);
    }
    return text;
  }
}

describe('fuzzed requests', { timeout: 170_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'fuzz' });
  let bodies;

  before(async () => {
    const call = (action, body) => ctx.server.rawCall(action, { body });
    for (const clusterName of [CLUSTER, 'fuzz-doomed']) assert.equal((await call('CreateCluster', { clusterName })).status, 200);
    for (const family of ['fuzz', 'fuzz-inactive', 'fuzz-doomed']) {
      const registered = await call('RegisterTaskDefinition', taskDefinition(family));
      assert.equal(registered.status, 200, registered.text);
    }
    assert.equal((await call('DeregisterTaskDefinition', { taskDefinition: 'fuzz-inactive:1' })).status, 200);
    // Registered with the agent key, so the sync seed reaches the instance instead of stopping at the role check.
    const instance = await ctx.server.rawCall('RegisterContainerInstance', { body: instanceRegistration(CLUSTER), credentials: ctx.server.agentCredentials });
    assert.equal(instance.status, 200, instance.text);
    bodies = seeds(instance.json.containerInstance.containerInstanceArn);
  });

  const send = (action, body) => action === AGENT_SYNC ? ctx.server.agentSync(body) : ctx.server.rawCall(action, { body });

  it('every seed names an action the gateway answers, and none of them fails on the server', async () => {
    for (const [action, body] of Object.entries(bodies)) {
      const res = await send(action, body);
      assert.notEqual(res.json?.__type, 'UnknownOperationException', action);
      assert.ok(res.status < 500 && res.json?.__type !== 'ServerException', `${action} seed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    }
  });

  it(`refuses ${REQUESTS} mutated requests without a 5xx and keeps serving`, async (t) => {
    const random = prng(SEED);
    const mutator = new Mutator(random);
    const actions = Object.keys(bodies);
    // Drawn up front, so the sequence of requests does not depend on the order answers come back in.
    const plan = Array.from({ length: REQUESTS }, () => {
      const action = mutator.pick(actions);
      return { action, body: mutator.mutate(bodies[action]) };
    });

    const faults = [];
    const statuses = new Map();
    const types = new Map();
    let next = 0;
    const noAnswer = { status: 'none', text: `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`, headers: new Headers() };
    const worker = async () => {
      // Stops early once there is enough to report, rather than waiting out every hung request.
      while (next < plan.length && faults.length < MAX_FAULTS_REPORTED) {
        const index = next++;
        const { action, body } = plan[index];
        let timer;
        const res = await Promise.race([send(action, body), new Promise((resolve) => { timer = setTimeout(resolve, ANSWER_TIMEOUT_MS, noAnswer); })]);
        clearTimeout(timer);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.json?.__type) types.set(res.json.__type, (types.get(res.json.__type) ?? 0) + 1);
        // A ServerException says the server failed, whatever its status: bad input must be named as the client's.
        const wellFormedError = res.status === 200 || (res.status >= 400 && res.status < 500 && typeof res.json?.__type === 'string'
          && res.json.__type !== 'ServerException'
          && typeof res.json?.message === 'string' && res.headers.get('x-amzn-errortype') === res.json.__type);
        if (!wellFormedError) {
          faults.push(`#${index} ${action} -> HTTP ${res.status} ${res.text.slice(0, 200)}\n  body: ${String(body).slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    t.diagnostic(`seed ${SEED}, answers by HTTP status: ${summary}`);
    t.diagnostic(`errors by __type: ${[...types].sort(([, a], [, b]) => b - a).map(([type, n]) => `${type}: ${n}`).join(', ')}`);
    assert.equal(faults.length, 0, `${faults.length} answers were server faults, missing or not ECS errors (${summary}):\n${faults.join('\n')}`);

    const health = await fetch(`${ctx.server.endpoint}/healthz`);
    await health.arrayBuffer();
    assert.equal(health.status, 200);
    const listed = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json.clusterArns.includes(ctx.server.arn(`cluster/${CLUSTER}`)));
  });
});
