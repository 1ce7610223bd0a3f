import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';

/**
 * Seeded synthetic datasets. Each returns inputs X (n×d) and targets Y (n×k). They are the settings of
 * the theorems: unit-norm inputs (Du et al. 2019 assume ‖xᵢ‖ = 1 and no two inputs parallel), smooth
 * regression targets, and a set that breaks the rank condition on purpose.
 */
export interface Dataset {
  name: string;
  x: Tensor;
  y: Tensor;
  /** Class labels for classification sets (argmax of one-hot y), else undefined. */
  labels?: Int32Array;
}

/** n points uniform on the unit sphere S^{d−1} (normalized Gaussians). */
export function sphere(n: number, d: number, rng: Rng): Tensor {
  const x = rng.normalTensor([n, d]);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) x.data[i * d + j]! *= inv;
  }
  return x;
}

/**
 * Unit-sphere inputs labelled by a random two-layer tanh teacher y = (1/√m) Σ_r a_r tanh(w_r·x·√d)
 * (m = 16 hidden units, w, a ~ N(0,1)), or by random ±1 labels when `labels = 'random'`.
 */
export function sphereTeacher(n: number, d: number, rng: Rng, labels: 'teacher' | 'random' = 'teacher'): Dataset {
  const x = sphere(n, d, rng);
  const y = Tensor.zeros([n, 1]);
  if (labels === 'random') {
    for (let i = 0; i < n; i++) y.data[i] = rng.uniform() < 0.5 ? -1 : 1;
    return { name: 'sphere-random', x, y };
  }
  const m = 16;
  const w = rng.normalTensor([m, d]);
  const a = rng.normalTensor([m]);
  const sd = Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let r = 0; r < m; r++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += w.data[r * d + j]! * x.data[i * d + j]!;
      f += a.data[r]! * Math.tanh(z * sd);
    }
    y.data[i] = f / Math.sqrt(m);
  }
  return { name: 'sphere-teacher', x, y };
}

/** Two interleaved spirals in the plane, labels ±1 (and classes 0/1), with Gaussian noise `noise`. */
export function twoSpirals(n: number, rng: Rng, noise = 0.05): Dataset {
  const x = Tensor.zeros([n, 2]);
  const y = Tensor.zeros([n, 1]);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = 0.25 + (1.75 * Math.PI * Math.floor(i / 2)) / Math.max(1, Math.ceil(n / 2));
    const r = t / (2 * Math.PI);
    const s = c === 0 ? 1 : -1;
    x.data[2 * i] = s * r * Math.cos(t) + noise * rng.normal();
    x.data[2 * i + 1] = s * r * Math.sin(t) + noise * rng.normal();
    y.data[i] = c === 0 ? 1 : -1;
    labels[i] = c;
  }
  return { name: 'two-spirals', x, y, labels };
}

/** Parity of d random ±1 bits (XOR when d = 2): y = ∏ⱼ xⱼ. Inputs scaled to unit norm. */
export function parity(n: number, d: number, rng: Rng): Dataset {
  const x = Tensor.zeros([n, d]);
  const y = Tensor.zeros([n, 1]);
  const labels = new Int32Array(n);
  const s = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    let p = 1;
    for (let j = 0; j < d; j++) {
      const b = rng.uniform() < 0.5 ? -1 : 1;
      x.data[i * d + j] = b * s;
      p *= b;
    }
    y.data[i] = p;
    labels[i] = p > 0 ? 1 : 0;
  }
  return { name: d === 2 ? 'xor' : 'parity', x, y, labels };
}

/** 1-D regression y = sin(2π·freq·x) on x uniform in [−1, 1] (sorted), plus N(0, noise²). */
export function sinusoid(n: number, rng: Rng, freq = 1, noise = 0): Dataset {
  const xs = Array.from({ length: n }, () => rng.uniformIn(-1, 1)).sort((a, b) => a - b);
  const x = Tensor.from(xs, [n, 1]);
  const y = Tensor.zeros([n, 1]);
  for (let i = 0; i < n; i++) y.data[i] = Math.sin(2 * Math.PI * freq * xs[i]!) + noise * rng.normal();
  return { name: 'sinusoid', x, y };
}

/**
 * Unit-sphere inputs in which `duplicates` points are exact copies of earlier points but carry a
 * different target: no function interpolates them, the Jacobian has rank < n for every θ, and the
 * rank conditions of Du et al. / Chen–Muñoz Ewald fail on purpose (GD stalls at loss > 0).
 */
export function duplicatedPoints(n: number, d: number, duplicates: number, rng: Rng): Dataset {
  if (duplicates < 1 || duplicates >= n) throw new UserError(`duplicated-points: duplicates must be in 1..n−1, got ${duplicates}`);
  const base = sphereTeacher(n - duplicates, d, rng);
  const x = Tensor.zeros([n, d]);
  const y = Tensor.zeros([n, 1]);
  x.data.set(base.x.data);
  y.data.set(base.y.data);
  for (let i = 0; i < duplicates; i++) {
    const src = i % (n - duplicates);
    x.data.set(base.x.data.subarray(src * d, (src + 1) * d), (n - duplicates + i) * d);
    y.data[n - duplicates + i] = base.y.data[src]! + 1;
  }
  return { name: 'duplicated-points', x, y };
}
