// A list page's filters kept in its address (?region=&center_id=&light= …): read when the
// page opens and whenever its address changes (a link from 监控大屏, 返回, a closed tag), and
// written back by apply(), so that the address always says what the list shows and can be
// bookmarked or sent on. parsers: {key: (value in the address) → filter value}; an empty
// filter value ('' or null) leaves its key out of the address. reload() lists again from
// page 1 (a paged list's search).
import { reactive, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'

const empty = (v) => v === '' || v === null || v === undefined

// Parsers of the usual filters.
export const asId = (v) => Number(v) || null
export const asText = (v) => (typeof v === 'string' ? v : '')
export const asRegion = (v) => (/^\d{6}$/.test(v || '') ? v : '')
export const asOneOf =
  (...values) =>
  (v) =>
    values.includes(v) ? v : ''

export function useQueryFilter(parsers, reload) {
  const route = useRoute()
  const router = useRouter()
  const page = route.name
  const keys = Object.keys(parsers)
  const filter = reactive({})
  const read = () => keys.forEach((k) => (filter[k] = parsers[k](route.query[k])))
  read()
  // The address of the filter, or of the page as it is.
  const query = (from) =>
    Object.fromEntries(
      keys
        .map((k) => [k, typeof from[k] === 'string' ? from[k].trim() : from[k]])
        .filter(([, v]) => !empty(v))
        .map(([k, v]) => [k, String(v)]),
    )
  watch(
    () => route.query,
    () => {
      if (route.name !== page) return
      read()
      reload()
    },
  )
  // After a filter changes: into the address, which lists again; the same address lists again too.
  function apply() {
    const q = query(filter)
    const now = query(route.query)
    if (JSON.stringify(q) === JSON.stringify(now)) reload()
    else router.push({ query: q })
  }
  function drop(key) {
    filter[key] = parsers[key](undefined)
    apply()
  }
  return { filter, apply, drop }
}
