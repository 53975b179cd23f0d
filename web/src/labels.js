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
