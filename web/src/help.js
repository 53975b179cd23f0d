// The user manual (docs/manual, Chinese Markdown) in the UI: its pages by name, and the page
// that explains the screen a user is on (the header's 帮助 link opens it).
export const HELP_PAGES = [
  { name: 'login', title: '登录与修改密码' },
  { name: 'consult', title: '咨询' },
  { name: 'apply', title: '申请与受理' },
  { name: 'approval', title: '审批' },
  { name: 'complete', title: '办结' },
  { name: 'pickup', title: '取件' },
  { name: 'query', title: '查询与统计' },
  { name: 'supervision', title: '电子监察' },
  { name: 'templates', title: '通知书模板' },
  { name: 'system', title: '系统管理' },
]

const BY_ROUTE = {
  password: 'login',
  tokens: 'login',
  consult: 'consult',
  apply: 'apply',
  'apply-case': 'apply',
  approval: 'approval',
  case: 'approval',
  pickup: 'pickup',
  query: 'query',
  stats: 'query',
  dashboard: 'supervision',
  reports: 'supervision',
  warnings: 'supervision',
  cards: 'supervision',
  'notice-templates': 'templates',
  regions: 'system',
  centers: 'system',
  units: 'system',
  users: 'system',
  items: 'system',
  process: 'system',
  calendar: 'system',
}

export function helpPath(routeName) {
  const p = BY_ROUTE[routeName]
  return p ? `/help/${p}` : '/help'
}
