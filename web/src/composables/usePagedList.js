// A server-paged list: the rows of the current page, the page/size/total the
// pager binds to, load() for the current page and search() that starts over at
// page 1 (after a filter changes). fetch({ page, size }) returns { items, total }.
import { reactive, ref } from 'vue'

export function usePagedList(fetch, size = 20) {
  const items = ref([])
  const loading = ref(false)
  const page = reactive({ page: 1, size, total: 0 })

  async function load() {
    loading.value = true
    try {
      const r = await fetch({ page: page.page, size: page.size })
      items.value = r.items || []
      page.total = r.total || 0
    } catch {
      items.value = []
      page.total = 0
    } finally {
      loading.value = false
    }
  }

  function search() {
    page.page = 1
    load()
  }

  return { items, loading, page, load, search }
}
