// The warning lists (R3.1): open cases near or past their promised limit, and active steps
// near or past their own limit, with yellow and red lights, filters and scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, admin, clerk, h2, otherAdmin, sup, item, late, near;
const post = (who, p, body = {}) => srv.req('POST', p, { session: who.session, body });
const get = (who, p) => srv.req('GET', p, { session: who.session });

before(async () => {
  srv = await startServer({ demo: true });
  [admin, clerk, h2, otherAdmin, sup] = await Promise.all(
    ['510104admin', '510104ck01', '510104scj02', '510107admin', 'jc510100'].map((u) => srv.activate(u)));
  const items = (await get(clerk, '/api/v1/items?size=100')).json.items;
  item = (await get(clerk, `/api/v1/items/${items.find((i) => i.code === 'SCJ-CN-001').id}`)).json;
  const accepted = async (name) => {
    let r = await post(clerk, '/api/v1/cases', { item_id: item.id,
      applicant: { kind: 'person', name, id_no: idCard('510104', '19800101', '321'), phone: '13600000000' },
      materials: item.materials.map((m) => ({ id: m.id, present: true })) });
    r = await post(clerk, `/api/v1/cases/${r.json.no}/accept`);
    expectStatus(r, 200);
    return r.json;
  };
  late = await accepted('周超期');
  near = await accepted('吴临近');
  await accepted('郑正常');
  // one case overdue by its promised limit and its 现场核查 step; one due tomorrow
  await srv.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE no = '${late.no}'`);
  await srv.db.sql(`UPDATE case_steps SET due_day = due_day - 30 WHERE name = '现场核查' AND case_id = ${late.id}`);
  await srv.db.sql(`UPDATE cases SET due_day = accepted_day + 1 WHERE no = '${near.no}'`);
});
after(async () => { if (srv) await srv.close(); });

test('promised-limit warnings: the overdue case red, the near one yellow, the rest not listed', async () => {
  const r = await get(admin, '/api/v1/warnings?kind=promised');
  expectStatus(r, 200);
  const byNo = Object.fromEntries(r.json.items.map((x) => [x.no, x]));
  assert.equal(byNo[late.no].light, 'red');
  assert.ok(byNo[late.no].days_left < 0);
  assert.equal(byNo[near.no].light, 'yellow');
  assert.equal(r.json.items.length, 2, 'a green case is not a warning');
  assert.equal(r.json.red, 1);
  assert.equal(r.json.yellow, 1);
  assert.equal((await get(admin, '/api/v1/warnings?kind=promised&light=red')).json.items.length, 1);
  assert.equal((await get(admin, `/api/v1/warnings?q=${encodeURIComponent('吴临')}`)).json.items[0].no, near.no);
  assert.equal((await get(admin, '/api/v1/warnings?item=SCJ-CN')).json.total, 2);
  assert.equal((await get(admin, '/api/v1/warnings?item=NOPE')).json.total, 0);
});

test('post-limit warnings name the step and its handler', async () => {
  const r = await get(admin, '/api/v1/warnings?kind=post&light=red');
  expectStatus(r, 200);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].step_name, '现场核查');
  assert.equal(r.json.items[0].handler_name, '李审核');
  // the handler's unit sees it too; another center and a bad kind are refused
  assert.equal((await get(h2, '/api/v1/warnings?kind=post&light=red')).json.items.length, 1);
  assert.equal((await get(otherAdmin, '/api/v1/warnings?kind=post')).json.total, 0);
  expectError(await get(otherAdmin, `/api/v1/warnings?center_id=${item.center_id}`), 403);
  expectError(await get(admin, '/api/v1/warnings?kind=soon'), 400, 'invalid', 'kind');
  assert.equal((await get(sup, '/api/v1/warnings?kind=promised&light=red')).json.items[0].no, late.no);
});

test('the province list merges accepted and in-process cases in due-day order, page by page, with exact counts', async () => {
  const root = { session: await srv.admin() };
  // an immediate case left accepted (not completed on the spot) is due today: yellow, between
  // the overdue case and the one due tomorrow
  const imm = (await get(clerk, '/api/v1/items?size=100')).json.items.find((i) => i.code === 'SCJ-JB-001');
  const full = (await get(clerk, `/api/v1/items/${imm.id}`)).json;
  let r = await post(clerk, '/api/v1/cases', { item_id: imm.id,
    applicant: { kind: 'person', name: '冯即办', id_no: idCard('510104', '19800101', '321'), phone: '13600000001' },
    materials: full.materials.map((m) => ({ id: m.id, present: true })) });
  const waiting = (await post(clerk, `/api/v1/cases/${r.json.no}/accept`)).json;
  assert.equal(waiting.state, 'accepted');
  const pages = [];
  let first;
  for (let page = 1; page < 50; page++) {
    r = await get(root, `/api/v1/warnings?kind=promised&size=2&page=${page}`);
    expectStatus(r, 200);
    first ??= r.json;
    assert.deepEqual([r.json.total, r.json.yellow, r.json.red], [first.total, first.yellow, first.red], 'the counts do not depend on the page');
    if (!r.json.items.length) break;
    pages.push(...r.json.items);
  }
  assert.equal(pages.length, first.total);
  assert.equal(first.total, first.yellow + first.red);
  assert.equal(pages.filter((x) => x.light === 'red').length, first.red);
  assert.equal(new Set(pages.map((x) => x.no)).size, pages.length, 'no row twice');
  const days = pages.map((x) => x.due_day);
  assert.deepEqual(days, [...days].sort(), 'in due-day order across the two states');
  const mine = pages.map((x) => x.no).filter((no) => [late.no, waiting.no, near.no].includes(no));
  assert.deepEqual(mine, [late.no, waiting.no, near.no]);
  // by region: the county holds them, another county none of them; a supervisor only below
  // their own region
  const county = (await get(root, '/api/v1/warnings?kind=promised&region=510104&size=100')).json.items.map((x) => x.no);
  assert.ok([late.no, waiting.no, near.no].every((no) => county.includes(no)));
  assert.ok(!(await get(sup, '/api/v1/warnings?region=510107&size=100')).json.items.some((x) => x.no === late.no));
  expectError(await get(sup, '/api/v1/warnings?region=510000'), 403, 'forbidden', 'region');
  // a yellow page holds only yellow rows, counted as the yellow total
  r = await get(root, '/api/v1/warnings?kind=promised&light=yellow&size=100');
  assert.ok(r.json.items.every((x) => x.light === 'yellow'));
  assert.equal(r.json.total, first.yellow);
  assert.equal(r.json.items.length, first.yellow);
});
