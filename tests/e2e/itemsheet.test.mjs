// 事项管理 ↔ spreadsheet through the browser: a center admin imports a CSV file saved by
// Chinese Excel (GBK), sees the items; a bad file is explained by row and column and writes
// nothing; 导出Excel downloads an .xlsx; 下载导入模板 a UTF-8 CSV with a byte-order mark.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { shot, startLoggedIn, makeJinjiang, toast, row } from './server.mjs'

const PW = 'JjAdmin2025pw'
const HEADER = '单位代码,事项编码,事项名称,类型,法定时限,承诺时限,进驻中心,窗口授权,投资项目,设定依据,办理条件,收费标准,办理地点和时间,应交材料,状态'
let page, admin, centerId, close

before(async () => {
  ;({ page, admin, close } = await startLoggedIn(async (sysadmin, server) => {
    const jj = await makeJinjiang(sysadmin)
    centerId = jj.center.id
    await sysadmin.must('POST', '/users', { username: 'jj_admin', name: '锦江管理员', roles: ['center_admin'], center_id: centerId })
    await server.api().activate('jj_admin', PW)
    return { username: 'jj_admin', password: PW }
  }))
})
after(() => close?.())

const gbk = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text) })

async function importFile(name, buffer) {
  await page.getByTestId('item-import-file').setInputFiles({ name, mimeType: 'text/csv', buffer })
}

test('事项管理: import a CSV file, see the row/column of a bad one, export to Excel', async () => {
  await page.getByTestId('menu-items').click()
  await page.getByTestId('item-table').waitFor()

  // A file saved by Chinese Excel: GBK, CRLF, a two-line materials cell.
  const good = [
    HEADER,
    'scj,SCJ-001,食品经营许可,承诺,20,10,是,是,否,《中华人民共和国食品安全法》第三十五条,有经营场所,不收费,二楼窗口,"食品经营许可申请书|原件|1|必交|\r\n营业执照|复印件|2|必交|加盖公章",正常',
    'scj,SCJ-002,食品小作坊登记,即办,5,0,是,否,否,,,,,身份证|复印件|1|必交|,正常',
  ].join('\r\n') + '\r\n'
  await importFile('事项.csv', gbk(good))
  await toast(page, '导入完成：新增2项，更新0项').waitFor()
  await row(page, 'item-table', 'SCJ-001').waitFor()
  assert.match(await row(page, 'item-table', 'SCJ-001').innerText(), /食品经营许可[\s\S]*承诺件[\s\S]*20 \/ 10 工作日[\s\S]*2/)
  assert.match(await row(page, 'item-table', 'SCJ-002').innerText(), /食品小作坊登记[\s\S]*即办件/)

  // Row 3 promises more than the law allows: nothing is written, the message names the cell.
  const bad = '\ufeff' + [
    HEADER,
    'scj,SCJ-003,食品生产许可,承诺,20,10,是,否,否,,,,,申请书|原件|1|必交|,正常',
    'scj,SCJ-004,食品添加剂生产许可,承诺,20,30,是,否,否,,,,,申请书|原件|1|必交|,正常',
  ].join('\n') + '\n'
  await importFile('有错.csv', Buffer.from(bad))
  const alert = page.getByTestId('item-import-error')
  await alert.waitFor()
  assert.match(await alert.innerText(), /第3行第6列（承诺时限）：承诺时限\(30\)不能超过法定时限\(20\)/)
  await shot(page, '75-items-import')
  assert.equal(await row(page, 'item-table', 'SCJ-003').count(), 0)
  const list = await admin.must('GET', `/items?center_id=${centerId}`)
  assert.deepEqual(list.items.map((i) => i.code).sort(), ['SCJ-001', 'SCJ-002'])
  // The message stays until closed.
  await page.waitForTimeout(3500)
  assert.ok(await alert.isVisible())
  await alert.locator('.el-alert__close-btn').click()
  await alert.waitFor({ state: 'detached' })

  // 导出Excel: an .xlsx download with the current filters.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('item-export').click()])
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK')

  // 下载导入模板: header + one example row, UTF-8 with BOM.
  const [tpl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('item-import-template').click()])
  const t = readFileSync(await tpl.path())
  assert.deepEqual([...t.subarray(0, 3)], [0xef, 0xbb, 0xbf])
  const lines = t.subarray(3).toString('utf8').split('\r\n')
  assert.equal(lines[0], HEADER)
  assert.match(lines[1], /^scj,SCJ-001,/)
})
