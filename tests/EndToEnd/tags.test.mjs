import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, RegisterTaskDefinitionCommand, RegisterContainerInstanceCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand, DescribeClustersCommand,
  DescribeTaskDefinitionCommand, DescribeContainerInstancesCommand, RunTaskCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  serverFor, expectEcsError, startAgent, waitForConnectedInstances, waitTasksRunning, waitTasksStopped, describeTasks,
} from './harness.mjs';
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

  // Tasks on a hollow host (no Docker): tags given at launch, then changed on the instance that holds the task.
  describe('tasks', () => {
    const CLUSTER = 'tagged-tasks';
    let agent;
    before(async () => {
      await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
      agent = await startAgent({ server: ctx.server, cluster: CLUSTER, hollow: 1, name: 'tags-hollow' });
      await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [agent] });
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'tagged-task',
        containerDefinitions: [{ name: 'app', image: 'hollow/app:1', memory: 32 }],
        tags: [{ key: 'team', value: 'definition' }, { key: 'tier', value: 'web' }],
      }));
    });
    after(async () => { await agent?.dispose(); });

    async function runOne(input) {
      const answer = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'tagged-task', ...input }));
      assert.deepEqual(answer.failures, []);
      return answer.tasks[0];
    }
    const describedTags = async (arn, include) => sortTags((await describeTasks(ecs, CLUSTER, [arn], { include }))[0].tags);

    it('lists the tags RunTask gave, takes TagResource and UntagResource, and DescribeTasks shows them with include TAGS', async () => {
      const task = await runOne({ tags: [{ key: 'origin', value: 'run' }] });
      assert.deepEqual(sortTags(task.tags), [{ key: 'origin', value: 'run' }], 'RunTask answers the tags');
      assert.deepEqual(await tagsOf(task.taskArn), [{ key: 'origin', value: 'run' }]);

      await ecs.send(new TagResourceCommand({ resourceArn: task.taskArn, tags: [{ key: 'team', value: 'core' }, { key: 'origin', value: 'tagged' }] }));
      assert.deepEqual(await tagsOf(task.taskArn), [{ key: 'origin', value: 'tagged' }, { key: 'team', value: 'core' }]);
      await ecs.send(new UntagResourceCommand({ resourceArn: task.taskArn, tagKeys: ['origin', 'not-there'] }));
      assert.deepEqual(await tagsOf(task.taskArn), [{ key: 'team', value: 'core' }]);

      assert.deepEqual(await describedTags(task.taskArn, ['TAGS']), [{ key: 'team', value: 'core' }]);
      assert.deepEqual(await describedTags(task.taskArn), [], 'no tags without include TAGS');
      await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn }));
    });

    it('propagates the task definition\'s tags and adds the managed cluster tag, which cannot be removed', async () => {
      const task = await runOne({ tags: [{ key: 'team', value: 'run' }], propagateTags: 'TASK_DEFINITION', enableECSManagedTags: true });
      const expected = [{ key: 'aws:ecs:clusterName', value: CLUSTER }, { key: 'team', value: 'run' }, { key: 'tier', value: 'web' }];
      assert.deepEqual(await tagsOf(task.taskArn), expected, "the caller's tag wins over the definition's on the same key");
      assert.deepEqual(await describedTags(task.taskArn, ['TAGS']), expected);
      await expectEcsError(ecs.send(new UntagResourceCommand({ resourceArn: task.taskArn, tagKeys: ['aws:ecs:clusterName'] })), 'InvalidParameterException');
      await expectEcsError(ecs.send(new TagResourceCommand({ resourceArn: task.taskArn, tags: [{ key: 'aws:ecs:clusterName', value: 'x' }] })),
        'InvalidParameterException');
      assert.deepEqual(await tagsOf(task.taskArn), expected);
      await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn }));

      await expectEcsError(ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'tagged-task', propagateTags: 'SERVICE' })),
        'InvalidParameterException');
    });

    it('tags a STOPPED task while it is still described', async () => {
      const task = await runOne({ tags: [{ key: 'origin', value: 'run' }] });
      await waitTasksRunning(ecs, CLUSTER, [task.taskArn]);
      await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn }));
      await waitTasksStopped(ecs, CLUSTER, [task.taskArn]);
      await ecs.send(new TagResourceCommand({ resourceArn: task.taskArn, tags: [{ key: 'outcome', value: 'stopped' }] }));
      assert.deepEqual(await tagsOf(task.taskArn), [{ key: 'origin', value: 'run' }, { key: 'outcome', value: 'stopped' }]);
      assert.deepEqual(await describedTags(task.taskArn, ['TAGS']), await tagsOf(task.taskArn));
    });

    // As ECS's model lists them: TagResource and UntagResource answer ResourceNotFoundException, ListTagsForResource (which
    // has none) InvalidParameterException - for tasks and services alike, never ServiceNotFoundException.
    it('answers a task or service ARN it does not know as each action\'s model says, and one of an unknown cluster with ClusterNotFoundException', async () => {
      for (const unknown of [ctx.server.arn(`task/${CLUSTER}/ffffffffffffffffffffffffffffffff`), ctx.server.arn(`service/${CLUSTER}/no-such-service`)]) {
        const listed = await expectEcsError(ecs.send(new ListTagsForResourceCommand({ resourceArn: unknown })), 'InvalidParameterException');
        assert.match(listed.message, /not found/, listed.message);
        await expectEcsError(ecs.send(new TagResourceCommand({ resourceArn: unknown, tags: [{ key: 'a', value: 'b' }] })), 'ResourceNotFoundException');
        await expectEcsError(ecs.send(new UntagResourceCommand({ resourceArn: unknown, tagKeys: ['a'] })), 'ResourceNotFoundException');
      }
      await expectEcsError(ecs.send(new ListTagsForResourceCommand({ resourceArn: ctx.server.arn('task/ffffffffffffffffffffffffffffffff') })),
        'InvalidParameterException');
      await expectEcsError(ecs.send(new ListTagsForResourceCommand({ resourceArn: ctx.server.arn('task/no-such-cluster/ffffffffffffffffffffffffffffffff') })),
        'ClusterNotFoundException');
    });
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
