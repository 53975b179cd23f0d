// 督办 / 催办 in the browser: the center admin of 锦江区 (510104admin) urges the 现场核查 step of
// an accepted demo case from the case page; its handler 李审核 (510104scj02) finds the urge on
// the home page, above the case flagged 督办, and answers it (an empty answer gets the server's
// reason under the field); the admin reads the whole exchange in the case's 督办记录 and on
// 行政管理 › 督办催办, where a unit is urged too. Pictures: artifacts/urge-home.png, urge-case.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, shot, row, toast, pickOption } from './server.mjs'
import { PW, acceptedCase, userPages, openCase } from './democase.mjs'

const LI = '510104scj02' // 李审核: 现场核查
const CADMIN = '510104admin'
const MESSAGE = '现场核查已临近岗位时限，请于答复期限前完成核查并说明进展。'
const ANSWER = '已于今日完成现场核查，经营场所符合要求，明日提交。'

let server, browser, caseNo, adminName, as

before(async () => {
  server = await startServer({ demo: true })
  ;({ caseNo } = await acceptedCase(server, [LI, CADMIN]))
  adminName = (await server.api().login(CADMIN, PW)).user.name
  browser = await launchBrowser()
  ;({ as } = userPages(browser, server))
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the center admin urges the 现场核查 step of an accepted case from its page', async () => {
  const page = await as(CADMIN)
  // 行政管理 › 督办催办 is in the admin's menu
  await page.getByTestId('menu-admin/urges').waitFor()
  await openCase(page, caseNo)
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
  await openCase(page, caseNo)
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
