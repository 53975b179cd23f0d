// Regions (GB/T 2260), centers and units, including the unit's default user (R2.6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus, INITIAL_PW } from './server.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.admin();
});
after(async () => { if (srv) await srv.close(); });

const post = (p, body) => srv.req('POST', p, { session: admin, body });
const get = (p) => srv.req('GET', p, { session: admin });
async function regionCodes() {
  const r = await get('/api/v1/regions');
  expectStatus(r, 200);
  return r.json.items.map((g) => g.code);
}

test('regions: province, city, county are created with parent and level', async () => {
  const p = await post('/api/v1/regions', { code: '510000', name: '四川省' });
  expectStatus(p, 201);
  assert.deepEqual(p.json, { code: '510000', name: '四川省', parent: null, level: 1 });

  const bad = await post('/api/v1/regions', { code: '510104', name: '锦江区' });
  expectError(bad, 400, 'invalid_region_code');
  assert.ok(!(await regionCodes()).includes('510104'), 'county without its city not written');

  const c = await post('/api/v1/regions', { code: '510100', name: '成都市' });
  expectStatus(c, 201);
  assert.deepEqual(c.json, { code: '510100', name: '成都市', parent: '510000', level: 2 });

  const k = await post('/api/v1/regions', { code: '510104', name: '锦江区' });
  expectStatus(k, 201);
  assert.deepEqual(k.json, { code: '510104', name: '锦江区', parent: '510100', level: 3 });

  const kids = await get('/api/v1/regions?parent=510000');
  expectStatus(kids, 200);
  assert.deepEqual(kids.json.items.map((g) => g.code), ['510100']);
  const kids2 = await get('/api/v1/regions?parent=510100');
  assert.deepEqual(kids2.json.items.map((g) => g.code), ['510104']);
  const all = await regionCodes();
  for (const code of ['510000', '510100', '510104']) assert.ok(all.includes(code));
});

test('regions: malformed codes and missing parents → 400 invalid_region_code, nothing written', async () => {
  const before = await regionCodes();
  const cases = [
    ['51010', '五位'],
    ['5101040', '七位'],
    ['51a100', '字母'],
    ['990000', '不存在的省'],
    ['000000', '零'],
    ['520100', '省不存在的市'], // 520000 is missing
  ];
  for (const [code, name] of cases) {
    const r = await post('/api/v1/regions', { code, name });
    expectError(r, 400, 'invalid_region_code');
    assert.match(r.json.error.message, /区划/);
    assert.equal(r.json.error.field, 'code');
  }
  // An empty code is a missing field: either code will do, naming the field.
  expectError(await post('/api/v1/regions', { code: '', name: '空' }), 400, ['invalid', 'invalid_region_code'], 'code');
  // County whose city is missing.
  expectError(await post('/api/v1/regions', { code: '510704', name: '游仙区' }), 400, 'invalid_region_code');
  // A number instead of a string is not a code either.
  const n = await post('/api/v1/regions', { code: 510700, name: '绵阳市' });
  assert.equal(n.status, 400);
  assert.deepEqual(await regionCodes(), before, 'nothing written');
});

test('regions: duplicate code → 409 duplicate, name unchanged', async () => {
  const r = await post('/api/v1/regions', { code: '510000', name: '另一个四川' });
  expectError(r, 409, 'duplicate');
  const all = await get('/api/v1/regions');
  assert.equal(all.json.items.filter((g) => g.code === '510000').length, 1);
  assert.equal(all.json.items.find((g) => g.code === '510000').name, '四川省');
});

