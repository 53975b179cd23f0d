// The catalog as a spreadsheet (docs/itemsheet.md): export to .xlsx, import CSV in the same
// column layout, all or nothing, and the round trip export → CSV → import changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, expectError, expectStatus, run, COOKIE } from './server.mjs';

const HEADER = ['单位代码', '事项编码', '事项名称', '类型', '法定时限', '承诺时限', '进驻中心', '窗口授权', '投资项目',
  '设定依据', '办理条件', '收费标准', '办理地点和时间', '应交材料', '状态'];

let srv, admin, jj, qy, scj, gaj, jjAdmin, tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shenpi-sheet-'));
  srv = await startServer();
  ({ admin, jj, qy, scj, gaj } = await srv.org());
  jjAdmin = await srv.newUser(admin, { username: 'jj_admin', name: '锦江管理员', roles: ['center_admin'], center_id: jj.id });
  await srv.create('/api/v1/items', {
    unit_id: scj.unit.id, code: 'SCJ-001', name: '食品经营许可', kind: 'promised', statutory_days: 20, promised_days: 10,
    entered: true, authorized: true, basis: '《中华人民共和国食品安全法》第三十五条', conditions: '有经营场所，有卫生设施',
    fees: '不收费', place_time: '二楼，工作日9:00-17:00', investment: false,
    materials: [
      { name: '食品经营许可申请书', form: 'original', copies: 1, required: true, notes: '' },
      { name: '营业执照', form: 'copy', copies: 2, required: false, notes: '加盖公章' },
    ],
  }, jjAdmin);
  await srv.create('/api/v1/items', {
    unit_id: gaj.unit.id, code: 'GAJ-001', name: '居民身份证申领', kind: 'immediate', statutory_days: 0, promised_days: 0,
    entered: true, authorized: false, investment: true, materials: [],
  }, jjAdmin);
});
after(async () => {
  if (srv) await srv.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const req = (who, method, p, body) => srv.req(method, p, { session: who.session || who, body });

/** GET the export as bytes. */
async function exportXlsx(who, query = '') {
  const s = who.session || who;
  const res = await fetch(`${srv.url}/api/v1/items/export.xlsx${query}`, { headers: { Cookie: `${COOKIE}=${s.cookie}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** An .xlsx as CSV text through the xlsx2csv CLI. */
async function toCsv(bytes) {
  const f = path.join(tmp, `x${Math.random().toString(36).slice(2)}.xlsx`);
  fs.writeFileSync(f, bytes);
  const r = await run('xlsx2csv', [f]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** RFC 4180 records. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const csvOf = (rows) => rows.map((r) => r.map((v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';

async function byCode(code) {
  const r = await req(admin, 'GET', `/api/v1/items?center_id=${jj.id}&include_disabled=1&size=100&q=${encodeURIComponent(code)}`);
  expectStatus(r, 200);
  const hit = r.json.items.find((i) => i.code === code);
  if (!hit) return null;
  const full = await req(admin, 'GET', `/api/v1/items/${hit.id}`);
  expectStatus(full, 200);
  return full.json;
}

async function centerItems() {
  const r = await req(admin, 'GET', `/api/v1/items?center_id=${jj.id}&include_disabled=1&size=100`);
  expectStatus(r, 200);
  const out = [];
  for (const it of r.json.items) out.push((await req(admin, 'GET', `/api/v1/items/${it.id}`)).json);
  return out;
}

const row = (o = {}) => {
  const d = { unit: 'scj', code: 'SCJ-100', name: '食品生产许可', kind: '承诺', statutory: '20', promised: '10', entered: '是',
    authorized: '否', investment: '否', basis: '', conditions: '', fees: '', place: '', materials: '申请书|原件|1|必交|', status: '正常', ...o };
  return [d.unit, d.code, d.name, d.kind, d.statutory, d.promised, d.entered, d.authorized, d.investment, d.basis,
    d.conditions, d.fees, d.place, d.materials, d.status];
};

test('a center admin exports the catalog as .xlsx; xlsx2csv reads the header and the materials cell', async () => {
  const r = await exportXlsx(jjAdmin);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet/);
  assert.match(r.headers.get('content-disposition') || '', /^attachment/);
  assert.equal(r.body.subarray(0, 2).toString(), 'PK');
  const rows = parseCsv(await toCsv(r.body));
  assert.deepEqual(rows[0], HEADER);
  const it = rows.find((x) => x[1] === 'SCJ-001');
  assert.ok(it, 'row SCJ-001');
  assert.deepEqual(it.slice(0, 9), ['scj', 'SCJ-001', '食品经营许可', '承诺', '20', '10', '是', '是', '否']);
  assert.equal(it[10], '有经营场所，有卫生设施');
  assert.equal(it[13], '食品经营许可申请书|原件|1|必交|\n营业执照|复印件|2|选交|加盖公章');
  assert.equal(it[14], '正常');
  const g = rows.find((x) => x[1] === 'GAJ-001');
  assert.deepEqual([g[0], g[3], g[4], g[5], g[8], g[13]], ['gaj', '即办', '0', '0', '是', '']);
  // the filters apply
  const only = parseCsv(await toCsv((await exportXlsx(jjAdmin, '?kind=immediate')).body));
  assert.deepEqual(only.slice(1).map((x) => x[1]), ['GAJ-001']);
});

test('import updates by 事项编码 and creates the others; materials are replaced', async () => {
  const before = await byCode('SCJ-001');
  const csv = csvOf([
    HEADER,
    row({ code: 'SCJ-001', name: '食品经营许可（新）', statutory: '15', promised: '5', authorized: '是',
      materials: '申请书|原件和复印件|3|选交|一式三份' }),
    row({ code: 'SCJ-002', name: '食品小作坊登记', kind: '即办', statutory: '5', promised: '0',
      materials: '身份证|复印件|1|必交|\r\n场所证明|原件|1|选交|' }),
  ]);
  const r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv });
  expectStatus(r, 200);
  assert.deepEqual(r.json, { created: 1, updated: 1 });
  const a = await byCode('SCJ-001');
  assert.equal(a.id, before.id);
  assert.equal(a.name, '食品经营许可（新）');
  assert.equal(a.statutory_days, 15);
  assert.equal(a.promised_days, 5);
  assert.deepEqual(a.materials.map(({ name, form, copies, required, notes }) => ({ name, form, copies, required, notes })),
    [{ name: '申请书', form: 'both', copies: 3, required: false, notes: '一式三份' }]);
  const b = await byCode('SCJ-002');
  assert.equal(b.kind, 'immediate');
  assert.equal(b.unit_id, scj.unit.id);
  assert.equal(b.materials.length, 2);
  assert.equal(b.materials[1].name, '场所证明');
  assert.equal(b.materials[1].required, false);
});

test('a bad row fails the whole import with its row and column', async () => {
  let r = await req(jjAdmin, 'POST', '/api/v1/items/import', {
    csv: csvOf([HEADER, row({ code: 'SCJ-900' }), row({ code: 'SCJ-901', statutory: '20', promised: '30' })]),
  });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第3行第6列（承诺时限）：/);
  assert.equal(await byCode('SCJ-900'), null, 'row 2 was not written');

  r = await req(jjAdmin, 'POST', '/api/v1/items/import', {
    csv: csvOf([HEADER, row({ code: 'SCJ-902' }), row({ code: 'SCJ-903' }), row({ unit: 'nope', code: 'SCJ-904' })]),
  });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第4行第1列（单位代码）：.*nope/);
  assert.equal(await byCode('SCJ-902'), null);

  // without the header row the first line is row 1
  r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv: csvOf([row({ unit: 'qyx', code: 'X-1' })]) });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第1行第1列/);

  r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv: csvOf([HEADER, row({ kind: '加急' })]) });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第2行第4列（类型）/);

  r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv: csvOf([HEADER, row({ materials: '申请书|扫描件|1|必交|' })]) });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第2行第14列（应交材料）/);

  r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv: csvOf([HEADER]) });
  expectError(r, 400, 'invalid', 'csv');
});

test('a unit admin imports only their own unit: a row of another unit is refused and nothing is written', async () => {
  let r = await req(scj, 'POST', '/api/v1/items/import', {
    csv: csvOf([HEADER, row({ code: 'SCJ-910' }), row({ unit: 'gaj', code: 'GAJ-910' })]),
  });
  expectError(r, 403, 'forbidden', 'csv');
  assert.match(r.json.error.message, /^第3行/);
  assert.equal(await byCode('SCJ-910'), null);
  assert.equal(await byCode('GAJ-910'), null);
  // updating another unit's item is refused as well
  r = await req(scj, 'POST', '/api/v1/items/import', { csv: csvOf([HEADER, row({ unit: 'gaj', code: 'GAJ-001', kind: '即办', statutory: '0', promised: '0' })]) });
  expectError(r, 403, 'forbidden', 'csv');
  assert.equal((await byCode('GAJ-001')).name, '居民身份证申领');
  // their own unit works
  r = await req(scj, 'POST', '/api/v1/items/import', { csv: csvOf([HEADER, row({ code: 'SCJ-911' })]) });
  expectStatus(r, 200);
  assert.deepEqual(r.json, { created: 1, updated: 0 });
});

test('a sysadmin names the center; without center_id → 400 center_id', async () => {
  const csv = csvOf([HEADER, row({ code: 'SCJ-920' })]);
  let r = await req(admin, 'POST', '/api/v1/items/import', { csv });
  expectError(r, 400, 'invalid', 'center_id');
  assert.equal(await byCode('SCJ-920'), null);
  r = await req(admin, 'POST', '/api/v1/items/import', { center_id: qy.id, csv });
  expectStatus(r, 200);
  assert.deepEqual(r.json, { created: 1, updated: 0 });
  assert.equal(await byCode('SCJ-920'), null, 'went to the other center');
  r = await req(admin, 'POST', '/api/v1/items/import', { csv: 'x' });
  expectError(r, 400, 'invalid', 'center_id');
  r = await req(jjAdmin, 'POST', '/api/v1/items/import', {});
  expectError(r, 400, 'invalid', 'csv');
});

test('round trip: export → xlsx2csv → import changes nothing', async () => {
  // a disabled item and an immediate one take part too
  const d = await byCode('SCJ-911');
  expectStatus(await req(jjAdmin, 'PUT', `/api/v1/items/${d.id}`, { disabled: true }), 200);
  const strip = (items) => items.map(({ updated_at, materials, ...it }) => ({
    ...it, materials: materials.map(({ id, ...m }) => m),
  })).sort((a, b) => a.id - b.id);
  const beforeItems = strip(await centerItems());
  const csv = await toCsv((await exportXlsx(jjAdmin, '?include_disabled=1')).body);
  const r = await req(jjAdmin, 'POST', '/api/v1/items/import', { csv });
  expectStatus(r, 200);
  assert.deepEqual(r.json, { created: 0, updated: beforeItems.length });
  assert.deepEqual(strip(await centerItems()), beforeItems);
});

test('rows are numbered as in the spreadsheet even after multi-line cells; guide texts keep their paragraphs', async () => {
  const twoMaterials = '申请书|原件|1|必交|\r\n营业执照|复印件|1|必交|';
  let r = await req(jjAdmin, 'POST', '/api/v1/items/import', {
    csv: csvOf([HEADER, row({ code: 'SCJ-950', materials: twoMaterials }), row({ code: 'SCJ-951', promised: '30' })]),
  });
  expectError(r, 400, 'invalid', 'csv');
  assert.match(r.json.error.message, /^第3行第6列（承诺时限）：/, 'Excel calls the bad row 3');

  r = await req(jjAdmin, 'POST', '/api/v1/items/import', {
    csv: csvOf([HEADER, row({ code: 'SCJ-952', basis: '《食品安全法》第三十五条\r\n《食品经营许可管理办法》第十条' })]),
  });
  expectStatus(r, 200);
  assert.equal((await byCode('SCJ-952')).basis, '《食品安全法》第三十五条\n《食品经营许可管理办法》第十条');
});
