// Harness for the HTTP tests: starts a real `shenpi serve` on 127.0.0.1 with a fresh
// database (SQLite in a temp dir, or a new PostgreSQL database), and gives the tests a
// small client (login, req), a CLI runner and raw SQL access (for tamper tests).
//
// Environment:
//   SHENPI_BIN      the binary (default bin/shenpi relative to the repo root)
//   SHENPI_TEST_DB  sqlite (default) | pg
//   SHENPI_PG_URL   with pg: base URL of a server where we may CREATE DATABASE,
//                   e.g. postgresql://postgres@127.0.0.1:54329/postgres
//   SHENPI_TEST_VERBOSE=1  echo the server's stderr

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import assert from 'node:assert/strict';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.SHENPI_BIN
  ? path.resolve(process.env.SHENPI_BIN)
  : path.join(ROOT, 'bin/shenpi');
export const BACKEND = process.env.SHENPI_TEST_DB || 'sqlite';
// Graphviz (flowcharts) leaks inside itself: the sanitized server runs with tests/lsan.supp
if (!process.env.LSAN_OPTIONS) {
  process.env.LSAN_OPTIONS = `suppressions=${path.join(ROOT, 'tests/lsan.supp')}:print_suppressions=0`;
}

export const INITIAL_PW = '888888';
export const ADMIN_PW = 'Admin2024pw';
export const COOKIE = 'shenpi_session';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HAS_CJK = /[\u4e00-\u9fff]/;

/** Run a program; resolves {code, signal, stdout, stderr, out} (out = stdout + stderr). */
export function run(cmd, args, { input, env, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('error', (e) => { clearTimeout(t); reject(e); });
    p.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr, out: stdout + stderr });
    });
    p.stdin.on('error', () => {});
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** Run `shenpi ARGS…`; when dbUrl is given, `--db URL` is appended. */
export function cli(args, { dbUrl, input, env } = {}) {
  return run(BIN, dbUrl ? [...args, '--db', dbUrl] : args, { input, env });
}

function pgUrlFor(base, dbname) {
  const u = new URL(base);
  u.pathname = '/' + dbname;
  return u.toString();
}

async function psql(url, sql) {
  const r = await run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', url, '-c', sql]);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * A fresh, initialised database. Returns {url, sql(text), drop()}; on SQLite also file, the
 * database file, in a new temporary directory or in `dir` (which drop() leaves). On
 * PostgreSQL a new database of the server at pgUrl (default SHENPI_PG_URL).
 */
export async function makeDb({ demo = false, dir, pgUrl = process.env.SHENPI_PG_URL } = {}) {
  let db;
  if (BACKEND === 'pg') {
    const base = pgUrl;
    if (!base) throw new Error('SHENPI_TEST_DB=pg needs SHENPI_PG_URL');
    const name = 'shenpi_t_' + randomBytes(6).toString('hex');
    await psql(base, `CREATE DATABASE ${name}`);
    const url = pgUrlFor(base, name);
    db = {
      url,
      // Tampering as an attacker with database access would: bypass any triggers.
      sql: (text) => psql(url, `SET session_replication_role = replica; ${text}`),
      drop: () => psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}),
    };
  } else if (BACKEND === 'sqlite') {
    const own = !dir;
    if (own) dir = mkdtempSync(path.join(tmpdir(), 'shenpi-http-'));
    const file = path.join(dir, 't.db');
    db = {
      url: 'sqlite:' + file,
      file,
      sql: async (text) => {
        const r = await run('sqlite3', ['-cmd', '.timeout 5000', file, text]);
        if (r.code !== 0 || /Error|error:/.test(r.stderr)) throw new Error(`sqlite3 failed: ${r.stderr}`);
        return r.stdout;
      },
      drop: async () => { if (own) rmSync(dir, { recursive: true, force: true }); },
    };
  } else {
    throw new Error(`SHENPI_TEST_DB must be sqlite or pg, not ${BACKEND}`);
  }
  let init;
  try {
    init = await cli(demo ? ['init', '--demo'] : ['init'], { dbUrl: db.url });
  } catch (e) {
    await db.drop();
    throw e;
  }
  if (init.code !== 0) {
    await db.drop();
    throw new Error(`shenpi init failed (${init.code}):\n${init.out}`);
  }
  db.initOutput = init.out;
  return db;
}

