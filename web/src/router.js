// Routes, the menu built from them, and the guard that sends a visitor to the
// login page and a user with the initial password to the password page.
// The guard only spares the user a 403: the server checks every call itself.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession, hasRole } from './session.js'
import MainLayout from './layouts/MainLayout.vue'
import LoginView from './views/auth/LoginView.vue'
import HomeView from './views/home/HomeView.vue'
import PasswordView from './views/account/PasswordView.vue'
import TokensView from './views/account/TokensView.vue'
import RegionsView from './views/system/RegionsView.vue'
import CentersView from './views/system/CentersView.vue'
import UnitsView from './views/system/UnitsView.vue'
import UsersView from './views/system/UsersView.vue'
import ItemsView from './views/system/ItemsView.vue'
import CalendarView from './views/system/CalendarView.vue'
import ProcessView from './views/system/ProcessView.vue'

export const APP_TITLE = '政务服务中心行政审批与电子监察系统'

// meta.group puts an entry under a submenu; meta.roles limits who sees and opens it.
const appRoutes = [
  { path: '', name: 'home', component: HomeView, meta: { title: '首页', icon: 'HomeFilled' } },
  {
    path: 'regions',
    name: 'regions',
    component: RegionsView,
    meta: { title: '区划管理', icon: 'Location', group: 'system', roles: ['sysadmin'] },
  },
  {
    path: 'centers',
    name: 'centers',
    component: CentersView,
    meta: { title: '中心管理', icon: 'OfficeBuilding', group: 'system', roles: ['sysadmin', 'center_admin'] },
  },
  {
    path: 'units',
    name: 'units',
    component: UnitsView,
    meta: { title: '单位管理', icon: 'School', group: 'system', roles: ['sysadmin', 'center_admin'] },
  },
  {
    path: 'users',
    name: 'users',
    component: UsersView,
    meta: { title: '用户管理', icon: 'User', group: 'system', roles: ['sysadmin', 'center_admin', 'unit_admin'] },
  },
  {
    path: 'items',
    name: 'items',
    component: ItemsView,
    meta: { title: '事项管理', icon: 'Document', group: 'system', roles: ['sysadmin', 'center_admin', 'unit_admin'] },
  },
  {
    path: 'calendar',
    name: 'calendar',
    component: CalendarView,
    meta: { title: '工作日历', icon: 'Calendar', group: 'system', roles: ['sysadmin'] },
  },
  {
    path: 'password',
    name: 'password',
    component: PasswordView,
    meta: { title: '修改密码', icon: 'Lock', group: 'account' },
  },
  {
    path: 'tokens',
    name: 'tokens',
    component: TokensView,
    meta: { title: 'API令牌', icon: 'Key', group: 'account' },
  },
]

export const MENU_GROUPS = [
  { key: 'system', title: '系统管理', icon: 'Setting' },
  { key: 'account', title: '个人设置', icon: 'Avatar' },
]

const routes = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: '登录' } },
  { path: '/', component: MainLayout, children: appRoutes },
  // 流程配置 of one item: opened from 事项管理, not a menu entry
  {
    path: '/items/:id/process',
    component: MainLayout,
    children: [
      { path: '', name: 'process', component: ProcessView, meta: { title: '流程配置', group: 'system', roles: ['sysadmin', 'center_admin', 'unit_admin'] } },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
})

export function canOpen(route) {
  const roles = route.meta?.roles
  return !roles || hasRole(...roles)
}

// The menu the current user sees: only pages their roles may open, and only
// 修改密码 while the initial password is still set.
export function visibleMenu() {
  const user = session.user
  if (!user) return []
  const allowed = appRoutes.filter((r) => canOpen(r) && (!user.must_change_password || r.name === 'password'))
  const items = []
  for (const r of allowed.filter((r) => !r.meta.group)) {
    items.push({ path: '/' + r.path, title: r.meta.title, icon: r.meta.icon })
  }
  for (const g of MENU_GROUPS) {
    const children = allowed
      .filter((r) => r.meta.group === g.key)
      .map((r) => ({ path: '/' + r.path, title: r.meta.title, icon: r.meta.icon }))
    if (children.length) items.push({ ...g, children })
  }
  return items
}

router.beforeEach(async (to) => {
  const user = await loadSession()
  if (to.meta.public) {
    // A logged-in user opening /login goes straight in.
    return user ? (to.query.redirect ? String(to.query.redirect) : '/') : true
  }
  if (!user) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (user.must_change_password && to.name !== 'password') return { name: 'password' }
  if (!canOpen(to)) return '/'
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title && to.name !== 'home' ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE
})
