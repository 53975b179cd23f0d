// Login, logout, forced password change, throttling, CSRF and API tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  startServer, expectError, expectStatus, sessionCookie, INITIAL_PW, ADMIN_PW, uniq,
} from './server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.close(); });

// Runs first: the fresh admin still has 888888.
test('admin with the initial password must change it before anything else works', async () => {
  const s = await srv.login('admin', INITIAL_PW);
  assert.equal(s.user.username, 'admin');
  assert.equal(s.user.must_change_password, true);
  assert.deepEqual(s.user.roles, ['sysadmin']);

  expectError(await srv.req('GET', '/api/v1/users', { session: s }), 403, 'password_change_required');
  expectError(await srv.req('GET', '/api/v1/regions', { session: s }), 403, 'password_change_required');
  const reg = await srv.req('POST', '/api/v1/regions', { session: s, body: { code: '510000', name: '四川省' } });
  expectError(reg, 403, 'password_change_required');

  const me = await srv.req('GET', '/api/v1/me', { session: s });
  expectStatus(me, 200);
  assert.equal(me.json.user.username, 'admin');
  assert.equal(me.json.user.must_change_password, true);
  assert.equal(me.json.csrf_token, s.csrf);

  // A second session of the same user, opened before the change.
  const other = await srv.login('admin', INITIAL_PW);

  for (const weak of ['abc12', '888888', 'abcdefghij', '1234567890', '88888888']) {
    const r = await srv.req('POST', '/api/v1/session/password', {
      session: s, body: { old_password: INITIAL_PW, new_password: weak },
    });
    expectError(r, 400, 'weak_password');
    assert.equal(r.json.error.message, '新密码至少8位，须同时包含字母和数字，且不能是初始密码');
  }
  const bad = await srv.req('POST', '/api/v1/session/password', {
    session: s, body: { old_password: '999999', new_password: ADMIN_PW },
  });
  expectError(bad, 400, 'bad_old_password');
  assert.equal(bad.json.error.message, '原密码不正确');
  // Still blocked: nothing changed.
  expectError(await srv.req('GET', '/api/v1/users', { session: s }), 403, 'password_change_required');

  const ok = await srv.req('POST', '/api/v1/session/password', {
    session: s, body: { old_password: INITIAL_PW, new_password: ADMIN_PW },
  });
  expectStatus(ok, 200);
  assert.equal(ok.json.user.must_change_password, false);

  // The changing session goes on and now may use the API.
  const users = await srv.req('GET', '/api/v1/users', { session: s });
  expectStatus(users, 200);
  assert.ok(Array.isArray(users.json.items));
  // The other session was ended.
  expectError(await srv.req('GET', '/api/v1/me', { session: other }), 401, 'session_expired');
  // Old password no longer works, new one does.
  expectError(await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: INITIAL_PW } }),
    401, 'bad_credentials');
  const again = await srv.login('admin', ADMIN_PW);
  assert.equal(again.user.must_change_password, false);
});

test('wrong password → 401 bad_credentials in Chinese; unknown user the same', async () => {
  const r = await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: 'nope12345' } });
  expectError(r, 401, 'bad_credentials');
  assert.equal(r.json.error.message, '用户名或密码错误');
  assert.equal(sessionCookie(r.headers), null, 'no session cookie on failure');

  const u = await srv.req('POST', '/api/v1/session', { body: { username: 'nosuchuser', password: 'nope12345' } });
  expectError(u, 401, 'bad_credentials');
  assert.equal(u.json.error.message, '用户名或密码错误');
});

test('login with a missing field → 400 invalid', async () => {
  const r = await srv.req('POST', '/api/v1/session', { body: { username: 'admin' } });
  expectError(r, 400, 'invalid', 'password');
});

test('right password → HttpOnly SameSite=Strict cookie and a csrf_token', async () => {
  const r = await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PW } });
  expectStatus(r, 200);
  const c = sessionCookie(r.headers);
  assert.ok(c, 'shenpi_session cookie set');
  assert.ok(c.value.length >= 16, 'cookie value is a long random token');
  assert.equal(c.attrs.httponly, true, `HttpOnly in ${c.raw}`);
  assert.equal(String(c.attrs.samesite).toLowerCase(), 'strict', `SameSite=Strict in ${c.raw}`);
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.ok(r.json.csrf_token.length >= 16);
  assert.notEqual(r.json.csrf_token, c.value, 'CSRF token is not the cookie');
  const u = r.json.user;
  assert.equal(u.username, 'admin');
  assert.equal(typeof u.id, 'number');
  assert.ok(!('password' in u) && !('password_hash' in u), 'no password material in User');

  // Two logins give two different sessions.
  const r2 = await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PW } });
  assert.notEqual(sessionCookie(r2.headers).value, c.value);
});

