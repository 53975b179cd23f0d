// Protocol edges: malformed JSON, oversized bodies, unknown routes, wrong methods,
// /healthz and /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectStatus, rawRequest, ADMIN_PW } from './server.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.admin();
});
after(async () => { if (srv) await srv.close(); });

test('malformed JSON → 400 bad_json', async () => {
  for (const body of ['{"username":', 'not json', '[1,2]', '"str"', '42', '{"a":1}}', '\xff\xfe']) {
    const r = await srv.req('POST', '/api/v1/session', { body });
    expectError(r, 400, 'bad_json');
    assert.equal(r.json.error.message, '请求数据不是有效的JSON');
  }
  const n0 = (await srv.req('GET', '/api/v1/regions', { session: admin })).json.items.length;
  const r = await srv.req('POST', '/api/v1/regions', { session: admin, body: '{"code":"510000","name":"四川' });
  expectError(r, 400, 'bad_json');
  assert.equal((await srv.req('GET', '/api/v1/regions', { session: admin })).json.items.length, n0);
});

test('an empty body where one is required → 400', async () => {
  const r = await srv.req('POST', '/api/v1/session', { body: '' });
  expectError(r, 400, ['bad_json', 'invalid']);
});

test('a 10 MB body → 413 body_too_large, and the server keeps serving', async () => {
  const big = '{"username":"' + 'a'.repeat(10 * 1024 * 1024) + '"}';
  const r = await rawRequest(srv.port, {
    path: '/api/v1/session',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) },
    body: big,
  });
  assert.equal(r.status, 413, `got ${r.status} ${r.text.slice(0, 200)}`);
  assert.equal(r.json?.error?.code, 'body_too_large');
  assert.equal(r.json.error.message, '请求数据过大');

  // Also when sent chunked (no Content-Length).
  const r2 = await rawRequest(srv.port, {
    path: '/api/v1/regions',
    headers: {
      'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked',
      Cookie: `shenpi_session=${admin.cookie}`, 'X-CSRF-Token': admin.csrf,
    },
    body: '{"code":"510000","name":"' + '川'.repeat(1024 * 1024) + '"}',
  });
  assert.equal(r2.status, 413, `chunked: got ${r2.status} ${r2.text.slice(0, 200)}`);
  assert.equal(r2.json?.error?.code, 'body_too_large');

  const h = await srv.req('GET', '/healthz');
  expectStatus(h, 200);
  expectStatus(await srv.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PW } }), 200);
  assert.ok(!(await srv.req('GET', '/api/v1/regions', { session: admin })).json.items.some((g) => g.code === '510000'));
});

test('a body just under 1 MiB is read (then refused for its content, not its size)', async () => {
  const name = 'a'.repeat(1024 * 1024 - 200);
  const r = await srv.req('POST', '/api/v1/regions', { session: admin, body: { code: '510000', name } });
  expectError(r, 400, 'invalid', 'name');
});

test('unknown route → 404 no_route', async () => {
  for (const p of ['/api/v1/nope', '/api/v1/users/1/nope', '/api/v2/users']) {
    const r = await srv.req('GET', p, { session: admin });
    expectError(r, 404, 'no_route');
    assert.equal(r.json.error.message, '接口不存在');
  }
  expectError(await srv.req('GET', '/api/v1/nope'), 404, 'no_route');
});

test('wrong method → 405 method_not_allowed', async () => {
  for (const [m, p] of [['PUT', '/api/v1/me'], ['DELETE', '/api/v1/regions'], ['PATCH', '/api/v1/users'], ['POST', '/api/v1/me']]) {
    const r = await srv.req(m, p, { session: admin, body: {} });
    expectError(r, 405, 'method_not_allowed');
    assert.equal(r.json.error.message, '不支持该请求方法');
  }
});

test('non-numeric id → a 400/404 error reply, not a crash', async () => {
  const r = await srv.req('GET', '/api/v1/users/abc', { session: admin });
  assert.ok([400, 404].includes(r.status), `got ${r.status}`);
  expectError(r, r.status);
  expectStatus(await srv.req('GET', '/healthz'), 200);
});

test('/healthz → 200 {"status":"ok"} without login', async () => {
  const r = await srv.req('GET', '/healthz');
  expectStatus(r, 200);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers.get('content-type') || '', /application\/json/);
});

test('/metrics → Prometheus text with shenpi_http_requests_total', async () => {
  const r = await srv.req('GET', '/metrics');
  expectStatus(r, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/plain/);
  assert.match(r.text, /^# TYPE shenpi_http_requests_total counter$/m);
  const samples = r.text.split('\n').filter((l) => l.startsWith('shenpi_http_requests_total'));
  assert.ok(samples.length > 0, 'has samples');
  for (const l of samples) assert.match(l, /^shenpi_http_requests_total(\{[^}]*\})? \d+(\.\d+)?(e\+?\d+)?$/);
  const sum = () => samples.reduce((a, l) => a + Number(l.split(' ').pop()), 0);
  const first = sum();
  assert.ok(first > 0);
  for (let i = 0; i < 5; i++) await srv.req('GET', '/healthz');
  const r2 = await srv.req('GET', '/metrics');
  const samples2 = r2.text.split('\n').filter((l) => l.startsWith('shenpi_http_requests_total'));
  const second = samples2.reduce((a, l) => a + Number(l.split(' ').pop()), 0);
  assert.ok(second >= first + 5, `counter grows: ${first} → ${second}`);
});

test('JSON replies are UTF-8 JSON', async () => {
  const r = await srv.req('GET', '/api/v1/me', { session: admin });
  expectStatus(r, 200);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  const e = await srv.req('GET', '/api/v1/me');
  assert.match(e.headers.get('content-type') || '', /^application\/json/);
});
