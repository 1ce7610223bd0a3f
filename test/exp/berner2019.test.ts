import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPathology, PATHOLOGIES } from '../../src/diag/realization/pathologies.js';
import { berner2019 } from '../../src/exp/reproductions/berner2019.js';
import type { Berner2019Record, ConvexityRecord } from '../../src/exp/reproductions/berner2019-derive.js';
import { reproductionVerdicts } from '../../src/exp/reproductions/index.js';
import type { ReproductionContext } from '../../src/exp/reproductions/reproduction.js';
import { inlineExecutor } from '../../src/exp/run/inline-executor.js';
import { runExperiment, type JobSummary, type Summary } from '../../src/exp/run/run-experiment.js';
import { runJob } from '../../src/exp/run/run-job.js';
import { applyScale } from '../../src/exp/spec/scale.js';
import type { ResolvedSpec } from '../../src/exp/spec/schema.js';
import { expandSweep } from '../../src/exp/spec/sweep.js';
import { parseSpec } from '../../src/exp/spec/validate.js';
import { renderRunReport } from '../../src/node/run-report.js';
import { fileRunStore } from '../../src/node/run-store.js';
import { inProcessCli, type CliResult } from '../cli/run-cli.js';
import { setupBackend } from '../nn/setup.js';
import { assertSnapshot, repoRoot } from '../report/fixtures.js';

// The berner2019 reproduction (experiments/papers/berner2019.json, Berner, Elbrächter & Grohs 2019,
// THEORY.md §2): every verdict passes on the spec's `tiny` scale run end to end; each verdict fails
// on a context that violates its claim; the figures are snapshotted; `overparam realize pathology`
// writes its report. About 15 s.
setupBackend();

const SPEC_FILE = path.join(repoRoot(), 'experiments', 'papers', 'berner2019.json');
const tiny = (): ResolvedSpec => applyScale(parseSpec(readFileSync(SPEC_FILE, 'utf8'), SPEC_FILE), 'tiny');
const tmp = (p: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `overparam-${p}-`));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
};

let tinyRun: Promise<{ summary: Summary; dir: string; spec: ResolvedSpec }> | undefined;
function runTiny() {
  tinyRun ??= (async () => {
    const spec = tiny();
    const dir = path.join(tmp('berner2019'), 'run');
    const store = fileRunStore(dir);
    const executor = inlineExecutor(runJob, (j) => store.job(j.id));
    const summary = await runExperiment({ spec, store, executor, package: { name: 'overparam', version: 'test' }, backend: 'test', verdicts: reproductionVerdicts });
    return { summary, dir, spec };
  })();
  return tinyRun;
}

function ctxOf(spec: ResolvedSpec, jobs: JobSummary[]): ReproductionContext {
  return { spec, jobs, jobSpecs: new Map(expandSweep(spec).map((j) => [j.id, j.spec])), rows: new Map(), options: spec.reproduction?.checks ?? [] };
}

test('tiny run: every verdict passes, the report has every figure, nothing is NaN', async () => {
  const { summary, dir } = await runTiny();
  assert.equal(summary.counts.done, 2, JSON.stringify(summary.jobs.map((j) => j.error)));
  const ids = summary.verdicts.map((v) => v.id);
  assert.deepEqual(ids, [...PATHOLOGIES.map((p) => `pathology-${p}`), 'uniform-norm', 'search', 'restricted-training', 'representation', 'convexity']);
  for (const v of summary.verdicts) assert.ok(v.pass, `${v.id}: predicted ${v.predicted}; measured ${v.measured}`);
  const first = summary.jobs[0]!.final;
  assert.ok(first.berner2019 && typeof first.trained_loss === 'number' && typeof first.restricted_loss === 'number');
  // The projection keeps the trained network's loss (exactly up to rounding).
  for (const j of summary.jobs) assert.ok(Math.abs((j.final.projected_loss as number) - (j.final.trained_loss as number)) <= 1e-10 * (j.final.trained_loss as number));
  const rep = await renderRunReport(dir, { version: 'test', backend: 'test' });
  const names = rep.figures.map((f) => f.name);
  for (const f of ['loss', ...PATHOLOGIES.map((p) => `pathology-${p}`), 'convexity', 'convexity-permuted', 'restricted-training']) {
    assert.ok(names.includes(f), `figure ${f} (have ${names.join(', ')})`);
    assert.ok(statSync(path.join(dir, 'figures', `${f}.png`)).size > 5000, `${f}.png`);
  }
  const html = readFileSync(rep.html, 'utf8');
  assert.match(html, /ratio diverges: measured growth ×/);
  assert.doesNotMatch(html, /NaN|n\/a/);
});

