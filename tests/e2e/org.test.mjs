// 系统管理 through the browser: a sysadmin adds regions, a center and a unit; the
// unit's default user is announced with its initial password.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { newPage, shot, startLoggedIn, uiLogin, pickOption, row } from './server.mjs'

let server, browser, page, close
before(async () => {
  ;({ server, browser, page, close } = await startLoggedIn())
})
after(() => close?.())

async function addRegion(code, name) {
  await page.getByTestId('region-add').click()
  await page.getByTestId('region-code').fill(code)
  await page.getByTestId('region-name').fill(name)
  await page.getByTestId('region-save').click()
}

test('区划管理: add a province, city and county; a code whose parent is missing is refused', async () => {
  await page.getByTestId('menu-regions').click()
  await page.getByTestId('region-table').waitFor()
  assert.equal(new URL(page.url()).pathname, '/regions')

  // 510100 before 510000: the server refuses, the dialog says why and stays open.
  await addRegion('510100', '成都市')
  const err = page.locator('.el-dialog .el-form-item__error')
  await err.waitFor()
  assert.match(await err.innerText(), /区划/)
  await shot(page, '10-region-invalid')
  await page.getByTestId('region-code').fill('510000')
  await page.getByTestId('region-name').fill('四川省')
  await page.getByTestId('region-save').click()
  await row(page, 'region-table', '四川省').waitFor()

  await addRegion('510100', '成都市')
  await page.locator('.el-message', { hasText: '区划已添加' }).last().waitFor()
  await addRegion('510104', '锦江区')
  await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })

  // Tree view: expand 四川省 → 成都市 to see 锦江区 with its level and parent.
  await page.getByTestId('region-filter').fill('锦江')
  const county = row(page, 'region-table', '510104')
  await county.waitFor()
  assert.match(await county.innerText(), /锦江区[\s\S]*县[\s\S]*成都市（510100）/)
  await page.getByTestId('region-filter').fill('')
  await shot(page, '11-regions')
})

test('中心管理: add a center in 锦江区', async () => {
  await page.getByTestId('menu-centers').click()
  await page.getByTestId('center-add').click()
  await pickOption(page, 'center-region', '锦江区')
  await page.getByTestId('center-name').fill('成都市锦江区政务服务中心')
  await page.getByTestId('center-address').fill('成都市锦江区东大街100号')
  await page.getByTestId('center-phone').fill('028-12345678')
  await shot(page, '12-center-add')
  await page.getByTestId('center-save').click()
  const r = row(page, 'center-table', '成都市锦江区政务服务中心')
  await r.waitFor()
  assert.match(await r.innerText(), /锦江区（510104）[\s\S]*东大街100号[\s\S]*028-12345678[\s\S]*0[\s\S]*正常/)
  await shot(page, '13-centers')
})

test('单位管理: add a unit; its default user and initial password are shown', async () => {
  await page.getByTestId('menu-units').click()
  await page.getByTestId('unit-add').click()
  await pickOption(page, 'unit-center', '成都市锦江区政务服务中心')
  await page.getByTestId('unit-code').fill('scj')
  await page.getByTestId('unit-name').fill('锦江区市场监督管理局')
  await page.getByTestId('unit-save').click()
  const created = page.getByTestId('unit-created')
  await created.waitFor()
  assert.equal(await page.getByTestId('unit-created-username').innerText(), '510104scj')
  assert.match(await created.innerText(), /888888/)
  await shot(page, '14-unit-default-user')
  await page.getByTestId('unit-created-close').click()
  const r = row(page, 'unit-table', '锦江区市场监督管理局')
  await r.waitFor()
  assert.match(await r.innerText(), /scj[\s\S]*锦江区市场监督管理局[\s\S]*成都市锦江区政务服务中心[\s\S]*1[\s\S]*正常/)
  await shot(page, '15-units')

  // The default user logs in with 888888 and is asked to change it.
  const other = await newPage(browser, server)
  await uiLogin(other, '510104scj', '888888')
  await other.getByTestId('password-forced-notice').waitFor()
  await other.context().close()
})
