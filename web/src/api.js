// The one HTTP client of the web UI. Every call to the shenpi API goes through
// request(): it keeps the CSRF token of the cookie session, turns the server's
// {"error":{code,message,field}} into a thrown ApiError, shows the server's
// Chinese message, and sends the user to the login or password page when the
// server says so. The server enforces every rule; this module only relays it.
import { ElMessage } from 'element-plus'

const BASE = '/api/v1'
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let csrfToken = ''
// Set by main.js: what to do when the server answers 401 or password_change_required.
const hooks = { unauthenticated: null, passwordChangeRequired: null }

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field || null
  }
}

export function setCsrfToken(token) {
  csrfToken = token || ''
}

export function onAuthRequired(fn) {
  hooks.unauthenticated = fn
}

export function onPasswordChangeRequired(fn) {
  hooks.passwordChangeRequired = fn
}

function queryString(params) {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.append(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

async function parseError(res) {
  let body = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  const e = body && body.error
  if (e && e.code) return new ApiError(res.status, e.code, e.message || '请求失败', e.field)
  if (res.status >= 500) return new ApiError(res.status, 'internal', '服务器内部错误')
  return new ApiError(res.status, 'http_' + res.status, `请求失败（HTTP ${res.status}）`)
}

/**
 * request(method, path, {body, params, silent, noRedirect}) → parsed JSON or null.
 * silent: do not show the error with ElMessage (the caller shows it itself).
 * noRedirect: do not leave the page on 401 / password_change_required.
 */
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin' }
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(opts.body)
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res
  try {
    res = await fetch(BASE + path + queryString(opts.params), init)
  } catch {
    const err = new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
    if (!opts.silent) ElMessage.error(err.message)
    throw err
  }

  if (res.ok) {
    if (res.status === 204) return null
    const text = await res.text()
    return text ? JSON.parse(text) : null
  }

  const err = await parseError(res)
  // bad_credentials is the login form's own answer, not a lost session.
  if (res.status === 401 && err.code !== 'bad_credentials' && !opts.noRedirect) {
    setCsrfToken('')
    if (hooks.unauthenticated) hooks.unauthenticated(err)
    // "请先登录" right after opening the page is no news; an expired session is.
    if (err.code === 'session_expired' && !opts.silent) ElMessage.warning(err.message)
    throw err
  }
  if (res.status === 403 && err.code === 'password_change_required' && !opts.noRedirect) {
    if (hooks.passwordChangeRequired) hooks.passwordChangeRequired(err)
    if (!opts.silent) ElMessage.warning(err.message)
    throw err
  }
  if (!opts.silent) ElMessage.error(err.message)
  throw err
}

export const get = (path, params, opts = {}) => request('GET', path, { ...opts, params })
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body })
export const put = (path, body, opts = {}) => request('PUT', path, { ...opts, body })
export const del = (path, opts = {}) => request('DELETE', path, opts)

// Session and accounts
export async function login(username, password) {
  const r = await post('/session', { username, password }, { silent: true, noRedirect: true })
  setCsrfToken(r.csrf_token)
  return r.user
}
export async function fetchMe() {
  const r = await get('/me', null, { silent: true, noRedirect: true })
  if (r.csrf_token) setCsrfToken(r.csrf_token)
  return r.user
}
export async function logout() {
  try {
    await del('/session', { silent: true, noRedirect: true })
  } finally {
    setCsrfToken('')
  }
}
export const changePassword = (old_password, new_password) =>
  post('/session/password', { old_password, new_password }, { silent: true })

export const listTokens = () => get('/tokens')
export const createToken = (body) => post('/tokens', body)
export const revokeToken = (id) => del(`/tokens/${encodeURIComponent(id)}`)

// Organisation
export const listRegions = (parent) => get('/regions', { parent })
export const createRegion = (body) => post('/regions', body)
export const updateRegion = (code, body) => put(`/regions/${encodeURIComponent(code)}`, body)

export const listCenters = (region) => get('/centers', { region })
export const getCenter = (id, opts = {}) => get(`/centers/${id}`, null, opts)
export const createCenter = (body) => post('/centers', body)
export const updateCenter = (id, body, opts = {}) => put(`/centers/${id}`, body, opts)

export const listUnits = (center_id) => get('/units', { center_id })
export const createUnit = (body) => post('/units', body)
export const updateUnit = (id, body, opts = {}) => put(`/units/${id}`, body, opts)

