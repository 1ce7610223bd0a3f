import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, useBackend } from '../../src/core/backend/registry.js';
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { ActivationName } from '../../src/nn/activation.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { analyticKernel } from '../../src/nn/ntk/analytic.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';
import { setupBackend } from './setup.js';

// Law of large width (Jacot, Gabriel & Hongler 2018, Thm 1; THEORY.md §6): the empirical NTK Θ̂ of a
// random NTK-parametrized MLP (all θ ~ N(0, 1), DESIGN.md "Parametrizations") converges to the analytic
// kernel Θ∞ of analytic.ts (neural-tangents stax conventions, input kernel x·x′/d), with fluctuations
// of order width^{−1/2}. Measured: the relative Frobenius error ‖Θ̂ − Θ∞‖_F / ‖Θ∞‖_F, averaged over seeds,
// at widths 256 / 1024 / 4096, for relu and erf with one and two hidden layers.
//
// Asserted (tolerances chosen from 200 (one hidden layer) / 48 (two) seeds per width, by resampling
// seed sets of the sizes used here; σ_w = 1.5, σ_b = 0.5, 8 unit-norm inputs in d = 4):
//  - least-squares slope of log(mean error) against log(width) in [−0.7, −0.3] (theory −1/2;
//    measured −0.49 … −0.53; the resampled slope has sd ≤ 0.03 (one layer) / ≤ 0.045 (two), so the band
//    is ≥ 3.5 sd wide on each side);
//  - mean error at width 4096 ≤ 0.06 (measured 0.016 … 0.031);
//  - diagonal at width 4096: max_i |mean_s Θ̂_s(xᵢ, xᵢ) − Θ∞(xᵢ, xᵢ)| / Θ∞(xᵢ, xᵢ) ≤ 2.5 % over 32 seeds
//    (one hidden layer; 99.9 % quantile 1.6 %) and ≤ 7 % over 8 seeds (two; 99.9 % quantile 5.3 %).
// A wrong analytic kernel or parametrization (a missing σ_b² term, x·x′ instead of x·x′/d, c_b = 1, …)
// leaves an O(1) error floor: the slope flattens to ≈ 0 … −0.2 and the diagonal is off by ≥ 12 % (each of
// seven such perturbations was checked to fail this file).
//
// Runs on the fastest backend that loads unless OVERPARAM_BACKEND is set (≈ 11 s on native, dominated by
// drawing the 16.8 M weights of each two-hidden-layer width-4096 network).
setupBackend();
if (!process.env.OVERPARAM_BACKEND?.trim()) useBackend('auto');

const WIDTHS = [256, 1024, 4096] as const;
const D = 4;
const N = 8;
const SIGMA_W = 1.5;
const SIGMA_B = 0.5;
const ACTS: ActivationName[] = ['relu', 'erf'];

/** N inputs on the unit sphere of R^D (so x·x/d = 1/4: the 1/d convention matters). */
function unitInputs(): Tensor {
  const X = Rng.fromSeed(7).normalTensor([N, D]);
  for (let i = 0; i < N; i++) {
    const row = X.data.subarray(i * D, (i + 1) * D);
    const norm = Math.hypot(...row);
    for (let k = 0; k < D; k++) row[k] = row[k]! / norm;
  }
  return X;
}

function relFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Least-squares slope of y on x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return num / den;
}

interface Law {
  /** Mean relative Frobenius error per width. */
  errors: number[];
  slope: number;
  /** max_i |mean_s Θ̂_ii − Θ∞_ii| / Θ∞_ii at the largest width. */
  diagonal: number;
}

/**
 * The width law for `hidden` hidden layers, `seeds[w]` networks per width. One θ per seed serves every
 * activation (the NTK-parametrized θ does not depend on it), so each width-4096 draw is paid once.
 */
function measure(hidden: number, seeds: readonly number[]): Record<string, Law> {
  const X = unitInputs();
  const exact = new Map(ACTS.map((a) => [a, analyticKernel({ hiddenLayers: hidden, activation: a, sigmaW: SIGMA_W, sigmaB: SIGMA_B, x1: X, kind: 'ntk' }).ntk!.data]));
  const errors = new Map(ACTS.map((a) => [a, [] as number[]]));
  const diagSum = new Map(ACTS.map((a) => [a, new Float64Array(N)]));
  WIDTHS.forEach((w, wi) => {
    const sizes = [D, ...Array<number>(hidden).fill(w), 1];
    const models = ACTS.map((a) => mlp({ sizes, activation: a, parametrization: 'ntk', sigmaW: SIGMA_W, sigmaB: SIGMA_B }));
    const sum = new Map(ACTS.map((a) => [a, 0]));
    for (let s = 0; s < seeds[wi]!; s++) {
      const theta = models[0]!.init(Rng.fromSeed(1000 + s, w));
      ACTS.forEach((a, ai) => {
        const K = empiricalNtk(models[ai]!, theta, X, { outputs: 'trace' }).kernel.data;
        sum.set(a, sum.get(a)! + relFrobenius(K, exact.get(a)!));
        if (wi === WIDTHS.length - 1) for (let i = 0; i < N; i++) diagSum.get(a)![i] += K[i * N + i]!;
      });
    }
    for (const a of ACTS) errors.get(a)!.push(sum.get(a)! / seeds[wi]!);
  });
  const logW = WIDTHS.map(Math.log);
  const out: Record<string, Law> = {};
  for (const a of ACTS) {
    const e = errors.get(a)!;
    const K = exact.get(a)!;
    let diagonal = 0;
    for (let i = 0; i < N; i++) diagonal = Math.max(diagonal, Math.abs(diagSum.get(a)![i]! / seeds[WIDTHS.length - 1]! - K[i * N + i]!) / K[i * N + i]!);
    out[a] = { errors: e, slope: slope(logW, e.map(Math.log)), diagonal };
  }
  return out;
}

function check(name: string, law: Law, diagTol: number, diagnostic: (msg: string) => void): void {
  const msg = `${name}: errors ${law.errors.map((e) => e.toFixed(4)).join(' / ')} at widths ${WIDTHS.join(' / ')}, slope ${law.slope.toFixed(3)}, diagonal ${(100 * law.diagonal).toFixed(2)} %`;
  diagnostic(`${msg} (backend ${backend().name})`);
  assert.ok(law.slope >= -0.7 && law.slope <= -0.3, `${msg}: log-log slope outside [−0.7, −0.3] (theory −1/2)`);
  assert.ok(law.errors[WIDTHS.length - 1]! <= 0.06, `${msg}: mean error at width 4096 above 0.06`);
  assert.ok(law.diagonal <= diagTol, `${msg}: diagonal off by more than ${100 * diagTol} %`);
}

test('width law, one hidden layer (relu, erf): error ∝ width^−1/2, diagonal within 2.5 % at 4096 (32 seeds)', (t) => {
  const laws = measure(1, [32, 32, 32]);
  for (const a of ACTS) check(`1 hidden ${a}`, laws[a]!, 0.025, (m) => t.diagnostic(m));
});

test('width law, two hidden layers (relu, erf): error ∝ width^−1/2, diagonal within 7 % at 4096 (32/16/8 seeds)', (t) => {
  const laws = measure(2, [32, 16, 8]);
  for (const a of ACTS) check(`2 hidden ${a}`, laws[a]!, 0.07, (m) => t.diagnostic(m));
});
