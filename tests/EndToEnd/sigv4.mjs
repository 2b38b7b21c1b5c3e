// A minimal AWS Signature Version 4 signer on node:crypto, for the raw requests the SDK
// would never send (malformed bodies, wrong secrets, skewed clocks, missing headers).
// The SDK's own signer (@smithy/signature-v4) is only a transitive dependency here and its
// hash (@aws-crypto/sha256-js) is not installed at all, so we do not lean on them.
import { createHash, createHmac } from 'node:crypto';

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** `20240102T030405Z` for a Date. */
export function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Signs a request in place and returns its headers, with `authorization` added.
 * Every header passed in is signed (as the SDK does for the ones it sends), plus host and x-amz-date.
 */
export function signRequest({ method = 'POST', url, headers = {}, body = '', accessKeyId, secretAccessKey, region, service = 'ecs', date = new Date() }) {
  const target = new URL(url);
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const all = { ...lowerKeys(headers), host: target.host, 'x-amz-date': stamp };
  if (!('x-amz-content-sha256' in all)) all['x-amz-content-sha256'] = sha256Hex(body);

  const names = Object.keys(all).sort();
  const canonicalHeaders = names.map((n) => `${n}:${String(all[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalQuery = [...target.searchParams.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [method, target.pathname || '/', canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(body)].join('\n');

  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');

  all.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return all;
}

function lowerKeys(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function encodeRfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A presigned URL (query-string authentication) for a request: X-Amz-* parameters in the query, the signature over
 * the headers passed plus host. The gateway must refuse these; this builds a correct one so the refusal is for the
 * method, not a flaw.
 */
export function presignUrl({ method = 'POST', url, headers = {}, body = '', accessKeyId, secretAccessKey, region, service = 'ecs', date = new Date(), expiresSeconds = 604800 }) {
  const target = new URL(url);
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const all = { ...lowerKeys(headers), host: target.host };
  const names = Object.keys(all).sort();
  const signedHeaders = names.join(';');
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${accessKeyId}/${scope}`,
    'X-Amz-Date': stamp,
    'X-Amz-Expires': String(expiresSeconds),
    'X-Amz-SignedHeaders': signedHeaders,
  });
  const canonicalQuery = [...query.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = names.map((n) => `${n}:${String(all[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [method, target.pathname || '/', canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(body)].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return `${target.origin}${target.pathname}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
