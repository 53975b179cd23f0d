// Harness for the browser tests: starts a real `shenpi serve` on 127.0.0.1 with a
// fresh SQLite database and the built web UI, drives Debian's Chromium with
// playwright-core (never a downloaded browser), and offers a small API client for
// setting up data the test is not about.
//
// Environment:
//   SHENPI_BIN            the binary (default bin/shenpi relative to the repo root)
//   SHENPI_CHROMIUM       the browser (default /usr/bin/chromium)
//   SHENPI_TEST_VERBOSE=1 echo the server's stderr

import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.resolve(ROOT, process.env.SHENPI_BIN || 'bin/shenpi')
export const WEB_DIST = path.join(ROOT, 'web/dist')
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts')
export const CHROMIUM = process.env.SHENPI_CHROMIUM || '/usr/bin/chromium'
// Graphviz (flowcharts) leaks inside itself: the sanitized server runs with tests/lsan.supp
if (!process.env.LSAN_OPTIONS) {
  process.env.LSAN_OPTIONS = `suppressions=${path.join(ROOT, 'tests/lsan.supp')}:print_suppressions=0`
}
export const INITIAL_PW = '888888'
export const ADMIN_PW = 'Admin2025pw'

// playwright-core is a devDependency of web/, so there is one lockfile.
const require = createRequire(path.join(ROOT, 'web/package.json'))
const { chromium } = require('playwright-core')

function run(cmd, args, timeout = 60000) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    const t = setTimeout(() => p.kill('SIGKILL'), timeout)
    p.on('error', (e) => {
      clearTimeout(t)
      reject(e)
    })
    p.on('close', (code) => {
      clearTimeout(t)
      resolve({ code, stdout, stderr })
    })
  })
}

/**
 * Start `shenpi serve` on a fresh database (`init`, or `init --demo`); args go to serve
 * (e.g. ['--sweep-seconds', '1']).
 * Returns {url, initOutput, db: {url, file, sql(text)}, cli(args), log(), api(), stop()}.
 */
