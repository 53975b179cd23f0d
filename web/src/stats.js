// The replies of GET /stats/mine and /stats/unit as the page shows them. A reply:
// {from, to, unit_id, items: [{key, label, value}]}; other {key: number} pairs too, and
// nested groups (by item, by person …) as arrays of objects, shown as tables.
import { STAT_LABELS } from './labels.js'

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
