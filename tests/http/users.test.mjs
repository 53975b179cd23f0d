// User management by a sysadmin: create, validate, list, edit, reset password, disable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus, INITIAL_PW } from './server.mjs';

let srv, admin, center, unit;
before(async () => {
  srv = await startServer();
  admin = await srv.admin();
  for (const [code, name] of [['510000', '四川省'], ['510100', '成都市'], ['510104', '锦江区']]) {
    expectStatus(await post('/api/v1/regions', { code, name }), 201);
  }
  const c = await post('/api/v1/centers', { region_code: '510104', name: '成都市锦江区政务服务中心' });
  expectStatus(c, 201);
  center = c.json;
  const u = await post('/api/v1/units', { center_id: center.id, code: 'scj', name: '锦江区市场监督管理局' });
  expectStatus(u, 201);
  unit = u.json.unit;
});
after(async () => { if (srv) await srv.close(); });

const post = (p, body) => srv.req('POST', p, { session: admin, body });
const put = (p, body) => srv.req('PUT', p, { session: admin, body });
const get = (p) => srv.req('GET', p, { session: admin });
const total = async () => (await get('/api/v1/users')).json.total;

test('create a user with roles → 201 User with password 888888 to be changed', async () => {
  const r = await post('/api/v1/users', {
    username: 'zhangsan', name: '张三', roles: ['clerk', 'handler'],
    center_id: center.id, unit_id: unit.id, in_center: true, phone: '13800000000',
  });
  expectStatus(r, 201);
  const u = r.json;
  assert.equal(typeof u.id, 'number');
  assert.equal(u.username, 'zhangsan');
  assert.equal(u.name, '张三');
  assert.deepEqual([...u.roles].sort(), ['clerk', 'handler']);
  assert.equal(u.center_id, center.id);
  assert.equal(u.center_name, '成都市锦江区政务服务中心');
  assert.equal(u.unit_id, unit.id);
  assert.equal(u.unit_name, '锦江区市场监督管理局');
  assert.equal(u.scope_region, null);
  assert.equal(u.in_center, true);
  assert.equal(u.disabled, false);
  assert.equal(u.must_change_password, true);
  assert.equal(u.phone, '13800000000');
  assert.ok(Math.abs(u.created_at - Date.now() / 1000) < 300);

  const g = await get(`/api/v1/users/${u.id}`);
  expectStatus(g, 200);
  assert.deepEqual(g.json, u);

  const s = await srv.login('zhangsan', INITIAL_PW);
  assert.equal(s.user.must_change_password, true);
  expectError(await srv.req('GET', '/api/v1/regions', { session: s }), 403, 'password_change_required');
});

test('duplicate username → 409 duplicate naming it; nothing written', async () => {
  const n = await total();
  const r = await post('/api/v1/users', { username: 'zhangsan', name: '另一个张三', roles: ['center_admin'], center_id: center.id });
  expectError(r, 409, 'duplicate');
  assert.match(r.json.error.message, /zhangsan/);
  assert.equal(await total(), n);
  const l = await get('/api/v1/users?q=zhangsan');
  assert.equal(l.json.items.length, 1);
  assert.equal(l.json.items[0].name, '张三');
});

test('invalid username → 400 invalid, field username, documented message', async () => {
  const n = await total();
  for (const username of ['ab', 'a'.repeat(33), 'has space', '张三丰', 'semi;colon', '', 'a/b']) {
    const r = await post('/api/v1/users', { username, name: '坏用户名', roles: ['center_admin'], center_id: center.id });
    expectError(r, 400, 'invalid', 'username');
    assert.equal(r.json.error.message, '用户名只能包含字母、数字、下划线、点和减号，长度3到32位');
  }
  const ok = await post('/api/v1/users', { username: 'a.b-c_9', name: '合法', roles: ['center_admin'], center_id: center.id });
  expectStatus(ok, 201);
  assert.equal(await total(), n + 1);
});

test('other bad fields → 400 invalid naming the field; nothing written', async () => {
  const n = await total();
  const base = { username: 'lisi', name: '李四', roles: ['center_admin'], center_id: center.id };
  const cases = [
    [{ name: undefined }, 'name'],
    [{ name: '' }, 'name'],
    [{ name: '李'.repeat(65) }, 'name'],
    [{ phone: 'call me' }, 'phone'],
    [{ phone: '1'.repeat(21) }, 'phone'],
    [{ roles: [] }, 'roles'],
    [{ roles: ['king'] }, 'roles'],
    [{ roles: 'clerk' }, 'roles'],
  ];
  for (const [patch, field] of cases) {
    const body = { ...base, ...patch };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    expectError(await post('/api/v1/users', body), 400, 'invalid', field);
  }
  assert.equal(await total(), n);
});

test('role constraints: clerk/handler/unit_admin need center and unit, center_admin a center, supervisor a scope', async () => {
  const n = await total();
  const bad = [
    { roles: ['clerk'], center_id: center.id },
    { roles: ['handler'] },
    { roles: ['unit_admin'], center_id: center.id },
    { roles: ['center_admin'] },
    { roles: ['supervisor'] },
    { roles: ['supervisor'], scope_region: '510199' }, // not an existing region
  ];
  for (const b of bad) {
    const r = await post('/api/v1/users', { username: 'wangwu', name: '王五', ...b });
    assert.equal(r.status, 400, `${JSON.stringify(b)} → ${r.status} ${r.text}`);
    expectError(r, 400);
  }
  assert.equal(await total(), n, 'nothing written');
  const ok = await post('/api/v1/users', { username: 'wangwu', name: '王五', roles: ['supervisor'], scope_region: '510100' });
  expectStatus(ok, 201);
  assert.equal(ok.json.scope_region, '510100');
});

