// Statistics (DESIGN.md section 7, docs/indicators.md): cases handled through the API are
// counted into the rollups as they move; the indicators, the drill-down and the tables read
// them within each user's scope; bad periods and foreign scopes are refused; a table's .xlsx
// reads back (xlsx2csv) with the same numbers as its JSON; `shenpi verify --rebuild-stats`
// rebuilds the same figures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, expectError, expectStatus, run, COOKIE } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, tmp, clerk, admin, otherAdmin, citySup, countySup, sysadmin, item, scope;
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session || who, body });
const get = (who, p) => srv.req('GET', p, { session: who.session || who });
const act = async (no, action, body = {}) => expectStatus(await post(clerk, `/api/v1/cases/${no}/${action}`, body), 200);

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shenpi-stats-'));
  srv = await startServer({ demo: true });
  [clerk, admin, otherAdmin, citySup] = await Promise.all(
    ['510104ck01', '510104admin', '510107admin', 'jc510100'].map((u) => srv.activate(u)));
  sysadmin = await srv.admin();
  countySup = await srv.newUser(sysadmin, { username: 'jc510107', name: '武侯监察', roles: ['supervisor'], scope_region: '510107' });
  const items = (await get(clerk, '/api/v1/items?size=100')).json.items;
  item = (await get(clerk, `/api/v1/items/${items.find((i) => i.code === 'SCJ-JB-001').id}`)).json;
  scope = `center:${item.center_id}`;
  // three immediate cases today: two completed on the spot and picked up (rated 5 and 2),
  // one only applied for
  for (const [i, rating] of [[1, 5], [2, 2], [3, 0]]) {
    const r = await post(clerk, '/api/v1/cases', { item_id: item.id,
      applicant: { kind: 'person', name: `统计${i}`, id_no: idCard('510104', '19800101', `10${i}`), phone: '13600000000' },
      materials: item.materials.map((m) => ({ id: m.id, present: true })) });
    expectStatus(r, 201);
    if (!rating) continue;
    await act(r.json.no, 'accept');
    await act(r.json.no, 'complete', { opinion: '符合条件', doc_no: '无', permitted: true });
    await act(r.json.no, 'pickup', { no_id_card: true, rating });
  }
});
after(async () => {
  if (srv) await srv.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const byKey = (list) => Object.fromEntries(list.map((x) => [x.key, x]));

test('the center admin sees the indicators of their center, counted as the cases moved', async () => {
  const r = await get(admin, '/api/v1/stats/indicators');
  expectStatus(r, 200);
  assert.equal(r.json.scope, scope, 'a center admin defaults to their center');
  const ind = byKey(r.json.indicators);
  // two completions, both on their acceptance day and on time; ratings 5 and 2 of 2 pickups
  assert.deepEqual([ind.instant_rate.numerator, ind.instant_rate.denominator, ind.instant_rate.value], [2, 2, 100]);
  assert.deepEqual([ind.ontime_rate.numerator, ind.ontime_rate.value], [2, 100]);
  assert.deepEqual([ind.overtime_rate.numerator, ind.overtime_rate.value], [0, 0]);
  assert.deepEqual([ind.satisfaction_rate.numerator, ind.satisfaction_rate.denominator, ind.satisfaction_rate.value], [1, 2, 50]);
  assert.deepEqual([ind.rating_rate.numerator, ind.rating_rate.denominator], [2, 2]);
  assert.equal(ind.satisfaction_rate.unit, '%');
  assert.equal(ind.promise_speedup_days.unit, '天');
  assert.equal(ind.onsite_items.unit, '件');
  assert.equal(Object.keys(ind).length, 14);
  // the workload table counts the third, applied-only case too
  const t = await get(admin, `/api/v1/stats/tables/workload?scope=${scope}`);
  expectStatus(t, 200);
  const total = t.json.rows.at(-1);
  assert.equal(total.name, '合计');
  assert.deepEqual([total.applied, total.accepted, total.completed, total.picked_up], [3, 2, 2, 2]);
});

test('drill-down: the province shows its own center and its cities; the city supervisor goes from the city to its centers and on to units', async () => {
  let r = await get(sysadmin, '/api/v1/stats/children?scope=510000');
  expectStatus(r, 200);
  assert.deepEqual(r.json.items.map((x) => x.level), ['center', 'city', 'city']);
  assert.equal(r.json.items[0].name, '四川省政务服务中心');
  assert.deepEqual(r.json.items.slice(1).map((x) => x.scope), ['510100', '510700']);
  r = await get(citySup, '/api/v1/stats/children');
  expectStatus(r, 200);
  assert.equal(r.json.scope, '510100');
  const center = r.json.items.find((x) => x.scope === scope);
  assert.ok(center, `${scope} among ${r.json.items.map((x) => x.scope)}`);
  assert.equal(center.level, 'center');
  assert.equal(byKey(center.indicators).instant_rate.numerator, 2);
  assert.deepEqual([center.open, center.yellow, center.red, center.cards_yellow, center.cards_red], [0, 0, 0, 0, 0]);
  r = await get(citySup, `/api/v1/stats/children?scope=${scope}`);
  expectStatus(r, 200);
  const unit = r.json.items.find((x) => x.scope === `unit:${item.unit_id}`);
  assert.equal(unit.level, 'unit');
  assert.equal(byKey(unit.indicators).satisfaction_rate.denominator, 2);
});

test('foreign scopes and bad periods are refused', async () => {
  const month = '&from=2026-01-01&to=2026-01-31';
  // a county supervisor asking for another county or its center; another center's admin;
  // a clerk asking above their unit; a city supervisor asking for the province
  expectError(await get(countySup, `/api/v1/stats/indicators?scope=510104${month}`), 403, 'forbidden');
  expectError(await get(countySup, `/api/v1/stats/indicators?scope=${scope}`), 403, 'forbidden');
  expectStatus(await get(countySup, '/api/v1/stats/indicators?scope=510107'), 200);
  expectError(await get(otherAdmin, `/api/v1/stats/children?scope=${scope}`), 403, 'forbidden');
  expectError(await get(clerk, `/api/v1/stats/indicators?scope=${scope}`), 403, 'forbidden');
  expectStatus(await get(clerk, `/api/v1/stats/indicators?scope=unit:${item.unit_id}`), 200);
  expectError(await get(citySup, '/api/v1/stats/tables/workload?scope=510000'), 403, 'forbidden');
  expectError(await get(admin, '/api/v1/stats/indicators?scope=center:99999'), 404);
  expectError(await get(admin, '/api/v1/stats/tables/nonsense'), 404);
  // end before start, more than 366 days, a malformed day
  expectError(await get(admin, '/api/v1/stats/indicators?from=2026-03-31&to=2026-03-01'), 400, 'invalid', 'to');
  expectError(await get(admin, '/api/v1/stats/tables/workload?from=2020-01-01&to=2026-01-01'), 400, 'invalid', 'from');
  expectError(await get(admin, '/api/v1/stats/children?from=2026-3-1'), 400, 'invalid', 'from');
  const x = await fetch(`${srv.url}/api/v1/stats/tables/workload.xlsx?from=2000-01-01&to=2026-12-31`,
    { headers: { Cookie: `${COOKIE}=${admin.session.cookie}` } });
  assert.equal(x.status, 400, 'an export of a range longer than a year');
});

/** An .xlsx as CSV rows through the xlsx2csv CLI. */
async function xlsxRows(bytes) {
  const f = path.join(tmp, `t${Math.random().toString(36).slice(2)}.xlsx`);
  fs.writeFileSync(f, bytes);
  const r = await run('xlsx2csv', [f]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split(/\r?\n/).map((line) => line.split(','));
}

test('every table exports to .xlsx with the numbers of its JSON', async () => {
  for (const name of ['workload', 'efficiency', 'overtime', 'transfer', 'satisfaction', 'catalog']) {
    const q = `?scope=${scope}`;
    const json = (await get(admin, `/api/v1/stats/tables/${name}${q}`)).json;
    const res = await fetch(`${srv.url}/api/v1/stats/tables/${name}.xlsx${q}`,
      { headers: { Cookie: `${COOKIE}=${admin.session.cookie}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const rows = await xlsxRows(Buffer.from(await res.arrayBuffer()));
    assert.deepEqual(rows[0], json.columns.map((c) => c.label), `${name}: header`);
    assert.equal(rows.length, json.rows.length + 1, `${name}: one line a row`);
    json.rows.forEach((row, i) => {
      const want = json.columns.map((c) => (row[c.key] === null ? '' : String(row[c.key])));
      const got = rows[i + 1].map((cell, j) => (j && cell !== '' ? String(Number(cell)) : cell));
      assert.deepEqual(got, want, `${name}: row ${i + 1}`);
    });
  }
});

test('shenpi verify --rebuild-stats rebuilds the same figures from the cases', async () => {
  const before_ = (await get(admin, '/api/v1/stats/tables/efficiency')).json.rows;
  await srv.db.sql('DELETE FROM stats_daily; DELETE FROM stats_center_daily');
  assert.equal(byKey((await get(admin, '/api/v1/stats/indicators')).json.indicators).instant_rate.numerator, 0);
  const r = await srv.cli(['verify', '--rebuild-stats']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /统计汇总已从办件重建/);
  assert.deepEqual((await get(admin, '/api/v1/stats/tables/efficiency')).json.rows, before_);
});
