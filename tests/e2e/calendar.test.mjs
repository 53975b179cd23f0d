// 工作日历 through the browser: a sysadmin sees 2008's 春节, imports a bad file (refused with
// its row and column), adds a 2027 holiday and uses the due-date box.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { shot, startLoggedIn, row, toast } from './server.mjs'

let page, admin, close
before(async () => {
  ;({ page, admin, close } = await startLoggedIn())
})
after(() => close?.())

async function setYear(y) {
  const input = page.getByTestId('cal-year').locator('input')
  await input.fill(String(y))
  await input.press('Enter')
  await page.getByTestId('cal-summary').filter({ hasText: `${y}年` }).waitFor()
}

async function pickDate(testid, day) {
  const input = page.getByTestId(testid).locator('input')
  await input.fill(day)
  await input.press('Enter')
}

async function dueOf(from, days) {
  await pickDate('due-from', from)
  await page.getByTestId('due-days').locator('input').fill(String(days))
  await page.getByTestId('due-calc').click()
  const r = page.getByTestId('due-result')
  await r.waitFor()
  return r
}

test('工作日历: 2008 shows 春节 (休) and 调休 (班) days in the grid and the list', async () => {
  await page.getByTestId('menu-calendar').click()
  await page.getByTestId('cal-grid').waitFor()
  assert.equal(new URL(page.url()).pathname, '/calendar')
  await setYear(2008)
  assert.match(await page.getByTestId('cal-summary').innerText(), /全年工作日\s*251\s*天/)
  const spring = page.getByTestId('cal-day-2008-02-06')
  await spring.waitFor()
  assert.match(await spring.getAttribute('class'), /holiday/)
  assert.match(await spring.innerText(), /休/)
  assert.match(await page.getByTestId('cal-day-2008-02-02').getAttribute('class'), /workday/)

  await page.getByTestId('cal-view').getByText('列表').click()
  const r = row(page, 'cal-table', '2008-02-06')
  await r.waitFor()
  assert.match(await r.innerText(), /星期三[\s\S]*休[\s\S]*春节/)
  assert.match(await row(page, 'cal-table', '2008-02-02').innerText(), /星期六[\s\S]*班/)
})

test('工作日历: a file with a bad row is refused with its row and column, nothing imported', async () => {
  await page.getByTestId('cal-import').locator('input[type=file]').setInputFiles({
    name: '2029.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('date,kind,name\n2029-01-01,holiday,元旦\n2029-01-02,班,错误\n'),
  })
  const err = page.getByTestId('cal-import-error')
  await err.waitFor()
  assert.match(await err.innerText(), /第3行[\s\S]*星期二/)
  assert.deepEqual((await admin.must('GET', '/calendar?year=2029')).items, [])
})

test('工作日历: add a 2027 holiday; the due-date box counts with it', async () => {
  await page.getByTestId('cal-add').click()
  await pickDate('cal-form-day', '2027-01-01')
  await page.getByTestId('cal-form-name').fill('元旦')
  await page.getByTestId('cal-save').click()
  await toast(page, '2027-01-01（星期五）已设为休').waitFor()
  await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })
  await page.getByTestId('cal-summary').filter({ hasText: '2027年' }).waitFor()
  const r = row(page, 'cal-table', '2027-01-01')
  await r.waitFor()
  assert.match(await r.innerText(), /星期五[\s\S]*休[\s\S]*元旦/)

  // Thursday 2026-12-31 + 1 working day skips the new holiday and the weekend.
  assert.match(await (await dueOf('2026-12-31', 1)).innerText(), /2027-01-04\s*星期一/)

  await page.getByTestId('cal-view').getByText('月历').click()
  await setYear(2008)
  assert.match(await (await dueOf('2008-02-01', 5)).innerText(), /2008-02-13\s*星期三/)
  await page.locator('.main').evaluate((el) => el.scrollTo(0, 0))
  await shot(page, '60-calendar')
})
