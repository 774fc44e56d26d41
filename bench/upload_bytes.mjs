#!/usr/bin/env node
// Bytes on the wire for 100 offline check-ins pushed by the web app's sync, plain and gzipped.
//
//   node bench/upload_bytes.mjs [--checkins 100]
//
// The push goes through the web app's own request path: web/src/sync.js's Sync.fetch (which
// calls Sync.send, the gzip-with-CompressionStream path the browser takes; Node 20 has the
// same CompressionStream), given to PouchDB's HTTP adapter as `fetch`, exactly as the app
// does. The check-ins have the fields web/src/docs.js checkin() writes (ids, ISO times,
// user, device, town, organisation). The receiving end is an in-process PouchDB server
// (express-pouchdb over memory) behind a counter: it records each request body as it came
// over the wire, inflates gzip bodies, and forwards. Run once with compression off (the app
// before, or a browser without CompressionStream) and once on. Loopback, no shaping: this
// measures bytes, not time. Prints the figures and one JSON line.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb').plugin(require('pouchdb-adapter-memory'));
const express = require('express');
const domain = require('../web/src/domain.json');

const count = Number(process.argv[process.argv.indexOf('--checkins') + 1]) || 100;
const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

// express-pouchdb over memory, behind a counter that inflates gzip bodies before forwarding.
async function sink() {
  const app = express();
  app.use(require('express-pouchdb')(MemoryPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const upstream = http.createServer(app);
  const upstreamPort = await listen(upstream);
  const uploads = [];
  const counter = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      const gzipped = req.headers['content-encoding'] === 'gzip';
      const body = gzipped ? zlib.gunzipSync(wire) : wire;
      if (req.method === 'POST' || req.method === 'PUT') {
        uploads.push({ method: req.method, endpoint: req.url.split('?')[0].split('/').pop(), gzip: gzipped,
          wire: wire.length, plain: body.length });
      }
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['content-encoding'];
      const forward = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  const port = await listen(counter);
  return { url: `http://127.0.0.1:${port}`, uploads,
    close: () => Promise.all([counter, upstream].map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))) };
}

function checkins(n) {
  const event = { _id: `${domain.id_prefixes.event}vellmar-2026-11-30-sprachcafe`, municipality: 'Vellmar',
    organization_id: 'org:integrationsbuero-vellmar' };
  const at = (i) => new Date(Date.UTC(2026, 10, 30, 16, 0, i * 17)).toISOString();
  // Person ids are uuid4 hex on the server; md5 of the index looks as random and stays reproducible.
  const person = (i) => `person:${createHash('md5').update(String(i)).digest('hex')}`;
  return Array.from({ length: n }, (_, i) => ({
    _id: `${domain.id_prefixes.checkin}${event._id}:${person(i)}`,
    type: 'checkin', schema_version: 1, created_at: at(i), event_id: event._id,
    person_id: person(i), checked_in_at: at(i),
    by: 'user:e0d08746e5f54114', device_id: 'device-7c1f3a9e2b4d4e0f', municipality: event.municipality,
    organization_id: event.organization_id,
  }));
}

async function push(compress) {
  const target = await sink();
  globalThis.location = { origin: target.url };
  const { Sync } = await import('../web/src/sync.js');
  const sync = new Sync(null, 'token');
  sync.compress = compress;
  sync.remoteUrl = `${target.url}/miteinander-${compress ? 'gzip' : 'plain'}`;
  const remote = new PouchDB(sync.remoteUrl, { fetch: (url, options) => sync.fetch(url, options, 'push') });
  await remote.info(); // creates the database (PUT), as the gateway's exists already
  target.uploads.length = 0;
  const local = new MemoryPouch(`local-${compress}`);
  await local.bulkDocs(checkins(count));
  const result = await local.replicate.to(remote, { batch_size: 100 });
  const arrived = (await remote.info()).doc_count;
  await local.destroy();
  await target.close();
  if (result.docs_written !== count || arrived !== count) throw new Error(`pushed ${result.docs_written}, arrived ${arrived}`);
  const sum = (key, only) => target.uploads.filter((u) => !only || u.endpoint === only).reduce((s, u) => s + u[key], 0);
  return { compress, requests: target.uploads, wire: sum('wire'), plain: sum('plain'),
    bulk_docs_wire: sum('wire', '_bulk_docs'), bulk_docs_plain: sum('plain', '_bulk_docs') };
}

const before = await push(false);
const after = await push(true);
const perDoc = (bytes) => (bytes / count).toFixed(0);
console.log(`${count} check-ins, request bodies on the wire (all uploads: _revs_diff, _bulk_docs, checkpoint):`);
console.log(`  uncompressed: ${before.wire} bytes (${perDoc(before.wire)} per check-in), _bulk_docs ${before.bulk_docs_wire}`);
console.log(`  gzip:         ${after.wire} bytes (${perDoc(after.wire)} per check-in), _bulk_docs ${after.bulk_docs_wire}`
  + ` (of ${after.bulk_docs_plain} inflated)`);
console.log(`  ratio:        ${(after.wire / before.wire).toFixed(3)}`);
console.log(JSON.stringify({ count, before, after, node: process.version }));