/** Parse the session cookie and its attributes out of a reply's Set-Cookie headers. */
export function sessionCookie(headers) {
  const all = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  for (const c of all) {
    const [pair, ...attrs] = c.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) !== COOKIE) continue;
    const a = {};
    for (const at of attrs) {
      const i = at.indexOf('=');
      if (i < 0) a[at.toLowerCase()] = true;
      else a[at.slice(0, i).toLowerCase()] = at.slice(i + 1);
    }
    return { value: pair.slice(eq + 1), attrs: a, raw: c };
  }
  return null;
}

/** A client bound to a base URL. */
export function client(base) {
  /**
   * req(method, path, {body, session, token, headers, csrf, raw})
   *  body: object → JSON; string/Buffer → sent as is (raw).
   *  session: {cookie, csrf} from login(); its csrf is sent on unsafe methods unless csrf:false
   *           (or csrf:'value' to send a given one).
   *  token: sent as Authorization: Bearer.
   * → {status, json, text, headers}
   */
  async function req(method, p, { body, session, token, headers = {}, csrf } = {}) {
    const h = { ...headers };
    let payload;
    if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
      else payload = JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
        h['Content-Type'] = 'application/json';
    }
    if (session) {
      h.Cookie = `${COOKIE}=${session.cookie}`;
      if (UNSAFE.has(method)) {
        if (typeof csrf === 'string') h['X-CSRF-Token'] = csrf;
        else if (csrf !== false && session.csrf) h['X-CSRF-Token'] = session.csrf;
      }
    }
    if (token) h.Authorization = `Bearer ${token}`;
    const res = await fetch(base + p, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** Log in; returns {cookie, csrf, user, res}. Throws unless 200. */
  async function login(username, password) {
    const res = await req('POST', '/api/v1/session', { body: { username, password } });
    if (res.status !== 200) {
      throw new Error(`login ${username} → ${res.status} ${res.text}`);
    }
    const c = sessionCookie(res.headers);
    if (!c) throw new Error(`login ${username}: no ${COOKIE} cookie`);
    return { cookie: c.value, csrf: res.json.csrf_token, user: res.json.user, res };
  }

  return { base, req, login };
}

/** Assert an error reply of the documented shape. */
export function expectError(res, status, code, field) {
  const ctx = `${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, `status, got ${ctx}`);
  assert.ok(res.json && res.json.error, `error body, got ${ctx}`);
  if (code !== undefined) {
    if (Array.isArray(code)) assert.ok(code.includes(res.json.error.code), `code in ${code}, got ${ctx}`);
    else assert.equal(res.json.error.code, code, `code, got ${ctx}`);
  }
  assert.equal(typeof res.json.error.message, 'string');
  assert.match(res.json.error.message, HAS_CJK, `Chinese message, got ${ctx}`);
  if (field !== undefined) {
    if (Array.isArray(field)) assert.ok(field.includes(res.json.error.field), `field in ${field}, got ${ctx}`);
    else assert.equal(res.json.error.field, field, `field, got ${ctx}`);
  }
}

export function expectStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text.slice(0, 400)}`);
}

/**
 * Start a server on a fresh database (or on db), with extra command-line args and extra
 * environment env, as user uid:gid when given. Returns an object with
 *  url, db (url, sql, drop), req, login, cli(args, opts), stop() → {code, signal},
 *  close() (stop if running, drop the database), log() (stderr so far),
 *  and fixtures: admin() (admin with changed password), newUser(adminSession, spec, pw),
 *  activate(username, pw), create(path, body, who), org() (two centers with units).
 * With logFile the server's stderr goes to that file, which this process reads only until
 * the server listens (and for log()): a benchmark's server then writes its log as to a file
 * in deployment, and no reader here wakes for every line.
 */
