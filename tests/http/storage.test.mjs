// Storage faults (docs/reliability.md, "Storage faults"): when the disk is full or the
// database read-only, a write gets 503 storage_unavailable with a Chinese message, the server
// logs the cause, nothing of the request is stored, and reads go on; once the disk has room
// again the server writes again, without a restart.
//  SQLite      the database directory is a small tmpfs mounted by the test (root only; the
//              test is skipped, saying why, where mount is not allowed), filled to the last
//              page: applies, a transition and an upload; then the database file made
//              read-only for the server, which runs as `nobody`
//  PostgreSQL  the database set read-only (default_transaction_read_only), its sessions cut;
//              and a server of the test's own stopped and started again: 503 db_unavailable
//              meanwhile, reads too (the data are out of reach), and no restart of shenpi after
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { startServer, makeDb, expectError, expectStatus, run, BACKEND, BIN, ROOT } from './server.mjs';
import { idCard } from './ids.mjs';

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

const STORAGE_LOG = /"msg":"storage full or read-only"/;
let phones = 0;

/**
 * The demo's clerk (activated, or the one given: signed in on an earlier server of the same
 * database) and immediate item on a running server: {clerk, item, apply(), upload(kase, bytes)}.
 */
async function window(srv, clerk) {
  clerk ||= await srv.activate('510104ck01');
  const items = (await srv.req('GET', '/api/v1/items?size=100', { session: clerk.session })).json.items;
  const item = (await srv.req('GET', `/api/v1/items/${items.find((i) => i.code === 'SCJ-JB-001').id}`,
    { session: clerk.session })).json;
  return {
    clerk, item,
    /** Apply with a new phone number: {phone, res}. */
    async apply() {
      const phone = '137' + String(++phones).padStart(8, '0');
      const res = await srv.req('POST', '/api/v1/cases', { session: clerk.session, body: {
        item_id: item.id, applicant: { kind: 'person', name: '李四', id_no: idCard('510104', '19900101', '321'), phone },
        materials: item.materials.map((m) => ({ id: m.id, present: true })) } });
      return { phone, res };
    },
    /** Upload bytes as a PDF to the first material of case `kase`. */
    upload(kase, bytes) {
      const boundary = '----shenpi' + randomBytes(8).toString('hex');
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="申请书.pdf"\r\n` +
          'Content-Type: application/pdf\r\n\r\n'), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
      return srv.req('POST', `/api/v1/cases/${kase.no}/materials/${kase.materials[0].id}/files`, {
        session: clerk.session, body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
    },
  };
}

/** A window on srv, a case applied for and a file uploaded to it: {w, kase, up (the file)}. */
async function firstCase(srv) {
  const w = await window(srv);
  const a = await w.apply();
  expectStatus(a.res, 201);
  const up = await w.upload(a.res.json, pdf(5000));
  expectStatus(up, 201);
  return { w, kase: a.res.json, up: up.json };
}

/** A PDF of n bytes whose content differs from every other call's. */
function pdf(n) {
  const b = Buffer.alloc(n, 0x20);
  Buffer.from(`%PDF-1.4\n% ${randomBytes(8).toString('hex')}\n`).copy(b);
  Buffer.from('\n%%EOF\n').copy(b, n - 7);
  return b;
}

/** Rows of a query, each split on |. */
async function rows(db, sql) {
  return (await db.sql(sql)).trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}

/** What a refused write must leave: the cases with these phones absent, no event of theirs. */
async function nothingOf(db, phones) {
  const list = phones.map((p) => `'${p}'`).join(', ');
  assert.deepEqual(await rows(db, `SELECT no FROM cases WHERE applicant_phone IN (${list})`), [],
    'a refused apply left a case');
}

/** A 503 storage_unavailable with a Chinese message. */
function expectStorage(res) {
  expectError(res, 503, 'storage_unavailable');
}

/**
 * fn() again while it meets a PostgreSQL connection the database cut: each such connection
 * fails one request with 503 db_unavailable and reconnects for the next.
 */
async function settled(fn) {
  for (let i = 0; i < 30; i++) {
    const r = await fn();
    if (r.json?.error?.code !== 'db_unavailable') return r;
    expectError(r, 503, 'db_unavailable');
  }
  throw new Error('still db_unavailable after 30 tries');
}

/** The reads a user needs go on: the case, the case list, the file, who am I. */
async function readsWork(srv, w, kase, file) {
  const get = (p, session = w.clerk.session) => settled(() => srv.req('GET', p, { session }));
  expectStatus(await get(`/api/v1/cases/${kase.no}`), 200);
  const list = await get('/api/v1/cases?size=5');
  expectStatus(list, 200);
  assert.ok(list.json.total >= 1);
  expectStatus(await get('/api/v1/me'), 200);
  expectStatus(await get('/healthz', null), 200);
  if (file) {
    const r = await get(`/api/v1/files/${file.id}`);
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-length'), String(file.size));
  }
}

/** A tmpfs of `mb` megabytes on a new directory, unmounted at the end; null when mount is refused. */
async function tmpfs(mb) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-disk-'));
  const m = await run('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0755`, 'tmpfs', dir]);
  if (m.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `mount -t tmpfs refused (${m.out.trim()}): the full-disk test needs root` };
  }
  cleanup.push(async () => {
    await run('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

/** Write zeros to dir/filler until the file system has not a page left; its path. */
function fill(dir) {
  const f = path.join(dir, 'filler');
  const fd = openSync(f, 'w');
  for (const size of [1 << 20, 4096, 512]) {
    const chunk = Buffer.alloc(size);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      if (e.code !== 'ENOSPC') throw e;
    }
  }
  closeSync(fd);
  return f;
}

test('SQLite on a full disk: 503 storage_unavailable, nothing half-written, reads go on, writes again once there is room', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, async (t) => {
  const disk = await tmpfs(16);
  if (!disk.dir) return t.skip(disk.why);
  const db = await makeDb({ demo: true, dir: disk.dir });
  const srv = await startServer({ db });
  cleanup.push(async () => { if (!srv.exited()) srv.proc.kill('SIGKILL'); });
  const { w, kase, up } = await firstCase(srv);

  // the next request records the session's use, a write the full disk refuses
  await db.sql('UPDATE sessions SET seen_at = seen_at - 3600');
  const filler = fill(disk.dir);
  // SQLite may still find room in its write-ahead log for a few commits; then it fails
  const refused = [], stored = [];
  let res;
  for (let i = 0; i < 200; i++) {
    const r = await w.apply();
    if (r.res.status === 201) {
      stored.push(r.res.json.no);
      continue;
    }
    res = r.res;
    refused.push(r.phone);
    break;
  }
  assert.ok(res, `200 applies on a full disk all succeeded`);
  expectStorage(res);
  assert.match(srv.log(), STORAGE_LOG, 'the cause is logged');
  assert.match(srv.log(), /disk is full|No space left/);
  // more refused writes: applies, a transition, an upload
  for (let i = 0; i < 3; i++) {
    const r = await w.apply();
    expectStorage(r.res);
    refused.push(r.phone);
  }
  const events = (await rows(db, 'SELECT COUNT(*) FROM events'))[0][0];
  expectStorage(await srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} }));
  const files = (await rows(db, 'SELECT COUNT(*) FROM case_files'))[0][0];
  const big = pdf(300000);
  expectStorage(await w.upload(kase, big));
  await nothingOf(db, refused);
  assert.equal((await rows(db, `SELECT state FROM cases WHERE no = '${kase.no}'`))[0][0], 'applied');
  assert.equal((await rows(db, 'SELECT COUNT(*) FROM events'))[0][0], events, 'no event of a refused write');
  assert.equal((await rows(db, 'SELECT COUNT(*) FROM case_files'))[0][0], files, 'no row of a refused upload');
  await readsWork(srv, w, kase, up);

  // room for the database's rows, not for the file's bytes
  truncateSync(filler, statSync(filler).size - 200000);
  expectError(await w.upload(kase, big), 503, 'storage_unavailable', 'file');
  assert.match(srv.log(), /"msg":"file store".*No space left on device/);
  assert.equal((await rows(db, 'SELECT COUNT(*) FROM case_files'))[0][0], files, 'no row of a refused upload');
  assert.deepEqual(readdirSync(path.join(disk.dir, 'files'), { recursive: true }).filter((f) => /\.tmp-/.test(f)), [],
    'no half-written attachment');

  // room again: the same server writes
  unlinkSync(filler);
  const again = await w.apply();
  expectStatus(again.res, 201);
  expectStatus(await srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} }), 200);
  const up2 = await w.upload(again.res.json, big);
  expectStatus(up2, 201);
  await readsWork(srv, w, again.res.json, up2.json);
  for (const no of [...stored, again.res.json.no]) assert.equal((await rows(db, `SELECT COUNT(*) FROM cases WHERE no = '${no}'`))[0][0], '1');
  await srv.close();
  const v = await srv.cli(['verify']);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /数据库完整性检查通过；事件哈希链完整/);
  t.diagnostic(`full disk: ${stored.length} applies found room in the log, then ${refused.length} applies, a transition and an upload refused`);
});

