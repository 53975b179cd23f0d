// Graceful shutdown: SIGTERM lets a started request finish, then the server exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, ADMIN_PW } from './server.mjs';

const servers = [];
after(async () => {
  for (const s of servers) {
    if (!s.exited()) s.proc.kill('SIGKILL');
    await s.db.drop();
  }
});

function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
    sock.on('error', reject);
  });
}

/** Collect everything the server sends until it closes or `ms` pass. */
function readReply(sock, ms = 15000) {
  return new Promise((resolve) => {
    let data = '';
    const done = () => { clearTimeout(t); resolve(data); };
    const t = setTimeout(done, ms);
    sock.on('data', (d) => {
      data += d;
      // A complete reply with Content-Length is enough.
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(data);
      const h = data.indexOf('\r\n\r\n');
      if (m && h >= 0 && Buffer.byteLength(data.slice(h + 4)) >= Number(m[1])) done();
    });
    sock.on('end', done);
    sock.on('close', done);
    sock.on('error', done);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('SIGTERM while a request is half sent: the request completes, then exit 0', async () => {
  const srv = await startServer();
  servers.push(srv);
  await srv.admin(); // password changed, so the login below succeeds with ADMIN_PW
  const body = JSON.stringify({ username: 'admin', password: ADMIN_PW });
  const sock = await connect(srv.port);
  const reply = readReply(sock);
  sock.write(
    'POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` + body.slice(0, 10),
  );
  await sleep(300);
  srv.proc.kill('SIGTERM');
  await sleep(300);
  assert.equal(srv.exited(), null, 'server waits for the started request');
  sock.write(body.slice(10));
  const text = await reply;
  assert.match(text, /^HTTP\/1\.[01] 200 /, `the started request completes:\n${text.slice(0, 300)}`);
  assert.match(text, /"csrf_token"/);

  const r = await srv.stop(15000);
  assert.ok(r, 'exits within 15 s');
  assert.deepEqual(r, { code: 0, signal: null }, srv.log().slice(-2000));
});

test('SIGTERM with an idle keep-alive connection open: exit 0 promptly', async () => {
  const srv = await startServer();
  servers.push(srv);
  const sock = await connect(srv.port);
  const reply = readReply(sock, 5000);
  sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await sleep(300);
  const t0 = Date.now();
  const r = await srv.stop(10000);
  assert.ok(r, 'exits within 10 s despite the idle connection');
  assert.deepEqual(r, { code: 0, signal: null }, srv.log().slice(-2000));
  assert.ok(Date.now() - t0 < 10000);
  const text = await reply;
  assert.match(text, /^HTTP\/1\.1 200 /);
  sock.destroy();
});

test('the server logs JSON lines to stderr, including a shutdown', async () => {
  const srv = await startServer();
  servers.push(srv);
  await srv.req('GET', '/healthz');
  const r = await srv.stop();
  assert.deepEqual(r, { code: 0, signal: null });
  const lines = srv.log().split('\n').filter((l) => l.trim());
  assert.ok(lines.length >= 2);
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `JSON log line: ${l}`);
  assert.ok(lines.map((l) => JSON.parse(l)).some((j) => j.msg === 'listening'));
});
