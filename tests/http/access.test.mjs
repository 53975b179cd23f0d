// Role and scope checks: clerks, center admins (own center only), supervisors (region subtree).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';

let srv, admin;
let A, B, C, unitA, unitB; // centers 锦江 (510104), 涪城 (510703), 成都市 (510100)
let caA, clerkA, sup, userB, userA;

const as = (who) => ({
  get: (p) => srv.req('GET', p, { session: who.session }),
  post: (p, body) => srv.req('POST', p, { session: who.session, body }),
  put: (p, body) => srv.req('PUT', p, { session: who.session, body }),
});
const adm = () => as({ session: admin });

before(async () => {
  srv = await startServer();
  admin = await srv.admin();
  const a = adm();
  for (const [code, name] of [
    ['510000', '四川省'], ['510100', '成都市'], ['510104', '锦江区'], ['510700', '绵阳市'], ['510703', '涪城区'],
  ]) expectStatus(await a.post('/api/v1/regions', { code, name }), 201);
  const mk = async (region_code, name) => {
    const r = await a.post('/api/v1/centers', { region_code, name });
    expectStatus(r, 201);
    return r.json;
  };
  A = await mk('510104', '成都市锦江区政务服务中心');
  B = await mk('510703', '绵阳市涪城区政务服务中心');
  C = await mk('510100', '成都市政务服务中心');
  const u1 = await a.post('/api/v1/units', { center_id: A.id, code: 'scj', name: '锦江区市场监督管理局' });
  expectStatus(u1, 201);
  unitA = u1.json.unit;
  const u2 = await a.post('/api/v1/units', { center_id: B.id, code: 'scj', name: '涪城区市场监督管理局' });
  expectStatus(u2, 201);
  unitB = u2.json.unit;

  caA = await srv.newUser(admin, { username: 'ca_a', name: '锦江中心管理员', roles: ['center_admin'], center_id: A.id });
  clerkA = await srv.newUser(admin, {
    username: 'clerk_a', name: '锦江窗口', roles: ['clerk', 'handler'], center_id: A.id, unit_id: unitA.id, in_center: true,
  });
  sup = await srv.newUser(admin, { username: 'sup_cd', name: '成都监察', roles: ['supervisor'], scope_region: '510100' });
  userB = await srv.newUser(admin, {
    username: 'clerk_b', name: '涪城窗口', roles: ['clerk'], center_id: B.id, unit_id: unitB.id,
  });
  userA = (await adm().get('/api/v1/users?q=510104scj')).json.items[0];
  assert.ok(userA, 'default user of unit A');
});
after(async () => { if (srv) await srv.close(); });

async function adminFind(q) {
  const r = await adm().get('/api/v1/users?q=' + encodeURIComponent(q));
  expectStatus(r, 200);
  return r.json.items;
}

