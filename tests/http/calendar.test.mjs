// The working-day calendar over HTTP: listing a year, due dates, maintenance by sysadmins
// (set, delete, import all or nothing) and the events it appends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';

let srv, admin, clerk;

const as = (session) => ({
  get: (p) => srv.req('GET', p, { session }),
  put: (p, body) => srv.req('PUT', p, { session, body }),
  post: (p, body) => srv.req('POST', p, { session, body }),
  del: (p) => srv.req('DELETE', p, { session }),
});
const adm = () => as(admin);

async function due(from, days, who = admin) {
  const r = await as(who).get(`/api/v1/calendar/due?from=${from}&days=${days}`);
  expectStatus(r, 200);
  return r.json;
}
async function events() {
  const r = await adm().get('/api/v1/events?size=1000');
  expectStatus(r, 200);
  return r.json.items;
}
async function year(y, who = admin) {
  const r = await as(who).get(`/api/v1/calendar?year=${y}`);
  expectStatus(r, 200);
  return r.json;
}

before(async () => {
  srv = await startServer();
  admin = await srv.admin();
  const a = adm();
  expectStatus(await a.post('/api/v1/regions', { code: '510000', name: '四川省' }), 201);
  expectStatus(await a.post('/api/v1/regions', { code: '510100', name: '成都市' }), 201);
  expectStatus(await a.post('/api/v1/regions', { code: '510104', name: '锦江区' }), 201);
  const c = await a.post('/api/v1/centers', { region_code: '510104', name: '成都市锦江区政务服务中心' });
  expectStatus(c, 201);
  const u = await a.post('/api/v1/units', { center_id: c.json.id, code: 'scj', name: '锦江区市场监督管理局' });
  expectStatus(u, 201);
  clerk = (await srv.newUser(admin, {
    username: 'clerk_cal', name: '窗口', roles: ['clerk'], center_id: c.json.id, unit_id: u.json.unit.id,
  })).session;
});
after(async () => { if (srv) await srv.close(); });

test('list 2008: 春节 holidays and 调休 working days, with the year\'s working-day count', async () => {
  const y = await year(2008, clerk);
  assert.equal(y.year, 2008);
  assert.deepEqual(y.items.find((d) => d.day === '2008-02-06'),
    { day: '2008-02-06', weekday: '星期三', kind: 'holiday', name: '春节' });
  const w = y.items.find((d) => d.day === '2008-02-02');
  assert.equal(w.kind, 'workday');
  assert.equal(w.weekday, '星期六');
  assert.equal(y.workdays, 251); // docs/calendar.md
  assert.equal(y.known, true);
  assert.deepEqual(y.items.map((d) => d.day), [...y.items.map((d) => d.day)].sort());
  const empty = await year(2090);
  assert.deepEqual(empty.items, []);
  assert.equal(empty.known, false);

  expectError(await adm().get('/api/v1/calendar?year=1999'), 400, 'invalid', 'year');
  expectError(await adm().get('/api/v1/calendar?year=20x8'), 400, 'invalid', 'year');
  const now = await adm().get('/api/v1/calendar');
  expectStatus(now, 200);
  assert.equal(typeof now.json.year, 'number');
  expectError(await srv.req('GET', '/api/v1/calendar?year=2008'), 401, 'unauthenticated');
});

test('due: 2008-02-01 + 5 working days → 2008-02-13 星期三; bad input → 400 with field', async () => {
  assert.deepEqual(await due('2008-02-01', 5, clerk),
    { from: '2008-02-01', days: 5, due: '2008-02-13', weekday: '星期三', known: true });
  assert.equal((await due('2025-09-30', 3)).due, '2025-10-11');
  assert.equal((await due('2090-01-02', 1)).known, false);
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-30&days=5'), 400, 'invalid', 'from');
  expectError(await adm().get('/api/v1/calendar/due?days=5'), 400, 'invalid', 'from');
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-01'), 400, 'invalid', 'days');
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-01&days=-1'), 400, 'invalid', 'days');
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-01&days=0'), 400, 'invalid', 'days');
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-01&days=10001'), 400, 'invalid', 'days');
  expectError(await adm().get('/api/v1/calendar/due?from=2008-02-01&days=abc'), 400, 'invalid', 'days');
});