test('regions: name is required and at most 64 characters; rename works', async () => {
  expectError(await post('/api/v1/regions', { code: '510700' }), 400, 'invalid', 'name');
  expectError(await post('/api/v1/regions', { code: '510700', name: '绵'.repeat(65) }), 400, 'invalid', 'name');
  assert.ok(!(await regionCodes()).includes('510700'));
  const ok = await post('/api/v1/regions', { code: '510700', name: '绵'.repeat(64) });
  expectStatus(ok, 201);
  const put = await srv.req('PUT', '/api/v1/regions/510700', { session: admin, body: { name: '绵阳市' } });
  expectStatus(put, 200);
  assert.equal(put.json.name, '绵阳市');
  const all = await get('/api/v1/regions');
  assert.equal(all.json.items.find((g) => g.code === '510700').name, '绵阳市');
});

let centerId;
test('centers: create, read, list by region', async () => {
  const r = await post('/api/v1/centers', {
    region_code: '510104', name: '成都市锦江区政务服务中心', address: '锦江区东大街1号', phone: '028-12345678',
  });
  expectStatus(r, 201);
  const c = r.json;
  assert.equal(typeof c.id, 'number');
  assert.equal(c.region_code, '510104');
  assert.equal(c.region_name, '锦江区');
  assert.equal(c.name, '成都市锦江区政务服务中心');
  assert.equal(c.address, '锦江区东大街1号');
  assert.equal(c.phone, '028-12345678');
  assert.equal(c.disabled, false);
  assert.equal(c.unit_count, 0);
  centerId = c.id;

  const g = await get(`/api/v1/centers/${c.id}`);
  expectStatus(g, 200);
  assert.deepEqual(g.json, c);

  const l = await get('/api/v1/centers?region=510100');
  expectStatus(l, 200);
  assert.ok(l.json.items.some((x) => x.id === c.id), 'county center is in the city subtree');
  const l2 = await get('/api/v1/centers?region=510700');
  assert.ok(!l2.json.items.some((x) => x.id === c.id), 'not in another city');

  expectError(await get('/api/v1/centers/987654'), 404, 'not_found');
});

test('centers: unknown region or bad fields → 400, nothing written', async () => {
  const n0 = (await get('/api/v1/centers')).json.items.length;
  const r = await post('/api/v1/centers', { region_code: '510105', name: '不存在的区中心' });
  assert.equal(r.status, 400, r.text);
  expectError(r, 400, ['invalid', 'invalid_region_code']);
  expectError(await post('/api/v1/centers', { region_code: '510104' }), 400, 'invalid', 'name');
  expectError(await post('/api/v1/centers', { region_code: '510104', name: '中心', phone: 'abc' }), 400, 'invalid', 'phone');
  expectError(await post('/api/v1/centers', { region_code: '510104', name: '中心', address: '址'.repeat(201) }), 400, 'invalid', 'address');
  assert.equal((await get('/api/v1/centers')).json.items.length, n0);
});

test('centers: update by sysadmin', async () => {
  const r = await srv.req('PUT', `/api/v1/centers/${centerId}`, { session: admin, body: { phone: '028-87654321' } });
  expectStatus(r, 200);
  assert.equal(r.json.phone, '028-87654321');
  assert.equal(r.json.name, '成都市锦江区政务服务中心');
});