test('a clerk may not manage users, regions, centers or read the event feed', async () => {
  const c = as(clerkA);
  const r = await c.post('/api/v1/users', { username: 'by_clerk', name: '窗口建的', roles: ['clerk'], center_id: A.id, unit_id: unitA.id });
  expectError(r, 403, 'forbidden');
  assert.equal(r.json.error.message, '无权执行此操作');
  assert.equal((await adminFind('by_clerk')).length, 0);
  expectError(await c.get('/api/v1/users'), 403, 'forbidden');
  expectError(await c.post('/api/v1/regions', { code: '510105', name: '青羊区' }), 403, 'forbidden');
  expectError(await c.post('/api/v1/centers', { region_code: '510104', name: '窗口建的中心' }), 403, 'forbidden');
  expectError(await c.post('/api/v1/units', { center_id: A.id, code: 'xx', name: '窗口建的单位' }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/users/${userA.id}`, { name: '改名' }), 403, 'forbidden');
  expectError(await c.get('/api/v1/events?after=0'), 403, 'forbidden');
  assert.equal((await adminFind('510104scj'))[0].name, userA.name);
  // Reads of the organisation are open to every role (within scope).
  const me = await c.get('/api/v1/me');
  expectStatus(me, 200);
  expectStatus(await c.get('/api/v1/regions'), 200);
});

test('a center admin manages their own center', async () => {
  const c = as(caA);
  const r = await c.post('/api/v1/users', {
    username: 'new_clerk_a', name: '新窗口', roles: ['clerk', 'unit_admin'], center_id: A.id, unit_id: unitA.id,
  });
  expectStatus(r, 201);
  assert.equal(r.json.center_id, A.id);
  const ca2 = await c.post('/api/v1/users', { username: 'ca_a2', name: '第二个中心管理员', roles: ['center_admin'], center_id: A.id });
  expectStatus(ca2, 201);
  const e = await c.put(`/api/v1/users/${r.json.id}`, { name: '新窗口二' });
  expectStatus(e, 200);
  assert.equal(e.json.name, '新窗口二');
  expectStatus(await c.post(`/api/v1/users/${r.json.id}/reset-password`), 200);
  const u = await c.post('/api/v1/units', { center_id: A.id, code: 'gaj', name: '锦江区公安分局' });
  expectStatus(u, 201);
  const cp = await c.put(`/api/v1/centers/${A.id}`, { phone: '028-66668888' });
  expectStatus(cp, 200);
  assert.equal(cp.json.phone, '028-66668888');
});

test('a center admin may not create a user in another center', async () => {
  const c = as(caA);
  const r = await c.post('/api/v1/users', { username: 'intruder1', name: '越权', roles: ['clerk'], center_id: B.id, unit_id: unitB.id });
  expectError(r, 403, 'forbidden');
  const r2 = await c.post('/api/v1/users', { username: 'intruder2', name: '越权', roles: ['center_admin'], center_id: B.id });
  expectError(r2, 403, 'forbidden');
  // Own center, other center's unit.
  const r3 = await c.post('/api/v1/users', { username: 'intruder3', name: '越权', roles: ['clerk'], center_id: A.id, unit_id: unitB.id });
  assert.ok([400, 403].includes(r3.status), `got ${r3.status} ${r3.text}`);
  for (const n of ['intruder1', 'intruder2', 'intruder3']) assert.equal((await adminFind(n)).length, 0, `${n} not written`);
});

test('a center admin may not edit, reset or disable a user of another center', async () => {
  const c = as(caA);
  const id = userB.user.id;
  expectError(await c.put(`/api/v1/users/${id}`, { name: '被改了' }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/users/${id}`, { disabled: true }), 403, 'forbidden');
  expectError(await c.post(`/api/v1/users/${id}/reset-password`), 403, 'forbidden');
  // Moving an own user into center B is not allowed either.
  const mv = await c.put(`/api/v1/users/${clerkA.user.id}`, { unit_id: unitB.id });
  assert.ok([400, 403].includes(mv.status), `got ${mv.status} ${mv.text}`);

  const b = (await adminFind('clerk_b'))[0];
  assert.equal(b.name, '涪城窗口');
  assert.equal(b.disabled, false);
  assert.equal(b.must_change_password, false);
  expectStatus(await srv.req('GET', '/api/v1/me', { session: userB.session }), 200);
  assert.equal((await adminFind('clerk_a'))[0].unit_id, unitA.id);
});

test('a center admin may not give the roles sysadmin or supervisor', async () => {
  const c = as(caA);
  expectError(await c.post('/api/v1/users', { username: 'wannabe_root', name: '想当管理员', roles: ['sysadmin'], center_id: A.id }),
    403, 'forbidden');
  expectError(await c.post('/api/v1/users', { username: 'wannabe_sup', name: '想当监察', roles: ['supervisor'], scope_region: '510104' }),
    403, 'forbidden');
  expectError(await c.post('/api/v1/users', { username: 'wannabe_mix', name: '混合', roles: ['clerk', 'sysadmin'], center_id: A.id, unit_id: unitA.id }),
    403, 'forbidden');
  expectError(await c.put(`/api/v1/users/${clerkA.user.id}`, { roles: ['clerk', 'sysadmin'] }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/users/${clerkA.user.id}`, { roles: ['supervisor'], scope_region: '510104' }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/users/${caA.user.id}`, { roles: ['center_admin', 'sysadmin'] }), 403, 'forbidden');
  for (const n of ['wannabe_root', 'wannabe_sup', 'wannabe_mix']) assert.equal((await adminFind(n)).length, 0);
  assert.deepEqual([...(await adminFind('clerk_a'))[0].roles].sort(), ['clerk', 'handler']);
  assert.deepEqual((await adminFind('ca_a'))[0].roles, ['center_admin']);
  // The admin account itself is out of reach.
  const root = (await adminFind('admin')).find((u) => u.username === 'admin');
  const rr = await c.put(`/api/v1/users/${root.id}`, { disabled: true });
  assert.ok([403, 404].includes(rr.status));
});

