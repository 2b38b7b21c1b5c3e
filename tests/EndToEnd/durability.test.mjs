// Everything acknowledged before a graceful stop is there after a restart on the same data directory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, ListClustersCommand, RegisterTaskDefinitionCommand,
  DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand,
  RegisterContainerInstanceCommand, DescribeContainerInstancesCommand, ListContainerInstancesCommand,
  PutAttributesCommand, ListAttributesCommand, TagResourceCommand, ListTagsForResourceCommand,
  UpdateClusterSettingsCommand, UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { serverFor } from './harness.mjs';
import { instanceRegistration } from './fixtures.mjs';

describe('durability across a restart', { timeout: 240_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'durability' });
  const arns = {};

  /** Every answer the test compares before and after the restart, with the SDK's per-call metadata dropped. */
  async function snapshot(ecs) {
    const strip = ({ $metadata, ...rest }) => rest;
    return {
      clusters: strip(await ecs.send(new ListClustersCommand({}))),
      cluster: strip(await ecs.send(new DescribeClustersCommand({ clusters: ['durable', 'gone'], include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }))),
      taskDefinitionLatest: strip(await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'durable', include: ['TAGS'] }))),
      taskDefinitionFirst: strip(await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'durable:1', include: ['TAGS'] }))),
      activeRevisions: strip(await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'durable' }))),
      inactiveRevisions: strip(await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'durable', status: 'INACTIVE' }))),
      instances: strip(await ecs.send(new ListContainerInstancesCommand({ cluster: 'durable' }))),
      instance: strip(await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'durable', containerInstances: [arns.instance], include: ['TAGS'] }))),
      attributes: strip(await ecs.send(new ListAttributesCommand({ cluster: 'durable', targetType: 'container-instance', attributeName: 'stack' }))),
      clusterTags: strip(await ecs.send(new ListTagsForResourceCommand({ resourceArn: arns.cluster }))),
      taskDefinitionTags: strip(await ecs.send(new ListTagsForResourceCommand({ resourceArn: arns.taskDefinition }))),
      instanceTags: strip(await ecs.send(new ListTagsForResourceCommand({ resourceArn: arns.instance }))),
    };
  }

  it('describes everything the same after SIGTERM and a restart', async () => {
    const server = ctx.server;
    let ecs = server.client();
    arns.cluster = (await ecs.send(new CreateClusterCommand({ clusterName: 'durable', tags: [{ key: 'env', value: 'prod' }] }))).cluster.clusterArn;
    await ecs.send(new UpdateClusterSettingsCommand({ cluster: 'durable', settings: [{ name: 'containerInsights', value: 'enabled' }] }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'gone' }));
    await ecs.send(new DeleteClusterCommand({ cluster: 'gone' }));
    for (const version of ['1', '2']) {
      const registered = await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'durable',
        containerDefinitions: [{ name: 'app', image: `busybox:${version}`, memory: 64, portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }],
        tags: [{ key: 'version', value: version }],
      }));
      arns.taskDefinition = registered.taskDefinition.taskDefinitionArn;
    }
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'durable:1' }));
    arns.instance = (await ecs.send(new RegisterContainerInstanceCommand({ ...instanceRegistration('durable'), tags: [{ key: 'rack', value: 'r1' }] }))).containerInstance.containerInstanceArn;
    await ecs.send(new PutAttributesCommand({ cluster: 'durable', attributes: [{ name: 'stack', value: 'prod', targetType: 'container-instance', targetId: arns.instance }] }));
    await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'durable', containerInstances: [arns.instance], status: 'DRAINING' }));
    await ecs.send(new TagResourceCommand({ resourceArn: arns.cluster, tags: [{ key: 'owner', value: 'ops' }] }));
    await ecs.send(new TagResourceCommand({ resourceArn: arns.taskDefinition, tags: [{ key: 'owner', value: 'dev' }] }));

    const before = await snapshot(ecs);
    // The snapshot holds what we wrote, so comparing it afterwards means something.
    assert.equal(before.cluster.clusters.find((c) => c.clusterName === 'durable').status, 'ACTIVE');
    assert.equal(before.cluster.clusters.find((c) => c.clusterName === 'gone').status, 'INACTIVE');
    assert.equal(before.taskDefinitionLatest.taskDefinition.revision, 2);
    assert.equal(before.taskDefinitionFirst.taskDefinition.status, 'INACTIVE');
    assert.equal(before.instance.containerInstances[0].status, 'DRAINING');
    assert.equal(before.attributes.attributes.length, 1);
    assert.equal(before.clusterTags.tags.length, 2);

    const stopped = await server.restart();
    assert.deepEqual(stopped, { code: 0, signal: null }, 'SIGTERM shuts the server down cleanly');

    ecs = server.client();
    const afterRestart = await snapshot(ecs);
    assert.deepEqual(afterRestart, before);

    // The journal also carries the sequences on: the next revision is 3, not 1.
    const next = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'durable', containerDefinitions: [{ name: 'app', image: 'busybox:3', memory: 64 }] }));
    assert.equal(next.taskDefinition.revision, 3);
  });
});
