// The local database of the logged-in user, and every write the app makes to it.
//
// PouchDB keeps the documents in IndexedDB with the "indexeddb" adapter, which can purge:
// documents that leave the user's scope are purged (see removals.js). Each user has a
// database of their own; logging out or a revoked session destroys it.
//
// Every write goes through save()/remove(), which also note the new revision in the outbox:
// the changes made here that the server has not confirmed yet. The sync status shows how
// many there are, so a volunteer knows when it is safe to switch the tablet off.

import PouchDB from 'pouchdb';
import IndexeddbAdapter from 'pouchdb-adapter-indexeddb';

PouchDB.plugin(IndexeddbAdapter);

export { PouchDB };

const OUTBOX_PREFIX = 'miteinander.outbox.';
const LAST_SYNC_PREFIX = 'miteinander.lastSync.';

export function localName(userId) {
  return `miteinander-${userId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function openLocal(name) {
  return new PouchDB(name, { adapter: 'indexeddb', auto_compaction: true });
}

// Revisions written here and not yet confirmed by the server: {id: rev}. Only ids and
// revisions are kept (no names), in localStorage so the count survives a reload offline.
export class Outbox {
  constructor(key) {
    this.key = key;
    const saved = JSON.parse(localStorage.getItem(key) || '{}');
    this.pending = saved.pending || {};
    this.refused = saved.refused || {};
  }

  get size() {
    return Object.keys(this.pending).length;
  }

  get refusedCount() {
    return Object.keys(this.refused).length;
  }

  persist() {
    localStorage.setItem(this.key, JSON.stringify({ pending: this.pending, refused: this.refused }));
  }

  add(id, rev) {
    this.pending[id] = rev;
    delete this.refused[id];
    this.persist();
  }

  // The server has these revisions (or newer ones on top of them).
  confirm(entries) {
    let changed = false;
    for (const { id, rev } of entries) {
      if (this.pending[id] === rev) {
        delete this.pending[id];
        changed = true;
      }
    }
    if (changed) this.persist();
    return changed;
  }

  // The server refused the document (write rules or schema): it will not go through by retrying.
  refuse(id, reason) {
    if (!(id in this.pending)) return;
    this.refused[id] = { rev: this.pending[id], reason: reason || 'forbidden' };
    delete this.pending[id];
    this.persist();
  }

  // A refused revision that was rolled back (the server's version stands).
  forget(id) {
    delete this.refused[id];
    this.persist();
  }

  clear() {
    localStorage.removeItem(this.key);
    this.pending = {};
    this.refused = {};
  }
}

export class Store extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.name = localName(session.user_id);
    this.local = openLocal(this.name);
    this.outbox = new Outbox(OUTBOX_PREFIX + this.name);
    this.feed = null;
    this.changeTimer = null;
    this.watch();
  }

  get lastSyncAt() {
    return localStorage.getItem(LAST_SYNC_PREFIX + this.name);
  }

  set lastSyncAt(value) {
    localStorage.setItem(LAST_SYNC_PREFIX + this.name, value);
  }

  // Views re-read when documents change (local writes and pulled ones), at most every 150 ms.
  watch() {
    this.feed = this.local.changes({ since: 'now', live: true })
      .on('change', () => {
        clearTimeout(this.changeTimer);
        this.changeTimer = setTimeout(() => this.dispatchEvent(new Event('change')), 150);
      })
      .on('error', () => {});
  }

  unwatch() {
    clearTimeout(this.changeTimer);
    if (this.feed) this.feed.cancel();
    this.feed = null;
  }

  noteWrite(id, rev) {
    this.outbox.add(id, rev);
    this.dispatchEvent(new Event('outbox'));
  }

  async save(doc) {
    const result = await this.local.put(doc);
    this.noteWrite(result.id, result.rev);
    return { ...doc, _rev: result.rev };
  }

  async remove(doc) {
    const result = await this.local.remove(doc._id, doc._rev);
    this.noteWrite(result.id, result.rev);
    return result;
  }

  // Several writes at once (e.g. resolving a conflict); returns PouchDB's per-document results.
  async bulk(docs) {
    const results = await this.local.bulkDocs(docs);
    for (const result of results) {
      if (result.ok) this.noteWrite(result.id, result.rev);
    }
    return results;
  }

  async get(id, options) {
    try {
      return await this.local.get(id, options);
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }

  // Every live version of a document: the winning one and those it conflicts with.
  async liveLeaves(id) {
    try {
      const leaves = await this.local.get(id, { open_revs: 'all' });
      return leaves.filter((leaf) => leaf.ok && !leaf.ok._deleted).map((leaf) => leaf.ok);
    } catch (err) {
      if (err.status === 404) return [];
      throw err;
    }
  }

  // Live documents whose id starts with ``prefix`` (ids carry their type: "event:", "checkin:<event>:").
  async byPrefix(prefix, options = {}) {
    const result = await this.local.allDocs({ include_docs: true, startkey: prefix, endkey: `${prefix}\uffff`, ...options });
    return result.rows.filter((row) => row.doc).map((row) => row.doc);
  }

  // Start over from the server: used when documents re-enter the user's scope.
  async rebuild() {
    this.unwatch();
    await this.local.destroy();
    this.local = openLocal(this.name);
    this.watch();
    this.dispatchEvent(new Event('change'));
  }

  // Personal data must not stay on a device whose session ended.
  async destroy() {
    this.unwatch();
    this.outbox.clear();
    localStorage.removeItem(LAST_SYNC_PREFIX + this.name);
    try {
      await this.local.destroy();
    } catch {
      // already gone
    }
  }
}

// Remove a database left by another account on this device (after a different login).
export async function destroyLocal(userId) {
  const name = localName(userId);
  localStorage.removeItem(OUTBOX_PREFIX + name);
  localStorage.removeItem(LAST_SYNC_PREFIX + name);
  try {
    await new PouchDB(name, { adapter: 'indexeddb' }).destroy();
  } catch {
    // nothing there
  }
}
