#!/usr/bin/env node
// The Node side of the sync benchmark (bench/sync_bench.py runs it; one measurement per run).
//
// It uses the real `pouchdb` package (PouchDB 9) as the client, exactly as the app's devices
// would, and times one-shot replications with PouchDB.replicate:
//
//   --mode push        N fresh docs in a local db -> the remote URL (creates the remote db)
//   --mode pull        the remote URL (filled by a push run) -> a fresh local db
//   --mode local       local db -> local db, twice (the client's own ceiling, no server)
//   --mode concurrent  K clients at once, each pushes its own N/K docs; when all are done,
//                      all pull the whole remote db at once; aggregate docs/s
//   --mode sample      no replication: the first doc and the mean JSON size of N docs
//
// Options: --url URL (remote db), --docs N, --clients K, --seed S, --adapter memory|leveldb,
// --tmp DIR (leveldb files), --batch-size B (PouchDB's default: 100). Environment:
// BENCH_AUTH=name:password for a remote that wants HTTP Basic.
//
// Prints one JSON object on stdout. A run counts only if it is verified: the remote doc_count
// after a push, and after a pull the local doc_count and every pulled document's content
// (compared with the generated one, key order aside) must match; otherwise it exits 1 with
// ok: false and the failing HTTP requests (method, URL, status, body).

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AUTH, PouchDB, authHeaders, canonical, hex, instrumentedFetch, mulberry32, rate, round3, stats,
  timedReplicate as replicateOnce,
} from './client_common.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const args = { mode: 'push', url: null, docs: 1000, clients: 10, seed: 1, adapter: 'auto',
    tmp: null, batchSize: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    switch (key) {
      case '--mode': args.mode = value; i++; break;
      case '--url': args.url = value; i++; break;
      case '--docs': args.docs = parseInt(value, 10); i++; break;
      case '--clients': args.clients = parseInt(value, 10); i++; break;
      case '--seed': args.seed = parseInt(value, 10); i++; break;
      case '--adapter': args.adapter = value; i++; break;
      case '--tmp': args.tmp = value; i++; break;
      case '--batch-size': args.batchSize = parseInt(value, 10); i++; break;
      default: throw new Error(`unknown argument: ${key}`);
    }
  }
  if (!['push', 'pull', 'local', 'concurrent', 'sample'].includes(args.mode)) {
    throw new Error(`unknown mode: ${args.mode}`);
  }
  if (!['local', 'sample'].includes(args.mode) && !args.url) throw new Error('--url is required');
  if (!(args.docs > 0) || !(args.clients > 0)) throw new Error('--docs and --clients must be > 0');
  return args;
}

const args = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- local databases

// PouchDB 9 ships only the LevelDB adapter for Node; pouchdb-server brings
// pouchdb-adapter-memory (LevelDB core over memdown), which keeps the client off the disk
// the servers write to. Fall back to LevelDB files in a temp dir.
let adapter = args.adapter;
if (adapter === 'auto' || adapter === 'memory') {
  try {
    PouchDB.plugin(require('pouchdb-adapter-memory'));
    adapter = 'memory';
  } catch (err) {
    if (args.adapter === 'memory') throw err;
    adapter = 'leveldb';
  }
}
let tmpDir = null;
let localCounter = 0;

function localDb(label) {
  localCounter += 1;
  const name = `bench-${process.pid}-${label}-${localCounter}`;
  if (adapter === 'memory') return new PouchDB(name, { adapter: 'memory' });
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(args.tmp || os.tmpdir(), 'sync-client-'));
  }
  return new PouchDB(path.join(tmpDir, name), { adapter: 'leveldb' });
}

// ---------------------------------------------------------------- remote databases, instrumented

function remoteDb(url) {
  return new PouchDB(url, AUTH ? { fetch: instrumentedFetch, auth: AUTH } : { fetch: instrumentedFetch });
}

