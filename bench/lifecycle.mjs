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
//   node bench/lifecycle.mjs [--clients 32] [--client-threads 2] [--seconds 20] [--threads 4]
//                            [--hello] [--record FILE]
//
// On SQLite it also measures the disk's rate of one-row commits (WAL, synchronous=FULL) beside
// the database, before and after the load.
//
// --record FILE appends the run's figures as a JSON line; a --hello run then prints every
// run recorded in FILE beside it, with the ratio of its requests/s to hello's (make bench).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { makeDb, startServer, expectStatus, agentRequest, run, BACKEND, ROOT } from '../tests/http/server.mjs';
import { idCard } from '../tests/http/ids.mjs';

const { values: opt } = parseArgs({ options: {
  clients: { type: 'string', default: '32' },
  seconds: { type: 'string', default: '20' },
  threads: { type: 'string', default: '4' },
  'client-threads': { type: 'string', default: '2' },
  hello: { type: 'boolean', default: false },
  record: { type: 'string' },
} });
const CLIENTS = Number(opt.clients), SECONDS = Number(opt.seconds), WORKERS = Number(opt['client-threads']);
if (!(CLIENTS >= 1 && CLIENTS <= 1000 && SECONDS > 0 && SECONDS <= 3600 && WORKERS >= 1 && WORKERS <= 16)) {
  throw new Error('--clients 1..1000, --seconds up to 3600, --client-threads 1..16');
}
process.env.SHENPI_BIN ||= path.join(ROOT, 'bin/shenpi');
const target = opt.hello ? 'hello' : BACKEND;

