// The catalog of approval items (审批事项) with their required materials: who may write,
// what is refused, and that a refused request writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';

let srv, admin, jj, qy, scj, gaj, jjAdmin, qyAdmin, sup, clerk;

before(async () => {
  srv = await startServer();
  ({ admin, jj, qy, scj, gaj } = await srv.org());
  jjAdmin = await srv.newUser(admin, { username: 'jj_admin', name: '锦江管理员', roles: ['center_admin'], center_id: jj.id });
  qyAdmin = await srv.newUser(admin, { username: 'qy_admin', name: '青羊管理员', roles: ['center_admin'], center_id: qy.id });
  sup = await srv.newUser(admin, { username: 'sup_jj', name: '锦江监察', roles: ['supervisor'], scope_region: '510104' });
  clerk = await srv.newUser(admin, { username: 'jj_clerk', name: '锦江窗口', roles: ['clerk'], center_id: jj.id, unit_id: scj.unit.id });
});
after(async () => { if (srv) await srv.close(); });

const req = (who, method, p, body) => srv.req(method, p, { session: who.session || who, body });

function item(extra = {}) {
  return {
    unit_id: scj.unit.id,
    code: 'SCJ-001',
    name: '食品经营许可',
    kind: 'promised',
    statutory_days: 20,
    promised_days: 10,
    entered: true,
    authorized: true,
    basis: '《中华人民共和国食品安全法》第三十五条',
    conditions: '有与经营的食品品种、数量相适应的经营场所',
    fees: '不收费',
    place_time: '锦江区政务服务中心二楼，工作日9:00-17:00',
    investment: false,
    materials: [
      { name: '食品经营许可申请书', form: 'original', copies: 1, required: true, notes: '' },
      { name: '营业执照', form: 'copy', copies: 2, required: false, notes: '加盖公章' },
    ],
    ...extra,
  };
}

async function allItems(who = admin) {
  const r = await req(who, 'GET', '/api/v1/items?include_disabled=1&size=100');
  expectStatus(r, 200);
  return r.json.items;
}

async function eventsOf(type) {
  const r = await req(admin, 'GET', '/api/v1/events?size=1000');
  expectStatus(r, 200);
  return r.json.items.filter((e) => e.type === type);
}

test('a unit admin creates, reads and updates an item with its materials; events are appended', async () => {
  const r = await req(scj, 'POST', '/api/v1/items', item());
  expectStatus(r, 201);
  const it = r.json;
  assert.equal(it.code, 'SCJ-001');
  assert.equal(it.unit_id, scj.unit.id);
  assert.equal(it.unit_name, '锦江区市场监督管理局');
  assert.equal(it.center_id, jj.id);
  assert.equal(it.kind, 'promised');
  assert.equal(it.statutory_days, 20);
  assert.equal(it.promised_days, 10);
  assert.equal(it.entered, true);
  assert.equal(it.authorized, true);
  assert.equal(it.disabled, false);
  assert.equal(it.material_count, 2);
  assert.deepEqual(it.materials.map((m) => [m.seq, m.name, m.form, m.copies, m.required, m.notes]), [
    [1, '食品经营许可申请书', 'original', 1, true, ''],
    [2, '营业执照', 'copy', 2, false, '加盖公章'],
  ]);

  const g = await req(scj, 'GET', `/api/v1/items/${it.id}`);
  expectStatus(g, 200);
  assert.deepEqual(g.json, it);

  // Materials are replaced as a whole list, in the order given.
  const u = await req(scj, 'PUT', `/api/v1/items/${it.id}`, {
    name: '食品经营许可（新办）',
    promised_days: 5,
    materials: [
      { name: '营业执照', form: 'both', copies: 1 },
      { name: '法定代表人身份证明', form: 'copy', copies: 1, required: true },
      { name: '食品安全管理制度', form: 'original', copies: 1, required: false },
    ],
  });
  expectStatus(u, 200);
  assert.equal(u.json.name, '食品经营许可（新办）');
  assert.equal(u.json.promised_days, 5);
  assert.equal(u.json.statutory_days, 20, 'fields not given keep their value');
  assert.equal(u.json.basis, item().basis);
  assert.deepEqual(u.json.materials.map((m) => [m.seq, m.name, m.form]), [
    [1, '营业执照', 'both'],
    [2, '法定代表人身份证明', 'copy'],
    [3, '食品安全管理制度', 'original'],
  ]);
  // A PUT without materials keeps them.
  const k = await req(scj, 'PUT', `/api/v1/items/${it.id}`, { fees: '免费' });
  expectStatus(k, 200);
  assert.equal(k.json.materials.length, 3);

  const created = await eventsOf('item.create');
  assert.ok(created.some((e) => e.payload.id === it.id && e.center_id === jj.id && e.payload.code === 'SCJ-001'));
  const updated = (await eventsOf('item.update')).filter((e) => e.payload.id === it.id);
  assert.equal(updated.length, 2);
  assert.equal(updated[0].payload.changes.materials, 3);
  assert.equal(updated[0].center_id, jj.id);
});

