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
