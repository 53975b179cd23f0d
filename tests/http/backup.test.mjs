// `shenpi backup` and `shenpi restore` on SQLite: a backup taken while the server applies and
// accepts cases, restored into a new place and served: everything answered before the backup
// began is there and nothing answered after it ended, the event chain verifies, an attachment
// downloads with its bytes, a login works. And the refusals: an existing file, a missing
// directory, PostgreSQL (pg_dump, pg_restore), an existing target, a damaged backup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, cli, expectStatus, BACKEND, BIN } from './server.mjs';
import { idCard } from './ids.mjs';

const sqlite = BACKEND === 'sqlite';
const HAS_CJK = /[\u4e00-\u9fff]/;
let srv, clerk, item, dir;

before(async () => {
  srv = await startServer({ demo: true });
  clerk = await srv.activate('510104ck01');
  const items = (await srv.req('GET', '/api/v1/items?size=100', { session: clerk.session })).json.items;
  item = (await srv.req('GET', `/api/v1/items/${items.find((i) => i.code === 'SCJ-CN-001').id}`,
    { session: clerk.session })).json;
  dir = mkdtempSync(path.join(tmpdir(), 'shenpi-backup-'));
});
after(async () => {
  if (srv) await srv.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Apply a promised case and accept it; resolves {no, state, started, applied, done}: the
 *  state after acceptance; when the first request was sent, when the application and the
 *  acceptance were answered. */
async function applyAndAccept(s, on = srv) {
  const post = (p, body) => on.req('POST', p, { session: s, body });
  const started = Date.now();
  const r = await post('/api/v1/cases', {
    item_id: item.id,
    applicant: { kind: 'person', name: '张三', id_no: idCard('510104', '19850312', '123'), phone: '13800000001' },
    materials: item.materials.map((m) => ({ id: m.id, present: true })),
  });
  expectStatus(r, 201);
  const applied = Date.now();
  const a = await post(`/api/v1/cases/${r.json.no}/accept`, {});
  expectStatus(a, 200);
  return { no: r.json.no, state: a.json.state, started, applied, done: Date.now() };
}

/** A PDF whose bytes differ from every other call's. */
function pdf(n = 50000) {
  const b = Buffer.alloc(n, 0x20);
  Buffer.from(`%PDF-1.4\n% ${randomBytes(8).toString('hex')}\n`).copy(b);
  Buffer.from('\n%%EOF\n').copy(b, n - 7);
  return b;
}

async function upload(s, no, materialId, name, bytes) {
  const boundary = '----shenpi' + randomBytes(8).toString('hex');
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: application/pdf\r\n\r\n'),
    bytes, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const r = await srv.req('POST', `/api/v1/cases/${no}/materials/${materialId}/files`, {
    session: s, body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
  expectStatus(r, 201);
  return r.json;
}

/** Run `shenpi backup`, resolving {code, out, started, ended}. */
function backup(to, dbUrl = srv.db.url) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const p = spawn(BIN, ['backup', '--db', dbUrl, '--to', to], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, started, ended: Date.now() }));
  });
}

test('a backup taken under write load restores into a working, verified database', { skip: !sqlite && 'SQLite only' }, async () => {
  // a case with an attachment, before anything else
  const first = await applyAndAccept(clerk.session);
  const kase = (await srv.req('GET', `/api/v1/cases/${first.no}`, { session: clerk.session })).json;
  const bytes = pdf();
  const file = await upload(clerk.session, first.no, kase.materials[0].id, '营业执照.pdf', bytes);

  // four writers applying and accepting cases until told to stop
  const done = [];
  let stop = false;
  const writers = Array.from({ length: 4 }, async () => {
    while (!stop) done.push(await applyAndAccept(clerk.session));
  });
  while (done.length < 8) await new Promise((r) => setTimeout(r, 20));
  const to = path.join(dir, 'b1', 'shenpi.db');
  mkdirSync(path.dirname(to));
  const b = await backup(to);
  while (done.filter((c) => c.started > b.ended).length < 4) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(writers);
  assert.equal(b.code, 0, b.out);
  assert.match(b.out, /已备份到/);
  assert.ok(existsSync(to), 'the backup file is there');
  const inBackup = path.join(path.dirname(to), 'files', file.sha256.slice(0, 2), file.sha256.slice(2));
  assert.ok(statSync(inBackup).nlink >= 2, 'the attachment sits in files/ beside the backup, a hard link');
  const during = done.filter((c) => c.started < b.ended && c.done > b.started);
  assert.ok(during.length > 0, `the writers went on while the backup ran (${done.length} cases in all)`);

  // restore into a new place and serve it
  const target = path.join(dir, 'restored', 'shenpi.db');
  mkdirSync(path.dirname(target));
  const r = await cli(['restore', '--from', to, '--db', 'sqlite:' + target]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /事件哈希链完整/);
  const v = await cli(['verify', '--db', 'sqlite:' + target]);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /1 个附件完好/);

  const db = { url: 'sqlite:' + target, file: target, drop: async () => {} };
  const restored = await startServer({ db });
  try {
    // a login works: the clerk's password as changed before the backup
    const s = await restored.login('510104ck01', clerk.password);
    const state = async (no) => {
      const g = await restored.req('GET', `/api/v1/cases/${no}`, { session: s });
      return g.status === 200 ? g.json.state : g.status;
    };
    // every case answered before the backup began is there, as it was answered
    const before = [first, ...done].filter((c) => c.done < b.started);
    assert.ok(before.length >= 8);
    for (const c of before) assert.equal(await state(c.no), c.state, `case ${c.no}`);
    for (const c of done.filter((x) => x.applied < b.started && x.done >= b.started))
      assert.ok(['applied', c.state].includes(await state(c.no)), `case ${c.no} applied before the backup`);
    // and nothing begun after it ended
    const later = done.filter((c) => c.started > b.ended);
    assert.ok(later.length >= 4);
    for (const c of later) assert.equal(await state(c.no), 404, `case ${c.no} came after the backup`);
    // the attachment with its bytes
    const d = await fetch(`${restored.url}/api/v1/files/${file.id}`, { headers: { Cookie: `shenpi_session=${s.cookie}` } });
    assert.equal(d.status, 200);
    assert.ok(Buffer.from(await d.arrayBuffer()).equals(bytes), 'same bytes');
    // and it takes new work
    const next = await applyAndAccept(s, restored);
    assert.equal(await state(next.no), next.state);
  } finally {
    await restored.close();
  }
});

