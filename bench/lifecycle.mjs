#!/usr/bin/env node
// The full lifecycle of a promised case over HTTP: apply, accept, the first handler's read of
// the case, two approval steps, complete, pickup — six writes and a read — driven by N
// concurrent clients (split over Node worker threads) against a release build of `shenpi serve` on a fresh
// demo database (SQLite, or PostgreSQL with SHENPI_TEST_DB=pg SHENPI_PG_URL=…), or with
// --hello against build/bench/hello (libmicrohttpd with shenpi's threading and options, a
// fixed reply, no database): the same requests (methods, path shapes, headers, bodies), as the
// ceiling the machine allows. Reports completed cases per second, requests per second, p50/p99
// of each request kind, the server's CPU time and its RSS (idle, highest sampled under load,
// high-water mark). See docs/performance.md.
//
// The writes ask for the case in brief (`Prefer: return=minimal`), as a program does; with
// --full they get the whole case back, as the web does.
//
//   node bench/lifecycle.mjs [--clients 32] [--client-threads 2] [--seconds 20] [--threads 4]
//                            [--full] [--hello] [--record FILE]
//
// On SQLite it also measures the disk's rate of one-row commits (WAL, synchronous=FULL) beside
// the database, before and after the load.
//
// --record FILE appends the run's figures as a JSON line; a --hello run then prints every
// run recorded in FILE beside it, with the ratio of its requests/s to hello's (make bench).
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import { run, BACKEND, ROOT } from '../tests/http/server.mjs';
import { setupLifecycle, lifecycleClient, lifecycle, percentiles, statusKB, waitMs, cpuMs, writtenBytes, machine as machineNow } from './lifecycle-lib.mjs';

const { values: opt } = parseArgs({ options: {
  clients: { type: 'string', default: '32' },
  seconds: { type: 'string', default: '20' },
  threads: { type: 'string', default: '4' },
  'client-threads': { type: 'string', default: '2' },
  hello: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  record: { type: 'string' },
} });
const CLIENTS = Number(opt.clients), SECONDS = Number(opt.seconds), WORKERS = Number(opt['client-threads']);
if (!(CLIENTS >= 1 && CLIENTS <= 1000 && SECONDS > 0 && SECONDS <= 3600 && WORKERS >= 1 && WORKERS <= 16)) {
  throw new Error('--clients 1..1000, --seconds up to 3600, --client-threads 1..16');
}
process.env.SHENPI_BIN ||= path.join(ROOT, 'bin/shenpi');
const target = opt.hello ? 'hello' : opt.full ? `${BACKEND} full` : BACKEND;

/**
 * One client thread's share of the load: `clients` loops over the lifecycle for `seconds`.
 * → {done, lat: {kind: [ms…]}}
 */
async function load({ url, ids, clients, seconds, full }) {
  const c = lifecycleClient(url, clients * 2, { full });
  let done = 0, stop = false;
  async function loop() { while (!stop) { await lifecycle(c, ids); done++; } }
  const loops = Array.from({ length: clients }, loop);
  await new Promise((res) => setTimeout(res, seconds * 1000));
  stop = true;
  await Promise.all(loops);
  c.close();
  return { done, lat: c.lat };
}

