import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const BIN = path.resolve('bin/overparam.js');

test('overparam demo: the README first command runs end to end and every verdict holds', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-demo-'));
  try {
    const r = spawnSync(process.execPath, [BIN, 'demo', '--out', path.join(dir, 'demo'), '--quiet'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const out = path.join(dir, 'demo');
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.counts.done, 12);
    assert.equal(summary.verdicts.length, 6);
    for (const v of summary.verdicts) assert.ok(v.pass, `${v.claim}: predicted ${v.predicted}, measured ${v.measured}`);
    for (const f of ['loss', 'spectrum', 'drift', 'movement', 'linearization']) {
      assert.ok(statSync(path.join(out, 'figures', `${f}.png`)).size > 5000, `${f}.png`);
      assert.ok(existsSync(path.join(out, 'figures', `${f}.svg`)));
    }
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /src="https?:/);
    // A second call re-uses the finished run (resume) and leaves the metrics untouched.
    const metrics = readFileSync(path.join(out, 'jobs', 'width=4096,seed=0', 'metrics.jsonl'));
    const again = spawnSync(process.execPath, [BIN, 'demo', '--out', out, '--quiet'], { encoding: 'utf8', cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readFileSync(path.join(out, 'jobs', 'width=4096,seed=0', 'metrics.jsonl')), metrics);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