/** A context whose records satisfy every claim: the real pathology tables, hand-made numbers. */
function goodContext(): { spec: ResolvedSpec; jobs: JobSummary[] } {
  const spec = tiny();
  const ids = expandSweep(spec).map((j) => j.id);
  const t = Array.from({ length: 11 }, (_, q) => q / 10);
  const conv = (kind: ConvexityRecord['kind'], h: number): ConvexityRecord => ({
    pair: kind, kind, t,
    chord: t.map((s) => 1 + s),
    realizationLoss: t.map((s) => 1 + s - 0.5 * s * (1 - s)),
    parameterLoss: t.map((s) => 1 + s + 4 * h * s * (1 - s)),
    realizationExcess: 0, parameterExcess: h, parameterExcessAt: 0.5,
  });
  const record: Berner2019Record = {
    pathologies: PATHOLOGIES.map((name) => {
      const tb = runPathology(name, { ks: [2, 4, 8, 16, 32, 64, 128] });
      return { name: tb.name, theoryItem: tb.theoryItem, description: tb.description, norm: tb.norm, alpha: tb.alpha, rows: tb.rows.map((r) => ({ ...r })) };
    }),
    search: { runs: [{ width: 2, seed: 1, unrestricted: 3500, restricted: 1.5, qualifiedUnrestricted: 40, qualifiedRestricted: 30, restrictedInSet: true }] },
    convexity: [conv('seeds', 2), conv('permuted', 3)],
  };
  const jobFinal = (i: number) => ({
    loss: 0.5, trained_loss: 0.5, projected_loss: 0.5 * (1 + 1e-14), projected_ok: true,
    restricted_initial_loss: 5, restricted_unrestricted_loss: 0.05, restricted_loss: 0.1, restricted_ok: true,
    restricted_curve: { step: [0, 10, 20], unrestricted: [5, 1, 0.05], restricted: [5, 1.2, 0.1 + 0.01 * i] },
    ...(i === 0 ? { berner2019: record } : {}),
  });
  return { spec, jobs: ids.map((id, i) => ({ id, point: {}, status: 'done', steps: 200, final: jobFinal(i) })) };
}

test('verdicts: pass on a good context, and each fails when its claim is violated', () => {
  const { spec, jobs } = goodContext();
  const verdicts = (js: JobSummary[]) => new Map(berner2019.verdicts(ctxOf(spec, js)).map((v) => [v.id, v]));
  for (const v of verdicts(jobs).values()) assert.ok(v.pass, `${v.id}: ${v.measured}`);
  const mutate = (f: (jobs: JobSummary[], rec: Berner2019Record) => void): JobSummary[] => {
    const js = structuredClone(jobs);
    f(js, js[0]!.final.berner2019 as Berner2019Record);
    return js;
  };
  const fails = (id: string, js: JobSummary[], re: RegExp) => {
    const v = verdicts(js).get(id)!;
    assert.equal(v.pass, false, `${id} should fail: ${v.measured}`);
    assert.match(v.measured, re);
  };
  const table = (rec: Berner2019Record, name: string) => rec.pathologies.find((t) => t.name === name)!.rows as Record<string, number>[];
  // A ratio that stops growing; a restricted ratio above √2; a parameter distance below its proven bound.
  fails('pathology-parallel', mutate((_, r) => { table(r, 'parallel')[3]!.ratio = 0.1; }), /NOT monotone/);
  fails('pathology-unbalanced', mutate((_, r) => { table(r, 'unbalanced')[2]!.restrictedRatio = 1.5; }), /restricted ratio ≤ 1\.5/);
  fails('pathology-inactive', mutate((_, r) => { table(r, 'inactive')[1]!.orbitParam = 0.5; }), /VIOLATED/);
  fails('uniform-norm', mutate((_, r) => { table(r, 'uniform-norm')[4]!.ratioW1inf = 1.5; }), /W\^\{1,∞\} ratio ≤ 1\.5/);
  fails('search', mutate((_, r) => { r.search!.runs[0]!.restricted = 2.5; }), /restricted max 2\.5/);
  fails('search', mutate((_, r) => { r.search!.runs[0]!.unrestricted = 10; }), /unrestricted max 10/);
  fails('restricted-training', mutate((js) => { js[1]!.final.restricted_loss = 1; }), /failing: width=8,seed=1/);
  fails('restricted-training', mutate((js) => { js[0]!.final.restricted_ok = false; }), /failing: width=8,seed=0/);
  fails('restricted-training', mutate((js) => { js[0]!.final.restricted_loss = null; js[0]!.final.restricted_diverged_at = { unrestricted: null, restricted: 17 }; }), /projected GD diverged at step 17\].*failing: width=8,seed=0/);
  fails('representation', mutate((js) => { js[1]!.final.projected_loss = 0.5 * (1 + 1e-6); }), /failing: width=8,seed=1/);
  fails('convexity', mutate((_, r) => { r.convexity[0]!.realizationLoss[5] = 3; }), /seeds pair: .*realization segment 0\.4\d*·scale/);
  fails('convexity', mutate((_, r) => { for (const c of r.convexity) c.parameterLoss = [...c.chord]; }), /parameter segment \+0 above the chord/);
  // No derived record at all: every check says "not measured" and fails.
  const none = berner2019.verdicts(ctxOf(spec, jobs.map((j) => ({ ...j, final: { loss: 1 } }))));
  assert.ok(none.length >= 6 && none.every((v) => !v.pass && /not measured/.test(v.measured)), JSON.stringify(none.map((v) => v.measured)));
  assert.throws(() => berner2019.validate!([{ id: 'search', trials: 'many' }]), /reproduction\.checks\[0\]\.trials: expected a number/);
});

