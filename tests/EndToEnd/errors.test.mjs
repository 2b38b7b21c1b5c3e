// The wire-level answers the SDK would hide or never provoke: raw signed requests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor, assertWireError } from './harness.mjs';

describe('errors on the wire', { timeout: 120_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'errors' });

  it('answers a plain signed call with JSON 1.1 and a request id', async () => {
    const res = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/x-amz-json-1\.1/);
    assert.deepEqual(res.json.clusterArns, []);
    const first = res.headers.get('x-amzn-requestid');
    assert.ok(first);
    const again = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.notEqual(again.headers.get('x-amzn-requestid'), first, 'each request gets its own id');
  });

  it('answers GET / and GET /healthz with 200', async () => {
    for (const path of ['/', '/healthz']) {
      const res = await fetch(`${ctx.server.endpoint}${path}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, path);
    }
  });

  it('names an unknown action UnknownOperationException', async () => {
    assertWireError(await ctx.server.rawCall('LaunchRocket', { body: {} }), 'UnknownOperationException');
  });

  it('refuses a target outside the ECS prefix', async () => {
    const res = await ctx.server.rawCall(null, { body: {}, headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' } });
    assertWireError(res, 'UnknownOperationException');
  });

  it('names malformed JSON SerializationException', async () => {
    assertWireError(await ctx.server.rawCall('CreateCluster', { body: '{"clusterName": ' }), 'SerializationException');
    assertWireError(await ctx.server.rawCall('CreateCluster', { body: '[1, 2]' }), 'SerializationException');
  });

  it('refuses a field of the wrong type', async () => {
    const wrongNumber = await ctx.server.rawCall('ListClusters', { body: { maxResults: 'two' } });
    assertWireError(wrongNumber, ['SerializationException', 'InvalidParameterException']);
    const wrongString = await ctx.server.rawCall('CreateCluster', { body: { clusterName: 42 } });
    assertWireError(wrongString, ['SerializationException', 'InvalidParameterException']);
    const wrongList = await ctx.server.rawCall('DescribeClusters', { body: { clusters: 'default' } });
    assertWireError(wrongList, ['SerializationException', 'InvalidParameterException']);
    // None of them created anything.
    const listed = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.deepEqual(listed.json.clusterArns, []);
  });

  it('refuses a null list entry with InvalidParameterException naming its path', async () => {
    const res = await ctx.server.rawCall('RunTask', { body: { cluster: 'default', taskDefinition: 'web:1', overrides: { containerOverrides: [{ name: 'a' }, null] } } });
    assertWireError(res, 'InvalidParameterException');
    assert.equal(res.json.message, 'overrides.containerOverrides[1] must not be null.');
    const tagged = await ctx.server.rawCall('CreateCluster', { body: { clusterName: 'nulls', tags: [null] } });
    assertWireError(tagged, 'InvalidParameterException');
    assert.equal(tagged.json.message, 'tags[0] must not be null.');
  });

  it('refuses an instance identity document that is JSON but no object', async () => {
    for (const instanceIdentityDocument of ['[]', '42', '"i-1"']) {
      const res = await ctx.server.rawCall('RegisterContainerInstance', { body: { cluster: 'docs', instanceIdentityDocument } });
      assertWireError(res, 'InvalidParameterException');
      assert.equal(res.json.message, 'instanceIdentityDocument must be a JSON object.');
    }
  });

  it('names the field of a wrong type, never a .NET type', async () => {
    const res = await ctx.server.rawCall('RunTask', { body: { taskDefinition: 'web:1', tags: [{ key: 7 }] } });
    assertWireError(res, 'SerializationException');
    assert.equal(res.json.message, 'Unable to parse request: tags[0].key must be a string, not a number.');
    const whole = await ctx.server.rawCall('RunTask', { body: '"run"' });
    assertWireError(whole, 'SerializationException');
    assert.doesNotMatch(whole.json.message, /Actors\.|System\./);
  });

  it('refuses an oversized body with a 4xx and keeps serving', async () => {
    const huge = JSON.stringify({
      family: 'huge',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 32, environment: [{ name: 'BLOB', value: 'x'.repeat(8 * 1024 * 1024) }] }],
    });
    let res;
    try {
      res = await ctx.server.rawCall('RegisterTaskDefinition', { body: huge });
    } catch (error) {
      // A server may answer early and close the connection while the body is still being sent.
      assert.match(String(error.cause?.code ?? error.message), /ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed/);
    }
    if (res) {
      assert.ok(res.status >= 400 && res.status < 500, `4xx expected, got ${res.status}`);
      assert.ok(res.headers.get('x-amzn-requestid'), 'x-amzn-RequestId on every error');
    }
    const after = await ctx.server.rawCall('ListTaskDefinitions', { body: { familyPrefix: 'huge' } });
    assert.equal(after.status, 200);
    assert.deepEqual(after.json.taskDefinitionArns, []);
  });

  it('refuses a task definition over 64 KiB with ClientException', async () => {
    const body = {
      family: 'big',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 32, environment: [{ name: 'BLOB', value: 'x'.repeat(70 * 1024) }] }],
    };
    assertWireError(await ctx.server.rawCall('RegisterTaskDefinition', { body }), 'ClientException');
  });

  it('refuses networkConfiguration (awsvpc) on RunTask and StartTask as on services, before it looks for anything', async () => {
    const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
    for (const [action, body] of [
      ['RunTask', { taskDefinition: 'web:1', networkConfiguration }],
      ['StartTask', { taskDefinition: 'web:1', containerInstances: ['i-1'], networkConfiguration }],
      ['CreateService', { serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, networkConfiguration }],
    ]) {
      const res = await ctx.server.rawCall(action, { body });
      assertWireError(res, 'InvalidParameterException');
      assert.match(res.json.message, /awsvpc/, `${action}: ${res.json.message}`);
    }
  });

  it('names a missing required member InvalidParameterException or ClientException', async () => {
    // RegisterTaskDefinition requires family and containerDefinitions.
    const res = await ctx.server.rawCall('RegisterTaskDefinition', { body: { containerDefinitions: [] } });
    assertWireError(res, ['InvalidParameterException', 'ClientException']);
  });
});
