// What the lifecycle bench (bench/lifecycle.mjs) and the soak (bench/soak.mjs) share: the
// server set up for the lifecycle of a promised case, the client that times each request,
// the lifecycle itself, and the server's figures read from /proc.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDb, startServer, expectStatus, agentRequest, ROOT } from '../tests/http/server.mjs';
import { idCard } from '../tests/http/ids.mjs';

/** A field of /proc/PID/status in kB (VmRSS, VmHWM). */
export const statusKB = (pid, field) =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);

/** Run-queue wait of all the process's threads in ms (/proc/PID/task/*\/schedstat: on-CPU ns, waiting ns, slices). */
export const waitMs = (pid) => readdirSync(`/proc/${pid}/task`).reduce((ms, t) => {
  try { return ms + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[1]) / 1e6; } catch { return ms; }
}, 0);

/** Bytes the process has had written to storage (write_bytes of /proc/PID/io). */
export const writtenBytes = (pid) => Number(readFileSync(`/proc/${pid}/io`, 'utf8').match(/^write_bytes: (\d+)/m)[1]);

/** The process's CPU time in ms (utime + stime of /proc/PID/stat, clock ticks of 10 ms). */
export const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** The hello server (build/bench/hello) on an ephemeral port: {url, proc, close()}. */
async function startHello(threads) {
  const proc = spawn(path.join(ROOT, 'build/bench/hello'), ['--threads', String(threads)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [line] = await once(proc.stderr, 'data');
  const addr = JSON.parse(String(line).split('\n')[0]).addr;
  return { url: `http://${addr}`, proc, close: async () => { proc.kill('SIGTERM'); await once(proc, 'exit'); } };
}

/**
 * Set up what the lifecycle needs: {srv: {url, proc, close(), db?}, ids: {clerk, h1, h2, item,
 * material}} where clerk, h1, h2 are {session} (plain data, to hand to worker threads).
 * shenpi (SHENPI_BIN, --threads threads): a demo database, four activated users, an item whose
 * process is accept → approve (h1) → approve (h2) → complete. hello: stand-ins of the same sizes.
 * env: extra environment of the server process. The server logs a line a request: to a file
 * in a temporary folder (removed by close()), so that no process of the bench reads it during
 * the load and takes CPU from the two cores (Node reading it through a pipe took 9% of a core
 * and cost 10% of the lifecycles a second, docs/performance.md).
 */
export async function setupLifecycle({ hello = false, threads = 4, env } = {}) {
  if (hello) {
    const who = { session: { cookie: '0'.repeat(64), csrf: '0'.repeat(64) } };
    return { srv: await startHello(threads), ids: { clerk: who, h1: who, h2: who, item: 1000, material: 1000 } };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shenpi-bench-'));
  const srv = await startServer({ db: await makeDb({ demo: true }), args: ['--threads', String(threads)], env,
    logFile: path.join(dir, 'server.log') }).catch((e) => { rmSync(dir, { recursive: true }); throw e; });
  const close = srv.close;
  srv.close = () => close().finally(() => rmSync(dir, { recursive: true, force: true }));
  try {
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
    const s = (who) => ({ session: who.session });
    return { srv, ids: { clerk: s(clerk), h1: s(h1), h2: s(h2), item: item.id, material: item.materials[0].id } };
  } catch (e) {
    await srv.close().catch(() => {});
    await srv.db.drop();
    throw e;
  }
}

/**
 * A client of url over keep-alive connections (at most `sockets`): call(kind, who, method,
 * path, body) resolves with the reply's JSON, or rejects on a network error or a status of
 * 300 or more; the time of each successful call in ms is pushed to lat[kind] while `timing`
 * says so. close() ends the connections. A write asks for the case in brief (`Prefer:
 * return=minimal`), as a program does, unless `full` (the whole case, as the web asks).
 */
export function lifecycleClient(url, sockets, { full = false } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const c = { lat: Object.fromEntries(KINDS.map((k) => [k, []])), timing: true, close: () => agent.destroy() };
  const prefer = full ? {} : { Prefer: 'return=minimal' };
  c.call = async (kind, who, method, p, body) => {
    const t0 = process.hrtime.bigint();
    const r = await agentRequest(agent, url, who, method, p, body, method === 'GET' ? {} : prefer);
    if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${r.text.slice(0, 300)}`);
    if (c.timing) (c.lat[kind] ||= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
    return r.json;
  };
  return c;
}

/** The requests of a lifecycle, in their order: the keys of a client's lat. */
export const KINDS = ['apply', 'accept', 'read', 'submit 1', 'submit 2', 'complete', 'pickup'];

const applicant = { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' };

/**
 * One case's life through client c (lifecycleClient) with ids (setupLifecycle): apply,
 * accept, the first handler's read, two approval submits, complete, pickup — six writes and
 * a read. Rejects at the first failed request.
 */
export async function lifecycle(c, { clerk, h1, h2, item, material }) {
  const kase = await c.call('apply', clerk, 'POST', '/api/v1/cases', { item_id: item, applicant, materials: [{ id: material, present: true }] });
  const at = (a) => `/api/v1/cases/${kase.no}${a}`;
  await c.call('accept', clerk, 'POST', at('/accept'), {});
  await c.call('read', h1, 'GET', at(''));
  await c.call('submit 1', h1, 'POST', at('/submit'), { opinion: '同意' });
  await c.call('submit 2', h2, 'POST', at('/submit'), { opinion: '同意' });
  await c.call('complete', clerk, 'POST', at('/complete'), { opinion: '准予许可', doc_no: '无批文号', permitted: true });
  await c.call('pickup', clerk, 'POST', at('/pickup'), { id_no: applicant.id_no, rating: 5 });
}

/** The q-quantile of a sorted array. */
export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** {kind: {n, p50, p99}} of {kind: [ms…]}, kinds without a time left out (the arrays are sorted in place). */
export function percentiles(lat) {
  return Object.fromEntries(Object.entries(lat).filter(([, a]) => a.length).map(([k, a]) => {
    a.sort((x, y) => x - y);
    return [k, { n: a.length, p50: +quantile(a, 0.5).toFixed(2), p99: +quantile(a, 0.99).toFixed(2) }];
  }));
}

/** "2 cores, 24 GiB, load average 1.00 0.50 0.20": the machine and how busy it is now. */
export const machine = () => `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
  `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
