// A promised case of the demo province (食品经营许可证核发, 锦江区) walked through every step in
// the browser by the people who do them: the clerk applies and accepts, 王承办 and 李审核
// handle the parallel stage, the expert review goes out and comes back (the clock stops),
// the decision is returned once with a reason and resubmitted, the case is completed with a
// 批文号 and its 办结通知书 is a PDF; after pickup 办件查询 finds it as 已取件. Also the
// notice-template editor: a live PDF preview, and the server's Chinese error for an unknown
// placeholder. The pictures go to tests/e2e/artifacts and to the user manual (docs/manual/img).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, newPage, shot, row, toast, pickOption, confirmBox, ADMIN_PW } from './server.mjs'
import { PW, CLERK, APPLICANT_ID, FILE_BYTES, acceptedCase, userPages, openCase } from './democase.mjs'

const WANG = '510104scj01' // 王承办: 材料审查, 审核决定
const LI = '510104scj02' // 李审核: 现场核查

let server, browser, clerk, admin, caseNo, item, as, loginAs

// Do one action of case.actions through its dialog; resolves when the server accepted it.
async function act(page, action, text, { label } = {}) {
  await page.getByTestId('case-action-' + action).click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await page.getByTestId('case-dialog-text').fill(text)
  await page.getByTestId('case-dialog-ok').click()
  await toast(page, `已${label}`).first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
}

const stepState = (page, name) => row(page, 'case-steps', name).locator('[data-state]').getAttribute('data-state')
const actions = async (page) =>
  (await page.getByTestId('case-actions').innerText()).split(/\s+/).filter((a) => a && a !== '撤回') // the unit may always withdraw

before(async () => {
  server = await startServer({ demo: true })
  ;({ admin, clerk, item, caseNo } = await acceptedCase(server, [WANG, LI]))
  browser = await launchBrowser()
  ;({ as, loginAs } = userPages(browser, server))
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the login page, for the manual', async () => {
  const page = await newPage(browser, server)
  await page.goto('/login')
  await page.getByTestId('login-username').waitFor()
  await shot(page, '90-login', { manual: 'login', fullPage: false })
  await page.context().close()
})

test('审批办理: the first handler finds the case in the queue with its lights and opens it', async () => {
  const page = await as(WANG)
  await shot(page, '90-home', { manual: 'home', fullPage: false })
  await page.getByTestId('menu-approval').click()
  const r = row(page, 'approval-table', caseNo)
  await r.waitFor()
  assert.match(await r.innerText(), /食品经营许可证核发/)
  assert.match(await r.innerText(), /材料审查/)
  assert.match(await r.innerText(), /张小吃/)
  assert.equal(await r.getByTestId('approval-step-light').getAttribute('data-light'), 'green')
  await shot(page, '91-approval', { manual: 'approval' })

  await page.getByTestId('approval-open-' + caseNo).click()
  await page.getByTestId('case-no').filter({ hasText: caseNo }).waitFor()
  assert.equal(await page.getByTestId('case-state').innerText(), '审批中')
  assert.match(await page.getByTestId('case-time').innerText(), /承诺时限 10 个工作日/)
  assert.equal(await page.getByTestId('case-light').getAttribute('data-light'), 'green')
  assert.match(await page.getByTestId('case-current').innerText(), /材料审查（王承办）/)
  assert.match(await page.getByTestId('case-current').innerText(), /现场核查（李审核）/)
  assert.match(await page.getByTestId('case-applicant').innerText(), /张小吃/)
  assert.deepEqual(await actions(page), ['提交'], 'stage 2 is the first after acceptance: no 退回')
  await shot(page, '92-case', { manual: 'case' })

  // materials with what was ticked at the window; the lit flowchart and the steps
  await page.getByRole('tab', { name: /材料/ }).click()
  assert.match(await row(page, 'case-materials', '营业执照').innerText(), /已交/)
  // the attachment the window scanned in downloads as it was uploaded
  const file = row(page, 'case-materials', '营业执照').getByRole('link', { name: '营业执照副本.pdf' })
  const dl = await page.request.get(await file.getAttribute('href'))
  assert.equal(dl.status(), 200)
  assert.deepEqual(Buffer.from(await dl.body()), FILE_BYTES)
  await page.getByRole('tab', { name: '办理流程' }).click()
  await page.getByTestId('case-flowchart').locator('svg').waitFor()
  assert.match(await page.getByTestId('case-flowchart').innerText(), /专家评审/)
  assert.equal(await stepState(page, '窗口受理'), 'done')
  assert.equal(await stepState(page, '材料审查'), 'active')
  assert.equal(await stepState(page, '专家评审'), 'waiting')
  await shot(page, '93-case-flow', { manual: 'case-flow' })
})