test('lists are paged, capped at 100 and filterable', async () => {
  const all = await get('/api/v1/users');
  expectStatus(all, 200);
  assert.equal(all.json.page, 1);
  assert.equal(typeof all.json.total, 'number');
  assert.ok(all.json.total >= 5);
  assert.equal(all.json.items.length, Math.min(all.json.total, all.json.size));

  const big = await get('/api/v1/users?size=1000');
  assert.ok(big.json.size <= 100, `size capped, got ${big.json.size}`);

  const p1 = await get('/api/v1/users?page=1&size=2');
  const p2 = await get('/api/v1/users?page=2&size=2');
  assert.equal(p1.json.items.length, 2);
  assert.equal(p2.json.page, 2);
  assert.equal(p2.json.size, 2);
  const ids1 = p1.json.items.map((u) => u.id);
  assert.ok(p2.json.items.every((u) => !ids1.includes(u.id)), 'pages do not overlap');

  const q = await get('/api/v1/users?q=' + encodeURIComponent('张三'));
  assert.ok(q.json.items.some((u) => u.username === 'zhangsan'));
  assert.ok(q.json.items.every((u) => u.username.includes('张三') || u.name.includes('张三')));

  const byRole = await get('/api/v1/users?role=supervisor');
  assert.ok(byRole.json.items.length >= 1);
  assert.ok(byRole.json.items.every((u) => u.roles.includes('supervisor')));

  const byUnit = await get(`/api/v1/users?unit_id=${unit.id}`);
  assert.ok(byUnit.json.items.every((u) => u.unit_id === unit.id));
  assert.ok(byUnit.json.items.some((u) => u.username === '510104scj'));

  expectError(await get('/api/v1/users/987654'), 404, 'not_found');
});

test('edit a user', async () => {
  const id = (await get('/api/v1/users?q=zhangsan')).json.items[0].id;
  const r = await put(`/api/v1/users/${id}`, { name: '张叁', phone: '028-1234', in_center: false, roles: ['clerk'] });
  expectStatus(r, 200);
  assert.equal(r.json.name, '张叁');
  assert.equal(r.json.phone, '028-1234');
  assert.equal(r.json.in_center, false);
  assert.deepEqual(r.json.roles, ['clerk']);
  assert.deepEqual((await get(`/api/v1/users/${id}`)).json, r.json);
  expectError(await put(`/api/v1/users/${id}`, { name: '' }), 400, 'invalid', 'name');
  expectError(await put(`/api/v1/users/${id}`, { roles: ['supervisor'] }), 400); // no scope
  assert.equal((await get(`/api/v1/users/${id}`)).json.name, '张叁');
});

test('reset password → must change again, old password and sessions gone', async () => {
  const name = 'reset_me';
  const { user, session, password } = await srv.newUser(admin,
    { username: name, name: '重置', roles: ['center_admin'], center_id: center.id });
  const s2 = await srv.login(name, password);
  expectStatus(await srv.req('GET', '/api/v1/users', { session }), 200);

  const r = await post(`/api/v1/users/${user.id}/reset-password`);
  expectStatus(r, 200);
  assert.equal(r.json.id, user.id);
  assert.equal(r.json.must_change_password, true);

  expectError(await srv.req('GET', '/api/v1/me', { session }), 401, 'session_expired');
  expectError(await srv.req('GET', '/api/v1/me', { session: s2 }), 401, 'session_expired');
  expectError(await srv.req('POST', '/api/v1/session', { body: { username: name, password } }), 401, 'bad_credentials');
  const s3 = await srv.login(name, INITIAL_PW);
  assert.equal(s3.user.must_change_password, true);
  expectError(await srv.req('GET', '/api/v1/users', { session: s3 }), 403, 'password_change_required');
});

test('disable → sessions end, login 403 account_disabled; enable → login works', async () => {
  const name = 'disable_me';
  const { user, session, password } = await srv.newUser(admin,
    { username: name, name: '停用', roles: ['center_admin'], center_id: center.id });
  const tok = await srv.req('POST', '/api/v1/tokens', { session, body: { name: 'mine' } });
  expectStatus(tok, 201);

  const r = await put(`/api/v1/users/${user.id}`, { disabled: true });
  expectStatus(r, 200);
  assert.equal(r.json.disabled, true);

  expectError(await srv.req('GET', '/api/v1/me', { session }), 401, 'session_expired');
  const t = await srv.req('GET', '/api/v1/me', { token: tok.json.token });
  assert.ok([401, 403].includes(t.status), `disabled user's token refused, got ${t.status}`);
  const l = await srv.req('POST', '/api/v1/session', { body: { username: name, password } });
  expectError(l, 403, 'account_disabled');
  assert.equal(l.json.error.message, '账号已停用，请联系管理员');

  const e = await put(`/api/v1/users/${user.id}`, { disabled: false });
  expectStatus(e, 200);
  assert.equal(e.json.disabled, false);
  const s = await srv.login(name, password);
  assert.equal(s.user.disabled, false);
});

test('a sysadmin edits their own name', async () => {
  const me = (await srv.req('GET', '/api/v1/me', { session: admin })).json.user;
  const r = await put(`/api/v1/users/${me.id}`, { name: '系统管理员' });
  expectStatus(r, 200);
  assert.equal(r.json.name, '系统管理员');
});
