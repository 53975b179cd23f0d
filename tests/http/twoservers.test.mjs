// Two `shenpi serve` on one database, as docs/deploy.md runs a city's behind a proxy: cases
// and sessions live in the database, so either server answers any request; the card sweep
// runs on one of them at a time (the sweeper, shenpi_sweeper 1 on /metrics), and when it is
// killed the other takes over. On SQLite the same holds for two processes on one file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeDb, startServer, expectError, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

const ARGS = ['--sweep-seconds', '1'];
const applicant = { kind: 'person', name: '孙八', id_no: idCard('510104', '19850101', '123'), phone: '13600000000' };
let db, a, b, clerk, sup, item;
const killed = new Set();

before(async () => {
  db = await makeDb({ demo: true });
  [a, b] = await Promise.all([startServer({ db, args: ARGS }), startServer({ db, args: ARGS })]);
  clerk = await a.activate('510104ck01');
  sup = await b.activate('jc510100');
  const items = (await a.req('GET', '/api/v1/items?size=100', { session: clerk.session })).json.items;
  item = (await a.req('GET', `/api/v1/items/${items.find((i) => i.code === 'SCJ-CN-001').id}`, { session: clerk.session })).json;
});
after(async () => {
  try {
    for (const s of [a, b]) if (s && !killed.has(s)) await s.close();
  } finally {
    if (db) await db.drop();
  }
});

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
async function until(what, fn, ms = 10000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = await fn();
    if (v) return v;
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}
async function sweeper(s) {
  const r = await s.req('GET', '/metrics');
  expectStatus(r, 200);
  const m = r.text.match(/^shenpi_sweeper (\d)$/m);
  assert.ok(m, `no shenpi_sweeper gauge in /metrics:\n${r.text}`);
  return Number(m[1]);
}
const logged = (s, msg) => s.log().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;

// A case applied and accepted by the clerk through `on`, then made overdue in the database.
async function overdue(on) {
  let r = await on.req('POST', '/api/v1/cases', { session: clerk.session, body: {
    item_id: item.id, applicant, materials: item.materials.map((m) => ({ id: m.id, present: true })) } });
  expectStatus(r, 201);
  const c = r.json;
  expectStatus(await on.req('POST', `/api/v1/cases/${c.no}/accept`, { session: clerk.session }), 200);
  await db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${c.id}`);
  return c;
}
async function cardOf(on, no) {
  return until(`a card for ${no}`, async () => {
    const r = await on.req('GET', '/api/v1/cards?size=100', { session: sup.session });
    expectStatus(r, 200);
    return r.json.items.find((x) => x.case_no === no && x.rule === 'case_overdue');
  });
}

test('a case applied on one server is accepted on the other, in the same session', async () => {
  let r = await a.req('POST', '/api/v1/cases', { session: clerk.session, body: {
    item_id: item.id, applicant, materials: item.materials.map((m) => ({ id: m.id, present: true })) } });
  expectStatus(r, 201);
  const no = r.json.no;
  assert.equal(r.json.state, 'applied');
  r = await b.req('POST', `/api/v1/cases/${no}/accept`, { session: clerk.session });
  expectStatus(r, 200);
  assert.equal(r.json.state, 'in_process');
  r = await a.req('GET', `/api/v1/cases/${no}`, { session: clerk.session });
  assert.equal(r.json.state, 'in_process');
  assert.deepEqual(r.json.history.map((e) => e.text).slice(0, 2), ['申请登记', '受理']);
});

test('a login on one server works on the other, and logging out on either ends it on both', async () => {
  const s = await b.login('510104ck01', clerk.password);
  expectStatus(await a.req('GET', '/api/v1/me', { session: s }), 200);
  expectStatus(await b.req('GET', '/api/v1/me', { session: s }), 200);
  expectStatus(await a.req('DELETE', '/api/v1/session', { session: s }), 204);
  expectError(await b.req('GET', '/api/v1/me', { session: s }), 401);
  expectError(await a.req('GET', '/api/v1/me', { session: s }), 401);
  expectStatus(await b.req('GET', '/api/v1/me', { session: clerk.session }), 200);
});

test('exactly one server sweeps; a CLI sweep runs beside it', async () => {
  const lead = await until('one sweeper', async () => {
    const [x, y] = [await sweeper(a), await sweeper(b)];
    return x + y === 1 && (x ? a : b);
  });
  const other = lead === a ? b : a;
  // over several ticks: the same one, and only it
  for (let i = 0; i < 10; i++, await sleep(300)) {
    assert.equal(await sweeper(lead), 1);
    assert.equal(await sweeper(other), 0);
  }
  assert.equal(logged(lead, 'became the sweeper'), 1, lead.log());
  assert.equal(logged(other, 'became the sweeper'), 0, other.log());
  const c = await overdue(other);
  await cardOf(other, c.no);
  // its log line follows the commit that the card is read from
  await until('the sweeper logged it', () => logged(lead, 'cards raised') >= 1);
  assert.equal(logged(other, 'cards raised'), 0, 'the other never sweeps');
  const r = await a.cli(['sweep']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.stdout, /生成问责记录 0 条/);
});

test('when the sweeper is killed the other takes over within a few seconds', async () => {
  const lead = (await sweeper(a)) ? a : b;
  const other = lead === a ? b : a;
  killed.add(lead);
  lead.proc.kill('SIGKILL');
  await until('the sweeper exited', () => lead.exited());
  await until('the other became the sweeper', async () => (await sweeper(other)) === 1, 5000);
  assert.equal(logged(other, 'became the sweeper'), 1, other.log());
  const c = await overdue(other);
  const card = await cardOf(other, c.no);
  assert.equal(card.color, 'red');
  await until('the new sweeper logged it', () => logged(other, 'cards raised') >= 1);
});
