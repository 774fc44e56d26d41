// Live two-way sync of the local database with /sync/miteinander, with the user's token.
//
// Pull and push are two live replications with retry and a capped exponential back-off;
// when the browser comes back online both restart at once instead of waiting out the
// back-off. After each completed pull the documents that left the user's scope are dropped
// (forgetRemoved), and if some came back (reentered) the local database is rebuilt. The push
// leaves out the tombstones that only mean "forgotten here" (keepLocal). A 401 from the
// gateway means the account or device was revoked: the app is told, and wipes the device.

import { reportUnauthorized } from './api.js';
import { beginRemovals, forgetRemoved, keepLocal, reentered } from './removals.js';
import { PouchDB } from './store.js';

const MAX_BACK_OFF_MS = 30_000;
const PROBE_MS = 3_000;

export function backOff(delay) {
  if (delay === 0) return 1000;
  return Math.min(delay * 2, MAX_BACK_OFF_MS) * (0.75 + Math.random() / 2);
}

export class Sync extends EventTarget {
  constructor(store, token) {
    super();
    this.store = store;
    this.token = token;
    this.remoteUrl = `${location.origin}/sync/miteinander`;
    this.pull = null;
    this.push = null;
    this.pullState = 'starting';
    this.pushState = 'starting';
    this.pushFilter = () => true;
    this.networkDown = false;
    this.stopped = true;
    this.afterPullRunning = null;
    this.afterPullAgain = false;
    this.onOnline = () => this.restart();
    this.onOffline = () => this.emit();
    this.onOutbox = () => this.emit();
  }

  headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  // PouchDB's HTTP adapter calls this for every request to the gateway. A request that gets
  // no answer at all means no network, whatever navigator.onLine claims.
  fetch(url, options) {
    options.headers.set('Authorization', `Bearer ${this.token}`);
    return fetch(url, options).then((response) => {
      this.setNetwork(true);
      if (response.status === 401) reportUnauthorized();
      return response;
    }, (err) => {
      if (err && err.name !== 'AbortError') this.setNetwork(false);
      throw err;
    });
  }

  setNetwork(up) {
    if (this.networkDown === !up) return;
    this.networkDown = !up;
    clearInterval(this.probe);
    // While down, ask the gateway every few seconds whether it answers again, and resume at
    // once when it does: a weak mobile link does not always fire the browser's 'online' event.
    if (!up && !this.stopped) {
      this.probe = setInterval(() => {
        fetch('/sync/_up', { cache: 'no-store' }).then((response) => {
          if (response.ok && this.networkDown) {
            this.setNetwork(true);
            this.restart();
          }
        }, () => {});
      }, PROBE_MS);
    }
    this.emit();
  }

