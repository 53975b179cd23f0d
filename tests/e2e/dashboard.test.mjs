// 电子监察 › 监控大屏 and 统计报表 in the browser. Two demo immediate cases are applied for,
// accepted, completed and picked up (rated 非常满意) through the API, one in 锦江区 (成都市)
// and one in 涪城区 (绵阳市); four cases are accepted and their deadlines moved 30 days back
// with SQL (two of 锦江区: a promised one and an immediate one; one of 武侯区; one of 涪城区),
// so they are lit red and the server's sweep (every second) raises their red cards.
// The province's supervisor (jc510000) lands on 监控大屏: the indicators of 四川省 (按时办结率
// 100%), its cities with their lights and cards, the charts (a canvas each); the card count of
// 成都市 opens 问责记录 of that city only (a closable tag names it, the address keeps it); a
// click on 成都市 drills down to its centers, the card count of 锦江区 opens 问责记录 of that
// center only. The city's supervisor (jc510100) lands on 成都市: the 超时 count of 锦江区's
// center opens 预警监控 of that center's red cases only, whose case number opens 办件详情;
// down at an item of its 市场监督管理局, the item's 超时 count lists that item's case only.
// 统计报表 shows the 工作量 table and exports it as workload.xlsx, read back with xlsx2csv:
// the same numbers as on the page. A period over 366 days is refused with the server's
// message. Pictures: artifacts/*.png; for the manual (docs/manual/img): dashboard.png,
// cards.png, warnings.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startServer, launchBrowser, newPage, shot, uiLogin, row, toast, ADMIN_PW } from './server.mjs'

const PW = 'Demo2025pw'
const SUP = 'jc510000'
const CITY_SUP = 'jc510100'
const JINJIANG = '成都市锦江区政务服务中心'
let server, browser, page, lateNo, immediateNo, wuhouNo, mianyangNo

function idNo(base17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...base17].reduce((s, d, i) => s + Number(d) * w[i], 0)
  return base17 + '10X98765432'[sum % 11]
}
const applicant = (name, base) => ({ kind: 'person', name, id_no: idNo(base), phone: '13800138000', address: '四川省成都市红星路二段1号' })

async function itemByCode(api, code) {
  const found = await api.must('GET', '/items?size=100')
  return api.must('GET', `/items/${found.items.find((i) => i.code === code).id}`)
}
const ticked = (item) => item.materials.map((m) => ({ id: m.id, present: true }))

// An immediate case of the clerk's unit: applied, accepted, completed, picked up and rated.
async function walkImmediate(clerkName, name, base) {
  const clerk = server.api()
  await clerk.login(clerkName, PW)
  const item = await itemByCode(clerk, 'SCJ-JB-001')
  const a = applicant(name, base)
  const c = await clerk.must('POST', '/cases', { item_id: item.id, applicant: a, materials: ticked(item) })
  await clerk.must('POST', `/cases/${c.no}/accept`, {})
  await clerk.must('POST', `/cases/${c.no}/complete`, { opinion: '准予办结', doc_no: '无批文号', permitted: true })
  await clerk.must('POST', `/cases/${c.no}/pickup`, { id_no: a.id_no, rating: 5 })
  return clerk
}

// A case of the clerk's unit accepted and 30 days past its deadline: red, and a red card.
async function lateCase(clerkName, code, name, base) {
  const clerk = server.api()
  await clerk.login(clerkName, PW)
  const item = await itemByCode(clerk, code)
  const c = await clerk.must('POST', '/cases', { item_id: item.id, applicant: applicant(name, base), materials: ticked(item) })
  await clerk.must('POST', `/cases/${c.no}/accept`, {})
  await server.db.sql(`UPDATE cases SET due_day = due_day - 30 WHERE id = ${c.id}`)
  return c.no
}

