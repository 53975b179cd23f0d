// The event log: the feed a provincial platform pulls, its hash chain, and `shenpi verify`
// naming the event that was edited (also with its hash recomputed) or deleted, on either backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, expectError, expectStatus } from './server.mjs';

let srv, admin, adminId;
const ZERO = '0'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

before(async () => {
  srv = await startServer();
  admin = await srv.admin();
  adminId = admin.user.id;
  const post = (p, body) => srv.req('POST', p, { session: admin, body });
  for (const [code, name] of [['510000', '四川省'], ['510100', '成都市'], ['510104', '锦江区']]) {
    expectStatus(await post('/api/v1/regions', { code, name }), 201);
  }
  const c = await post('/api/v1/centers', { region_code: '510104', name: '成都市锦江区政务服务中心' });
  expectStatus(c, 201);
  const u = await post('/api/v1/units', { center_id: c.json.id, code: 'scj', name: '锦江区市场监督管理局' });
  expectStatus(u, 201);
  const us = await post('/api/v1/users', { username: 'zhangsan', name: '张三', roles: ['center_admin'], center_id: c.json.id });
  expectStatus(us, 201);
  expectStatus(await srv.req('PUT', `/api/v1/users/${us.json.id}`, { session: admin, body: { name: '张叁' } }), 200);
});
after(async () => { if (srv) await srv.close(); });

async function feed(q) {
  const r = await srv.req('GET', '/api/v1/events' + q, { session: admin });
  expectStatus(r, 200);
  return r.json;
}

test('GET /events?after=0 lists the changes with a hash chain', async () => {
  const f = await feed('?after=0');
  const ev = f.items;
  assert.ok(ev.length >= 7, `at least 7 events (3 regions, center, unit, user, edit), got ${ev.length}`);
  assert.equal(ev[0].prev_hash, ZERO, 'first prev_hash is 64 zeros');
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i];
    assert.equal(typeof e.seq, 'number');
    assert.match(e.hash, HEX64);
    assert.match(e.prev_hash, HEX64);
    assert.equal(typeof e.type, 'string');
    assert.ok(e.payload !== null && typeof e.payload === 'object', 'payload is an object');
    assert.ok(Number.isInteger(e.at) && Math.abs(e.at - Date.now() / 1000) < 600, 'at is Unix seconds');
    if (i > 0) {
      assert.ok(e.seq > ev[i - 1].seq, 'seq increases');
      assert.equal(e.prev_hash, ev[i - 1].hash, `prev_hash of seq ${e.seq} is the hash of seq ${ev[i - 1].seq}`);
    }
  }
  assert.equal(new Set(ev.map((e) => e.hash)).size, ev.length, 'hashes differ');
  assert.equal(f.next_after, ev[ev.length - 1].seq);

  const uc = ev.find((e) => e.type === 'user.create' && JSON.stringify(e.payload).includes('zhangsan'));
  assert.ok(uc, `a user.create event for zhangsan among ${ev.map((e) => e.type)}`);
  assert.equal(uc.actor_id, adminId);
  assert.equal(typeof uc.center_id, 'number');
  assert.equal(uc.case_id, null);
  assert.ok(!/888888|argon2/.test(JSON.stringify(ev)), 'no password material in events');
});

test('the feed pages with after and size, and next_after continues it', async () => {
  const all = (await feed('?after=0&size=1000')).items;
  const got = [];
  let after = 0;
  for (let i = 0; i < 100; i++) {
    const f = await feed(`?after=${after}&size=2`);
    assert.ok(f.items.length <= 2);
    if (f.items.length === 0) {
      assert.equal(f.next_after, after, 'empty page keeps next_after');
      break;
    }
    assert.ok(f.items.every((e) => e.seq > after));
    got.push(...f.items);
    after = f.next_after;
  }
  assert.deepEqual(got.map((e) => e.seq), all.map((e) => e.seq));
  const tail = await feed(`?after=${all[all.length - 1].seq}`);
  assert.deepEqual(tail.items, []);
});