test('SQLite database file read-only for the server: 503 storage_unavailable, reads go on', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, async (t) => {
  const nobody = { uid: 65534, gid: 65534 };
  if (process.getuid() !== 0) return t.skip('runs the server as nobody: needs root');
  const probe = spawnSync(BIN, ['--help'], { ...nobody, stdio: 'ignore' });
  if (probe.status !== 0) return t.skip(`nobody cannot run ${BIN} (${probe.error?.code || probe.status}): the server runs as nobody`);
  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-ro-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const db = await makeDb({ demo: true, dir });
  chownSync(dir, nobody.uid, nobody.gid);
  for (const f of readdirSync(dir)) chownSync(path.join(dir, f), nobody.uid, nobody.gid);
  let srv = await startServer({ db, ...nobody });
  cleanup.push(async () => { if (!srv.exited()) srv.proc.kill('SIGKILL'); });
  const { kase, up, ...first } = await firstCase(srv);
  let w = first.w;
  assert.deepEqual(await srv.stop(), { code: 0, signal: null });

  chmodSync(db.file, 0o444);
  srv = await startServer({ db, ...nobody });
  w = await window(srv, w.clerk);
  // signing in records a session: refused; the session from before goes on
  expectStorage(await srv.req('POST', '/api/v1/session', { body: { username: '510104ck01', password: w.clerk.password } }));
  await readsWork(srv, w, kase, up);
  const refused = [];
  for (let i = 0; i < 2; i++) {
    const r = await w.apply();
    expectStorage(r.res);
    refused.push(r.phone);
  }
  assert.match(srv.log(), STORAGE_LOG, 'the cause is logged');
  assert.match(srv.log(), /readonly database/);
  expectStorage(await srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} }));
  expectStorage(await w.upload(kase, pdf(6000)));
  await nothingOf(db, refused);
  assert.equal((await rows(db, `SELECT state FROM cases WHERE no = '${kase.no}'`))[0][0], 'applied');

  // writable again (SQLite made its -wal and -shm files as read-only as the database): the
  // same server writes
  for (const f of readdirSync(dir).filter((f) => f.startsWith('t.db'))) chmodSync(path.join(dir, f), 0o644);
  const again = await w.apply();
  expectStatus(again.res, 201);
  expectStatus(await srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} }), 200);
  const up2 = await w.upload(again.res.json, pdf(7000));
  expectStatus(up2, 201);
  await readsWork(srv, w, again.res.json, up2.json);
  await srv.close();
  const v = await srv.cli(['verify']);
  assert.equal(v.code, 0, v.out);
});

