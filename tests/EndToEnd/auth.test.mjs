// SigV4 as the gateway must check it: who signed, with what secret, for which scope, and when.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { serverFor, assertWireError, expectEcsError, generateCredentials } from './harness.mjs';
import { signRequest, presignUrl } from './sigv4.mjs';

// AWS answers authentication failures with 400 on JSON protocols, some with 403: both are honest.
const AUTH_STATUS = [400, 403];
const minutes = (n) => n * 60_000;
const TARGET = 'AmazonEC2ContainerServiceV20141113';

async function send(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

describe('authentication', { timeout: 120_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'auth' });

  it('accepts a correctly signed request', async () => {
    const res = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.equal(res.status, 200);
  });

  it('refuses a wrong secret with InvalidSignatureException', async () => {
    const credentials = { accessKeyId: ctx.server.credentials.accessKeyId, secretAccessKey: generateCredentials().secretAccessKey };
    assertWireError(await ctx.server.rawCall('ListClusters', { credentials }), 'InvalidSignatureException', { status: AUTH_STATUS });
    // The SDK surfaces it by name too.
    await expectEcsError(ctx.server.client({ credentials }).send(new ListClustersCommand({})), 'InvalidSignatureException', { status: AUTH_STATUS });
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    const credentials = generateCredentials();
    assertWireError(await ctx.server.rawCall('ListClusters', { credentials }), 'UnrecognizedClientException', { status: AUTH_STATUS });
    await expectEcsError(ctx.server.client({ credentials }).send(new ListClustersCommand({})), 'UnrecognizedClientException', { status: AUTH_STATUS });
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    assertWireError(await ctx.server.rawCall('ListClusters', { sign: false }), 'MissingAuthenticationTokenException', { status: AUTH_STATUS });
  });

  it('refuses a body changed after signing', async () => {
    const url = `${ctx.server.endpoint}/`;
    const headers = signRequest({
      url,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.CreateCluster' },
      body: '{"clusterName":"signed"}',
      region: ctx.server.region,
      ...ctx.server.credentials,
    });
    delete headers.host;
    const res = await fetch(url, { method: 'POST', headers, body: '{"clusterName":"tampered"}' });
    const text = await res.text();
    assertWireError({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 'InvalidSignatureException', { status: AUTH_STATUS });
    const listed = await ctx.server.rawCall('ListClusters', { body: {} });
    assert.deepEqual(listed.json.clusterArns, [], 'the tampered request created nothing');
  });

  it('refuses a signature scoped to another region', async () => {
    assertWireError(await ctx.server.rawCall('ListClusters', { region: 'ap-south-1' }), 'InvalidSignatureException', { status: AUTH_STATUS });
  });

  it('refuses a request dated 20 minutes in the past or the future', async () => {
    for (const offset of [-minutes(20), minutes(20)]) {
      const res = await ctx.server.rawCall('ListClusters', { date: new Date(Date.now() + offset) });
      assertWireError(res, 'InvalidSignatureException', { status: AUTH_STATUS });
    }
  });

  it('accepts a clock 2 minutes off, within the 5 minutes AWS allows', async () => {
    for (const offset of [-minutes(2), minutes(2)]) {
      const res = await ctx.server.rawCall('ListClusters', { date: new Date(Date.now() + offset) });
      assert.equal(res.status, 200, `offset ${offset / 60_000} min: ${res.text.slice(0, 200)}`);
    }
  });

  it('refuses a request whose x-amz-target is not signed, so it cannot be re-sent as another action', async () => {
    assert.equal((await ctx.server.rawCall('CreateCluster', { body: { clusterName: 'kept' } })).status, 200);
    const url = `${ctx.server.endpoint}/`;
    const body = '{"cluster":"kept"}';
    const headers = signRequest({ url, headers: { 'content-type': 'application/x-amz-json-1.1' }, body, region: ctx.server.region, ...ctx.server.credentials });
    delete headers.host;
    headers['x-amz-target'] = `${TARGET}.DeleteCluster`;

    const res = await send(url, { method: 'POST', headers, body });

    assertWireError(res, 'IncompleteSignatureException', { status: AUTH_STATUS });
    assert.match(res.json.message, /not signed: x-amz-target/);
    const described = await ctx.server.rawCall('DescribeClusters', { body: { clusters: ['kept'] } });
    assert.equal(described.json.clusters[0].status, 'ACTIVE', 'the cluster was not deleted');
  });

  it('refuses a request whose content-type is not signed', async () => {
    const url = `${ctx.server.endpoint}/`;
    const headers = signRequest({ url, headers: { 'x-amz-target': `${TARGET}.ListClusters` }, body: '{}', region: ctx.server.region, ...ctx.server.credentials });
    delete headers.host;
    headers['content-type'] = 'application/x-amz-json-1.1';

    const res = await send(url, { method: 'POST', headers, body: '{}' });

    assertWireError(res, 'IncompleteSignatureException', { status: AUTH_STATUS });
    assert.match(res.json.message, /not signed: content-type/);
  });

  it('refuses a correctly presigned URL valid for 7 days', async () => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.ListClusters` };
    const url = presignUrl({ url: `${ctx.server.endpoint}/`, headers, body: '{}', region: ctx.server.region, ...ctx.server.credentials });

    const res = await send(url, { method: 'POST', headers, body: '{}' });

    assertWireError(res, 'IncompleteSignatureException', { status: AUTH_STATUS });
    assert.match(res.json.message, /Query-string authentication .* is not supported/);
  });
});
