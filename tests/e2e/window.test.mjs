// 业务办理 at the window, through the browser: a clerk registers a consultation and prints
// its notice; takes an application for an immediate item (checklist, one attachment), accepts
// it, completes it on the spot with 无批文号 and hands it out at 取件 (ID card typed by the
// "reader" + Enter, rating 非常满意); issues a one-time notice (一次性告知) and takes the
// missing material later (resupply); refuses an investment project with the reason. The
// handler's home shows the case with both warning lights (green, then yellow) and its
// flowchart. The applicant looks the case up on the public progress page by number and
// name, and a wrong name finds nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { shot, startLoggedIn, makeJinjiang, pickOption, toast, row, confirmBox, newPage, uiLogin } from './server.mjs'

const PW = 'Window2025pw'
const ID_OK = '510104199001011230' // 张三, valid GB 11643 check digit
const ID_OTHER = '510104198512120020' // valid, somebody else
const ID_BAD = '510104199001011231' // wrong check digit
const ID_NO_DAY = '510104199013011238' // right check digit, no such birthday (month 13)

let server, browser, page, close, immediate, promised, unitAdmin
const files = path.join(tmpdir(), `shenpi-window-${process.pid}`)

before(async () => {
  mkdirSync(files, { recursive: true })
  // a small PDF and a file over 3 MB
  writeFileSync(path.join(files, '营业执照.pdf'), '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
  writeFileSync(path.join(files, '身份证复印件.pdf'), '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
  writeFileSync(path.join(files, 'big.pdf'), Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024 * 1024 + 10, 32)]))
  ;({ server, browser, page, close } = await startLoggedIn(async (admin, srv) => {
    const { center, unit, defaultUser } = await makeJinjiang(admin, { center: '锦江区政务服务中心' })
    await admin.must('POST', '/users', {
      username: 'jj_ck01', name: '陈受理', roles: ['clerk'], center_id: center.id, unit_id: unit.id, in_center: true,
    })
    const handler = await admin.must('POST', '/users', {
      username: 'jj_scj01', name: '王承办', roles: ['handler'], center_id: center.id, unit_id: unit.id,
    })
    const ua = srv.api()
    unitAdmin = ua
    await ua.activate(defaultUser.username, 'Unit2025pw')
    const materials = [
      { name: '名称预先核准申请书', form: 'original', copies: 1, required: true, notes: '' },
      { name: '申请人身份证明', form: 'copy', copies: 1, required: true, notes: '' },
      { name: '委托书', form: 'original', copies: 1, required: false, notes: '委托办理时提交' },
    ]
    immediate = await ua.must('POST', '/items', {
      unit_id: unit.id, code: 'SCJ-JB-001', name: '个体工商户名称登记', kind: 'immediate', statutory_days: 1, promised_days: 0,
      basis: '《个体工商户名称登记管理办法》第六条', conditions: '名称符合规定', fees: '不收费', place_time: '中心一楼3号窗口', materials,
    })
    promised = await ua.must('POST', '/items', {
      unit_id: unit.id, code: 'SCJ-CN-001', name: '食品经营许可', kind: 'promised', statutory_days: 20, promised_days: 10,
      basis: '《中华人民共和国食品安全法》第三十五条', materials,
    })
    await ua.must('POST', '/items', {
      unit_id: unit.id, code: 'SCJ-TZ-001', name: '食品生产许可（新建项目）', kind: 'promised', statutory_days: 20, promised_days: 15,
      investment: true, materials,
    })
    await ua.must('PUT', `/items/${promised.id}/process`, {
      name: '食品经营许可流程',
      steps: [
        { stage: 1, name: '受理', kind: 'accept', limit_days: 0 },
        { stage: 2, name: '审查', kind: 'approve', handler_id: (handler.user || handler).id, limit_days: 9 },
        { stage: 3, name: '办结', kind: 'complete', limit_days: 1 },
      ],
    })
    await srv.api().activate('jj_scj01', PW)
    await srv.api().activate('jj_ck01', PW)
    return { username: 'jj_ck01', password: PW }
  }))
})
after(() => close?.())

