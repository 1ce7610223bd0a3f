import { UserError } from '../core/errors.js';
import { eigvalsh } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import type { KernelOutputs } from '../nn/model.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { atInit, norm2, stateFinite } from './context.js';
import { baselineObject, decodeArray, decodeNumber, encodeArray, encodeNumber } from './json.js';
import { ntkAt, ntkWith, type KernelWithParts } from './kernel-cache.js';

/**
 * drift — how far the empirical NTK moves during training, the laziness of Du et al. (ICLR 2019
 * Lemma 3.2/3.3: ‖H(k) − H(0)‖ small keeps λ_min(H(k)) ≥ λ₀/2; THEORY.md §5.1, test §5.6-6) and of
 * Jacot et al. / Lee et al. 2019 (kernel constant in the infinite-width limit):
 *
 *   ntk_drift            ‖H(t) − H(0)‖_F / ‖H(0)‖_F
 *   ntk_drift_abs        ‖H(t) − H(0)‖_F
 *   ntk_drift_layers     { 'layers.i': ‖H_l(t) − H_l(0)‖_F / ‖H_l(0)‖_F } per trainable layer group, H_l the
 *                        layer's NTK part (Σ over its W and b; the parts sum to H); null for a layer
 *                        whose H_l(0) = 0 (e.g. hidden layers under an all-zero readout). null map when
 *                        `layers: false`.
 *   ntk_drift_spectral   ‖H(t) − H(0)‖₂ / ‖H(0)‖₂ (operator norm, the norm of Du et al.'s lemma) with
 *                        `spectral: true`, else null
 * All null when θ_t or f(θ_t) is not finite.
 *
 * Baseline: H(0) and, with `layers`, every H_l(0), as plain number arrays (row-major N×N, N = n·k
 * full or n traced) — (1 + G)·N² numbers in the checkpoint, G = number of layer groups.
 * Cost per row: O(N²·P) for H(t) with its parts (structured NTK), O((1 + G)·N²) for the norms,
 * + ≈ 4N³/3 flops with `spectral`. Memory 8·(1 + G)·N² bytes for the baseline, as much for H(t).
 */
export interface DriftOptions {
  outputs?: KernelOutputs;
  /** Per-layer drift from the NTK parts (default true). */
  layers?: boolean;
  /** Also the operator-norm drift (one eigvalsh of H(t) − H(0) per row). Default false. */
  spectral?: boolean;
}

export const DRIFT_FIELDS = ['ntk_drift', 'ntk_drift_abs', 'ntk_drift_layers', 'ntk_drift_spectral'] as const;

interface Baseline {
  kernel: Float64Array;
  parts: { name: string; kernel: Float64Array }[];
  norm: number;
  spectralNorm: number;
}

function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

function spectralNorm(a: Float64Array, N: number): number {
  if (N === 0) return 0;
  const w = eigvalsh(new Tensor(a, [N, N]));
  return Math.max(Math.abs(w[0]!), Math.abs(w[N - 1]!));
}

export function driftMonitor(options: DriftOptions = {}): Monitor {
  const outputs = options.outputs ?? 'full';
  if (outputs !== 'full' && outputs !== 'trace') throw new UserError(`drift.outputs: expected 'full' or 'trace', got '${String(outputs)}'`);
  const layers = options.layers ?? true;
  const spectral = options.spectral ?? false;
  let base: Baseline | null = null;

  const kernelAt = (ctx: MonitorContext): KernelWithParts => ntkAt(ctx, outputs, layers);

  const start = (ctx: MonitorContext): void => {
    const k = atInit(ctx) ? kernelAt(ctx) : ntkWith(ctx.model, ctx.theta0, ctx.X, outputs, layers);
    const kernel = k.kernel.data as Float64Array;
    base = {
      kernel,
      parts: (k.parts ?? []).map((p) => ({ name: p.name, kernel: p.kernel.data as Float64Array })),
      norm: norm2(kernel),
      spectralNorm: spectral ? spectralNorm(kernel.slice(), k.kernel.rows) : NaN,
    };
  };

  return {
    name: 'drift',
    start,
    measure(ctx): Record<string, RowValue> {
      if (base === null) start(ctx);
      const b = base!;
      if (!stateFinite(ctx)) return Object.fromEntries(DRIFT_FIELDS.map((f) => [f, null]));
      const k = kernelAt(ctx);
      const H = k.kernel.data;
      if (H.length !== b.kernel.length) throw new UserError(`drift: H(t) has ${H.length} entries but the baseline H(0) has ${b.kernel.length} (baseline of another data set?)`);
      const abs = diffNorm(H, b.kernel);
      let perLayer: Record<string, RowValue> | null = null;
      if (layers) {
        perLayer = {};
        for (const p of k.parts ?? []) {
          const p0 = b.parts.find((q) => q.name === p.name);
          const n0 = p0 ? norm2(p0.kernel) : 0;
          perLayer[p.name] = p0 && n0 > 0 ? diffNorm(p.kernel.data, p0.kernel) / n0 : null;
        }
      }
      let spec: number | null = null;
      if (spectral) {
        const N = k.kernel.rows;
        const d = new Float64Array(H.length);
        for (let i = 0; i < d.length; i++) d[i] = H[i]! - b.kernel[i]!;
        spec = b.spectralNorm > 0 ? spectralNorm(d, N) / b.spectralNorm : null;
      }
      return {
        ntk_drift: b.norm > 0 ? abs / b.norm : null,
        ntk_drift_abs: abs,
        ntk_drift_layers: perLayer,
        ntk_drift_spectral: spec,
      };
    },
    baseline: () =>
      base === null
        ? { monitor: 'drift', started: false }
        : {
            monitor: 'drift',
            started: true,
            kernel: encodeArray(base.kernel),
            parts: base.parts.map((p) => ({ name: p.name, kernel: encodeArray(p.kernel) })),
            norm: encodeNumber(base.norm),
            spectral_norm: encodeNumber(base.spectralNorm),
          },
    restore(x: unknown): void {
      const o = baselineObject(x, 'drift');
      if (o.started === false) {
        base = null;
        return;
      }
      const kernel = decodeArray(o.kernel, 'kernel');
      if (!Array.isArray(o.parts)) throw new UserError("monitor baseline: drift 'parts' must be an array");
      const parts = (o.parts as unknown[]).map((p, i) => {
        const q = p as { name?: unknown; kernel?: unknown };
        if (typeof q?.name !== 'string') throw new UserError(`monitor baseline: drift parts[${i}].name must be a string`);
        return { name: q.name, kernel: decodeArray(q.kernel, `parts[${i}].kernel`, kernel.length) };
      });
      base = { kernel, parts, norm: decodeNumber(o.norm, 'norm'), spectralNorm: decodeNumber(o.spectral_norm, 'spectral_norm') };
    },
  };
}
