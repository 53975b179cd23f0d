// Every route of src/api/routes.c, read from its table, called by nobody and by each role of
// the center and unit that own the object (成都市锦江区, 市场监督管理局), of another unit of that
// center and of another center: a role the route is not for is refused (401 / 403), a role it
// is for but outside the object's scope gets the route's documented 403 or 404, one in scope
// gets through (a 400 for a body left out, or a 409, is fine), and what another center reads
// shows nothing of the own center's. A route without an entry in FIXTURES, or whose roles
// differ from the entry's, fails the test: a new route cannot be left out, nor a route widened
// unnoticed. Unsafe routes also refuse a cookie session without its CSRF token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, expectStatus, ROOT, ADMIN_PW } from './server.mjs';
import { idCard } from './ids.mjs';

// ---- the route table, as routes.c has it ----
const src = readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8');
const defines = Object.fromEntries([...src.matchAll(/#define (\w+) \(([^)]*)\)/g)].map((m) => [m[1], m[2]]));
const rolesOf = (expr) => expr.split('|').map((t) => t.trim()).flatMap((t) =>
  (defines[t] ? rolesOf(defines[t]) : [t.replace(/^ROLE_/, '').toLowerCase()]));
const ROUTES = [...src.matchAll(/\{"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*([^,]+?),\s*([^}]+?)\}/g)].map((m) => ({
  key: `${m[1]} ${m[2]}`, method: m[1], pattern: m[2],
  roles: m[3].trim() === '0' ? null : rolesOf(m[3]), // null: every signed-in user
  public: /\bR_PUBLIC\b/.test(m[4]),
}));
const ROLES = ['clerk', 'handler', 'unit_admin', 'center_admin', 'supervisor', 'sysadmin'];

// ---- who calls: each role of the object's center and unit ("own"), the unit roles of another
// unit of that center ("other unit"), and each role of another center ("other center") ----
// own: 510104 (the objects' center) and its unit scj, supervisor jc510100 (its city); other
// unit: 510104's zjj; other center: 510107 (a sister center in the same city) and a
// supervisor of 510700 (another city). A sysadmin reaches everything, so there is one.
const ACTORS = [
  ...[['clerk', '510104ck01'], ['handler', '510104scj01'], ['unit_admin', 'mx_ua104'],
    ['center_admin', '510104admin'], ['supervisor', 'jc510100'], ['sysadmin', 'admin']]
    .map(([role, username]) => ({ role, username, at: 'own' })),
  ...[['clerk', 'mx_ck104z'], ['handler', 'mx_h104z'], ['unit_admin', 'mx_ua104z']]
    .map(([role, username]) => ({ role, username, at: 'other unit' })),
  ...[['clerk', '510107ck01'], ['handler', '510107scj01'], ['unit_admin', 'mx_ua107'],
    ['center_admin', '510107admin'], ['supervisor', 'mx_jc510700']]
    .map(([role, username]) => ({ role, username, at: 'other center' })),
];
const label = (a) => (a ? `${a.role} (${a.at})` : 'anonymous');

// Who a route is for, as this test expects it: a change of a route's roles in routes.c fails
// the test until it is made here too, so a route cannot be widened by accident.
const PUBLIC = 'public', ANY = null, SYS = ['sysadmin'], ADMINS = ['sysadmin', 'center_admin'];
const CATALOG = [...ADMINS, 'unit_admin'], WINDOW = ['clerk', 'handler'];

// ---- who is in scope of a route's object, by family ----
const any = () => true;                           // every caller reaches their own data
const center = (a) => a.at !== 'other center';    // the center's records (a sysadmin is "own")
const unit = (a) => a.at === 'own';               // the unit's records
const window_ = (a) => unit(a) && WINDOW.includes(a.role);       // acts at the case's window
const centerWindow = (a) => center(a) && WINDOW.includes(a.role);
const unitStaff = (a) => window_(a) || (unit(a) && a.role === 'unit_admin');
// Refused: a case's record the caller can see (an overview) but not act on is 403; one of a
// center the caller cannot see at all 404, as if it did not exist.
const hidden = (a) => (a.at === 'other center' ? 404 : 403);

const inDays = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
const applicant = { kind: 'person', name: '钱七', id_no: idCard('510104', '19800101', '321'), phone: '13500000000' };
const OWN = /.{0,40}(510104|锦江).{0,40}/; // a trace of the own center (code, name, numbers, usernames)
const DAY = '2030-01-02', MATERIAL_FILES = '/api/v1/cases/:caseNo/materials/:material/files';

let srv, o; // o: the objects of center 510104 the routes are called on
// A one-file multipart body (a tiny PDF).
function pdfForm() {
  const boundary = '----shenpi' + randomBytes(8).toString('hex');
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n% test\n%%EOF\n'),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } };
}
const upload = (who, p) => srv.req('POST', p, { session: who.session, ...pdfForm() });
// A fixture's path with its `:name`s filled in from the objects.
const fill = (p) => p.replace(/:(\w+)/g, (_, k) => o[k] ?? assert.fail(`no object ${k}`));
const as = (role) => ACTORS.find((a) => a.at === 'own' && a.role === role);

/*
 * One entry per route: its roles (above), path (the route's pattern with this test's objects,
 * `:name` standing for o.name), body, and who of those roles is in scope (`in`, default
 * everybody); `out` is the documented answer to one outside it (a status, or a function of the
 * actor; default 403); `shared` when what it answers is the same for every center. `prep(actor)`
 * runs before each call and may return {path, session} to use instead, for calls that use
 * something up.
 */
const FIXTURES = {
  'POST /api/v1/session': { roles: PUBLIC, path: '/api/v1/session', body: {} },
  'DELETE /api/v1/session': { roles: ANY, path: '/api/v1/session', prep: async (a) => ({ session: await srv.login(a.username, a.password) }) },
  'GET /api/v1/me': { roles: ANY, path: '/api/v1/me' },
  'POST /api/v1/session/password': { roles: ANY, path: '/api/v1/session/password', body: {} },
  'POST /api/v1/tokens': { roles: ANY, path: '/api/v1/tokens', body: { name: '矩阵测试' } },
  'GET /api/v1/tokens': { roles: ANY, path: '/api/v1/tokens' },
  'DELETE /api/v1/tokens/{id}': {
    roles: ANY, path: '/api/v1/tokens/1', // each caller's own, made for the call
    prep: async (a) => {
      const t = await srv.req('POST', '/api/v1/tokens', { session: a.session, body: { name: '待删' } });
      expectStatus(t, 201);
      return { path: `/api/v1/tokens/${t.json.id}` };
    },
  },

  'GET /api/v1/regions': { roles: ANY, path: '/api/v1/regions', shared: true },
  'POST /api/v1/regions': { roles: SYS, path: '/api/v1/regions', body: {} },
  'PUT /api/v1/regions/{code}': { roles: SYS, path: '/api/v1/regions/510104', body: { name: '锦江区' } },
  'GET /api/v1/centers': { roles: ANY, path: '/api/v1/centers' },
  'POST /api/v1/centers': { roles: SYS, path: '/api/v1/centers', body: {} },
  'GET /api/v1/centers/{id}': { roles: ANY, path: '/api/v1/centers/:center', in: center },
  'PUT /api/v1/centers/{id}': { roles: ADMINS, path: '/api/v1/centers/:center', body: { phone: '028-86668888' }, in: center },
  'GET /api/v1/units': { roles: ANY, path: '/api/v1/units' },
  'POST /api/v1/units': { roles: ADMINS, path: '/api/v1/units', body: () => ({ center_id: o.center, code: 'mx', name: '矩阵测试局' }), in: center },
  'GET /api/v1/units/{id}': { roles: ANY, path: '/api/v1/units/:unit', in: center },
  'PUT /api/v1/units/{id}': { roles: ADMINS, path: '/api/v1/units/:unit', body: () => ({ name: o.unitName }), in: center },

  'GET /api/v1/users': { roles: [...ADMINS, 'unit_admin', 'supervisor'], path: '/api/v1/users' },
  'POST /api/v1/users': {
    roles: ADMINS, path: '/api/v1/users', in: center,
    body: () => ({ username: 'mx_new', name: '矩阵新用户', roles: ['clerk'], center_id: o.center, unit_id: o.unit }),
  },
  'GET /api/v1/users/{id}': { roles: [...ADMINS, 'unit_admin', 'supervisor'], path: '/api/v1/users/:victim', in: unit },
  'PUT /api/v1/users/{id}': { roles: ADMINS, path: '/api/v1/users/:victim', body: { name: '矩阵用户' }, in: center },
  'POST /api/v1/users/{id}/reset-password': { roles: ADMINS, path: '/api/v1/users/:victim/reset-password', in: center },

  'GET /api/v1/items': { roles: ANY, path: '/api/v1/items' },
  'POST /api/v1/items': {
    roles: CATALOG, path: '/api/v1/items', in: unit,
    body: () => ({ unit_id: o.unit, code: 'MX-001', name: '矩阵测试事项', kind: 'immediate', statutory_days: 1 }),
  },
  'GET /api/v1/items/export.xlsx': { roles: ANY, path: '/api/v1/items/export.xlsx' },
  'POST /api/v1/items/import': { roles: CATALOG, path: '/api/v1/items/import', body: () => ({ center_id: o.center, csv: '' }), in: center },
  'GET /api/v1/items/{id}': { roles: ANY, path: '/api/v1/items/:item', in: center },
  'PUT /api/v1/items/{id}': { roles: CATALOG, path: '/api/v1/items/:item', body: () => ({ name: o.itemName }), in: unit },
  'GET /api/v1/items/{id}/process': { roles: ANY, path: '/api/v1/items/:item/process', in: center },
  'PUT /api/v1/items/{id}/process': { roles: CATALOG, path: '/api/v1/items/:item/process', body: { steps: [] }, in: unit },
  'GET /api/v1/items/{id}/process.svg': { roles: ANY, path: '/api/v1/items/:item/process.svg', in: center },
  'POST /api/v1/process/preview.svg': { roles: CATALOG, path: '/api/v1/process/preview.svg', body: () => ({ item_id: o.item, steps: [] }), in: center },

  'GET /api/v1/calendar': { roles: ANY, path: '/api/v1/calendar' },
  'GET /api/v1/calendar/due': { roles: ANY, path: '/api/v1/calendar/due?from=2026-01-05&days=3' },
  'POST /api/v1/calendar/import': { roles: SYS, path: '/api/v1/calendar/import', body: {} },
  'PUT /api/v1/calendar/{day}': { roles: SYS, path: '/api/v1/calendar/:day', body: { kind: 'holiday', name: '矩阵测试' } },
  'DELETE /api/v1/calendar/{day}': {
    roles: SYS, path: '/api/v1/calendar/:day',
    prep: async () => { expectStatus(await srv.req('PUT', `/api/v1/calendar/${DAY}`, { session: o.admin, body: { kind: 'holiday', name: '矩阵测试' } }), 200); },
  },

  'POST /api/v1/consultations': {
    roles: WINDOW, path: '/api/v1/consultations', in: centerWindow,
    body: () => ({ item_id: o.immItem, applicant, question: '需要什么材料？', answer: '承诺书和身份证' }),
  },
  'GET /api/v1/consultations': { roles: ANY, path: '/api/v1/consultations' },
  'GET /api/v1/consultations/{id}': { roles: ANY, path: '/api/v1/consultations/:consultation', in: center, out: 404 },
  'POST /api/v1/cases': { roles: WINDOW, path: '/api/v1/cases', body: () => ({ item_id: o.immItem, applicant }), in: window_ },
  'GET /api/v1/cases': { roles: ANY, path: '/api/v1/cases' },
  'GET /api/v1/cases/{no}': { roles: ANY, path: '/api/v1/cases/:caseNo', in: center, out: 404 },
  'GET /api/v1/cases/{no}/flowchart.svg': { roles: ANY, path: '/api/v1/cases/:accepted/flowchart.svg', in: unit, out: hidden },
  'POST /api/v1/cases/{no}/materials/{material_id}/files': { roles: WINDOW, path: MATERIAL_FILES, form: true, in: window_, out: hidden },
  'POST /api/v1/cases/{no}/signed/{kind}': { roles: WINDOW, path: '/api/v1/cases/:accepted/signed/accept', form: true, in: window_, out: hidden },
  'POST /api/v1/consultations/{id}/signed': { roles: WINDOW, path: '/api/v1/consultations/:consultation/signed', form: true, in: centerWindow, out: 404 },
  'GET /api/v1/files/{id}': { roles: ANY, path: '/api/v1/files/:file', in: unit, out: 404 },
  'DELETE /api/v1/files/{id}': {
    roles: WINDOW, path: '/api/v1/files/:file', in: window_, out: hidden,
    prep: async () => {
      const r = await upload(o.clerk, fill(MATERIAL_FILES));
      expectStatus(r, 201);
      return { path: `/api/v1/files/${r.json.id}` };
    },
  },
  'POST /api/v1/cases/{no}/{action}': { roles: ANY, path: '/api/v1/cases/:caseNo/materials', body: { materials: [] }, in: window_, out: hidden },
  'GET /api/v1/public/cases/{no}': { roles: PUBLIC, path: '/api/v1/public/cases/:caseNo?name=:applicantName' },
  'GET /api/v1/cases/{no}/notices/{kind}.pdf': { roles: ANY, path: '/api/v1/cases/:accepted/notices/accept.pdf', in: unit, out: hidden },
  'GET /api/v1/consultations/{id}/notice.pdf': { roles: ANY, path: '/api/v1/consultations/:consultation/notice.pdf', in: center, out: 404 },
  'GET /api/v1/notice-templates': { roles: ANY, path: '/api/v1/notice-templates?item_id=:item', in: center },
  'POST /api/v1/notice-templates/preview.pdf': {
    roles: CATALOG, path: '/api/v1/notice-templates/preview.pdf', body: () => ({ kind: 'accept', title: '受理通知书', body: '正文', item_id: o.item }), in: center,
  },
  'PUT /api/v1/notice-templates/{kind}': {
    roles: CATALOG, path: '/api/v1/notice-templates/accept?item_id=:item', body: { title: '受理通知书', body: '正文' }, in: unit,
  },
  'DELETE /api/v1/notice-templates/{kind}': {
    roles: CATALOG, path: '/api/v1/notice-templates/accept?item_id=:item', in: unit,
    prep: async () => {
      expectStatus(await srv.req('PUT', `/api/v1/notice-templates/accept?item_id=${o.item}`,
        { session: o.admin, body: { title: '受理通知书', body: '正文' } }), 200);
    },
  },
  'GET /api/v1/stats/mine': { roles: ANY, path: '/api/v1/stats/mine' },
  'GET /api/v1/stats/unit': { roles: ANY, path: '/api/v1/stats/unit?unit_id=:unit', in: unit },
  'GET /api/v1/stats/indicators': { roles: ANY, path: '/api/v1/stats/indicators?scope=unit::unit', in: unit },
  'GET /api/v1/stats/children': { roles: ANY, path: '/api/v1/stats/children?scope=unit::unit', in: unit },
  'GET /api/v1/stats/tables/{name}.xlsx': { roles: ANY, path: '/api/v1/stats/tables/workload.xlsx?scope=unit::unit', in: unit },
  'GET /api/v1/stats/tables/{name}': { roles: ANY, path: '/api/v1/stats/tables/workload?scope=unit::unit', in: unit },

  'GET /api/v1/warnings': { roles: ANY, path: '/api/v1/warnings?center_id=:center', in: center },
  'POST /api/v1/urges': {
    roles: [...ADMINS, 'supervisor'], path: '/api/v1/urges', in: center,
    body: () => ({ kind: 'hurry', case_no: o.accepted, message: '请尽快办理', reply_by: inDays(7) }),
  },
  'GET /api/v1/urges': { roles: ANY, path: '/api/v1/urges' },
  'POST /api/v1/urges/{id}/answer': { roles: ANY, path: '/api/v1/urges/:urge/answer', body: { answer: '正在办理' }, in: unitStaff, out: hidden },
  'GET /api/v1/cards': { roles: ANY, path: '/api/v1/cards?center_id=:center', in: center },
  'GET /api/v1/cards/{id}': { roles: ANY, path: '/api/v1/cards/:card', in: unit, out: 404 },
  'POST /api/v1/cards/{id}/{decision}': { roles: ['sysadmin', 'supervisor'], path: '/api/v1/cards/:card/confirm', body: { note: '属实' }, in: center, out: 404 },
  'GET /api/v1/followups': { roles: ANY, path: '/api/v1/followups' },
  'POST /api/v1/followups/{id}/answer': { roles: ANY, path: '/api/v1/followups/:followup/answer', body: { answer: '已整改' }, in: unitStaff, out: 404 },

  'GET /api/v1/events': { roles: ['sysadmin', 'supervisor'], path: '/api/v1/events' },
  'GET /healthz': { roles: PUBLIC, path: '/healthz' },
  'GET /metrics': { roles: PUBLIC, path: '/metrics' },
};

before(async () => {
  srv = await startServer({ demo: true });
  o = { admin: await srv.admin(), day: DAY, applicantName: encodeURIComponent(applicant.name) };
  const get = async (p) => { const r = await srv.req('GET', p, { session: o.admin }); expectStatus(r, 200); return r.json; };
  const centers = (await get('/api/v1/centers')).items;
  o.center = centers.find((c) => c.region_code === '510104').id;
  const other = centers.find((c) => c.region_code === '510107').id;
  const unitOf = async (c) => (await get(`/api/v1/units?center_id=${c}`)).items.find((u) => u.code === 'scj');
  const unit = await unitOf(o.center);
  [o.unit, o.unitName] = [unit.id, unit.name];
  const otherUnit = (await unitOf(other)).id;
  const zjj = (await get(`/api/v1/units?center_id=${o.center}`)).items.find((u) => u.code === 'zjj').id;
  for (const spec of [
    { username: 'mx_ck104z', name: '锦江住建窗口', roles: ['clerk'], center_id: o.center, unit_id: zjj },
    { username: 'mx_h104z', name: '锦江住建承办', roles: ['handler'], center_id: o.center, unit_id: zjj },
    { username: 'mx_ua104z', name: '锦江住建管理员', roles: ['unit_admin'], center_id: o.center, unit_id: zjj },
    { username: 'mx_ua104', name: '锦江单位管理员', roles: ['unit_admin'], center_id: o.center, unit_id: o.unit },
    { username: 'mx_ua107', name: '武侯单位管理员', roles: ['unit_admin'], center_id: other, unit_id: otherUnit },
    { username: 'mx_jc510700', name: '绵阳监察', roles: ['supervisor'], scope_region: '510700' },
    { username: 'mx_victim', name: '矩阵用户', roles: ['clerk'], center_id: o.center, unit_id: o.unit },
  ]) expectStatus(await srv.req('POST', '/api/v1/users', { session: o.admin, body: spec }), 201);
  o.victim = (await get('/api/v1/users?q=mx_victim')).items[0].id;
  await Promise.all(ACTORS.map(async (a) => {
    const u = a.role === 'sysadmin' ? { session: o.admin, password: ADMIN_PW } : await srv.activate(a.username);
    Object.assign(a, { session: u.session, password: u.password });
  }));
  o.clerk = as('clerk');
  const post = async (who, p, body, status = 200) => {
    const r = await srv.req('POST', p, { session: who.session, body });
    expectStatus(r, status);
    return r.json;
  };

  const items = (await get(`/api/v1/items?center_id=${o.center}&size=100`)).items;
  const item = items.find((i) => i.code === 'SCJ-CN-001');
  [o.item, o.itemName] = [item.id, item.name];
  o.immItem = items.find((i) => i.code === 'SCJ-JB-001').id;
  const full = await get(`/api/v1/items/${o.item}`);
  const ticked = { item_id: o.item, applicant, materials: full.materials.map((m) => ({ id: m.id, present: true })) };
  const applied = await post(o.clerk, '/api/v1/cases', ticked, 201); // stays applied
  [o.caseNo, o.material] = [applied.no, applied.materials[0].id];
  const acc = await post(o.clerk, '/api/v1/cases', ticked, 201);
  o.accepted = acc.no;
  await post(o.clerk, `/api/v1/cases/${acc.no}/accept`);
  o.consultation = (await post(o.clerk, '/api/v1/consultations',
    { item_id: o.item, applicant, question: '需要什么材料？', answer: '见清单' }, 201)).id;
  const f = await upload(o.clerk, fill(MATERIAL_FILES));
  expectStatus(f, 201);
  o.file = f.json.id;
  o.urge = (await post(as('center_admin'), '/api/v1/urges',
    { kind: 'hurry', case_no: acc.no, message: '请尽快', reply_by: inDays(7) }, 201)).id;
  // a red card: the accepted case's deadline moved into the past, then a sweep
  await srv.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${acc.id}`);
  const sw = await srv.cli(['sweep']);
  assert.equal(sw.code, 0, sw.out);
  o.card = (await get(`/api/v1/cards?center_id=${o.center}`)).items.find((c) => c.case_no === acc.no).id;
  // a follow-up: an immediate case picked up with a bad rating
  const imm = await get(`/api/v1/items/${o.immItem}`);
  const k = await post(o.clerk, '/api/v1/cases',
    { item_id: o.immItem, applicant, materials: imm.materials.map((m) => ({ id: m.id, present: true })) }, 201);
  await post(o.clerk, `/api/v1/cases/${k.no}/accept`);
  await post(o.clerk, `/api/v1/cases/${k.no}/complete`, { opinion: '同意', doc_no: '无批文号', permitted: true });
  await post(o.clerk, `/api/v1/cases/${k.no}/pickup`, { id_no: applicant.id_no, rating: 1 });
  o.followup = (await get('/api/v1/followups')).items.find((f) => f.case_no === k.no).id;
});
after(async () => { if (srv) await srv.close(); });

const patternRe = (p) => new RegExp('^' + p.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+') + '(\\?|$)');

test('the route table is read, and every route has a fixture (a new route must be added here)', () => {
  const rows = src.match(/^\s*\{"[A-Z]+",/gm).length; // every row of the table, however it is wrapped
  assert.equal(ROUTES.length, rows, 'every row of routes.c parsed');
  assert.ok(ROUTES.some((r) => r.public) && ROUTES.some((r) => r.roles === null) && ROUTES.some((r) => r.roles?.length === 1));
  for (const r of ROUTES) for (const role of r.roles || []) assert.ok(ROLES.includes(role), `${r.key}: role ${role}`);
  const keys = ROUTES.map((r) => r.key);
  assert.deepEqual(keys.filter((k) => !FIXTURES[k]), [], 'routes without a fixture in tests/http/routes.test.mjs');
  assert.deepEqual(Object.keys(FIXTURES).filter((k) => !keys.includes(k)), [], 'fixtures of routes that no longer exist');
  const norm = (roles) => (Array.isArray(roles) ? [...roles].sort() : roles);
  assert.deepEqual(
    ROUTES.filter((r) => FIXTURES[r.key]).map((r) => `${r.key}: ${r.public ? PUBLIC : norm(r.roles)}`),
    ROUTES.filter((r) => FIXTURES[r.key]).map((r) => `${r.key}: ${norm(FIXTURES[r.key].roles)}`),
    'the roles of routes.c are the roles this test expects');
});

// What a call must answer: the exact status, or 'pass' (anything but 401, 403, 404 and 5xx).
function expected(fx, a) {
  if (fx.roles === PUBLIC) return 'pass';
  if (!a) return 401;
  if (fx.roles && !fx.roles.includes(a.role)) return 403;
  if (!(fx.in || any)(a)) return (typeof fx.out === 'function' ? fx.out(a) : fx.out) || 403;
  return 'pass';
}

for (const route of ROUTES) {
  const fx = FIXTURES[route.key];
  if (!fx) continue;
  test(`${route.key}: ${fx.roles === PUBLIC ? 'public' : fx.roles ? fx.roles.join(', ') : 'any signed-in'}`, async () => {
    const bad = [];
    for (const a of [null, ...ACTORS]) {
      const p = (a && fx.prep && (await fx.prep(a))) || {};
      const url = p.path || fill(fx.path);
      assert.match(url, patternRe(route.pattern), `${route.key}: fixture path ${url}`);
      const body = typeof fx.body === 'function' ? fx.body() : fx.body;
      const session = p.session || a?.session;
      const opts = fx.form ? { session, ...pdfForm() } : { session, body };
      const want = expected(fx, a);
      // Without the CSRF token an unsafe call is refused before anything is done.
      if (a && want === 'pass' && fx.roles !== PUBLIC && route.method !== 'GET') {
        const c = await srv.req(route.method, url, { ...opts, csrf: false });
        if (c.status !== 403 || c.json?.error?.code !== 'csrf_failed') bad.push(`${label(a)} without CSRF: ${c.status}`);
      }
      const r = await srv.req(route.method, url, opts);
      const ok = want === 'pass' ? ![401, 403, 404].includes(r.status) && r.status < 500 : r.status === want;
      if (!ok) bad.push(`${label(a)}: ${r.status} (want ${want}) ${r.text.slice(0, 120)}`);
      // What another center reads (its lists, its statistics) shows nothing of 锦江's.
      else if (a?.at === 'other center' && fx.roles !== PUBLIC && !fx.shared && OWN.test(r.text))
        bad.push(`${label(a)} sees ${r.text.match(OWN)[0]}`);
    }
    assert.deepEqual(bad, []);
  });
}
