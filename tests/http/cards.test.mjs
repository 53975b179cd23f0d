// Automatic accountability: cards raised by the server's own sweep as due days pass (moved
// into the past here with SQL), once per object, tied to case, step and person, with their
// evidence; supervisors confirm or dismiss them; bad ratings open follow-ups; a late
// one-time notice raises its card at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, admin, clerk, h2, sup, otherSup, item;
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session, body });
const get = (who, p) => srv.req('GET', p, { session: who.session });
const inDays = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
const applicant = { kind: 'person', name: '钱七', id_no: idCard('510104', '19800101', '321'), phone: '13500000000' };

before(async () => {
  srv = await startServer({ demo: true, args: ['--sweep-seconds', '1'] });
  [admin, clerk, h2, sup] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj02', 'jc510100'].map((u) => srv.activate(u)));
  const root = await srv.admin();
  expectStatus(await post({ session: root }, '/api/v1/users', { username: 'jc510107', name: '武侯监察', roles: ['supervisor'], scope_region: '510107' }), 201);
  otherSup = await srv.activate('jc510107');
  const items = (await get(clerk, '/api/v1/items?size=100')).json.items;
  item = (await get(clerk, `/api/v1/items/${items.find((i) => i.code === 'SCJ-CN-001').id}`)).json;
});
after(async () => { if (srv) await srv.close(); });

async function applied(ticks = true) {
  const r = await post(clerk, '/api/v1/cases', { item_id: item.id, applicant,
    materials: item.materials.map((m) => ({ id: m.id, present: ticks })) });
  expectStatus(r, 201);
  return r.json;
}
async function accepted() {
  const c = await applied();
  const r = await post(clerk, `/api/v1/cases/${c.no}/accept`);
  expectStatus(r, 200);
  return r.json;
}
// The cards of a case once the background sweep has raised `n` of them (it runs every second).
async function cardsOf(no, n) {
  for (let i = 0; i < 50; i++) {
    const items = (await get(sup, '/api/v1/cards?size=100')).json.items.filter((x) => x.case_no === no);
    if (items.length >= n) return items;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail(`no ${n} cards for ${no}`);
}

test('an overdue case and step raise a red and a yellow card by themselves, once', async () => {
  const c = await accepted();
  await srv.db.sql(`UPDATE case_steps SET due_day = due_day - 30 WHERE case_id = ${c.id} AND name = '现场核查'`);
  await srv.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${c.id}`);
  const cards = await cardsOf(c.no, 2);
  const red = cards.find((x) => x.rule === 'case_overdue');
  const yellow = cards.find((x) => x.rule === 'step_overdue');
  assert.equal(red.color, 'red');
  assert.equal(red.rule_name, '办件超期');
  assert.equal(yellow.color, 'yellow');
  assert.equal(yellow.step_name, '现场核查');
  assert.equal(yellow.user_name, '李审核');
  assert.equal(yellow.state_name, '待确认');
  // once per object: another sweep raises nothing for it
  const r = await srv.cli(['sweep']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.stdout, /生成问责记录 \d+ 条/);
  assert.equal((await get(sup, '/api/v1/cards?size=100')).json.items.filter((x) => x.case_no === c.no).length, 2);
  // a new deadline, or the step started again (a return), is a new card: what the sweep keeps
  // on the rows it has raised a card for is tied to those values
  await srv.db.sql(`UPDATE cases SET due_day = due_day - 1 WHERE id = ${c.id}`);
  await srv.db.sql(`UPDATE case_steps SET started_day = started_day - 1 WHERE case_id = ${c.id} AND name = '现场核查'`);
  const four = await cardsOf(c.no, 4);
  assert.deepEqual(four.map((x) => x.rule).sort(), ['case_overdue', 'case_overdue', 'step_overdue', 'step_overdue']);
  // and forgotten, it only costs a look at the cards: none is raised twice
  await srv.db.sql(`UPDATE cases SET card_due_day = NULL WHERE id = ${c.id}`);
  await srv.db.sql(`UPDATE case_steps SET card_started_day = NULL WHERE case_id = ${c.id}`);
  assert.equal((await srv.cli(['sweep'])).code, 0);
  assert.equal((await get(sup, '/api/v1/cards?size=100')).json.items.filter((x) => x.case_no === c.no).length, 4);
  // the evidence is the case's events
  const full = (await get(sup, `/api/v1/cards/${red.id}`)).json;
  assert.deepEqual(full.evidence.slice(0, 2).map((e) => e.type), ['case.apply', 'case.accept']);
  // a person's and a unit's cards
  assert.ok((await get(sup, `/api/v1/cards?user_id=${yellow.user_id}`)).json.items.some((x) => x.id === yellow.id));
  assert.ok((await get(h2, '/api/v1/cards')).json.items.some((x) => x.id === yellow.id), 'the unit sees its cards');
  assert.equal((await get(otherSup, '/api/v1/cards')).json.total, 0, 'another county sees none');
  // by region: the city's and the county's cards include it, another county's do not
  for (const region of ['510100', '510104'])
    assert.ok((await get(sup, `/api/v1/cards?size=100&region=${region}`)).json.items.some((x) => x.id === red.id), region);
  assert.ok(!(await get(sup, '/api/v1/cards?size=100&region=510107')).json.items.some((x) => x.id === red.id));
  expectError(await get(otherSup, '/api/v1/cards?region=510104'), 403, 'forbidden', 'region');
  expectError(await get(otherSup, `/api/v1/cards?center_id=${red.center_id}`), 403);
  expectError(await get(sup, '/api/v1/cards?region=51x1'), 400, 'invalid', 'region');
});

test('supervisors confirm or dismiss a card with a note; nobody else decides', async () => {
  const c = await accepted();
  await srv.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${c.id}`);
  const [card] = await cardsOf(c.no, 1);
  expectError(await post(admin, `/api/v1/cards/${card.id}/dismiss`, { note: 'x' }), 403);
  expectError(await post(otherSup, `/api/v1/cards/${card.id}/dismiss`, { note: 'x' }), 404);
  expectError(await post(sup, `/api/v1/cards/${card.id}/dismiss`, {}), 400, 'invalid', 'note');
  let r = await post(sup, `/api/v1/cards/${card.id}/dismiss`, { note: '系统时钟调整所致，予以纠错' });
  expectStatus(r, 200);
  assert.equal(r.json.state, 'dismissed');
  assert.equal(r.json.state_name, '已纠错');
  assert.match(r.json.decided_by, /成都市监察局/);
  expectError(await post(sup, `/api/v1/cards/${card.id}/confirm`, { note: '再次' }), 409, 'invalid_state');
  expectError(await post(sup, `/api/v1/cards/${card.id}/approve`, { note: 'x' }), 404);
});

