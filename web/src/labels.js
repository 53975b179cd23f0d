// Chinese names for the codes the API uses, and small display helpers.

export const ROLE_LABELS = {
  clerk: '窗口人员',
  handler: '承办人',
  unit_admin: '单位管理员',
  center_admin: '中心管理员',
  supervisor: '监察人员',
  sysadmin: '系统管理员',
}

export const ROLE_ORDER = ['clerk', 'handler', 'unit_admin', 'center_admin', 'supervisor', 'sysadmin']

// Tag colours so roles are told apart at a glance.
export const ROLE_TAG_TYPES = {
  clerk: 'primary',
  handler: 'success',
  unit_admin: 'warning',
  center_admin: 'warning',
  supervisor: 'info',
  sysadmin: 'danger',
}

export const LEVEL_LABELS = { 1: '省', 2: '市', 3: '县' }

export function roleLabel(role) {
  return ROLE_LABELS[role] || role
}

const dateFmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

// Unix seconds → "2025/11/27 08:00" in Asia/Shanghai, as every date the user reads.
export function formatTime(sec) {
  if (sec === null || sec === undefined || sec === '') return '—'
  return dateFmt.format(new Date(Number(sec) * 1000))
}

// ---- Cases (办件) ----

// Warning lights of the promised limit (承诺时限) and of a step's limit (岗位时限).
export const LIGHT_LABELS = { green: '正常', yellow: '预警', red: '超时', none: '—' }

export const ITEM_KIND_LABELS = { immediate: '即办件', promised: '承诺件' }
export const APPLICANT_KIND_LABELS = { person: '个人', org: '单位' }

// The national 好差评 levels; 2 and below are 差评.
export const RATINGS = [
  { value: 5, label: '非常满意' },
  { value: 4, label: '满意' },
  { value: 3, label: '基本满意' },
  { value: 2, label: '不满意' },
  { value: 1, label: '非常不满意' },
]

// Roles that work cases at the window or on steps (业务办理).
export const WINDOW_ROLES = ['clerk', 'handler', 'unit_admin']

// Tag colours of case states.
export const CASE_STATE_TAG_TYPES = {
  applied: 'primary',
  supplement: 'warning',
  refused: 'info',
  accepted: 'primary',
  in_process: 'primary',
  completed: 'success',
  picked_up: 'success',
  withdrawn: 'info',
}

// ---- Statistics (办件统计): names of the counts the server returns ----
export const STAT_LABELS = {
  applied: '申请',
  received: '收件',
  accepted: '受理',
  refused: '不予受理',
  supplement: '一次性告知',
  in_process: '在办',
  steps_done: '办理环节',
  submitted: '提交',
  returned: '退回',
  transferred: '转外',
  transfer_out: '转外',
  completed: '办结',
  permitted: '准予许可',
  denied: '不予许可',
  picked_up: '已取件',
  withdrawn: '撤回',
  on_time: '按时办结',
  overdue: '超时',
  overdue_steps: '超时环节',
  yellow: '预警',
  red: '超时',
  ratings: '评价',
  satisfied: '满意',
  dissatisfied: '差评',
  on_time_rate: '按时办结率',
  satisfaction_rate: '满意率',
  total: '合计',
  item_name: '事项',
  user_name: '人员',
  name: '名称',
  count: '件数',
  by_item: '按事项',
  by_user: '按人员',
  by_state: '按状态',
}

// ---- Urges (督办 / 催办) ----
// Who urges: center admins, supervisors and sysadmins; what: a case still open.
export const URGE_ROLES = ['center_admin', 'supervisor', 'sysadmin']
export const URGEABLE_CASE_STATES = ['applied', 'supplement', 'accepted', 'in_process']
export const URGE_KINDS = [
  { value: 'supervise', label: '督办', tag: 'danger' },
  { value: 'hurry', label: '催办', tag: 'warning' },
]
export const URGE_STATE_LABELS = { open: '待答复', answered: '已答复' }

const urgeDayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
// The day (Asia/Shanghai, YYYY-MM-DD) `days` days from now: the default reply-by day.
export function dayAhead(days) {
  return urgeDayFmt.format(new Date(Date.now() + days * 86400000))
}

