// The process (办理流程) of a promised item: the default, saving versions, every rule refused
// with its Chinese message and field, who may save, and the flowchart as SVG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, admin, jj, scj, gaj, zhang, li, clerk, qyAdmin, otherHandler, item, immediate;

before(async () => {
  srv = await startServer();
  let qy;
  ({ admin, jj, qy, scj, gaj } = await srv.org());
  const mk = (username, name, roles, unit, center = jj.id) =>
    srv.newUser(admin, { username, name, roles, center_id: center, unit_id: unit });
  zhang = await mk('scj_zhang', '张承办', ['handler'], scj.unit.id);
  li = await mk('scj_li', '李承办', ['handler'], scj.unit.id);
  clerk = await mk('scj_clerk', '王窗口', ['clerk'], scj.unit.id);
  otherHandler = await mk('gaj_qian', '钱公安', ['handler'], gaj.unit.id);
  qyAdmin = await srv.newUser(admin, { username: 'qy_admin', name: '青羊管理员', roles: ['center_admin'], center_id: qy.id });
  const base = { unit_id: scj.unit.id, entered: true, authorized: true };
  item = await srv.create('/api/v1/items', { ...base, code: 'SCJ-001', name: '食品经营许可', kind: 'promised', statutory_days: 20, promised_days: 10 }, scj.session);
  immediate = await srv.create('/api/v1/items', { ...base, code: 'SCJ-002', name: '证明开具', kind: 'immediate', statutory_days: 0 }, scj.session);
});
after(async () => { if (srv) await srv.close(); });

const req = (who, method, p, body) => srv.req(method, p, { session: who.session || who, body });
const path = (suffix = '') => `/api/v1/items/${item.id}/process${suffix}`;
const step = (stage, name, kind, handler, limit_days, extra = {}) => ({
  stage, name, kind, limit_days, ...(handler ? { handler_id: handler.user.id } : {}), ...extra,
});
const good = () => [
  step(1, '受理', 'accept', null, 0),
  step(2, '食品安全审查', 'approve', zhang, 5),
  step(2, '场所核查', 'approve', li, 3),
  step(3, '专家评审', 'transfer_out', null, 0, { transfer_desc: '组织专家现场评审', transfer_days: 15 }),
  step(4, '审批决定', 'approve', li, 4),
  step(5, '办结', 'complete', null, 1),
];

test('a promised item starts with the default process, generated on read and not stored', async () => {
  const r = await req(clerk, 'GET', path());
  expectStatus(r, 200);
  assert.equal(r.json.default, true);
  assert.equal(r.json.version, 0);
  assert.equal(r.json.id, null);
  assert.equal(r.json.item.name, '食品经营许可');
  assert.equal(r.json.item.promised_days, 10);
  assert.equal(r.json.total_days, 10);
  assert.deepEqual(r.json.steps.map((s) => [s.stage, s.kind, s.limit_days]), [[1, 'accept', 0], [2, 'approve', 9], [3, 'complete', 1]]);
  assert.ok(r.json.steps[1].handler_id, 'the default approve step has a handler of the unit');
  assert.deepEqual(r.json.versions, []);
  // the unit's handlers to choose from: the default user (who has the handler role), 张, 李
  const names = r.json.handlers.map((h) => h.name);
  assert.ok(names.includes('张承办') && names.includes('李承办'));
  assert.ok(!names.includes('王窗口') && !names.includes('钱公安'));
  const again = await req(clerk, 'GET', path());
  assert.equal(again.json.version, 0, 'reading stored nothing');
});