/** Commits a second of a one-row SQLite transaction (WAL, synchronous=FULL) in dir: the disk's fsync rate. */
async function commitRate(dir) {
  const file = path.join(dir, 'fsync.db'), n = 200;
  const sql = 'PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(x);\n' +
    Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES(${i});`).join('\n');
  const t0 = Date.now();
  const r = await run('sqlite3', [file], { input: sql });
  if (r.code !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  const rate = Math.round(n / ((Date.now() - t0) / 1000));
  for (const f of ['', '-wal', '-shm']) rmSync(file + f, { force: true });
  return rate;
}

if (!isMainThread) {
  parentPort.postMessage(await load(workerData));
} else {
  const machine = machineNow();
  const { srv, ids } = await setupLifecycle({ hello: opt.hello, threads: Number(opt.threads) });
  try {
    const pid = srv.proc.pid;
    const dbDir = srv.db?.file && path.dirname(srv.db.file);
    const commitsBefore = dbDir && await commitRate(dbDir);
    const idleKB = statusKB(pid, 'VmRSS');
    let peakKB = idleKB;
    const sampler = setInterval(() => (peakKB = Math.max(peakKB, statusKB(pid, 'VmRSS'))), 100);
    console.log(`load: ${CLIENTS} clients for ${SECONDS} s`);
    const cpu0 = cpuMs(pid), wait0 = waitMs(pid), written0 = writtenBytes(pid), client0 = process.cpuUsage(), t0 = Date.now();
    // the clients split over --client-threads Node threads, so that one thread's event loop does not cap hello
    const shares = Array.from({ length: WORKERS }, (_, i) => Math.floor(CLIENTS / WORKERS) + (i < CLIENTS % WORKERS));
    const workers = shares.filter(Boolean).map((clients) => new Worker(new URL(import.meta.url), { workerData: {
      url: srv.url, ids, clients, seconds: SECONDS, full: opt.full } }));
    const parts = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0]));
    clearInterval(sampler);
    const secs = (Date.now() - t0) / 1000;
    const serverCpu = (cpuMs(pid) - cpu0) / 1000, serverWait = (waitMs(pid) - wait0) / 1000;
    const written = writtenBytes(pid) - written0;
    const clientCpu = Object.values(process.cpuUsage(client0)).reduce((a, b) => a + b) / 1e6;
    const done = parts.reduce((n, p) => n + p.done, 0);
    const lat = {};
    for (const p of parts) for (const [k, a] of Object.entries(p.lat)) (lat[k] ||= []).push(...a);
    const requests = Object.values(lat).reduce((n, a) => n + a.length, 0);
    const kinds = percentiles(lat);
    const commitsAfter = dbDir && await commitRate(dbDir);
    // SQLite's group commit (src/db/db_sqlite.c): the server's write transactions and the WAL syncs they waited for
    const metric = (text, name) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0);
    const metrics = dbDir ? (await srv.req('GET', '/metrics')).text : '';
    const commits = metric(metrics, 'shenpi_db_commits_total'), syncs = metric(metrics, 'shenpi_db_syncs_total');
    const result = {
      target, date: new Date().toISOString(), machine, clients: CLIENTS, client_threads: WORKERS,
      server_threads: Number(opt.threads), seconds: +secs.toFixed(1), cases_s: +(done / secs).toFixed(1),
      req_s: Math.round(requests / secs), server_cpu_pct: Math.round(serverCpu / secs * 100),
      client_cpu_pct: Math.round(clientCpu / secs * 100), server_runq_pct: Math.round(serverWait / secs * 100),
      ...(dbDir ? { disk_commits_s: [commitsBefore, commitsAfter], commits_per_sync: +(commits / syncs).toFixed(2),
        written_kb_per_case: Math.round(written / 1024 / Math.max(done, 1)) } : {}),
      rss_idle_mb: Math.round(idleKB / 1024), rss_peak_mb: Math.round(peakKB / 1024),
      rss_hwm_mb: Math.round(statusKB(pid, 'VmHWM') / 1024), kinds,
    };

    console.log(`lifecycle on ${target}: ${CLIENTS} clients in ${WORKERS} Node threads, ${result.seconds} s, ${opt.threads} server threads; machine: ${machine}`);
    console.log(`completed lifecycles: ${done} → ${result.cases_s}/s (${result.req_s} requests/s)`);
    console.log(`CPU: server ${result.server_cpu_pct}% of a core (${(serverCpu / requests * 1000).toFixed(2)} ms a request), clients ${result.client_cpu_pct}%; the server's threads waited for a CPU ${result.server_runq_pct}% of the time (summed)`);
    if (dbDir) console.log(`disk: ${commitsBefore} SQLite commits/s before the load, ${commitsAfter} after (one-row transactions, WAL, synchronous=FULL); the server's ${commits} commits shared ${syncs} WAL syncs (${result.commits_per_sync} a sync); it wrote ${result.written_kb_per_case} KB to storage a case (the WAL and its checkpoints)`);
    console.log(`server RSS: idle ${result.rss_idle_mb} MB, highest under load ${result.rss_peak_mb} MB, high-water ${result.rss_hwm_mb} MB`);
    console.log('request        n   p50 ms   p99 ms');
    for (const [k, v] of Object.entries(kinds)) {
      console.log(`${k.padEnd(8)} ${String(v.n).padStart(7)} ${v.p50.toFixed(2).padStart(8)} ${v.p99.toFixed(2).padStart(8)}`);
    }
    if (opt.record) {
      const earlier = existsSync(opt.record) ? readFileSync(opt.record, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : [];
      appendFileSync(opt.record, JSON.stringify(result) + '\n');
      if (opt.hello) {
        console.log(`\nthe runs recorded in ${opt.record}, against hello (${result.req_s} requests/s):`);
        for (const r of earlier) {
          console.log(`${r.target.padEnd(8)} ${String(r.cases_s).padStart(8)} cases/s ${String(r.req_s).padStart(7)} requests/s = ${(r.req_s / result.req_s * 100).toFixed(1)}% of hello (${r.date}, load ${r.machine.split('load average ')[1]})`);
        }
      }
    }
  } finally {
    await srv.close();
    await srv.db?.drop();
  }
}