test('no cookie → 401 unauthenticated; unknown cookie → 401 session_expired', async () => {
  const r = await srv.req('GET', '/api/v1/me');
  expectError(r, 401, 'unauthenticated');
  assert.equal(r.json.error.message, '请先登录');
  expectError(await srv.req('GET', '/api/v1/users'), 401, 'unauthenticated');

  const bogus = { cookie: 'x'.repeat(43), csrf: 'y' };
  const e = await srv.req('GET', '/api/v1/me', { session: bogus });
  expectError(e, 401, 'session_expired');
  assert.equal(e.json.error.message, '登录已过期，请重新登录');
});

test('logout → 204 and the cookie no longer works', async () => {
  const s = await srv.login('admin', ADMIN_PW);
  expectStatus(await srv.req('GET', '/api/v1/me', { session: s }), 200);
  const out = await srv.req('DELETE', '/api/v1/session', { session: s });
  expectStatus(out, 204);
  expectError(await srv.req('GET', '/api/v1/me', { session: s }), 401, 'session_expired');
  expectError(await srv.req('GET', '/api/v1/regions', { session: s }), 401, 'session_expired');
});

test('a session id sent before login is never the one after (session fixation)', async () => {
  const admin = await srv.admin();
  const planted = 'f'.repeat(64);
  const r = await srv.req('POST', '/api/v1/session', { session: { cookie: planted }, body: { username: 'admin', password: ADMIN_PW } });
  expectStatus(r, 200);
  assert.notEqual(sessionCookie(r.headers).value, planted);
  expectError(await srv.req('GET', '/api/v1/me', { session: { cookie: planted } }), 401, 'session_expired');
  // An attacker's own live session planted in the victim's browser is not turned into the victim's.
  const attacker = await srv.newUser(admin, { username: uniq('fix'), name: '固定会话', roles: ['sysadmin'] });
  const v = await srv.req('POST', '/api/v1/session', { session: attacker.session, body: { username: 'admin', password: ADMIN_PW } });
  expectStatus(v, 200);
  assert.notEqual(sessionCookie(v.headers).value, attacker.session.cookie);
  const me = await srv.req('GET', '/api/v1/me', { session: attacker.session });
  expectStatus(me, 200);
  assert.equal(me.json.user.username, attacker.user.username);
});

test('a session ends after two idle hours, and at its expiry however busy → 401 session_expired', async () => {
  const age = (s, set) => srv.db.sql(
    `UPDATE sessions SET ${set} WHERE token_hash = '${createHash('sha256').update(s.cookie).digest('hex')}'`);
  const now = Math.floor(Date.now() / 1000);
  const [idle, busy, expiring] = [await srv.login('admin', ADMIN_PW), await srv.login('admin', ADMIN_PW), await srv.login('admin', ADMIN_PW)];
  await age(busy, `seen_at = ${now - 3600}`);
  await age(idle, `seen_at = ${now - 2 * 3600 - 60}`);
  await age(expiring, `expires_at = ${now - 1}`);
  expectStatus(await srv.req('GET', '/api/v1/me', { session: busy }), 200);
  expectError(await srv.req('GET', '/api/v1/me', { session: idle }), 401, 'session_expired');
  expectError(await srv.req('GET', '/api/v1/me', { session: expiring }), 401, 'session_expired');
});

test('a later password change also ends the user\'s other sessions, not the one that changed it', async () => {
  const admin = await srv.admin();
  const u = await srv.newUser(admin, { username: uniq('pw'), name: '改密用户', roles: ['sysadmin'] });
  const other = await srv.login(u.user.username, u.password);
  expectStatus(await srv.req('POST', '/api/v1/session/password', {
    session: u.session, body: { old_password: u.password, new_password: 'Changed' + u.password },
  }), 200);
  expectError(await srv.req('GET', '/api/v1/me', { session: other }), 401, 'session_expired');
  expectStatus(await srv.req('GET', '/api/v1/me', { session: u.session }), 200);
});

