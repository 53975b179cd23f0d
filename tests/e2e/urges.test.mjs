// 督办 / 催办 in the browser: the center admin of 锦江区 (510104admin) urges the 现场核查 step of
// an accepted demo case from the case page; its handler 李审核 (510104scj02) finds the urge on
// the home page, above the case flagged 督办, and answers it (an empty answer gets the server's
// reason under the field); the admin reads the whole exchange in the case's 督办记录 and on
// 行政管理 › 督办催办, where a unit is urged too. Pictures: artifacts/urge-home.png, urge-case.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, newPage, shot, uiLogin, row, toast, pickOption, ADMIN_PW } from './server.mjs'

const PW = 'Demo2025pw'
const CLERK = '510104ck01'
const LI = '510104scj02' // 李审核: 现场核查
const CADMIN = '510104admin'
const MESSAGE = '现场核查已临近岗位时限，请于答复期限前完成核查并说明进展。'
const ANSWER = '已于今日完成现场核查，经营场所符合要求，明日提交。'

let server, browser, caseNo, adminName
const pages = {}

// A GB 11643 citizen ID number with its check digit.
function idNo(base17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...base17].reduce((s, d, i) => s + Number(d) * w[i], 0)
  return base17 + '10X98765432'[sum % 11]
}
const APPLICANT_ID = idNo('51010419900307123')
const FILE_BYTES = Buffer.from('%PDF-1.4\n% shenpi e2e\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

// Attach a file over HTTP as a user (multipart/form-data, field "file").
async function upload(username, p, name, bytes) {
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

// The page of a user, logged in once.
async function as(username) {
  if (!pages[username]) {
    const page = await newPage(browser, server)
    await uiLogin(page, username, PW)
    await page.getByTestId('header-user').waitFor()
    pages[username] = page
  }
  return pages[username]
}

async function openCase(page) {
  await page.goto(`/cases/${caseNo}`)
  await page.getByTestId('case-no').filter({ hasText: caseNo }).waitFor()
}

before(async () => {
  server = await startServer({ demo: true })
  const admin = server.api()
  await admin.activate('admin', ADMIN_PW)
  for (const u of [CLERK, LI, CADMIN]) await server.api().activate(u, PW)
  const me = await server.api().login(CADMIN, PW)
  adminName = me.user.name
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
  caseNo = created.no
  const licence = created.materials.find((m) => m.name === '营业执照')
  await upload(CLERK, `/cases/${caseNo}/materials/${licence.id}/files`, '营业执照副本.pdf', FILE_BYTES)
  await clerk.must('POST', `/cases/${caseNo}/accept`, {})
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the center admin urges the 现场核查 step of an accepted case from its page', async () => {
  const page = await as(CADMIN)
  // 行政管理 › 督办催办 is in the admin's menu
  await page.getByTestId('menu-admin/urges').waitFor()
  await openCase(page)
  assert.equal(await page.getByTestId('case-urged').count(), 0, 'not flagged before the urge')
  await page.getByTestId('case-urge').click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  assert.match(await dialog.innerText(), new RegExp(`督办办件 ${caseNo}`))
  // the default reply-by day is filled in; 督办 is the default kind
  assert.match(await dialog.locator('.el-date-editor input').inputValue(), /^\d{4}-\d{2}-\d{2}$/)
  await pickOption(page, 'urge-step', '现场核查')
  await page.getByTestId('urge-message').fill(MESSAGE)
  await page.getByTestId('urge-save').click()
  await toast(page, '已督办').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })

  // the case is flagged; its 督办记录 shows the urge waiting for an answer
  await page.getByTestId('case-urged').waitFor()
  const r = row(page, 'case-urges', MESSAGE)
  await r.waitFor()
  const text = await r.innerText()
  assert.match(text, /督办/)
  assert.match(text, /现场核查/)
  assert.match(text, /李审核/)
  assert.match(text, /待答复/)
  assert.match(text, new RegExp(adminName))
})

