// Notice templates (通知书模板): the effective template of each kind with the placeholders,
// overrides for the platform and for an item, unknown placeholders refused, the live preview
// as PDF, deleting back to the default, and who may edit; and the notices of a real case and
// consultation read back with pdftotext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, expectError, expectStatus, run } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, admin, scj, gaj, clerk, item;

before(async () => {
  srv = await startServer();
  let jj;
  ({ admin, jj, scj, gaj } = await srv.org());
  clerk = await srv.newUser(admin, { username: 'scj_clerk', name: '王窗口', roles: ['clerk'], center_id: jj.id, unit_id: scj.unit.id });
  item = await srv.create('/api/v1/items', {
    unit_id: scj.unit.id, entered: true, authorized: true, code: 'SCJ-001', name: '食品经营许可证核发', kind: 'promised', statutory_days: 20, promised_days: 10,
    materials: [
      { name: '食品经营许可申请书', form: 'original', copies: 1, required: true, notes: '' },
      { name: '营业执照', form: 'copy', copies: 1, required: true, notes: '' },
    ],
  }, scj.session);
});
after(async () => { if (srv) await srv.close(); });

const req = (who, method, p, body) => srv.req(method, p, { session: who.session || who, body });
const list = async (who, itemId) => {
  const r = await req(who, 'GET', `/api/v1/notice-templates${itemId ? `?item_id=${itemId}` : ''}`);
  expectStatus(r, 200);
  return r.json;
};
const accept = (l) => l.templates.find((t) => t.kind === 'accept');

test('every kind has a built-in template; the placeholders come with Chinese descriptions', async () => {
  const l = await list(clerk);
  assert.deepEqual(l.templates.map((t) => t.kind), ['consult', 'accept', 'refuse', 'supplement', 'complete', 'deny']);
  assert.deepEqual(l.templates.map((t) => t.title), ['咨询通知书', '受理通知书', '不予受理通知书', '一次性告知通知书', '办结通知书', '不予办结通知书']);
  for (const t of l.templates) {
    assert.equal(t.source, 'default');
    assert.equal(t.overridden, false);
    assert.match(t.body, /\{\{applicant_name\}\}：/);
  }
  assert.match(l.templates.find((t) => t.kind === 'refuse').body, /第三十八条.*六十日内.*六个月内/s);
  assert.match(l.templates.find((t) => t.kind === 'supplement').body, /\n\{\{missing\}\}\n/);
  const missing = l.placeholders.find((p) => p.name === 'missing');
  assert.equal(missing.token, '{{missing}}');
  assert.match(missing.description, /材料/);
});

test('an item override wins over the platform one; deleting reverts level by level', async () => {
  let r = await req(admin, 'PUT', '/api/v1/notice-templates/accept', { title: '受理凭证', body: '{{applicant_name}}：\n全平台模板。' });
  expectStatus(r, 200);
  assert.equal(r.json.source, 'platform');
  r = await req(scj, 'PUT', `/api/v1/notice-templates/accept?item_id=${item.id}`, { title: '{{item_name}}受理通知书', body: '{{applicant_name}}：\n本事项模板，{{due_day}}前办结。' });
  expectStatus(r, 200);
  assert.deepEqual([r.json.source, r.json.overridden], ['item', true]);
  assert.deepEqual([accept(await list(clerk, item.id)).source, accept(await list(clerk)).title], ['item', '受理凭证']);

  r = await req(scj, 'DELETE', `/api/v1/notice-templates/accept?item_id=${item.id}`);
  expectStatus(r, 204);
  let a = accept(await list(clerk, item.id));
  assert.deepEqual([a.source, a.title, a.overridden], ['platform', '受理凭证', false]);
  r = await req(scj, 'DELETE', `/api/v1/notice-templates/accept?item_id=${item.id}`);
  expectError(r, 404, 'not_found');
  r = await req(admin, 'DELETE', '/api/v1/notice-templates/accept');
  expectStatus(r, 204);
  a = accept(await list(clerk, item.id));
  assert.deepEqual([a.source, a.title], ['default', '受理通知书']);
  const ev = await req(admin, 'GET', '/api/v1/events?after=0&size=1000');
  const types = ev.json.items.map((e) => e.type).filter((t) => t.startsWith('notice_template.'));
  assert.deepEqual(types, ['notice_template.save', 'notice_template.save', 'notice_template.delete', 'notice_template.delete']);
});

test('unknown placeholders and overlong texts are refused, naming what is wrong', async () => {
  let r = await req(admin, 'PUT', '/api/v1/notice-templates/refuse', { title: '不予受理通知书', body: '{{applicant_name}}：因{{reason}}不予受理。{{foo}}' });
  expectError(r, 400, 'invalid', 'body');
  assert.equal(r.json.error.message, '正文中有未知的占位符：{{reason}}、{{foo}}');
  r = await req(admin, 'PUT', '/api/v1/notice-templates/refuse', { title: '', body: '正文' });
  expectError(r, 400, 'invalid', 'title');
  r = await req(admin, 'PUT', '/api/v1/notice-templates/refuse', { title: '标题', body: '字'.repeat(3001) });
  expectError(r, 400, 'invalid', 'body');
  r = await req(admin, 'PUT', '/api/v1/notice-templates/invoice', { title: '标题', body: '正文' });
  expectError(r, 404, 'not_found');
  assert.equal(accept(await list(clerk)).source, 'default');
});