async function remoteDocCount(url) {
  const response = await PouchDB.fetch(url, { headers: authHeaders({ Accept: 'application/json' }) });
  const info = await response.json();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(info)}`);
  return info.doc_count;
}

// ---------------------------------------------------------------- documents

// Municipalities of the Landkreis Kassel, spelt as schemas/municipalities.py spells them.
const TOWNS = ['Baunatal', 'Vellmar', 'Hofgeismar', 'Wolfhagen', 'Kaufungen', 'Lohfelden',
  'Fuldatal', 'Niestetal', 'Söhrewald', 'Fuldabrück', 'Schauenburg', 'Zierenberg', 'Naumburg',
  'Grebenstein', 'Immenhausen', 'Espenau', 'Calden', 'Ahnatal', 'Habichtswald', 'Helsa',
  'Nieste', 'Trendelburg', 'Bad Karlshafen', 'Reinhardshagen', 'Liebenau', 'Breuna',
  'Wesertal', 'Bad Emstal'];

const EVENT_KINDS = ['seniorencafe', 'sprachcafe', 'repaircafe', 'fahrdienst-treffen',
  'spieleabend', 'mittagstisch', 'handy-sprechstunde', 'spaziergang'];

const ORGANIZATIONS = ['nachbarschaftshilfe', 'familienzentrum', 'mehrgenerationenhaus',
  'buergerverein', 'seniorenbeirat', 'ev-kirchengemeinde'];

// Walk-ins are recorded by name only (schemas/checkin.py: WalkInSchema).
const WALK_IN_NAMES = ['Gülay Öztürk', 'Jürgen Müller', 'Hannelore Weiß', 'Björn Schäfer',
  'Ömer Yılmaz', 'Käthe Böhm', 'Olena Kovalenko', 'Günther Fröhlich', 'Marlies Kühn',
  'Ahmad Al-Hassan', 'Renate Großmann', 'Dörte Schröder'];

const CONSENT_PURPOSES = ['registration', 'contact', 'photos'];

function slug(text) {
  return text.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss').replace(/[^a-z0-9]+/g, '-');
}

function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}

// Check-ins [start, end) of the benchmark set, shaped as schemas/checkin.py wants them (the
// gateway validates every write): a registered person (id checkin:<event>:<person>) or,
// about one in four, a walk-in (id checkin:<event>:walkin:<id>) with name and consent.
// The index makes every _id unique.
function makeDocs(seed, start, end) {
  const docs = [];
  const base = Date.UTC(2026, 4, 2, 7, 30, 0);
  for (let i = start; i < end; i++) {
    const rand = mulberry32(seed * 1000003 + i);
    const town = pick(rand, TOWNS);
    const day = 1 + Math.floor(rand() * 28);
    const eventId = `event:2026-05-${String(day).padStart(2, '0')}-${slug(town)}-${pick(rand, EVENT_KINDS)}`;
    const checkedIn = base + i * 7919 + Math.floor(rand() * 60000);
    const createdAt = new Date(checkedIn + Math.floor(rand() * 5000)).toISOString();
    const deviceId = `tablet-${hex(rand, 8)}`;
    const doc = { _id: '', type: 'checkin', schema_version: 1, created_at: createdAt, event_id: eventId };
    if (rand() < 0.25) {
      const walkIn = `${i.toString(36).padStart(6, '0')}${hex(rand, 8)}`;
      doc._id = `checkin:${eventId}:walkin:${walkIn}`;
      doc.walk_in = {
        display_name: pick(rand, WALK_IN_NAMES),
        municipality: rand() < 0.8 ? town : pick(rand, TOWNS),
        consent: { purpose: pick(rand, CONSENT_PURPOSES), given_at: new Date(checkedIn - 60000).toISOString() },
      };
    } else {
      const personId = `person:${i.toString(36).padStart(6, '0')}${hex(rand, 8)}`;
      doc._id = `checkin:${eventId}:${personId}`;
      doc.person_id = personId;
    }
    Object.assign(doc, {
      checked_in_at: new Date(checkedIn).toISOString(),
      by: `user:${hex(rand, 12)}`,
      device_id: deviceId,
      municipality: town,
      organization_id: `org:${pick(rand, ORGANIZATIONS)}-${slug(town)}`,
    });
    docs.push(doc);
  }
  return docs;
}

// Every document of `expected` is in `db`, with the same content and a first-generation rev.
async function verifyContent(db, expected) {
  const info = await db.info();
  if (info.doc_count !== expected.length) {
    throw new Error(`local doc_count ${info.doc_count}, expected ${expected.length}`);
  }
  const result = await db.allDocs({ include_docs: true });
  const byId = new Map(result.rows.map((row) => [row.id, row.doc]));
  for (const doc of expected) {
    const got = byId.get(doc._id);
    if (!got) throw new Error(`missing document ${doc._id}`);
    if (!/^1-[0-9a-f]{32}$/.test(got._rev)) throw new Error(`bad _rev on ${doc._id}: ${got._rev}`);
    if (canonical(got) !== canonical(doc)) {
      throw new Error(`content differs for ${doc._id}: ${JSON.stringify(got)}`);
    }
  }
}

// ---------------------------------------------------------------- replication

function timedReplicate(source, target) {
  return replicateOnce(source, target, args.batchSize);
}

async function runPush() {
  const docs = makeDocs(args.seed, 0, args.docs);
  const local = localDb('src');
  await local.bulkDocs(docs);
  const remote = remoteDb(args.url);
  const { seconds, written } = await timedReplicate(local, remote);
  const remoteCount = await remoteDocCount(args.url);
  if (written !== args.docs || remoteCount !== args.docs) {
    throw new Error(`push wrote ${written}, remote doc_count ${remoteCount}, expected ${args.docs}`);
  }
  return { seconds: round3(seconds), docs_written: written, docs_per_s: rate(args.docs, seconds) };
}

async function runPull() {
  const expected = makeDocs(args.seed, 0, args.docs);
  const local = localDb('dst');
  const remote = remoteDb(args.url);
  const { seconds, written } = await timedReplicate(remote, local);
  if (written !== args.docs) throw new Error(`pull wrote ${written}, expected ${args.docs}`);
  await verifyContent(local, expected);
  return { seconds: round3(seconds), docs_written: written, docs_per_s: rate(args.docs, seconds) };
}

async function runLocal() {
  const docs = makeDocs(args.seed, 0, args.docs);
  const a = localDb('a');
  await a.bulkDocs(docs);
  const b = localDb('b');
  const push = await timedReplicate(a, b);
  const c = localDb('c');
  const pull = await timedReplicate(b, c);
  await verifyContent(c, docs);
  return {
    push: { seconds: round3(push.seconds), docs_written: push.written, docs_per_s: rate(args.docs, push.seconds) },
    pull: { seconds: round3(pull.seconds), docs_written: pull.written, docs_per_s: rate(args.docs, pull.seconds) },
  };
}

async function runConcurrent() {
  const k = args.clients;
  const all = makeDocs(args.seed, 0, args.docs);
  const clients = [];
  let start = 0;
  for (let c = 0; c < k; c++) {
    const size = Math.floor(args.docs / k) + (c < args.docs % k ? 1 : 0);
    const local = localDb(`client${c}`);
    await local.bulkDocs(all.slice(start, start + size));
    clients.push({ local, remote: remoteDb(args.url), size });
    start += size;
  }
  // Created once up front, so K simultaneous PUTs of the same db are not part of the figure.
  const created = await PouchDB.fetch(args.url, { method: 'PUT', headers: authHeaders() });
  if (created.status !== 201 && created.status !== 412) {
    throw new Error(`PUT ${args.url}: ${created.status} ${await created.text()}`);
  }

  const t0 = performance.now();
  const pushes = await Promise.all(clients.map((c) => timedReplicate(c.local, c.remote)));
  const t1 = performance.now();
  const remoteCount = await remoteDocCount(args.url);
  const pushed = pushes.reduce((sum, r) => sum + r.written, 0);
  if (pushed !== args.docs || remoteCount !== args.docs) {
    throw new Error(`concurrent push wrote ${pushed}, remote doc_count ${remoteCount}, expected ${args.docs}`);
  }
  const t2 = performance.now();
  const pulls = await Promise.all(clients.map((c) => timedReplicate(c.remote, c.local)));
  const t3 = performance.now();
  const pulled = pulls.reduce((sum, r) => sum + r.written, 0);
  const expectedPulled = clients.reduce((sum, c) => sum + (args.docs - c.size), 0);
  if (pulled !== expectedPulled) throw new Error(`concurrent pull wrote ${pulled}, expected ${expectedPulled}`);
  for (const c of clients) await verifyContent(c.local, all);

  const pushSeconds = (t1 - t0) / 1000;
  const pullSeconds = (t3 - t2) / 1000;
  return {
    clients: k,
    push: { seconds: round3(pushSeconds), docs_written: pushed, docs_per_s: rate(pushed, pushSeconds) },
    pull: { seconds: round3(pullSeconds), docs_written: pulled, docs_per_s: rate(pulled, pullSeconds) },
    seconds: round3(pushSeconds + pullSeconds),
    docs_moved: pushed + pulled,
    docs_per_s: rate(pushed + pulled, pushSeconds + pullSeconds),
  };
}

async function runSample() {
  const docs = makeDocs(args.seed, 0, args.docs);
  const bytes = docs.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0);
  return { example: docs[0], mean_json_bytes: Math.round(bytes / docs.length), docs };
}

// ---------------------------------------------------------------- main

async function main() {
  const runners = { push: runPush, pull: runPull, local: runLocal, concurrent: runConcurrent,
    sample: runSample };
  const out = { ok: true, mode: args.mode, docs: args.docs, adapter, url: args.url };
  let code = 0;
  try {
    Object.assign(out, await runners[args.mode]());
  } catch (err) {
    out.ok = false;
    out.error = String((err && (err.stack || err.message)) || err);
    if (err && err.status) out.error_status = err.status;
    code = 1;
  }
  out.requests = stats.requests;
  out.gzip_responses = stats.gzipResponses;
  out.status_counts = stats.byStatus;
  out.http_failures = stats.failures;
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  // Exit only once the line is out: a pipe is written asynchronously.
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(code));
}

main();