export async function startServer({ demo = false, args = [] } = {}) {
  if (!existsSync(BIN)) throw new Error(`shenpi binary not found at ${BIN}: build it (make) or set SHENPI_BIN`)
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html missing: run "npm ci && npm run build" in web/`)
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'shenpi-e2e-'))
  const db = `sqlite:${path.join(dir, 't.db')}`
  const init = await run(BIN, demo ? ['init', '--demo', '--db', db] : ['init', '--db', db])
  if (init.code !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`shenpi init failed (${init.code}):\n${init.stdout}${init.stderr}`)
  }

  const proc = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', WEB_DIST, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let exited = null
  const exitP = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal }
      resolve(exited)
    })
  })
  proc.stdout.on('data', () => {})

  let port
  try {
    port = await new Promise((resolve, reject) => {
      let pending = ''
      const timer = setTimeout(() => reject(new Error(`no "listening" log line in 20 s:\n${stderr}`)), 20000)
      proc.stderr.on('data', (d) => {
        const s = d.toString()
        stderr += s
        if (process.env.SHENPI_TEST_VERBOSE) process.stderr.write(s)
        pending += s
        let nl
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl)
          pending = pending.slice(nl + 1)
          let j
          try {
            j = JSON.parse(line)
          } catch {
            continue
          }
          if (j.msg === 'listening' && j.addr) {
            clearTimeout(timer)
            resolve(Number(String(j.addr).split(':').pop()))
          }
        }
      })
      proc.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      exitP.then((e) => {
        clearTimeout(timer)
        reject(new Error(`server exited ${JSON.stringify(e)} before listening:\n${stderr}`))
      })
    })
  } catch (e) {
    if (!exited) proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw e
  }

  const url = `http://127.0.0.1:${port}`
  return {
    url,
    initOutput: init.stdout + init.stderr,
    // The database itself, for tests that move days into the past (sqlite3's command line).
    db: {
      url: db,
      file: path.join(dir, 't.db'),
      async sql(text) {
        const r = await run('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 't.db'), text])
        if (r.code !== 0 || /Error|error:/.test(r.stderr)) throw new Error(`sqlite3 failed: ${r.stderr}`)
        return r.stdout
      },
    },
    /** Run `shenpi <args> --db <this database>` → {code, stdout, stderr}. */
    cli: (cliArgs) => run(BIN, [...cliArgs, '--db', db]),
    log: () => stderr,
    api: () => apiClient(url),
    /** SIGTERM, wait up to 15 s (then SIGKILL), remove the database. */
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM')
        const r = await Promise.race([exitP, new Promise((res) => setTimeout(() => res(null), 15000))])
        if (!r) proc.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A cookie-session API client for test setup. call() resolves {status, json};
 * must() throws unless the status is 2xx.
 */
export function apiClient(base) {
  let cookie = ''
  let csrf = ''
  async function call(method, p, body) {
    const headers = {}
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (cookie) headers.Cookie = cookie
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf
    const res = await fetch(base + '/api/v1' + p, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]
      if (pair.startsWith('shenpi_session=')) cookie = pair
    }
    const text = await res.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    if (json && json.csrf_token) csrf = json.csrf_token
    return { status: res.status, json, text }
  }
  async function must(method, p, body) {
    const r = await call(method, p, body)
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${p} → ${r.status} ${r.text}`)
    return r.json
  }
  return {
    call,
    must,
    login: (username, password) => must('POST', '/session', { username, password }),
    /** Log in with 888888 and change it to `pw`. */
    async activate(username, pw) {
      await must('POST', '/session', { username, password: INITIAL_PW })
      return must('POST', '/session/password', { old_password: INITIAL_PW, new_password: pw })
    },
  }
}

/** The sysadmin `admin` with its initial password changed to ADMIN_PW, as an API client. */
export async function adminApi(server) {
  const a = server.api()
  await a.activate('admin', ADMIN_PW)
  return a
}

/** Create region → center → unit through the API; returns {center, unit, defaultUser}. */
export async function makeCenter(admin, { regions, center, unit }) {
  for (const [code, name] of regions) {
    const r = await admin.call('POST', '/regions', { code, name })
    if (r.status !== 201 && r.json?.error?.code !== 'duplicate') throw new Error(`region ${code}: ${r.text}`)
  }
  const c = await admin.must('POST', '/centers', center)
  const u = await admin.must('POST', '/units', { center_id: c.id, ...unit })
  return { center: c, unit: u.unit, defaultUser: u.default_user }
}

/**
 * makeCenter in 锦江区: regions 510000 → 510100 → 510104, a center (by default
 * 成都市锦江区政务服务中心) and its unit scj (by default 锦江区市场监督管理局).
 */
export function makeJinjiang(admin, { center = '成都市锦江区政务服务中心', unit = '锦江区市场监督管理局' } = {}) {
  return makeCenter(admin, {
    regions: [
      ['510000', '四川省'],
      ['510100', '成都市'],
      ['510104', '锦江区'],
    ],
    center: { region_code: '510104', name: center },
    unit: { code: 'scj', name: unit },
  })
}

/**
 * The before() of a test file that works on one logged-in page: start the server, activate
 * the admin (adminApi), run `setup(admin, server)` for the data the tests need (it may
 * resolve {username, password} to log in as; by default the admin), launch the browser, log
 * in on a new page and wait for the home page. Resolves {server, browser, page, admin, close};
 * close() is the after(): close the browser, stop the server. On failure it closes what it
 * started.
 */
export async function startLoggedIn(setup) {
  const server = await startServer()
  let browser
  const close = async () => {
    await browser?.close()
    await server.stop()
  }
  try {
    const admin = await adminApi(server)
    const who = (await setup?.(admin, server)) || { username: 'admin', password: ADMIN_PW }
    browser = await launchBrowser()
    const page = await newPage(browser, server)
    await uiLogin(page, who.username, who.password)
    await page.getByTestId('home-welcome').waitFor()
    return { server, browser, page, admin, close }
  } catch (e) {
    await close()
    throw e
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A fresh browser context (own cookies) and page on the server. */
export async function newPage(browser, server) {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  context.setDefaultTimeout(10000)
  const page = await context.newPage()
  return page
}

// The user manual's pictures (docs/manual/img): a test run refreshes them.
export const MANUAL_IMG = path.join(ROOT, 'docs/manual/img')

/**
 * Save a full-page screenshot as tests/e2e/artifacts/NAME.png; with manual: 'x', also as
 * docs/manual/img/x.png, the picture the user manual shows (fullPage: false for the window).
 */
export async function shot(page, name, { keepMessages = false, manual = null, fullPage = true } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true })
  // Let transitions (dialogs, messages) settle so the picture shows what a user sees.
  await page.waitForTimeout(350)
  // Earlier steps' messages linger for 3 s; hide them unless the picture is about one.
  if (!keepMessages) {
    await page.evaluate(() => {
      for (const m of document.querySelectorAll('.el-message')) m.style.visibility = 'hidden'
    })
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage })
  if (manual) {
    mkdirSync(MANUAL_IMG, { recursive: true })
    await page.screenshot({ path: path.join(MANUAL_IMG, `${manual}.png`), fullPage })
  }
}

/** Log in through the login page. */
export async function uiLogin(page, username, password) {
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}

/** Pick an option of an Element Plus select (by its data-testid) by visible text. */
export async function pickOption(page, testid, text) {
  const option = page.locator('.el-select-dropdown__item:visible, .el-select-dropdown .el-tree-node__content:visible', { hasText: text }).first()
  // A dropdown still opening or closing (its transition, or the page re-laying out under
  // load) is not "stable" for a while: close it and open it again rather than wait it out.
  for (let attempt = 1; ; attempt++) {
    // A tree select repeats the attribute on its inner select: click the outer one.
    await page.getByTestId(testid).first().click()
    try {
      await option.click({ timeout: 4000 })
      return
    } catch (e) {
      if (attempt === 3) throw e
      await page.keyboard.press('Escape')
      await page.waitForTimeout(300)
    }
  }
}

/** The Element Plus message (toast) currently shown, waiting for one with `text`. */
export function toast(page, text) {
  return page.locator('.el-message', { hasText: text })
}

/** A table row (by data-testid of the table) containing `text`. */
export function row(page, table, text) {
  return page.getByTestId(table).locator('.el-table__body tr', { hasText: text })
}

/** Confirm the Element Plus message box now open; resolves with its text. */
export async function confirmBox(page) {
  const box = page.locator('.el-message-box:visible')
  await box.waitFor()
  const text = await box.innerText()
  await box.locator('.el-message-box__btns .el-button--primary').click()
  await box.waitFor({ state: 'hidden' })
  return text
}