// ---- Warnings (预警) and accountability (自动问责, 差评整改) ----
// 预警监控: who oversees the centers, and a unit admin for their own unit.
export const WARNING_ROLES = ['center_admin', 'supervisor', 'sysadmin', 'unit_admin']
// 问责记录: supervisors and sysadmins decide; a center admin reads.
export const CARD_ROLES = ['supervisor', 'sysadmin', 'center_admin']
export const CARD_DECIDE_ROLES = ['supervisor', 'sysadmin']
// 监控大屏 and 统计报表 (电子监察): who oversees centers; the server limits each to their scope.
export const STATS_ROLES = ['supervisor', 'sysadmin', 'center_admin']
export const CARD_COLORS = {
  yellow: { label: '黄牌', tag: 'warning' },
  red: { label: '红牌', tag: 'danger' },
}
export const CARD_STATES = [
  { value: 'open', label: '待确认', tag: 'warning' },
  { value: 'confirmed', label: '已确认', tag: 'danger' },
  { value: 'dismissed', label: '已纠错', tag: 'info' },
]
export const cardState = (v) => CARD_STATES.find((s) => s.value === v) || { value: v, label: v, tag: 'info' }

// Event types (the audit trail, a card's evidence) in Chinese.
export const EVENT_TYPE_LABELS = {
  'case.apply': '申请',
  'case.materials': '材料核对',
  'case.accept': '受理',
  'case.refuse': '不予受理',
  'case.supplement': '一次性告知',
  'case.resupply': '补正材料',
  'case.submit': '提交',
  'case.return': '退回',
  'case.transfer-out': '转外',
  'case.transfer-back': '转外返回',
  'case.complete': '办结',
  'case.pickup': '取件',
  'case.withdraw': '撤回',
  'urge.create': '督办',
  'urge.answer': '督办答复',
  'card.raise': '生成问责',
  'card.confirm': '确认问责',
  'card.dismiss': '问责纠错',
  'followup.answer': '整改答复',
}
export const eventTypeLabel = (t) => EVENT_TYPE_LABELS[t] || t

// Names of the payload fields an event summary shows; ids and hashes are left out.
const PAYLOAD_KEY_LABELS = {
  no: '办件编号',
  applicant: '申请人',
  kind: '类型',
  due_day: '期限',
  reason: '原因',
  note: '说明',
  opinion: '意见',
  doc_no: '批文号',
  permitted: '准予',
  rating: '评价',
  comment: '评价意见',
  missing: '缺少材料',
  step: '环节',
  message: '内容',
  answer: '答复',
  reply_by: '答复期限',
  rule: '事由',
  color: '颜色',
}
const PAYLOAD_VALUES = {
  person: '个人',
  org: '单位',
  red: '红牌',
  yellow: '黄牌',
  true: '是',
  false: '否',
  step_overdue: '环节超时',
  case_overdue: '办件超期',
  transfer_overdue: '转外超时',
  late_notice: '一次性告知超时',
  urge_unanswered: '督办逾期未复',
  followup_overdue: '差评整改逾期',
}
const epochDay = (n) => new Date(n * 86400000).toISOString().slice(0, 10)

// A one-line summary of an event's payload: its plain values, 名称：值 (day numbers as dates).
export function payloadSummary(payload, max = 160) {
  if (!payload || typeof payload !== 'object') return ''
  const parts = []
  for (const [k, v] of Object.entries(payload)) {
    if (v === null || v === undefined || v === '' || k === 'id' || k.endsWith('_id') || k.endsWith('hash')) continue
    const name = PAYLOAD_KEY_LABELS[k] || k
    if (typeof v === 'object') {
      if (Array.isArray(v) && v.length && v.every((x) => typeof x !== 'object')) parts.push(`${name}：${v.join('、')}`)
      continue
    }
    const text = k.endsWith('_day') && typeof v === 'number' ? epochDay(v) : PAYLOAD_VALUES[String(v)] || v
    parts.push(`${name}：${text}`)
  }
  const s = parts.join('；')
  return s.length > max ? s.slice(0, max) + '…' : s
}
