#!/usr/bin/env node
// The Node side of the many-devices benchmark (bench/devices_bench.py runs it).
//
// Roles (--role):
//
//   devices  simulated tablets --from i --to j of the config's device list. Each has its own
//            PouchDB 9 database (memory adapter), its own HTTP agent (keep-alive, at most
//            `max_sockets` connections, as a browser holds per host; nothing is shared between
//            devices, not even cookies: node-fetch is called directly, not PouchDB's
//            fetch-cookie wrapper) and runs PouchDB.sync(local, remote, {live: true, retry: true,
//            batch_size: 100, back_off_function}) as the web app does (web/src/sync.js: the same
//            capped exponential back-off). Once the runner says `go`, each device puts its
//            check-ins into its local database at the times the schedule says; each local
//            database's changes({live: true, since: 'now'}) records when the other devices'
//            check-ins arrive.
//   monitor  one admin follower of the server's _changes (feed=longpoll, style=all_docs) that
//            records when each check-in is first visible on the server.
//   proxy    a counting HTTP proxy on loopback (--listen-port, --target URL) between our gateway
//            and its CouchDB store; GET /__bench_counts answers the counts so far.
//
// Protocol: the runner writes a config JSON (--config, mode 600: it holds credentials) and reads
// one JSON event per line on stdout: {"event":"ready"} once every device finished its first
// sync (or the ready timeout passed), {"event":"drained"} once every device of this process holds
// every check-in it should (monitor: the server holds them all) or the convergence deadline
// passed, {"event":"done"} after the result file (--out) is written. The runner sends lines on
// stdin: "go <epoch ms>" (time zero of the schedule), "mark" (start of the idle window: request
// counters restart) and "stop" (cancel every sync, write the result, exit). stdin closing counts
// as "stop", and a hard deadline in the config ends the process whatever happens.
//
// All times are Date.now() epoch milliseconds of this machine, so the processes' clocks agree;
// the result reports them relative to `go`.

import http from 'node:http';
import fs from 'node:fs';
import readline from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { PouchDB } from './client_common.mjs';