test('a center admin may not touch another center, create centers or regions', async () => {
  const c = as(caA);
  expectError(await c.put(`/api/v1/centers/${B.id}`, { name: '被改名的中心' }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/centers/${A.id}`, { disabled: true }), 403, 'forbidden');
  expectError(await c.post('/api/v1/units', { center_id: B.id, code: 'evil', name: '越权单位' }), 403, 'forbidden');
  expectError(await c.put(`/api/v1/units/${unitB.id}`, { name: '越权改名' }), 403, 'forbidden');
  expectError(await c.post('/api/v1/centers', { region_code: '510104', name: '又一个中心' }), 403, 'forbidden');
  expectError(await c.post('/api/v1/regions', { code: '510105', name: '青羊区' }), 403, 'forbidden');
  const a = adm();
  assert.equal((await a.get(`/api/v1/centers/${B.id}`)).json.name, '绵阳市涪城区政务服务中心');
  assert.equal((await a.get(`/api/v1/centers/${A.id}`)).json.disabled, false);
  assert.equal((await a.get(`/api/v1/units/${unitB.id}`)).json.name, '涪城区市场监督管理局');
  assert.ok(!(await a.get(`/api/v1/units?center_id=${B.id}`)).json.items.some((u) => u.code === 'evil'));
  assert.ok(!(await a.get('/api/v1/regions')).json.items.some((g) => g.code === '510105'));
});

test('a center admin lists only users of their own center', async () => {
  const c = as(caA);
  const r = await c.get('/api/v1/users?size=100');
  expectStatus(r, 200);
  assert.ok(r.json.items.length >= 3);
  assert.ok(r.json.items.every((u) => u.center_id === A.id), 'all in center A');
  assert.ok(r.json.items.some((u) => u.username === 'clerk_a'));
  assert.ok(!r.json.items.some((u) => u.username === 'clerk_b' || u.username === 'admin' || u.username === 'sup_cd'));
  assert.equal(r.json.total, r.json.items.length);

  const other = await c.get(`/api/v1/users?center_id=${B.id}`);
  if (other.status === 200) assert.equal(other.json.items.length, 0);
  else expectError(other, 403, 'forbidden');
  expectError(await c.get(`/api/v1/users/${userB.user.id}`), 403, 'forbidden');
});

test('a supervisor of 510100 sees centers of 510100 and below, not 510700\'s', async () => {
  const s = as(sup);
  const r = await s.get('/api/v1/centers');
  expectStatus(r, 200);
  const ids = r.json.items.map((c) => c.id);
  assert.ok(ids.includes(A.id), 'county center in scope');
  assert.ok(ids.includes(C.id), 'city center in scope');
  assert.ok(!ids.includes(B.id), 'other city out of scope');
  expectStatus(await s.get(`/api/v1/centers/${A.id}`), 200);
  expectError(await s.get(`/api/v1/centers/${B.id}`), 403, 'forbidden');
  const l = await s.get('/api/v1/centers?region=510700');
  if (l.status === 200) assert.equal(l.json.items.length, 0);
  else expectError(l, 403, 'forbidden');

  const un = await s.get('/api/v1/units');
  expectStatus(un, 200);
  assert.ok(un.json.items.some((u) => u.id === unitA.id));
  assert.ok(!un.json.items.some((u) => u.id === unitB.id));
  expectError(await s.get(`/api/v1/units/${unitB.id}`), 403, 'forbidden');

  const us = await s.get('/api/v1/users?size=100');
  expectStatus(us, 200);
  assert.ok(us.json.items.some((u) => u.username === 'clerk_a'));
  assert.ok(!us.json.items.some((u) => u.center_id === B.id), 'no users of 510700');
  expectError(await s.get(`/api/v1/users/${userB.user.id}`), 403, 'forbidden');
});

test('a supervisor reads but cannot create or change users', async () => {
  const s = as(sup);
  expectError(await s.post('/api/v1/users', { username: 'by_sup', name: '监察建的', roles: ['clerk'], center_id: A.id, unit_id: unitA.id }),
    403, 'forbidden');
  expectError(await s.put(`/api/v1/users/${clerkA.user.id}`, { name: '监察改的' }), 403, 'forbidden');
  expectError(await s.post(`/api/v1/users/${clerkA.user.id}/reset-password`), 403, 'forbidden');
  expectError(await s.post('/api/v1/units', { center_id: A.id, code: 'sup', name: '监察建的单位' }), 403, 'forbidden');
  assert.equal((await adminFind('by_sup')).length, 0);
  assert.equal((await adminFind('clerk_a'))[0].name, '锦江窗口');
});

test('a supervisor\'s event feed has only centers in scope', async () => {
  // Make sure center B has events of its own.
  expectStatus(await adm().put(`/api/v1/centers/${B.id}`, { phone: '0816-1234567' }), 200);
  const all = await adm().get('/api/v1/events?after=0&size=1000');
  expectStatus(all, 200);
  assert.ok(all.json.items.some((e) => e.center_id === B.id), 'admin sees events of B');
  const r = await as(sup).get('/api/v1/events?after=0&size=1000');
  expectStatus(r, 200);
  assert.ok(r.json.items.some((e) => e.center_id === A.id), 'supervisor sees events of A');
  assert.ok(!r.json.items.some((e) => e.center_id === B.id), 'but none of B');
});
