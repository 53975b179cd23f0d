// The shell side: `shenpi --help`, `serve --help`, `user add/list/passwd`, and that what
// the CLI does is what the running server sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli, expectError, expectStatus, INITIAL_PW } from './server.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.admin();
});
after(async () => { if (srv) await srv.close(); });

const login = (username, password) => srv.req('POST', '/api/v1/session', { body: { username, password } });

test('shenpi --help and serve --help print usage and exit 0', async () => {
  const h = await cli(['--help']);
  assert.equal(h.code, 0, h.out);
  for (const w of ['serve', 'init', 'user', 'verify']) assert.ok(h.out.includes(w), `--help mentions ${w}:\n${h.out}`);
  const s = await cli(['serve', '--help']);
  assert.equal(s.code, 0, s.out);
  for (const w of ['--listen', '--db']) assert.ok(s.out.includes(w), `serve --help mentions ${w}:\n${s.out}`);
});

test('an unknown subcommand or flag exits non-zero with a message', async () => {
  const r = await cli(['frobnicate']);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.trim().length > 0, 'says something on stderr');
  const f = await cli(['serve', '--no-such-flag']);
  assert.notEqual(f.code, 0);
});

test('user add → listed, and logs in with 888888 which must be changed', async () => {
  const r = await srv.cli(['user', 'add', 'clitest', '--name', '张三', '--role', 'sysadmin']);
  assert.equal(r.code, 0, r.out);
  const l = await srv.cli(['user', 'list']);
  assert.equal(l.code, 0, l.out);
  const line = l.stdout.split('\n').find((x) => /\bclitest\b/.test(x));
  assert.ok(line, `list shows clitest:\n${l.stdout}`);
  assert.ok(line.includes('张三') && line.includes('sysadmin'), `with name and role: ${line}`);
  assert.ok(/\badmin\b/.test(l.stdout), 'and admin');

  const s = await login('clitest', INITIAL_PW);
  expectStatus(s, 200);
  assert.equal(s.json.user.name, '张三');
  assert.deepEqual(s.json.user.roles, ['sysadmin']);
  assert.equal(s.json.user.must_change_password, true);

  // The server sees it in its API too.
  const api = await srv.req('GET', '/api/v1/users?q=clitest', { session: admin });
  assert.equal(api.json.items.length, 1);
});

test('user add refuses duplicates, bad usernames, unknown roles and missing scope', async () => {
  const cases = [
    ['clitest', '--name', '重复', '--role', 'sysadmin'],
    ['x y', '--name', '空格', '--role', 'sysadmin'],
    ['badrole', '--name', '坏角色', '--role', 'emperor'],
    ['nosup', '--name', '无范围', '--role', 'supervisor'],
    ['noclerk', '--name', '无单位', '--role', 'clerk'],
    ['noname', '--role', 'sysadmin'],
  ];
  for (const c of cases) {
    const r = await srv.cli(['user', 'add', ...c]);
    assert.notEqual(r.code, 0, `user add ${c.join(' ')} must fail:\n${r.out}`);
    assert.ok(r.stderr.trim().length > 0, 'explains on stderr');
  }
  const l = await srv.cli(['user', 'list']);
  for (const n of ['badrole', 'nosup', 'noclerk', 'noname']) assert.ok(!new RegExp(`\\b${n}\\b`).test(l.stdout), `${n} not added`);
  assert.equal(l.stdout.split('\n').filter((x) => /\bclitest\b/.test(x)).length, 1);
});

test('user add with center, unit, scope and several roles', async () => {
  const post = (p, body) => srv.req('POST', p, { session: admin, body });
  for (const [code, name] of [['510000', '四川省'], ['510100', '成都市'], ['510104', '锦江区']]) {
    expectStatus(await post('/api/v1/regions', { code, name }), 201);
  }
  const c = await post('/api/v1/centers', { region_code: '510104', name: '成都市锦江区政务服务中心' });
  const u = await post('/api/v1/units', { center_id: c.json.id, code: 'scj', name: '锦江区市场监督管理局' });
  const unit = u.json.unit;

  const r = await srv.cli(['user', 'add', 'cli_clerk', '--name', '李四', '--role', 'clerk,handler',
    '--center', String(c.json.id), '--unit', String(unit.id), '--in-center']);
  assert.equal(r.code, 0, r.out);
  const s = await login('cli_clerk', INITIAL_PW);
  expectStatus(s, 200);
  assert.deepEqual([...s.json.user.roles].sort(), ['clerk', 'handler']);
  assert.equal(s.json.user.center_id, c.json.id);
  assert.equal(s.json.user.unit_id, unit.id);
  assert.equal(s.json.user.in_center, true);

  const v = await srv.cli(['user', 'add', 'cli_sup', '--name', '王五', '--role', 'supervisor', '--scope', '510100']);
  assert.equal(v.code, 0, v.out);
  const sv = await login('cli_sup', INITIAL_PW);
  assert.equal(sv.json.user.scope_region, '510100');
  assert.equal(sv.json.user.in_center, false);
});

test('user passwd reads the new password from stdin; --reset goes back to 888888', async () => {
  const r = await srv.cli(['user', 'passwd', 'clitest'], { input: 'Cli2024pass\n' });
  assert.equal(r.code, 0, r.out);
  const s = await login('clitest', 'Cli2024pass');
  expectStatus(s, 200);
  expectError(await login('clitest', INITIAL_PW), 401, 'bad_credentials');

  const w = await srv.cli(['user', 'passwd', 'clitest'], { input: 'weak\n' });
  assert.notEqual(w.code, 0, `weak password refused:\n${w.out}`);
  expectStatus(await login('clitest', 'Cli2024pass'), 200);

  const n = await srv.cli(['user', 'passwd', 'nosuchuser'], { input: 'Cli2024pass\n' });
  assert.notEqual(n.code, 0, 'unknown user');

  const x = await srv.cli(['user', 'passwd', 'clitest', '--reset']);
  assert.equal(x.code, 0, x.out);
  expectError(await login('clitest', 'Cli2024pass'), 401, 'bad_credentials');
  const s2 = await login('clitest', INITIAL_PW);
  expectStatus(s2, 200);
  assert.equal(s2.json.user.must_change_password, true);
});

test('SHENPI_DB is used when --db is not given', async () => {
  const l = await cli(['user', 'list'], { env: { SHENPI_DB: srv.db.url } });
  assert.equal(l.code, 0, l.out);
  assert.ok(/\bclitest\b/.test(l.stdout), l.stdout);
});

test('user passwd --reset ends the user\'s sessions, like the API reset', async () => {
  const r = await srv.cli(['user', 'passwd', 'cli_sup'], { input: 'Sup2024pass\n' });
  assert.equal(r.code, 0, r.out);
  const s = await srv.login('cli_sup', 'Sup2024pass');
  expectStatus(await srv.req('GET', '/api/v1/me', { session: s }), 200);
  const r2 = await srv.cli(['user', 'passwd', 'cli_sup', '--reset']);
  assert.equal(r2.code, 0, r2.out);
  expectError(await srv.req('GET', '/api/v1/me', { session: s }), 401, 'session_expired');
});