export async function startServer({ demo = false, db: givenDb, args = [], env, uid, gid, logFile } = {}) {
  const db = givenDb || (await makeDb({ demo }));
  const logFd = logFile ? openSync(logFile, 'w') : null;
  const proc = spawn(BIN, ['serve', '--db', db.url, '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', logFd ?? 'pipe'], env: { ...process.env, ...env }, uid, gid,
  });
  if (logFd !== null) closeSync(logFd);
  let stderr = '';
  let exited = null;
  const exitP = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
  });
  const port = await new Promise((resolve, reject) => {
    let pending = '';
    let poll = null;
    const timer = setTimeout(() => reject(new Error(`no "listening" log line in 20 s:\n${stderr}`)), 20000);
    const feed = (s) => {
      stderr += s;
      if (process.env.SHENPI_TEST_VERBOSE) process.stderr.write(s);
      pending += s;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const j = JSON.parse(line);
          if (j.msg === 'listening' && j.addr) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve(Number(String(j.addr).split(':').pop()));
          }
        } catch { /* not JSON */ }
      }
    };
    if (logFile) {
      poll = setInterval(() => feed(readFileSync(logFile, 'utf8').slice(stderr.length)), 20);
    } else {
      proc.stderr.on('data', (d) => feed(d.toString()));
    }
    proc.stdout.on('data', () => {});
    const fail = (e) => { clearTimeout(timer); clearInterval(poll); reject(e); };
    proc.on('error', fail);
    exitP.then((e) => {
      if (logFile) stderr = readFileSync(logFile, 'utf8');
      fail(new Error(`server exited ${JSON.stringify(e)} before listening:\n${stderr}`));
    });
  }).catch(async (e) => {
    if (!exited) proc.kill('SIGKILL');
    if (!givenDb) await db.drop();
    throw e;
  });

  const url = `http://127.0.0.1:${port}`;
  const c = client(url);
  let adminSession = null;

  const srv = {
    url, port, db, proc, ...c,
    log: () => (logFile ? readFileSync(logFile, 'utf8') : stderr),
    exited: () => exited,
    cli: (args, opts = {}) => cli(args, { dbUrl: db.url, ...opts }),
    /** SIGTERM and wait (at most `ms`); returns {code, signal}, or null on timeout. */
    async stop(ms = 15000) {
      if (exited) return exited;
      proc.kill('SIGTERM');
      let timer;
      const r = await Promise.race([exitP, new Promise((res) => { timer = setTimeout(() => res(null), ms); })]);
      clearTimeout(timer);
      return r;
    },
    /** Stop (asserting a clean exit 0) and drop the database. */
    async close() {
      try {
        const r = await srv.stop();
        if (!r) proc.kill('SIGKILL');
        assert.ok(r, 'server did not exit within 15 s of SIGTERM');
        assert.deepEqual(r, { code: 0, signal: null }, `server exit on SIGTERM:\n${srv.log().slice(-2000)}`);
      } finally {
        if (!givenDb) await db.drop();
      }
    },
    /** The sysadmin `admin`, its initial password changed to ADMIN_PW; cached. */
    async admin() {
      if (adminSession) {
        const me = await c.req('GET', '/api/v1/me', { session: adminSession });
        if (me.status === 200) return adminSession;
      }
      let s;
      try {
        s = await c.login('admin', ADMIN_PW);
      } catch {
        s = await c.login('admin', INITIAL_PW);
        const r = await c.req('POST', '/api/v1/session/password', {
          session: s, body: { old_password: INITIAL_PW, new_password: ADMIN_PW },
        });
        expectStatus(r, 200);
      }
      adminSession = s;
      return s;
    },
    /**
     * Create a user through the API as `by` (a session), log in with 888888, change the
     * password to `pw`; returns {user, session, password}.
     */
    async newUser(by, spec, pw = 'Passw0rd' + randomBytes(3).toString('hex')) {
      const r = await c.req('POST', '/api/v1/users', { session: by, body: spec });
      expectStatus(r, 201);
      return srv.activate(spec.username, pw);
    },
    /**
     * POST `body` to `p` as `who` (a session, or a user from newUser/activate; default the
     * admin), expecting 201; the reply's JSON.
     */
    async create(p, body, who) {
      const s = who ? who.session || who : await srv.admin();
      const r = await c.req('POST', p, { session: s, body });
      expectStatus(r, 201);
      return r.json;
    },
    /**
     * The organisation the catalog tests start from, created by the admin: regions 四川省
     * 510000 → 成都市 510100 → 锦江区 510104 and 青羊区 510105; centers jj (锦江区政务服务中心)
     * and qy (青羊区政务服务中心); units scj (锦江区市场监督管理局) and gaj (锦江区公安分局) in jj,
     * scj (青羊区市场监督管理局) in qy. The two jj units' default users are activated.
     * Returns {admin, jj, qy, scj, gaj, qyScj}: jj and qy as created; scj and gaj
     * {unit, user, session, password}; qyScj the qy unit's reply ({unit, default_user}).
     */
    async org() {
      const admin = await srv.admin();
      for (const [code, name] of [['510000', '四川省'], ['510100', '成都市'], ['510104', '锦江区'], ['510105', '青羊区']])
        await srv.create('/api/v1/regions', { code, name }, admin);
      const jj = await srv.create('/api/v1/centers', { region_code: '510104', name: '锦江区政务服务中心' }, admin);
      const qy = await srv.create('/api/v1/centers', { region_code: '510105', name: '青羊区政务服务中心' }, admin);
      const u1 = await srv.create('/api/v1/units', { center_id: jj.id, code: 'scj', name: '锦江区市场监督管理局' }, admin);
      const u2 = await srv.create('/api/v1/units', { center_id: jj.id, code: 'gaj', name: '锦江区公安分局' }, admin);
      const qyScj = await srv.create('/api/v1/units', { center_id: qy.id, code: 'scj', name: '青羊区市场监督管理局' }, admin);
      const scj = { unit: u1.unit, ...(await srv.activate(u1.default_user.username)) };
      const gaj = { unit: u2.unit, ...(await srv.activate(u2.default_user.username)) };
      return { admin, jj, qy, scj, gaj, qyScj };
    },
    /** Log in a user who still has 888888, change the password; {user, session, password}. */
    async activate(username, pw = 'Passw0rd' + randomBytes(3).toString('hex')) {
      const s = await c.login(username, INITIAL_PW);
      const r = await c.req('POST', '/api/v1/session/password', {
        session: s, body: { old_password: INITIAL_PW, new_password: pw },
      });
      expectStatus(r, 200);
      return { user: r.json.user, session: s, password: pw };
    },
  };
  return srv;
}