test('only a sysadmin maintains the calendar: a clerk gets 403 and nothing changes', async () => {
  const c = as(clerk);
  expectError(await c.put('/api/v1/calendar/2027-01-01', { kind: 'holiday', name: '元旦' }), 403, 'forbidden');
  expectError(await c.del('/api/v1/calendar/2008-02-06'), 403, 'forbidden');
  expectError(await c.post('/api/v1/calendar/import', { csv: '2027-01-01,holiday,元旦\n' }), 403, 'forbidden');
  assert.deepEqual((await year(2027)).items, []);
  assert.ok((await year(2008)).items.some((d) => d.day === '2008-02-06'));
});

test('sysadmin sets and deletes a day; due dates follow; events appended', async () => {
  // 2026-12-31 is a Thursday; the next working day is Friday 2027-01-01 until it is a holiday.
  assert.equal((await due('2026-12-31', 1)).due, '2027-01-01');
  const before = (await events()).length;
  const r = await adm().put('/api/v1/calendar/2027-01-01', { kind: 'holiday', name: '元旦' });
  expectStatus(r, 200);
  assert.deepEqual(r.json, { day: '2027-01-01', weekday: '星期五', kind: 'holiday', name: '元旦' });
  assert.equal((await due('2026-12-31', 1)).due, '2027-01-04');
  assert.deepEqual((await year(2027)).items, [r.json]);

  // replace with 班 on a weekday is refused; a Saturday make-up day is accepted
  expectError(await adm().put('/api/v1/calendar/2027-01-04', { kind: '班', name: '调休' }), 400, 'invalid', 'day');
  expectError(await adm().put('/api/v1/calendar/2027-01-09', { kind: 'rest', name: '调休' }), 400, 'invalid', 'kind');
  expectError(await adm().put('/api/v1/calendar/2027-01-09', { kind: 'workday', name: '' }), 400, 'invalid', 'name');
  expectError(await adm().put('/api/v1/calendar/2027-02-30', { kind: 'holiday', name: 'x' }), 400, 'invalid', 'day');
  const sat = await adm().put('/api/v1/calendar/2027-01-02', { kind: '班', name: '元旦调休上班' });
  expectStatus(sat, 200);
  assert.equal(sat.json.kind, 'workday');
  assert.equal((await due('2026-12-31', 1)).due, '2027-01-02');

  const ev = (await events()).slice(before);
  assert.deepEqual(ev.map((e) => e.type), ['calendar.set', 'calendar.set']);
  assert.equal(ev[0].payload.day, '2027-01-01');

  const d = await adm().del('/api/v1/calendar/2027-01-02');
  expectStatus(d, 204);
  expectError(await adm().del('/api/v1/calendar/2027-01-02'), 404, 'not_found');
  assert.equal((await due('2026-12-31', 1)).due, '2027-01-04');
  const ev2 = (await events()).slice(before);
  assert.equal(ev2.at(-1).type, 'calendar.delete');
  assert.equal(ev2.at(-1).payload.day, '2027-01-02');
});

test('import is all or nothing: a bad row → 400 naming row and column, nothing written', async () => {
  const before = (await events()).length;
  const bad = await adm().post('/api/v1/calendar/import', {
    csv: 'date,kind,name\n2028-01-01,holiday,元旦\n2028-02-31,holiday,春节\n',
  });
  expectError(bad, 400, 'invalid', 'csv');
  assert.match(bad.json.error.message, /第3行第1列/);
  assert.deepEqual((await year(2028)).items, []);
  assert.equal((await events()).length, before);
  expectError(await adm().post('/api/v1/calendar/import', {}), 400, 'invalid', 'csv');
  expectError(await adm().post('/api/v1/calendar/import', { csv: 5 }), 400, 'invalid', 'csv');

  const ok = await adm().post('/api/v1/calendar/import', {
    csv: '\ufeffdate,kind,name\n2028-01-01,holiday,元旦\n# 注释\n\n2028-01-29,workday,"春节调休上班"\n',
  });
  expectStatus(ok, 200);
  assert.equal(ok.json.imported, 2);
  const y = await year(2028);
  assert.deepEqual(y.items.map((d) => [d.day, d.kind, d.name]),
    [['2028-01-01', 'holiday', '元旦'], ['2028-01-29', 'workday', '春节调休上班']]);
  const ev = (await events()).slice(before);
  assert.deepEqual(ev.map((e) => e.type), ['calendar.import']);
});
