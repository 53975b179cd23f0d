// 预警监控, 问责记录 and 差评整改 in the browser. A demo case of 锦江区 is accepted and its
// promised deadline moved 30 days into the past with SQL; the server (sweeping every second)
// raises its red card 办件超期 by itself. The center admin (510104admin) finds the case red in
// 行政管理 › 预警监控 (承诺时限预警) and may urge it from there; the supervisor of 成都市
// (jc510100) finds the card in 电子监察 › 问责记录, reads its evidence and dismisses it (纠错)
// with a note (none: the server's reason under the field); the center admin reads it without
// the buttons. A pickup rated 非常不满意 opens a follow-up that the clerk answers on the home
// page. Pictures: artifacts/warnings.png, cards.png, followups.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, newPage, shot, uiLogin, row, toast, ADMIN_PW } from './server.mjs'

const PW = 'Demo2025pw'
const CLERK = '510104ck01'
const CADMIN = '510104admin'
const SUP = 'jc510100'
const NOTE = '该件因申请人补充现场材料延误，经核实不属承办人责任，予以纠错。'
const COMMENT = '排队时间太长，窗口解释不清楚'
const ANSWER = '已向申请人致歉，窗口增设引导员并优化叫号流程。'

let server, browser, caseNo, goodNo, badNo
const pages = {}

// A GB 11643 citizen ID number with its check digit.
function idNo(base17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...base17].reduce((s, d, i) => s + Number(d) * w[i], 0)
  return base17 + '10X98765432'[sum % 11]
}
const applicant = (name, base) => ({ kind: 'person', name, id_no: idNo(base), phone: '13800138000', address: '成都市锦江区红星路二段1号' })

async function as(username) {
  if (!pages[username]) {
    const page = await newPage(browser, server)
    await uiLogin(page, username, PW)
    await page.getByTestId('header-user').waitFor()
    pages[username] = page
  }
  return pages[username]
}

async function itemByCode(api, code) {
  const found = await api.must('GET', '/items?size=100')
  return api.must('GET', `/items/${found.items.find((i) => i.code === code).id}`)
}