const require = createRequire(import.meta.url);
const nodeFetch = require('node-fetch');

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const args = { role: null, config: null, out: null, from: 0, to: null, listenPort: null, target: null };
  const keys = { '--role': 'role', '--config': 'config', '--out': 'out', '--from': 'from', '--to': 'to',
    '--listen-port': 'listenPort', '--target': 'target' };
  const numbers = new Set(['from', 'to', 'listenPort']);
  for (let i = 0; i < argv.length; i += 2) {
    const name = keys[argv[i]];
    if (!name || i + 1 >= argv.length) throw new Error(`bad argument: ${argv[i]}`);
    args[name] = numbers.has(name) ? parseInt(argv[i + 1], 10) : argv[i + 1];
  }
  if (!['devices', 'monitor', 'proxy'].includes(args.role)) throw new Error(`unknown role: ${args.role}`);
  if (args.role === 'proxy') {
    if (!(args.listenPort > 0) || !args.target) throw new Error('proxy needs --listen-port and --target');
  } else if (!args.config || !args.out) {
    throw new Error('--config and --out are required');
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

function emit(event, extra = {}) {
  process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...extra })}\n`);
}

// ---------------------------------------------------------------- counting proxy

function runProxy() {
  const target = new URL(args.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const counts = { total: 0, by_kind: {}, errors: 0, started: Date.now() };
  // "GET _changes longpoll", "POST _bulk_docs", "GET doc", ...: enough to see what the store is asked.
  function kind(method, url) {
    const [path, query = ''] = url.split('?');
    const parts = path.split('/').filter(Boolean);
    let what = parts.length <= 1 ? (parts[0] && parts[0].startsWith('_') ? parts[0] : 'db') : 'doc';
    const special = parts.slice(1).find((p) => p.startsWith('_'));
    if (special) what = special;
    if (what === '_changes') {
      const feed = /(?:^|&)feed=([a-z]+)/.exec(query);
      what += ` ${feed ? feed[1] : 'normal'}`;
    }
    return `${method} ${what}`;
  }
  const server = http.createServer((req, res) => {
    if (req.url === '/__bench_counts') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ...counts, now: Date.now() }));
      return;
    }
    counts.total += 1;
    const k = kind(req.method, req.url);
    counts.by_kind[k] = (counts.by_kind[k] || 0) + 1;
    let finished = false;
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url,
      headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.on('end', () => { finished = true; });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      counts.errors += 1;
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end('{"error":"bad_gateway","reason":"store unreachable (bench proxy)"}');
    });
    res.on('close', () => { if (!finished) upstream.destroy(); });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(args.listenPort, '127.0.0.1', () => emit('ready', { port: args.listenPort }));
  const stop = () => { server.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (args.role === 'proxy') {
  runProxy();
} else {
  main();
}

// ---------------------------------------------------------------- devices and monitor

function main() {
  const cfg = JSON.parse(fs.readFileSync(args.config, 'utf8'));
  PouchDB.plugin(require('pouchdb-adapter-memory'));
  const writes = cfg.writes; // [{device, offset_ms, doc}], sorted by offset
  const idIndex = new Map(writes.map((w, i) => [w.doc._id, i]));
  const lastOffset = writes.reduce((max, w) => Math.max(max, w.offset_ms), 0);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });

  let go = null;
  let phase = 'setup';
  let stopping = false;
  let drainedSent = false;
  const phases = ['setup', 'run', 'settle', 'idle'];
  const stats = Object.fromEntries(phases.map((p) => [p, newStats()]));
  const failureSamples = [];
  const sampledKinds = {};
  // At most two examples of each kind of failure (status or error code, and request kind), so
  // that a flood of one kind does not hide the others.
  function sample(key, entry) {
    sampledKinds[key] = (sampledKinds[key] || 0) + 1;
    if (sampledKinds[key] <= 2 && failureSamples.length < 30) failureSamples.push(entry);
  }
  let loopRun = null;

  function newStats() {
    return { requests: 0, by_status: {}, by_kind: {}, http_errors: 0, net_errors: 0, net_by_code: {}, retries: 0,
      fatal_errors: 0, denied: 0, unhandled: 0 };
  }

  // "GET _changes longpoll", "PUT _local", "POST _bulk_get", "GET db": what the devices ask for.
  function requestKind(method, url) {
    const [path, query = ''] = String(url).split('?');
    const rest = path.slice(path.indexOf(dbPath) + dbPath.length).split('/').filter(Boolean);
    let what = rest.length ? (rest[0].startsWith('_') ? rest[0] : 'doc') : 'db';
    if (what === '_changes') {
      const feed = /(?:^|&)feed=([a-z]+)/.exec(query);
      what += ` ${feed ? feed[1] : 'normal'}`;
    }
    return `${method} ${what}`;
  }
  const dbPath = new URL(cfg.url).pathname;

  // 404 on a replication checkpoint (_local/...) is how every first sync starts; anything else
  // that is not 2xx counts as an error.
  function expectedStatus(url, status) {
    return status === 404 && /\/_local\//.test(url);
  }

  function stripCredentials(url) {
    return String(url).replace(/\/\/[^@/]*@/, '//');
  }

  // An instrumented fetch of one's own: its own agent (connections never shared), counts every
  // answer and every network error, keeps a few failing requests for the report.
  function makeFetch(agent, bearer, who) {
    return async function fetchWithCounts(url, opts = {}) {
      if (agent) opts.agent = agent;
      if (bearer) {
        if (!opts.headers) opts.headers = new nodeFetch.Headers();
        opts.headers.set('Authorization', `Bearer ${bearer}`);
      }
      const s = stats[phase];
      s.requests += 1;
      const kind = requestKind(opts.method || 'GET', url);
      s.by_kind[kind] = (s.by_kind[kind] || 0) + 1;
      let response;
      try {
        response = await nodeFetch(url, opts);
      } catch (err) {
        if (!stopping && !(err && err.name === 'AbortError')) {
          const code = (err && (err.code || err.errno || err.type || err.name)) || 'error';
          stats[phase].net_errors += 1;
          stats[phase].net_by_code[code] = (stats[phase].net_by_code[code] || 0) + 1;
          sample(`${code} ${kind}`, { who, phase, method: opts.method || 'GET', url: stripCredentials(url),
            error: String(err && err.message).slice(0, 300), t: go ? Date.now() - go : null });
        }
        throw err;
      }
      s.by_status[response.status] = (s.by_status[response.status] || 0) + 1;
      if (!response.ok && !expectedStatus(String(url), response.status)) {
        s.http_errors += 1;
        const key = `${response.status} ${kind}`;
        if ((sampledKinds[key] || 0) < 2 && failureSamples.length < 30) {
          let body = '';
          try { body = (await response.clone().text()).slice(0, 300); } catch (err) { body = `<${err}>`; }
          sample(key, { who, phase, method: opts.method || 'GET', url: stripCredentials(url),
            status: response.status, body, requestBody: typeof opts.body === 'string' ? opts.body.slice(0, 300) : '',
            t: go ? Date.now() - go : null });
        }
      }
      return response;
    };
  }

  function agentFor() {
    return cfg.keepalive ? new http.Agent({ keepAlive: true, maxSockets: cfg.max_sockets }) : null;
  }

  function urlWithBasic(url, auth) {
    if (!auth || auth.type !== 'basic') return url;
    const userinfo = `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}`;
    return url.replace('://', `://${userinfo}@`);
  }

  // The web app's back-off (web/src/sync.js): 1 s, then doubling, capped at 30 s, +-25 % jitter.
  function backOff(delay) {
    if (delay === 0) return 1000;
    return Math.min(delay * 2, 30_000) * (0.75 + Math.random() / 2);
  }

  // ------------------------------------------------------------ devices

  class Device {
    constructor(spec) {
      this.spec = spec;
      this.index = spec.index;
      this.events = new Set(spec.events);
      this.local = new PouchDB(`device-${process.pid}-${spec.index}`, { adapter: 'memory' });
      const bearer = spec.auth && spec.auth.type === 'bearer' ? spec.auth.token : null;
      this.remote = new PouchDB(urlWithBasic(cfg.url, spec.auth), {
        fetch: makeFetch(agentFor(), bearer, `device ${spec.index}`), skip_setup: cfg.skip_setup });
      this.expectedTotal = 0;
      for (let i = 0; i < writes.length; i++) if (this.expects(i)) this.expectedTotal += 1;
      this.received = 0; // expected check-ins arrived
      this.extra = 0; // check-ins of other devices it was not meant to count (other events)
      this.arrivals = []; // [write index, ms after go]
      this.seen = new Set();
      this.pullIdle = false;
      this.readyAt = null;
      this.convergedAt = null;
      this.puts = []; // [write index, tap ms after go, put duration ms]
      this.putErrors = 0;
    }

    expects(i) {
      const w = writes[i];
      return w.device !== this.index && (!cfg.scoped || this.events.has(w.doc.event_id));
    }

    start() {
      this.feed = this.local.changes({ since: 'now', live: true });
      this.feed.on('change', (change) => this.onChange(change.id));
      this.feed.on('error', () => {});
      this.sync = PouchDB.sync(this.local, this.remote, {
        live: true, retry: true, batch_size: cfg.batch_size, back_off_function: backOff });
      for (const direction of ['pull', 'push']) {
        const rep = this.sync[direction];
        rep.on('paused', (err) => {
          if (err) {
            stats[phase].retries += 1;
          } else if (direction === 'pull' && !this.readyAt) {
            this.readyAt = Date.now();
          }
        });
        rep.on('denied', () => { stats[phase].denied += 1; });
      }
      this.sync.on('error', (err) => {
        stats[phase].fatal_errors += 1;
        sample('fatal', { who: `device ${this.index}`, phase, fatal: String((err && err.message) || err) });
      });
    }

    onChange(id) {
      const i = idIndex.get(id);
      if (i === undefined || this.seen.has(i)) return;
      if (writes[i].device === this.index) return;
      this.seen.add(i);
      const now = Date.now();
      if (this.expects(i)) {
        this.received += 1;
        this.arrivals.push([i, go ? now - go : null]);
        if (this.received === this.expectedTotal && this.putsDone()) this.convergedAt = now;
        checkDrained();
      } else {
        this.extra += 1;
      }
    }

    putsDone() {
      return this.puts.length + this.putErrors === this.ownWrites;
    }

    async write(i) {
      const t = Date.now();
      const iso = new Date(t).toISOString();
      const doc = { ...writes[i].doc, created_at: iso, checked_in_at: iso };
      if (doc.walk_in) doc.walk_in = { ...doc.walk_in, consent: { ...doc.walk_in.consent, given_at: iso } };
      try {
        await this.local.put(doc);
        this.puts.push([i, t - go, Date.now() - t, t - (go + writes[i].offset_ms)]);
      } catch (err) {
        this.putErrors += 1;
        sample('put', { who: `device ${this.index}`, put: String(err) });
      }
      if (this.received === this.expectedTotal && this.putsDone() && !this.convergedAt) this.convergedAt = Date.now();
      checkDrained();
    }

    converged() {
      return this.received === this.expectedTotal && this.putsDone();
    }

    missing(limit) {
      const out = [];
      for (let i = 0; i < writes.length && out.length < limit; i++) {
        if (this.expects(i) && !this.seen.has(i)) out.push(writes[i].doc._id);
      }
      return out;
    }

    stop() {
      try { this.sync.cancel(); } catch (err) { /* already gone */ }
      try { this.feed.cancel(); } catch (err) { /* already gone */ }
    }
  }

  // ------------------------------------------------------------ monitor

  class Monitor {
    constructor() {
      this.agent = agentFor() || new http.Agent({ keepAlive: true, maxSockets: 2 });
      this.fetch = makeFetch(this.agent, null, 'monitor');
      this.headers = {};
      if (cfg.monitor_auth) {
        const token = Buffer.from(`${cfg.monitor_auth.username}:${cfg.monitor_auth.password}`).toString('base64');
        this.headers.Authorization = `Basic ${token}`;
      }
      this.seen = new Map(); // write index -> ms after go (null before go)
      this.leaves = {}; // write index -> number of leaf revisions seen in the feed, if > 1
      this.polls = 0;
      this.since = 0;
      this.readyAt = null;
      this.drainedAt = null;
      this.running = true;
    }

    async loop() {
      while (this.running && !stopping) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 70_000);
        try {
          const since = typeof this.since === 'string' ? this.since : JSON.stringify(this.since);
          const url = `${cfg.url}/_changes?feed=longpoll&style=all_docs&timeout=25000&since=${encodeURIComponent(since)}`;
          const response = await this.fetch(url, { headers: new nodeFetch.Headers(this.headers),
            signal: controller.signal });
          const text = await response.text();
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const feed = JSON.parse(text);
          const now = Date.now();
          this.polls += 1;
          for (const row of feed.results || []) {
            const i = idIndex.get(row.id);
            if (i === undefined) continue;
            if (!this.seen.has(i)) this.seen.set(i, go ? now - go : null);
            if (row.changes && row.changes.length > 1) this.leaves[i] = row.changes.length;
          }
          if (feed.last_seq !== undefined) this.since = feed.last_seq;
          if (!this.readyAt) {
            this.readyAt = now;
            emit('ready', { ready: 1, of: 1 });
          }
          checkDrained();
        } catch (err) {
          if (stopping) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        } finally {
          clearTimeout(timer);
        }
      }
    }
  }

  // ------------------------------------------------------------ lifecycle

  const devices = [];
  let monitor = null;
  let deadlineTimer = null;

  function allConverged() {
    if (monitor) return monitor.seen.size === writes.length;
    return devices.every((d) => d.converged());
  }

  function checkDrained(force = false) {
    if (drainedSent || go === null) return;
    if (!force && !allConverged()) return;
    drainedSent = true;
    if (deadlineTimer) clearTimeout(deadlineTimer);
    phase = 'settle';
    loopDelay.disable();
    loopRun = {
      p50_ms: loopDelay.count ? round1(loopDelay.percentile(50) / 1e6) : null,
      p99_ms: loopDelay.count ? round1(loopDelay.percentile(99) / 1e6) : null,
      max_ms: loopDelay.count ? round1(loopDelay.max / 1e6) : null,
    };
    emit('drained', { converged: allConverged(), at: Date.now() - go });
  }

  function round1(x) {
    return Math.round(x * 10) / 10;
  }

  function startGo(epoch) {
    go = epoch;
    phase = 'run';
    loopDelay.enable();
    if (!monitor) {
      for (const d of devices) d.ownWrites = 0;
      const byIndex = new Map(devices.map((d) => [d.index, d]));
      writes.forEach((w, i) => {
        const device = byIndex.get(w.device);
        if (!device) return;
        device.ownWrites += 1;
        setTimeout(() => { if (!stopping) device.write(i); }, Math.max(0, go + w.offset_ms - Date.now()));
      });
    } else {
      // The monitor saw the pre-existing documents (none of the check-ins) before go.
      for (const [i, t] of monitor.seen) if (t === null) monitor.seen.set(i, 0);
    }
    const deadline = go + lastOffset + cfg.converge_timeout_ms;
    deadlineTimer = setTimeout(() => checkDrained(true), Math.max(0, deadline - Date.now()));
    checkDrained();
  }

  function result() {
    const out = { role: args.role, pid: process.pid, go, phase_stats: stats, failures: failureSamples,
      loop_delay_run: loopRun, memory_mib: Math.round(process.memoryUsage().rss / 2 ** 20) };
    if (monitor) {
      out.seen = [...monitor.seen.entries()];
      out.multi_leaf = monitor.leaves;
      out.polls = monitor.polls;
      out.missing = writes.filter((w, i) => !monitor.seen.has(i)).slice(0, 20).map((w) => w.doc._id);
      out.missing_count = writes.length - monitor.seen.size;
    } else {
      out.devices = devices.map((d) => ({
        index: d.index, ready_at: d.readyAt && go ? d.readyAt - go : null, ready: d.readyAt !== null,
        expected: d.expectedTotal, received: d.received, extra: d.extra, put_errors: d.putErrors,
        converged: d.converged(), converged_at: d.convergedAt && go ? d.convergedAt - go : null,
        missing: d.missing(5), arrivals: d.arrivals, puts: d.puts,
      }));
    }
    return out;
  }

  let finishing = false;
  function finish(reason) {
    if (finishing) return;
    finishing = true;
    stopping = true;
    for (const d of devices) d.stop();
    if (monitor) monitor.running = false;
    const out = result();
    out.stop_reason = reason;
    fs.writeFileSync(args.out, JSON.stringify(out));
    process.stdout.write(`${JSON.stringify({ event: 'done', t: Date.now() })}\n`, () => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }

  // The last resort: whatever the runner does, this process ends.
  setTimeout(() => finish('hard deadline'), Math.max(1000, cfg.hard_deadline_epoch - Date.now())).unref();

  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [command, value] = line.trim().split(/\s+/);
    if (command === 'go') startGo(Number(value));
    else if (command === 'mark') phase = 'idle';
    else if (command === 'stop') finish('stop');
  });
  input.on('close', () => finish('stdin closed'));

  // PouchDB 9 lets some failed requests go unhandled (e.g. a GET of the database that a
  // reset connection ends). In a browser that is a console message and the page goes on; here
  // it would end the process with every device in it, so it is counted and the devices go on.
  const onUnhandled = (err) => {
    if (stopping) return;
    stats[phase].unhandled += 1;
    sample(`unhandled ${err && err.code}`, { who: 'process', phase,
      unhandled: String((err && err.message) || err).slice(0, 300), t: go ? Date.now() - go : null });
  };
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);

  // Many databases and feeds in one process: PouchDB adds listeners per replication.
  process.setMaxListeners(0);
  require('events').EventEmitter.defaultMaxListeners = 0;

  if (args.role === 'monitor') {
    monitor = new Monitor();
    monitor.loop();
    return;
  }

  const specs = cfg.devices.slice(args.from, args.to === null ? undefined : args.to);
  specs.forEach((spec, k) => {
    const device = new Device(spec);
    devices.push(device);
    // Staggered, as tablets are not all switched on in the same millisecond.
    setTimeout(() => { if (!stopping) device.start(); }, k * cfg.stagger_ms);
  });
  const readyDeadline = Date.now() + cfg.ready_timeout_ms;
  const readyTimer = setInterval(() => {
    const ready = devices.filter((d) => d.readyAt !== null).length;
    if (ready === devices.length || Date.now() >= readyDeadline) {
      clearInterval(readyTimer);
      emit('ready', { ready, of: devices.length });
    }
  }, 100);
}
