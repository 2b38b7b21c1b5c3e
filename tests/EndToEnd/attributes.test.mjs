import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, RegisterContainerInstanceCommand, DescribeContainerInstancesCommand,
  PutAttributesCommand, DeleteAttributesCommand, ListAttributesCommand, ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, expectEcsError } from './harness.mjs';
import { instanceRegistration, attributeList, instanceId } from './fixtures.mjs';

describe('attributes', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'attributes' });
  let ecs;
  let first;
  let second;
  before(async () => {
    ecs = ctx.server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'attrs' }));
    first = (await ecs.send(new RegisterContainerInstanceCommand(instanceRegistration('attrs')))).containerInstance.containerInstanceArn;
    second = (await ecs.send(new RegisterContainerInstanceCommand(instanceRegistration('attrs')))).containerInstance.containerInstanceArn;
  });
  const onInstance = (targetId, name, value) => ({ name, value, targetType: 'container-instance', targetId });
  const describeAttributes = async (arn) =>
    attributeList((await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'attrs', containerInstances: [arn] }))).containerInstances[0].attributes);
  // ListAttributes answers targetId as the instance's ARN or its id; both name the same instance.
  const instanceOf = (targetId) => (targetId.startsWith('arn:') ? targetId : ctx.server.arn(`container-instance/attrs/${targetId}`));

  it('puts custom attributes by ARN and by id, visible on the instance', async () => {
    const put = await ecs.send(new PutAttributesCommand({
      cluster: 'attrs',
      attributes: [onInstance(first, 'stack', 'prod'), onInstance(instanceId(second), 'stack', 'staging'), onInstance(first, 'gpu')],
    }));
    assert.deepEqual(put.attributes.map((a) => `${a.name}=${a.value ?? ''}`).sort(), ['gpu=', 'stack=prod', 'stack=staging']);

    const firstAttributes = await describeAttributes(first);
    assert.ok(firstAttributes.includes('stack=prod'));
    assert.ok(firstAttributes.includes('gpu'));
    assert.ok(firstAttributes.includes('ecs.instance-type=t2.small'), 'the agent-sent attributes stay');
    assert.ok((await describeAttributes(second)).includes('stack=staging'));
  });

  it('overwrites an attribute of the same name', async () => {
    await ecs.send(new PutAttributesCommand({ cluster: 'attrs', attributes: [onInstance(second, 'stack', 'canary')] }));
    const attributes = await describeAttributes(second);
    assert.deepEqual(attributes.filter((a) => a.startsWith('stack')), ['stack=canary']);
    await ecs.send(new PutAttributesCommand({ cluster: 'attrs', attributes: [onInstance(second, 'stack', 'staging')] }));
  });

  it('lists attributes by name, and by name and value', async () => {
    const byName = await ecs.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', attributeName: 'stack' }));
    assert.deepEqual(
      byName.attributes.map((a) => `${instanceOf(a.targetId)} ${a.name}=${a.value}`).sort(),
      [`${first} stack=prod`, `${second} stack=staging`].sort(),
    );
    for (const attribute of byName.attributes) assert.equal(attribute.targetType, 'container-instance');

    const byValue = await ecs.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', attributeName: 'stack', attributeValue: 'prod' }));
    assert.equal(byValue.attributes.length, 1);
    assert.equal(instanceOf(byValue.attributes[0].targetId), first);
    assert.equal(byValue.attributes[0].value, 'prod');

    const unknown = await ecs.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', attributeName: 'no-such-attribute' }));
    assert.deepEqual(unknown.attributes, []);
  });

  it('feeds custom attributes to the cluster query language', async () => {
    const listed = await ecs.send(new ListContainerInstancesCommand({ cluster: 'attrs', filter: 'attribute:stack == prod' }));
    assert.deepEqual(listed.containerInstanceArns, [first]);
  });

  it('deletes attributes', async () => {
    const deleted = await ecs.send(new DeleteAttributesCommand({ cluster: 'attrs', attributes: [onInstance(first, 'stack'), onInstance(first, 'gpu')] }));
    assert.deepEqual(deleted.attributes.map((a) => a.name).sort(), ['gpu', 'stack']);

    const remaining = await describeAttributes(first);
    assert.ok(!remaining.some((a) => a === 'gpu' || a.startsWith('stack')), `deleted attributes are gone: ${remaining}`);
    const listed = await ecs.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', attributeName: 'stack' }));
    assert.deepEqual(listed.attributes.map((a) => instanceOf(a.targetId)), [second]);
  });

  it('refuses an 11th custom attribute with AttributeLimitExceededException', async () => {
    // "second" already has "stack": nine more make ten custom attributes, the limit.
    const nine = Array.from({ length: 9 }, (_, i) => onInstance(second, `custom-${i}`, `v${i}`));
    await ecs.send(new PutAttributesCommand({ cluster: 'attrs', attributes: nine }));
    await expectEcsError(
      ecs.send(new PutAttributesCommand({ cluster: 'attrs', attributes: [onInstance(second, 'one-too-many', 'x')] })),
      'AttributeLimitExceededException',
    );
    assert.ok(!(await describeAttributes(second)).includes('one-too-many=x'));
  });

  it('answers TargetNotFoundException for an unknown instance', async () => {
    await expectEcsError(
      ecs.send(new PutAttributesCommand({ cluster: 'attrs', attributes: [onInstance('0123456789abcdef0123456789abcdef', 'stack', 'prod')] })),
      'TargetNotFoundException',
    );
  });
});
