#!/usr/bin/env node
// The full lifecycle of a promised case over HTTP: apply, accept, two approval steps,
// complete, pickup — six write requests — driven by N concurrent clients against a release
// build of `shenpi serve` on a fresh demo database (SQLite, or PostgreSQL with
// SHENPI_TEST_DB=pg SHENPI_PG_URL=…). Reports completed cases per second and the latency of
// each request kind (p50/p99). See docs/performance.md.
//
//   node bench/lifecycle.mjs [--clients 32] [--seconds 20] [--threads 4]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { makeDb, startServer, expectStatus, ROOT } from '../tests/http/server.mjs';
import { idCard } from '../tests/http/ids.mjs';
import path from 'node:path';
import { readFileSync } from 'node:fs';

const { values: opt } = parseArgs({ options: {
  clients: { type: 'string', default: '32' },
  seconds: { type: 'string', default: '20' },
  threads: { type: 'string', default: '4' },
} });
const CLIENTS = Number(opt.clients), SECONDS = Number(opt.seconds);
process.env.SHENPI_BIN ||= path.join(ROOT, 'bin/shenpi');

const db = await makeDb({ demo: true });
const srv = await startServer({ db, args: ['--threads', opt.threads] });
try {
  const [admin, clerk, h1, h2] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj01', '510104scj02'].map((u) => srv.activate(u)));
  // an item whose process is accept → approve (h1) → approve (h2) → complete
  const units = (await srv.req('GET', '/api/v1/units', { session: admin.session })).json.items;
  const unit = units.find((u) => u.code === 'scj');
  let r = await srv.req('POST', '/api/v1/items', { session: admin.session, body: {
    unit_id: unit.id, code: 'BENCH-001', name: '压测事项', kind: 'promised', statutory_days: 20,
    promised_days: 5, entered: true, materials: [{ name: '申请书', form: 'original' }] } });
  expectStatus(r, 201);
  const item = r.json;
  const step = (stage, name, kind, days, handler) => ({ stage, name, kind, limit_days: days, ...(handler ? { handler_id: handler } : {}) });
  expectStatus(await srv.req('PUT', `/api/v1/items/${item.id}/process`, { session: admin.session, body: { steps: [
    step(1, '受理', 'accept', 0), step(2, '初审', 'approve', 2, h1.user.id),
    step(3, '复审', 'approve', 2, h2.user.id), step(4, '办结', 'complete', 1)] } }), 200);

  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
  const lat = {};
  function call(who, method, p, body) {
    const payload = body ? JSON.stringify(body) : undefined;
    const t0 = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = http.request(srv.url + p, { method, agent, headers: {
        Cookie: `shenpi_session=${who.session.cookie}`, 'X-CSRF-Token': who.session.csrf,
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
      } }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => {
          if (res.statusCode >= 300) return reject(new Error(`${p} → ${res.statusCode} ${data}`));
          resolve(JSON.parse(data));
        });
      });
      req.on('error', reject);
      req.end(payload);
    }).then((j) => {
      const kind = body && p.includes('/cases/') ? p.split('/').pop() : 'apply';
      (lat[kind] ||= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
      return j;
    });
  }
  const applicant = { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' };
  const material = item.materials[0].id;
  let done = 0, stop = false;
  async function lifecycle() {
    const c = await call(clerk, 'POST', '/api/v1/cases', { item_id: item.id, applicant, materials: [{ id: material, present: true }] });
    const at = (a) => `/api/v1/cases/${c.no}/${a}`;
    await call(clerk, 'POST', at('accept'), {});
    await call(h1, 'POST', at('submit'), { opinion: '同意' });
    await call(h2, 'POST', at('submit'), { opinion: '同意' });
    await call(clerk, 'POST', at('complete'), { opinion: '准予许可', doc_no: '无批文号', permitted: true });
    await call(clerk, 'POST', at('pickup'), { id_no: applicant.id_no, rating: 5 });
    done++;
  }
  async function worker() { while (!stop) await lifecycle(); }
  const t0 = Date.now();
  const workers = Array.from({ length: CLIENTS }, worker);
  await new Promise((res) => setTimeout(res, SECONDS * 1000));
  stop = true;
  await Promise.all(workers);
  const secs = (Date.now() - t0) / 1000;
  const pct = (a, q) => a[Math.min(a.length - 1, Math.floor(q * a.length))];
  const rss = readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  console.log(`backend ${process.env.SHENPI_TEST_DB || 'sqlite'}, ${CLIENTS} clients, ${secs.toFixed(1)} s`);
  console.log(`completed lifecycles: ${done} → ${(done / secs).toFixed(1)}/s (${(done * 6 / secs).toFixed(0)} requests/s)`);
  console.log('request        n      p50 ms   p99 ms');
  for (const [k, a] of Object.entries(lat)) {
    a.sort((x, y) => x - y);
    console.log(`${k.padEnd(14)} ${String(a.length).padStart(6)} ${pct(a, 0.5).toFixed(2).padStart(8)} ${pct(a, 0.99).toFixed(2).padStart(8)}`);
  }
  if (rss) console.log(`server peak RSS: ${(Number(rss[1]) / 1024).toFixed(0)} MB`);
  agent.destroy();
} finally {
  await srv.close();
}