test('backup refuses an existing file and a missing directory; restore an existing target', { skip: !sqlite && 'SQLite only' }, async () => {
  const existing = path.join(dir, 'exists.db');
  writeFileSync(existing, 'keep me');
  const e = await backup(existing);
  assert.notEqual(e.code, 0);
  assert.match(e.out, /已存在/);
  assert.equal(readFileSync(existing, 'utf8'), 'keep me');

  const m = await backup(path.join(dir, 'no-such-dir', 'b.db'));
  assert.notEqual(m.code, 0);
  assert.match(m.out, /目录.*不存在/);
  assert.ok(!existsSync(path.join(dir, 'no-such-dir')));

  const to = path.join(dir, 'b2.db');
  assert.equal((await backup(to)).code, 0);
  const r = await cli(['restore', '--from', to, '--db', 'sqlite:' + existing]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /已存在/);
  assert.equal(readFileSync(existing, 'utf8'), 'keep me');
  const live = await cli(['restore', '--from', to, '--db', srv.db.url]);
  assert.notEqual(live.code, 0, 'not over the running server\'s database');
  assert.match(live.out, /已存在/);
});

test('restore refuses a backup whose attachment is damaged or missing', { skip: !sqlite && 'SQLite only' }, async () => {
  const kase = (await srv.req('GET', `/api/v1/cases/${(await applyAndAccept(clerk.session)).no}`, { session: clerk.session })).json;
  const f = await upload(clerk.session, kase.no, kase.materials[0].id, 'x.pdf', pdf());
  const bdir = path.join(dir, 'b3');
  mkdirSync(bdir);
  const to = path.join(bdir, 'shenpi.db');
  assert.equal((await backup(to)).code, 0);
  // the backup's own copy of the file, not the server's: on one file system it is a hard
  // link to the same bytes, so it is replaced, not written into
  const inBackup = path.join(bdir, 'files', f.sha256.slice(0, 2), f.sha256.slice(2));
  const good = readFileSync(inBackup);
  rmSync(inBackup);
  writeFileSync(inBackup, Buffer.concat([good.subarray(0, 100), Buffer.from('X'), good.subarray(101)]));

  const target = path.join(dir, 'r3.db');
  const r = await cli(['restore', '--from', to, '--db', 'sqlite:' + target]);
  assert.notEqual(r.code, 0, r.out);
  assert.ok(r.out.includes(f.sha256), `names the attachment: ${r.out}`);
  assert.ok(!existsSync(target), 'no database appears');
  const ok = await srv.cli(['verify']);
  assert.equal(ok.code, 0, `the server's file is untouched: ${ok.out}`);

  rmSync(inBackup);
  const gone = await cli(['restore', '--from', to, '--db', 'sqlite:' + target]);
  assert.notEqual(gone.code, 0, gone.out);
  assert.ok(gone.out.includes(f.sha256), `names the attachment: ${gone.out}`);
  assert.ok(!existsSync(target), 'no database appears');
});

// another file system: the attachments are copied
const shm = '/dev/shm';
const otherFs = sqlite && existsSync(shm) && statSync(shm).dev !== statSync(tmpdir()).dev;
test('a backup on another file system copies the attachments', { skip: !otherFs && 'needs SQLite and /dev/shm on its own file system' }, async () => {
  const kase = (await srv.req('GET', `/api/v1/cases/${(await applyAndAccept(clerk.session)).no}`, { session: clerk.session })).json;
  const bytes = pdf();
  const f = await upload(clerk.session, kase.no, kase.materials[0].id, 'y.pdf', bytes);
  const bdir = mkdtempSync(path.join(shm, 'shenpi-backup-'));
  try {
    const to = path.join(bdir, 'shenpi.db');
    const b = await backup(to);
    assert.equal(b.code, 0, b.out);
    const copy = path.join(bdir, 'files', f.sha256.slice(0, 2), f.sha256.slice(2));
    assert.equal(statSync(copy).nlink, 1, 'a copy, not a link');
    assert.ok(readFileSync(copy).equals(bytes));
    const v = await cli(['verify', '--db', 'sqlite:' + to]);
    assert.equal(v.code, 0, v.out);
  } finally {
    rmSync(bdir, { recursive: true, force: true });
  }
});

test('on PostgreSQL backup and restore point to pg_dump and pg_restore', async () => {
  const pg = BACKEND === 'pg' ? srv.db.url : 'postgresql://postgres@127.0.0.1:1/none';
  const to = path.join(dir, 'pg.db');
  const b = await backup(to, pg);
  assert.notEqual(b.code, 0);
  assert.match(b.out, /pg_dump/);
  assert.match(b.out, HAS_CJK);
  assert.ok(!existsSync(to));
  writeFileSync(to, 'not a backup');
  const r = await cli(['restore', '--from', to, '--db', pg]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /pg_restore/);
});