test('an immediate item has promised days 0; a duplicate code in the center → 409', async () => {
  const r = await req(scj, 'POST', '/api/v1/items', item({ code: 'SCJ-002', name: '个体工商户名称变更', kind: 'immediate', statutory_days: 0, promised_days: undefined, materials: [] }));
  expectStatus(r, 201);
  assert.equal(r.json.kind, 'immediate');
  assert.equal(r.json.promised_days, 0);
  assert.deepEqual(r.json.materials, []);

  const bad = await req(scj, 'POST', '/api/v1/items', item({ code: 'SCJ-003', kind: 'immediate', promised_days: 3 }));
  expectError(bad, 400, 'invalid', 'promised_days');
  assert.match(bad.json.error.message, /即办/);

  const dup = await req(jjAdmin, 'POST', '/api/v1/items', item({ unit_id: gaj.unit.id, name: '另一个' }));
  expectError(dup, 409, 'duplicate', 'code');
  assert.match(dup.json.error.message, /SCJ-001/);
});

test('bad limits, texts and materials → 400 naming the field, nothing written', async () => {
  const before = await allItems();
  const eventsBefore = (await eventsOf('item.create')).length;
  const cases = [
    [{ statutory_days: 10, promised_days: 12 }, 'promised_days', /承诺时限\(12\)不能超过法定时限\(10\)/],
    [{ statutory_days: -1 }, 'statutory_days', /法定时限/],
    [{ promised_days: -3 }, 'promised_days', /承诺时限/],
    [{ statutory_days: 100000, promised_days: 10 }, 'statutory_days', /法定时限.*365/],
    [{ statutory_days: 1.5 }, 'statutory_days', /整数/],
    [{ statutory_days: '20' }, 'statutory_days', /整数/],
    [{ promised_days: 0 }, 'promised_days', /承诺件/],
    [{ kind: 'slow' }, 'kind', /办件类型/],
    [{ code: '' }, 'code', /事项编码/],
    [{ code: 'a b' }, 'code', /事项编码/],
    [{ name: '名'.repeat(101) }, 'name', /事项名称/],
    [{ basis: 'x'.repeat(2001) }, 'basis', /设定依据/],
    [{ entered: false, authorized: true }, 'authorized', /进驻/],
    [{ materials: 'none' }, 'materials', /应交材料/],
    [{ materials: Array.from({ length: 51 }, (_, i) => ({ name: `材料${i}` })) }, 'materials', /不能超过50项/],
    [{ materials: [{ name: '申请书' }, { name: '' }] }, 'materials.1.name', /第2项材料：.*材料名称/],
    [{ materials: [{ name: '申请书', copies: 100 }] }, 'materials.0.copies', /第1项材料：份数/],
    [{ materials: [{ name: '申请书', form: 'scan' }] }, 'materials.0.form', /材料形式/],
    [{ unit_id: 999999 }, 'unit_id', /所属单位/],
  ];
  for (const [extra, field, msg] of cases) {
    const r = await req(scj.unit.id === extra.unit_id ? scj : admin, 'POST', '/api/v1/items', item({ code: 'BAD-1', ...extra }));
    expectError(r, 400, 'invalid', field);
    assert.match(r.json.error.message, msg, JSON.stringify(extra));
  }
  // Updates are checked on the whole item after the change.
  const it = before.find((i) => i.code === 'SCJ-001');
  const up = await req(scj, 'PUT', `/api/v1/items/${it.id}`, { statutory_days: 3, name: '不应保存', materials: [] });
  expectError(up, 400, 'invalid', 'promised_days');
  assert.match(up.json.error.message, /承诺时限\(5\)不能超过法定时限\(3\)/);
  const up2 = await req(scj, 'PUT', `/api/v1/items/${it.id}`, { name: '不应保存', materials: [{ name: 'x', copies: 0 }] });
  expectError(up2, 400, 'invalid', 'materials.0.copies');
  const up3 = await req(scj, 'PUT', `/api/v1/items/${it.id}`, { unit_id: gaj.unit.id });
  expectError(up3, 400, 'invalid', 'unit_id');

  assert.deepEqual(await allItems(), before, 'nothing written');
  const g = await req(admin, 'GET', `/api/v1/items/${it.id}`);
  assert.equal(g.json.materials.length, 3, 'materials unchanged');
  assert.equal((await eventsOf('item.create')).length, eventsBefore);
});