test('five failed logins → the sixth, even with the right password, is 429 login_throttled', async () => {
  const admin = await srv.admin();
  const name = uniq('thr');
  const { password } = await srv.newUser(admin, { username: name, name: '限流测试', roles: ['sysadmin'] });
  for (let i = 1; i <= 5; i++) {
    const r = await srv.req('POST', '/api/v1/session', { body: { username: name, password: 'Wrong' + i + 'xyz' } });
    expectError(r, 401, 'bad_credentials');
  }
  const r6 = await srv.req('POST', '/api/v1/session', { body: { username: name, password } });
  expectError(r6, 429, 'login_throttled');
  assert.equal(r6.json.error.message, '登录失败次数过多，请15分钟后再试');
  assert.equal(sessionCookie(r6.headers), null);
  // Other usernames are not throttled.
  expectStatus(await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PW } }), 200);
});

test('four failed logins do not throttle', async () => {
  const admin = await srv.admin();
  const name = uniq('thr');
  const { password } = await srv.newUser(admin, { username: name, name: '限流测试二', roles: ['sysadmin'] });
  for (let i = 1; i <= 4; i++) {
    expectError(await srv.req('POST', '/api/v1/session', { body: { username: name, password: 'Wrong' + i + 'xyz' } }),
      401, 'bad_credentials');
  }
  expectStatus(await srv.req('POST', '/api/v1/session', { body: { username: name, password } }), 200);
});

test('unsafe method with cookie but no or wrong X-CSRF-Token → 403 csrf_failed, nothing written', async () => {
  const s = await srv.admin();
  const r = await srv.req('POST', '/api/v1/regions', { session: s, csrf: false, body: { code: '520000', name: '贵州省' } });
  expectError(r, 403, 'csrf_failed');
  assert.equal(r.json.error.message, '请求校验失败，请刷新页面后重试');
  const w = await srv.req('POST', '/api/v1/regions', { session: s, csrf: 'not-the-token', body: { code: '520000', name: '贵州省' } });
  expectError(w, 403, 'csrf_failed');
  // Another session's token does not fit this session.
  const s2 = await srv.login('admin', ADMIN_PW);
  const x = await srv.req('POST', '/api/v1/regions', { session: s, csrf: s2.csrf, body: { code: '520000', name: '贵州省' } });
  expectError(x, 403, 'csrf_failed');

  const list = await srv.req('GET', '/api/v1/regions', { session: s });
  expectStatus(list, 200);
  assert.ok(!list.json.items.some((g) => g.code === '520000'), 'region not written');

  // Logout is unsafe too.
  expectError(await srv.req('DELETE', '/api/v1/session', { session: s2, csrf: false }), 403, 'csrf_failed');
  expectStatus(await srv.req('GET', '/api/v1/me', { session: s2 }), 200);

  // With the right token it works.
  const ok = await srv.req('POST', '/api/v1/regions', { session: s, body: { code: '520000', name: '贵州省' } });
  expectStatus(ok, 201);
});

test('API tokens: create, use as Bearer without CSRF, list without the value, revoke', async () => {
  const s = await srv.admin();
  const before = Math.floor(Date.now() / 1000);
  const c = await srv.req('POST', '/api/v1/tokens', { session: s, body: { name: '省平台对接', days: 30 } });
  expectStatus(c, 201);
  const { id, token, expires_at: exp } = c.json;
  assert.equal(c.json.name, '省平台对接');
  assert.match(token, /^sp_.{16,}/);
  assert.ok(Math.abs(exp - (before + 30 * 86400)) < 300, `expires_at ≈ now + 30 days, got ${exp}`);

  const me = await srv.req('GET', '/api/v1/me', { token });
  expectStatus(me, 200);
  assert.equal(me.json.user.username, 'admin');
  assert.ok(!('csrf_token' in me.json) || me.json.csrf_token == null, 'no csrf_token for Bearer');

  // Unsafe method with Bearer needs no CSRF header.
  const reg = await srv.req('POST', '/api/v1/regions', { token, body: { code: '530000', name: '云南省' } });
  expectStatus(reg, 201);

  const d = await srv.req('POST', '/api/v1/tokens', { session: s, body: { name: '默认期限' } });
  expectStatus(d, 201);
  assert.ok(Math.abs(d.json.expires_at - (before + 90 * 86400)) < 300, 'default 90 days');

  const list = await srv.req('GET', '/api/v1/tokens', { session: s });
  expectStatus(list, 200);
  const mine = list.json.items.find((t) => t.id === id);
  assert.ok(mine, 'token listed');
  assert.equal(mine.name, '省平台对接');
  assert.equal(mine.expires_at, exp);
  assert.ok(mine.last_used_at === null || typeof mine.last_used_at === 'number');
  assert.ok(typeof mine.last_used_at === 'number' && mine.last_used_at >= before, 'last_used_at set after use');
  assert.ok(!list.text.includes(token), 'token value never listed again');
  assert.ok(!list.text.includes(d.json.token), 'token value never listed again');

  const del = await srv.req('DELETE', `/api/v1/tokens/${id}`, { session: s });
  expectStatus(del, 204);
  expectError(await srv.req('GET', '/api/v1/me', { token }), 401, 'session_expired');
  const list2 = await srv.req('GET', '/api/v1/tokens', { session: s });
  assert.ok(!list2.json.items.some((t) => t.id === id), 'revoked token not listed');
  // The other token still works.
  expectStatus(await srv.req('GET', '/api/v1/me', { token: d.json.token }), 200);

  expectError(await srv.req('GET', '/api/v1/me', { token: 'sp_unknownunknownunknown' }), 401, 'session_expired');
});

