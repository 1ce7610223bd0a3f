import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Row } from '../../src/report/rows.js';

/** The repository root (the tests run compiled from dist/test, or from test/ with tsx). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'overparam') return dir;
    dir = path.dirname(dir);
  }
  throw new Error('repoRoot: package.json of overparam not found above the test file');
}

/**
 * Compare `value` (as pretty JSON) with DIR/NAME.json in the source tree (DIR relative to the repository,
 * test/report/snapshots by default); with UPDATE_SNAPSHOTS=1 rewrite the file instead. A missing snapshot
 * fails (run once with the flag). `what` names the value in the failure message.
 */
export function assertSnapshot(name: string, value: unknown, dir = 'test/report/snapshots', what = 'figure spec'): void {
  const file = path.join(repoRoot(), dir, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `snapshot ${file} is missing: run the test with UPDATE_SNAPSHOTS=1 once and review it`);
  const expected = readFileSync(file, 'utf8');
  if (expected !== text) {
    assert.deepEqual(JSON.parse(text), JSON.parse(expected), `${what} ${name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it after review)`);
    assert.equal(text, expected, `snapshot ${name}: same JSON value, different formatting`);
  }
}

/** Loss curves of two runs (seeded noise around e^{-rt}) with the Du et al. bound L0·(1−ηλ₀/2)^t. */
export function lossRows(seed = 1, every = 2): Row[] {
  const rng = Rng.fromSeed(seed);
  const rows: Row[] = [];
  for (const [label, rate] of [['width 64', 0.02], ['width 1024', 0.035]] as const) {
    const l0 = 2 + rng.uniform();
    for (let t = 0; t <= 200; t += every) {
      rows.push({ label, step: t, loss: l0 * Math.exp(-rate * t) * (1 + 0.05 * rng.normal()), bound: l0 * (1 - rate / 2) ** t, lambda_min: 0.3 * (1 + 0.02 * rng.normal()), lambda_max: 12 + rng.uniform() });
    }
  }
  return rows;
}

/** Per (width, seed) final rows with drift = c·m^{-1/2}·(1 + noise) and movement = c'·m^{-1/2}. */
export function scalingRows(seed = 2, seeds = 3, noise = 0.05): Row[] {
  const rng = Rng.fromSeed(seed);
  const rows: Row[] = [];
  for (let s = 0; s < seeds; s++) {
    for (const width of [64, 128, 256, 512, 1024, 2048]) {
      rows.push({ width, seed: s, step: 500, drift: 0.8 * width ** -0.5 * Math.exp(noise * rng.normal()), movement: 3 * width ** -0.5 * Math.exp(noise * rng.normal()) });
    }
  }
  return rows;
}

/** Final losses over width × lr for two parametrizations; standard's best lr shifts ∝ 1/width, NTK's does not. */
export function lrRows(seed = 3): Row[] {
  const rng = Rng.fromSeed(seed);
  const rows: Row[] = [];
  const lrs = [0.01, 0.03, 0.1, 0.3, 1, 3];
  for (const parametrization of ['standard', 'ntk']) {
    for (const width of [64, 256, 1024]) {
      for (const lr of lrs) {
        const best = parametrization === 'ntk' ? 0.3 : 0.3 * (64 / width);
        const z = Math.log(lr / best);
        const diverged = z > 1.5;
        rows.push({ parametrization, width, lr, loss: diverged ? null : 1e-3 * Math.exp(z * z) * (1 + 0.1 * rng.uniform()), diverged });
      }
    }
  }
  return rows;
}

/** A seeded random PSD Gram matrix K = AAᵀ/d (n×n). */
export function gramMatrix(n: number, seed = 4): number[][] {
  const rng = Rng.fromSeed(seed);
  const d = 2 * n;
  const a = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  return a.map((ai) => a.map((aj) => ai.reduce((s, v, k) => s + v * aj[k]!, 0) / d));
}

/** Rank / σ_min rows of the disparity matrix: full rank L = 32 reached from width 32 on. */
export function rankRows(seed = 5): Row[] {
  const rng = Rng.fromSeed(seed);
  const rows: Row[] = [];
  for (let s = 0; s < 3; s++) {
    for (const width of [8, 16, 32, 64, 128, 256]) {
      const rank = Math.min(32, width + 1);
      rows.push({ width, seed: s, rank, sigma_min: rank < 32 ? 0 : 0.05 * Math.sqrt(width / 32) * (1 + 0.1 * rng.uniform()), full_rank: 32 });
    }
  }
  return rows;
}

/** Output-space GD residuals ‖f_k − y‖ ≈ r0(1−η)^k(1 + small drift) for two step sizes. */
export function residualRows(seed = 6): Row[] {
  const rng = Rng.fromSeed(seed);
  const rows: Row[] = [];
  for (const lr of [0.05, 0.2]) {
    const r0 = 1 + rng.uniform();
    for (let k = 0; k <= 60; k++) rows.push({ label: `η = ${lr}`, lr, step: k, residual: r0 * (1 - lr) ** k * (1 + 1e-3 * k * rng.uniform()) });
  }
  return rows;
}

function decodeEntities(s: string): string {
  return s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The text of every <text> in the SVG groups of a Vega role (`axis-title`, `axis-label`, `title-text`, `title-subtitle`, `legend-label`, …). */
export function svgTexts(svg: string, role: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`class="mark-text role-${role}"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) {
    for (const t of m[1]!.matchAll(/<text[^>]*>(.*?)<\/text>/gs)) {
      const spans = [...t[1]!.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/gs)].map((s) => decodeEntities(s[1]!));
      out.push(...(spans.length ? spans : [decodeEntities(t[1]!.replace(/<[^>]+>/g, ''))]));
    }
  }
  return out;
}

/** How many marks of a type (`line`, `symbol`, `rect`, `rule`, `text`) the SVG draws as data marks (role-mark), counted by their items. */
export function markItems(svg: string, type: string): number {
  let n = 0;
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) n += (m[1]!.match(/<(path|rect|line|text)\b/g) ?? []).length;
  return n;
}
