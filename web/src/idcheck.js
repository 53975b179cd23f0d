// Client-side checks of Chinese identity numbers, so a typing slip is caught before
// sending. The server checks again and is the judge; these only spare a round trip.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

// GB 11643: 18 characters, 17 digits and a check character (0-9 or X) — '' when valid,
// else the reason in Chinese.
export function idCardProblem(v) {
  const s = String(v || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(s)) return '身份证号应为18位（最后一位可为X）'
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i]
  if (ID_CHECK[sum % 11] !== s[17]) return '身份证号校验位不正确，请核对'
  return ''
}

const CC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

// GB 32100: the 18-character unified social credit code (统一社会信用代码).
export function creditCodeProblem(v) {
  const s = String(v || '').trim().toUpperCase()
  if (s.length !== 18 || [...s].some((ch) => !CC_CHARS.includes(ch))) {
    return '统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）'
  }
  // characters 9-17: the organisation code (GB 11714) with its own check character
  let org = 0
  for (let i = 0; i < 8; i++) org += parseInt(s[8 + i], 36) * ORG_WEIGHTS[i]
  const r = 11 - (org % 11)
  if (s[16] !== (r === 10 ? 'X' : r === 11 ? '0' : String(r))) return '统一社会信用代码中的组织机构代码校验位不正确，请核对'
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CC_CHARS.indexOf(s[i]) * CC_WEIGHTS[i]
  if (CC_CHARS[(31 - (sum % 31)) % 31] !== s[17]) return '统一社会信用代码校验位不正确，请核对'
  return ''
}

// An element-plus form rule from one of the checks above (empty values pass: use required).
export function ruleOf(problem) {
  return {
    trigger: 'blur',
    validator: (_rule, value, cb) => {
      const p = value ? problem(value) : ''
      cb(p ? new Error(p) : undefined)
    },
  }
}