test('提交 needs a 拟办意见; the parallel stage waits for both handlers', async () => {
  const page = await as(WANG)
  await page.getByTestId('case-action-submit').click()
  await page.getByTestId('case-dialog-ok').click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.getByText('请填写拟办意见').waitFor()
  await page.getByTestId('case-dialog-text').fill('材料齐全，符合法定形式，拟同意。')
  await shot(page, '94-submit', { manual: 'submit' })
  await page.getByTestId('case-dialog-ok').click()
  await toast(page, '已提交').first().waitFor()
  await dialog.waitFor({ state: 'hidden' })
  // 现场核查 is still with 李审核: nothing more for 王承办 now
  assert.deepEqual(await actions(page), [])
  await page.getByRole('tab', { name: '办理流程' }).click()
  assert.equal(await stepState(page, '材料审查'), 'done')
  assert.equal(await stepState(page, '现场核查'), 'active')
  assert.match(await row(page, 'case-steps', '材料审查').innerText(), /材料齐全，符合法定形式，拟同意。/)

  const li = await as(LI)
  await li.getByTestId('menu-approval').click()
  await row(li, 'approval-table', caseNo).filter({ hasText: '现场核查' }).waitFor()
  await li.getByTestId('approval-open-' + caseNo).click()
  await li.getByTestId('case-no').filter({ hasText: caseNo }).waitFor()
  await act(li, 'submit', '经营场所布局合理，设施设备齐全。', { label: '提交' })
  // the stage is done: the expert review (转外) is the unit's, no handler's own
  assert.deepEqual(await actions(li), ['转外'])
  // in 李审核's queue the case now waits at the unit's expert review, not at 现场核查
  await li.getByTestId('menu-approval').click()
  await row(li, 'approval-table', caseNo).filter({ hasText: '专家评审' }).waitFor()
  assert.doesNotMatch(await row(li, 'approval-table', caseNo).innerText(), /现场核查/)
})

test('转外 stops the clock; 转外返回 resumes it and moves the due day', async () => {
  const page = await as(WANG)
  await openCase(page, caseNo)
  const dueBefore = await page.getByTestId('case-due').innerText()
  assert.match(await page.getByTestId('case-current').innerText(), /专家评审/)
  assert.deepEqual(await actions(page), ['转外'])
  await act(page, 'transfer-out', '送市食品安全专家委员会现场评审', { label: '转外' })
  await page.getByTestId('case-paused').waitFor()
  assert.match(await page.getByTestId('case-paused').innerText(), /暂停计时/)
  assert.equal(await page.getByTestId('case-light').count(), 0, 'no light while paused')
  assert.deepEqual(await actions(page), ['转外返回'])
  await page.getByRole('tab', { name: '办理流程' }).click()
  assert.equal(await stepState(page, '专家评审'), 'out')
  await shot(page, '95-transfer-out')

  await act(page, 'transfer-back', '专家评审通过', { label: '转外返回' })
  assert.equal(await page.getByTestId('case-paused').count(), 0)
  await page.getByTestId('case-light').waitFor()
  assert.ok((await page.getByTestId('case-due').innerText()) >= dueBefore)
  assert.equal(await stepState(page, '专家评审'), 'done')
  assert.equal(await stepState(page, '审核决定'), 'active')
})

test('退回 needs a reason and sends the case back one stage; it is resubmitted', async () => {
  const page = await as(WANG)
  assert.deepEqual(await actions(page), ['提交', '退回'])
  await act(page, 'submit', '同意许可。', { label: '提交' })
  // 办结发证 (the complete step) is the unit's: 王承办 may complete it or return it
  assert.deepEqual(await actions(page), ['退回', '办结'])
  await page.getByTestId('case-action-return').click()
  await page.getByTestId('case-dialog-ok').click()
  await page.locator('.el-dialog:visible').getByText('请填写退回理由').waitFor()
  await page.getByTestId('case-dialog-text').fill('请在审核意见中写明许可项目')
  await page.getByTestId('case-dialog-ok').click()
  await toast(page, '已退回').first().waitFor()
  await page.getByRole('tab', { name: '办理流程' }).click()
  assert.equal(await stepState(page, '审核决定'), 'active')
  assert.equal(await stepState(page, '办结发证'), 'waiting')
  await page.getByRole('tab', { name: '办理记录' }).click()
  await page.getByTestId('case-history').getByText('请在审核意见中写明许可项目').waitFor()
  await act(page, 'submit', '同意许可，许可项目：热食类食品制售。', { label: '提交' })
  await page.getByRole('tab', { name: '办理流程' }).click()
  assert.equal(await stepState(page, '办结发证'), 'active')
})