test('an urge unanswered past its day raises a red card for the urged person', async () => {
  const c = await accepted();
  const step = c.steps.find((s) => s.name === '现场核查');
  const u = (await post(admin, '/api/v1/urges', { kind: 'supervise', case_no: c.no, step_id: step.id, message: '请尽快', reply_by: inDays(0) })).json;
  await srv.db.sql(`UPDATE urges SET reply_by = reply_by - 3 WHERE id = ${u.id}`);
  const cards = await cardsOf(c.no, 1);
  assert.equal(cards[0].rule, 'urge_unanswered');
  assert.equal(cards[0].color, 'red');
  assert.equal(cards[0].user_name, '李审核');
});

test('a bad rating opens a follow-up; unanswered past its day it raises a yellow card', async () => {
  const imm = (await get(clerk, '/api/v1/items?size=100')).json.items.find((i) => i.code === 'SCJ-JB-001');
  const full = (await get(clerk, `/api/v1/items/${imm.id}`)).json;
  let r = await post(clerk, '/api/v1/cases', { item_id: imm.id, applicant, materials: full.materials.map((m) => ({ id: m.id, present: true })) });
  const no = r.json.no;
  await post(clerk, `/api/v1/cases/${no}/accept`);
  await post(clerk, `/api/v1/cases/${no}/complete`, { opinion: '办结', doc_no: '无批文号', permitted: true });
  expectStatus(await post(clerk, `/api/v1/cases/${no}/pickup`, { id_no: applicant.id_no, rating: 1, comment: '等了太久' }), 200);
  const f = (await get(clerk, '/api/v1/followups?view=mine&state=open')).json.items.find((x) => x.case_no === no);
  assert.equal(f.rating_name, '非常不满意');
  assert.equal(f.comment, '等了太久');
  await srv.db.sql(`UPDATE followups SET due_day = due_day - 30 WHERE id = ${f.id}`);
  const [card] = await cardsOf(no, 1);
  assert.equal(card.rule, 'followup_overdue');
  assert.equal(card.color, 'yellow');
  expectError(await post(sup, `/api/v1/followups/${f.id}/answer`, { answer: 'x' }), 404);
  r = await post(clerk, `/api/v1/followups/${f.id}/answer`, { answer: '已向申请人致歉并优化叫号流程' });
  expectStatus(r, 200);
  assert.equal(r.json.state, 'answered');
  expectError(await post(clerk, `/api/v1/followups/${f.id}/answer`, { answer: '再答' }), 409);
});

test('a one-time notice more than 5 working days after the application raises its card at once', async () => {
  const c = await applied(false);
  await srv.db.sql(`UPDATE cases SET applied_day = applied_day - 14 WHERE id = ${c.id}`);
  expectStatus(await post(clerk, `/api/v1/cases/${c.no}/supplement`, {}), 200);
  const cards = (await get(sup, '/api/v1/cards?size=100')).json.items.filter((x) => x.case_no === c.no);
  assert.equal(cards.length, 1);
  assert.equal(cards[0].rule, 'late_notice');
  assert.equal(cards[0].user_name, '陈受理');
  // in time: no card
  const d = await applied(false);
  expectStatus(await post(clerk, `/api/v1/cases/${d.no}/supplement`, {}), 200);
  assert.equal((await get(sup, '/api/v1/cards?size=100')).json.items.filter((x) => x.case_no === d.no).length, 0);
});
