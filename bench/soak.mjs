#!/usr/bin/env node
// The soak (docs/reliability.md, "Load (soak)"): the lifecycle of bench/lifecycle.mjs at a
// steady rate for a long time, against `shenpi serve` on a fresh demo database (SQLite, or
// PostgreSQL with SHENPI_TEST_DB=pg SHENPI_PG_URL=…). Lifecycle i is due at i/rate seconds;
// `clients` clients (keep-alive connections) each take the next one due, wait for its time
// and run it, so the rate holds as long as the server keeps up (a start later than due is
// counted as lag; a run whose lag passes a tenth of its time stops and fails). Each failed
// request (a status of 300 or more, a broken connection) counts as an error and ends its
// lifecycle; the client goes on with the next. Every write gets the whole case back, as the
// web's do. The server's RSS is sampled every second.
// After a warm-up it reports the RSS at the start and at the end, its
// growth, p50/p99 of every request and of each kind, the lag and the errors.
//
//   node bench/soak.mjs [--seconds 600] [--warmup 60] [--rate 15] [--clients 64] [--threads 4]
//
// Exits 1 when a request failed, the server fell behind or the RSS grew by more than 10 %.
// `make soak` runs it on both backends; tests/http/soak.test.mjs runs a short one in
// `make test`.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BACKEND, ROOT } from '../tests/http/server.mjs';
import { setupLifecycle, lifecycleClient, lifecycle, percentiles, quantile, statusKB, cpuMs, machine } from './lifecycle-lib.mjs';

export const RSS_GROWTH_MAX_PCT = 10;

/**
 * Run a soak: `warmup` seconds, then `seconds` measured, at `rate` lifecycles a second over
 * `clients` clients, against a server with `threads` threads and extra environment env.
 * Resolves with the figures (see the fields below); progress(line) is told each minute.
 */
export async function soak({ seconds, warmup, rate, clients = 64, threads = 4, env, progress = () => {} }) {
  const { srv, ids } = await setupLifecycle({ threads, env });
  const c = lifecycleClient(srv.url, clients, { full: true }); // the web's replies: the most the server builds
  try {
    const pid = srv.proc.pid;
    const rss = []; // [seconds since the start, MB]
    const mb = () => +(statusKB(pid, 'VmRSS') / 1024).toFixed(1);
    const t0 = performance.now(), elapsed = () => (performance.now() - t0) / 1000;
    const sampler = setInterval(() => {
      rss.push([Math.round(elapsed()), mb()]);
      if (rss.length % 60 === 0) progress(`${rss.length} s: RSS ${rss.at(-1)[1]} MB, ${done} lifecycles, ${errors} errors, load average ${machine().split('load average ')[1]}`);
    }, 1000);
    const total = Math.round((warmup + seconds) * rate);
    const lag = [];
    let next = 0, done = 0, errors = 0, measured = 0, missed = 0, start = null;
    const firstErrors = [];
    c.timing = false;
    async function client() {
      for (let i; (i = next++) < total;) {
        const due = i / rate;
        const wait = due - elapsed();
        if (wait < -(warmup + seconds) / 10) { // so far behind that it is no soak: stop
          missed = total - i;
          next = total;
          break;
        }
        if (wait > 0) await sleep(wait * 1000);
        if (!start && due >= warmup) { // the warm-up is over: measure from here
          start = { rss: mb(), cpu: cpuMs(pid), at: elapsed() };
          c.timing = true;
        }
        const counted = !!start;
        if (counted) lag.push(Math.max(0, -wait) * 1000);
        try {
          await lifecycle(c, ids);
          done++;
          if (counted) measured++;
        } catch (e) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(e.message);
        }
      }
    }
    await Promise.all(Array.from({ length: clients }, client));
    clearInterval(sampler);
    if (!start) throw new Error(`the server fell behind in the warm-up: ${missed} lifecycles not started`);
    const secs = elapsed() - start.at;
    const end = mb();
    const all = Object.values(c.lat).flat().sort((x, y) => x - y);
    lag.sort((x, y) => x - y);
    return {
      backend: BACKEND, date: new Date().toISOString(), machine: machine(), rate, clients,
      server_threads: threads, warmup_s: warmup, seconds: +secs.toFixed(1),
      lifecycles: measured, lifecycles_s: +(measured / secs).toFixed(1), missed, requests: all.length,
      errors, first_errors: firstErrors,
      p50_ms: +quantile(all, 0.5).toFixed(2), p99_ms: +quantile(all, 0.99).toFixed(2),
      kinds: percentiles(c.lat),
      lag_p99_ms: +quantile(lag, 0.99).toFixed(1), lag_max_ms: +lag.at(-1).toFixed(1),
      server_cpu_pct: Math.round((cpuMs(pid) - start.cpu) / 10 / secs),
      rss_start_mb: start.rss, rss_end_mb: end, rss_max_mb: Math.max(...rss.map((s) => s[1]), end),
      rss_growth_pct: +((end - start.rss) / start.rss * 100).toFixed(1),
      rss_hwm_mb: +(statusKB(pid, 'VmHWM') / 1024).toFixed(1),
      rss_by_minute: rss.filter((s) => s[0] % 60 === 0).map((s) => s[1]),
    };
  } finally {
    c.close();
    await srv.close();
    await srv.db.drop();
  }
}