/** Run `action`, expect a new tab with the PDF at a path ending in `suffix`; check the PDF. */
async function expectPdfTab(action, suffix) {
  const [tab] = await Promise.all([page.context().waitForEvent('page'), action()])
  const url = tab.url() === 'about:blank' ? (await tab.waitForURL(/\.pdf/), tab.url()) : tab.url()
  assert.ok(url.endsWith(suffix), `${url} ends with ${suffix}`)
  const r = await page.request.get(url)
  assert.equal(r.status(), 200, `${url}: ${r.status()} ${await r.text()}`)
  assert.match(r.headers()['content-type'], /application\/pdf/)
  await tab.close()
}

async function fillApplicant(name, id, phone) {
  await page.getByTestId('apply-name').fill(name)
  await page.getByTestId('apply-id-no').fill(id)
  await page.getByTestId('apply-phone').fill(phone)
  await page.getByTestId('apply-address').fill('成都市锦江区红星路一段1号')
}

const caseNo = async () => (await page.getByTestId('case-no').innerText()).trim()
const state = () => page.getByTestId('case-state')

let doneNo

test('咨询登记: the work guide, the answer saved, the notice printed and the signed copy uploaded', async () => {
  await page.getByTestId('menu-consult').click()
  await pickOption(page, 'consult-item', '食品经营许可')
  const guide = page.getByTestId('item-guide')
  await guide.filter({ hasText: '《中华人民共和国食品安全法》第三十五条' }).waitFor()
  assert.match(await guide.innerText(), /承诺件/)
  // the flowchart of the promised item, drawn by the server
  await page.getByTestId('item-guide-flowchart').click()
  await page.getByTestId('flowchart').locator('svg').waitFor()
  await page.keyboard.press('Escape')
  await page.getByTestId('consult-name').fill('王五')
  await page.getByTestId('consult-phone').fill('13800000001')
  await page.getByTestId('consult-question').fill('开小吃店需要办哪些手续？')
  await page.getByTestId('consult-answer').fill('需办理食品经营许可，材料见工作指南。')
  await page.mouse.move(0, 0)
  await shot(page, 'consult')
  await page.getByTestId('consult-save').click()
  await page.getByTestId('consult-saved').waitFor()
  assert.match(await page.getByTestId('consult-no').innerText(), /^ZX/)
  await expectPdfTab(() => page.getByTestId('consult-print').click(), '/notice.pdf')
  await page.getByTestId('consult-upload').locator('input[type=file]').setInputFiles(path.join(files, '营业执照.pdf'))
  await toast(page, '签字回执已上传').waitFor()
  await page.getByTestId('consult-signed').filter({ hasText: '营业执照.pdf' }).waitFor()
})

