// The replies of GET /stats/mine and /stats/unit as the page shows them. A reply:
// {from, to, unit_id, items: [{key, label, value}]}; other {key: number} pairs too, and
// nested groups (by item, by person …) as arrays of objects, shown as tables.
import { STAT_LABELS, dayAhead } from './labels.js'

export const statLabel = (k) => STAT_LABELS[k] || k
const isCount = (x) => x && typeof x === 'object' && 'key' in x && typeof x.value === 'number'

// [key, number, label] of a reply, in its order.
export function statNumbers(o) {
  if (!o) return []
  const counts = Array.isArray(o.items) ? o.items.filter(isCount) : []
  return [
    ...counts.map((c) => [c.key, c.value, c.label]),
    ...Object.entries(o).filter(([k, v]) => typeof v === 'number' && k !== 'unit_id'),
  ]
}

// [key, rows] of the nested groups of a reply.
export const statTables = (o) =>
  Object.entries(o || {}).filter(([, v]) => Array.isArray(v) && v.length && typeof v[0] === 'object' && !isCount(v[0]))

// The columns of a group's rows, ids left out.
export const statColumns = (rows) =>
  [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !k.endsWith('_id') && k !== 'id')

// A value as shown: rates and ratios in per cent.
export const fmtStat = (k, v) => (typeof v === 'number' && /(^|_)(rate|ratio)$/.test(k) ? `${(v * 100).toFixed(1)}%` : v)

// ---- Supervision statistics (GET /stats/indicators, /stats/children, /stats/tables) ----
// The default period: this month up to today (Asia/Shanghai), as the server's default.
export function thisMonth() {
  const today = dayAhead(0)
  return [today.slice(0, 8) + '01', today]
}

// An Indicator {key,label,value,numerator,denominator,unit} as shown: "83.33%", "12 天", "—".
export function fmtIndicator(ind) {
  if (!ind || ind.value === null || ind.value === undefined) return '—'
  return ind.unit === '%' ? `${ind.value}%` : `${ind.value} ${ind.unit || ''}`.trim()
}
// Its tooltip: the fraction behind a rate, the sum behind a count.
export function indicatorTip(ind) {
  if (!ind) return ''
  if (ind.denominator === null || ind.denominator === undefined) return `${ind.label}：${ind.numerator ?? '—'} ${ind.unit || ''}`.trim()
  const frac = `${ind.numerator} / ${ind.denominator}`
  return ind.denominator === 0 ? `${ind.label}：${frac}（分母为0，无数值）` : `${ind.label}：${frac}`
}
// The indicator of a key in a list of them.
export const indicator = (list, key) => (list || []).find((i) => i.key === key) || null

// The tables of 统计报表, by their name in /stats/tables/{name}.
export const STAT_TABLE_NAMES = [
  { value: 'workload', label: '工作量' },
  { value: 'efficiency', label: '效率' },
  { value: 'overtime', label: '超时' },
  { value: 'transfer', label: '转外' },
  { value: 'satisfaction', label: '满意度' },
  { value: 'catalog', label: '事项目录' },
]
// Scope levels of /stats/children as named in the page; an item has no children.
export const SCOPE_LEVELS = { province: '省', city: '市', county: '区县', region: '区划', center: '中心', unit: '单位', item: '事项' }
export const canDrill = (level) => level !== 'item'