test('each rule is refused with its field and a precise Chinese message; nothing is written', async () => {
  const bad = async (steps, field, message) => {
    const r = await req(scj, 'PUT', path(), { name: '流程', steps });
    expectError(r, 400, 'invalid', field);
    assert.ok(r.json.error.message.includes(message), `${message} in ${r.json.error.message}`);
  };
  const s = good();
  await bad(s.slice(1), 'steps', '流程缺少受理环节');
  await bad(s.slice(0, 5), 'steps', '流程缺少办结环节');
  await bad([s[0], { ...s[1], handler_id: null }, ...s.slice(2)], 'steps[1].handler_id', '第2个环节（食品安全审查）：审批环节须指定承办人');
  await bad([s[0], { ...s[1], handler_id: otherHandler.user.id }, ...s.slice(2)], 'steps[1].handler_id', '承办人须为本单位（锦江区市场监督管理局）的人员');
  await bad([s[0], { ...s[1], handler_id: clerk.user.id }, ...s.slice(2)], 'steps[1].handler_id', '没有承办人角色');
  await bad([s[0], { ...s[1], limit_days: 4 }, ...s.slice(2)], 'steps', '各环节时限之和(9)须等于承诺时限(10)');
  await bad([s[0], s[1], s[2], { ...s[3], transfer_desc: '' }, s[4], s[5]], 'steps[3].transfer_desc', '转外环节须填写转外说明');
  await bad([s[0], s[1], s[2], { ...s[4], stage: 5 }, { ...s[5], stage: 6 }], 'steps[3].stage', '缺少阶段');
  await bad([s[0], s[1], s[2], { ...s[4], stage: 3 }, { ...s[5], stage: 2 }], 'steps[4].stage', '不能回退或成环');
  await bad([s[0], { ...s[1], stage: '2' }, ...s.slice(2)], 'steps[1].stage', '阶段须为整数');
  await bad([s[0], { ...s[1], kind: 'loop' }, ...s.slice(2)], 'steps[1].kind', '环节类型须为');
  await bad(Array.from({ length: 31 }, () => s[0]), 'steps', '流程最多30个环节');
  const notArray = await req(scj, 'PUT', path(), { steps: 'x' });
  expectError(notArray, 400, 'invalid', 'steps');
  const g = await req(scj, 'GET', path());
  assert.equal(g.json.version, 0);
});

test('saving makes a new version each time; old versions stay readable; events are appended', async () => {
  const r = await req(scj, 'PUT', path(), { name: '食品经营许可并联流程', steps: good() });
  expectStatus(r, 200);
  assert.equal(r.json.version, 1);
  assert.equal(r.json.default, false);
  assert.equal(r.json.total_days, 10);
  assert.equal(r.json.name, '食品经营许可并联流程');
  assert.deepEqual(r.json.steps.map((s) => [s.stage, s.seq, s.name]), [
    [1, 1, '受理'], [2, 1, '食品安全审查'], [2, 2, '场所核查'], [3, 1, '专家评审'], [4, 1, '审批决定'], [5, 1, '办结'],
  ]);
  assert.equal(r.json.steps[1].handler_name, '张承办');
  assert.equal(r.json.steps[3].transfer_days, 15);

  const s = good();
  s[1].limit_days = 3;
  s[4].limit_days = 6;
  const r2 = await req(admin, 'PUT', path(), { name: '第二版', steps: s });
  expectStatus(r2, 200);
  assert.equal(r2.json.version, 2);
  const cur = await req(clerk, 'GET', path());
  assert.equal(cur.json.version, 2);
  assert.deepEqual(cur.json.versions.map((v) => v.version), [2, 1]);
  const old = await req(clerk, 'GET', path('?version=1'));
  expectStatus(old, 200);
  assert.equal(old.json.version, 1);
  assert.equal(old.json.steps[1].limit_days, 5);
  expectError(await req(clerk, 'GET', path('?version=9')), 404, 'not_found');

  const ev = await req(admin, 'GET', '/api/v1/events?size=1000');
  const saves = ev.json.items.filter((e) => e.type === 'process.save' && e.payload.item_id === item.id);
  assert.equal(saves.length, 2);
  assert.equal(saves[0].center_id, jj.id);
});

test('who may save: unit admin, center admin, sysadmin; others 403; another center cannot read', async () => {
  expectError(await req(gaj, 'PUT', path(), { steps: good() }), 403, 'forbidden');
  expectError(await req(clerk, 'PUT', path(), { steps: good() }), 403, 'forbidden');
  expectError(await req(zhang, 'PUT', path(), { steps: good() }), 403, 'forbidden');
  expectError(await req(qyAdmin, 'GET', path()), 403, 'forbidden');
  expectError(await req(qyAdmin, 'GET', path('.svg')), 403, 'forbidden');
  expectStatus(await req(gaj, 'GET', path()), 200);
  expectError(await req(scj, 'GET', '/api/v1/items/99999/process'), 404, 'not_found');
});

