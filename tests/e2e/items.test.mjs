// 事项管理 through the browser: a unit admin adds an approval item with two required
// materials, is told that the promised days may not exceed the statutory days, fixes it,
// and finds the item in the list.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { shot, startLoggedIn, makeJinjiang, pickOption, row } from './server.mjs'

const PW = 'Scj2025pass'
let page, api, unitId, close

before(async () => {
  ;({ page, close } = await startLoggedIn(async (admin, server) => {
    const jj = await makeJinjiang(admin)
    unitId = jj.unit.id
    api = server.api()
    await api.activate(jj.defaultUser.username, PW)
    return { username: jj.defaultUser.username, password: PW }
  }))
})
after(() => close?.())

async function setNumber(testid, value) {
  const input = page.getByTestId(testid).locator('input')
  await input.fill(String(value))
  await input.press('Tab')
}

test('事项管理: a unit admin adds an item with two materials; promised > statutory is explained', async () => {
  await page.getByTestId('menu-items').click()
  await page.getByTestId('item-table').waitFor()
  assert.equal(new URL(page.url()).pathname, '/items')

  await page.getByTestId('item-add').click()
  // The unit admin's own unit is preselected.
  assert.match(await page.getByTestId('item-unit').first().innerText(), /锦江区市场监督管理局/)
  await page.getByTestId('item-code').fill('SCJ-001')
  await page.getByTestId('item-name').fill('食品经营许可')
  await setNumber('item-statutory', 10)
  await setNumber('item-promised', 12)

  await page.locator('#tab-guide').click()
  await page.getByTestId('item-basis').fill('《中华人民共和国食品安全法》第三十五条')
  await page.getByTestId('item-fees').fill('不收费')

  await page.locator('#tab-materials').click()
  await page.getByTestId('material-add').click()
  await page.getByTestId('material-add').click()
  await page.getByTestId('material-name-0').fill('食品经营许可申请书')
  await page.getByTestId('material-name-1').fill('营业执照')
  await pickOption(page, 'material-form-1', '复印件')
  await setNumber('material-copies-1', 2)
  await page.getByTestId('material-notes-1').fill('加盖公章')

  // The server refuses; the dialog returns to 基本信息 and shows why under 承诺时限.
  await page.getByTestId('item-save').click()
  const err = page.locator('.el-dialog .el-form-item__error', { hasText: '承诺时限' })
  await err.waitFor()
  assert.match(await err.innerText(), /承诺时限\(12\)不能超过法定时限\(10\)/)
  await shot(page, '71-item-invalid')

  await setNumber('item-promised', 8)
  await page.getByTestId('item-save').click()
  await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })

  const r = row(page, 'item-table', 'SCJ-001')
  await r.waitFor()
  assert.match(await r.innerText(), /SCJ-001[\s\S]*食品经营许可[\s\S]*锦江区市场监督管理局[\s\S]*承诺件[\s\S]*10 \/ 8 工作日[\s\S]*是[\s\S]*2[\s\S]*正常/)

  // Search finds it by name.
  await page.getByTestId('item-search').fill('食品')
  await page.getByTestId('item-search-btn').click()
  await r.waitFor()
  await shot(page, '70-items')

  // What the browser saved, as the API reads it.
  const list = await api.must('GET', `/items?unit_id=${unitId}`)
  assert.equal(list.total, 1)
  const it = await api.must('GET', `/items/${list.items[0].id}`)
  assert.equal(it.statutory_days, 10)
  assert.equal(it.promised_days, 8)
  assert.equal(it.basis, '《中华人民共和国食品安全法》第三十五条')
  assert.deepEqual(it.materials.map((m) => [m.seq, m.name, m.form, m.copies, m.required, m.notes]), [
    [1, '食品经营许可申请书', 'original', 1, true, ''],
    [2, '营业执照', 'copy', 2, true, '加盖公章'],
  ])
})