test('token days outside 1–365 → 400 invalid days', async () => {
  const s = await srv.admin();
  for (const days of [0, 366, -1]) {
    expectError(await srv.req('POST', '/api/v1/tokens', { session: s, body: { name: 'x', days } }), 400, 'invalid', 'days');
  }
});

test('a user cannot see or revoke another user\'s tokens', async () => {
  const admin = await srv.admin();
  const other = await srv.newUser(admin, { username: uniq('tok'), name: '令牌用户', roles: ['sysadmin'] });
  const c = await srv.req('POST', '/api/v1/tokens', { session: admin, body: { name: 'admin的令牌' } });
  expectStatus(c, 201);
  const l = await srv.req('GET', '/api/v1/tokens', { session: other.session });
  expectStatus(l, 200);
  assert.ok(!l.json.items.some((t) => t.id === c.json.id));
  const d = await srv.req('DELETE', `/api/v1/tokens/${c.json.id}`, { session: other.session });
  assert.ok([403, 404].includes(d.status), `got ${d.status}`);
  expectStatus(await srv.req('GET', '/api/v1/me', { token: c.json.token }), 200);
});

test('parallel wrong guesses cannot slip past the limit: at most five are checked', async () => {
  const admin = await srv.admin();
  const name = uniq('par');
  await srv.newUser(admin, { username: name, name: '并发限流', roles: ['sysadmin'] });
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    srv.req('POST', '/api/v1/session', { body: { username: name, password: 'Guess' + i + 'abc' } })));
  assert.equal(rs.filter((r) => r.status === 401).length, 5, rs.map((r) => r.status).join(','));
  assert.equal(rs.filter((r) => r.status === 429).length, 15);
});

test('a login sent as a text/plain form (login CSRF) → 415, no cookie', async () => {
  const r = await srv.req('POST', '/api/v1/session', {
    headers: { 'Content-Type': 'text/plain' }, body: { username: 'admin', password: ADMIN_PW },
  });
  expectError(r, 415, 'unsupported_media_type');
  assert.equal(r.headers.get('set-cookie'), null);
});

test('a password change or reset also revokes the user\'s API tokens', async () => {
  const admin = await srv.admin();
  const name = uniq('tok');
  const u = await srv.newUser(admin, { username: name, name: '令牌用户', roles: ['sysadmin'] });
  const t = await srv.req('POST', '/api/v1/tokens', { session: u.session, body: { name: '集成' } });
  expectStatus(t, 201);
  const bearer = { Authorization: `Bearer ${t.json.token}` };
  expectStatus(await srv.req('GET', '/api/v1/me', { headers: bearer }), 200);
  expectStatus(await srv.req('POST', '/api/v1/session/password', {
    session: u.session, body: { old_password: u.password, new_password: 'Changed' + u.password },
  }), 200);
  expectError(await srv.req('GET', '/api/v1/me', { headers: bearer }), 401, 'session_expired');

  const t2 = await srv.req('POST', '/api/v1/tokens', { session: u.session, body: { name: '集成2' } });
  expectStatus(t2, 201);
  expectStatus(await srv.req('POST', `/api/v1/users/${u.user.id}/reset-password`, { session: admin }), 200);
  expectError(await srv.req('GET', '/api/v1/me', { headers: { Authorization: `Bearer ${t2.json.token}` } }),
    401, 'session_expired');
});
