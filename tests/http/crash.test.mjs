// Crash safety (docs/reliability.md, "Crash safety"): clients drive the lifecycle of promised
// cases (apply, accept, submit, submit, complete, pickup) while the server is killed with
// SIGKILL at random moments and started again on the same database. After every restart:
//  - every case whose step got a 2xx reply is there, at least at that step;
//  - every case is exactly where its acknowledged steps left it, or one step further when
//    that step's request was in flight at the kill (sent, no reply): its state and its
//    events (one event per step) agree;
//  - a case nobody got a number for comes from an apply in flight at the kill (the applicant
//    phone is unique per apply), at most one per apply, and is still at "applied";
//  - `shenpi verify` passes: the database's integrity (SQLite: integrity_check and
//    foreign_key_check) and the event log's hash chain; on PostgreSQL amcheck also checks
//    every B-tree index of ours.
// The clients then go on from where each case is. Each kill comes at a random moment once
// the load is under way again (as many steps acknowledged as there are clients).
// SHENPI_CRASH_KILLS sets the kills (default 10), SHENPI_CRASH_SEED the random moments; the
// summary line reports what was checked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, makeDb, expectStatus, agentRequest as call, BACKEND } from './server.mjs';
import { idCard } from './ids.mjs';

const KILLS = Number(process.env.SHENPI_CRASH_KILLS || 10);
const SEED = Number(process.env.SHENPI_CRASH_SEED || Date.now() % 1e9);
const CLIENTS = 6;
const STEPS = ['apply', 'accept', 'submit 1', 'submit 2', 'complete', 'pickup'];
// the event each step appends, so that a case's events count its steps
const EVENTS = ['case.apply', 'case.accept', 'case.submit', 'case.complete', 'case.pickup'];

// mulberry32: the kill moments follow from the seed, which the summary prints
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

