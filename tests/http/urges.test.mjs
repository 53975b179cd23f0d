// 督办 / 催办 over HTTP on the demo province: a center admin urges a case's step, its handler
// sees it as theirs and answers once; the case is flagged while the urge is open; a
// supervisor urges a unit; what is refused (a closed case, a clerk urging, another county's
// supervisor, a bad date) writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, admin, clerk, h1, h2, sup, otherSup, item;
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session, body });
const get = (who, p) => srv.req('GET', p, { session: who.session });
const inDays = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer({ demo: true });
  [admin, clerk, h1, h2, sup] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj01', '510104scj02', 'jc510100'].map((u) => srv.activate(u)));
  const items = (await get(clerk, '/api/v1/items?size=100')).json.items;
  item = (await get(clerk, `/api/v1/items/${items.find((i) => i.code === 'SCJ-CN-001').id}`)).json;
  // a supervisor of another county (武侯区)
  const root = await srv.admin();
  expectStatus(await post({ session: root }, '/api/v1/users', { username: 'jc510107', name: '武侯监察', roles: ['supervisor'], scope_region: '510107' }), 201);
  otherSup = await srv.activate('jc510107');
});
after(async () => { if (srv) await srv.close(); });

async function accepted() {
  let r = await post(clerk, '/api/v1/cases', { item_id: item.id,
    applicant: { kind: 'person', name: '赵六', id_no: idCard('510104', '19800101', '321'), phone: '13600000000' },
    materials: item.materials.map((m) => ({ id: m.id, present: true })) });
  expectStatus(r, 201);
  r = await post(clerk, `/api/v1/cases/${r.json.no}/accept`);
  expectStatus(r, 200);
  return r.json;
}

test('a center admin urges a step; its handler answers once; the case is flagged meanwhile', async () => {
  const c = await accepted();
  const step = c.steps.find((s) => s.handler && s.handler.name === '李审核');
  let r = await post(admin, '/api/v1/urges', { kind: 'supervise', case_no: c.no, step_id: step.id, message: '请加快现场核查', reply_by: inDays(2) });
  expectStatus(r, 201);
  const urge = r.json;
  assert.equal(urge.kind_name, '督办');
  assert.equal(urge.step, '现场核查');
  assert.equal(urge.state, 'open');
  assert.equal((await get(clerk, `/api/v1/cases/${c.no}`)).json.urged, true);
  assert.equal((await get(h2, '/api/v1/cases?view=mine')).json.items.find((x) => x.no === c.no).urged, true);
  // it is h2's, not h1's
  assert.ok((await get(h2, '/api/v1/urges?view=mine&state=open')).json.items.some((u) => u.id === urge.id));
  assert.ok(!(await get(h1, '/api/v1/urges?view=mine')).json.items.some((u) => u.id === urge.id));
  expectError(await post(h1, `/api/v1/urges/${urge.id}/answer`, { answer: '好' }), 403, 'forbidden');
  expectError(await post(h2, `/api/v1/urges/${urge.id}/answer`, {}), 400, 'invalid', 'answer');
  r = await post(h2, `/api/v1/urges/${urge.id}/answer`, { answer: '已安排明天上午核查' });
  expectStatus(r, 200);
  assert.equal(r.json.answer, '已安排明天上午核查');
  assert.equal(r.json.answered_by, '李审核');
  expectError(await post(h2, `/api/v1/urges/${urge.id}/answer`, { answer: '再答' }), 409, 'invalid_state');
  assert.equal((await get(clerk, `/api/v1/cases/${c.no}`)).json.urged, false);
  // the whole exchange is kept, and in the case's history
  const all = (await get(admin, `/api/v1/urges?case_no=${c.no}`)).json.items;
  assert.equal(all.length, 1);
  assert.equal(all[0].message, '请加快现场核查');
  const types = (await get(clerk, `/api/v1/cases/${c.no}`)).json.history.map((e) => e.type);
  assert.ok(types.includes('urge.create') && types.includes('urge.answer'));
});

test('a supervisor urges a unit; its staff answer', async () => {
  const r = await post(sup, '/api/v1/urges', { kind: 'hurry', unit_id: item.unit_id, message: '本周超期件较多，请说明原因', reply_by: inDays(3) });
  expectStatus(r, 201);
  assert.equal(r.json.kind_name, '催办');
  assert.ok((await get(clerk, '/api/v1/urges?view=mine')).json.items.some((u) => u.id === r.json.id));
  expectStatus(await post(clerk, `/api/v1/urges/${r.json.id}/answer`, { answer: '两名承办人外出培训，已调配' }), 200);
});

test('refused urges write nothing', async () => {
  const c = await accepted();
  const n = async () => (await get(admin, '/api/v1/urges?size=1')).json.total;
  const before = await n();
  expectError(await post(clerk, '/api/v1/urges', { kind: 'hurry', case_no: c.no, message: 'x', reply_by: inDays(1) }), 403);
  expectError(await post(otherSup, '/api/v1/urges', { kind: 'hurry', case_no: c.no, message: 'x', reply_by: inDays(1) }), 403);
  expectError(await post(admin, '/api/v1/urges', { kind: 'hurry', case_no: c.no, message: 'x', reply_by: inDays(-1) }), 400, 'invalid', 'reply_by');
  expectError(await post(admin, '/api/v1/urges', { kind: 'nag', case_no: c.no, message: 'x', reply_by: inDays(1) }), 400, 'invalid', 'kind');
  expectError(await post(admin, '/api/v1/urges', { kind: 'hurry', message: 'x', reply_by: inDays(1) }), 400, 'invalid', 'case_no');
  // a closed case
  const imm = (await get(clerk, '/api/v1/items?size=100')).json.items.find((i) => i.code === 'SCJ-JB-001');
  const full = (await get(clerk, `/api/v1/items/${imm.id}`)).json;
  let r = await post(clerk, '/api/v1/cases', { item_id: imm.id,
    applicant: { kind: 'person', name: '赵六', id_no: idCard('510104', '19800101', '321'), phone: '13600000000' },
    materials: full.materials.map((m) => ({ id: m.id, present: true })) });
  await post(clerk, `/api/v1/cases/${r.json.no}/refuse`, { reason: '不符合条件' });
  r = await post(admin, '/api/v1/urges', { kind: 'supervise', case_no: r.json.no, message: 'x', reply_by: inDays(1) });
  expectError(r, 409, 'invalid_state', 'case_no');
  assert.equal(await n(), before);
});