test('办件申请 of an immediate item: checklist, attachment, accept, complete with 无批文号', async () => {
  await page.getByTestId('menu-apply').click()
  await pickOption(page, 'apply-item', '个体工商户名称登记')
  await page.getByTestId('item-guide').filter({ hasText: '中心一楼3号窗口' }).waitFor()
  // a wrong check digit is caught before sending
  await fillApplicant('张三', ID_BAD, '13800000000')
  await page.getByTestId('apply-phone').click()
  await page.locator('.el-form-item__error', { hasText: '身份证号校验位不正确' }).waitFor()
  await page.getByTestId('apply-summary').fill('个体工商户名称登记：锦江区张三小吃店')
  assert.match(await page.getByTestId('apply-missing').innerText(), /名称预先核准申请书、申请人身份证明/)
  await page.getByTestId('apply-all-present').click()
  await page.getByTestId('apply-missing').waitFor({ state: 'hidden' })
  // the server is the judge: its reason appears under the field
  await page.getByTestId('apply-id-no').fill(ID_NO_DAY)
  await page.getByTestId('apply-submit').click()
  await page.locator('.el-form-item__error', { hasText: '出生日期无效' }).waitFor()
  assert.match(page.url(), /\/apply$/)
  await page.getByTestId('apply-id-no').fill(ID_OK)
  await page.locator('.el-form-item__error', { hasText: '出生日期无效' }).waitFor({ state: 'hidden' })
  // the whole form in one picture
  await page.setViewportSize({ width: 1440, height: 1120 })
  await page.mouse.move(0, 0)
  await shot(page, 'window-apply')
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.getByTestId('apply-submit').click()
  await page.waitForURL(/\/apply\/510104-\d{8}-\d{6}$/)
  assert.equal((await state().innerText()).trim(), '已申请')
  const no = await caseNo()

  // one attachment; a file over 3 MB is refused with a clear message
  const upload = (seq) => page.getByTestId(`case-upload-${seq}`).locator('input[type=file]')
  await upload(1).setInputFiles(path.join(files, 'big.pdf'))
  await toast(page, '附件不能超过3M').waitFor()
  await upload(1).setInputFiles(path.join(files, '营业执照.pdf'))
  await page.getByTestId('case-files-1').filter({ hasText: '营业执照.pdf' }).waitFor()
  // it downloads; a second one on another material is removed again
  const href = await page.getByTestId('case-files-1').locator('a', { hasText: '营业执照.pdf' }).getAttribute('href')
  const dl = await page.request.get(href)
  assert.equal(dl.status(), 200)
  assert.match((await dl.body()).toString(), /^%PDF/)
  await upload(2).setInputFiles(path.join(files, '身份证复印件.pdf'))
  const second = page.getByTestId('case-files-2')
  await second.filter({ hasText: '身份证复印件.pdf' }).waitFor()
  await second.getByRole('button', { name: '删除' }).click()
  assert.match(await confirmBox(page), /身份证复印件\.pdf/)
  await toast(page, '附件已删除').waitFor()
  await second.filter({ hasText: '身份证复印件.pdf' }).waitFor({ state: 'detached' })

  // accept: the acceptance notice opens for printing; the completion form follows
  await page.getByTestId('case-accept').click()
  await expectPdfTab(() => confirmBox(page), '/notices/accept.pdf')
  await state().filter({ hasText: '已受理' }).waitFor()
  const card = page.getByTestId('case-complete-card')
  await card.waitFor()
  // 批文号 is required; 无批文号 fills it
  await page.getByTestId('complete-opinion').fill('材料齐全，准予登记')
  await page.getByTestId('complete-submit').click()
  await card.locator('.el-form-item__error', { hasText: '无批文号' }).waitFor()
  await page.getByTestId('complete-no-doc').click()
  assert.equal(await page.getByTestId('complete-doc-no').inputValue(), '无批文号')
  await expectPdfTab(() => page.getByTestId('complete-submit').click(), '/notices/complete.pdf')
  await state().filter({ hasText: '已办结' }).waitFor()
  assert.match(await page.getByTestId('case-completion').innerText(), /准予许可，批文号：无批文号/)
  await page.getByTestId('notice-complete').waitFor()
  await page.mouse.move(0, 0)
  await shot(page, 'window-apply-done')
  doneNo = no
})

test('首页 of the window: the case awaiting pickup, opened at 取件; an immediate case has no flowchart', async () => {
  await page.getByTestId('menu-home').click()
  const r = row(page, 'my-cases-table', doneNo)
  await r.waitFor()
  assert.match(await r.innerText(), /已办结/)
  await page.getByTestId(`flowchart-${doneNo}`).click()
  await page.getByTestId('flowchart-error').filter({ hasText: '即办件' }).waitFor()
  await page.keyboard.press('Escape')
  await page.getByTestId('flowchart-error').waitFor({ state: 'hidden' })
  // a click on the completed case opens it at 取件
  await r.click()
  await page.waitForURL(/\/pickup\?no=/)
  assert.equal(await page.getByTestId('pickup-applicant').innerText(), '张三')
})

