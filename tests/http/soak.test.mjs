// The soak of bench/soak.mjs, short: half a minute of case lifecycles at a steady rate over
// 64 clients against a real server; no request may fail and the server's RSS may not grow
// by more than 10 % after the warm-up. `make soak` is the ten-minute run (docs/reliability.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak, describe, RSS_GROWTH_MAX_PCT } from '../../bench/soak.mjs';

test('30 s at a steady rate: no request fails, the server does not grow', async (t) => {
  const rate = 5, seconds = 20;
  // Under AddressSanitizer freed memory waits in a quarantine (256 MB by default) before it is
  // reused: the server would stand at about 320 MB, and 10 % of that hides a large leak.
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=1'].filter(Boolean).join(':');
  const r = await soak({ seconds, warmup: 10, rate, clients: 64, env: { ASAN_OPTIONS: asan } });
  for (const line of describe(r).split('\n')) t.diagnostic(line);
  assert.equal(r.errors, 0, `failed requests: ${r.first_errors.join(' | ')}`);
  assert.ok(r.lifecycles >= rate * seconds * 0.9, `the rate held: ${r.lifecycles} lifecycles in ${r.seconds} s`);
  assert.ok(r.rss_growth_pct <= RSS_GROWTH_MAX_PCT,
    `RSS ${r.rss_start_mb} MB after the warm-up, ${r.rss_end_mb} MB at the end: +${r.rss_growth_pct}%`);
});
