import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DescribeClustersCommand, DeleteClusterCommand, RegisterContainerInstanceCommand,
  DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand, ListContainerInstancesCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, expectEcsError } from './harness.mjs';
import { instanceRegistration, resourceMap, attributeList, instanceId } from './fixtures.mjs';

describe('container instances', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'containerinstances' });
  let ecs;
  let small; // ARN of the t2.small instance in cluster "fleet"
  let large; // ARN of the m5.large instance in cluster "fleet"
  before(async () => {
    ecs = ctx.server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }));
  });

  it('registers an instance with its resources and attributes', async () => {
    const input = instanceRegistration('fleet', { instanceType: 't2.small', zone: 'us-east-1a' });
    const { containerInstance } = await ecs.send(new RegisterContainerInstanceCommand(input));
    small = containerInstance.containerInstanceArn;

    assert.match(small, /^arn:aws:ecs:us-east-1:000000000000:container-instance\/fleet\/[0-9a-f]{32}$/);
    assert.equal(containerInstance.status, 'ACTIVE');
    assert.equal(containerInstance.runningTasksCount, 0);
    assert.equal(containerInstance.pendingTasksCount, 0);
    assert.deepEqual(resourceMap(containerInstance.registeredResources), resourceMap(input.totalResources));
    assert.deepEqual(resourceMap(containerInstance.remainingResources), resourceMap(input.totalResources), 'nothing reserved yet');
    assert.deepEqual(containerInstance.versionInfo, input.versionInfo);
    assert.deepEqual(attributeList(containerInstance.attributes), attributeList(input.attributes));
    assert.ok(containerInstance.registeredAt instanceof Date);

    const cluster = (await ecs.send(new DescribeClustersCommand({ clusters: ['fleet'] }))).clusters[0];
    assert.equal(cluster.registeredContainerInstancesCount, 1);
  });

  it('describes instances by ARN and by id, and reports unknown ones as MISSING', async () => {
    const other = await ecs.send(new RegisterContainerInstanceCommand(instanceRegistration('fleet', { instanceType: 'm5.large', zone: 'us-east-1b', cpu: 2048, memory: 7680 })));
    large = other.containerInstance.containerInstanceArn;
    assert.notEqual(instanceId(large), instanceId(small), 'each registration gets its own id');

    const missingId = '0123456789abcdef0123456789abcdef';
    const described = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'fleet', containerInstances: [small, instanceId(large), missingId] }));
    assert.deepEqual(described.containerInstances.map((c) => c.containerInstanceArn), [small, large]);
    assert.deepEqual(resourceMap(described.containerInstances[1].registeredResources).MEMORY, 7680);
    assert.ok(attributeList(described.containerInstances[1].attributes).includes('ecs.instance-type=m5.large'));
    assert.equal(described.failures.length, 1);
    assert.equal(described.failures[0].reason, 'MISSING');
    assert.equal(described.failures[0].arn, ctx.server.arn(`container-instance/fleet/${missingId}`));
  });

  it('lists instances, filtered by attribute equality', async () => {
    const all = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet' }));
    assert.deepEqual([...all.containerInstanceArns].sort(), [small, large].sort());

    const t2 = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet', filter: 'attribute:ecs.instance-type == t2.small' }));
    assert.deepEqual(t2.containerInstanceArns, [small]);

    const zoneB = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet', filter: 'attribute:ecs.availability-zone == us-east-1b' }));
    assert.deepEqual(zoneB.containerInstanceArns, [large]);

    const none = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet', filter: 'attribute:ecs.instance-type == c5.xlarge' }));
    assert.deepEqual(none.containerInstanceArns, []);
  });

  it('drains an instance with UpdateContainerInstancesState and lists by status', async () => {
    const updated = await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'fleet', containerInstances: [small], status: 'DRAINING' }));
    assert.deepEqual(updated.failures, []);
    assert.equal(updated.containerInstances.length, 1);
    assert.equal(updated.containerInstances[0].containerInstanceArn, small);
    assert.equal(updated.containerInstances[0].status, 'DRAINING');

    const draining = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet', status: 'DRAINING' }));
    assert.deepEqual(draining.containerInstanceArns, [small]);
    const active = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet', status: 'ACTIVE' }));
    assert.deepEqual(active.containerInstanceArns, [large]);

    const described = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'fleet', containerInstances: [small] }));
    assert.equal(described.containerInstances[0].status, 'DRAINING');

    // And back: ACTIVE again.
    const reactivated = await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'fleet', containerInstances: [instanceId(small)], status: 'ACTIVE' }));
    assert.equal(reactivated.containerInstances[0].status, 'ACTIVE');
  });

  it('refuses to delete a cluster that holds instances, then deletes it once they are deregistered', async () => {
    await expectEcsError(ecs.send(new DeleteClusterCommand({ cluster: 'fleet' })), 'ClusterContainsContainerInstancesException');
    const stillThere = await ecs.send(new DescribeClustersCommand({ clusters: ['fleet'] }));
    assert.equal(stillThere.clusters[0].status, 'ACTIVE');

    for (const arn of [small, large]) {
      const { containerInstance } = await ecs.send(new DeregisterContainerInstanceCommand({ cluster: 'fleet', containerInstance: arn }));
      assert.equal(containerInstance.containerInstanceArn, arn);
      assert.equal(containerInstance.status, 'INACTIVE');
    }
    const remaining = await ecs.send(new ListContainerInstancesCommand({ cluster: 'fleet' }));
    assert.deepEqual(remaining.containerInstanceArns, []);
    const counted = await ecs.send(new DescribeClustersCommand({ clusters: ['fleet'] }));
    assert.equal(counted.clusters[0].registeredContainerInstancesCount, 0);

    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: 'fleet' }));
    assert.equal(deleted.cluster.status, 'INACTIVE');
  });

  it('registers into "default" when no cluster is named, creating it', async () => {
    const { containerInstance } = await ecs.send(new RegisterContainerInstanceCommand(instanceRegistration(undefined)));
    assert.match(containerInstance.containerInstanceArn, /:container-instance\/default\/[0-9a-f]{32}$/);
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['default'] }));
    assert.deepEqual(described.failures, []);
    assert.equal(described.clusters[0].status, 'ACTIVE');
    assert.equal(described.clusters[0].registeredContainerInstancesCount, 1);
  });

  it('answers a retried registration (same registrationId) with the first instance, never a second one', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'retries' }));
    const withRegistration = (registrationId) => ({
      ...instanceRegistration('retries'),
      instanceIdentityDocument: JSON.stringify({ instanceId: 'host-r', registrationId }),
    });
    const first = (await ecs.send(new RegisterContainerInstanceCommand(withRegistration('reg-1')))).containerInstance;
    const retry = (await ecs.send(new RegisterContainerInstanceCommand(withRegistration('reg-1')))).containerInstance;
    assert.equal(retry.containerInstanceArn, first.containerInstanceArn);
    const next = (await ecs.send(new RegisterContainerInstanceCommand(withRegistration('reg-2')))).containerInstance;
    assert.notEqual(next.containerInstanceArn, first.containerInstanceArn, 'a new registration is a new instance');
    const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: 'retries' }));
    assert.deepEqual(containerInstanceArns.sort(), [first.containerInstanceArn, next.containerInstanceArn].sort());
  });

  it('answers ClusterNotFoundException when registering into a missing cluster', async () => {
    await expectEcsError(ecs.send(new RegisterContainerInstanceCommand(instanceRegistration('ghost-fleet'))), 'ClusterNotFoundException');
  });
});