before(async () => {
  server = await startServer({ demo: true, args: ['--sweep-seconds', '1'] })
  await server.api().activate('admin', ADMIN_PW)
  for (const u of [CLERK, CADMIN, SUP]) await server.api().activate(u, PW)
  const clerk = server.api()
  await clerk.login(CLERK, PW)

  // A promised case, accepted, its deadline 30 days behind; and one on time.
  const item = await itemByCode(clerk, 'SCJ-CN-001')
  const apply = (a) =>
    clerk.must('POST', '/cases', { item_id: item.id, applicant: a, materials: item.materials.map((m) => ({ id: m.id, present: true })) })
  const late = await apply(applicant('王超期', '51010419850101123'))
  caseNo = late.no
  await clerk.must('POST', `/cases/${caseNo}/accept`, {})
  await server.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${late.id}`)
  const good = await apply(applicant('李按时', '51010419900202234'))
  goodNo = good.no
  await clerk.must('POST', `/cases/${goodNo}/accept`, {})

  // An immediate case picked up with a bad rating: a follow-up for the unit.
  const imm = await itemByCode(clerk, 'SCJ-JB-001')
  const a = applicant('赵差评', '51010419700303345')
  const bad = await clerk.must('POST', '/cases', { item_id: imm.id, applicant: a, materials: imm.materials.map((m) => ({ id: m.id, present: true })) })
  badNo = bad.no
  await clerk.must('POST', `/cases/${badNo}/accept`, {})
  await clerk.must('POST', `/cases/${badNo}/complete`, { opinion: '准予办结', doc_no: '无批文号', permitted: true })
  await clerk.must('POST', `/cases/${badNo}/pickup`, { id_no: a.id_no, rating: 1, comment: COMMENT })

  // The sweep (every second) raises the red card of the late case.
  const sup = server.api()
  await sup.login(SUP, PW)
  for (let i = 0; ; i++) {
    const cards = (await sup.must('GET', '/cards?size=100')).items.filter((c) => c.case_no === caseNo)
    if (cards.length) break
    if (i === 100) throw new Error('no card raised for ' + caseNo)
    await new Promise((r) => setTimeout(r, 200))
  }
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the center admin sees the late case red in 预警监控 and may urge it from there', async () => {
  const page = await as(CADMIN)
  await page.getByTestId('menu-admin/warnings').click()
  await page.waitForURL('**/admin/warnings')
  const r = row(page, 'warnings-table', caseNo)
  await r.waitFor()
  assert.equal(await r.getByTestId('warning-light').getAttribute('data-light'), 'red')
  assert.match(await r.innerText(), /王超期/)
  assert.match(await r.innerText(), /超\d+天/)
  assert.equal(await row(page, 'warnings-table', goodNo).count(), 0, 'a case in time is no warning')
  assert.ok(Number(await page.getByTestId('warnings-red-promised').innerText()) >= 1)
  // filters: by applicant, and by light
  await page.getByTestId('warnings-q').fill('王超期')
  await page.getByTestId('warnings-search').click()
  await r.waitFor()
  await shot(page, 'warnings')
  // 督办 from the row: the case's urge dialog
  await r.getByTestId('warning-urge-' + caseNo).click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  assert.match(await dialog.innerText(), new RegExp(`督办办件 ${caseNo}`))
  await dialog.getByRole('button', { name: '取消' }).click()
  await dialog.waitFor({ state: 'hidden' })
  // the post tab lists steps by their own limit
  await page.getByTestId('warnings-tab-post').click()
  await page.getByTestId('warnings-table').locator('th', { hasText: '承办人' }).waitFor()
  // a row opens the case
  await page.getByTestId('warnings-tab-promised').click()
  await r.click()
  await page.waitForURL(`**/cases/${caseNo}`)
})

test('the supervisor finds the red card in 问责记录, reads its evidence and dismisses it', async () => {
  const page = await as(SUP)
  await page.getByTestId('menu-supervision/cards').click()
  await page.waitForURL('**/supervision/cards')
  const r = row(page, 'cards-table', caseNo)
  await r.waitFor()
  assert.match(await r.innerText(), /办件超期/)
  assert.equal(await r.locator('[data-color]').getAttribute('data-color'), 'red')
  assert.equal(await r.getByTestId('card-state').getAttribute('data-state'), 'open')
  assert.match(await page.getByTestId('cards-red').innerText(), /红牌 [1-9]/)

  await r.locator('td').nth(1).click()
  const drawer = page.locator('.el-drawer:visible')
  await drawer.waitFor()
  const evidence = page.getByTestId('card-evidence')
  await evidence.locator('.el-table__body tr').nth(1).waitFor()
  const types = await evidence.locator('.el-table__body tr td:nth-child(3)').allInnerTexts()
  assert.deepEqual(types.slice(0, 2), ['申请', '受理'])
  await shot(page, 'cards')

  await page.getByTestId('card-dismiss').click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  // no note: the server's reason under the field
  await page.getByTestId('card-note-save').click()
  await dialog.locator('.el-form-item__error').waitFor()
  await page.getByTestId('card-note-input').fill(NOTE)
  await page.getByTestId('card-note-save').click()
  await toast(page, '已纠错').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId('card-detail-state').filter({ hasText: '已纠错' }).waitFor()
  assert.match(await page.getByTestId('card-detail-note').innerText(), new RegExp(NOTE))
  assert.equal(await page.getByTestId('card-confirm').count(), 0, 'a decided card has no buttons')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })
  await r.getByTestId('card-state').filter({ hasText: '已纠错' }).waitFor()
  assert.equal(await r.getByTestId('card-state').getAttribute('data-state'), 'dismissed')
  // the 已纠错 filter keeps it
  await page.getByTestId('cards-state-dismissed').click()
  await r.waitFor()
})

test('the center admin reads the cards without deciding them', async () => {
  const page = await as(CADMIN)
  await page.goto('/supervision/cards')
  const r = row(page, 'cards-table', caseNo)
  await r.waitFor()
  await r.locator('td').nth(1).click()
  await page.getByTestId('card-evidence').waitFor()
  assert.equal(await page.getByTestId('card-confirm').count(), 0)
  assert.equal(await page.getByTestId('card-dismiss').count(), 0)
})

test('the clerk answers the follow-up of a bad rating on the home page', async () => {
  const page = await as(CLERK)
  await page.goto('/')
  await page.getByTestId('my-followups').waitFor()
  const r = row(page, 'my-followups-table', badNo)
  const text = await r.innerText()
  assert.match(text, /非常不满意/)
  assert.match(text, new RegExp(COMMENT))
  assert.equal(await r.locator('[data-overdue]').getAttribute('data-overdue'), 'false')
  await shot(page, 'followups')
  await r.getByRole('button', { name: '整改答复' }).click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await page.getByTestId('followup-answer-save').click()
  await dialog.locator('.el-form-item__error').waitFor()
  await page.getByTestId('followup-answer-input').fill(ANSWER)
  await page.getByTestId('followup-answer-save').click()
  await toast(page, '已答复').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId('my-followups').waitFor({ state: 'hidden' })
  const api = server.api()
  await api.login(CLERK, PW)
  const answered = (await api.must('GET', '/followups?view=mine&state=answered')).items.find((f) => f.case_no === badNo)
  assert.equal(answered.answer, ANSWER)
})
