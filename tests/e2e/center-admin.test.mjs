// Scope: a center admin sees and manages only their own center; a unit admin
// reads the user list but cannot change it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, adminApi, makeCenter, launchBrowser, newPage, shot, uiLogin, row } from './server.mjs'

const JJ = '成都市锦江区政务服务中心'
const QY = '成都市青羊区政务服务中心'
let server, browser, jj, qy

before(async () => {
  server = await startServer()
  const admin = await adminApi(server)
  const regions = [
    ['510000', '四川省'],
    ['510100', '成都市'],
    ['510104', '锦江区'],
    ['510105', '青羊区'],
  ]
  jj = await makeCenter(admin, {
    regions,
    center: { region_code: '510104', name: JJ },
    unit: { code: 'scj', name: '锦江区市场监督管理局' },
  })
  qy = await makeCenter(admin, {
    regions: [],
    center: { region_code: '510105', name: QY },
    unit: { code: 'gaj', name: '青羊区公安分局' },
  })
  const user = (username, name, roles, c, extra = {}) =>
    admin.must('POST', '/users', { username, name, roles, center_id: c.center.id, in_center: true, ...extra })
  await user('jj_admin', '锦江管理员', ['center_admin'], jj)
  await user('jj_clerk', '锦江窗口', ['clerk'], jj, { unit_id: jj.unit.id })
  await user('qy_admin', '青羊管理员', ['center_admin'], qy)
  await user('qy_clerk', '青羊窗口', ['clerk'], qy, { unit_id: qy.unit.id })
  await server.api().activate('jj_admin', 'Jinjiang2025')
  await server.api().activate('510104scj', 'Scj2025pass')
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

test('a center admin sees only their own center and its users', async () => {
  const page = await newPage(browser, server)
  await uiLogin(page, 'jj_admin', 'Jinjiang2025')
  await page.getByTestId('home-welcome').waitFor()
  assert.match(await page.getByTestId('home-roles').innerText(), /中心管理员/)
  assert.match(await page.getByTestId('header-org').innerText(), new RegExp(JJ))
  // 区划管理 is for sysadmins only.
  assert.equal(await page.getByTestId('menu-regions').count(), 0)
  await page.getByTestId('menu-centers').waitFor()
  await shot(page, '30-home-center-admin')

  await page.getByTestId('menu-users').click()
  await row(page, 'user-table', 'jj_clerk').waitFor()
  const usernames = await page.getByTestId('user-table').locator('.el-table__body tr td:first-child').allInnerTexts()
  assert.deepEqual(usernames.map((s) => s.trim()).sort(), ['510104scj', 'jj_admin', 'jj_clerk'])
  assert.ok(!(await page.getByTestId('user-table').innerText()).includes(QY))
  await page.getByTestId('user-add').waitFor()
  await shot(page, '31-users-center-admin')

  // The center list holds the own center only.
  await page.getByTestId('menu-centers').click()
  await row(page, 'center-table', JJ).waitFor()
  assert.ok(!(await page.getByTestId('center-table').innerText()).includes(QY))
  assert.equal(await page.getByTestId('center-add').count(), 0)

  // Typing the address of 区划管理 leads back home.
  await page.goto('/regions')
  await page.getByTestId('home-welcome').waitFor()
  await page.context().close()
})

test('a unit admin reads the user list of the center but cannot change it', async () => {
  const page = await newPage(browser, server)
  await uiLogin(page, '510104scj', 'Scj2025pass')
  await page.getByTestId('home-welcome').waitFor()
  assert.equal(await page.getByTestId('menu-units').count(), 0)
  await page.getByTestId('menu-users').click()
  await row(page, 'user-table', 'jj_clerk').waitFor()
  assert.ok(!(await page.getByTestId('user-table').innerText()).includes('qy_clerk'))
  assert.equal(await page.getByTestId('user-add').count(), 0)
  assert.equal(await page.getByTestId('user-reset-jj_clerk').count(), 0)
  await page.context().close()
})