export const listUsers = (params) => get('/users', params)
export const createUser = (body) => post('/users', body)
export const updateUser = (id, body, opts = {}) => put(`/users/${id}`, body, opts)
export const resetPassword = (id) => post(`/users/${id}/reset-password`)

// Catalog of approval items
export const listItems = (params) => get('/items', params)
export const getItem = (id) => get(`/items/${id}`)
export const createItem = (body, opts = {}) => post('/items', body, opts)
export const updateItem = (id, body, opts = {}) => put(`/items/${id}`, body, opts)
// The catalog as a spreadsheet (docs/itemsheet.md): the export is a plain download (the
// session cookie goes along); the import sends the CSV text.
export const itemsExportUrl = (params) => `${BASE}/items/export.xlsx${queryString(params)}`
export const importItems = (body, opts = {}) => post('/items/import', body, opts)

// Working-day calendar
export const getCalendar = (year) => get('/calendar', { year })
export const setCalendarDay = (day, body, opts = {}) => put(`/calendar/${encodeURIComponent(day)}`, body, opts)
export const deleteCalendarDay = (day) => del(`/calendar/${encodeURIComponent(day)}`)
export const importCalendar = (csv, opts = {}) => post('/calendar/import', { csv }, opts)
export const calendarDue = (from, days, opts = {}) => get('/calendar/due', { from, days }, opts)

// Process of a promised item (流程配置); flowcharts come back as SVG text
export const getProcess = (itemId, version, opts = {}) => get(`/items/${itemId}/process`, { version }, opts)
export const saveProcess = (itemId, body, opts = {}) => put(`/items/${itemId}/process`, body, opts)
async function svgRequest(method, path, body) {
  const headers = { Accept: 'image/svg+xml' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(BASE + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) throw await parseError(res)
  return res.text()
}
export const processSvg = (itemId, version) =>
  svgRequest('GET', `/items/${itemId}/process.svg${queryString({ version })}`)
export const previewProcessSvg = (body) => svgRequest('POST', '/process/preview.svg', body)

// Applying, attachments and consultations (咨询); reading and the transitions are below
// ("Cases"). The case JSON is in docs/api.md ("Cases").
const casePath = (no) => `/cases/${encodeURIComponent(no)}`
export const createCase = (body, opts = {}) => post('/cases', body, opts)
export const deleteFile = (id, opts = {}) => del(`/files/${id}`, opts)
export const uploadMaterialFile = (no, materialId, file, opts = {}) =>
  upload(`${casePath(no)}/materials/${materialId}/files`, file, opts)
// A notice the applicant signed, scanned back (kind: accept, refuse, supplement, complete, deny).
export const uploadCaseSigned = (no, kind, file, opts = {}) => upload(`${casePath(no)}/signed/${kind}`, file, opts)
export const createConsultation = (body, opts = {}) => post('/consultations', body, opts)
export const consultationNoticeUrl = (id) => `${BASE}/consultations/${id}/notice.pdf`
export const uploadConsultationSigned = (id, file, opts = {}) => upload(`/consultations/${id}/signed`, file, opts)
// The login-free progress lookup: never sends the visitor to the login page.
export const publicCase = (no, params) =>
  get(`/public${casePath(no)}`, params, { silent: true, noRedirect: true })

// A file as multipart/form-data (field "file"); errors as request() reports them.
export async function upload(path, file, opts = {}) {
  const form = new FormData()
  form.append('file', file, file.name)
  const headers = { Accept: 'application/json' }
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(BASE + path, { method: 'POST', headers, credentials: 'same-origin', body: form })
  } catch {
    const err = new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
    if (!opts.silent) ElMessage.error(err.message)
    throw err
  }
  if (res.ok) {
    const text = await res.text()
    return text ? JSON.parse(text) : null
  }
  const err = await parseError(res)
  if (!opts.silent) ElMessage.error(err.message)
  throw err
}