/** The figures as a person reads them. */
export function describe(r) {
  const lines = [
    `soak on ${r.backend}: ${r.rate} lifecycles/s over ${r.clients} clients, ${r.seconds} s after ${r.warmup_s} s of warm-up, ${r.server_threads} server threads; ${r.date}, ${r.machine}`,
    `completed lifecycles: ${r.lifecycles} (${r.lifecycles_s}/s), ${r.requests} requests; errors: ${r.errors}${r.first_errors.length ? ' — ' + r.first_errors.join(' | ') : ''}`,
    ...(r.missed ? [`the server fell behind: ${r.missed} lifecycles not started (more than a tenth of the run late)`] : []),
    `latency of all requests: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms; start behind schedule: p99 ${r.lag_p99_ms} ms, max ${r.lag_max_ms} ms; server CPU ${r.server_cpu_pct}% of a core`,
    `server RSS: ${r.rss_start_mb} MB after the warm-up, ${r.rss_end_mb} MB at the end (${r.rss_growth_pct >= 0 ? '+' : ''}${r.rss_growth_pct}%), highest ${r.rss_max_mb} MB, high-water ${r.rss_hwm_mb} MB`,
    `RSS each minute (MB): ${r.rss_by_minute.join(' ')}`,
    'request        n   p50 ms   p99 ms',
    ...Object.entries(r.kinds).map(([k, v]) => `${k.padEnd(8)} ${String(v.n).padStart(7)} ${v.p50.toFixed(2).padStart(8)} ${v.p99.toFixed(2).padStart(8)}`),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: opt } = parseArgs({ options: {
    seconds: { type: 'string', default: '600' },
    warmup: { type: 'string', default: '60' },
    rate: { type: 'string', default: '15' },
    clients: { type: 'string', default: '64' },
    threads: { type: 'string', default: '4' },
  } });
  const o = Object.fromEntries(Object.entries(opt).map(([k, v]) => [k, Number(v)]));
  if (!(o.seconds > 0 && o.seconds <= 7200 && o.warmup >= 0 && o.warmup <= 600 && o.rate > 0 && o.rate <= 1000 &&
        o.clients >= 1 && o.clients <= 1000 && o.threads >= 1 && o.threads <= 64)) {
    throw new Error('--seconds 1..7200, --warmup 0..600, --rate up to 1000, --clients 1..1000, --threads 1..64');
  }
  process.env.SHENPI_BIN ||= path.join(ROOT, 'bin/shenpi');
  const r = await soak({ ...o, progress: (l) => console.log(l) });
  console.log(describe(r));
  console.log(JSON.stringify(r));
  const bad = [r.errors && `${r.errors} failed requests`, r.missed && `${r.missed} lifecycles not started: the rate is above what the server does`,
    r.rss_growth_pct > RSS_GROWTH_MAX_PCT && `RSS grew by ${r.rss_growth_pct}% (more than ${RSS_GROWTH_MAX_PCT}%)`].filter(Boolean);
  if (bad.length) {
    console.log(`FAILED: ${bad.join('; ')}`);
    process.exit(1);
  }
}