test('取件: the number scanned + Enter, the ID card read + Enter (a wrong card refused), rated 非常满意', async () => {
  await page.getByTestId('menu-pickup').click()
  const noInput = page.getByTestId('pickup-no')
  await noInput.waitFor()
  assert.ok(await noInput.evaluate((el) => el === document.activeElement), 'the number input has the focus')
  // the barcode scanner types the number and presses Enter
  await page.keyboard.type(doneNo)
  await page.keyboard.press('Enter')
  await page.getByTestId('pickup-case').waitFor()
  assert.equal(await page.getByTestId('pickup-applicant').innerText(), '张三')
  const idInput = page.getByTestId('pickup-id-no')
  await page.waitForFunction(() => document.activeElement?.closest('[data-testid="pickup-id-no"]'))
  // somebody else's card: the server refuses it, next to the field
  await page.keyboard.type(ID_OTHER)
  await page.keyboard.press('Enter')
  await page.getByTestId('pickup-rating-5').click()
  await page.getByTestId('pickup-submit').click()
  await page.getByTestId('pickup-id-no').locator('xpath=ancestor::div[contains(@class,"el-form-item")]').locator('.el-form-item__error').waitFor()
  // the applicant's own card
  await idInput.fill('')
  await idInput.focus()
  await page.keyboard.type(ID_OK)
  await page.keyboard.press('Enter')
  await page.getByTestId('pickup-comment').fill('办理很快')
  await page.mouse.move(0, 0)
  await shot(page, 'window-pickup')
  await expectPdfTab(() => page.getByTestId('pickup-submit').click(), '/notices/complete.pdf')
  await page.getByTestId('pickup-done').filter({ hasText: '非常满意' }).waitFor()
  assert.equal(await noInput.inputValue(), '')
  assert.ok(await noInput.evaluate((el) => el === document.activeElement), 'ready for the next applicant')
  const c = await page.evaluate(async (no) => (await fetch(`/api/v1/cases/${no}`)).json(), doneNo)
  assert.equal(c.state, 'picked_up')
  assert.equal(c.pickup.rating, 5)
})

let supplementNo
const ORG = '成都李记餐饮有限公司'

test('一次性告知: every missing required material named at once; resupply brings the case back', async () => {
  await page.getByTestId('menu-apply').click()
  await pickOption(page, 'apply-item', '食品经营许可')
  // an organisation, with the person who comes to the window (经办人)
  await page.getByTestId('apply-kind-org').click()
  await fillApplicant(ORG, '91510104MA6C00009B', '028-86000000')
  await page.getByTestId('apply-contact-name').fill('李四')
  await page.getByTestId('apply-contact-id-no').fill('510102198005053318')
  await page.getByTestId('apply-contact-phone').fill('13900000002')
  await page.getByTestId('apply-tick-1').click() // only the first one is here
  await page.getByTestId('apply-submit').click()
  await page.waitForURL(/\/apply\/510104-/)
  supplementNo = await caseNo()
  await page.getByTestId('case-supplement').click()
  const missing = page.getByTestId('supplement-missing')
  await missing.waitFor()
  assert.equal(await missing.innerText(), '申请人身份证明') // 委托书 is optional
  await page.getByTestId('supplement-note').fill('请补交身份证复印件')
  await expectPdfTab(() => page.getByTestId('supplement-confirm').click(), '/notices/supplement.pdf')
  await state().filter({ hasText: '补正中' }).waitFor()
  assert.match(await page.getByTestId('case-missing').innerText(), /申请人身份证明/)

  // later: reopened from 我的办件 (the home page), the material ticked, resupplied
  await page.getByTestId('menu-home').click()
  await row(page, 'my-cases-table', supplementNo).click()
  await page.waitForURL(new RegExp(`/apply/${supplementNo}$`))
  await page.getByTestId('case-tick-2').click()
  await page.getByTestId('case-resupply').click()
  await confirmBox(page)
  await state().filter({ hasText: '已申请' }).waitFor()
  // now complete: accepted, the process starts
  await page.getByTestId('case-accept').click()
  await expectPdfTab(() => confirmBox(page), '/notices/accept.pdf')
  await state().filter({ hasText: '审批中' }).waitFor()
})