test('办结 with a 批文号 (无批文号 quick-fill first), then the 办结通知书 is a PDF', async () => {
  const page = await as(WANG)
  await page.getByTestId('case-action-complete').click()
  await page.getByTestId('case-no-doc').click()
  assert.equal(await page.getByTestId('case-doc-no-input').inputValue(), '无批文号')
  await page.getByTestId('case-doc-no-input').fill('JY25101040000123')
  await page.getByTestId('case-permitted-yes').click()
  await page.getByTestId('case-dialog-text').fill('符合条件，准予许可。')
  await shot(page, '96-complete', { manual: 'complete' })
  await page.getByTestId('case-dialog-ok').click()
  await toast(page, '已办结').first().waitFor()
  assert.equal(await page.getByTestId('case-state').innerText(), '已办结')
  assert.match(await page.getByTestId('case-completed').innerText(), /按时办结/)
  await page.getByTestId('case-completed-alert').waitFor()
  const link = page.getByTestId('case-notice-complete')
  await link.waitFor()
  assert.equal(await link.innerText(), '办结通知书')
  assert.equal(await page.getByTestId('case-notice-deny').count(), 0)
  await shot(page, '97-notices', { manual: 'notices' })
  const res = await page.request.get(await link.getAttribute('href'))
  assert.equal(res.status(), 200)
  assert.match(res.headers()['content-type'], /application\/pdf/)
  assert.equal((await res.body()).subarray(0, 5).toString(), '%PDF-')

  await page.getByRole('tab', { name: '申请信息' }).click()
  assert.equal(await page.getByTestId('case-doc-no').innerText(), 'JY25101040000123')
})

test('取件 at the window, then 办件查询 finds the case as 已取件', async () => {
  const page = await as(CLERK)
  await page.getByTestId('menu-pickup').click()
  await page.getByTestId('pickup-no').fill(caseNo)
  await page.getByTestId('pickup-no').press('Enter')
  await page.getByTestId('pickup-case').waitFor()
  await page.getByTestId('pickup-id-no').fill(APPLICANT_ID)
  await page.getByTestId('pickup-rating-5').click()
  await page.getByTestId('pickup-comment').fill('办事很快')
  await shot(page, '98-pickup', { manual: 'pickup' })
  // 确认取件 opens the notice to print in a new tab
  const [notice] = await Promise.all([page.context().waitForEvent('page'), page.getByTestId('pickup-submit').click()])
  await toast(page, '已取件归档').first().waitFor()
  await notice.close()

  await page.getByTestId('menu-query').click()
  await page.getByTestId('query-no').fill(caseNo)
  await page.getByTestId('query-search').click()
  const r = row(page, 'query-table', caseNo)
  await r.filter({ hasText: '已取件' }).waitFor()
  assert.match(await r.innerText(), /张小吃/)
  assert.equal(await page.getByTestId('query-table').locator('.el-table__body tr').count(), 1)
  await page.getByTestId('query-no').fill('')
  await page.getByTestId('query-q').fill('张小吃')
  await page.getByTestId('query-search').click()
  await row(page, 'query-table', caseNo).waitFor()
  await shot(page, '99-query', { manual: 'query' })
  await page.getByTestId('query-open-' + caseNo).click()
  await page.getByTestId('case-pickup').waitFor()
  assert.match(await page.getByTestId('case-pickup').innerText(), /非常满意/)
})

test('统计: the handler counts the steps done and the completion', async () => {
  const page = await as(WANG)
  await page.getByTestId('menu-stats').click()
  await page.getByTestId('stats-mine-completed').filter({ hasText: '1' }).waitFor()
  assert.match(await page.getByTestId('stats-mine-steps_done').innerText(), /\d/)
  await page.getByTestId('stats-unit-completed').filter({ hasText: '1' }).waitFor()
  await shot(page, '9a-stats', { manual: 'stats' })
})