test('李审核 finds the urge on the home page and answers it', async () => {
  const page = await as(LI)
  await page.goto('/')
  const card = page.getByTestId('my-urges')
  await card.waitFor()
  const r = row(page, 'my-urges-table', caseNo)
  const text = await r.innerText()
  assert.match(text, /督办/)
  assert.match(text, /现场核查/)
  assert.match(text, new RegExp(MESSAGE))
  assert.match(text, new RegExp(adminName))
  assert.equal(await r.locator('[data-kind]').getAttribute('data-kind'), 'supervise')
  assert.equal(await r.locator('[data-overdue]').getAttribute('data-overdue'), 'false')
  // the case itself is flagged in 我的办件
  await row(page, 'my-cases-table', caseNo).getByTestId('urged-flag').waitFor()
  assert.match(await page.getByTestId('my-cases-urged').innerText(), /督办 1/)
  await shot(page, 'urge-home')

  await r.getByRole('button', { name: '答复' }).click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  assert.match(await page.getByTestId('urge-answer-message').innerText(), new RegExp(MESSAGE))
  // no answer: the server's reason under the field
  await page.getByTestId('urge-answer-save').click()
  await dialog.locator('.el-form-item__error', { hasText: '请填写答复内容' }).waitFor()
  await page.getByTestId('urge-answer-input').fill(ANSWER)
  await page.getByTestId('urge-answer-save').click()
  await toast(page, '已答复').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
  // answered: gone from the home page, and the case no longer flagged
  await card.waitFor({ state: 'detached' })
  await row(page, 'my-cases-table', caseNo).waitFor()
  await row(page, 'my-cases-table', caseNo).getByTestId('urged-flag').waitFor({ state: 'detached' })
})

test('the admin reads the answer in 督办记录 and on 督办催办, and urges a unit', async () => {
  const page = await as(CADMIN)
  await openCase(page)
  assert.equal(await page.getByTestId('case-urged').count(), 0, 'no open urge: no flag')
  await page.getByRole('tab', { name: /督办记录/ }).click()
  const r = row(page, 'case-urges', MESSAGE)
  await r.waitFor()
  const text = await r.innerText()
  assert.match(text, /已答复/)
  assert.match(text, new RegExp(ANSWER))
  assert.match(text, /李审核/)
  await shot(page, 'urge-case')

  await page.getByTestId('menu-admin/urges').click()
  await page.waitForURL('**/admin/urges')
  const u = row(page, 'urges-table', caseNo)
  await u.waitFor()
  assert.match(await u.innerText(), new RegExp(ANSWER))
  assert.match(await u.innerText(), /已答复/)
  await page.getByTestId('urges-state').getByText('待答复').click()
  await page.getByTestId('urges-table').getByText('暂无督办催办').waitFor()
  await page.getByTestId('urges-state').getByText('已答复').click()
  await row(page, 'urges-table', caseNo).waitFor()

  // 督办单位: a 催办 of the whole unit, waiting for its answer
  await page.getByTestId('urges-state').getByText('全部').click()
  await page.getByTestId('urges-new-unit').click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await page.getByTestId('urge-kind-hurry').click()
  await pickOption(page, 'urge-unit', '锦江区市场监督管理局')
  await page.getByTestId('urge-message').fill('本周超期件较多，请说明原因。')
  await page.getByTestId('urge-save').click()
  await toast(page, '已催办').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
  const unitRow = row(page, 'urges-table', '本周超期件较多')
  await unitRow.waitFor()
  assert.match(await unitRow.innerText(), /催办/)
  assert.match(await unitRow.innerText(), /单位/)
  assert.match(await unitRow.innerText(), /待答复/)
  assert.equal(await unitRow.locator('[data-kind]').getAttribute('data-kind'), 'hurry')

  // the unit's staff see it on their home page
  const li = await as(LI)
  await li.goto('/')
  assert.match(await row(li, 'my-urges-table', '本周超期件较多').innerText(), /催办/)
})
