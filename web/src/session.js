// The logged-in user, shared by the router guard, the layout and the pages.
import { reactive } from 'vue'
import * as api from './api.js'

export const session = reactive({
  user: null,
  loaded: false,
})

export function hasRole(...roles) {
  const mine = session.user?.roles || []
  return roles.some((r) => mine.includes(r))
}

// Ask the server once who we are; later calls reuse the answer.
export async function loadSession(force = false) {
  if (session.loaded && !force) return session.user
  try {
    session.user = await api.fetchMe()
  } catch {
    session.user = null
  }
  session.loaded = true
  return session.user
}

export function setUser(user) {
  session.user = user
  session.loaded = true
}

export function clearSession() {
  session.user = null
  session.loaded = true
  api.setCsrfToken('')
}
