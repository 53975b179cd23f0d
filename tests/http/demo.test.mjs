// `shenpi init --demo`: the printed accounts work, scopes hold on the demo province, and
// running init again on a live database keeps its data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus, INITIAL_PW, ADMIN_PW } from './server.mjs';

let srv, accounts;
before(async () => {
  srv = await startServer({ demo: true });
  accounts = srv.db.initOutput.split('\n')
    .map((l) => /^\s*([A-Za-z0-9_.-]{3,32})\s+888888(\s|$)/.exec(l))
    .filter(Boolean).map((m) => m[1]);
});
after(async () => { if (srv) await srv.close(); });

const inScope = (code, scope) =>
  scope.endsWith('0000') ? code.startsWith(scope.slice(0, 2))
    : scope.endsWith('00') ? code.startsWith(scope.slice(0, 4)) : code === scope;

test('init --demo prints the accounts, and each logs in with 888888 and must change it', async () => {
  assert.ok(accounts.includes('admin'), `admin printed:\n${srv.db.initOutput}`);
  assert.ok(accounts.length >= 5, `several accounts printed:\n${srv.db.initOutput}`);
  for (const a of accounts) {
    const s = await srv.login(a, INITIAL_PW);
    assert.equal(s.user.must_change_password, true, a);
  }
});

test('demo data: a supervisor sees only centers and users in their scope', async () => {
  let sup = null;
  for (const a of accounts) {
    const s = await srv.login(a, INITIAL_PW);
    if (s.user.roles.includes('supervisor') && s.user.scope_region && !s.user.scope_region.endsWith('0000')) {
      sup = s;
      break;
    }
  }
  assert.ok(sup, 'a demo supervisor scoped below a province');
  const pw = 'Jiancha2024';
  expectStatus(await srv.req('POST', '/api/v1/session/password', {
    session: sup, body: { old_password: INITIAL_PW, new_password: pw },
  }), 200);
  const scope = sup.user.scope_region;
  const mine = await srv.req('GET', '/api/v1/centers', { session: sup });
  expectStatus(mine, 200);
  assert.ok(mine.json.items.length >= 1);
  for (const c of mine.json.items) assert.ok(inScope(c.region_code, scope), `${c.region_code} in ${scope}`);

  const admin = await srv.admin();
  const all = await srv.req('GET', '/api/v1/centers', { session: admin });
  const outside = all.json.items.filter((c) => !inScope(c.region_code, scope));
  const inside = all.json.items.filter((c) => inScope(c.region_code, scope));
  assert.ok(outside.length >= 1, 'the demo has centers outside that scope');
  assert.deepEqual(mine.json.items.map((c) => c.id).sort(), inside.map((c) => c.id).sort());
  expectError(await srv.req('GET', `/api/v1/centers/${outside[0].id}`, { session: sup }), 403, 'forbidden');

  const users = await srv.req('GET', '/api/v1/users?size=100', { session: sup });
  expectStatus(users, 200);
  const centerIds = new Set(inside.map((c) => c.id));
  for (const u of users.json.items) {
    if (u.center_id != null) assert.ok(centerIds.has(u.center_id), `${u.username} in scope`);
  }
});

test('demo data passes shenpi verify', async () => {
  const r = await srv.cli(['verify']);
  assert.equal(r.code, 0, r.out);
});

test('init again on a live database keeps data and passwords', async () => {
  await srv.admin();
  const before = await srv.req('GET', '/api/v1/users?size=1', { session: await srv.admin() });
  const r = await srv.cli(['init']);
  assert.equal(r.code, 0, r.out);
  const s = await srv.login('admin', ADMIN_PW);
  assert.equal(s.user.must_change_password, false);
  const after = await srv.req('GET', '/api/v1/users?size=1', { session: s });
  assert.equal(after.json.total, before.json.total);
  expectStatus(await srv.req('GET', '/healthz'), 200);
});

test('demo data: every center has an immediate item and a promised item with a walkable process', async () => {
  const admin = await srv.admin();
  const centers = (await srv.req('GET', '/api/v1/centers', { session: admin })).json.items;
  assert.ok(centers.length >= 6);
  for (const c of centers) {
    const items = (await srv.req('GET', `/api/v1/items?center_id=${c.id}&size=100`, { session: admin })).json.items;
    assert.ok(items.some((i) => i.kind === 'immediate'), `${c.name} has an immediate item`);
    const promised = items.find((i) => i.kind === 'promised');
    assert.ok(promised, `${c.name} has a promised item`);
    const p = await srv.req('GET', `/api/v1/items/${promised.id}/process`, { session: admin });
    expectStatus(p, 200);
    assert.equal(p.json.default, false, 'the demo process is saved, not the generated default');
    const steps = p.json.steps;
    const approve = steps.filter((s) => s.kind === 'approve');
    assert.ok(approve.length >= 2, 'two approval steps');
    for (const s of approve) assert.ok(s.handler_id, `approval step ${s.name} has a handler`);
    assert.ok(new Set(approve.map((s) => s.handler_id)).size >= 2, 'two different demo handlers');
    const perStage = {};
    for (const s of steps) perStage[s.stage] = (perStage[s.stage] || 0) + 1;
    assert.ok(Object.values(perStage).some((n) => n >= 2), 'a parallel stage');
    assert.ok(steps.some((s) => s.kind === 'transfer_out' && s.transfer_days > 0), 'a transfer-out step');
    const svg = await srv.req('GET', `/api/v1/items/${promised.id}/process.svg`, { session: admin });
    expectStatus(svg, 200);
  }
});
