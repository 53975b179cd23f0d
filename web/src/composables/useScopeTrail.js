// The scope a statistics page shows and how it got there: a trail of {scope, name} from the
// user's widest scope (the server's default when the trail is empty) down to the current one.
import { computed, ref } from 'vue'
import { canDrill } from '../stats.js'

export function useScopeTrail() {
  const trail = ref([])
  const scope = computed(() => trail.value.at(-1)?.scope)
  // After a reply: the first one names the root scope.
  function seen(reply) {
    if (!trail.value.length && reply?.scope) trail.value = [{ scope: reply.scope, name: reply.scope_name }]
  }
  // Down into a child row ({scope, name, level?}); false when it has no children (an item).
  function drill(child) {
    if (!child?.scope || child.scope === scope.value) return false
    if (!canDrill(child.level || (String(child.scope).startsWith('item:') ? 'item' : ''))) return false
    trail.value = [...trail.value, { scope: child.scope, name: child.name }]
    return true
  }
  function go(i) {
    trail.value = trail.value.slice(0, i + 1)
  }
  return { trail, scope, seen, drill, go }
}
