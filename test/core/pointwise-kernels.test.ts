import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hadamard, hadamardLoop, piecewiseLinear, piecewiseLinearBackward, piecewiseLinearBackwardLoop, piecewiseLinearLoop, piecewiseLinearSlopes, usePointwiseSimd } from '../../src/core/ops/pointwise-kernels.js';
import { Rng } from '../../src/core/rng.js';
import { backend, useBackend } from '../../src/core/backend/registry.js';
import type { BackendName } from '../../src/core/backend/types.js';
import '../../src/node/index.js';

// Both fast paths of the training step's pointwise passes — the wasm SIMD kernels (asm/pointwise.ts through
// chunked copies; every backend without its own) and the native backend's C kernels (native/pointwise.c, one
// pass over the caller's memory) — must give the TypeScript loops' results bit for bit (Object.is per entry: signs of zeros included), on lengths around
// the SIMD threshold (4096) and the chunk size (16384), for relu, leaky relu, scaled relu and identity
// slopes, and report non-finite inputs the same way. The layer-level consequences (gradients, NTK) are
// checked against finite differences in test/nn/gradcheck.test.ts.

// The native backend loads where the system OpenBLAS exists; its C kernels exist where `npm run build` found a
// C compiler — always in CI (scripts/install-system-deps.sh installs gcc), so there their absence fails.
const nativeLoads = (() => {
  try {
    useBackend('native');
    return true;
  } catch {
    return false;
  }
})();
const nativeKernels = nativeLoads && backend().pointwise !== undefined;
const PATHS: { backend: BackendName; what: string; skip: string | false }[] = [
  { backend: 'wasm', what: 'wasm SIMD chunks', skip: false },
  {
    backend: 'native',
    what: 'native C kernels',
    skip: !nativeLoads ? 'native backend unavailable' : !nativeKernels && !process.env.CI ? `native pointwise kernels not built (${backend().info().details.pointwise})` : false,
  },
];

/** The test once per fast path, with that path's backend active (the wasm backend has no kernels of its own). */
function pathTest(name: string, fn: () => void): void {
  for (const p of PATHS) {
    test(`${name} [${p.what}]`, { skip: p.skip }, () => {
      const prev = backend().name;
      useBackend(p.backend);
      try {
        assert.equal(backend().pointwise !== undefined, p.backend === 'native', `${p.backend} backend: pointwise kernels ${p.backend === 'native' ? 'missing' : 'unexpected'}`);
        fn();
      } finally {
        useBackend(prev);
      }
    });
  }
}

function data(n: number, seed: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal() * 10 ** Math.floor(6 * rng.uniform() - 3);
  for (let i = 0; i < n; i += 97) x[i] = 0;
  for (let i = 5; i < n; i += 101) x[i] = -0;
  return x;
}

function identical(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: entry ${i} is ${a[i]} vs ${b[i]}`);
}

const LENGTHS = [7, 4095, 4096, 4099, 16384, 16387, 2 * 16384 + 5, 100_003];
const SLOPES: [number, number][] = [[1, 0], [1, 0.01], [Math.SQRT2, 0], [1, 1], [0.3, -0.7]];

pathTest('piecewiseLinear forward/backward: the fast path equals the loop bit for bit (lengths around 4096 and the 16384 chunk)', () => {
  for (const n of LENGTHS) {
    const x = data(n, n);
    const b = data(n, n + 1);
    for (const [sp, sn] of SLOPES) {
      const [y1, y2, o1, o2, ds] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      assert.equal(piecewiseLinear(x, y1, sp, sn), true);
      assert.equal(piecewiseLinearLoop(x, y2, sp, sn), true);
      identical(y1, y2, `y, n = ${n}, slopes ${sp}/${sn}`);
      piecewiseLinearBackward(x, b, o1, sp, sn);
      piecewiseLinearBackwardLoop(x, b, o2, sp, sn);
      identical(o1, o2, `backward, n = ${n}, slopes ${sp}/${sn}`);
      // the values are what the definition says: g = sp for x > 0 and sn for x ≤ 0 (±0 included), y = g·x,
      // backward = g·b, and the slopes array holds the same g (the NTK path's broadcast)
      piecewiseLinearSlopes(x, ds, sp, sn);
      for (let i = 0; i < n; i++) {
        const g = sp + (sn - sp) * +(x[i]! <= 0);
        if (!(Object.is(ds[i], g) && Math.abs(g - (x[i]! > 0 ? sp : sn)) <= 1e-15 && Object.is(y1[i], g * x[i]!) && Object.is(o1[i], g * b[i]!))) assert.fail(`entry ${i} of n = ${n}`);
      }
      const inPlace = Float64Array.from(b);
      piecewiseLinearBackward(x, inPlace, inPlace, sp, sn);
      identical(inPlace, o2, `backward in place, n = ${n}`);
    }
  }
});

pathTest('piecewiseLinear: a NaN or ±∞ anywhere (any chunk) is reported as false by both paths', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const at of [0, 4100, 16384 + 3, 40000]) {
      const x = data(40_001, 3);
      x[at] = bad;
      const y = new Float64Array(x.length);
      assert.equal(piecewiseLinear(x, y, 1, 0), false, `${bad} at ${at}`);
      assert.equal(piecewiseLinearLoop(x, y, 1, 0), false, `${bad} at ${at} (loop)`);
    }
  }
});

pathTest('hadamard: the fast path equals the loop bit for bit, also in place (o = b)', () => {
  for (const n of LENGTHS) {
    const a = data(n, 1 + n);
    const b = data(n, 2 + n);
    const o1 = new Float64Array(n);
    const o2 = new Float64Array(n);
    hadamard(a, b, o1);
    hadamardLoop(a, b, o2);
    identical(o1, o2, `n = ${n}`);
    const inPlace = Float64Array.from(b);
    hadamard(a, inPlace, inPlace);
    identical(inPlace, o2, `in place, n = ${n}`);
  }
});

pathTest('usePointwiseSimd(false) runs the loops (same results)', () => {
  const x = data(50_000, 9);
  const y1 = new Float64Array(x.length);
  const y2 = new Float64Array(x.length);
  piecewiseLinear(x, y1, 1, 0.01);
  usePointwiseSimd(false);
  try {
    piecewiseLinear(x, y2, 1, 0.01);
  } finally {
    usePointwiseSimd(true);
  }
  identical(y1, y2, 'off vs on');
});

test('native pointwise kernels refuse arrays shorter than the length they are given (never a heap overrun)', { skip: PATHS[1]!.skip || !nativeKernels }, () => {
  const prev = backend().name;
  const k = useBackend('native').pointwise!;
  try {
    const a = new Float64Array(8);
    const short = new Float64Array(7);
    assert.throws(() => k.linear(8, a, short, 1, 0), RangeError);
    assert.throws(() => k.linearBackward(8, a, a, short, 1, 0), RangeError);
    assert.throws(() => k.hadamard(8, short, a, a), RangeError);
    assert.throws(() => k.linear(-1, a, a, 1, 0), RangeError);
    assert.equal(k.linear(8, a, new Float64Array(8), 1, 0), true);
  } finally {
    useBackend(prev);
  }
});
