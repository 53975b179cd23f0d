// Region list helpers shared by the pages that show or pick regions.
import * as api from './api.js'

// Build a tree (children arrays) from the flat list the API returns.
// A region whose parent is not in the list becomes a root.
export function regionTree(items) {
  const byCode = new Map(items.map((r) => [r.code, { ...r, children: [] }]))
  const roots = []
  for (const node of byCode.values()) {
    const parent = node.parent && byCode.get(node.parent)
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const sort = (list) => {
    list.sort((a, b) => a.code.localeCompare(b.code))
    for (const n of list) {
      if (n.children.length) sort(n.children)
      else delete n.children
    }
  }
  sort(roots)
  return roots
}

export async function loadRegions() {
  const r = await api.listRegions()
  return r.items || []
}