test('the preview is a PDF of a sample case; a bad template is refused', async () => {
  const body = { kind: 'supplement', title: '一次性告知通知书', body: '{{applicant_name}}：\n请补正：\n{{missing}}', item_id: item.id };
  const r = await srv.req('POST', '/api/v1/notice-templates/preview.pdf', { session: scj.session, body });
  expectStatus(r, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const res = await fetch(srv.url + '/api/v1/notice-templates/preview.pdf', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `shenpi_session=${scj.session.cookie}`, 'X-CSRF-Token': scj.session.csrf },
    body: JSON.stringify({ ...body, kind: 'consult' }),
  });
  const pdf = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf.length > 10000, `a PDF with embedded fonts, got ${pdf.length} bytes`);
  const bad = await req(scj, 'POST', '/api/v1/notice-templates/preview.pdf', { ...body, body: '{{nope}}' });
  expectError(bad, 400, 'invalid', 'body');
  const kind = await req(scj, 'POST', '/api/v1/notice-templates/preview.pdf', { ...body, kind: 'x' });
  expectError(kind, 400, 'invalid', 'kind');
});

test('a clerk may not edit; a unit admin only their own items, never the platform', async () => {
  const t = { title: '受理通知书', body: '{{applicant_name}}：\n正文。' };
  expectError(await req(clerk, 'PUT', `/api/v1/notice-templates/accept?item_id=${item.id}`, t), 403, 'forbidden');
  expectError(await req(clerk, 'POST', '/api/v1/notice-templates/preview.pdf', { kind: 'accept', ...t }), 403, 'forbidden');
  expectError(await req(scj, 'PUT', '/api/v1/notice-templates/accept', t), 403, 'forbidden');
  expectError(await req(gaj, 'PUT', `/api/v1/notice-templates/accept?item_id=${item.id}`, t), 403, 'forbidden');
  expectError(await req(gaj, 'DELETE', `/api/v1/notice-templates/accept?item_id=${item.id}`), 403, 'forbidden');
  assert.equal(accept(await list(clerk, item.id)).source, 'default');
});

/** GET a PDF as who; {status, pdf: Buffer, json}. */
async function getPdf(who, p) {
  const res = await fetch(srv.url + p, { headers: { Cookie: `shenpi_session=${who.session.cookie}` } });
  const pdf = Buffer.from(await res.arrayBuffer());
  let json = null;
  try { json = JSON.parse(pdf.toString()); } catch { /* a PDF */ }
  return { status: res.status, type: res.headers.get('content-type'), pdf, json };
}

async function pdfText(pdf) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-notice-'));
  try {
    writeFileSync(path.join(dir, 'n.pdf'), pdf);
    const r = await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'n.pdf'), '-']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.replace(/\s+/g, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a case prints the notice its state allows; a consultation its 咨询通知书', async () => {
  const detail = (await req(clerk, 'GET', `/api/v1/items/${item.id}`)).json;
  const apply = async () => {
    const r = await req(clerk, 'POST', '/api/v1/cases', {
      item_id: item.id, applicant: { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' },
      materials: detail.materials.map((m) => ({ id: m.id, present: m.name !== '营业执照' })),
    });
    expectStatus(r, 201);
    return r.json;
  };
  const c = await apply();
  expectStatus(await req(clerk, 'POST', `/api/v1/cases/${c.no}/supplement`, { note: '复印件须加盖公章。' }), 200);
  let r = await getPdf(clerk, `/api/v1/cases/${c.no}/notices/supplement.pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/pdf');
  let t = await pdfText(r.pdf);
  for (const want of ['一次性告知通知书', '锦江区政务服务中心', '张三', `编号：${c.no}`, '1.营业执照', '复印件须加盖公章。', '第三十二条'])
    assert.ok(t.includes(want), `${want} in ${t}`);
  r = await getPdf(clerk, `/api/v1/cases/${c.no}/notices/accept.pdf`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'invalid_state');
  assert.match(r.json.error.message, /尚未受理/);
  r = await getPdf(clerk, `/api/v1/cases/${c.no}/notices/invoice.pdf`);
  assert.equal(r.status, 404);

  const refused = await apply();
  expectStatus(await req(clerk, 'POST', `/api/v1/cases/${refused.no}/refuse`, { reason: '申请事项不属于本机关职权范围' }), 200);
  t = await pdfText((await getPdf(clerk, `/api/v1/cases/${refused.no}/notices/refuse.pdf`)).pdf);
  for (const want of ['不予受理通知书', '申请事项不属于本机关职权范围', '六十日内', '六个月内'])
    assert.ok(t.includes(want), `${want} in ${t}`);

  const q = await req(clerk, 'POST', '/api/v1/consultations', {
    item_id: item.id, applicant: { kind: 'person', name: '李四', phone: '13700000000' },
    question: '需要哪些材料？', answer: '请携带营业执照和食品经营许可申请书。',
  });
  expectStatus(q, 201);
  r = await getPdf(clerk, `/api/v1/consultations/${q.json.id}/notice.pdf`);
  assert.equal(r.status, 200);
  t = await pdfText(r.pdf);
  for (const want of ['咨询通知书', '李四：', '请携带营业执照和食品经营许可申请书。', '咨询人（签收）'])
    assert.ok(t.includes(want), `${want} in ${t}`);
});
