// Logging in, and the first-login password change every account must go through.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, newPage, shot, uiLogin, ADMIN_PW, INITIAL_PW } from './server.mjs'

let server, browser
before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the login page is in Chinese and a wrong password says 用户名或密码错误', async () => {
  const page = await newPage(browser, server)
  await page.goto('/')
  // Not logged in: any page leads to the login form.
  await page.getByTestId('login-submit').waitFor()
  assert.match(new URL(page.url()).pathname, /^\/login/)
  assert.equal(await page.getByTestId('login-title').innerText(), '政务服务中心行政审批与电子监察系统')
  assert.equal(await page.title(), '登录 - 政务服务中心行政审批与电子监察系统')
  await shot(page, '01-login')

  await uiLogin(page, 'admin', 'wrong-password')
  const err = page.getByTestId('login-error')
  await err.waitFor()
  assert.match(await err.innerText(), /用户名或密码错误/)
  assert.match(new URL(page.url()).pathname, /^\/login/)
  await shot(page, '02-login-wrong-password')
  await page.context().close()
})

test('admin must change the initial password before anything else, then lands on the home page', async () => {
  const page = await newPage(browser, server)
  await uiLogin(page, 'admin', INITIAL_PW)
  await page.getByTestId('password-forced-notice').waitFor()
  assert.equal(new URL(page.url()).pathname, '/password')
  assert.match(await page.getByTestId('password-forced-notice').innerText(), /首次登录请修改初始密码/)
  // Only 修改密码 is in the menu while the initial password is set.
  assert.equal(await page.getByTestId('menu-users').count(), 0)
  await shot(page, '03-password-forced')

  // Typing the address of 用户管理 lands on the password page again.
  await page.goto('/users')
  await page.getByTestId('password-forced-notice').waitFor()
  assert.equal(new URL(page.url()).pathname, '/password')

  // The form explains a mismatch before asking the server.
  await page.getByTestId('password-old').fill(INITIAL_PW)
  await page.getByTestId('password-new').fill(ADMIN_PW)
  await page.getByTestId('password-confirm').fill(ADMIN_PW + 'x')
  await page.getByTestId('password-submit').click()
  await page.getByText('两次输入的新密码不一致').waitFor()

  // A wrong old password is refused by the server, in Chinese.
  await page.getByTestId('password-old').fill('12345678')
  await page.getByTestId('password-confirm').fill(ADMIN_PW)
  await page.getByTestId('password-submit').click()
  await page.locator('.el-form-item__error', { hasText: '原密码不正确' }).waitFor()

  await page.getByTestId('password-old').fill(INITIAL_PW)
  await page.getByTestId('password-submit').click()
  await page.getByTestId('home-welcome').waitFor()
  assert.equal(new URL(page.url()).pathname, '/')
  assert.match(await page.getByTestId('home-welcome').innerText(), /系统管理员|admin/)
  assert.match(await page.getByTestId('home-roles').innerText(), /系统管理员/)
  // Now the whole menu is there.
  await page.getByTestId('menu-users').waitFor()
  await page.getByTestId('menu-regions').waitFor()
  await shot(page, '04-home-sysadmin')

  // Log out, and the new password is the one that works.
  await page.getByTestId('logout').click()
  await page.getByTestId('login-submit').waitFor()
  await uiLogin(page, 'admin', INITIAL_PW)
  await page.getByTestId('login-error').waitFor()
  await uiLogin(page, 'admin', ADMIN_PW)
  await page.getByTestId('home-welcome').waitFor()
  await page.context().close()
})