test('an immediate item has no process', async () => {
  for (const [m, p] of [['GET', 'process'], ['PUT', 'process'], ['GET', 'process.svg']]) {
    const r = await req(scj, m, `/api/v1/items/${immediate.id}/${p}`, m === 'PUT' ? { steps: good() } : undefined);
    expectError(r, 400, 'invalid');
    assert.equal(r.json.error.message, '即办事项无需配置流程');
  }
});

test('the flowchart is SVG drawn by the server, for every version and for unsaved steps', async () => {
  const r = await req(clerk, 'GET', path('.svg'));
  expectStatus(r, 200);
  assert.match(r.headers.get('content-type'), /^image\/svg\+xml/);
  assert.match(r.text, /^<\?xml/);
  assert.match(r.text, /<svg[\s\S]*<\/svg>\s*$/);
  for (const t of ['食品安全审查', '场所核查', '承办人：张承办', '第2阶段（并联）', '【转外】专家评审', '转外时限：15个工作日', '第2版'])
    assert.ok(r.text.includes(t), t);
  const v1 = await req(clerk, 'GET', path('.svg?version=1'));
  expectStatus(v1, 200);
  assert.ok(v1.text.includes('第1版') && v1.text.includes('5个工作日'));

  // the editor's live preview: still-wrong steps are drawn, malformed ones refused
  const pv = await req(scj, 'POST', '/api/v1/process/preview.svg', {
    item_id: item.id,
    steps: [step(1, '受理', 'accept', null, 0), step(2, '<草稿&审查>', 'approve', null, 2)],
  });
  expectStatus(pv, 200);
  assert.match(pv.headers.get('content-type'), /^image\/svg\+xml/);
  assert.ok(pv.text.includes('&lt;草稿&amp;审查&gt;'), 'names are escaped in the SVG');
  assert.ok(pv.text.includes('各环节时限之和2 / 承诺时限10个工作日'));
  const mal = await req(scj, 'POST', '/api/v1/process/preview.svg', { item_id: item.id, steps: [{ stage: -1 }] });
  expectError(mal, 400, 'invalid', 'steps[0].stage');
  expectError(await req(scj, 'POST', '/api/v1/process/preview.svg', { steps: [] }), 400, 'invalid', 'item_id');
  expectError(await req(clerk, 'POST', '/api/v1/process/preview.svg', { item_id: item.id, steps: [] }), 403, 'forbidden');
});

test('changing the promised limit after saving leaves the process invalid until it is saved again', async () => {
  const created = await req(scj, 'POST', '/api/v1/items', {
    unit_id: scj.unit.id, code: 'SCJ-CHG', name: '食品生产许可', kind: 'promised', statutory_days: 20, promised_days: 10,
  });
  expectStatus(created, 201);
  const at = `/api/v1/items/${created.json.id}/process`;
  const steps = [step(1, '受理', 'accept', null, 0), step(2, '审核', 'approve', zhang, 9), step(3, '办结', 'complete', null, 1)];
  expectStatus(await req(scj, 'PUT', at, { steps }), 200);
  assert.equal((await req(scj, 'GET', at)).json.valid, true);

  expectStatus(await req(scj, 'PUT', `/api/v1/items/${created.json.id}`, { promised_days: 8 }), 200);
  let p = (await req(scj, 'GET', at)).json;
  assert.equal(p.valid, false);
  assert.match(p.problem, /\(10\).*\(8\)/, p.problem);
  // a case of the item waits at the window: it cannot be accepted onto that process
  const applied = await req(clerk, 'POST', '/api/v1/cases', { item_id: created.json.id,
    applicant: { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' } });
  expectStatus(applied, 201);
  const refused = await req(clerk, 'POST', `/api/v1/cases/${applied.json.no}/accept`, {});
  expectError(refused, 409, 'invalid_state');
  assert.match(refused.json.error.message, /^该事项的办理流程不符合规则（.*\(10\).*\(8\).*），请联系单位管理员修改流程$/);
  assert.equal((await req(clerk, 'GET', `/api/v1/cases/${applied.json.no}`)).json.state, 'applied');

  steps[1].limit_days = 7;
  expectStatus(await req(scj, 'PUT', at, { steps }), 200);
  p = (await req(scj, 'GET', at)).json;
  assert.equal(p.valid, true);
  assert.equal(p.problem, null);
  assert.equal(p.version, 2);
});