test('PostgreSQL database set read-only: 503 storage_unavailable, reads go on, writes again once it is writable', { skip: BACKEND !== 'pg' && 'PostgreSQL only' }, async () => {
  const db = await makeDb({ demo: true });
  const srv = await startServer({ db });
  cleanup.push(async () => { if (!srv.exited()) srv.proc.kill('SIGKILL'); await db.drop(); });
  const { w, kase, up } = await firstCase(srv);
  const name = new URL(db.url).pathname.slice(1);
  /** Set the database read-only or writable and cut its sessions (a setting applies to new ones). */
  async function readOnly(on) {
    const r = await run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', process.env.SHENPI_PG_URL, '-c',
      `ALTER DATABASE ${name} SET default_transaction_read_only = ${on ? 'on' : 'off'}`, '-c',
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`]);
    assert.equal(r.code, 0, r.out);
  }
  /** w.apply() through settled: {res, tried: the phones of every attempt}. */
  async function apply() {
    const tried = [];
    const res = await settled(async () => {
      const r = await w.apply();
      tried.push(r.phone);
      return r.res;
    });
    return { res, tried };
  }
  await readOnly(true);
  const refused = [];
  for (let i = 0; i < 3; i++) {
    const r = await apply();
    expectStorage(r.res);
    refused.push(...r.tried);
  }
  assert.match(srv.log(), STORAGE_LOG, 'the cause is logged');
  assert.match(srv.log(), /25006: cannot execute INSERT in a read-only transaction/);
  expectStorage(await settled(() => srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} })));
  expectStorage(await settled(() => w.upload(kase, pdf(6000))));
  await nothingOf(db, refused);
  assert.equal((await rows(db, `SELECT state FROM cases WHERE no = '${kase.no}'`))[0][0], 'applied');
  await readsWork(srv, w, kase, up);

  // writable again: the same server writes
  await readOnly(false);
  const again = await apply();
  expectStatus(again.res, 201);
  expectStatus(await settled(() => srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} })), 200);
  const up2 = await settled(() => w.upload(again.res.json, pdf(7000)));
  expectStatus(up2, 201);
  await readsWork(srv, w, again.res.json, up2.json);
  await srv.close();
  const v = await srv.cli(['verify']);
  assert.equal(v.code, 0, v.out);
});

test('PostgreSQL stopped under a running server: 503 db_unavailable, reads too; the server goes on once it is back', { skip: BACKEND !== 'pg' && 'PostgreSQL only' }, async (t) => {
  // a server of its own (scripts/pg.sh), which the other test files do not share
  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-pg-'));
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const pg = (...args) => run(path.join(ROOT, 'scripts/pg.sh'), [...args, dir, ...(args[0] === 'start' ? [String(port)] : [])], { timeout: 120000 });
  const started = await pg('start');
  if (started.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return t.skip(`scripts/pg.sh could not start a server of the test's own: ${started.stderr.trim().split('\n').pop()}`);
  }
  cleanup.push(async () => { await pg('stop'); rmSync(dir, { recursive: true, force: true }); });
  const db = await makeDb({ demo: true, pgUrl: started.stdout.trim() });
  const srv = await startServer({ db });
  cleanup.push(async () => { if (!srv.exited()) srv.proc.kill('SIGKILL'); });
  const { w, kase, up } = await firstCase(srv);

  assert.equal((await pg('stop')).code, 0);
  const down = (r) => expectError(r, 503, 'db_unavailable');
  down(await srv.req('GET', `/api/v1/cases/${kase.no}`, { session: w.clerk.session }));
  down(await srv.req('GET', '/api/v1/cases?size=5', { session: w.clerk.session }));
  down(await srv.req('GET', '/healthz'));
  const refused = [];
  for (let i = 0; i < 3; i++) {
    const r = await w.apply();
    down(r.res);
    refused.push(r.phone);
  }
  down(await srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} }));
  assert.match(srv.log(), /"msg":"database unavailable"/, 'the cause is logged');

  // back: the same server reads and writes
  assert.equal((await pg('start')).code, 0);
  await readsWork(srv, w, kase, up);
  const again = await settled(async () => (await w.apply()).res);
  expectStatus(again, 201);
  expectStatus(await settled(() => srv.req('POST', `/api/v1/cases/${kase.no}/accept`, { session: w.clerk.session, body: {} })), 200);
  await nothingOf(db, refused);
  await srv.close();
  const v = await srv.cli(['verify']);
  assert.equal(v.code, 0, v.out);
  await db.drop();
});
