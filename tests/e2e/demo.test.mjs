// The demo province (`shenpi init --demo`) as its users see it: every page of
// 系统管理 with real-looking data, for the user manual's pictures.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, newPage, shot, uiLogin, row, INITIAL_PW } from './server.mjs'

let server, browser
before(async () => {
  server = await startServer({ demo: true })
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

/** Log in a demo account with 888888 and change the password through the UI. */
async function firstLogin(username, pw) {
  const page = await newPage(browser, server)
  await uiLogin(page, username, INITIAL_PW)
  await page.getByTestId('password-forced-notice').waitFor()
  await page.getByTestId('password-old').fill(INITIAL_PW)
  await page.getByTestId('password-new').fill(pw)
  await page.getByTestId('password-confirm').fill(pw)
  await page.getByTestId('password-submit').click()
  await page.getByTestId('home-welcome').waitFor()
  return page
}

test('init --demo lists the demo accounts', () => {
  for (const u of ['admin', '510104admin', '510104scj', 'jc510000']) {
    assert.match(server.initOutput, new RegExp(`\\b${u}\\b`))
  }
})

test('the sysadmin browses regions, centers, units and users of the demo province', async () => {
  const page = await firstLogin('admin', 'Admin2025demo')
  await page.getByTestId('menu-regions').click()
  // The province is open, its cities listed below it.
  await row(page, 'region-table', '四川省').first().waitFor()
  await row(page, 'region-table', '510100').first().waitFor()
  await shot(page, '50-demo-regions')

  await page.getByTestId('menu-centers').click()
  await row(page, 'center-table', '成都市锦江区政务服务中心').waitFor()
  assert.ok((await page.getByTestId('center-table').locator('.el-table__body tr').count()) >= 2)
  await shot(page, '51-demo-centers')

  await page.getByTestId('menu-units').click()
  await page.getByTestId('unit-table').locator('.el-table__body tr').first().waitFor()
  await shot(page, '52-demo-units')

  await page.getByTestId('menu-users').click()
  await row(page, 'user-table', 'jc510000').waitFor()
  assert.match(await row(page, 'user-table', 'jc510000').innerText(), /监察人员/)
  await shot(page, '53-demo-users')
  await page.context().close()
})

test('a demo center admin sees the own center only', async () => {
  const page = await firstLogin('510104admin', 'Jinjiang2025demo')
  assert.match(await page.getByTestId('home-roles').innerText(), /中心管理员/)
  await shot(page, '54-demo-home-center-admin')
  await page.getByTestId('menu-users').click()
  await row(page, 'user-table', '510104admin').waitFor()
  const centers = await page
    .getByTestId('user-table')
    .locator('.el-table__body tr td:nth-child(4)')
    .allInnerTexts()
  assert.ok(centers.length > 0)
  for (const c of centers) assert.equal(c.trim(), '成都市锦江区政务服务中心')
  await page.context().close()
})
