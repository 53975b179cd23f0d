// Routes, the menu built from them, and the guard that sends a visitor to the
// login page and a user with the initial password to the password page.
// The guard only spares the user a 403: the server checks every call itself.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession, hasRole } from './session.js'
import MainLayout from './layouts/MainLayout.vue'
import LoginView from './views/auth/LoginView.vue'
import HomeView from './views/cases/HomeView.vue'
import ConsultView from './views/cases/ConsultView.vue'
import ApplyView from './views/cases/ApplyView.vue'
import PickupView from './views/cases/PickupView.vue'
import ProgressView from './views/public/ProgressView.vue'
import PasswordView from './views/account/PasswordView.vue'
import TokensView from './views/account/TokensView.vue'
import RegionsView from './views/system/RegionsView.vue'
import CentersView from './views/system/CentersView.vue'
import UnitsView from './views/system/UnitsView.vue'
import UsersView from './views/system/UsersView.vue'
import ItemsView from './views/system/ItemsView.vue'
import CalendarView from './views/system/CalendarView.vue'
import ProcessView from './views/system/ProcessView.vue'
import NoticeTemplatesView from './views/system/NoticeTemplatesView.vue'
import CaseView from './views/cases/CaseView.vue'
import ApprovalView from './views/cases/ApprovalView.vue'
import QueryView from './views/cases/QueryView.vue'
import StatsView from './views/cases/StatsView.vue'
import HelpView from './views/help/HelpView.vue'
import UrgesView from './views/admin/UrgesView.vue'
import WarningsView from './views/admin/WarningsView.vue'
import CardsView from './views/supervision/CardsView.vue'
import { WINDOW_ROLES, URGE_ROLES, WARNING_ROLES, CARD_ROLES, STATS_ROLES } from './labels.js'
// The statistics pages load ECharts: their own chunk, fetched when first opened.
const DashboardView = () => import('./views/supervision/DashboardView.vue')
const ReportsView = () => import('./views/supervision/ReportsView.vue')

export const APP_TITLE = '政务服务中心行政审批与电子监察系统'

// meta.group puts an entry under a submenu; meta.roles limits who sees and opens it.
const appRoutes = [
  { path: '', name: 'home', component: HomeView, meta: { title: '首页', icon: 'HomeFilled' } },
  // 业务办理: the window work (咨询, 申请, 取件) and the user's own cases
  { path: 'mine', name: 'mine', component: HomeView, meta: { title: '我的办件', icon: 'List', group: 'cases', roles: WINDOW_ROLES } },
  { path: 'consult', name: 'consult', component: ConsultView, meta: { title: '咨询登记', icon: 'ChatDotRound', group: 'cases', roles: WINDOW_ROLES } },
  { path: 'apply', name: 'apply', component: ApplyView, meta: { title: '办件申请', icon: 'DocumentAdd', group: 'cases', roles: WINDOW_ROLES } },
  { path: 'pickup', name: 'pickup', component: PickupView, meta: { title: '取件', icon: 'Tickets', group: 'cases', roles: WINDOW_ROLES } },
  // 业务办理, back office: the handler's queue, the search over all cases, the counts
  { path: 'approval', name: 'approval', component: ApprovalView, meta: { title: '审批办理', icon: 'Stamp', group: 'cases', roles: ['handler', 'unit_admin'] } },
  { path: 'query', name: 'query', component: QueryView, meta: { title: '办件查询', icon: 'Search', group: 'cases' } },
  { path: 'stats', name: 'stats', component: StatsView, meta: { title: '办件统计', icon: 'DataAnalysis', group: 'cases' } },
  // 行政管理: oversight of the centers (督办催办)
  { path: 'admin/urges', name: 'urges', component: UrgesView, meta: { title: '督办催办', icon: 'Bell', group: 'admin', roles: URGE_ROLES } },
  { path: 'admin/warnings', name: 'warnings', component: WarningsView, meta: { title: '预警监控', icon: 'AlarmClock', group: 'admin', roles: WARNING_ROLES } },
  // 电子监察: the indicators and their drill-down (监控大屏, a supervisor's first page), the
  // statistics tables, the cards the server raises by itself (自动问责)
  { path: 'supervision/dashboard', name: 'dashboard', component: DashboardView, meta: { title: '监控大屏', icon: 'DataBoard', group: 'supervision', roles: STATS_ROLES } },
  { path: 'supervision/reports', name: 'reports', component: ReportsView, meta: { title: '统计报表', icon: 'Histogram', group: 'supervision', roles: STATS_ROLES } },
  { path: 'supervision/cards', name: 'cards', component: CardsView, meta: { title: '问责记录', icon: 'Flag', group: 'supervision', roles: CARD_ROLES } },
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
    path: 'notice-templates',
    name: 'notice-templates',
    component: NoticeTemplatesView,
    meta: { title: '通知书模板', icon: 'Memo', group: 'system', roles: ['sysadmin', 'center_admin', 'unit_admin'] },
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
  { key: 'cases', title: '业务办理', icon: 'Briefcase' },
  { key: 'admin', title: '行政管理', icon: 'Management' },
  { key: 'supervision', title: '电子监察', icon: 'Monitor' },
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
  // One case at the window (materials, decision, completion, resupply): opened from 我的办件 or after applying
  {
    path: '/apply/:no',
    component: MainLayout,
    children: [
      { path: '', name: 'apply-case', component: ApplyView, meta: { title: '办件申请', group: 'cases', roles: WINDOW_ROLES } },
    ],
  },
  // 办件详情: opened from every case list, not a menu entry
  { path: '/cases/:no', component: MainLayout, children: [{ path: '', name: 'case', component: CaseView, meta: { title: '办件详情', group: 'cases' } }] },
  // 帮助: the user manual (docs/manual), from the header's 帮助 link
  {
    path: '/help',
    component: MainLayout,
    children: [
      { path: '', name: 'help', component: HelpView, meta: { title: '帮助' } },
      { path: ':page', name: 'help-page', component: HelpView, meta: { title: '帮助' } },
    ],
  },
  // 办件进度查询: for applicants, no login (the QR code on notices points here)
  { path: '/progress', name: 'progress', component: ProgressView, meta: { public: true, title: '办件进度查询' } },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
})

// Where a user lands after logging in: a supervisor on 监控大屏, others on 首页.
export function landingPath(user) {
  return user?.roles?.includes('supervisor') ? '/supervision/dashboard' : '/'
}

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
    // A logged-in user opening /login goes straight in; other public pages are for anyone.
    if (to.name !== 'login') return true
    return user ? (to.query.redirect ? String(to.query.redirect) : landingPath(user)) : true
  }
  if (!user) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (user.must_change_password && to.name !== 'password') return { name: 'password' }
  if (!canOpen(to)) return '/'
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title && to.name !== 'home' ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE
})