test('通知书模板: the preview is a PDF; an unknown placeholder is refused in Chinese', async () => {
  const page = await loginAs('admin', ADMIN_PW)
  await page.getByTestId('menu-notice-templates').click()
  await page.getByTestId('tpl-kind-complete').click()
  const body = page.getByTestId('tpl-body')
  await body.fill((await body.inputValue()) + '\n请携带本通知书和身份证原件领取许可证。')
  const frame = page.getByTestId('tpl-preview')
  await frame.waitFor()
  await page.waitForFunction(() => document.querySelector('[data-testid=tpl-preview]')?.src.startsWith('blob:'))
  const head = await page.evaluate(async () => {
    const src = document.querySelector('[data-testid=tpl-preview]').src
    return new TextDecoder().decode((await (await fetch(src)).arrayBuffer()).slice(0, 5))
  })
  assert.equal(head, '%PDF-')
  await page.locator('.el-main').evaluate((e) => (e.scrollTop = 0))
  await page.waitForTimeout(1500) // the browser's PDF viewer draws the page
  await shot(page, '9b-templates', { manual: 'templates', fullPage: false })

  await body.fill((await body.inputValue()) + '{{不存在的占位符}}')
  await page.getByTestId('tpl-save').click()
  const err = page.locator('[data-testid=tpl-error], .el-form-item__error').filter({ hasText: /占位符/ })
  await err.first().waitFor()
  assert.match(await err.first().innerText(), /不存在的占位符|未知|占位符/)
  await shot(page, '9c-templates-error', { keepMessages: true })

  // one item's own 办结通知书: saved, marked 本事项, then back to the default
  await pickOption(page, 'tpl-item', '食品经营许可证核发')
  await page.getByTestId('tpl-kind-complete').click()
  await page.getByTestId('tpl-title').fill('食品经营许可办结通知书')
  await page.getByTestId('tpl-save').click()
  await toast(page, '办结通知书模板已保存').first().waitFor()
  await page.getByTestId('tpl-kind-complete').filter({ hasText: '本事项' }).waitFor()
  await page.getByTestId('tpl-reset').click()
  await confirmBox(page)
  await toast(page, '已恢复默认模板').first().waitFor()
  await page.getByTestId('tpl-kind-complete').filter({ hasText: '系统默认' }).waitFor()
  assert.equal(await page.getByTestId('tpl-title').inputValue(), '办结通知书')
  await page.context().close()
})

test('预警天数: the center\'s threshold turns a case yellow; the item\'s own threshold overrides it', async () => {
  const created = await clerk.must('POST', '/cases', {
    item_id: item.id,
    applicant: { kind: 'person', name: '李面馆', id_no: APPLICANT_ID, phone: '13800138001', address: '成都市锦江区东大街1号' },
    contact: { name: '李面馆', id_no: APPLICANT_ID, phone: '13800138001' },
    materials: item.materials.map((m) => ({ id: m.id, present: true })),
  })
  const no2 = created.no
  await clerk.must('POST', `/cases/${no2}/accept`, {})
  const center = (await admin.must('GET', '/centers')).items.find((c) => c.name === '成都市锦江区政务服务中心')

  const adminPage = await as('admin', ADMIN_PW)
  await adminPage.getByTestId('menu-centers').click()
  await adminPage.getByTestId('center-edit-' + center.id).click()
  const warn = adminPage.getByTestId('center-warn-days').locator('input')
  assert.equal(await warn.inputValue(), '1', 'the default threshold')
  await warn.fill('10')
  await warn.press('Tab')
  await adminPage.getByTestId('center-save').click()
  await toast(adminPage, '中心信息已保存').first().waitFor()
  await row(adminPage, 'center-table', '成都市锦江区政务服务中心').filter({ hasText: '10' }).waitFor()

  const page = await as(WANG)
  await page.getByTestId('menu-approval').click()
  await page.getByTestId('approval-refresh').click()
  const r = row(page, 'approval-table', no2)
  await r.waitFor()
  await page.waitForFunction((no) => [...document.querySelectorAll('[data-testid=approval-table] tr')].some((tr) => tr.innerText.includes(no) && tr.className.includes('row-yellow')), no2)
  assert.equal(await r.locator('[data-light]').last().getAttribute('data-light'), 'yellow')
  await shot(page, '9d-approval-yellow')

  // the item's own threshold (0) wins over the center's
  await adminPage.getByTestId('menu-items').click()
  await adminPage.getByTestId('item-search').fill('SCJ-CN-001')
  await adminPage.getByTestId('item-search-btn').click()
  await adminPage.getByTestId('item-edit-' + item.id).click()
  const iw = adminPage.getByTestId('item-warn-days').locator('input')
  assert.equal(await iw.inputValue(), '', 'empty: the center\'s')
  await iw.fill('0')
  await iw.press('Tab')
  await shot(adminPage, '9e-item-warn-days')
  await adminPage.getByTestId('item-save').click()
  await toast(adminPage, '审批事项已保存').first().waitFor()
  await shot(adminPage, '9f-items', { manual: 'items', fullPage: false })
  await page.getByTestId('approval-refresh').click()
  await page.waitForFunction((no) => [...document.querySelectorAll('[data-testid=approval-table] tr')].some((tr) => tr.innerText.includes(no) && !tr.className.includes('row-yellow')), no2)
  assert.equal(await r.locator('[data-light]').last().getAttribute('data-light'), 'green')

  // the process of the demo item, for the manual
  await adminPage.goto(`/items/${item.id}/process`)
  await adminPage.getByTestId('process-steps').waitFor()
  await adminPage.getByTestId('process-chart').locator('svg').waitFor({ timeout: 30000 })
  await shot(adminPage, '9g-process', { manual: 'process', fullPage: false })
})

