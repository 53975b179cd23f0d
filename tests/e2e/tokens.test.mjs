// API令牌: a user creates a token (shown once), a program uses it, the user revokes it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, adminApi, launchBrowser, newPage, shot, uiLogin, row, confirmBox, ADMIN_PW } from './server.mjs'

let server, browser
before(async () => {
  server = await startServer()
  await adminApi(server)
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const meWith = (token) =>
  fetch(server.url + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status)

test('create a token, see it once, use it, revoke it', async () => {
  const page = await newPage(browser, server)
  await uiLogin(page, 'admin', ADMIN_PW)
  await page.getByTestId('home-welcome').waitFor()
  await page.getByTestId('menu-tokens').click()
  await page.getByTestId('token-create').click()
  await page.getByTestId('token-name').fill('省级监察平台对接')
  await page.getByTestId('token-days').locator('input').fill('30')
  await page.getByTestId('token-save').click()

  const value = page.getByTestId('token-value')
  await value.waitFor()
  const token = await value.inputValue()
  assert.match(token, /^sp_/)
  await shot(page, '40-token-created')
  assert.equal(await meWith(token), 200)
  await page.getByRole('button', { name: '我已保存' }).click()

  const r = row(page, 'token-table', '省级监察平台对接')
  await r.waitFor()
  // The list never shows the token again.
  assert.ok(!(await page.getByTestId('token-table').innerText()).includes(token))
  await shot(page, '41-tokens')

  await r.locator('button', { hasText: '吊销' }).click()
  assert.match(await confirmBox(page), /吊销/)
  await r.waitFor({ state: 'detached' })
  assert.equal(await meWith(token), 401)
  await page.context().close()
})
