// The web UI's own checks of identity numbers (web/src/idcheck.js), which catch a typing slip
// before the form is sent: they must accept what the server accepts (src/core/ids.c) and name
// the fault in Chinese. No browser needed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { idCardProblem, creditCodeProblem } from '../../web/src/idcheck.js'

test('GB 11643 ID card numbers: check digit, X, length', () => {
  for (const ok of ['510104199001011230', '11010519491231002X', '11010519491231002x', '510102198005053318']) {
    assert.equal(idCardProblem(ok), '', ok)
  }
  assert.match(idCardProblem('510104199001011231'), /校验位不正确/)
  assert.match(idCardProblem('51010419900101123'), /18位/)
  assert.match(idCardProblem('5101041990010112AB'), /18位/)
})

test('GB 32100 credit codes: the organisation code (GB 11714) and the final check character', () => {
  for (const ok of ['91350100M000100Y43', '91510104MA6C00009B']) assert.equal(creditCodeProblem(ok), '', ok)
  assert.match(creditCodeProblem('91510104MA6C00000F'), /组织机构代码校验位/)
  assert.match(creditCodeProblem('91350100M000100Y44'), /校验位不正确/)
  assert.match(creditCodeProblem('91350100M000100YI3'), /不含I、O、S、V、Z/)
})
