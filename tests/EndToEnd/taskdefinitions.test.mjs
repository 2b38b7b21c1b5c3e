import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand,
  ListTaskDefinitionFamiliesCommand, DeregisterTaskDefinitionCommand, DeleteTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, expectEcsError } from './harness.mjs';
import { sortTags } from './fixtures.mjs';

const container = (name, extra = {}) => ({ name, image: 'public.ecr.aws/docker/library/busybox:1.36', memory: 64, essential: true, ...extra });

describe('task definitions', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'taskdefinitions' });
  let ecs;
  let tdArn;
  before(() => {
    ecs = ctx.server.client();
    tdArn = (family, revision) => ctx.server.arn(`task-definition/${family}:${revision}`);
  });
  const register = (family, input = {}) =>
    ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container('app')], ...input }));

  it('numbers the revisions of a family 1, 2, 3', async () => {
    for (const revision of [1, 2, 3]) {
      const { taskDefinition } = await register('web', { containerDefinitions: [container('app', { command: ['echo', `v${revision}`] })] });
      assert.equal(taskDefinition.family, 'web');
      assert.equal(taskDefinition.revision, revision);
      assert.equal(taskDefinition.taskDefinitionArn, tdArn('web', revision));
      assert.equal(taskDefinition.status, 'ACTIVE');
      assert.ok(taskDefinition.registeredAt instanceof Date, 'registeredAt is a timestamp');
    }
  });

  it('describes by family (latest ACTIVE), family:revision and ARN', async () => {
    const byFamily = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    assert.equal(byFamily.taskDefinition.revision, 3);
    assert.deepEqual(byFamily.taskDefinition.containerDefinitions[0].command, ['echo', 'v3']);

    const byRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2' }));
    assert.equal(byRevision.taskDefinition.taskDefinitionArn, tdArn('web', 2));
    assert.deepEqual(byRevision.taskDefinition.containerDefinitions[0].command, ['echo', 'v2']);

    const byArn = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: tdArn('web', 1) }));
    assert.equal(byArn.taskDefinition.revision, 1);
    assert.deepEqual(byArn.taskDefinition.containerDefinitions[0].command, ['echo', 'v1']);
  });

  it('returns tags on registration and on describe with include TAGS only', async () => {
    const tags = [{ key: 'owner', value: 'platform' }, { key: 'tier', value: 'web' }];
    const registered = await register('tagged', { tags });
    assert.deepEqual(sortTags(registered.tags), sortTags(tags));

    const withTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged:1', include: ['TAGS'] }));
    assert.deepEqual(sortTags(withTags.tags), sortTags(tags));

    const withoutTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged:1' }));
    assert.deepEqual(withoutTags.tags ?? [], []);
  });

  it('refuses 11 containers with ClientException and registers nothing', async () => {
    const containers = Array.from({ length: 11 }, (_, i) => container(`c${i}`));
    await expectEcsError(register('crowded', { containerDefinitions: containers }), 'ClientException');
    const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'crowded', status: 'ACTIVE' }));
    assert.deepEqual(listed.taskDefinitionArns, []);

    // Ten is the quota, not over it.
    const ten = await register('crowded', { containerDefinitions: containers.slice(0, 10) });
    assert.equal(ten.taskDefinition.containerDefinitions.length, 10);
    assert.equal(ten.taskDefinition.revision, 1);
  });

  it('answers ClientException for a task definition that does not exist', async () => {
    await expectEcsError(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'never-registered' })), 'ClientException');
    await expectEcsError(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:99' })), 'ClientException');
  });

  it('deregisters a revision to INACTIVE, still describable', async () => {
    const { taskDefinition } = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    assert.equal(taskDefinition.taskDefinitionArn, tdArn('web', 1));
    assert.equal(taskDefinition.status, 'INACTIVE');
    assert.ok(taskDefinition.deregisteredAt instanceof Date, 'deregisteredAt is set');

    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: tdArn('web', 1) }));
    assert.equal(described.taskDefinition.status, 'INACTIVE');
    // The family's latest ACTIVE revision is unaffected.
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    assert.equal(latest.taskDefinition.revision, 3);
  });

  it('lists by exact family, status and sort order', async () => {
    // "webapp" starts with "web": ListTaskDefinitions' familyPrefix is the full family name, so it must not match.
    await register('webapp');

    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    assert.deepEqual(active.taskDefinitionArns, [tdArn('web', 2), tdArn('web', 3)]);

    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web', status: 'INACTIVE' }));
    assert.deepEqual(inactive.taskDefinitionArns, [tdArn('web', 1)]);

    const descending = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web', sort: 'DESC' }));
    assert.deepEqual(descending.taskDefinitionArns, [tdArn('web', 3), tdArn('web', 2)]);

    // Without a family: every ACTIVE revision, by family name then revision.
    const all = await ecs.send(new ListTaskDefinitionsCommand({}));
    const families = all.taskDefinitionArns.map((arn) => arn.split('/')[1]);
    assert.deepEqual(families, [...families].sort(byFamilyThenRevision));
    assert.ok(all.taskDefinitionArns.includes(tdArn('webapp', 1)));
    assert.ok(!all.taskDefinitionArns.includes(tdArn('web', 1)), 'INACTIVE revisions are not listed by default');
  });

  it('lists families by prefix and status', async () => {
    await register('retired');
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'retired:1' }));

    const byPrefix = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'web' }));
    assert.deepEqual(byPrefix.families, ['web', 'webapp']);

    const active = await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE' }));
    assert.ok(active.families.includes('web'));
    assert.ok(!active.families.includes('retired'), 'a family with no ACTIVE revision is not ACTIVE');

    const inactive = await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'INACTIVE' }));
    assert.deepEqual(inactive.families, ['retired']);

    const all = await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ALL' }));
    assert.ok(all.families.includes('retired') && all.families.includes('web'));
    assert.deepEqual(all.families, [...all.families].sort());
  });

  it('deletes only INACTIVE revisions: ACTIVE ones come back as failures', async () => {
    const refused = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ['web:2'] }));
    assert.deepEqual(refused.taskDefinitions, []);
    assert.equal(refused.failures.length, 1);
    assert.equal(refused.failures[0].arn, tdArn('web', 2));
    assert.ok(refused.failures[0].reason, 'a failure says why');

    const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [tdArn('web', 1)] }));
    assert.deepEqual(deleted.failures, []);
    assert.equal(deleted.taskDefinitions.length, 1);
    assert.equal(deleted.taskDefinitions[0].taskDefinitionArn, tdArn('web', 1));
    assert.equal(deleted.taskDefinitions[0].status, 'DELETE_IN_PROGRESS');

    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web', status: 'INACTIVE' }));
    assert.deepEqual(inactive.taskDefinitionArns, [], 'a deleted revision is no longer INACTIVE');
    // web:2 was refused, so it is untouched.
    const web2 = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2' }));
    assert.equal(web2.taskDefinition.status, 'ACTIVE');
  });

  it('round-trips a full container definition field for field', async () => {
    const app = {
      name: 'app',
      image: 'registry.example.com/team/app:1.2.3',
      cpu: 256,
      memory: 512,
      memoryReservation: 256,
      links: ['cache:redis'],
      portMappings: [
        { containerPort: 8080, hostPort: 80, protocol: 'tcp' },
        { containerPort: 5353, hostPort: 5353, protocol: 'udp' },
      ],
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      command: ['exec app --port 8080'],
      environment: [{ name: 'MODE', value: 'production' }, { name: 'EMPTY', value: '' }],
      mountPoints: [{ sourceVolume: 'data', containerPath: '/var/lib/app', readOnly: false }],
      volumesFrom: [{ sourceContainer: 'cache', readOnly: true }],
      linuxParameters: {
        capabilities: { add: ['SYS_PTRACE'], drop: ['MKNOD'] },
        initProcessEnabled: true,
        sharedMemorySize: 64,
        tmpfs: [{ containerPath: '/scratch', size: 32, mountOptions: ['rw', 'noexec'] }],
      },
      dependsOn: [{ containerName: 'cache', condition: 'HEALTHY' }],
      startTimeout: 60,
      stopTimeout: 30,
      hostname: 'app-host',
      user: '1000:1000',
      workingDirectory: '/srv/app',
      disableNetworking: false,
      privileged: false,
      readonlyRootFilesystem: true,
      dnsServers: ['10.0.0.2'],
      dnsSearchDomains: ['svc.local'],
      extraHosts: [{ hostname: 'db.internal', ipAddress: '10.0.0.10' }],
      dockerSecurityOptions: ['no-new-privileges'],
      interactive: false,
      pseudoTerminal: false,
      dockerLabels: { 'com.example.team': 'platform', 'com.example.tier': 'web' },
      ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
      logConfiguration: { logDriver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      healthCheck: { command: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/health || exit 1'], interval: 10, timeout: 3, retries: 4, startPeriod: 15 },
      systemControls: [{ namespace: 'net.core.somaxconn', value: '1024' }],
    };
    const cache = {
      name: 'cache',
      image: 'public.ecr.aws/docker/library/redis:7',
      cpu: 128,
      memory: 128,
      essential: false,
      healthCheck: { command: ['CMD', 'redis-cli', 'ping'], interval: 5, timeout: 2, retries: 3, startPeriod: 0 },
    };
    const taskLevel = {
      family: 'full',
      taskRoleArn: 'arn:aws:iam::000000000000:role/app-task',
      executionRoleArn: 'arn:aws:iam::000000000000:role/app-exec',
      networkMode: 'bridge',
      volumes: [{ name: 'data', host: { sourcePath: '/srv/data' } }],
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ t3.*' }],
      requiresCompatibilities: ['EC2'],
      cpu: '512',
      memory: '1024',
      pidMode: 'task',
      ipcMode: 'task',
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
    };
    const registered = await ecs.send(new RegisterTaskDefinitionCommand({ ...taskLevel, containerDefinitions: [app, cache] }));
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: registered.taskDefinition.taskDefinitionArn }));

    for (const taskDefinition of [registered.taskDefinition, described.taskDefinition]) {
      for (const [field, value] of Object.entries(taskLevel)) {
        assert.deepEqual(taskDefinition[field], value, `task definition field ${field}`);
      }
      assert.deepEqual(taskDefinition.containerDefinitions.map((c) => c.name), ['app', 'cache']);
      for (const [sent, back] of [[app, taskDefinition.containerDefinitions[0]], [cache, taskDefinition.containerDefinitions[1]]]) {
        for (const [field, value] of Object.entries(sent)) {
          assert.deepEqual(back[field], value, `container ${sent.name} field ${field}`);
        }
      }
    }
  });
});

function byFamilyThenRevision(a, b) {
  const [fa, ra] = a.split(':');
  const [fb, rb] = b.split(':');
  return fa === fb ? Number(ra) - Number(rb) : fa < fb ? -1 : 1;
}