// /proc/PID/status in kB, /proc/PID/stat CPU time in ms (utime + stime, clock ticks of 10 ms)
const status = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);
// run-queue wait of all the process's threads in ms (/proc/PID/task/*/schedstat: on-CPU ns, waiting ns, slices)
const waitMs = (pid) => readdirSync(`/proc/${pid}/task`).reduce((ms, t) => {
  try { return ms + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[1]) / 1e6; } catch { return ms; }
}, 0);
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** The hello server on an ephemeral port: {url, proc, close()}. */
async function startHello() {
  const proc = spawn(path.join(ROOT, 'build/bench/hello'), ['--threads', opt.threads], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [line] = await once(proc.stderr, 'data');
  const addr = JSON.parse(String(line).split('\n')[0]).addr;
  return { url: `http://${addr}`, proc, close: async () => { proc.kill('SIGTERM'); await once(proc, 'exit'); } };
}

/**
 * Set up what the lifecycle needs: {srv: {url, proc, close()}, clerk, h1, h2, item, material}.
 * shenpi: a demo database, four activated users, an item whose process is accept → approve
 * (h1) → approve (h2) → complete. hello: stand-ins of the same sizes.
 */
async function setup() {
  if (opt.hello) {
    const who = { session: { cookie: '0'.repeat(64), csrf: '0'.repeat(64) } };
    return { srv: await startHello(), clerk: who, h1: who, h2: who, item: 1000, material: 1000 };
  }
  const srv = await startServer({ db: await makeDb({ demo: true }), args: ['--threads', opt.threads] });
  const [admin, clerk, h1, h2] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj01', '510104scj02'].map((u) => srv.activate(u)));
  const units = (await srv.req('GET', '/api/v1/units', { session: admin.session })).json.items;
  const unit = units.find((u) => u.code === 'scj');
  const r = await srv.req('POST', '/api/v1/items', { session: admin.session, body: {
    unit_id: unit.id, code: 'BENCH-001', name: '压测事项', kind: 'promised', statutory_days: 20,
    promised_days: 5, entered: true, materials: [{ name: '申请书', form: 'original' }] } });
  expectStatus(r, 201);
  const item = r.json;
  const step = (stage, name, kind, days, handler) => ({ stage, name, kind, limit_days: days, ...(handler ? { handler_id: handler } : {}) });
  expectStatus(await srv.req('PUT', `/api/v1/items/${item.id}/process`, { session: admin.session, body: { steps: [
    step(1, '受理', 'accept', 0), step(2, '初审', 'approve', 2, h1.user.id),
    step(3, '复审', 'approve', 2, h2.user.id), step(4, '办结', 'complete', 1)] } }), 200);
  // The harness parses every line the server logs (one a request); the clients share the CPU
  // with the server, so the log is dropped during the load.
  srv.proc.stderr.removeAllListeners('data');
  srv.proc.stderr.resume();
  return { srv, clerk, h1, h2, item: item.id, material: item.materials[0].id };
}

/**
 * One client thread's share of the load: `clients` loops over the lifecycle for `seconds`.
 * → {done, lat: {kind: [ms…]}}
 */
async function load({ url, clerk, h1, h2, item, material, clients, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients * 2 });
  const lat = {};
  async function call(kind, who, method, p, body) {
    const t0 = process.hrtime.bigint();
    const r = await agentRequest(agent, url, who, method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${r.text}`);
    (lat[kind] ||= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
    return r.json;
  }
  const applicant = { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' };
  let done = 0, stop = false;
  async function lifecycle() {
    const c = await call('apply', clerk, 'POST', '/api/v1/cases', { item_id: item, applicant, materials: [{ id: material, present: true }] });
    const at = (a) => `/api/v1/cases/${c.no}${a}`;
    await call('accept', clerk, 'POST', at('/accept'), {});
    await call('read', h1, 'GET', at(''));
    await call('submit 1', h1, 'POST', at('/submit'), { opinion: '同意' });
    await call('submit 2', h2, 'POST', at('/submit'), { opinion: '同意' });
    await call('complete', clerk, 'POST', at('/complete'), { opinion: '准予许可', doc_no: '无批文号', permitted: true });
    await call('pickup', clerk, 'POST', at('/pickup'), { id_no: applicant.id_no, rating: 5 });
    done++;
  }
  async function loop() { while (!stop) await lifecycle(); }
  const loops = Array.from({ length: clients }, loop);
  await new Promise((res) => setTimeout(res, seconds * 1000));
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return { done, lat };
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
  const machine = `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  const { srv, clerk, h1, h2, item, material } = await setup();
  try {
    const pid = srv.proc.pid;
    const dbDir = srv.db?.file && path.dirname(srv.db.file);
    const commitsBefore = dbDir && await commitRate(dbDir);
    const idleKB = status(pid, 'VmRSS');
    let peakKB = idleKB;
    const sampler = setInterval(() => (peakKB = Math.max(peakKB, status(pid, 'VmRSS'))), 100);
    const cpu0 = cpuMs(pid), wait0 = waitMs(pid), client0 = process.cpuUsage(), t0 = Date.now();
    // the clients split over --client-threads Node threads, so that one thread's event loop does not cap hello
    const shares = Array.from({ length: WORKERS }, (_, i) => Math.floor(CLIENTS / WORKERS) + (i < CLIENTS % WORKERS));
    const workers = shares.filter(Boolean).map((clients) => new Worker(new URL(import.meta.url), { workerData: {
      url: srv.url, clerk: { session: clerk.session }, h1: { session: h1.session }, h2: { session: h2.session },
      item, material, clients, seconds: SECONDS } }));
    const parts = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0]));
    clearInterval(sampler);
    const secs = (Date.now() - t0) / 1000;
    const serverCpu = (cpuMs(pid) - cpu0) / 1000, serverWait = (waitMs(pid) - wait0) / 1000;
    const clientCpu = Object.values(process.cpuUsage(client0)).reduce((a, b) => a + b) / 1e6;
    const done = parts.reduce((n, p) => n + p.done, 0);
    const lat = {};
    for (const p of parts) for (const [k, a] of Object.entries(p.lat)) (lat[k] ||= []).push(...a);
    const requests = Object.values(lat).reduce((n, a) => n + a.length, 0);
    const pct = (a, q) => a[Math.min(a.length - 1, Math.floor(q * a.length))];
    const kinds = Object.fromEntries(Object.entries(lat).map(([k, a]) => {
      a.sort((x, y) => x - y);
      return [k, { n: a.length, p50: +pct(a, 0.5).toFixed(2), p99: +pct(a, 0.99).toFixed(2) }];
    }));
    const commitsAfter = dbDir && await commitRate(dbDir);
    const result = {
      target, date: new Date().toISOString(), machine, clients: CLIENTS, client_threads: WORKERS,
      server_threads: Number(opt.threads), seconds: +secs.toFixed(1), cases_s: +(done / secs).toFixed(1),
      req_s: Math.round(requests / secs), server_cpu_pct: Math.round(serverCpu / secs * 100),
      client_cpu_pct: Math.round(clientCpu / secs * 100), server_runq_pct: Math.round(serverWait / secs * 100),
      ...(dbDir ? { disk_commits_s: [commitsBefore, commitsAfter] } : {}),
      rss_idle_mb: Math.round(idleKB / 1024), rss_peak_mb: Math.round(peakKB / 1024),
      rss_hwm_mb: Math.round(status(pid, 'VmHWM') / 1024), kinds,
    };

    console.log(`lifecycle on ${target}: ${CLIENTS} clients in ${WORKERS} Node threads, ${result.seconds} s, ${opt.threads} server threads; machine: ${machine}`);
    console.log(`completed lifecycles: ${done} → ${result.cases_s}/s (${result.req_s} requests/s)`);
    console.log(`CPU: server ${result.server_cpu_pct}% of a core (${(serverCpu / requests * 1000).toFixed(2)} ms a request), clients ${result.client_cpu_pct}%; the server's threads waited for a CPU ${result.server_runq_pct}% of the time (summed)`);
    if (dbDir) console.log(`disk: ${commitsBefore} SQLite commits/s before the load, ${commitsAfter} after (one-row transactions, WAL, synchronous=FULL)`);
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
