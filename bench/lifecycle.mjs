#!/usr/bin/env node
// The full lifecycle of a promised case over HTTP: apply, accept, the first handler's read of
// the case, two approval steps, complete, pickup — six writes and a read — driven by N
// concurrent clients (build/bench/driver: keep-alive connections in one epoll thread, so that
// the load takes little of the CPU the server needs) against a release build of `shenpi serve` on a fresh
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
//   node bench/lifecycle.mjs [--clients 32] [--seconds 20] [--threads N] [--full] [--hello]
//                            [--record FILE]
//
// On SQLite it also measures the disk's rate of one-row commits (WAL, synchronous=FULL) beside
// the database, before and after the load.
//
// --record FILE appends the run's figures as a JSON line; a --hello run then prints every
// run recorded in FILE beside it, with the ratio of its requests/s to hello's (make bench).
import { parseArgs } from 'node:util';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { run, BACKEND, ROOT } from '../tests/http/server.mjs';
import { setupLifecycle, lifecycle, percentiles, statusKB, waitMs, cpuMs, writtenBytes, machine as machineNow } from './lifecycle-lib.mjs';

const { values: opt } = parseArgs({ options: {
  clients: { type: 'string', default: '32' },
  seconds: { type: 'string', default: '20' },
  threads: { type: 'string' },
  hello: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  record: { type: 'string' },
} });
const CLIENTS = Number(opt.clients), SECONDS = Number(opt.seconds);
// SQLite: a write request's thread waits while the writer runs it and the syncer makes it
// durable, and a thread a client (32) did best; PostgreSQL: writes queue on the event log's
// head row, and 4 did better than 16
const THREADS = Number(opt.threads ?? (BACKEND === 'pg' && !opt.hello ? 4 : 32));
if (!(CLIENTS >= 1 && CLIENTS <= 1000 && SECONDS > 0 && SECONDS <= 3600 && THREADS >= 1 && THREADS <= 256)) {
  throw new Error('--clients 1..1000, --seconds up to 3600, --threads 1..256');
}
process.env.SHENPI_BIN ||= path.join(ROOT, 'bin/shenpi');
const target = opt.hello ? 'hello' : opt.full ? `${BACKEND} full` : BACKEND;

/**
 * The load: build/bench/driver runs `clients` loops over the lifecycle's requests for
 * `seconds` against url. The requests are those of lifecycle() (bench/lifecycle-lib.mjs), taken
 * down once with the case's number left as "{no}". → {done, cpu_ms, lat: {kind: [ms…]}}
 */
async function load({ url, ids, clients, seconds, full }) {
  const steps = [];
  await lifecycle({ call: async (kind, who, method, p, body) => {
    steps.push({ kind, method, path: p, cookie: who.session.cookie, csrf: who.session.csrf, body: body ? JSON.stringify(body) : '' });
    return { no: '{no}' };
  } }, ids);
  const { hostname: host, port } = new URL(url);
  const spec = { host, port: Number(port), clients, seconds, headers: full ? '' : 'Prefer: return=minimal\r\n', steps };
  const r = await run(path.join(ROOT, 'build/bench/driver'), [], { input: JSON.stringify(spec), timeout: (seconds + 60) * 1000 });
  if (r.code !== 0) throw new Error(`build/bench/driver: ${r.stderr}`);
  return JSON.parse(r.stdout);
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

{
  const machine = machineNow();
  const { srv, ids } = await setupLifecycle({ hello: opt.hello, threads: THREADS });
  try {
    const pid = srv.proc.pid;
    const dbDir = srv.db?.file && path.dirname(srv.db.file);
    const commitsBefore = dbDir && await commitRate(dbDir);
    const idleKB = statusKB(pid, 'VmRSS');
    let peakKB = idleKB;
    const sampler = setInterval(() => (peakKB = Math.max(peakKB, statusKB(pid, 'VmRSS'))), 100);
    console.log(`load: ${CLIENTS} clients for ${SECONDS} s`);
    const cpu0 = cpuMs(pid), wait0 = waitMs(pid), written0 = writtenBytes(pid), t0 = Date.now();
    const { done, cpu_ms: clientMs, lat } = await load({ url: srv.url, ids, clients: CLIENTS, seconds: SECONDS, full: opt.full });
    clearInterval(sampler);
    const secs = (Date.now() - t0) / 1000;
    const serverCpu = (cpuMs(pid) - cpu0) / 1000, serverWait = (waitMs(pid) - wait0) / 1000;
    const written = writtenBytes(pid) - written0;
    const clientCpu = clientMs / 1000;
    const requests = Object.values(lat).reduce((n, a) => n + a.length, 0);
    const kinds = percentiles(lat);
    const commitsAfter = dbDir && await commitRate(dbDir);
    // SQLite's group commit (src/db/db_sqlite.c): the server's write transactions, the commits that made them and the WAL syncs they waited for
    const metric = (text, name) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0);
    const metrics = dbDir ? (await srv.req('GET', '/metrics')).text : '';
    const transactions = metric(metrics, 'shenpi_db_transactions_total'), commits = metric(metrics, 'shenpi_db_commits_total'), syncs = metric(metrics, 'shenpi_db_syncs_total');
    const result = {
      target, date: new Date().toISOString(), machine, clients: CLIENTS,
      server_threads: THREADS, seconds: +secs.toFixed(1), cases_s: +(done / secs).toFixed(1),
      req_s: Math.round(requests / secs), server_cpu_pct: Math.round(serverCpu / secs * 100),
      client_cpu_pct: Math.round(clientCpu / secs * 100), server_runq_pct: Math.round(serverWait / secs * 100),
      ...(dbDir ? { disk_commits_s: [commitsBefore, commitsAfter], transactions_per_commit: +(transactions / commits).toFixed(2), commits_per_sync: +(commits / syncs).toFixed(2),
        written_kb_per_case: Math.round(written / 1024 / Math.max(done, 1)) } : {}),
      rss_idle_mb: Math.round(idleKB / 1024), rss_peak_mb: Math.round(peakKB / 1024),
      rss_hwm_mb: Math.round(statusKB(pid, 'VmHWM') / 1024), kinds,
    };

    console.log(`lifecycle on ${target}: ${CLIENTS} clients (build/bench/driver), ${result.seconds} s, ${THREADS} server threads; machine: ${machine}`);
    console.log(`completed lifecycles: ${done} → ${result.cases_s}/s (${result.req_s} requests/s)`);
    console.log(`CPU: server ${result.server_cpu_pct}% of a core (${(serverCpu / requests * 1000).toFixed(2)} ms a request), the driver ${result.client_cpu_pct}%; the server's threads waited for a CPU ${result.server_runq_pct}% of the time (summed)`);
    if (dbDir) console.log(`disk: ${commitsBefore} SQLite commits/s before the load, ${commitsAfter} after (one-row transactions, WAL, synchronous=FULL); the server's ${transactions} write transactions took ${commits} commits (${result.transactions_per_commit} a commit) and ${syncs} WAL syncs (${result.commits_per_sync} commits a sync); it wrote ${result.written_kb_per_case} KB to storage a case (the WAL and its checkpoints)`);
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
