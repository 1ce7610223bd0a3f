import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { ACTIVATIONS, type ActivationName } from '../../src/nn/activation.js';
import { jacobian } from '../../src/nn/jacobian.js';
import type { Model } from '../../src/nn/model.js';
import { duFc } from '../../src/nn/models/du-fc.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { duResNet } from '../../src/nn/models/resnet.js';
import { shallowRelu } from '../../src/nn/models/shallow-relu.js';
import { PARAMETRIZATIONS } from '../../src/nn/parametrization.js';
import { dot, relErr, setupBackend } from './setup.js';

// Derivative checks for every model × activation × parametrization, float64.
//  1. vjp vs central finite differences of L(θ) = Σ U∘f(θ, X): max_p |g_fd − g| / max_p |g| ≤ 1e-7
//     (step h = 1e-5·max(1, |θ_p|): truncation ~h² and rounding ~ε/h are both ≲ 1e-9 here).
//     Kinked activations: inputs are re-drawn until every pre-activation is ≥ 1e-4 away from 0, so no
//     ±h step crosses a kink.
//  2. jvp vs vjp: |⟨J v, u⟩ − ⟨v, Jᵀu⟩| ≤ 1e-12·‖Jv‖‖u‖ (adjointness).
//  3. Jacobian row i·k + c equals vjp(e_{i,c}) to 1e-13 relative; frozen columns are 0.
setupBackend();

const KINKED = new Set<ActivationName>(['relu', 'leaky-relu']);
const H = 1e-5;

interface Case {
  name: string;
  model: Model;
  kinked: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const act of ACTIVATIONS) {
    for (const par of PARAMETRIZATIONS) {
      out.push({ name: `mlp ${act} ${par}`, model: mlp({ sizes: [3, 5, 4, 2], activation: act, parametrization: par, sigmaW: 1.3, sigmaB: 0.4 }), kinked: KINKED.has(act) });
    }
    out.push({ name: `mlp ${act} no-bias`, model: mlp({ sizes: [3, 4, 2], activation: act, parametrization: 'ntk', sigmaW: 1.1, bias: false }), kinked: KINKED.has(act) });
    out.push({ name: `du-fc ${act}`, model: duFc({ inputDim: 3, width: 5, depth: 3, activation: act, outputs: 2 }), kinked: KINKED.has(act) });
    out.push({ name: `resnet-du ${act}`, model: duResNet({ inputDim: 3, width: 5, depth: 3, activation: act, outputs: 2, cRes: 0.9 }), kinked: KINKED.has(act) });
  }
  for (const par of PARAMETRIZATIONS) out.push({ name: `shallow-relu ${par}`, model: shallowRelu({ inputDim: 3, width: 6, outputs: 2, parametrization: par, sigmaW: 1.2, sigmaB: 0.7 }), kinked: true });
  out.push({ name: 'mlp mixed activations', model: mlp({ sizes: [3, 4, 4, 4, 2], activation: ['tanh', 'relu', 'gelu'], parametrization: 'ntk', sigmaB: 0.2 }), kinked: true });
  out.push({ name: 'du-2layer (readout frozen)', model: duTwoLayer({ inputDim: 3, width: 6 }), kinked: true });
  out.push({ name: 'du-2layer (readout trained)', model: duTwoLayer({ inputDim: 3, width: 6, trainReadout: true }), kinked: true });
  return out;
}

/** θ and X (seeded) such that no pre-activation is within 1e-4 of 0 when the activation is kinked. */
function draw(c: Case, seed: number): { theta: Float64Array; X: Tensor; U: Tensor } {
  for (let s = 0; s < 50; s++) {
    const rng = Rng.fromSeed(seed, s);
    const theta = c.model.init(rng);
    const X = rng.normalTensor([4, c.model.inputDim]);
    const U = rng.normalTensor([4, c.model.outputDim]);
    if (!c.kinked) return { theta, X, U };
    const pre = c.model.trace(theta, X).preActivations;
    if (pre.every((t) => t.data.every((v) => Math.abs(v) >= 1e-4))) return { theta, X, U };
  }
  throw new Error(`${c.name}: no draw without near-kink pre-activations`);
}

function lossAt(model: Model, theta: Float64Array, X: Tensor, U: Tensor): number {
  return dot(model.forward(theta, X).data, U.data);
}