before(async () => {
  server = await startServer({ demo: true, args: ['--sweep-seconds', '1'] })
  await server.api().activate('admin', ADMIN_PW)
  for (const u of ['510104ck01', '510107ck01', '510703ck01', SUP, CITY_SUP]) await server.api().activate(u, PW)
  await walkImmediate('510104ck01', '张办结', '51010419850101123')
  await walkImmediate('510703ck01', '李办结', '51070319860202234')

  // Red cases: two in 锦江区 (a promised one, 食品经营许可证核发, and an immediate one
  // accepted but not completed), one in 武侯区 and one in 涪城区 (绵阳市).
  lateNo = await lateCase('510104ck01', 'SCJ-CN-001', '王超期', '51010419700303345')
  immediateNo = await lateCase('510104ck01', 'SCJ-JB-001', '赵未结', '51010419710404456')
  wuhouNo = await lateCase('510107ck01', 'SCJ-CN-001', '钱武侯', '51010719720505567')
  mianyangNo = await lateCase('510703ck01', 'SCJ-CN-001', '孙绵阳', '51070319730606678')
  const sup = server.api()
  await sup.login(SUP, PW)
  for (let i = 0; ; i++) {
    const raised = new Set((await sup.must('GET', '/cards?size=100')).items.map((c) => c.case_no))
    if ([lateNo, immediateNo, wuhouNo, mianyangNo].every((no) => raised.has(no))) break
    if (i === 100) throw new Error('no cards raised for the late cases')
    await new Promise((r) => setTimeout(r, 200))
  }

  browser = await launchBrowser()
  page = await newPage(browser, server)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const cellText = (r, key) => r.getByTestId(key).innerText()

test('the province supervisor lands on 监控大屏: indicators, cities, lights, cards and charts', async () => {
  await uiLogin(page, SUP, PW)
  await page.waitForURL('**/supervision/dashboard')
  await page.getByTestId('dash-crumb-0').filter({ hasText: '四川省' }).waitFor()

  // the 14 indicators, with the fraction as the tooltip
  await page.getByTestId('ind-value-ontime_rate').filter({ hasText: '100%' }).waitFor()
  assert.equal(await page.getByTestId('dash-indicators').locator('.ind-card').count(), 14)
  assert.equal(await page.getByTestId('ind-value-satisfaction_rate').innerText(), '100%')
  assert.equal(await page.getByTestId('ind-value-overtime_rate').innerText(), '0%')
  assert.equal(await page.getByTestId('ind-value-handling_speedup_rate').innerText(), '—')
  assert.match(await page.getByTestId('ind-value-promise_speedup_days').innerText(), /^\d+ 天$/)
  await page.getByTestId('ind-ontime_rate').hover()
  await page.locator('.el-popper:visible', { hasText: '按时办结率：2 / 2' }).waitFor()
  await page.mouse.move(0, 0)
  await page.locator('.el-popper:visible', { hasText: '按时办结率：2 / 2' }).waitFor({ state: 'hidden' })

  // the cities: each one completion on time; 成都市 has three red cases and their red cards, 绵阳市 one
  const chengdu = row(page, 'dash-children', '成都市')
  const mianyang = row(page, 'dash-children', '绵阳市')
  await chengdu.waitFor()
  await mianyang.waitFor()
  assert.equal(await cellText(chengdu, 'child-ontime_rate'), '100%')
  assert.equal(await cellText(mianyang, 'child-ontime_rate'), '100%')
  assert.match(await cellText(chengdu, 'child-red'), /超时\s*3/)
  assert.match(await cellText(mianyang, 'child-red'), /超时\s*1/)
  await chengdu.getByTestId('child-cards').filter({ hasText: /红牌\s*3/ }).waitFor()
  await mianyang.getByTestId('child-cards').filter({ hasText: /红牌\s*1/ }).waitFor()

  // the charts draw on canvas
  for (const c of ['chart-ontime', 'chart-cards', 'chart-satisfaction']) {
    await page.getByTestId(c).locator('canvas').first().waitFor()
  }
  await shot(page, 'dashboard', { manual: 'dashboard' })
  // 帮助 opens the manual's chapter on 电子监察
  assert.equal(await page.getByTestId('header-help').getAttribute('href'), '/help/supervision')
})

test('the card count of 成都市 opens 问责记录 of the city, its filter a closable tag kept in the address', async () => {
  await row(page, 'dash-children', '成都市').getByTestId('child-cards').filter({ hasText: /红牌\s*3/ }).click()
  await page.waitForURL(/\/supervision\/cards\?region=510100$/)
  const region = page.getByTestId('cards-region')
  await region.filter({ hasText: '区划：成都市' }).waitFor()
  // the city's three cards, not 绵阳市's
  for (const no of [lateNo, immediateNo, wuhouNo]) await row(page, 'cards-table', no).waitFor()
  assert.equal(await row(page, 'cards-table', mianyangNo).count(), 0)
  assert.match(await page.getByTestId('cards-red').innerText(), /红牌 3/)
  await shot(page, 'cards-region', { manual: 'cards' })

  // a reload keeps the filter
  await page.reload()
  await region.filter({ hasText: '区划：成都市' }).waitFor()
  await row(page, 'cards-table', lateNo).waitFor()

  // another filter joins it in the address; closing the tag drops the region only
  await page.getByTestId('cards-state-open').click()
  await page.waitForURL(/region=510100/)
  await page.waitForURL(/state=open/)
  await region.locator('.el-tag__close').click()
  await page.waitForURL((u) => u.searchParams.get('state') === 'open' && !u.searchParams.has('region'))
  await region.waitFor({ state: 'detached' })
  await row(page, 'cards-table', mianyangNo).waitFor()
  assert.match(await page.getByTestId('cards-red').innerText(), /红牌 4/)

  // back on the dashboard (the cards' address went through three steps)
  await page.goto('/supervision/dashboard')
  await row(page, 'dash-children', '绵阳市').waitFor()
})

test('a click on 成都市 drills down to its centers; the red card count opens 问责记录 of the center', async () => {
  await row(page, 'dash-children', '成都市').locator('td').first().click()
  await page.getByTestId('dash-crumb-1').filter({ hasText: '成都市' }).waitFor()
  const jinjiang = row(page, 'dash-children', JINJIANG)
  await jinjiang.waitFor()
  await row(page, 'dash-children', '成都市武侯区政务服务中心').waitFor()
  assert.equal(await row(page, 'dash-children', '绵阳市').count(), 0)
  assert.equal(await cellText(jinjiang, 'child-ontime_rate'), '100%')
  assert.equal(await page.getByTestId('ind-value-ontime_rate').innerText(), '100%')
  await page.getByTestId('ind-ontime_rate').hover()
  await page.locator('.el-popper:visible', { hasText: '按时办结率：1 / 1' }).waitFor()
  await page.getByTestId('chart-ontime').locator('canvas').first().waitFor()
  await shot(page, 'dashboard-city')

  // the cards of 锦江区's center
  await jinjiang.getByTestId('child-cards').filter({ hasText: /红牌\s*2/ }).click()
  await page.waitForURL(/\/supervision\/cards\?center_id=\d+/)
  await row(page, 'cards-table', lateNo).waitFor()
  await page.getByTestId('cards-center').filter({ hasText: '中心：' + JINJIANG }).waitFor()
  assert.match(await page.getByTestId('cards-red').innerText(), /红牌 2/)
  assert.equal(await row(page, 'cards-table', wuhouNo).count(), 0)

  // back on the dashboard, the breadcrumb goes up to the province
  await page.goBack()
  await page.waitForURL('**/supervision/dashboard')
  await row(page, 'dash-children', '绵阳市').waitFor()
})

test('the city supervisor: the 超时 count of a center opens 预警监控 of its red cases, the case number its 办件详情', async () => {
  const city = await newPage(browser, server)
  try {
    await uiLogin(city, CITY_SUP, PW)
    await city.waitForURL('**/supervision/dashboard')
    await city.getByTestId('dash-crumb-0').filter({ hasText: '成都市' }).waitFor()
    const jinjiang = row(city, 'dash-children', JINJIANG)
    await jinjiang.waitFor()
    assert.match(await jinjiang.getByTestId('child-red').innerText(), /超时\s*2/)
    assert.match(await row(city, 'dash-children', '成都市武侯区政务服务中心').getByTestId('child-red').innerText(), /超时\s*1/)

    // 超时 2 → 预警监控 of that center, red only: its two late cases, not 武侯区's
    await jinjiang.getByTestId('child-red').click()
    await city.waitForURL((u) => u.pathname === '/admin/warnings' && u.searchParams.get('light') === 'red' && u.searchParams.has('center_id'))
    await city.getByTestId('warnings-center').filter({ hasText: '中心：' + JINJIANG }).waitFor()
    const late = row(city, 'warnings-table', lateNo)
    await late.waitFor()
    assert.match(await late.innerText(), /王超期/)
    assert.equal(await late.getByTestId('warning-light').getAttribute('data-light'), 'red')
    assert.match(await late.innerText(), /超\d+天/)
    await row(city, 'warnings-table', immediateNo).waitFor()
    assert.equal(await city.getByTestId('warnings-table').locator('.el-table__body tr').count(), 2)
    assert.equal(await row(city, 'warnings-table', wuhouNo).count(), 0)
    assert.equal(await city.getByTestId('warnings-red-promised').innerText(), '2')
    assert.equal(await city.getByTestId('warnings-yellow-promised').innerText(), '0')
    assert.match(await city.getByTestId('warnings-light').innerText(), /红灯/)
    await shot(city, 'warnings-center', { manual: 'warnings' })

    // the case number opens 办件详情, in full for the supervisor of its region
    await late.getByTestId('warning-case-' + lateNo).click()
    await city.waitForURL(`**/cases/${lateNo}`)
    assert.equal(await city.getByTestId('case-no').innerText(), lateNo)
    await city.getByTestId('case-due').waitFor()
    assert.equal(await city.getByTestId('case-overview').count(), 0)
    await city.getByText('王超期').first().waitFor()

    // 返回: the same filtered list
    await city.goBack()
    await city.getByTestId('warnings-center').filter({ hasText: JINJIANG }).waitFor()
    await late.waitFor()

    // down at the item: its 超时 count lists the case by the item's code within its unit
    await city.goBack()
    await city.waitForURL('**/supervision/dashboard')
    await row(city, 'dash-children', JINJIANG).locator('td').first().click()
    const unit = row(city, 'dash-children', '市场监督管理局')
    await unit.filter({ hasText: /超时\s*2/ }).waitFor()
    await unit.locator('td').first().click()
    const food = row(city, 'dash-children', '食品经营许可证核发')
    await food.waitFor()
    assert.match(await food.getByTestId('child-red').innerText(), /超时\s*1/)
    assert.match(await row(city, 'dash-children', '个体工商户').getByTestId('child-red').innerText(), /超时\s*1/)
    await food.getByTestId('child-red').click()
    await city.waitForURL((u) => u.searchParams.get('item') === 'SCJ-CN-001' && u.searchParams.get('light') === 'red' && u.searchParams.has('unit_id'))
    assert.equal(await city.getByTestId('warnings-item').inputValue(), 'SCJ-CN-001')
    await late.waitFor()
    assert.equal(await city.getByTestId('warnings-table').locator('.el-table__body tr').count(), 1)
    assert.equal(await city.getByTestId('warnings-red-promised').innerText(), '1')
  } finally {
    await city.context().close()
  }
})

// The rows of the report table on the page: [name, …cells].
async function pageRows() {
  const rows = page.getByTestId('report-table').locator('.el-table__body tr')
  const out = []
  for (let i = 0; i < (await rows.count()); i++) {
    out.push((await rows.nth(i).locator('td').allInnerTexts()).map((t) => t.trim()))
  }
  return out
}

test('统计报表: the 工作量 table of the province, exported as workload.xlsx with the same numbers', async () => {
  await page.getByTestId('menu-supervision/reports').click()
  await page.waitForURL('**/supervision/reports')
  const total = row(page, 'report-table', '合计')
  await total.waitFor()
  const header = (await page.getByTestId('report-table').locator('.el-table__header th').allInnerTexts()).map((t) => t.trim())
  assert.deepEqual(header, ['名称', '申请', '受理', '不予受理', '办结', '许可', '取件'])
  const rows = await pageRows()
  const byName = Object.fromEntries(rows.map((r) => [r[0], r.slice(1)]))
  assert.deepEqual(byName['成都市'], ['4', '4', '0', '1', '1', '1'])
  assert.deepEqual(byName['绵阳市'], ['2', '2', '0', '1', '1', '1'])
  assert.deepEqual(byName['合计'], ['6', '6', '0', '2', '2', '2'])

  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-xlsx-'))
  try {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export').click()])
    assert.equal(download.suggestedFilename(), 'workload.xlsx')
    const file = path.join(dir, 'workload.xlsx')
    await download.saveAs(file)
    const csv = execFileSync('xlsx2csv', [file], { encoding: 'utf8' })
    const lines = csv.trim().split(/\r?\n/).map((l) => l.split(','))
    assert.deepEqual(lines[0], header)
    // every row of the page, in the same order, with the same numbers
    assert.deepEqual(lines.slice(1).map((l) => [l[0], ...l.slice(1).map((v) => String(Number(v)))]), rows)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  // 效率: the on-time rate as on the dashboard; 成都市 drills down to its centers
  await page.getByTestId('report-name-efficiency').click()
  await page.getByTestId('report-table').locator('th', { hasText: '按时办结率' }).waitFor()
  assert.equal(await row(page, 'report-table', '合计').getByTestId('report-ontime_rate').innerText(), '100')
  await row(page, 'report-table', '成都市').locator('td').first().click()
  await page.getByTestId('report-crumb-1').filter({ hasText: '成都市' }).waitFor()
  await row(page, 'report-table', '成都市锦江区政务服务中心').waitFor()
  await shot(page, 'reports')
})

test('统计报表: a period over 366 days is refused with the server\'s message', async () => {
  // the picker puts its testid on the range editor or on its inputs, depending on the version
  const start = page.locator('[data-testid="report-dates"] input, input[data-testid="report-dates"]').first()
  await start.click()
  await start.fill('2024-01-01')
  await start.press('Enter')
  await page.keyboard.press('Escape')
  // the table's reload is refused …
  const refused = toast(page, '统计期间不能超过366天')
  await refused.first().waitFor()
  await refused.first().waitFor({ state: 'hidden', timeout: 8000 })
  // … and so is the export: the message, no file
  let downloaded = false
  page.once('download', () => (downloaded = true))
  await page.getByTestId('report-export').click()
  await refused.first().waitFor()
  assert.equal(downloaded, false)
})