test('a failed request appends no event', async () => {
  const n = (await feed('?after=0&size=1000')).items.length;
  expectError(await srv.req('POST', '/api/v1/regions', { session: admin, body: { code: '510000', name: '重复' } }), 409, 'duplicate');
  expectError(await srv.req('POST', '/api/v1/users', { session: admin, body: { username: 'zhangsan', name: '重复', roles: ['sysadmin'] } }),
    409, 'duplicate');
  expectError(await srv.req('POST', '/api/v1/regions', { session: admin, body: { code: '51', name: '坏' } }), 400, 'invalid_region_code');
  assert.equal((await feed('?after=0&size=1000')).items.length, n);
});

test('the feed needs login', async () => {
  expectError(await srv.req('GET', '/api/v1/events?after=0'), 401, 'unauthenticated');
});

// Tampering as an attacker who can write to the database would, with the sqlite3 or psql CLI
// (server.mjs: on PostgreSQL past any trigger), dropping any guard trigger on SQLite first.
async function tamper(sql) {
  if (srv.db.url.startsWith('sqlite:')) {
    const trig = (await srv.db.sql("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='events'"))
      .split('\n').map((s) => s.trim()).filter(Boolean);
    sql = trig.map((t) => `DROP TRIGGER "${t}";`).join(' ') + ' ' + sql;
  }
  await srv.db.sql(sql);
}
const quote = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

/** Event seq as stored: the feed's fields, the payload's text exactly as in its row. */
async function stored(seq) {
  const e = (await feed(`?after=${seq - 1}&size=1`)).items[0];
  assert.equal(e?.seq, seq, `event ${seq} exists`);
  return { ...e, payload: (await srv.db.sql(`SELECT payload FROM events WHERE seq = ${seq}`)).replace(/\n$/, '') };
}

/** The hash of an event as event.c computes it, which anybody reading the source can do too. */
const hashOf = (e, payload = e.payload) => createHash('sha256').update(
  [e.prev_hash, e.seq, e.at, e.center_id ?? '', e.actor_id ?? '', e.case_id ?? '', e.type, payload].join('|')).digest('hex');

async function expectIntact() {
  const ok = await srv.cli(['verify']);
  assert.equal(ok.code, 0, `verify on an intact database:\n${ok.out}`);
  assert.match(ok.out, /事件哈希链完整/, `says the chain is intact:\n${ok.out}`);
}

/** shenpi verify fails and names event seq (and no other). */
async function expectNamed(seq) {
  const bad = await srv.cli(['verify']);
  assert.equal(bad.code, 1, `verify must fail after tampering:\n${bad.out}`);
  assert.match(bad.out, /事件哈希链校验失败/, bad.out);
  assert.deepEqual([...bad.out.matchAll(/seq=(\d+)/g)].map((m) => Number(m[1])), [seq], `names seq ${seq} only:\n${bad.out}`);
}

test('shenpi verify names the event whose payload was edited', async () => {
  await expectIntact();
  const e = await stored(3);
  await tamper(`UPDATE events SET payload = '{"tampered":true}' WHERE seq = 3`);
  await expectNamed(3);
  await tamper(`UPDATE events SET payload = ${quote(e.payload)} WHERE seq = 3`);
  await expectIntact();
});

test('shenpi verify names the event edited with its own hash recomputed', async () => {
  const e = await stored(4);
  assert.equal(hashOf(e), e.hash, 'the attacker recomputes the hash right');
  const forged = e.payload.replace('}', ',"forged":1}');
  await tamper(`UPDATE events SET payload = ${quote(forged)}, hash = '${hashOf(e, forged)}' WHERE seq = 4`);
  await expectNamed(4);
  await tamper(`UPDATE events SET payload = ${quote(e.payload)}, hash = '${e.hash}' WHERE seq = 4`);
  await expectIntact();
});

test('shenpi verify names a deleted event, in the middle and at the end', async () => {
  const all = (await feed('?after=0&size=1000')).items;
  const last = all.at(-1).seq;
  for (const seq of [5, last]) {
    const e = await stored(seq);
    await tamper(`DELETE FROM events WHERE seq = ${seq}`);
    await expectNamed(seq);
    await tamper('INSERT INTO events (seq, at, center_id, actor_id, case_id, type, payload, prev_hash, hash) VALUES (' +
      [e.seq, e.at, e.center_id, e.actor_id, e.case_id, e.type, e.payload, e.prev_hash, e.hash].map(quote).join(', ') + ')');
    await expectIntact();
  }
});
