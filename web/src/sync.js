// Live two-way sync of the local database with /sync/miteinander, with the user's token.
//
// Pull and push are two live replications with retry and a capped exponential back-off;
// when the browser comes back online both restart at once instead of waiting out the
// back-off. After each completed pull the documents that left the user's scope are dropped
// (forgetRemoved), and if some came back (reentered) the local database is rebuilt. The push
// leaves out the tombstones that only mean "forgotten here" (keepLocal). A 401 from the
// gateway means the account or device was revoked: the app is told, and wipes the device.
//
// Uploads (_bulk_docs, _revs_diff, _bulk_get) go gzipped: on a slow link the upload is most of
// a sync. A watchdog restarts a replication that stalled: PouchDB can neither finish nor fail
// when a response is cut after its headers, and the tablet would then send nothing until reloaded.

import { reportUnauthorized } from './api.js';
import { beginRemovals, forgetRemoved, keepLocal, reentered } from './removals.js';
import { PouchDB } from './store.js';

const MAX_BACK_OFF_MS = 30_000;
const PROBE_MS = 3_000;
// A live replication that should be busy and has shown no sign of life (no byte received, no
// request begun or ended, no replication event) this long is cancelled and started again.
// The pull's feed sends a heartbeat three times within it, so an idle feed is never taken for stalled.
const STALL_MS = globalThis.MITEINANDER_STALL_MS || 40_000;
const HEARTBEAT_MS = Math.min(10_000, Math.floor(STALL_MS / 3));
// The restart stays in the status bar this long.
const RESTART_NOTICE_MS = 60_000;
const COMPRESSED = /\/(_bulk_docs|_revs_diff|_bulk_get)(\?|$)/;
// Below this a gzip header and trailer cost more than they save.
const COMPRESS_FROM = 512;

async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

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
    this.compress = typeof CompressionStream === 'function';
    // Per direction: requests whose answer is not read to its end, and the last sign of life.
    this.traffic = { pull: { outstanding: new Set(), lastSign: 0 }, push: { outstanding: new Set(), lastSign: 0 } };
    this.restartedAt = null;
  }

  headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  // PouchDB's HTTP adapter calls this for every request to the gateway. A request that gets
  // no answer at all means no network, whatever navigator.onLine claims.
  async fetch(url, options, direction) {
    options.headers.set('Authorization', `Bearer ${this.token}`);
    const traffic = this.traffic[direction];
    const request = new AbortController();
    if (options.signal) options.signal.addEventListener('abort', () => request.abort(options.signal.reason));
    const sign = () => { traffic.lastSign = Date.now(); };
    const done = () => {
      traffic.outstanding.delete(request);
      sign();
    };
    traffic.outstanding.add(request);
    sign();
    let response;
    try {
      response = await this.send(url, { ...options, signal: request.signal });
    } catch (err) {
      done();
      if (err && err.name !== 'AbortError') this.setNetwork(false);
      throw err;
    }
    this.setNetwork(true);
    if (response.status === 401) reportUnauthorized();
    if (!response.body) {
      done();
      return response;
    }
    // Every chunk of the answer is a sign of life; the request ends when its body ends, fails,
    // is cancelled, or the replication is cancelled and its requests aborted.
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          sign();
          if (end) {
            done();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          done();
          controller.error(err);
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    });
    const watched = new Response(body, { status: response.status, statusText: response.statusText,
      headers: response.headers });
    request.signal.addEventListener('abort', done);
    return watched;
  }

  // A push request's JSON body (unless tiny) goes gzipped where the browser can compress. A server that
  // does not take compressed bodies (415) gets this one and every later one plain.
  async send(url, options) {
    const compress = this.compress && options.method === 'POST' && typeof options.body === 'string'
      && options.body.length >= COMPRESS_FROM && COMPRESSED.test(url);
    if (!compress) return fetch(url, options);
    const headers = new Headers(options.headers);
    headers.set('Content-Encoding', 'gzip');
    const response = await fetch(url, { ...options, headers, body: await gzip(options.body) });
    if (response.status !== 415) return response;
    this.compress = false;
    return fetch(url, options);
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
    // One remote per direction, so that the watchdog knows whose requests are outstanding.
    this.remotes = Object.fromEntries(['pull', 'push'].map((direction) => [direction, new PouchDB(this.remoteUrl, {
      fetch: (url, options) => this.fetch(url, options, direction), skip_setup: true })]));
    this.remote = this.remotes.push;
    this.pushFilter = await keepLocal(this.store.local);
    await beginRemovals(this.store.local, this.remoteUrl, this.headers()).catch(() => {}); // offline: later
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.store.addEventListener('outbox', this.onOutbox);
    this.startPull();
    this.startPush();
    this.watchdog = setInterval(() => this.checkStalled(), Math.max(250, Math.floor(STALL_MS / 4)));
    this.emit();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.probe);
    clearInterval(this.watchdog);
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

  // A direction should be busy when it is active, or for the pull also when it waits on its
  // feed; waiting out a back-off after an error is not a stall.
  checkStalled() {
    if (this.stopped || this.networkDown) return;
    const now = Date.now();
    for (const direction of ['pull', 'push']) {
      const state = this[`${direction}State`];
      const busy = state === 'active' || (direction === 'pull' && state === 'idle');
      if (busy && now - this.traffic[direction].lastSign > STALL_MS) this.restartStalled(direction);
    }
  }

  restartStalled(direction) {
    this.restartedAt = new Date().toISOString();
    if (direction === 'pull') this.stopPull();
    else this.stopPush();
    // Abort what is still open: a request whose answer stopped coming would otherwise hold on.
    for (const request of this.traffic[direction].outstanding) request.abort();
    this.traffic[direction].outstanding.clear();
    this.traffic[direction].lastSign = Date.now();
    // Started again after the first step of the back-off, as PouchDB's own retry would.
    setTimeout(() => {
      if (this.stopped) return;
      if (direction === 'pull' && !this.pull) this.startPull();
      if (direction === 'push' && !this.push) this.startPush();
      this.emit();
    }, backOff(0));
    this.emit();
  }

  startPull() {
    this.pullState = 'active';
    this.traffic.pull.lastSign = Date.now();
    this.pull = this.store.local.replicate.from(this.remotes.pull, {
      live: true, retry: true, batch_size: 100, back_off_function: backOff, heartbeat: HEARTBEAT_MS,
    });
    this.pull
      .on('active', () => this.setState('pullState', 'active'))
      .on('change', () => { this.traffic.pull.lastSign = Date.now(); })
      .on('paused', (err) => {
        this.setState('pullState', err ? 'error' : 'idle');
        if (!err) this.afterPull();
      })
      .on('error', () => this.setState('pullState', 'error'));
  }

  startPush() {
    this.pushState = 'active';
    this.traffic.push.lastSign = Date.now();
    this.push = this.store.local.replicate.to(this.remotes.push, {
      live: true, retry: true, batch_size: 100, back_off_function: backOff,
      filter: (doc) => this.pushFilter(doc),
    });
    this.push
      .on('active', () => this.setState('pushState', 'active'))
      .on('change', (info) => {
        this.traffic.push.lastSign = Date.now();
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
    this.traffic[name === 'pullState' ? 'pull' : 'push'].lastSign = Date.now();
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
      restartedAt: this.restartedAt && Date.now() - Date.parse(this.restartedAt) < RESTART_NOTICE_MS
        ? this.restartedAt : null,
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