  async start() {
    this.stopped = false;
    this.remote = new PouchDB(this.remoteUrl, { fetch: (url, options) => this.fetch(url, options), skip_setup: true });
    this.pushFilter = await keepLocal(this.store.local);
    await beginRemovals(this.store.local, this.remoteUrl, this.headers()).catch(() => {}); // offline: later
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.store.addEventListener('outbox', this.onOutbox);
    this.startPull();
    this.startPush();
    this.emit();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.probe);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.store.removeEventListener('outbox', this.onOutbox);
    this.stopPull();
    this.stopPush();
  }

  // Back online: do not wait for the back-off timer.
  restart() {
    if (this.stopped) return;
    this.stopPull();
    this.stopPush();
    this.startPull();
    this.startPush();
    this.emit();
  }

  startPull() {
    this.pullState = 'active';
    this.pull = this.store.local.replicate.from(this.remote, {
      live: true, retry: true, batch_size: 100, back_off_function: backOff,
    });
    this.pull
      .on('active', () => this.setState('pullState', 'active'))
      .on('paused', (err) => {
        this.setState('pullState', err ? 'error' : 'idle');
        if (!err) this.afterPull();
      })
      .on('error', () => this.setState('pullState', 'error'));
  }

  startPush() {
    this.pushState = 'active';
    this.push = this.store.local.replicate.to(this.remote, {
      live: true, retry: true, batch_size: 100, back_off_function: backOff,
      filter: (doc) => this.pushFilter(doc),
    });
    this.push
      .on('active', () => this.setState('pushState', 'active'))
      .on('change', (info) => {
        if (this.store.outbox.confirm(info.docs.map((doc) => ({ id: doc._id, rev: doc._rev })))) this.emit();
      })
      .on('denied', (err) => {
        const reason = err.reason || err.message || '';
        // A document made and deleted again before it ever reached the server: the server
        // has nothing to delete, which is exactly the state wanted.
        if (/nothing to delete/.test(reason)) this.store.outbox.confirm([{ id: err.id, rev: this.store.outbox.pending[err.id] }]);
        else this.store.outbox.refuse(err.id, reason);
        this.emit();
        this.rollBackRefused();
      })
      .on('paused', (err) => {
        this.setState('pushState', err ? 'error' : 'idle');
        if (!err) this.confirmOutbox();
      })
      .on('error', () => this.setState('pushState', 'error'));
  }

  stopPull() {
    if (this.pull) this.pull.cancel();
    this.pull = null;
  }

  stopPush() {
    if (this.push) this.push.cancel();
    this.push = null;
  }

  setState(name, value) {
    this[name] = value;
    this.emit();
  }

  // Ask the server which outbox revisions it lacks: the rest arrived (perhaps in an earlier
  // run whose 'change' event we missed, e.g. the page was closed right after the write).
  async confirmOutbox() {
    const pending = this.store.outbox.pending;
    const ids = Object.keys(pending);
    if (ids.length) {
      try {
        const missing = await this.remote.revsDiff(Object.fromEntries(ids.map((id) => [id, [pending[id]]])));
        this.store.outbox.confirm(ids.filter((id) => !missing[id]).map((id) => ({ id, rev: pending[id] })));
      } catch {
        return; // offline again; the next pause asks again
      }
    }
    this.emit();
  }

  afterPull() {
    if (this.afterPullRunning) {
      this.afterPullAgain = true;
      return;
    }
    this.afterPullRunning = (async () => {
      do {
        this.afterPullAgain = false;
        try {
          await this.forget();
        } catch (err) {
          if (/answered 401/.test(String(err && err.message))) reportUnauthorized();
        }
      } while (this.afterPullAgain && !this.stopped);
    })().finally(() => {
      this.afterPullRunning = null;
      this.emit();
    });
  }

  // A refused revision that competes with the server's version of the same document (e.g.
  // another volunteer checked the same person in first) is deleted here, so this device
  // shows what the server holds instead of keeping a version nobody else will ever see.
  async rollBackRefused() {
    const local = this.store.local;
    for (const [id, { rev }] of Object.entries(this.store.outbox.refused)) {
      let leaves;
      try {
        leaves = (await local.get(id, { open_revs: 'all' })).filter((leaf) => leaf.ok && !leaf.ok._deleted);
      } catch {
        continue;
      }
      const mine = leaves.some((leaf) => leaf.ok._rev === rev);
      const theirs = leaves.some((leaf) => leaf.ok._rev !== rev);
      if (!mine) {
        this.store.outbox.forget(id);
      } else if (theirs) {
        const result = await local.remove(id, rev);
        this.store.outbox.forget(id);
        this.store.noteWrite(result.id, result.rev);
      }
    }
    this.emit();
  }

  async forget() {
    const local = this.store.local;
    // Without purge, forgetRemoved writes local tombstones: the push must not run until its
    // filter knows them, or it would send them to the server as deletions.
    const canPurge = typeof local._purge === 'function';
    if (!canPurge) this.stopPush();
    try {
      await forgetRemoved(local, this.remoteUrl, this.headers());
      this.pushFilter = await keepLocal(local);
    } finally {
      if (!canPurge && !this.stopped) this.startPush();
    }
    if (this.store.outbox.refusedCount) await this.rollBackRefused();
    const back = await reentered(local, this.remoteUrl, this.headers());
    // Rebuilding drops the local database: only when nothing is waiting to be pushed.
    if (back.length && this.store.outbox.size === 0 && !this.stopped) {
      this.stop();
      await this.store.rebuild();
      await this.start();
    }
  }

  get connection() {
    if (!navigator.onLine || this.networkDown) return 'offline';
    if (this.pullState === 'error' || this.pushState === 'error') return 'connecting';
    if (this.pullState === 'active' || this.pushState === 'active') return 'syncing';
    return 'online';
  }

  status() {
    return {
      connection: this.connection,
      pending: this.store.outbox.size,
      refused: this.store.outbox.refusedCount,
      lastSyncAt: this.store.lastSyncAt,
    };
  }

  emit() {
    const status = this.status();
    // A moment when both directions are caught up and nothing waits: that is a completed sync.
    if (status.connection === 'online' && status.pending === 0 && !this.afterPullRunning) {
      this.store.lastSyncAt = new Date().toISOString();
      status.lastSyncAt = this.store.lastSyncAt;
    }
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }
}
