// Files of cases over HTTP on the demo province: multipart uploads to a material, download
// byte-identical under the original (Chinese) name, the 3 MB cap, types judged by content,
// sanitised names, who may see and delete, signed notices, and `shenpi verify` finding a
// missing attachment. After every refusal nothing is stored: no row, no file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, expectError, expectStatus, rawRequest, BACKEND } from './server.mjs';
import { idCard } from './ids.mjs';

let srv, clerk, otherCenter, item, kase;
const MB = 1024 * 1024;

before(async () => {
  srv = await startServer({ demo: true });
  [clerk, otherCenter] = await Promise.all(['510104ck01', '510107ck01'].map((u) => srv.activate(u)));
  const items = (await srv.req('GET', '/api/v1/items?size=100', { session: clerk.session })).json.items;
  item = (await srv.req('GET', `/api/v1/items/${items.find((i) => i.code === 'SCJ-JB-001').id}`,
    { session: clerk.session })).json;
  kase = await apply();
});
after(async () => { if (srv) await srv.close(); });

async function apply() {
  const r = await srv.req('POST', '/api/v1/cases', {
    session: clerk.session,
    body: {
      item_id: item.id, applicant: { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' },
      materials: item.materials.map((m) => ({ id: m.id, present: true })),
    },
  });
  expectStatus(r, 201);
  return r.json;
}

/** A PDF of n bytes (n >= 64) whose content differs from every other call's. */
function pdf(n = 1000) {
  const b = Buffer.alloc(n, 0x20);
  Buffer.from(`%PDF-1.4\n% ${randomBytes(8).toString('hex')}\n`).copy(b);
  Buffer.from('\n%%EOF\n').copy(b, n - 7);
  return b;
}

/** A multipart/form-data body with the file in field `file` (and a note field). */
function form(filename, bytes, { field = 'file', star = false } = {}) {
  const boundary = '----shenpi' + randomBytes(8).toString('hex');
  const disp = star
    ? `filename="x"; filename*=UTF-8''${encodeURIComponent(filename)}`
    : `filename="${filename}"`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n说明\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; ${disp}\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

function upload(who, p, filename, bytes, opts = {}) {
  const f = form(filename, bytes, opts);
  return srv.req('POST', p, { session: who.session, body: f.body, headers: { 'Content-Type': f.type }, csrf: opts.csrf });
}
const materialPath = (c = kase, i = 0) => `/api/v1/cases/${c.no}/materials/${c.materials[i].id}/files`;

/** What is stored: case_files rows, attachments rows, and the stored contents (files of the
 *  SQLite store, rows of attachment_data on PostgreSQL). */
async function stored() {
  const n = async (t) => Number((await srv.db.sql(`SELECT COUNT(*) FROM ${t}`)).trim());
  let contents;
  if (BACKEND === 'sqlite') {
    const walk = (d) => (existsSync(d) ? readdirSync(d).flatMap((e) => {
      const p = path.join(d, e);
      return statSync(p).isDirectory() ? walk(p) : [p];
    }) : []);
    contents = walk(path.join(path.dirname(srv.db.file), 'files')).length;
  } else {
    contents = await n('attachment_data');
  }
  return { rows: await n('case_files'), attachments: await n('attachments'), contents };
}

/** The body of a download. */
async function download(who, id) {
  const res = await fetch(`${srv.url}/api/v1/files/${id}`, { headers: { Cookie: `shenpi_session=${who.session.cookie}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

test('a file uploaded to a material comes back byte-identical under its Chinese name', async () => {
  const bytes = pdf(2 * MB); // over the 1 MiB cap of JSON bodies: upload routes have their own
  const r = await upload(clerk, materialPath(), '营业执照（副本）.pdf', bytes, { star: true });
  expectStatus(r, 201);
  const f = r.json;
  assert.equal(f.name, '营业执照（副本）.pdf');
  assert.equal(f.size, bytes.length);
  assert.equal(f.mime, 'application/pdf');
  assert.match(f.sha256, /^[0-9a-f]{64}$/);
  assert.ok(Number.isInteger(f.id) && Number.isInteger(f.uploaded_at));

  const d = await download(clerk, f.id);
  assert.equal(d.status, 200);
  assert.ok(d.bytes.equals(bytes), 'downloaded bytes equal the upload');
  assert.equal(d.headers.get('content-type'), 'application/pdf');
  const cd = d.headers.get('content-disposition');
  assert.match(cd, /^attachment; filename="[^"]*"; filename\*=UTF-8''/);
  assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), '营业执照（副本）.pdf');

  // the case lists it under its material
  const c = (await srv.req('GET', `/api/v1/cases/${kase.no}`, { session: clerk.session })).json;
  const files = c.materials[0].files || [];
  assert.ok(files.some((x) => x.id === f.id && x.sha256 === f.sha256), JSON.stringify(c.materials[0]));
});

test('refused uploads leave nothing behind', async () => {
  const before = await stored();
  // a file over 3 MB inside a body the route accepts
  expectError(await upload(clerk, materialPath(), 'big.pdf', pdf(Math.round(3.1 * MB))), 413, 'material_too_large', 'file');
  const r = await upload(clerk, materialPath(), 'big.pdf', pdf(Math.round(3.1 * MB)));
  assert.equal(r.json.error.message, '附件不能超过3M');
  // a body past the upload route's cap is refused before it is read
  const f = form('huge.pdf', pdf(4 * MB));
  const raw = await rawRequest(srv.port, {
    path: materialPath(), body: f.body,
    headers: { 'Content-Type': f.type, 'Content-Length': f.body.length, Cookie: `shenpi_session=${clerk.session.cookie}`, 'X-CSRF-Token': clerk.session.csrf },
  });
  assert.equal(raw.status, 413);
  assert.equal(raw.json.error.code, 'body_too_large');
  // an executable named .pdf, text named .pdf, a PDF named .exe
  const elf = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), randomBytes(200)]);
  expectError(await upload(clerk, materialPath(), 'invoice.pdf', elf), 400, 'file_type', 'file');
  expectError(await upload(clerk, materialPath(), 'a.pdf', Buffer.from('just text\n')), 400, 'file_type', 'file');
  expectError(await upload(clerk, materialPath(), 'setup.exe', pdf()), 400, 'file_type', 'file');
  // no file part; an empty file; not multipart; a broken body
  expectError(await upload(clerk, materialPath(), 'a.pdf', pdf(), { field: 'other' }), 400, 'invalid', 'file');
  expectError(await upload(clerk, materialPath(), 'a.pdf', Buffer.alloc(0)), 400, 'invalid', 'file');
  expectError(await srv.req('POST', materialPath(), { session: clerk.session, body: { file: 'x' } }), 415, 'unsupported_media_type');
  expectError(await srv.req('POST', materialPath(), {
    session: clerk.session, body: Buffer.from('--b\r\nno headers'), headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
  }), 400, 'invalid', 'file');
  // CSRF applies to multipart as to JSON
  expectError(await upload(clerk, materialPath(), 'a.pdf', pdf(), { csrf: false }), 403, 'csrf_failed');
  // another center's clerk, a material of no such case
  expectError(await upload(otherCenter, materialPath(), 'a.pdf', pdf()), 404);
  expectError(await upload(clerk, `/api/v1/cases/${kase.no}/materials/999999/files`, 'a.pdf', pdf()), 404);
  assert.deepEqual(await stored(), before);
});

test('a name with a path is stored sanitised', async () => {
  const r = await upload(clerk, materialPath(), '../../etc/passwd.pdf', pdf());
  expectStatus(r, 201);
  assert.equal(r.json.name, 'passwd.pdf');
  const d = await download(clerk, r.json.id);
  assert.match(d.headers.get('content-disposition'), /filename="passwd\.pdf"/);
});

test('only who may see the case downloads; deleting only before the decision', async () => {
  const c = await apply();
  const a = (await upload(clerk, materialPath(c), 'a.pdf', pdf())).json;
  const b = (await upload(clerk, materialPath(c), 'b.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(100)]))).json;
  assert.equal(b.mime, 'image/jpeg');
  expectError(await srv.req('GET', `/api/v1/files/${a.id}`, { session: otherCenter.session }), 404, 'not_found');
  expectError(await srv.req('DELETE', `/api/v1/files/${a.id}`, { session: otherCenter.session }), 404, 'not_found');
  expectError(await srv.req('GET', '/api/v1/files/99999999', { session: clerk.session }), 404, 'not_found');
  expectError(await srv.req('DELETE', `/api/v1/files/${a.id}`, { session: clerk.session, csrf: false }), 403, 'csrf_failed');

  expectStatus(await srv.req('DELETE', `/api/v1/files/${a.id}`, { session: clerk.session }), 204);
  expectError(await srv.req('GET', `/api/v1/files/${a.id}`, { session: clerk.session }), 404);
  expectStatus(await srv.req('POST', `/api/v1/cases/${c.no}/accept`, { session: clerk.session, body: {} }), 200);
  expectError(await srv.req('DELETE', `/api/v1/files/${b.id}`, { session: clerk.session }), 409, 'invalid_state');
  assert.equal((await download(clerk, b.id)).status, 200);

  // the uploads and the delete are in the case's history
  const h = (await srv.req('GET', `/api/v1/cases/${c.no}`, { session: clerk.session })).json.history.map((e) => e.type);
  assert.deepEqual(h.filter((t) => t.startsWith('file.')), ['file.upload', 'file.upload', 'file.delete']);

  // the signed acceptance notice, scanned back
  const s = await upload(clerk, `/api/v1/cases/${c.no}/signed/accept`, '受理通知书（签收）.pdf', pdf());
  expectStatus(s, 201);
  expectError(await upload(clerk, `/api/v1/cases/${c.no}/signed/nonsense`, 'x.pdf', pdf()), 404);
});

test('a signed consultation notice', async () => {
  const q = await srv.req('POST', '/api/v1/consultations', {
    session: clerk.session,
    body: { item_id: item.id, applicant: { kind: 'person', name: '王五', phone: '13700000000' }, question: '需要哪些材料？', answer: '承诺书和身份证。' },
  });
  expectStatus(q, 201);
  const r = await upload(clerk, `/api/v1/consultations/${q.json.id}/signed`, '咨询回执.png',
    Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), randomBytes(100)]));
  expectStatus(r, 201);
  assert.equal(r.json.mime, 'image/png');
  assert.equal((await download(clerk, r.json.id)).status, 200);
  expectError(await srv.req('GET', `/api/v1/files/${r.json.id}`, { session: otherCenter.session }), 404);
  expectError(await upload(otherCenter, `/api/v1/consultations/${q.json.id}/signed`, 'x.png',
    Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), randomBytes(10)])), 404);
});

test('shenpi verify checks every attachment and names a missing one', async () => {
  const ok = await srv.cli(['verify']);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /个附件完好/);
  const r = await upload(clerk, materialPath(), 'gone.pdf', pdf());
  expectStatus(r, 201);
  const sha = r.json.sha256;
  if (BACKEND === 'sqlite') rmSync(path.join(path.dirname(srv.db.file), 'files', sha.slice(0, 2), sha.slice(2)));
  else await srv.db.sql(`DELETE FROM attachment_data WHERE sha256 = '${sha}'`);
  const bad = await srv.cli(['verify']);
  assert.notEqual(bad.code, 0, bad.out);
  assert.ok(bad.out.includes(sha), bad.out);
  expectError(await srv.req('GET', `/api/v1/files/${r.json.id}`, { session: clerk.session }), 500, 'internal');
});