test('units: creation also creates the default user, who must change 888888', async () => {
  const r = await post('/api/v1/units', { center_id: centerId, code: 'scj', name: '锦江区市场监督管理局' });
  expectStatus(r, 201);
  const { unit, default_user: du } = r.json;
  assert.equal(unit.center_id, centerId);
  assert.equal(unit.code, 'scj');
  assert.equal(unit.name, '锦江区市场监督管理局');
  assert.equal(unit.center_name, '成都市锦江区政务服务中心');
  assert.equal(unit.disabled, false);
  assert.equal(unit.user_count, 1);

  assert.equal(du.username, '510104scj');
  assert.deepEqual([...du.roles].sort(), ['clerk', 'handler', 'unit_admin']);
  assert.equal(du.center_id, centerId);
  assert.equal(du.unit_id, unit.id);
  assert.equal(du.in_center, true);
  assert.equal(du.must_change_password, true);
  assert.equal(du.disabled, false);

  const g = await get(`/api/v1/units/${unit.id}`);
  expectStatus(g, 200);
  assert.equal(g.json.code, 'scj');
  const l = await get(`/api/v1/units?center_id=${centerId}`);
  assert.ok(l.json.items.some((u) => u.id === unit.id));
  assert.equal((await get(`/api/v1/centers/${centerId}`)).json.unit_count, 1);

  // The default user logs in with 888888 and is made to change it.
  const s = await srv.login('510104scj', INITIAL_PW);
  assert.equal(s.user.must_change_password, true);
  expectError(await srv.req('GET', '/api/v1/users', { session: s }), 403, 'password_change_required');
  const ch = await srv.req('POST', '/api/v1/session/password', {
    session: s, body: { old_password: INITIAL_PW, new_password: 'Jinjiang2024' },
  });
  expectStatus(ch, 200);
  expectStatus(await srv.req('GET', '/api/v1/users', { session: s }), 200);
});

test('units: default_username is used when given', async () => {
  const r = await post('/api/v1/units', { center_id: centerId, code: 'gaj', name: '锦江区公安分局', default_username: 'jj_police' });
  expectStatus(r, 201);
  assert.equal(r.json.default_user.username, 'jj_police');
  const s = await srv.login('jj_police', INITIAL_PW);
  assert.equal(s.user.unit_id, r.json.unit.id);
});

test('units: taken default username → 409, neither unit nor user written', async () => {
  const usersBefore = (await get('/api/v1/users?size=100')).json.total;
  const r = await post('/api/v1/units', { center_id: centerId, code: 'swj', name: '锦江区税务局', default_username: '510104scj' });
  expectError(r, 409, 'duplicate');
  const l = await get(`/api/v1/units?center_id=${centerId}`);
  assert.ok(!l.json.items.some((u) => u.code === 'swj'), 'unit not written');
  assert.equal((await get('/api/v1/users?size=100')).json.total, usersBefore, 'no user written');

  // Same through the derived name: a user 510104jtj exists before the unit jtj.
  const u = await post('/api/v1/users', { username: '510104jtj', name: '占用者', roles: ['center_admin'], center_id: centerId });
  expectStatus(u, 201);
  const r2 = await post('/api/v1/units', { center_id: centerId, code: 'jtj', name: '锦江区交通局' });
  expectError(r2, 409, 'duplicate');
  assert.ok(!(await get(`/api/v1/units?center_id=${centerId}`)).json.items.some((x) => x.code === 'jtj'));
});

test('units: duplicate code in a center → 409; bad code → 400 invalid code', async () => {
  expectError(await post('/api/v1/units', { center_id: centerId, code: 'scj', name: '重复' , default_username: 'dup_scj' }),
    409, 'duplicate');
  for (const code of ['S', 'SCJ', 'a-b', 'x'.repeat(17)]) {
    expectError(await post('/api/v1/units', { center_id: centerId, code, name: '坏代码' }), 400, 'invalid', 'code');
  }
  const r = await post('/api/v1/units', { center_id: 987654, code: 'abc', name: '无中心' });
  assert.ok([400, 404].includes(r.status), `unknown center → 400/404, got ${r.status}`);
  const l = await get(`/api/v1/units?center_id=${centerId}`);
  assert.equal(l.json.items.length, 2, 'only scj and gaj');
});

test('units: rename', async () => {
  const l = await get(`/api/v1/units?center_id=${centerId}`);
  const scj = l.json.items.find((u) => u.code === 'scj');
  const r = await srv.req('PUT', `/api/v1/units/${scj.id}`, { session: admin, body: { name: '锦江区市场监管局' } });
  expectStatus(r, 200);
  assert.equal(r.json.name, '锦江区市场监管局');
  assert.equal((await get(`/api/v1/units/${scj.id}`)).json.name, '锦江区市场监管局');
});