/**
 * Raw HTTP request with node:http, for bodies fetch cannot send the way we need (huge
 * bodies the server may refuse before reading). Resolves with the reply even if writing the
 * rest of the body fails after the server has answered.
 */
export function rawRequest(port, { method = 'POST', path: p, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    let done = false;
    const r = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        done = true;
        let json = null;
        try { json = JSON.parse(data); } catch { /* */ }
        resolve({ status: res.statusCode, text: data, json, headers: res.headers });
      });
      res.on('error', (e) => { if (!done) reject(e); });
    });
    r.on('error', (e) => {
      // EPIPE/ECONNRESET after the reply started arriving is fine.
      setTimeout(() => { if (!done) reject(e); }, 500);
    });
    if (body !== undefined) r.end(body);
    else r.end();
  });
}

/**
 * A request as a signed-in user `who` ({session}) over node:http with `agent` (keep-alive,
 * for load), with extra `headers`: no retries, unlike fetch. Resolves {status, json, text};
 * rejects when the connection fails or the reply is cut off.
 */
export function agentRequest(agent, base, who, method, p, body, headers = {}) {
  const payload = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(base + p, { method, agent, headers: {
      ...headers, Cookie: `${COOKIE}=${who.session.cookie}`, 'X-CSRF-Token': who.session.csrf,
      ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
    } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('reply cut off'));
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function uniq(prefix = 'u') {
  return prefix + randomBytes(4).toString('hex');
}