test('不予受理 of an investment project: the project data, the reason required, the refusal notice', async () => {
  await page.getByTestId('menu-apply').click()
  await pickOption(page, 'apply-item', '食品生产许可（新建项目）')
  await fillApplicant('赵六', '510104198512120020', '13700000003')
  await page.getByTestId('apply-project-name').fill('赵六食品加工厂新建项目')
  await page.getByTestId('apply-project-code').fill('2026-510104-14-03-000001')
  await page.getByTestId('apply-project-amount').locator('input').fill('1200.5')
  await page.getByTestId('apply-project-location').fill('成都市锦江区三圣街道')
  await page.getByTestId('apply-project-content').fill('新建糕点生产线一条')
  await page.getByTestId('apply-submit').click()
  await page.waitForURL(/\/apply\/510104-/)
  await page.getByTestId('case-refuse').click()
  await page.getByTestId('refuse-confirm').click()
  await page.locator('.el-dialog .el-form-item__error', { hasText: '请填写不予受理的理由' }).waitFor()
  await page.getByTestId('refuse-reason').fill('申请事项不属于本机关职权范围，请向区卫生健康局申请')
  await expectPdfTab(() => page.getByTestId('refuse-confirm').click(), '/notices/refuse.pdf')
  await state().filter({ hasText: '不予受理' }).waitFor()
  await page.getByTestId('notice-refuse').waitFor()
  await page.getByTestId('case-accept').waitFor({ state: 'detached' })
  assert.match(await page.getByTestId('case-summary').innerText(), /赵六食品加工厂新建项目（2026-510104-14-03-000001），总投资1200\.5万元/)
})

test('首页 of the handler: the case on their step with both lights and its flowchart', async () => {
  const p = await newPage(browser, server)
  await uiLogin(p, 'jj_scj01', PW)
  const r = row(p, 'my-cases-table', supplementNo)
  await r.waitFor()
  const text = await r.innerText()
  assert.match(text, /审批中/)
  assert.match(text, /审查/)
  assert.match(text, /剩\d+天/)
  // a fresh case: green for the case (承诺时限) and for the step (岗位时限)
  assert.match(await r.getByTestId('case-light').getAttribute('class'), /light-green/)
  assert.match(await r.getByTestId('step-light').getAttribute('class'), /light-green/)
  // warn 10 working days ahead for this item: both lights turn yellow (预警)
  await unitAdmin.must('PUT', `/items/${promised.id}`, { warn_days: 10 })
  await p.getByTestId('my-cases-refresh').click()
  await r.getByTestId('case-light').and(p.locator('.light-yellow')).waitFor()
  assert.match(await r.getByTestId('case-light').innerText(), /预警/)
  assert.match(await r.getByTestId('step-light').getAttribute('class'), /light-yellow/)
  await p.mouse.move(0, 0)
  await shot(p, 'home')
  await p.getByTestId(`flowchart-${supplementNo}`).click()
  await p.getByTestId('flowchart').locator('svg').waitFor()
  assert.match(await p.getByTestId('flowchart').innerText(), /审查/)
  // a click on the row opens the case
  await p.keyboard.press('Escape')
  await p.getByTestId('flowchart').waitFor({ state: 'hidden' })
  await r.click()
  await p.waitForURL(new RegExp(`/cases/${supplementNo}$`))
  await p.context().close()
})

test('办件进度查询: public, by number and name; a wrong name finds nothing', async () => {
  const p = await newPage(browser, server)
  try {
    await p.goto(`/progress?no=${supplementNo}`)
    assert.equal(await p.getByTestId('progress-no').inputValue(), supplementNo)
    await p.getByTestId('progress-who').fill('王二')
    await p.getByTestId('progress-search').click()
    await p.getByTestId('progress-error').waitFor()
    assert.match(await p.getByTestId('progress-error').innerText(), /未找到/)
    await p.getByTestId('progress-who').fill(ORG)
    await p.getByTestId('progress-search').click()
    await p.getByTestId('progress-result').waitFor()
    assert.equal((await p.getByTestId('progress-state').innerText()).trim(), '审批中')
    await p.getByTestId('progress-steps').filter({ hasText: '受理' }).waitFor()
    const text = await p.getByTestId('progress-result').innerText()
    assert.match(text, /食品经营许可/)
    assert.doesNotMatch(text, /91510104MA6C00009B|510102198005053318|13900000002|李四/, 'nothing private')
    assert.equal(new URL(p.url()).pathname, '/progress', 'no login asked')
    await p.mouse.move(0, 0)
    await shot(p, 'progress')
  } finally {
    await p.context().close()
  }
})
