// The load of `make bench` (bench/lifecycle.mjs and its driver, build/bench/driver), briefly:
// the cases it counts are real ones, each of its requests answered and timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { run, ROOT, BIN } from './server.mjs';

test('the lifecycle bench completes real cases and times each of their requests', async (t) => {
  const r = await run('node', [path.join(ROOT, 'bench/lifecycle.mjs'), '--seconds', '2', '--clients', '4'],
    { env: { SHENPI_BIN: BIN }, timeout: 180000 });
  for (const line of r.stdout.trim().split('\n')) t.diagnostic(line);
  assert.equal(r.code, 0, r.stderr);
  const done = Number(r.stdout.match(/completed lifecycles: (\d+)/)[1]);
  assert.ok(done >= 4, `${done} lifecycles`);
  const kinds = [...r.stdout.matchAll(/^(apply|accept|read|submit 1|submit 2|complete|pickup) +(\d+) +([\d.]+) +([\d.]+)$/gm)];
  assert.deepEqual(kinds.map((m) => m[1]), ['apply', 'accept', 'read', 'submit 1', 'submit 2', 'complete', 'pickup']);
  for (const [, kind, n, p50, p99] of kinds) {
    assert.equal(Number(n), done, `${kind}: one a lifecycle`);
    assert.ok(Number(p50) > 0 && Number(p99) >= Number(p50), `${kind}: p50 ${p50}, p99 ${p99}`);
  }
  if (process.env.SHENPI_TEST_DB !== 'pg') {
    const m = r.stdout.match(/the server's (\d+) write transactions took (\d+) commits/);
    assert.ok(Number(m[1]) >= 6 * done, `${m[1]} write transactions for ${done} lifecycles`);
  }
});
