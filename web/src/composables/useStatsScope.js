// The scope and period a statistics page shows (监控大屏, 统计报表) and how it got there: a
// trail of {scope, name} from the user's widest scope (the server's default when the trail is
// empty) down to the current one, and the period, this month by default. load() asks
// fetch(period) for the page's reply ({scope, scope_name, …}; its first one names the root
// scope) and hands it to show(), or null when it failed; a reply overtaken by a later load is
// dropped. open() drills into a child row and back() goes up the trail, each loading again.
import { computed, ref } from 'vue'
import { canDrill, thisMonth } from '../stats.js'

export function useStatsScope(fetch, show) {
  const trail = ref([])
  const dates = ref(thisMonth())
  const scope = computed(() => trail.value.at(-1)?.scope)
  const loading = ref(false)
  let generation = 0
  // The query of the statistics routes: scope=&from=&to=.
  const period = () => ({ scope: scope.value, from: dates.value?.[0], to: dates.value?.[1] })

  async function load() {
    const gen = ++generation
    loading.value = true
    try {
      const r = await fetch(period())
      if (gen !== generation) return
      if (!trail.value.length && r?.scope) trail.value = [{ scope: r.scope, name: r.scope_name }]
      show(r)
    } catch {
      if (gen === generation) show(null)
    } finally {
      if (gen === generation) loading.value = false
    }
  }
  // Down into a child row ({scope, name, level?}); nothing for an item, which has no children.
  function open(child) {
    if (!child?.scope || child.scope === scope.value) return
    if (!canDrill(child.level || (String(child.scope).startsWith('item:') ? 'item' : ''))) return
    trail.value = [...trail.value, { scope: child.scope, name: child.name }]
    load()
  }
  // Up to the i-th scope of the trail.
  function back(i) {
    trail.value = trail.value.slice(0, i + 1)
    load()
  }
  return { trail, dates, scope, period, loading, load, open, back }
}
