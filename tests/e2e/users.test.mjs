// 用户管理 through the browser: a sysadmin adds a 窗口人员, resets the password,
// disables the account, and the disabled user can no longer log in.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { newPage, shot, startLoggedIn, makeJinjiang, uiLogin, pickOption, row, confirmBox, INITIAL_PW } from './server.mjs'

const CENTER = '成都市锦江区政务服务中心'
const UNIT = '锦江区市场监督管理局'
let server, browser, page, close

before(async () => {
  ;({ server, browser, page, close } = await startLoggedIn(async (admin) => {
    await makeJinjiang(admin, { center: CENTER, unit: UNIT })
  }))
})
after(() => close?.())

test('add a 窗口人员 and see them in the table', async () => {
  await page.getByTestId('menu-users').click()
  await page.getByTestId('user-table').waitFor()
  // The unit's default user is already there.
  await row(page, 'user-table', '510104scj').waitFor()

  await page.getByTestId('user-add').click()
  await page.getByTestId('user-username').fill('zhangsan')
  await page.getByTestId('user-name').fill('张三')
  await pickOption(page, 'user-roles', '窗口人员')
  await page.keyboard.press('Escape') // close the multi-select's list
  await pickOption(page, 'user-center', CENTER)
  await pickOption(page, 'user-unit', UNIT)
  await page.getByTestId('user-phone').fill('13800000000')
  await shot(page, '20-user-add')
  await page.getByTestId('user-save').click()

  const r = row(page, 'user-table', 'zhangsan')
  await r.waitFor()
  const text = await r.innerText()
  for (const want of ['张三', '窗口人员', CENTER, UNIT, '是', '正常', '须改密']) {
    assert.ok(text.includes(want), `row shows ${want}: ${text}`)
  }
  // A duplicate username is refused with the server's message beside the field.
  await page.getByTestId('user-add').click()
  await page.getByTestId('user-username').fill('zhangsan')
  await page.getByTestId('user-name').fill('张三二')
  await pickOption(page, 'user-roles', '窗口人员')
  await page.keyboard.press('Escape')
  await pickOption(page, 'user-center', CENTER)
  await pickOption(page, 'user-unit', UNIT)
  await page.getByTestId('user-save').click()
  await page.locator('.el-dialog .el-form-item__error', { hasText: 'zhangsan' }).waitFor()
  await page.locator('.el-dialog:visible .el-dialog__headerbtn').click()
  await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })

  // Search by keyword.
  await page.getByTestId('user-filter-q').fill('张三')
  await page.getByTestId('user-search').click()
  await page.getByTestId('user-table').locator('.el-table__body tr', { hasText: '510104scj' }).waitFor({ state: 'detached' })
  assert.equal(await row(page, 'user-table', 'zhangsan').count(), 1)
  await shot(page, '21-users')
})

test('edit the user: add 承办人 and move them to the back office', async () => {
  await page.getByTestId('user-edit-zhangsan').click()
  assert.equal(await page.getByTestId('user-username').isDisabled(), true)
  await pickOption(page, 'user-roles', '承办人')
  await page.keyboard.press('Escape')
  await page.getByTestId('user-in-center').click()
  await page.getByTestId('user-save').click()
  await page.locator('.el-message', { hasText: '用户信息已保存' }).waitFor()
  const r = row(page, 'user-table', 'zhangsan')
  await r.filter({ hasText: '承办人' }).waitFor()
  assert.match(await r.innerText(), /窗口人员[\s\S]*承办人[\s\S]*否/)
})

test('add a 监察人员 with a supervision region', async () => {
  await page.getByTestId('user-add').click()
  await page.getByTestId('user-username').fill('jc_jinjiang')
  await page.getByTestId('user-name').fill('锦江区监察员')
  await pickOption(page, 'user-roles', '监察人员')
  await page.keyboard.press('Escape')
  await pickOption(page, 'user-scope', '锦江区')
  await page.getByTestId('user-in-center').click()
  await shot(page, '25-user-add-supervisor')
  await page.getByTestId('user-save').click()
  await page.getByTestId('user-filter-q').fill('jc_')
  await page.getByTestId('user-search').click()
  const r = row(page, 'user-table', 'jc_jinjiang')
  await r.waitFor()
  assert.match(await r.innerText(), /监察人员[\s\S]*510104/)
  await page.getByTestId('user-filter-q').fill('张三')
  await page.getByTestId('user-search').click()
  await row(page, 'user-table', 'zhangsan').waitFor()
})

test('reset the password: back to 888888, to be changed at the next login', async () => {
  // 张三 has changed the initial password meanwhile.
  await server.api().activate('zhangsan', 'Zhangsan2025')
  await page.getByTestId('user-search').click()
  await row(page, 'user-table', 'zhangsan').filter({ hasNotText: '须改密' }).waitFor()

  await page.getByTestId('user-reset-zhangsan').click()
  await shot(page, '22-user-reset-confirm')
  const question = await confirmBox(page)
  assert.match(question, /888888/)
  assert.match(question, /修改/)
  await page.locator('.el-message', { hasText: '密码已重置' }).waitFor()
  await row(page, 'user-table', '须改密').waitFor()

  const other = await newPage(browser, server)
  await uiLogin(other, 'zhangsan', 'Zhangsan2025')
  await other.getByTestId('login-error').waitFor()
  await uiLogin(other, 'zhangsan', INITIAL_PW)
  await other.getByTestId('password-forced-notice').waitFor()
  await other.context().close()
})

test('disable the user: the table says 停用 and the user cannot log in (账号已停用)', async () => {
  await page.getByTestId('user-toggle-zhangsan').click()
  const question = await confirmBox(page)
  assert.match(question, /停用/)
  const r = row(page, 'user-table', 'zhangsan')
  await r.getByTestId('user-status').filter({ hasText: '停用' }).waitFor()
  assert.equal((await r.getByTestId('user-toggle-zhangsan').innerText()).trim(), '启用')
  await shot(page, '23-user-disabled')

  const other = await newPage(browser, server)
  await uiLogin(other, 'zhangsan', INITIAL_PW)
  const err = other.getByTestId('login-error')
  await err.waitFor()
  assert.match(await err.innerText(), /账号已停用/)
  await shot(other, '24-login-disabled')
  await other.context().close()
})