test('figures: snapshots of the reproduction figures on the good context', () => {
  const { spec, jobs } = goodContext();
  const { figures, captions } = berner2019.figures!(ctxOf(spec, jobs));
  assert.deepEqual(Object.keys(figures), [...PATHOLOGIES.map((p) => `pathology-${p}`), 'convexity', 'convexity-permuted', 'restricted-training']);
  assert.deepEqual(Object.keys(captions), Object.keys(figures));
  assertSnapshot('berner2019-pathology-unbalanced', figures['pathology-unbalanced']);
  assertSnapshot('berner2019-convexity', figures.convexity);
  assertSnapshot('berner2019-restricted-training', figures['restricted-training']);
});

const cli = (args: string[]): Promise<CliResult> => inProcessCli(process.cwd(), args);

test('realize pathology --out DIR writes pathology-NAME.json, report.html and the figures (non-empty PNG/SVG)', async () => {
  const dir = path.join(tmp('realize-report'), 'out');
  const r = await cli(['realize', 'pathology', 'parallel', '--out', dir, '--ks', '2,4,8,16']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /PASS {2}W\^\{1,∞\} distance 0\.5 → 0\.0625; ratio diverges: measured growth ×4\.41/);
  for (const f of ['pathology-parallel.json', 'report.html', 'figures/pathology-parallel.svg', 'figures/pathology-parallel.png', 'figures/pathology-parallel-table.svg', 'figures/pathology-parallel-table.png']) {
    assert.ok(existsSync(path.join(dir, f)) && statSync(path.join(dir, f)).size > 1000, f);
  }
  const png = readFileSync(path.join(dir, 'figures', 'pathology-parallel.png'));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /ratio diverges: measured growth ×4\.41/);
  assert.match(html, /restricted ratio ≤ 1/);
  assert.match(html, /<svg/);
  assert.match(readFileSync(path.join(dir, 'figures', 'pathology-parallel-table.svg'), 'utf8'), />0\.7071</);
  // --json carries the verdicts and the written files.
  const j = await cli(['realize', 'pathology', 'uniform-norm', '--out', dir, '--ks', '2,4,8', '--json']);
  const rec = JSON.parse(j.stdout) as { verdicts: { id: string; pass: boolean }[]; report: string[] };
  assert.deepEqual(rec.verdicts.map((v) => [v.id, v.pass]), [['pathology-uniform-norm', true], ['uniform-norm', true]]);
  assert.ok(rec.report.some((f) => f.endsWith('pathology-uniform-norm.png')));
});
