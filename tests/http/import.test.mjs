// `shenpi import` and `shenpi export` (docs/import.md): the sample exchange folder
// tests/fixtures/import imports whole, a re-run imports nothing new, a bad row leaves the
// database as it was and names file, row and column, old case numbers are searchable over
// HTTP, and an export re-imported into a fresh database exports the same files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, makeDb, cli, ROOT, INITIAL_PW, expectStatus } from './server.mjs';

const FIXTURE = path.join(ROOT, 'tests/fixtures/import');
let srv, admin, tmp;

before(async () => {
  srv = await startServer();
  admin = await srv.admin();
  tmp = mkdtempSync(path.join(tmpdir(), 'shenpi-import-'));
});
after(async () => {
  if (srv) await srv.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The per-file summary of an import: {file: [imported, skipped]}. */
function summary(stdout) {
  const out = {};
  for (const m of stdout.matchAll(/^(\S+\.csv)\s+导入 (\d+)，已有而跳过 (\d+)$/gm)) out[m[1]] = [+m[2], +m[3]];
  return out;
}

/** Row counts of the tables an import writes, and the event chain's length. */
async function snapshot(db) {
  const tables = ['regions', 'centers', 'units', 'users', 'items', 'item_materials', 'processes',
    'process_steps', 'cases', 'case_steps', 'import_keys', 'serials', 'stats_daily', 'events'];
  const out = await db.sql(tables.map((t) => `SELECT '${t}', COUNT(*) FROM ${t};`).join(' '));
  return out.trim();
}

test('the sample folder imports: organisation, accounts, catalog, processes and cases with their steps', async () => {
  const r = await srv.cli(['import', '--from', FIXTURE]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(summary(r.stdout), {
    'regions.csv': [2, 0], 'centers.csv': [1, 0], 'units.csv': [2, 0], 'users.csv': [7, 0],
    'items.csv': [3, 0], 'processes.csv': [2, 0], 'cases.csv': [8, 0], 'case_steps.csv': [24, 0],
  });

  // the old number finds the case, which got a number of its own
  const s = await srv.req('GET', '/api/v1/cases?view=all&no=GY2019-0003', { session: admin });
  expectStatus(s, 200);
  assert.equal(s.json.items.length, 1, s.text);
  const row = s.json.items[0];
  assert.match(row.no, /^520100-20191202-\d{6}$/);
  assert.equal(row.applicant_name, '贵阳市某某餐饮有限公司');

  // the case as the old system left it: in process at the parallel stage
  const d = await srv.req('GET', `/api/v1/cases/${row.no}`, { session: admin });
  expectStatus(d, 200);
  assert.equal(d.json.old_no, 'GY2019-0003');
  assert.equal(d.json.state, 'in_process');
  assert.equal(d.json.applicant.name, '贵阳市某某餐饮有限公司');
  assert.equal(d.json.applicant.kind, 'org');
  assert.deepEqual(d.json.steps.map((x) => x.state), ['done', 'active', 'active', 'waiting', 'waiting', 'waiting']);
  assert.deepEqual(d.json.steps.filter((x) => x.state === 'active').map((x) => x.name), ['材料审查', '现场核查']);
  // its late steps are on the province's post-limit warning list, with their unit and item
  const w = await srv.req('GET', '/api/v1/warnings?kind=post&light=red&size=100', { session: admin });
  expectStatus(w, 200);
  const late = w.json.items.filter((x) => x.no === row.no);
  assert.deepEqual(late.map((x) => x.step_name).sort(), ['材料审查', '现场核查']);
  assert.ok(late.every((x) => x.item_code && x.unit_name), JSON.stringify(late));

  // the catalog: the item with its materials (a quoted name with quotes inside) and process
  const items = await srv.req('GET', '/api/v1/items?q=scj-001', { session: admin });
  expectStatus(items, 200);
  const item = await srv.req('GET', `/api/v1/items/${items.json.items[0].id}`, { session: admin });
  assert.deepEqual(item.json.materials.map((m) => m.name), ['食品经营许可申请书', '营业执照', '场所平面图（含"设备布局"）']);
  assert.equal(item.json.conditions, '有固定经营场所,符合卫生要求');
  const proc = await srv.req('GET', `/api/v1/items/${items.json.items[0].id}/process`, { session: admin });
  expectStatus(proc, 200);
  assert.equal(proc.json.version, 1);
  assert.deepEqual(proc.json.steps.map((x) => x.name), ['窗口受理', '材料审查', '现场核查', '专家评审', '审核决定', '办结']);

  // every imported case is named in a "case.import" event with its new and old number
  const payloads = (await srv.db.sql("SELECT payload FROM events WHERE type = 'case.import' ORDER BY seq"))
    .trim().split('\n').map((l) => JSON.parse(l));
  const pairs = payloads.flatMap((p) => p.cases);
  assert.equal(pairs.length, 8);
  assert.ok(pairs.some(([no, old]) => no === row.no && old === 'GY2019-0003'), JSON.stringify(pairs));

  // the chain verifies, and the rollups are what a rebuild from the cases gives
  const stats = 'SELECT day, center_id, unit_id, item_id, applied, accepted, refused, completed, ' +
    'completed_ontime, picked_up, rated, rating_bad, transfer_outs FROM stats_daily ORDER BY 1, 2, 3, 4';
  const rollups = await srv.db.sql(stats);
  const v = await srv.cli(['verify', '--rebuild-stats']);
  assert.equal(v.code, 0, v.out);
  assert.match(v.stdout, /事件哈希链完整/);
  assert.equal(await srv.db.sql(stats), rollups);
  const applied = await srv.db.sql(
    "SELECT SUM(s.applied), SUM(s.picked_up), SUM(s.rating_bad) FROM stats_daily s JOIN centers c ON c.id = s.center_id WHERE c.region_code = '520100'");
  assert.equal(applied.trim(), '8|2|1');

  // imported accounts: the initial password, to be changed; a disabled one stays disabled
  const li = await srv.req('POST', '/api/v1/session', { body: { username: 'gy_ck01', password: INITIAL_PW } });
  expectStatus(li, 200);
  assert.equal(li.json.user.must_change_password, true);
  assert.equal(li.json.user.name, '李窗口');
  const off = await srv.req('POST', '/api/v1/session', { body: { username: 'gy_old', password: INITIAL_PW } });
  assert.notEqual(off.status, 200);
});

test('a re-run imports nothing new', async () => {
  const before = await snapshot(srv.db);
  const r = await srv.cli(['import', '--from', FIXTURE]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(summary(r.stdout), {
    'regions.csv': [0, 2], 'centers.csv': [0, 1], 'units.csv': [0, 2], 'users.csv': [0, 7],
    'items.csv': [0, 3], 'processes.csv': [0, 2], 'cases.csv': [0, 8], 'case_steps.csv': [0, 24],
  });
  assert.equal(await snapshot(srv.db), before);
  const s = await srv.req('GET', '/api/v1/cases?view=all&no=GY2019-0001', { session: admin });
  assert.equal(s.json.items.length, 1);
});

test('a bad row stops the import: nothing is kept, and file, row and column are named', async () => {
  const bad = [
    // [file, line, from, to, message]
    ['cases.csv', 5, '2019-03-06 11:00:00', '2019/03/06', 'cases.csv 第5行 applied_at 列：时间格式应为YYYY-MM-DD HH:MM:SS'],
    ['cases.csv', 6, ',I03,in_process,', ',I09,in_process,', 'cases.csv 第6行 item 列：items.csv中没有id为“I09”的记录'],
    ['case_steps.csv', 15, 'approve,1005,7', 'approve,1005,seven', 'case_steps.csv 第15行 limit_days 列：应为0至365之间的整数'],
    ['case_steps.csv', 4, 'GY2019-0001,2,2,', 'GY2019-0001,2,1,', 'case_steps.csv 第4行 seq 列：办件“GY2019-0001”已有第2阶段的第1个环节'],
    ['process_steps.csv', 4, 'approve,1004,5', 'approve,,5', 'process_steps.csv 第4行 handler 列'],
  ];
  const db = await makeDb();
  try {
    const before = await snapshot(db);
    for (const [file, line, from, to, message] of bad) {
      const dir = mkdtempSync(path.join(tmp, 'bad-'));
      cpSync(FIXTURE, dir, { recursive: true });
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
      assert.ok(lines[line - 1].includes(from), `${file}:${line} holds ${from}`);
      lines[line - 1] = lines[line - 1].replace(from, to);
      writeFileSync(path.join(dir, file), lines.join('\n'));
      const r = await cli(['import', '--from', dir], { dbUrl: db.url });
      assert.notEqual(r.code, 0, r.out);
      assert.ok(r.stderr.includes(message), `expected “${message}” in:\n${r.stderr}`);
      assert.equal(await snapshot(db), before, `${file}:${line} left nothing behind`);
    }
  } finally {
    await db.drop();
  }
});

test('export writes the same format back: re-imported into a fresh database it exports the same files', async () => {
  const ex1 = path.join(tmp, 'ex1'), ex2 = path.join(tmp, 'ex2');
  const e1 = await srv.cli(['export', '--to', ex1]);
  assert.equal(e1.code, 0, e1.out);
  const files = readdirSync(ex1).sort();
  assert.deepEqual(files, readdirSync(FIXTURE).sort());
  // the sample's cases under their old numbers and old keys
  const cases = readFileSync(path.join(ex1, 'cases.csv'), 'utf8');
  assert.match(cases, /^GY2019-0003,I01,in_process,org,贵阳市某某餐饮有限公司,/m);
  assert.match(readFileSync(path.join(ex1, 'centers.csv'), 'utf8'), /^C01,520100,贵阳市政务服务中心,"贵阳市观山湖区长岭北路,市民大厦",/m);

  const db = await makeDb();
  try {
    const r = await cli(['import', '--from', ex1], { dbUrl: db.url });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(summary(r.stdout)['cases.csv'], [8, 0]);
    const e2 = await cli(['export', '--to', ex2], { dbUrl: db.url });
    assert.equal(e2.code, 0, e2.out);
    for (const f of files) {
      assert.equal(readFileSync(path.join(ex2, f), 'utf8'), readFileSync(path.join(ex1, f), 'utf8'), f);
    }
  } finally {
    await db.drop();
  }
});
