// What both benchmark clients (sync_client.mjs, scope_client.mjs) share: the real PouchDB,
// an instrumented fetch that counts requests and keeps failing ones, credentials from the
// environment, deterministic random numbers, content comparison and timed replications.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
export const PouchDB = require('pouchdb');

export const stats = { requests: 0, gzipResponses: 0, byStatus: {}, failures: [] };

// Expected non-2xx answers during a replication: no checkpoint or database yet, db exists.
function expectedFailure(method, status) {
  if (status === 404 && (method === 'GET' || method === 'HEAD')) return true;
  return status === 412 && method === 'PUT';
}

// Counts every response; keeps up to 20 unexpected failures with their bodies (no credentials).
export function recordResponse(method, url, response, body = null, requestBody = '') {
  stats.requests += 1;
  stats.byStatus[response.status] = (stats.byStatus[response.status] || 0) + 1;
  if (response.headers.get('content-encoding') === 'gzip') stats.gzipResponses += 1;
  if (!response.ok && !expectedFailure(method, response.status) && stats.failures.length < 20) {
    stats.failures.push({ method, url: String(url).replace(/\/\/[^@/]*@/, '//'), status: response.status,
      body, requestBody });
  }
}

export async function instrumentedFetch(url, opts) {
  const response = await PouchDB.fetch(url, opts);
  const method = (opts && opts.method) || 'GET';
  let body = null;
  if (!response.ok) {
    try { body = (await response.clone().text()).slice(0, 2000); } catch (err) { body = `<${err}>`; }
  }
  const requestBody = opts && typeof opts.body === 'string' ? opts.body.slice(0, 500) : '';
  recordResponse(method, url, response, body, requestBody);
  return response;
}

// Credentials for the remote, from the environment (never the command line): BENCH_AUTH is
// "name:password", sent as HTTP Basic, as PouchDB does with credentials in the URL.
export const AUTH = (() => {
  const value = process.env.BENCH_AUTH;
  if (!value) return null;
  const colon = value.indexOf(':');
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
})();

export function authHeaders(headers = {}) {
  if (!AUTH) return headers;
  const token = Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64');
  return { ...headers, Authorization: `Basic ${token}` };
}

// Deterministic: the same seed gives the same documents, so a pull run (a separate process)
// can check every byte of what the push run wrote.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hex(rand, length) {
  let out = '';
  while (out.length < length) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

// JSON with sorted keys and without revision fields: equal content, whatever the key order.
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => k !== '_rev' && k !== '_revisions').sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function rate(docs, seconds) {
  return Math.round((docs / seconds) * 10) / 10;
}

export function round3(x) {
  return Math.round(x * 1000) / 1000;
}

// One-shot replication; a run with any error or refused document does not count.
export async function timedReplicate(source, target, batchSize = null) {
  const t0 = performance.now();
  const result = await PouchDB.replicate(source, target, batchSize ? { batch_size: batchSize } : {});
  const seconds = (performance.now() - t0) / 1000;
  if (!result.ok || result.status !== 'complete' || (result.errors && result.errors.length)
      || result.doc_write_failures) {
    const errors = (result.errors || []).slice(0, 5).map((e) => ({ status: e.status, name: e.name,
      message: e.message, reason: e.reason, id: e.id }));
    throw new Error(`replication not ok: ${JSON.stringify({ status: result.status,
      doc_write_failures: result.doc_write_failures, docs_written: result.docs_written, errors })}`);
  }
  return { seconds, written: result.docs_written };
}
