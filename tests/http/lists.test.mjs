// Paged lists (docs/api.md "Lists"): every list answers {items, total, page, size}; the
// pages of one list follow each other without gap or overlap and past its end are empty;
// `total` counts what the filters keep, not the page. Also: the card list's red and yellow
// counts, and the case search with every filter at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, root, clerk, admin, sup, promised, immediate;
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session, body });
const get = async (who, p) => {
  const r = await srv.req('GET', p, { session: who.session });
  expectStatus(r, 200);
  return r.json;
};
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const inDays = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
const applicant = (name, seq) => ({ kind: 'person', name, id_no: idCard('510104', '19850101', seq), phone: '13500000000' });

async function item(code) {
  const found = (await get(clerk, '/api/v1/items?size=100')).items;
  return get(clerk, `/api/v1/items/${found.find((i) => i.code === code).id}`);
}

async function apply(it, name, seq) {
  const r = await post(clerk, '/api/v1/cases', { item_id: it.id, applicant: applicant(name, seq),
    materials: it.materials.map((m) => ({ id: m.id, present: true })) });
  expectStatus(r, 201);
  return r.json;
}

before(async () => {
  srv = await startServer({ demo: true });
  root = { session: await srv.admin() };
  [clerk, admin, sup] = await Promise.all(['510104ck01', '510104admin', 'jc510100'].map((u) => srv.activate(u)));
  promised = await item('SCJ-CN-001');
  immediate = await item('SCJ-JB-001');
  // four promised cases, two of them overdue with their steps: cards of both colours
  for (let i = 0; i < 4; i++) {
    const c = await apply(promised, `分页${i}`, `30${i}`);
    expectStatus(await post(clerk, `/api/v1/cases/${c.no}/accept`), 200);
    if (i < 2) {
      await srv.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${c.id}`);
      await srv.db.sql(`UPDATE case_steps SET due_day = due_day - 30 WHERE case_id = ${c.id}`);
    }
  }
  const swept = await srv.cli(['sweep']);
  assert.equal(swept.code, 0, swept.out);
  // three bad ratings: three follow-ups
  for (let i = 0; i < 3; i++) {
    const c = await apply(immediate, `差评${i}`, `31${i}`);
    expectStatus(await post(clerk, `/api/v1/cases/${c.no}/accept`), 200);
    expectStatus(await post(clerk, `/api/v1/cases/${c.no}/complete`, { opinion: '办结', doc_no: '无批文号', permitted: true }), 200);
    expectStatus(await post(clerk, `/api/v1/cases/${c.no}/pickup`, { id_no: applicant('', `31${i}`).id_no, rating: 1, comment: '慢' }), 200);
  }
  for (let i = 0; i < 3; i++) {
    expectStatus(await post(clerk, '/api/v1/consultations', { item_id: promised.id, applicant: { kind: 'person', name: `咨询${i}`, phone: '13700000000' },
      question: `第${i}个问题：需要哪些材料？`, answer: '营业执照、申请书。' }), 201);
    expectStatus(await post(admin, '/api/v1/urges', { kind: 'hurry', unit_id: promised.unit_id, message: `第${i}次催办`, reply_by: inDays(i + 1) }), 201);
  }
});
after(async () => { if (srv) await srv.close(); });

const key = (x) => x.id ?? x.no;

// The list at `path` read whole and in pages of two: the same rows in the same order.
async function paged(who, path, least = 3) {
  const at = (q) => get(who, path + (path.includes('?') ? '&' : '?') + q);
  const all = await at('size=100');
  assert.ok(all.total >= least, `${path}: ${all.total} rows, expected at least ${least}`);
  assert.equal(all.items.length, Math.min(all.total, 100), `${path}: the whole list on one page`);
  const p1 = await at('size=2');
  const p2 = await at('page=2&size=2');
  assert.deepEqual([p1.total, p1.page, p1.size, p2.total, p2.page, p2.size], [all.total, 1, 2, all.total, 2, 2], path);
  assert.deepEqual([...p1.items, ...p2.items].map(key), all.items.slice(0, 4).map(key), `${path}: pages 1 and 2`);
  const past = await at(`page=${Math.ceil(all.total / 2) + 1}&size=2`);
  assert.deepEqual([past.items, past.total], [[], all.total], `${path}: past the end`);
  return all;
}

test('every list pages the same way: total, page and size, no gap or overlap between pages', async () => {
  await paged(root, '/api/v1/items');
  await paged(admin, '/api/v1/users');
  await paged(clerk, '/api/v1/cases?view=all', 7);
  await paged(clerk, '/api/v1/consultations');
  await paged(admin, '/api/v1/urges');
  await paged(sup, '/api/v1/cards', 4);
  await paged(admin, '/api/v1/followups?view=all');
});

test('total counts what the filters keep', async () => {
  assert.equal((await paged(clerk, '/api/v1/consultations?q=' + encodeURIComponent('咨询1'), 1)).total, 1);
  assert.equal((await paged(clerk, '/api/v1/cases?view=all&q=' + encodeURIComponent('分页'))).total, 4);
  const urges = await paged(admin, '/api/v1/urges?state=open');
  assert.ok(urges.items.every((u) => u.state === 'open'));
  assert.equal((await get(admin, '/api/v1/urges?state=answered')).total, 0);
  const followups = await paged(clerk, '/api/v1/followups?view=mine&state=open');
  assert.deepEqual(followups.items.map((f) => f.rating_name), ['非常不满意', '非常不满意', '非常不满意']);
});

test('the card list counts its red and yellow cards over all its pages', async () => {
  const all = await get(sup, '/api/v1/cards?size=100');
  const red = all.items.filter((x) => x.color === 'red').length;
  assert.ok(red >= 2 && all.total - red >= 2, `${red} red of ${all.total}`);
  const page = await get(sup, '/api/v1/cards?size=1');
  assert.deepEqual([page.red, page.yellow, page.total], [red, all.total - red, all.total]);
  const reds = await get(sup, '/api/v1/cards?color=red&size=1');
  assert.deepEqual([reds.total, reds.red, reds.yellow], [red, red, 0]);
});

test('the case search takes every filter at once', async () => {
  const c = await apply(promised, '全条件', '320');
  const q = new URLSearchParams({ view: 'mine', no: c.no, q: '全条件', state: 'applied', item_id: promised.id,
    unit_id: promised.unit_id, from: today(), to: today() });
  for (const who of [clerk, sup]) {
    const r = await get(who, '/api/v1/cases?' + q);
    assert.deepEqual(r.items.map((x) => x.no), who === clerk ? [c.no] : [], who.user.username);
  }
});