test(`SIGKILL during a lifecycle load, ${KILLS} times: acknowledged steps survive, nothing else does (${BACKEND})`, { timeout: 600000 }, async (t) => {
  const random = rng(SEED);
  const db = await makeDb({ demo: true });
  cleanup.push(() => db.drop());
  let srv = await startServer({ db });
  cleanup.push(async () => { if (!srv.exited()) srv.proc.kill('SIGKILL'); });
  const [admin, clerk, h1, h2] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj01', '510104scj02'].map((u) => srv.activate(u)));
  const units = (await srv.req('GET', '/api/v1/units', { session: admin.session })).json.items;
  const unit = units.find((u) => u.code === 'scj');
  const item = await srv.create('/api/v1/items', {
    unit_id: unit.id, code: 'CRASH-001', name: '崩溃测试事项', kind: 'promised', statutory_days: 20,
    promised_days: 5, entered: true, materials: [{ name: '申请书', form: 'original' }] }, admin);
  const step = (stage, name, kind, days, handler) => ({ stage, name, kind, limit_days: days, ...(handler ? { handler_id: handler } : {}) });
  expectStatus(await srv.req('PUT', `/api/v1/items/${item.id}/process`, { session: admin.session, body: { steps: [
    step(1, '受理', 'accept', 0), step(2, '初审', 'approve', 2, h1.user.id),
    step(3, '复审', 'approve', 2, h2.user.id), step(4, '办结', 'complete', 1)] } }), 200);

  let phones = 0;
  const applicant = () => ({ kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'),
    phone: '139' + String(++phones).padStart(8, '0') });
  /** The request of step k (1..6) of case c: [who, method, path, body]. */
  function request(c, k) {
    const at = (a) => `/api/v1/cases/${c.no}${a}`;
    switch (k) {
      case 1: return [clerk, 'POST', '/api/v1/cases', { item_id: item.id, applicant: c.applicant, materials: [{ id: item.materials[0].id, present: true }] }];
      case 2: return [clerk, 'POST', at('/accept'), {}];
      case 3: return [h1, 'POST', at('/submit'), { opinion: '同意' }];
      case 4: return [h2, 'POST', at('/submit'), { opinion: '同意' }];
      case 5: return [clerk, 'POST', at('/complete'), { opinion: '准予许可', doc_no: '无批文号', permitted: true }];
      default: return [clerk, 'POST', at('/pickup'), { id_no: c.applicant.id_no, rating: 5 }];
    }
  }

  // Each case: {no (once applied), applicant, acked: steps with a 2xx, inflight: the step sent
  // without a reply, or 0}. A client works on one case at a time.
  const cases = [];
  const tally = { committed: 0, lost: 0 }; // steps in flight at a kill: done or not
  const current = Array(CLIENTS).fill(null);
  let acked = 0;

  async function client(i, url, agent, stop) {
    while (!stop.now) {
      let c = current[i];
      if (!c || c.acked === STEPS.length) {
        c = current[i] = { applicant: applicant(), acked: 0, inflight: 0 };
        cases.push(c);
      }
      const k = c.acked + 1;
      c.inflight = k;
      let r;
      try {
        r = await call(agent, url, ...request(c, k));
      } catch {
        return; // killed: the step stays in flight
      }
      assert.ok(r.status >= 200 && r.status < 300, `${STEPS[k - 1]} ${c.no || ''} → ${r.status} ${r.text.slice(0, 300)}`);
      if (k === 1) c.no = r.json.no;
      c.acked = k;
      c.inflight = 0;
      acked++;
    }
  }

  // the state a case is in after k steps, learnt from one lifecycle before the kills
  const stateAfter = [null];
  {
    const agent = new http.Agent({ keepAlive: true });
    const c = { applicant: applicant(), acked: 0, inflight: 0 };
    for (let k = 1; k <= STEPS.length; k++) {
      const r = await call(agent, srv.url, ...request(c, k));
      assert.ok(r.status < 300, `${STEPS[k - 1]} → ${r.status} ${r.text}`);
      if (k === 1) c.no = r.json.no;
      const g = await srv.req('GET', `/api/v1/cases/${c.no}`, { session: clerk.session });
      stateAfter.push(g.json.state);
    }
    agent.destroy();
    c.acked = STEPS.length;
    cases.push(c);
  }

  const types = EVENTS.map((e) => `'${e}'`).join(', ');
  /** Every case in the database: no → {state, phone, steps (its lifecycle events)}. */
  async function stored() {
    const out = await db.sql(`SELECT c.no, c.state, c.applicant_phone,
      (SELECT COUNT(*) FROM events e WHERE e.case_id = c.id AND e.type IN (${types})) FROM cases c`);
    const m = new Map();
    for (const line of out.trim().split('\n').filter(Boolean)) {
      const [no, state, phone, n] = line.split('|');
      m.set(no, { state, phone, steps: Number(n) });
    }
    return m;
  }

  /** The checks after a restart; settles every in-flight step. Returns the cases checked. */
  async function check(kill) {
    const found = await stored();
    const ctx = (c, s) => `kill ${kill}, case ${c.no}: acknowledged ${c.acked} steps, in flight ${c.inflight}; stored ${JSON.stringify(s)}`;
    const known = new Set();
    const orphans = new Map(); // phone → case whose apply was in flight at the kill
    for (const c of cases) {
      if (!c.no) {
        if (c.inflight === 1) orphans.set(c.applicant.phone, c);
        continue;
      }
      known.add(c.no);
      const s = found.get(c.no);
      assert.ok(s, `an acknowledged case is missing: ${ctx(c, s)}`);
      const allowed = c.inflight ? [c.acked, c.inflight] : [c.acked];
      assert.ok(allowed.includes(s.steps), `steps: ${ctx(c, s)}`);
      assert.equal(s.state, stateAfter[s.steps], `state: ${ctx(c, s)}`);
      if (c.inflight) tally[s.steps === c.inflight ? 'committed' : 'lost']++;
      c.acked = s.steps;
      c.inflight = 0;
    }
    for (const [no, s] of found) {
      if (known.has(no)) continue;
      const c = orphans.get(s.phone);
      assert.ok(c, `kill ${kill}: case ${no} (${JSON.stringify(s)}) comes from no apply in flight`);
      assert.equal(s.steps, 1, `kill ${kill}: case ${no} of an unanswered apply went beyond applied: ${JSON.stringify(s)}`);
      assert.equal(s.state, stateAfter[1]);
      orphans.delete(s.phone); // one case per apply
      tally.committed++;
      c.no = no; // its client goes on with it
      c.acked = 1;
      c.inflight = 0;
    }
    // an apply in flight that left no case: its client applies again, with a new phone
    for (const c of orphans.values()) {
      tally.lost++;
      c.applicant = applicant();
      c.inflight = 0;
    }
    const v = await srv.cli(['verify']);
    assert.equal(v.code, 0, `kill ${kill}: shenpi verify:\n${v.out}`);
    assert.match(v.out, /数据库完整性检查通过；事件哈希链完整/);
    if (BACKEND === 'pg') {
      // amcheck: every B-tree index of the public schema is sound
      await db.sql(`CREATE EXTENSION IF NOT EXISTS amcheck;
        SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam
        WHERE n.nspname = 'public' AND a.amname = 'btree'`);
    }
    return found.size;
  }

  let survived = 0, checked = 0;
  const t0 = Date.now();
  for (let kill = 1; kill <= KILLS; kill++) {
    const stop = { now: false };
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const loops = Array.from({ length: CLIENTS }, (_, i) => client(i, srv.url, agent, stop));
    // the load under way (a few steps acknowledged, however slow the machine), then a random moment
    const from = acked, t1 = Date.now();
    while (acked < from + CLIENTS) {
      assert.ok(Date.now() - t1 < 60000, `kill ${kill}: ${acked - from} steps acknowledged in 60 s`);
      await new Promise((res) => setTimeout(res, 5));
    }
    await new Promise((res) => setTimeout(res, random() * 1000));
    srv.proc.kill('SIGKILL');
    stop.now = true;
    const exit = await new Promise((res) => (srv.exited() ? res(srv.exited()) : srv.proc.once('exit', (code, signal) => res({ code, signal }))));
    assert.equal(exit.signal, 'SIGKILL', `the server died of the kill, not before:\n${srv.log().slice(-2000)}`);
    await Promise.all(loops);
    agent.destroy();
    srv = await startServer({ db });
    survived++;
    checked += await check(kill);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const done = cases.filter((c) => c.acked === STEPS.length).length;
  t.diagnostic(`crash (${BACKEND}): ${survived} kills survived in ${secs} s (seed ${SEED}); ` +
    `${acked} acknowledged steps; of the steps in flight at the kills ${tally.committed} done, ` +
    `${tally.lost} not; ${cases.length} cases (${done} picked up), ${checked} case checks`);
  await srv.close();
});
