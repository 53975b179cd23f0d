// The accepted case of the demo province that browser tests start from (食品经营许可证核发,
// 锦江区, applicant 张小吃, every material ticked and the business licence attached), the
// upload of a file over HTTP, and the logged-in page of each user.
import { newPage, uiLogin, ADMIN_PW } from './server.mjs'

export const PW = 'Demo2025pw' // the demo users' password once activated
export const CLERK = '510104ck01'

// A GB 11643 citizen ID number with its check digit.
export function idNo(base17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...base17].reduce((s, d, i) => s + Number(d) * w[i], 0)
  return base17 + '10X98765432'[sum % 11]
}
export const APPLICANT_ID = idNo('51010419900307123')

// A small PDF, as the window would scan and attach it.
export const FILE_BYTES = Buffer.from('%PDF-1.4\n% shenpi e2e\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

// Attach a file over HTTP as a user (multipart/form-data, field "file").
export async function upload(server, username, p, name, bytes) {
  const login = await fetch(server.url + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PW }),
  })
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('shenpi_session='))
  const { csrf_token } = await login.json()
  const body = new FormData()
  body.append('file', new Blob([bytes], { type: 'application/pdf' }), name)
  const res = await fetch(server.url + '/api/v1' + p, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf_token }, body })
  if (res.status !== 201) throw new Error(`upload ${p} → ${res.status} ${await res.text()}`)
  return res.json()
}

// On a demo server: activate the sysadmin (ADMIN_PW), the clerk and `users` (PW); the clerk
// applies, attaches the licence and accepts. {admin, clerk} are API clients logged in.
export async function acceptedCase(server, users) {
  const admin = server.api()
  await admin.activate('admin', ADMIN_PW)
  for (const u of [CLERK, ...users]) await server.api().activate(u, PW)
  const clerk = server.api()
  await clerk.login(CLERK, PW)
  const found = await clerk.must('GET', '/items?q=' + encodeURIComponent('食品经营许可证核发'))
  const item = await clerk.must('GET', `/items/${found.items[0].id}`)
  const created = await clerk.must('POST', '/cases', {
    item_id: item.id,
    applicant: { kind: 'person', name: '张小吃', id_no: APPLICANT_ID, phone: '13800138000', address: '成都市锦江区红星路二段1号' },
    contact: { name: '张小吃', id_no: APPLICANT_ID, phone: '13800138000' },
    summary: '红星路二段1号小吃店申请食品经营许可（热食类食品制售）',
    materials: item.materials.map((m) => ({ id: m.id, present: true })),
  })
  const licence = created.materials.find((m) => m.name === '营业执照')
  await upload(server, CLERK, `/cases/${created.no}/materials/${licence.id}/files`, '营业执照副本.pdf', FILE_BYTES)
  await clerk.must('POST', `/cases/${created.no}/accept`, {})
  return { admin, clerk, item, caseNo: created.no }
}

// loginAs: a new page logged in as the user; as: the user's page, logged in once.
export function userPages(browser, server) {
  const pages = {}
  async function loginAs(username, password = PW) {
    const page = await newPage(browser, server)
    await uiLogin(page, username, password)
    await page.getByTestId('header-user').waitFor()
    return page
  }
  const as = async (username, password = PW) => (pages[username] ??= await loginAs(username, password))
  return { loginAs, as }
}

export async function openCase(page, caseNo) {
  await page.goto(`/cases/${caseNo}`)
  await page.getByTestId('case-no').filter({ hasText: caseNo }).waitFor()
}
