// Scenarios run by the real PouchDB 9 client against a live server; pytest asserts on the report.
// Usage: node pouch.mjs <scenario> '<json args>'. Prints one JSON line. Local databases live in cwd.
import crypto from 'node:crypto';
import PouchDB from 'pouchdb';
import { beginRemovals, forgetRemoved, reentered } from '../../web/src/removals.js';

const Local = PouchDB.defaults({ prefix: process.cwd() + '/' });
let localCount = 0;
const local = () => new Local(`local-${localCount++}`);

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function checkins(count, start = 0) {
  const docs = [];
  for (let i = start; i < start + count; i++) {
    docs.push({
      _id: `checkin:ev${i % 50}:p${String(i).padStart(6, '0')}`,
      type: 'checkin',
      schema_version: 1,
      event_id: `ev${i % 50}`,
      person_id: `p${i}`,
      checked_in_at: new Date(Date.UTC(2026, 10, 1, 9, 0, i % 60)).toISOString(),
      device_id: 'tablet-1',
    });
  }
  return docs;
}

// Everything a replica holds that replication must carry: every doc's id, leaves and winner.
async function snapshot(db) {
  const all = await db.allDocs({ conflicts: true, include_docs: true });
  const rows = {};
  for (const row of all.rows) {
    rows[row.id] = { rev: row.value.rev, conflicts: (row.doc._conflicts || []).slice().sort() };
  }
  return rows;
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function existing(db, id) {
  try { return await db.get(id); } catch (err) { if (err.status === 404) return null; throw err; }
}

const scenarios = {
  // Push N docs to the server, pull them into a fresh replica, compare both snapshots.
  async push_pull({ url, count }) {
    const source = local();
    await source.bulkDocs(checkins(count));
    let started = Date.now();
    const push = await source.replicate.to(url);
    const pushMs = Date.now() - started;
    const target = local();
    started = Date.now();
    const pull = await target.replicate.from(url);
    const pullMs = Date.now() - started;
    const again = await source.replicate.to(url);
    return {
      push: { status: push.status, docs_written: push.docs_written, failures: push.doc_write_failures, ms: pushMs },
      pull: { status: pull.status, docs_written: pull.docs_written, failures: pull.doc_write_failures, ms: pullMs },
      second_push_docs_read: again.docs_read,
      source: sha256(JSON.stringify(await snapshot(source))),
      target: sha256(JSON.stringify(await snapshot(target))),
      target_count: (await target.info()).doc_count,
    };
  },

  // Replicate, cancel after the first batches are checkpointed, run again: the second run
  // must transfer only what the first one did not.
  async resume({ url, count, direction }) {
    const source = direction === 'push' ? local() : new PouchDB(url);
    const target = direction === 'push' ? new PouchDB(url) : local();
    if (direction === 'push') await source.bulkDocs(checkins(count));
    let checkpoints = 0;
    let firstWritten = 0;
    await new Promise((resolve, reject) => {
      const rep = PouchDB.replicate(source, target, { batch_size: 100 });
      rep.on('checkpoint', (info) => {
        if (info.checkpoint !== undefined && ++checkpoints === 3) rep.cancel();
      });
      rep.on('change', (info) => { firstWritten = info.docs_written; });
      rep.on('complete', resolve);
      rep.on('error', reject);
    });
    const second = await PouchDB.replicate(source, target, { batch_size: 100 });
    return {
      first_written: firstWritten,
      second_read: second.docs_read,
      second_written: second.docs_written,
      target_count: (await target.info()).doc_count,
    };
  },

  // Two replicas edit the same document offline, then both sync: same winner, same conflicts.
  async conflict({ url }) {
    const a = local();
    const b = local();
    await a.put({ _id: 'hours:v1:2026-11-20', minutes: 90, status: 'pending' });
    await a.replicate.to(url);
    await b.replicate.from(url);
    const docA = await a.get('hours:v1:2026-11-20');
    const docB = await b.get('hours:v1:2026-11-20');
    await a.put({ ...docA, minutes: 120 });
    await b.put({ ...docB, status: 'approved' });
    for (const db of [a, b, a]) await db.sync(url);
    const winnerA = await a.get('hours:v1:2026-11-20', { conflicts: true });
    const winnerB = await b.get('hours:v1:2026-11-20', { conflicts: true });
    return {
      a: { rev: winnerA._rev, conflicts: winnerA._conflicts || [], body: winnerA },
      b: { rev: winnerB._rev, conflicts: winnerB._conflicts || [], body: winnerB },
    };
  },

  // Deletions made on one replica reach a replica that already held the documents.
  async deletions({ url }) {
    const a = local();
    const b = local();
    await a.bulkDocs(checkins(20));
    await a.replicate.to(url);
    await b.replicate.from(url);
    const gone = (await a.allDocs({ limit: 5 })).rows;
    await a.bulkDocs(gone.map((row) => ({ _id: row.id, _rev: row.value.rev, _deleted: true })));
    await a.replicate.to(url);
    await b.replicate.from(url);
    const deleted = [];
    for (const row of gone) if ((await existing(b, row.id)) === null) deleted.push(row.id);
    return { deleted_ids: gone.map((row) => row.id), gone_on_b: deleted, b_count: (await b.info()).doc_count };
  },

  // Live sync both ways: a change on A reaches B, and back, without restarting anything.
  async live({ url }) {
    const a = local();
    const b = local();
    const syncA = a.sync(url, { live: true, retry: true });
    const syncB = b.sync(url, { live: true, retry: true });
    try {
      let started = Date.now();
      await a.put({ _id: 'event:live-1', title: 'Sprachcafé Vellmar' });
      await until(async () => (await existing(b, 'event:live-1')) !== null, 20000, 'A -> B');
      const aToB = Date.now() - started;
      started = Date.now();
      const doc = await b.get('event:live-1');
      await b.put({ ...doc, title: 'Sprachcafé Vellmar (Raum 2)' });
      await until(async () => (await existing(a, 'event:live-1'))?.title === 'Sprachcafé Vellmar (Raum 2)',
        20000, 'B -> A');
      const bToA = Date.now() - started;
      return { a_to_b_ms: aToB, b_to_a_ms: bToA, a: await a.get('event:live-1'), b: await b.get('event:live-1') };
    } finally {
      syncA.cancel();
      syncB.cancel();
    }
  },

  // Binary attachments survive push and pull byte for byte.
  async attachments({ url, size }) {
    const a = local();
    const b = local();
    const bytes = crypto.randomBytes(size);
    const text = Buffer.from('Einwilligung erteilt – موافقة – згода', 'utf8');
    await a.put({
      _id: 'consent:p1',
      _attachments: {
        'scan.bin': { content_type: 'application/octet-stream', data: bytes },
        'note.txt': { content_type: 'text/plain; charset=utf-8', data: text },
      },
    });
    await a.replicate.to(url);
    await b.replicate.from(url);
    const gotBin = await b.getAttachment('consent:p1', 'scan.bin');
    const gotText = await b.getAttachment('consent:p1', 'note.txt');
    const doc = await b.get('consent:p1');
    return {
      sent: { bin: sha256(bytes), text: sha256(text) },
      received: { bin: sha256(gotBin), text: sha256(gotText) },
      stubs: doc._attachments,
    };
  },

  // Pull everything into a fresh replica; report each document's attachments (data inline).
  async pull_attachments({ url }) {
    const target = local();
    const pull = await target.replicate.from(url);
    const all = await target.allDocs({ include_docs: true, attachments: true });
    return {
      status: pull.status,
      failures: pull.doc_write_failures,
      attachments: Object.fromEntries(all.rows.map((row) => [row.id, row.doc._attachments])),
    };
  },

  // Ids and attachment names with "/" (PouchDB sends ids as one encoded segment, a%2Fb),
  // pushed, pulled and used by id on the server.
  async slash_ids({ url }) {
    const remote = new PouchDB(url);
    const a = local();
    const b = local();
    const text = Buffer.from('mit Schrägstrich', 'utf8');
    await a.bulkDocs([
      { _id: 'bin_doc/with/slash', _attachments: { 'foo/bar.txt': { content_type: 'text/plain', data: text } } },
      { _id: 'plain', n: 1 },
    ]);
    const push = await a.replicate.to(url);
    const pull = await b.replicate.from(url);
    const put = await remote.put({ _id: 'x/y', n: 2 });
    const read = await remote.get('x/y');
    const removed = await remote.remove('x/y', put.rev);
    return {
      push: { status: push.status, written: push.docs_written, failures: push.doc_write_failures },
      pull: { status: pull.status, written: pull.docs_written, failures: pull.doc_write_failures },
      pulled_ids: (await b.allDocs()).rows.map((row) => row.id).sort(),
      pulled_attachment: (await b.getAttachment('bin_doc/with/slash', 'foo/bar.txt')).toString('utf8'),
      remote_attachment: (await remote.getAttachment('bin_doc/with/slash', 'foo/bar.txt')).toString('utf8'),
      remote_id: (await remote.get('bin_doc/with/slash'))._id,
      read: { id: read._id, n: read.n },
      removed: removed.ok === true && removed.id === 'x/y',
    };
  },

  // A remote database whose name holds "/" (its URL ends in a%2Fb): PouchDB creates it,
  // pushes to it, pulls from it into a fresh replica, and an edit there comes back.
  async slash_db({ url }) {
    const remote = new PouchDB(url);
    const a = local();
    const b = local();
    await a.bulkDocs([{ _id: 'one', n: 1 }, { _id: 'two/with/slash', n: 2 }]);
    const push = await a.replicate.to(url);
    const pull = await b.replicate.from(url);
    const two = await b.get('two/with/slash');
    await b.put({ ...two, n: 3 });
    const back = await b.replicate.to(url);
    const again = await a.replicate.from(url);
    return {
      push: { status: push.status, written: push.docs_written, failures: push.doc_write_failures },
      pull: { status: pull.status, written: pull.docs_written, failures: pull.doc_write_failures },
      back: { status: back.status, written: back.docs_written, failures: back.doc_write_failures },
      again: { status: again.status, written: again.docs_written, failures: again.doc_write_failures },
      pulled_ids: (await b.allDocs()).rows.map((row) => row.id).sort(),
      edited: (await a.get('two/with/slash')).n,
      remote_info: { db_name: (await remote.info()).db_name, doc_count: (await remote.info()).doc_count },
    };
  },

  // putAttachment / getAttachment / removeAttachment over HTTP, then a pull of the result.
  async put_attachment({ url }) {
    const remote = new PouchDB(url);
    const bytes = crypto.randomBytes(3000);
    const created = await remote.putAttachment('att/doc', 'scans/p1.bin', bytes, 'application/octet-stream');
    const second = await remote.putAttachment('att/doc', 'note.txt', created.rev, Buffer.from('hallo'), 'text/plain');
    const got = await remote.getAttachment('att/doc', 'scans/p1.bin');
    const withBoth = await remote.get('att/doc');
    const removed = await remote.removeAttachment('att/doc', 'scans/p1.bin', second.rev);
    const after = await remote.get('att/doc');
    const b = local();
    const pull = await b.replicate.from(url);
    return {
      created: { ok: created.ok, id: created.id, rev: created.rev },
      second: { ok: second.ok, rev: second.rev },
      same_bytes: sha256(got) === sha256(bytes),
      names_with_both: Object.keys(withBoth._attachments).sort(),
      removed: { ok: removed.ok, rev: removed.rev },
      names_after: Object.keys(after._attachments).sort(),
      after_rev: after._rev,
      pull: { status: pull.status, failures: pull.doc_write_failures },
      pulled_note: (await b.getAttachment('att/doc', 'note.txt')).toString('utf8'),
    };
  },

  // Push a named local replica (seeded once with N docs) to the server; used across a crash.
  async push_named({ url, name, count }) {
    const source = new Local(name);
    if ((await source.info()).doc_count === 0) await source.bulkDocs(checkins(count));
    try {
      const result = await source.replicate.to(url, { batch_size: 100 });
      return { status: result.status, docs_read: result.docs_read, docs_written: result.docs_written,
        snapshot: await snapshot(source) };
    } catch (err) {
      return { status: 'error', error: String(err && (err.message || err.name)) };
    }
  },

  // Pull a user's scope into a named local replica (kept between runs), then forget what left
  // the scope; report what the device holds afterwards.
  async pull_scope({ url, name, removed_revs = {} }) {
    let local = new Local(name);
    await beginRemovals(local, url); // as the web app does before its first pull
    let pull = await local.replicate.from(url);
    const forgotten = await forgetRemoved(local, url);
    const back = await reentered(local, url);
    if (back.length) { // what the web app does: start the device's copy afresh
      await local.destroy();
      local = new Local(name);
      pull = await local.replicate.from(url);
    }
    const live = (await local.allDocs()).rows.map((row) => row.id).sort();
    const leftovers = [];
    for (const [id, rev] of Object.entries(removed_revs)) {
      try {
        await local.get(id, { rev });
        leftovers.push(id);
      } catch (err) {
        if (err.status !== 404) throw err;
      }
    }
    return { status: pull.status, denied: pull.doc_write_failures, live, forgotten, reentered: back, leftovers };
  },

  // Pull with PouchDB's selector option (POST _changes?filter=_selector), once and then live:
  // a matching document written later arrives, one that does not match never does.
  async selector_pull({ url, selector, batch_size, later_match, later_other }) {
    const target = local();
    const once = await target.replicate.from(url, { selector, batch_size });
    const pulled = (await target.allDocs()).rows.map((row) => row.id).sort();
    const remote = new PouchDB(url);
    const live = target.replicate.from(url, { selector, live: true, batch_size });
    await remote.bulkDocs([later_other, later_match]);
    await until(async () => (await existing(target, later_match._id)) !== null, 15000, 'the live match');
    live.cancel();
    return {
      status: once.status,
      docs_read: once.docs_read,
      pulled,
      live_pulled: (await target.allDocs()).rows.map((row) => row.id).sort(),
    };
  },

  // Pull everything from the server into a fresh replica; report what arrived.
  async pull({ url }) {
    const target = local();
    const pull = await target.replicate.from(url);
    return { status: pull.status, failures: pull.doc_write_failures, doc_count: (await target.info()).doc_count };
  },

  // Replicate between two servers with PouchDB as the replicator (http -> http).
  async replicate({ source, target }) {
    const result = await PouchDB.replicate(source, target);
    return { status: result.status, docs_written: result.docs_written, failures: result.doc_write_failures };
  },
};

const [name, rawArgs] = process.argv.slice(2);
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}`);
  process.exit(2);
}
const report = await scenarios[name](JSON.parse(rawArgs || '{}'));
console.log(JSON.stringify(report));