for (const [ci, c] of cases().entries()) {
  test(`gradcheck: ${c.name}`, () => {
    const { model } = c;
    const { theta, X, U } = draw(c, 1000 + ci);
    const g = model.vjp(theta, X, U);
    assert.equal(g.length, model.numParams);
    const fd = new Float64Array(model.numParams);
    const t = theta.slice();
    for (const s of model.slices) {
      for (let p = s.offset; p < s.offset + s.size; p++) {
        if (!s.trainable) continue;
        const h = H * Math.max(1, Math.abs(theta[p]!));
        t[p] = theta[p]! + h;
        const lp = lossAt(model, t, X, U);
        t[p] = theta[p]! - h;
        const lm = lossAt(model, t, X, U);
        t[p] = theta[p]!;
        fd[p] = (lp - lm) / (2 * h);
      }
      if (!s.trainable) for (let p = s.offset; p < s.offset + s.size; p++) assert.equal(g[p], 0, `${c.name}: frozen ${s.name} has gradient`);
    }
    const err = relErr(g, fd);
    assert.ok(err <= 1e-7, `${c.name}: vjp vs finite differences, relative error ${err}`);

    // jvp vs vjp: ⟨J v, u⟩ = ⟨v, Jᵀ u⟩.
    const rng = Rng.fromSeed(7, ci);
    const v = rng.normalTensor([model.numParams]).data as Float64Array;
    const tr = model.trace(theta, X);
    const Jv = model.jvp(theta, X, v, tr);
    const JTu = model.vjp(theta, X, U, tr);
    const lhs = dot(Jv.data, U.data);
    const rhs = dot(v, JTu);
    const scale = Math.sqrt(dot(Jv.data, Jv.data) * dot(U.data, U.data));
    assert.ok(Math.abs(lhs - rhs) <= 1e-12 * scale, `${c.name}: ⟨Jv,u⟩ = ${lhs} vs ⟨v,Jᵀu⟩ = ${rhs}`);
    // jvp through frozen parameters is ignored.
    const frozen = model.slices.filter((s) => !s.trainable);
    if (frozen.length) {
      const w = v.slice();
      for (const s of frozen) for (let p = s.offset; p < s.offset + s.size; p++) w[p] = 1e3;
      assert.ok(relErr(model.jvp(theta, X, w, tr).data, Jv.data) <= 1e-15);
    }

    // Jacobian rows equal vjp with unit cotangents.
    const J = jacobian(model, theta, X, tr);
    const k = model.outputDim;
    assert.deepEqual(J.shape, [X.rows * k, model.numParams]);
    for (let i = 0; i < X.rows; i++) {
      for (let cc = 0; cc < k; cc++) {
        const E = Tensor.zeros([X.rows, k]);
        E.set(i, cc, 1);
        const row = J.data.subarray((i * k + cc) * model.numParams, (i * k + cc + 1) * model.numParams);
        const e = relErr(row, model.vjp(theta, X, E, tr));
        assert.ok(e <= 1e-13, `${c.name}: Jacobian row (${i},${cc}) vs vjp: ${e}`);
      }
    }
  });
}

test('gradcheck resolves errors 100× below its tolerance and flags a 1e-6 error', () => {
  const model = mlp({ sizes: [3, 4, 2], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.3 });
  const rng = Rng.fromSeed(3);
  const theta = model.init(rng);
  const X = rng.normalTensor([4, 3]);
  const U = rng.normalTensor([4, 2]);
  const g = model.vjp(theta, X, U);
  const fd = new Float64Array(g.length);
  const t = theta.slice();
  for (let p = 0; p < g.length; p++) {
    t[p] = theta[p]! + H;
    const lp = lossAt(model, t, X, U);
    t[p] = theta[p]! - H;
    const lm = lossAt(model, t, X, U);
    t[p] = theta[p]!;
    fd[p] = (lp - lm) / (2 * H);
  }
  assert.ok(relErr(g, fd) <= 1e-9, `resolution ${relErr(g, fd)}`);
  let big = 0;
  for (let p = 1; p < g.length; p++) if (Math.abs(g[p]!) > Math.abs(g[big]!)) big = p;
  g[big] = g[big]! * (1 + 1e-6);
  assert.ok(relErr(g, fd) > 1e-7, 'a 1e-6 relative error in one entry fails the 1e-7 check');
});
