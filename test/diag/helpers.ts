import { Tensor } from '../../src/core/tensor.js';
import type { Model } from '../../src/nn/model.js';
import type { Monitor, MonitorContext, RowValue } from '../../src/nn/monitor.js';

export { setupBackend, relErr, maxAbs, dot } from '../nn/setup.js';

/** ½ Σ (f − y)², computed here (the tests do not depend on src/train). */
export function squaredLoss(f: Tensor, y: Tensor): number {
  let s = 0;
  for (let i = 0; i < f.size; i++) s += (f.data[i]! - y.data[i]!) ** 2;
  return 0.5 * s;
}

export interface CtxInput {
  model: Model;
  theta: Float64Array;
  theta0: Float64Array;
  X: Tensor;
  y: Tensor;
  step?: number;
  lr?: number;
  optimizer?: string;
  loss?: 'squared' | 'cross-entropy';
  Xtest?: Tensor;
  ytest?: Tensor;
  /** Override the loss value (synthetic sequences). */
  lossValue?: number;
  withTrace?: boolean;
}

/** A MonitorContext built the way a trainer would: output by model.forward, squared loss here. */
export function context(c: CtxInput): MonitorContext {
  const trace = c.withTrace ? c.model.trace(c.theta, c.X) : undefined;
  const output = trace ? trace.output : c.model.forward(c.theta, c.X);
  return {
    model: c.model,
    theta: c.theta,
    theta0: c.theta0,
    X: c.X,
    y: c.y,
    Xtest: c.Xtest,
    ytest: c.ytest,
    step: c.step ?? 0,
    lr: c.lr ?? 0.1,
    optimizer: c.optimizer ?? 'gd',
    loss: c.loss ?? 'squared',
    output,
    lossValue: c.lossValue ?? squaredLoss(output, c.y),
    trace,
  };
}

/** Row-major J·Jᵀ by explicit loops (independent of backend syrk and of the NTK code). */
export function gramRows(J: Tensor): Tensor {
  const [m, P] = [J.rows, J.cols];
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += J.data[i * P + p]! * J.data[j * P + p]!;
      out[i * m + j] = s;
      out[j * m + i] = s;
    }
  }
  return new Tensor(out, [m, m]);
}

/** Measure through a JSON round trip of the baseline: a fresh monitor restored from JSON.parse(JSON.stringify(baseline())). */
export function restoredCopy(make: () => Monitor, original: Monitor): Monitor {
  const m = make();
  if (original.baseline && m.restore) m.restore(JSON.parse(JSON.stringify(original.baseline())));
  return m;
}

/** JSON text of a row (what metrics.jsonl would hold): equal texts = identical measurements. */
export function rowText(row: Record<string, RowValue>): string {
  return JSON.stringify(row);
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}