test('scope: other unit admins and other centers are refused; supervisor and clerk read only', async () => {
  const it = (await allItems()).find((i) => i.code === 'SCJ-001');
  const before = await allItems();

  // unit admin of another unit in the same center
  expectError(await req(gaj, 'PUT', `/api/v1/items/${it.id}`, { name: '改' }), 403, 'forbidden');
  expectError(await req(gaj, 'POST', '/api/v1/items', item({ code: 'GAJ-X' })), 403, 'forbidden');
  // center admin of another center
  expectError(await req(qyAdmin, 'PUT', `/api/v1/items/${it.id}`, { name: '改' }), 403, 'forbidden');
  expectError(await req(qyAdmin, 'GET', `/api/v1/items/${it.id}`), 403, 'forbidden');
  expectError(await req(qyAdmin, 'POST', '/api/v1/items', item({ code: 'QY-X' })), 403, 'forbidden');
  const qyList = await req(qyAdmin, 'GET', '/api/v1/items');
  expectStatus(qyList, 200);
  assert.equal(qyList.json.total, 0, 'other center\'s items not listed');
  // supervisor of 锦江区 reads, never writes
  const sg = await req(sup, 'GET', `/api/v1/items/${it.id}`);
  expectStatus(sg, 200);
  const sl = await req(sup, 'GET', '/api/v1/items');
  assert.ok(sl.json.items.some((i) => i.id === it.id));
  expectError(await req(sup, 'PUT', `/api/v1/items/${it.id}`, { name: '改' }), 403, 'forbidden');
  expectError(await req(sup, 'POST', '/api/v1/items', item({ code: 'SUP-X' })), 403, 'forbidden');
  // clerk of the center reads, never writes
  expectStatus(await req(clerk, 'GET', `/api/v1/items/${it.id}`), 200);
  const cl = await req(clerk, 'GET', '/api/v1/items');
  assert.ok(cl.json.items.some((i) => i.id === it.id));
  expectError(await req(clerk, 'PUT', `/api/v1/items/${it.id}`, { name: '改' }), 403, 'forbidden');
  expectError(await req(clerk, 'POST', '/api/v1/items', item({ code: 'CLK-X' })), 403, 'forbidden');
  // the center admin of the item's center writes it
  const ok = await req(jjAdmin, 'PUT', `/api/v1/items/${it.id}`, { conditions: '中心管理员修改' });
  expectStatus(ok, 200);
  assert.equal(ok.json.conditions, '中心管理员修改');
  assert.equal((await allItems()).length, before.length);
  expectError(await req(admin, 'GET', '/api/v1/items/999999'), 404, 'not_found');
});

test('list: filters, search, paging; disabled items hidden unless asked for', async () => {
  const add = async (code, name, extra = {}) => {
    const r = await req(gaj, 'POST', '/api/v1/items', item({ unit_id: gaj.unit.id, code, name, materials: [], ...extra }));
    expectStatus(r, 201);
    return r.json;
  };
  await add('GAJ-001', '居民身份证申领');
  await add('GAJ-002', '户口迁移', { kind: 'immediate', statutory_days: 0, promised_days: 0 });
  const third = await add('GAJ-003', '临时身份证办理');

  const list = async (qs, who = admin) => {
    const r = await req(who, 'GET', '/api/v1/items' + qs);
    expectStatus(r, 200);
    return r.json;
  };
  assert.deepEqual((await list(`?unit_id=${gaj.unit.id}`)).items.map((i) => i.code), ['GAJ-001', 'GAJ-002', 'GAJ-003']);
  assert.deepEqual((await list('?q=身份证')).items.map((i) => i.code), ['GAJ-001', 'GAJ-003']);
  assert.deepEqual((await list('?q=gaj-00')).items.map((i) => i.code), ['GAJ-001', 'GAJ-002', 'GAJ-003'], 'code search ignores case');
  assert.deepEqual((await list('?q=%25')).items, [], 'LIKE wildcards are literal');
  assert.deepEqual((await list(`?kind=immediate&center_id=${jj.id}`)).items.map((i) => i.code), ['SCJ-002', 'GAJ-002'], 'ordered by unit, then code');
  const p = await list(`?unit_id=${gaj.unit.id}&page=2&size=2`);
  assert.equal(p.total, 3);
  assert.equal(p.page, 2);
  assert.deepEqual(p.items.map((i) => i.code), ['GAJ-003']);
  assert.equal((await list(`?center_id=${qy.id}`)).total, 0);
  expectError(await req(admin, 'GET', '/api/v1/items?kind=slow'), 400, 'invalid', 'kind');

  // disable: hidden from the default list, shown with include_disabled=1, enable again
  const d = await req(gaj, 'PUT', `/api/v1/items/${third.id}`, { disabled: true });
  expectStatus(d, 200);
  assert.equal(d.json.disabled, true);
  assert.ok(!(await list(`?unit_id=${gaj.unit.id}`)).items.some((i) => i.id === third.id));
  assert.ok((await list(`?unit_id=${gaj.unit.id}&include_disabled=1`)).items.some((i) => i.id === third.id && i.disabled));
  const e = await req(gaj, 'PUT', `/api/v1/items/${third.id}`, { disabled: false });
  expectStatus(e, 200);
  assert.ok((await list(`?unit_id=${gaj.unit.id}`)).items.some((i) => i.id === third.id));
  const ev = (await eventsOf('item.update')).filter((x) => x.payload.id === third.id);
  assert.deepEqual(ev.map((x) => x.payload.changes.disabled), [true, false]);
});
