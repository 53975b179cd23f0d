// Cases over HTTP on the demo province: a promised case through every step (parallel stage,
// transfer-out, return, completion, pickup), an immediate case at the window, the one-time
// notice, refusals, who may see and do what, the public lookup, and gapless numbers under
// concurrent applications. Every refused request is checked to have left the case as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus, run, COOKIE } from './server.mjs';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { idCard, creditCode } from './ids.mjs';

let srv, clerk, h1, h2, otherCenter, otherUnit, sup, promised, immediate;
const APPLICANT_ID = idCard('510104', '19850312', '123');

before(async () => {
  srv = await startServer({ demo: true });
  [clerk, h1, h2, otherCenter, otherUnit, sup] = await Promise.all(
    ['510104ck01', '510104scj01', '510104scj02', '510107ck01', '510104fgj', 'jc510100'].map(
      (u) => srv.activate(u)));
  const items = (await srv.req('GET', '/api/v1/items?size=100', { session: clerk.session })).json.items;
  const load = async (code) => (await srv.req('GET', `/api/v1/items/${items.find((i) => i.code === code).id}`,
    { session: clerk.session })).json;
  promised = await load('SCJ-CN-001');
  immediate = await load('SCJ-JB-001');
});
after(async () => { if (srv) await srv.close(); });