test('帮助: every page links to its chapter of the manual, which shows the tests\' pictures', async () => {
  const page = await loginAs(WANG)
  await page.getByTestId('menu-approval').click()
  assert.equal(await page.getByTestId('header-help').getAttribute('href'), '/help/approval')
  await page.goto('/help')
  const content = page.getByTestId('help-content')
  await content.locator('h1', { hasText: '用户手册' }).waitFor()
  await content.getByRole('link', { name: '审批', exact: true }).click()
  await content.locator('h1', { hasText: '审批' }).waitFor()
  assert.match(page.url(), /\/help\/approval$/)
  const imgs = content.locator('img')
  assert.ok((await imgs.count()) >= 3)
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=help-content] img')].every((i) => i.complete))
  const broken = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=help-content] img')].filter((i) => !i.naturalWidth).map((i) => i.getAttribute('src')),
  )
  assert.deepEqual(broken, [])
  await page.getByTestId('help-toc-templates').click()
  await content.locator('h1', { hasText: '通知书模板' }).waitFor()
  await shot(page, '9h-help')
  await page.context().close()
})

test('the window pages, for the manual', async () => {
  const page = await as(CLERK)
  await page.getByTestId('menu-consult').click()
  await page.waitForLoadState('networkidle')
  await shot(page, '9i-consult', { manual: 'consult', fullPage: false })
  await page.getByTestId('menu-apply').click()
  await page.waitForLoadState('networkidle')
  await shot(page, '9j-apply', { manual: 'apply', fullPage: false })
})

test('办件查询 without permission: another unit of the same center sees only the overview', async () => {
  const center = (await admin.must('GET', '/centers')).items.find((c) => c.name === '成都市锦江区政务服务中心')
  const other = (await admin.must('GET', `/units?center_id=${center.id}`)).items.find((u) => u.code !== 'scj')
  await admin.must('POST', '/users', { username: 'jj_other01', name: '赵其他', roles: ['handler'], center_id: center.id, unit_id: other.id })
  await server.api().activate('jj_other01', PW)
  const page = await loginAs('jj_other01')
  await page.getByTestId('menu-query').click()
  await page.getByTestId('query-no').fill(caseNo)
  await page.getByTestId('query-search').click()
  const r = row(page, 'query-table', caseNo)
  await r.filter({ hasText: '仅概况' }).waitFor()
  assert.doesNotMatch(await r.innerText(), /张小吃/, 'no applicant in the overview')
  assert.equal(await page.getByTestId('query-open-' + caseNo).count(), 0, 'no link to the details')
  // the case page, opened by its address, shows the overview only
  await page.goto(`/cases/${caseNo}`)
  await page.locator('[data-testid=case-overview-card], [data-testid=case-error]').first().waitFor()
  assert.equal(await page.getByTestId('case-error').count(), 0, await page.locator('.main').innerText())
  assert.match(await page.getByTestId('case-overview-card').innerText(), /食品经营许可证核发/)
  assert.equal(await page.getByTestId('case-tabs').count(), 0)
  assert.equal(await page.getByTestId('case-actions').count(), 0)
  await shot(page, '9k-overview')
  await page.context().close()
})
