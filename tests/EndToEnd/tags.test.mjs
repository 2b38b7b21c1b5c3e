import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, RegisterTaskDefinitionCommand, RegisterContainerInstanceCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand, DescribeClustersCommand,
  DescribeTaskDefinitionCommand, DescribeContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, expectEcsError } from './harness.mjs';
import { instanceRegistration, sortTags } from './fixtures.mjs';

describe('tags', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'tags' });
  let ecs;
  const arns = {};
  before(async () => {
    ecs = ctx.server.client();
    arns.cluster = (await ecs.send(new CreateClusterCommand({ clusterName: 'tagged', tags: [{ key: 'origin', value: 'create' }] }))).cluster.clusterArn;
    arns.taskDefinition = (await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'tagged',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 32 }],
      tags: [{ key: 'origin', value: 'register' }],
    }))).taskDefinition.taskDefinitionArn;
    arns.containerInstance = (await ecs.send(new RegisterContainerInstanceCommand({
      ...instanceRegistration('tagged'),
      tags: [{ key: 'origin', value: 'agent' }],
    }))).containerInstance.containerInstanceArn;
  });
  const tagsOf = async (resourceArn) => sortTags((await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags);

  for (const [kind, origin] of [['cluster', 'create'], ['taskDefinition', 'register'], ['containerInstance', 'agent']]) {
    it(`tags, lists and untags a ${kind}`, async () => {
      const arn = arns[kind];
      assert.deepEqual(await tagsOf(arn), [{ key: 'origin', value: origin }], 'tags given at creation');

      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'core' }, { key: 'cost-center', value: '42' }] }));
      assert.deepEqual(await tagsOf(arn), [{ key: 'cost-center', value: '42' }, { key: 'origin', value: origin }, { key: 'team', value: 'core' }]);

      // Same key again: the value is replaced, not added twice.
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'edge' }] }));
      assert.deepEqual(await tagsOf(arn), [{ key: 'cost-center', value: '42' }, { key: 'origin', value: origin }, { key: 'team', value: 'edge' }]);

      await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team', 'origin', 'not-there'] }));
      assert.deepEqual(await tagsOf(arn), [{ key: 'cost-center', value: '42' }]);
    });
  }

  it('shows the same tags through the describe calls with include TAGS', async () => {
    const cluster = await ecs.send(new DescribeClustersCommand({ clusters: [arns.cluster], include: ['TAGS'] }));
    assert.deepEqual(sortTags(cluster.clusters[0].tags), await tagsOf(arns.cluster));
    const taskDefinition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arns.taskDefinition, include: ['TAGS'] }));
    assert.deepEqual(sortTags(taskDefinition.tags), await tagsOf(arns.taskDefinition));
    const instance = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'tagged', containerInstances: [arns.containerInstance], include: ['TAGS'] }));
    assert.deepEqual(sortTags(instance.containerInstances[0].tags), await tagsOf(arns.containerInstance));
  });

  it('refuses keys with the reserved aws: prefix', async () => {
    await expectEcsError(ecs.send(new TagResourceCommand({ resourceArn: arns.cluster, tags: [{ key: 'aws:owner', value: 'me' }] })), 'InvalidParameterException');
    assert.ok(!(await tagsOf(arns.cluster)).some((t) => t.key === 'aws:owner'));
  });

  it('refuses a 51st tag', async () => {
    const before = await tagsOf(arns.cluster);
    const fill = Array.from({ length: 50 - before.length }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await ecs.send(new TagResourceCommand({ resourceArn: arns.cluster, tags: fill }));
    assert.equal((await tagsOf(arns.cluster)).length, 50);
    await expectEcsError(ecs.send(new TagResourceCommand({ resourceArn: arns.cluster, tags: [{ key: 'k-extra', value: 'v' }] })), 'InvalidParameterException');
    assert.equal((await tagsOf(arns.cluster)).length, 50);
  });
});