const person = (over = {}) => ({ kind: 'person', name: '张三', id_no: APPLICANT_ID, phone: '13800000001', ...over });
const ticks = (item, present = true) => item.materials.map((m) => ({ id: m.id, present }));
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session, body });
const get = (who, p) => srv.req('GET', p, { session: who.session });
async function apply(item, body = {}) {
  const r = await post(clerk, '/api/v1/cases', { item_id: item.id, applicant: person(), materials: ticks(item), ...body });
  expectStatus(r, 201);
  return r.json;
}
const act = (who, no, action, body) => post(who, `/api/v1/cases/${no}/${action}`, body);
// A notice as the browser gets it, read back with pdftotext (spaces and line breaks removed).
async function noticeText(who, no, kind) {
  const res = await fetch(`${srv.url}/api/v1/cases/${no}/notices/${kind}.pdf`,
    { headers: { Cookie: `${COOKIE}=${who.session.cookie}` } });
  assert.equal(res.status, 200, `${kind} notice: ${res.status}`);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  const dir = mkdtempSync(path.join(tmpdir(), 'notice-'));
  try {
    writeFileSync(path.join(dir, 'n.pdf'), Buffer.from(await res.arrayBuffer()));
    const r = await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'n.pdf'), '-']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.replace(/\s+/g, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
async function unchanged(no, before, fn) {
  const res = await fn();
  const after = (await get(clerk, `/api/v1/cases/${no}`)).json;
  assert.equal(after.state, before.state, 'state unchanged');
  assert.deepEqual(after.steps.map((s) => s.state), before.steps.map((s) => s.state), 'steps unchanged');
  assert.equal(after.history.length, before.history.length, 'no event');
  return res;
}

test('a promised case walks its process: parallel stage, transfer-out, return, completion, pickup', async () => {
  const c = await apply(promised);
  assert.match(c.no, /^510104-\d{8}-\d{6}$/);
  assert.equal(c.state, 'applied');
  assert.equal(c.state_name, '已申请');
  assert.deepEqual(c.actions.slice(0, 4), ['materials', 'accept', 'refuse', 'supplement']);

  let r = await act(clerk, c.no, 'accept');
  expectStatus(r, 200);
  let k = r.json;
  assert.equal(k.state, 'in_process');
  assert.equal(k.light, 'green');
  assert.equal(k.days_left, 10);
  assert.deepEqual(k.steps.map((s) => [s.name, s.state]), [
    ['窗口受理', 'done'], ['材料审查', 'active'], ['现场核查', 'active'],
    ['专家评审', 'waiting'], ['审核决定', 'waiting'], ['办结发证', 'waiting']]);
  const [review, site, expert] = [k.steps[1], k.steps[2], k.steps[3]];
  // the flowchart lights the steps: the accept step done (grey), both parallel ones green
  const lit = (await get(h1, `/api/v1/cases/${c.no}/flowchart.svg`)).text;
  assert.match(lit, /#step-0 path,#step-0 polygon\{fill:#f4f4f5/);
  assert.match(lit, /#step-1 path,#step-1 polygon\{fill:#e1f3d8/);
  assert.match(lit, /#step-2 path,#step-2 polygon\{fill:#e1f3d8/);
  assert.doesNotMatch(lit, /#step-3 path/, 'a waiting step keeps its colour');
  let text = await noticeText(clerk, c.no, 'accept');
  for (const want of ['受理通知书', c.no, '张三', '食品经营许可证核发']) assert.ok(text.includes(want), `accept notice has ${want}: ${text}`);
  expectError(await get(clerk, `/api/v1/cases/${c.no}/notices/complete.pdf`), 409);

  // the queue of each handler holds the case, with their own step
  const q1 = (await get(h1, '/api/v1/cases?view=mine')).json.items.find((x) => x.no === c.no);
  assert.equal(q1.step_name, '材料审查');
  assert.equal(q1.step_light, 'green');

  // a handler may not submit another's step; an opinion is required
  expectError(await unchanged(c.no, k, () => act(h1, c.no, 'submit', { step_id: site.id, opinion: '同意' })),
    403, 'forbidden');
  expectError(await unchanged(c.no, k, () => act(h2, c.no, 'submit', {})), 400, 'invalid', 'opinion');
  expectStatus(await act(h2, c.no, 'submit', { opinion: '现场符合要求' }), 200);
  // a double submit of the same step is refused
  expectError(await act(h2, c.no, 'submit', { step_id: site.id, opinion: '现场符合要求' }), 409, 'invalid_state');
  k = (await act(h1, c.no, 'submit', { step_id: review.id, opinion: '材料齐全' })).json;
  assert.equal(k.steps[3].state, 'active', 'the transfer-out stage starts when both parallel steps are done');

  // transfer-out stops the clock; the window sends it out and takes it back
  k = (await act(clerk, c.no, 'transfer-out', { note: '送市食品安全专家组' })).json;
  assert.equal(k.paused, true);
  assert.equal(k.steps[3].state, 'out');
  expectError(await act(clerk, c.no, 'transfer-out', { step_id: expert.id, note: 'again' }), 409, 'invalid_state');
  k = (await act(clerk, c.no, 'transfer-back', { opinion: '专家评审通过' })).json;
  assert.equal(k.paused, false);
  assert.equal(k.steps[4].state, 'active');

  // the decision step returns the case to the expert review, which comes back again
  expectError(await act(h1, c.no, 'return', {}), 400, 'invalid', 'reason');
  k = (await act(h1, c.no, 'return', { reason: '请补充专家意见' })).json;
  assert.deepEqual(k.steps.slice(3, 5).map((s) => s.state), ['active', 'waiting']);
  await act(clerk, c.no, 'transfer-out', { note: '再次送审' });
  await act(clerk, c.no, 'transfer-back', { opinion: '补充意见已到' });
  k = (await act(h1, c.no, 'submit', { opinion: '同意许可' })).json;
  assert.equal(k.steps[5].state, 'active');
  assert.ok((await get(clerk, `/api/v1/cases/${c.no}`)).json.actions.includes('complete'),
    'the complete step without a handler is for the window');

  // completion: 批文号 is mandatory
  expectError(await unchanged(c.no, k, () => act(clerk, c.no, 'complete', { opinion: '准予许可', permitted: true })),
    400, 'invalid', 'doc_no');
  k = (await act(clerk, c.no, 'complete', { opinion: '准予许可', doc_no: 'JY15101040001', permitted: true })).json;
  assert.equal(k.state, 'completed');
  assert.equal(k.completion.doc_no, 'JY15101040001');
  assert.equal(k.completion.permitted, true);
  text = await noticeText(clerk, c.no, 'complete');
  for (const want of ['办结通知书', c.no, 'JY15101040001']) assert.ok(text.includes(want), `complete notice has ${want}: ${text}`);

  // pickup: the card must be the applicant's, the rating 1..5
  const other = idCard('510104', '19900101', '456');
  expectError(await unchanged(c.no, k, () => act(clerk, c.no, 'pickup', { id_no: other, rating: 5 })), 400, 'invalid', 'id_no');
  const bad = APPLICANT_ID.slice(0, 17) + (APPLICANT_ID[17] === '0' ? '1' : '0');
  const r2 = await act(clerk, c.no, 'pickup', { id_no: bad, rating: 5 });
  expectError(r2, 400, 'invalid', 'id_no');
  assert.match(r2.json.error.message, /校验位/);
  expectError(await act(clerk, c.no, 'pickup', { id_no: APPLICANT_ID, rating: 0 }), 400, 'invalid', 'rating');
  expectError(await act(clerk, c.no, 'pickup', { id_no: APPLICANT_ID, rating: 6 }), 400, 'invalid', 'rating');
  k = (await act(clerk, c.no, 'pickup', { id_no: APPLICANT_ID, rating: 5, comment: '很快' })).json;
  assert.equal(k.state, 'picked_up');
  assert.equal(k.pickup.rating_name, '非常满意');
  assert.deepEqual(k.actions, []);
  assert.deepEqual(k.history.map((e) => e.text), ['申请登记', '受理', '提交', '提交', '转外', '转外返回', '退回',
    '转外', '转外返回', '提交', '办结', '取件']);

  // the flowchart of the case is drawn
  const svg = await get(h1, `/api/v1/cases/${c.no}/flowchart.svg`);
  expectStatus(svg, 200);
  assert.match(svg.text, /<svg[\s\S]*专家评审/);
  assert.match(svg.text, /#step-5 path,#step-5 polygon\{fill:#f4f4f5/, 'all steps done');
});

test('an immediate case is completed at the window on the spot', async () => {
  const c = await apply(immediate);
  let k = (await act(clerk, c.no, 'accept')).json;
  assert.equal(k.state, 'accepted');
  assert.deepEqual(k.steps, []);
  assert.ok(k.actions.includes('complete'));
  k = (await act(clerk, c.no, 'complete', { opinion: '符合条件', doc_no: '无批文号', permitted: true })).json;
  assert.equal(k.state, 'completed');
  k = (await act(clerk, c.no, 'pickup', { no_id_card: true, rating: 4 })).json;
  assert.equal(k.state, 'picked_up');
  assert.equal(k.pickup.no_id_card, true);
});

test('a program that asks for no more (Prefer: return=minimal) gets the case in brief', async () => {
  const brief = { headers: { Prefer: 'return=minimal' } };
  let r = await srv.req('POST', '/api/v1/cases', { session: clerk.session, ...brief,
    body: { item_id: promised.id, applicant: person(), materials: ticks(promised) } });
  expectStatus(r, 201);
  assert.equal(r.headers.get('preference-applied'), 'return=minimal');
  const no = r.json.no;
  assert.deepEqual(r.json, { no, state: 'applied', state_name: '已申请', due_day: null });
  // each change answers with what the whole case then says
  const full = async () => (await get(clerk, `/api/v1/cases/${no}`)).json;
  r = await srv.req('POST', `/api/v1/cases/${no}/accept`, { session: clerk.session, headers: { Prefer: 'respond-async, return=minimal; x=1' } });
  expectStatus(r, 200);
  let k = await full();
  assert.deepEqual(r.json, { no, state: 'in_process', state_name: k.state_name, due_day: k.due_day });
  assert.match(k.due_day, /^\d{4}-\d{2}-\d{2}$/);
  // a refused change answers as always
  expectError(await srv.req('POST', `/api/v1/cases/${no}/accept`, { session: clerk.session, ...brief }), 409, 'invalid_state');
  // with another preference the whole case comes back
  r = await srv.req('POST', `/api/v1/cases/${no}/withdraw`, { session: clerk.session, headers: { Prefer: 'return=minimalist' }, body: { reason: '申请人撤回' } });
  expectStatus(r, 200);
  assert.equal(r.headers.get('preference-applied'), null);
  assert.equal(r.json.state, 'withdrawn');
  assert.ok(Array.isArray(r.json.history) && r.json.history.length === 3, 'the whole case, with its history');
});

test('one-time notice names every missing material; the case returns when they arrive', async () => {
  const c = await apply(promised, { materials: ticks(promised, false) });
  const required = promised.materials.filter((m) => m.required).map((m) => m.name);
  assert.deepEqual(c.missing, required);
  const r = await unchanged(c.no, c, () => act(clerk, c.no, 'accept'));
  expectError(r, 409, 'invalid_state', 'materials');
  assert.match(r.json.error.message, new RegExp(required[0]));
  const sr = await act(clerk, c.no, 'supplement', { note: '请于补齐后再来' });
  expectStatus(sr, 200);
  let k = sr.json;
  assert.equal(k.state, 'supplement');
  assert.deepEqual(k.history.at(-1).payload.missing, required);
  const text = await noticeText(clerk, c.no, 'supplement');
  assert.ok(text.includes('一次性告知通知书'), text);
  for (const m of required) assert.ok(text.includes(m), `the one-time notice names ${m}: ${text}`);
  // after the application, the checklist is the case's own (its material ids)
  const rr = await act(clerk, c.no, 'resupply', { materials: ticks(k) });
  expectStatus(rr, 200);
  k = rr.json;
  assert.equal(k.state, 'applied');
  assert.deepEqual(k.missing, []);
  expectError(await act(clerk, c.no, 'supplement', {}), 409, 'invalid_state');
});

test('refusal needs its reasons; a refused case cannot be accepted or picked up', async () => {
  const c = await apply(promised);
  expectError(await act(clerk, c.no, 'refuse', {}), 400, 'invalid', 'reason');
  const k = (await act(clerk, c.no, 'refuse', { reason: '不属于本机关职权范围' })).json;
  assert.equal(k.state, 'refused');
  assert.equal(k.refuse_reason, '不属于本机关职权范围');
  const text = await noticeText(clerk, c.no, 'refuse');
  for (const want of ['不予受理通知书', '不属于本机关职权范围', '行政复议']) assert.ok(text.includes(want), `refusal notice has ${want}: ${text}`);
  expectError(await act(clerk, c.no, 'accept'), 409, 'invalid_state');
  expectError(await act(clerk, c.no, 'pickup', { no_id_card: true, rating: 5 }), 409, 'invalid_state');
  expectError(await act(clerk, c.no, 'fly'), 404);
});

test('bad applications are refused with the field named, and nothing is created', async () => {
  const count = async () => (await get(clerk, '/api/v1/cases?view=unit&size=1')).json.total;
  const n = await count();
  const bad = APPLICANT_ID.slice(0, 17) + (APPLICANT_ID[17] === '1' ? '2' : '1');
  let r = await post(clerk, '/api/v1/cases', { item_id: promised.id, applicant: person({ id_no: bad }) });
  expectError(r, 400, 'invalid', 'applicant.id_no');
  assert.match(r.json.error.message, /校验位/);
  r = await post(clerk, '/api/v1/cases', { item_id: promised.id, applicant: { kind: 'org', name: '成都某餐饮有限公司', id_no: creditCode() } });
  expectError(r, 400, 'invalid', 'contact');
  r = await post(clerk, '/api/v1/cases', { item_id: promised.id, applicant: person(), materials: [{ id: immediate.materials[0].id, present: true }] });
  expectError(r, 400, 'invalid', 'materials[0]');
  expectError(await post(clerk, '/api/v1/cases', { item_id: 999999, applicant: person() }), 400, 'invalid', 'item_id');
  expectError(await post(clerk, '/api/v1/cases', { item_id: promised.id, applicant: person({ name: 'x'.repeat(101) }) }),
    400, 'invalid', 'applicant.name');
  assert.equal(await count(), n);
  // an organisation with its contact person
  r = await post(clerk, '/api/v1/cases', { item_id: promised.id,
    applicant: { kind: 'org', name: '成都某餐饮有限公司', id_no: creditCode(), phone: '028-88888888' },
    contact: { name: '李四', id_no: idCard('510107', '19920202', '789'), phone: '13900000000' } });
  expectStatus(r, 201);
  assert.equal(r.json.applicant.kind, 'org');
});

test('who sees and does what: other center, other unit, supervisor, handler', async () => {
  const c = await apply(promised);
  expectError(await get(otherCenter, `/api/v1/cases/${c.no}`), 404, 'not_found');
  expectError(await act(otherCenter, c.no, 'accept'), 404, 'not_found');
  const ov = (await get(otherUnit, `/api/v1/cases/${c.no}`)).json;
  assert.equal(ov.overview, true);
  assert.equal(ov.applicant, undefined, 'an overview shows no applicant');
  expectError(await act(otherUnit, c.no, 'accept'), 403, 'forbidden');
  const full = (await get(sup, `/api/v1/cases/${c.no}`)).json;
  assert.equal(full.applicant.name, '张三');
  assert.deepEqual(full.actions, []);
  const r = await act(sup, c.no, 'accept');
  expectError(r, 403, 'forbidden');
  assert.match(r.json.error.message, /监察/);
  expectError(await act(h1, c.no, 'pickup', { no_id_card: true, rating: 5 }), 409, 'invalid_state');
  // search: the other center finds nothing, the supervisor finds it
  assert.equal((await get(otherCenter, `/api/v1/cases?no=${c.no}`)).json.total, 0);
  assert.equal((await get(sup, `/api/v1/cases?no=${c.no}`)).json.total, 1);
  const row = (await get(otherUnit, `/api/v1/cases?no=${c.no}`)).json.items[0];
  assert.equal(row.overview, true);
  assert.equal(row.applicant_name, '');
});

test('public progress: number plus name or phone, nothing private', async () => {
  const c = await apply(promised);
  await act(clerk, c.no, 'accept');
  let r = await srv.req('GET', `/api/v1/public/cases/${c.no}?name=${encodeURIComponent('张三')}`);
  expectStatus(r, 200);
  assert.equal(r.json.state_name, '审批中');
  assert.equal(r.json.steps[0].state, 'done');
  assert.ok(!JSON.stringify(r.json).includes(APPLICANT_ID), 'no ID number');
  assert.ok(!JSON.stringify(r.json).includes('王承办'), 'no staff names');
  r = await srv.req('GET', `/api/v1/public/cases/${c.no}?phone=13800000001`);
  expectStatus(r, 200);
  expectError(await srv.req('GET', `/api/v1/public/cases/${c.no}?name=${encodeURIComponent('李四')}`), 404, 'not_found');
  expectError(await srv.req('GET', `/api/v1/public/cases/${c.no}`), 400, 'invalid');
});

test('case numbers are unique and gapless per center and day under concurrent applications', async () => {
  const N = 40;
  const nos = (await Promise.all(Array.from({ length: N }, () => post(clerk, '/api/v1/cases',
    { item_id: immediate.id, applicant: person(), materials: ticks(immediate) })))).map((r) => {
    expectStatus(r, 201);
    return r.json.no;
  });
  const serials = nos.map((n) => Number(n.split('-')[2])).sort((a, b) => a - b);
  assert.equal(new Set(nos).size, N);
  for (let i = 1; i < N; i++) assert.equal(serials[i], serials[i - 1] + 1, 'gapless');
  const day = nos[0].split('-')[1];
  assert.ok(nos.every((n) => n.split('-')[1] === day));
  // and every serial of the day so far is taken exactly once
  const all = (await get(clerk, `/api/v1/cases?view=unit&size=100`)).json.items
    .filter((x) => x.no.split('-')[1] === day).map((x) => Number(x.no.split('-')[2])).sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => i + 1));
});

test('consultations are numbered and readable by the center', async () => {
  const r = await post(clerk, '/api/v1/consultations', { item_id: promised.id, applicant: { kind: 'person', name: '王五', phone: '13700000000' },
    question: '办理食品经营许可需要哪些材料？', answer: '营业执照、申请书、身份证明。' });
  expectStatus(r, 201);
  assert.match(r.json.no, /^ZX510104-\d{8}-\d{4}$/);
  expectError(await post(clerk, '/api/v1/consultations', { item_id: promised.id, applicant: { kind: 'person', name: '王五' } }),
    400, 'invalid', 'question');
  assert.equal((await get(h1, `/api/v1/consultations/${r.json.id}`)).json.question, '办理食品经营许可需要哪些材料？');
  expectError(await get(otherCenter, `/api/v1/consultations/${r.json.id}`), 404);
});

test('personal and unit statistics', async () => {
  const mine = (await get(clerk, '/api/v1/stats/mine')).json;
  const val = (s, key) => s.items.find((i) => i.key === key).value;
  assert.ok(val(mine, 'applied') >= 5);
  assert.ok(val(mine, 'accepted') >= 2);
  const unit = (await get(clerk, '/api/v1/stats/unit')).json;
  assert.ok(val(unit, 'completed') >= 2);
  assert.ok(val(unit, 'refused') >= 1);
  expectError(await get(otherCenter, `/api/v1/stats/unit?unit_id=${promised.unit_id}`), 403);
  expectError(await get(clerk, '/api/v1/stats/mine?from=2026-02-01&to=2026-01-01'), 400, 'invalid', 'to');
});

test('the warning threshold is settable per center and per item', async () => {
  const admin = await srv.activate('510104admin');
  const c = await apply(promised);
  await act(clerk, c.no, 'accept');
  const light = async () => (await get(clerk, `/api/v1/cases/${c.no}`)).json.light;
  assert.equal(await light(), 'green', '10 days left, threshold 1');
  expectStatus(await srv.req('PUT', `/api/v1/centers/${promised.center_id}`, { session: admin.session, body: { warn_days: 10 } }), 200);
  assert.equal(await light(), 'yellow', 'the center threshold reaches 10');
  expectError(await srv.req('PUT', `/api/v1/centers/${promised.center_id}`, { session: admin.session, body: { warn_days: 11 } }),
    400, 'invalid', 'warn_days');
  let r = await srv.req('PUT', `/api/v1/items/${promised.id}`, { session: admin.session, body: { warn_days: 2 } });
  expectStatus(r, 200);
  assert.equal(r.json.warn_days, 2);
  assert.equal(await light(), 'green', 'the item threshold wins');
  r = await srv.req('PUT', `/api/v1/items/${promised.id}`, { session: admin.session, body: { warn_days: null } });
  assert.equal(r.json.warn_days, null);
  assert.equal(await light(), 'yellow', 'back to the center threshold');
  await srv.req('PUT', `/api/v1/centers/${promised.center_id}`, { session: admin.session, body: { warn_days: 1 } });
});
