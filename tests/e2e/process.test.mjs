// 流程配置 through the browser: a unit admin turns the default process of a promised item into
// a parallel process with a transfer-out step, is told exactly why a wrong sum is refused,
// fixes it, saves, and views the flowchart the server draws, also of a saved version.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { shot, startLoggedIn, makeJinjiang, pickOption, toast } from './server.mjs'

const PW = 'Unit2025pw'
let page, item, unitName, close

before(async () => {
  ;({ page, close } = await startLoggedIn(async (admin, server) => {
    const { center, unit, defaultUser } = await makeJinjiang(admin, { center: '锦江区政务服务中心' })
    unitName = unit.name
    await admin.must('POST', '/users', { username: 'scj_zhang', name: '张承办', roles: ['handler'], center_id: center.id, unit_id: unit.id })
    const ua = server.api()
    await ua.activate(defaultUser.username, PW)
    item = await ua.must('POST', '/items', {
      unit_id: unit.id, code: 'SCJ-001', name: '食品经营许可', kind: 'promised', statutory_days: 20, promised_days: 10,
    })
    return { username: defaultUser.username, password: PW }
  }))
})
after(() => close?.())

async function setNumber(testid, value) {
  const input = page.getByTestId(testid).locator('input')
  await input.fill(String(value))
  await input.press('Tab')
}

const chartHas = (text) => page.getByTestId('process-chart').filter({ hasText: text }).waitFor()

test('流程配置: the default process of a promised item, with its flowchart', async () => {
  // reached from 事项管理's 流程配置 button
  await page.goto('/items')
  await page.getByTestId(`item-process-${item.id}`).click()
  await page.getByTestId('process-steps').waitFor()
  assert.equal(await page.getByTestId('process-item-name').innerText(), '食品经营许可')
  assert.match(await page.getByTestId('process-promised').innerText(), /10个工作日/)
  assert.match(await page.getByTestId('process-version-line').innerText(), /默认流程/)
  assert.match(await page.getByTestId('process-total').innerText(), /各环节时限之和 10 \/ 承诺时限 10/)
  assert.equal(await page.getByTestId('process-total-light').getAttribute('class'), 'light green')
  await chartHas('审核')
  await chartHas('9个工作日')
  await shot(page, '80-process-default')
})

test('流程配置: a parallel stage and a transfer-out step; a wrong sum is refused with the rule', async () => {
  // stage 2: two approve steps in parallel
  await page.getByTestId('step-name-1').fill('食品安全审查')
  await setNumber('step-limit-1', 5)
  await pickOption(page, 'step-handler-1', '张承办')
  await page.getByTestId('step-parallel-1').click()
  await page.getByTestId('step-name-2').fill('经营场所核查')
  assert.equal(await page.getByTestId('step-light-2').getAttribute('data-state'), 'red', 'no handler yet')
  await pickOption(page, 'step-handler-2', unitName)
  await setNumber('step-limit-2', 3)
  assert.equal(await page.getByTestId('step-light-2').getAttribute('data-state'), 'green')
  // stage 3: a transfer-out step; stage 4: the decision
  await page.getByTestId('process-add-step').click()
  await page.getByTestId('step-name-3').fill('专家评审')
  await pickOption(page, 'step-kind-3', '转外')
  await page.getByTestId('step-tdesc-3').fill('组织专家现场评审')
  await setNumber('step-tdays-3', 15)
  await page.getByTestId('process-add-step').click()
  await page.getByTestId('step-name-4').fill('审批决定')
  await pickOption(page, 'step-handler-4', '张承办')
  await setNumber('step-limit-4', 3)

  // 0 + max(5, 3) + (transfer-out) + 3 + 1 = 9, not 10
  const total = page.getByTestId('process-total')
  await total.filter({ hasText: '各环节时限之和 9 / 承诺时限 10' }).waitFor()
  assert.equal(await page.getByTestId('process-total-light').getAttribute('class'), 'light red')
  await chartHas('第2阶段（并联）')
  await chartHas('转外时限：15个工作日')
  await page.getByTestId('process-save').click()
  const err = page.getByTestId('process-error')
  await err.waitFor()
  assert.match(await err.innerText(), /各环节时限之和\(9\)须等于承诺时限\(10\)/)
  await shot(page, '80-process-error', { keepMessages: true })

  // fix: the decision takes 4 days
  await setNumber('step-limit-4', 4)
  await total.filter({ hasText: '各环节时限之和 10 / 承诺时限 10' }).waitFor()
  assert.equal(await page.getByTestId('process-total-light').getAttribute('class'), 'light green')
  await page.getByTestId('process-save').click()
  await toast(page, '流程已保存为第1版').waitFor()
  await err.waitFor({ state: 'hidden' })
  assert.match(await page.getByTestId('process-version-line').innerText(), /第1版/)
  await chartHas('【转外】专家评审')
  await chartHas('审批决定')
  await shot(page, '80-process-saved')
})

test('流程配置: a saved version shows the flowchart the server stored; the API has the same version', async () => {
  await pickOption(page, 'process-version', '第1版')
  const saved = page.getByTestId('process-saved-chart')
  await saved.filter({ hasText: '食品经营许可 · 第1版' }).waitFor()
  assert.match(await saved.innerText(), /经营场所核查/)
  await shot(page, '80-process-version')

  const r = await page.evaluate(async (id) => (await fetch(`/api/v1/items/${id}/process`)).json(), item.id)
  assert.equal(r.version, 1)
  assert.deepEqual(r.steps.map((s) => [s.stage, s.kind, s.limit_days]), [
    [1, 'accept', 0], [2, 'approve', 5], [2, 'approve', 3], [3, 'transfer_out', 0], [4, 'approve', 4], [5, 'complete', 1],
  ])
  assert.equal(r.steps[3].transfer_desc, '组织专家现场评审')
})
