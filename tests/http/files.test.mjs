// Files of cases over HTTP on the demo province: multipart uploads to a material, download
// byte-identical under the original (Chinese) name, the 3 MB cap, types judged by content,
// names reduced to their last part (paths, backslashes) or refused (a NUL, past the header's
// length), lies about the type, a zip bomb kept as its bytes, who may see and delete, signed
// notices, and `shenpi verify` finding a missing attachment. After every refusal nothing is
// stored: no row, no file; nothing is ever written but content named by its hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import zlib, { crc32 } from 'node:zlib';
import { startServer, expectError, expectStatus, rawRequest, BACKEND } from './server.mjs';
import { idCard } from './ids.mjs';
import { statusKB } from '../../bench/lifecycle-lib.mjs';

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

/** A multipart/form-data body with the file in field `file` (and a note field); the file
 *  part's Content-Type is `type`, whatever the bytes are. */
function form(filename, bytes, { field = 'file', star = false, type = 'application/octet-stream' } = {}) {
  const boundary = '----shenpi' + randomBytes(8).toString('hex');
  const disp = star
    ? `filename="x"; filename*=UTF-8''${encodeURIComponent(filename)}`
    : `filename="${filename}"`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n说明\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; ${disp}\r\n` +
      `Content-Type: ${type}\r\n\r\n`),
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
  const contents = BACKEND === 'sqlite' ? storeFiles().length : await n('attachment_data');
  return { rows: await n('case_files'), attachments: await n('attachments'), contents };
}

/** Every file below the SQLite database's directory, relative to it. */
function filesBesideDb() {
  const dir = path.dirname(srv.db.file);
  const walk = (d) => (existsSync(d) ? readdirSync(d).flatMap((e) => {
    const p = path.join(d, e);
    return statSync(p).isDirectory() ? walk(p) : [path.relative(dir, p)];
  }) : []);
  return walk(dir);
}
/** The files of the SQLite file store (files/ab/cdef…). */
const storeFiles = () => filesBesideDb().filter((f) => f.startsWith('files/'));

/** Nothing but content named by its hash has been written: beside the SQLite database only the
 *  database and its store, every stored file under files/ab/cdef… and at most 3 MB. */
function onlyContentByHash() {
  if (BACKEND !== 'sqlite') return;
  for (const f of filesBesideDb()) {
    assert.match(f, /^(t\.db(-wal|-shm|-lock)?|files\/[0-9a-f]{2}\/[0-9a-f]{62})$/, `unexpected file ${f}`);
    if (f.startsWith('files/')) assert.ok(statSync(path.join(path.dirname(srv.db.file), f)).size <= 3 * MB, f);
  }
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
  assert.equal(raw.json.error.message, '请求数据过大');
  // the same without a length (chunked): read up to the cap, refused alike
  const chunked = await rawRequest(srv.port, {
    path: materialPath(), body: f.body,
    headers: { 'Content-Type': f.type, 'Transfer-Encoding': 'chunked', Cookie: `shenpi_session=${clerk.session.cookie}`, 'X-CSRF-Token': clerk.session.csrf },
  });
  assert.equal(chunked.status, 413);
  assert.equal(chunked.json.error.code, 'body_too_large');
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

test('a name with a path is stored as its last part only; the content only under its hash', async () => {
  const before = await stored();
  const names = [
    // [as sent, sent as filename* (RFC 5987, percent-encoded) or as a quoted filename, stored as]
    ['../../etc/passwd.pdf', false, 'passwd.pdf'],
    ['../../../../../../etc/passwd', true, 'passwd.pdf'], // no extension: its type's is added
    ['/etc/passwd.pdf', false, 'passwd.pdf'],
    ['..\\..\\windows\\system32\\evil.pdf', true, 'evil.pdf'],
    ['C:\\Users\\张三\\桌面\\申请书.pdf', true, '申请书.pdf'],
    ['..', true, '未命名.pdf'],
    ['../', false, '未命名.pdf'],
    [' .hidden.pdf. ', true, 'hidden.pdf'],
    ['a<b>:c|d?e*"f.pdf', true, 'abcdef.pdf'],
    ['发票\u202E\u200Bfdp.pdf', true, '发票fdp.pdf'], // invisible: a right-to-left override, a zero-width space
  ];
  for (const [name, star, want] of names) {
    const r = await upload(clerk, materialPath(), name, pdf(), { star });
    expectStatus(r, 201);
    assert.equal(r.json.name, want, `${JSON.stringify(name)} is stored as ${want}`);
    const d = await download(clerk, r.json.id);
    assert.equal(decodeURIComponent(d.headers.get('content-disposition').split("UTF-8''")[1]), want);
  }
  // a quoted filename's backslashes escape the next character (RFC 7230 quoted-string): they
  // never survive as a path either
  const q = await upload(clerk, materialPath(), '..\\..\\evil.pdf', pdf());
  expectStatus(q, 201);
  assert.doesNotMatch(q.json.name, /[\\/]|^\./, q.json.name);
  const after = await stored();
  assert.equal(after.rows, before.rows + names.length + 1);
  onlyContentByHash();
});

test('a name with a NUL or longer than its header may be is refused; a long one is cut to 100 characters', async () => {
  const before = await stored();
  // a NUL: raw in the quoted name, or percent-encoded in filename*
  expectError(await upload(clerk, materialPath(), 'a\0.pdf', pdf()), 400, 'invalid', 'file');
  expectError(await upload(clerk, materialPath(), 'a\0.pdf', pdf(), { star: true }), 400, 'invalid', 'file');
  // a part's headers are at most 4096 bytes: 2000 Chinese characters are 18000 percent-encoded
  const huge = await upload(clerk, materialPath(), '审'.repeat(2000) + '.pdf', pdf(), { star: true });
  expectError(huge, 400, 'invalid', 'file');
  assert.match(huge.json.error.message, /头部过长/);
  assert.deepEqual(await stored(), before);

  const long = await upload(clerk, materialPath(), '营业执照'.repeat(100) + '.pdf', pdf(), { star: true });
  expectStatus(long, 201);
  assert.equal([...long.json.name].length, 100);
  assert.equal(long.json.name, '营业执照'.repeat(24) + '.pdf', 'the extension is kept');
  onlyContentByHash();
});

test('the type is judged by the bytes: executables and lies about the type are refused', async () => {
  const before = await stored();
  const pe = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), randomBytes(300)]);
  const script = Buffer.from('#!/bin/sh\nrm -rf /\n');
  // a Windows program named .pdf and sent as application/pdf; a script named .txt
  expectError(await upload(clerk, materialPath(), 'invoice.pdf', pe, { type: 'application/pdf' }), 400, 'file_type', 'file');
  expectError(await upload(clerk, materialPath(), 'invoice.exe', pe, { type: 'application/pdf' }), 400, 'file_type', 'file');
  expectError(await upload(clerk, materialPath(), 'readme.txt', script, { type: 'text/plain' }), 400, 'file_type', 'file');
  // a ZIP that is no office document, named .docx
  expectError(await upload(clerk, materialPath(), 'report.docx', zip([['evil.exe', pe]]),
    { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }), 400, 'file_type', 'file');
  // HTML named .pdf, and a PDF named .html
  expectError(await upload(clerk, materialPath(), 'a.pdf', Buffer.from('<html><script>alert(1)</script></html>'),
    { type: 'application/pdf' }), 400, 'file_type', 'file');
  const named = await upload(clerk, materialPath(), 'a.html', pdf(), { type: 'application/pdf' });
  expectError(named, 400, 'file_type', 'file');
  assert.match(named.json.error.message, /扩展名不符/);
  assert.deepEqual(await stored(), before);
  // a real PDF sent as a program is a PDF: the part's Content-Type is not believed
  const r = await upload(clerk, materialPath(), 'a.pdf', pdf(), { type: 'application/x-msdownload' });
  expectStatus(r, 201);
  assert.equal(r.json.mime, 'application/pdf');
  assert.equal((await download(clerk, r.json.id)).headers.get('x-content-type-options'), 'nosniff');
});

test('a zip bomb named .docx is stored as its bytes, never expanded', async () => {
  // word/document.xml expands to 256 MiB of zeros from about 250 KB
  const expanded = 256 * MB;
  const deflated = await deflateZeros(expanded);
  const bomb = zip([
    ['[Content_Types].xml', Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')],
    ['word/document.xml', { deflated, size: expanded, crc: crcZeros(expanded) }],
  ]);
  assert.ok(bomb.length < MB, `the bomb is ${bomb.length} bytes`);
  const hwm = statusKB(srv.proc.pid, 'VmHWM');
  const r = await upload(clerk, materialPath(), '报告.docx', bomb);
  expectStatus(r, 201);
  assert.equal(r.json.mime, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  assert.equal(r.json.size, bomb.length);
  assert.ok((await download(clerk, r.json.id)).bytes.equals(bomb), 'downloaded as uploaded');
  assert.ok(statusKB(srv.proc.pid, 'VmHWM') - hwm < 64 * 1024, 'the server did not expand it in memory');
  if (BACKEND === 'sqlite') {
    const sha = r.json.sha256;
    assert.equal(statSync(path.join(path.dirname(srv.db.file), 'files', sha.slice(0, 2), sha.slice(2))).size, bomb.length);
  } else {
    assert.equal(Number(await srv.db.sql(`SELECT octet_length(data) FROM attachment_data WHERE sha256 = '${r.json.sha256}'`)), bomb.length);
  }
  onlyContentByHash();
  // one over the cap is refused like any file over it
  const before = await stored();
  const big = zip([['[Content_Types].xml', Buffer.from('<Types/>')], ['word/document.xml', randomBytes(Math.round(3.1 * MB))]]);
  expectError(await upload(clerk, materialPath(), '大报告.docx', big), 413, 'material_too_large', 'file');
  assert.deepEqual(await stored(), before);
});

/** A ZIP archive of [name, content] entries: a Buffer is stored as it is; {deflated, size, crc}
 *  is an entry deflated elsewhere, of size bytes once inflated. */
function zip(entries) {
  const local = [], central = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const e = Buffer.isBuffer(content) ? { data: content, size: content.length, crc: crc32(content), method: 0 }
      : { data: content.deflated, size: content.size, crc: content.crc, method: 8 };
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt16LE(e.method, 8);
    h.writeUInt32LE(e.crc, 14); h.writeUInt32LE(e.data.length, 18); h.writeUInt32LE(e.size, 22); h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(20, 4); c.writeUInt16LE(20, 6); c.writeUInt16LE(e.method, 10);
    c.writeUInt32LE(e.crc, 16); c.writeUInt32LE(e.data.length, 20); c.writeUInt32LE(e.size, 24); c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    local.push(h, n, e.data);
    central.push(c, n);
    offset += h.length + n.length + e.data.length;
  }
  const cd = Buffer.concat(central), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, cd, end]);
}

/** n zero bytes deflated (raw, as in a ZIP), written a MiB at a time. */
async function deflateZeros(n) {
  const d = zlib.createDeflateRaw({ level: 9 }), out = [], mib = Buffer.alloc(MB);
  d.on('data', (b) => out.push(b));
  for (let left = n; left > 0; left -= MB) if (!d.write(left >= MB ? mib : mib.subarray(0, left))) await once(d, 'drain');
  d.end();
  await once(d, 'end');
  return Buffer.concat(out);
}
function crcZeros(n) {
  const mib = Buffer.alloc(MB);
  let crc = 0;
  for (let left = n; left > 0; left -= MB) crc = crc32(left >= MB ? mib : mib.subarray(0, left), crc);
  return crc;
}

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
