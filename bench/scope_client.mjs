#!/usr/bin/env node
// The Node side of the scope benchmark (bench/scope_bench.py runs it; one measurement per run).
//
// The real `pouchdb` package (PouchDB 9) as a volunteer's device would use it:
//
//   --mode pull     one-shot PouchDB.replicate(remote URL -> fresh local db); verified
//                   against --expect FILE (a JSON array of documents: the reader's scope) or
//                   against the check-ins --docs/--seed/--event/... generate, plus --extra
//                   further documents the remote may also send (public ones); every expected
//                   document must arrive with its content and nothing else may
//   --mode changes  the first sync's feed alone: one GET <url>/_changes?since=0&style=all_docs
//                   (and once more with &include_docs=true) with Node's fetch; verified like
//                   pull (ids only for the plain feed, content for include_docs)
//   --mode push     N check-ins in a local db -> the remote URL; verified: N written, no errors
//   --mode sample   no replication: the generated check-ins, for the schema check in Python
//
// Credentials come from the environment (BENCH_AUTH=name:password), never the command line.
// PouchDB gets them in the URL (http://name:password@host/...), as the app's users give them;
// the plain fetch of --mode changes sends the same as an HTTP Basic header.
//
// Check-ins (--mode push/pull/sample) are what a volunteer records at an assigned event, as
// schemas/checkin.py wants them and the write rules allow: id checkin:<event_id>:<person_id>,
// by = --by (the volunteer's user id), municipality and organization_id of the event.
//
// Prints one JSON object on stdout; exits 1 with ok: false and the failing requests if the
// run could not be verified.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import {
  AUTH, PouchDB, authHeaders, canonical, hex, instrumentedFetch, mulberry32, rate, recordResponse, round3, stats,
  timedReplicate as replicateOnce,
} from './client_common.mjs';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const args = { mode: null, url: null, expect: null, extra: 0, docs: 1000, seed: 1, event: null,
    by: null, municipality: null, org: null, batchSize: null };
  const keys = { '--mode': 'mode', '--url': 'url', '--expect': 'expect', '--extra': 'extra',
    '--docs': 'docs', '--seed': 'seed', '--event': 'event', '--by': 'by',
    '--municipality': 'municipality', '--org': 'org', '--batch-size': 'batchSize' };
  const numbers = new Set(['extra', 'docs', 'seed', 'batchSize']);
  for (let i = 0; i < argv.length; i += 2) {
    const name = keys[argv[i]];
    if (!name || i + 1 >= argv.length) throw new Error(`bad argument: ${argv[i]}`);
    args[name] = numbers.has(name) ? parseInt(argv[i + 1], 10) : argv[i + 1];
  }
  if (!['pull', 'changes', 'push', 'sample'].includes(args.mode)) throw new Error(`unknown mode: ${args.mode}`);
  if (args.mode !== 'sample' && !args.url) throw new Error('--url is required');
  if (!args.expect && !(args.event && args.by && args.municipality && args.org)) {
    throw new Error('give --expect FILE, or --event, --by, --municipality and --org for check-ins');
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

// Local databases in memory (pouchdb-adapter-memory, shipped with pouchdb-server), so the
// client does not write to the disk the servers use.
PouchDB.plugin(require('pouchdb-adapter-memory'));
let localCounter = 0;
function localDb(label) {
  localCounter += 1;
  return new PouchDB(`scope-${process.pid}-${label}-${localCounter}`, { adapter: 'memory' });
}

// ---------------------------------------------------------------- remote, instrumented

// The URL as a user types it into the app: credentials in it.
function urlWithCredentials(url) {
  if (!AUTH) return url;
  const userinfo = `${encodeURIComponent(AUTH.username)}:${encodeURIComponent(AUTH.password)}`;
  return url.replace('://', `://${userinfo}@`);
}

function remoteDb() {
  return new PouchDB(urlWithCredentials(args.url), { fetch: instrumentedFetch });
}

// ---------------------------------------------------------------- documents

// N check-ins of registered people at one event, all recorded by one volunteer on one of
// their two tablets; the index in the person id keeps every _id unique.
function makeCheckins() {
  const docs = [];
  const base = Date.UTC(2026, 4, 2, 7, 30, 0);
  const devices = [`tablet-${hex(mulberry32(args.seed), 8)}`, `phone-${hex(mulberry32(args.seed + 1), 8)}`];
  for (let i = 0; i < args.docs; i++) {
    const rand = mulberry32(args.seed * 1000003 + i);
    const personId = `person:${i.toString(16).padStart(8, '0')}${hex(rand, 24)}`;
    const checkedIn = base + i * 1913 + Math.floor(rand() * 60000);
    docs.push({
      _id: `checkin:${args.event}:${personId}`,
      type: 'checkin',
      schema_version: 1,
      created_at: new Date(checkedIn + Math.floor(rand() * 5000)).toISOString(),
      event_id: args.event,
      person_id: personId,
      checked_in_at: new Date(checkedIn).toISOString(),
      by: args.by,
      device_id: devices[Math.floor(rand() * 2)],
      municipality: args.municipality,
      organization_id: args.org,
    });
  }
  return docs;
}

function expectedDocs() {
  return args.expect ? JSON.parse(fs.readFileSync(args.expect, 'utf8')) : makeCheckins();
}

// Every expected document is among `docs` with the same content, and at most `extra` others.
function verify(docs, expected, what) {
  if (docs.length !== expected.length + args.extra) {
    throw new Error(`${what}: ${docs.length} documents, expected ${expected.length} + ${args.extra}`);
  }
  const byId = new Map(docs.map((doc) => [doc._id, doc]));
  if (byId.size !== docs.length) throw new Error(`${what}: duplicate ids`);
  for (const doc of expected) {
    const got = byId.get(doc._id);
    if (!got) throw new Error(`${what}: missing document ${doc._id}`);
    if (canonical(got) !== canonical(doc)) throw new Error(`${what}: content differs for ${doc._id}`);
  }
}

// ---------------------------------------------------------------- measurements

function timedReplicate(source, target) {
  return replicateOnce(source, target, args.batchSize);
}

async function runPull() {
  const expected = expectedDocs();
  const local = localDb('pull');
  const { seconds, written } = await timedReplicate(remoteDb(), local);
  const all = await local.allDocs({ include_docs: true });
  const info = await local.info();
  if (written !== expected.length + args.extra || info.doc_count !== written) {
    throw new Error(`pull wrote ${written}, local doc_count ${info.doc_count}, expected ${expected.length} + ${args.extra}`);
  }
  verify(all.rows.map((row) => row.doc), expected, 'pull');
  return { seconds: round3(seconds), docs_written: written, docs_per_s: rate(written, seconds) };
}

async function fetchChanges(query) {
  const url = `${args.url}/_changes?${query}`;
  const t0 = performance.now();
  const response = await fetch(url, { headers: authHeaders({ Accept: 'application/json' }) });
  const body = await response.text();
  const seconds = (performance.now() - t0) / 1000;
  recordResponse('GET', url, response, body.slice(0, 2000));
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return { seconds, feed: JSON.parse(body), bytes: body.length };
}

async function runChanges() {
  const expected = expectedDocs();
  const plain = await fetchChanges('since=0&style=all_docs');
  const ids = plain.feed.results.map((row) => ({ _id: row.id }));
  verify(ids, expected.map((doc) => ({ _id: doc._id })), 'changes');
  const full = await fetchChanges('since=0&style=all_docs&include_docs=true');
  verify(full.feed.results.map((row) => row.doc), expected, 'changes include_docs');
  return {
    results: plain.feed.results.length,
    seconds: round3(plain.seconds),
    json_bytes: plain.bytes,
    include_docs: { seconds: round3(full.seconds), json_bytes: full.bytes },
  };
}

async function runPush() {
  const docs = makeCheckins();
  const local = localDb('push');
  await local.bulkDocs(docs);
  const { seconds, written } = await timedReplicate(local, remoteDb());
  if (written !== args.docs) throw new Error(`push wrote ${written}, expected ${args.docs}`);
  return { seconds: round3(seconds), docs_written: written, docs_per_s: rate(written, seconds) };
}

async function runSample() {
  const docs = makeCheckins();
  const bytes = docs.reduce((sum, doc) => sum + Buffer.byteLength(JSON.stringify(doc)), 0);
  return { docs, mean_json_bytes: Math.round(bytes / docs.length) };
}

async function main() {
  const runners = { pull: runPull, changes: runChanges, push: runPush, sample: runSample };
  const out = { ok: true, mode: args.mode };
  let code = 0;
  try {
    Object.assign(out, await runners[args.mode]());
  } catch (err) {
    out.ok = false;
    out.error = String((err && (err.stack || err.message)) || err);
    code = 1;
  }
  out.requests = stats.requests;
  out.gzip_responses = stats.gzipResponses;
  out.status_counts = stats.byStatus;
  out.http_failures = stats.failures;
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(code));
}

main();