// Cases (办件): read, search, the transitions, notices and statistics. Every transition is
// POST /cases/{no}/{action}; the server lists in case.actions what this user may do now.
const caseNo = (no) => encodeURIComponent(no)
export const listCases = (params, opts = {}) => get('/cases', params, opts)
export const getCase = (no, opts = {}) => get(`/cases/${caseNo(no)}`, null, opts)
export const caseAction = (no, action, body = {}, opts = {}) => post(`/cases/${caseNo(no)}/${action}`, body, opts)
export const caseFlowchartSvg = (no) => svgRequest('GET', `/cases/${caseNo(no)}/flowchart.svg`)
// Plain links (the session cookie goes along): notices as PDF, attachments.
export const caseNoticeUrl = (no, kind) => `${BASE}/cases/${caseNo(no)}/notices/${kind}.pdf`
export const fileUrl = (id) => `${BASE}/files/${id}`
export const statsMine = (params, opts = {}) => get('/stats/mine', params, opts)
export const statsUnit = (params, opts = {}) => get('/stats/unit', params, opts)
// Supervision statistics (docs/indicators.md). params: { scope, from, to }; scope is a region
// code, center:ID, unit:ID or item:ID (absent: the caller's widest).
export const statsIndicators = (params, opts = {}) => get('/stats/indicators', params, opts)
export const statsChildren = (params, opts = {}) => get('/stats/children', params, opts)
export const statsTable = (name, params, opts = {}) => get(`/stats/tables/${encodeURIComponent(name)}`, params, opts)
// The same table as {name}.xlsx → a Blob; a refused period is an ApiError with the server's
// Chinese message (shown unless opts.silent).
export async function statsTableXlsx(name, params, opts = {}) {
  let res
  try {
    res = await fetch(`${BASE}/stats/tables/${encodeURIComponent(name)}.xlsx${queryString(params)}`, { credentials: 'same-origin' })
  } catch {
    const err = new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
    if (!opts.silent) ElMessage.error(err.message)
    throw err
  }
  if (!res.ok) {
    const err = await parseError(res)
    if (!opts.silent) ElMessage.error(err.message)
    throw err
  }
  return res.blob()
}

// Notice templates (通知书模板): per kind, platform-wide or per item; the preview is a PDF.
export const listNoticeTemplates = (item_id, opts = {}) => get('/notice-templates', { item_id }, opts)
export const saveNoticeTemplate = (kind, item_id, body, opts = {}) =>
  put(`/notice-templates/${kind}${queryString({ item_id })}`, body, opts)
export const resetNoticeTemplate = (kind, item_id, opts = {}) =>
  request('DELETE', `/notice-templates/${kind}${queryString({ item_id })}`, opts)
// → a Blob (application/pdf); an error reply becomes an ApiError as everywhere.
export async function previewNoticePdf(body) {
  const headers = { Accept: 'application/pdf', 'Content-Type': 'application/json' }
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(`${BASE}/notice-templates/preview.pdf`, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) throw await parseError(res)
  return res.blob()
}

// Urges (督办 / 催办) of a case, one of its active steps, or a unit; answered once by the
// unit or the step's handler. The Urge JSON is in docs/api.md ("Urges").
// params: { view: 'mine' | 'all', state: 'open' | 'answered', case_no, page, size }
export const listUrges = (params, opts = {}) => get('/urges', params, opts)
export const createUrge = (body, opts = {}) => post('/urges', body, opts)
export const answerUrge = (id, answer, opts = {}) => post(`/urges/${id}/answer`, { answer }, opts)

// Warnings (预警, R3.1): open cases near or past their promised limit (kind promised), or
// active steps by their own limit (kind post). The Warning JSON is in docs/api.md.
// params: { kind, center_id, unit_id, item, q, light, page, size } → {items, total, yellow, red, …}
export const listWarnings = (params, opts = {}) => get('/warnings', params, opts)

// Accountability cards (自动问责), raised by the server's sweep; supervisors confirm or
// dismiss them with a note. Follow-ups of bad ratings (差评整改), answered once by the unit.
// params: { state, color, center_id, unit_id, user_id, page, size } → {items, total, yellow, red, …}
export const listCards = (params, opts = {}) => get('/cards', params, opts)
export const getCard = (id, opts = {}) => get(`/cards/${id}`, null, opts)
// decision: 'confirm' | 'dismiss'
export const decideCard = (id, decision, note, opts = {}) => post(`/cards/${id}/${decision}`, { note }, opts)
// params: { view: 'mine' | 'all', state: 'open' | 'answered', page, size }
export const listFollowups = (params, opts = {}) => get('/followups', params, opts)
export const answerFollowup = (id, answer, opts = {}) => post(`/followups/${id}/answer`, { answer }, opts)
