import { UserError, shapeStr } from '../../core/errors.js';
import { eigvalsh, gram } from '../../core/linalg/index.js';
import { Tensor } from '../../core/tensor.js';
import { dualActivation, type ActivationSpec, type DualOptions } from './dual-activation.js';

/**
 * Infinite-width Gram matrices of Du, Lee, Li, Wang & Zhai, "Gradient Descent Finds Global Minima of
 * Deep Neural Networks" (ICML 2019; THEORY.md §5.2, §5.3), and of the two-layer paper of Du, Zhai,
 * Póczos & Singh (ICLR 2019; THEORY.md §5.1). Inputs are used as given (no 1/d, unlike the
 * neural-tangents kernels of analytic.ts): K⁽⁰⁾ᵢⱼ = ⟨xᵢ, xⱼ⟩. With A⁽ʰ⁾ᵢⱼ = [[K⁽ʰ⁻¹⁾ᵢᵢ, K⁽ʰ⁻¹⁾ᵢⱼ],
 * [K⁽ʰ⁻¹⁾ⱼᵢ, K⁽ʰ⁻¹⁾ⱼⱼ]] and (u, v) ~ N(0, A⁽ʰ⁾ᵢⱼ):
 *
 * FC (Def. 5.1; x⁽ʰ⁾ = √(c_σ/m)·σ(W⁽ʰ⁾x⁽ʰ⁻¹⁾), f = aᵀx⁽ᴴ⁾):
 *   K⁽ʰ⁾ᵢⱼ = c_σ E[σ(u)σ(v)]                      (1 ≤ h ≤ H−1)
 *   K⁽ᴴ⁾ᵢⱼ = c_σ K⁽ᴴ⁻¹⁾ᵢⱼ E[σ′(u)σ′(v)]            (A from K⁽ᴴ⁻¹⁾)
 * ResNet (Def. 6.1; x⁽¹⁾ = √(c_σ/m)σ(W⁽¹⁾x), x⁽ʰ⁾ = x⁽ʰ⁻¹⁾ + (c_res/(H√m))σ(W⁽ʰ⁾x⁽ʰ⁻¹⁾), 2 ≤ h ≤ H):
 *   K⁽¹⁾ᵢⱼ = c_σ E[σ(u)σ(v)],   b⁽¹⁾ᵢ = √c_σ E[σ(u)], u ~ N(0, K⁽⁰⁾ᵢᵢ)
 *   K⁽ʰ⁾ᵢⱼ = K⁽ʰ⁻¹⁾ᵢⱼ + (c_res/H)(b⁽ʰ⁻¹⁾ᵢE[σ(v)] + b⁽ʰ⁻¹⁾ⱼE[σ(u)]) + (c_res/H)²E[σ(u)σ(v)]   (2 ≤ h ≤ H−1)
 *   b⁽ʰ⁾ᵢ = b⁽ʰ⁻¹⁾ᵢ + (c_res/H)E[σ(u)], u ~ N(0, K⁽ʰ⁻¹⁾ᵢᵢ)
 *   K⁽ᴴ⁾ᵢⱼ = (c_res/H)² K⁽ᴴ⁻¹⁾ᵢⱼ E[σ′(u)σ′(v)]
 * (bᵢ is the limit of (1/√m)Σ_r x⁽ʰ⁾ᵢ,r: residual features have a non-zero mean. The b-terms were
 * re-derived for THEORY.md and are checked here by Monte-Carlo on finite networks:
 * test/nn/analytic-du.test.ts.) For H = 1 the only layer is the non-residual x⁽¹⁾, so both
 * architectures give K⁽¹⁾ = c_σ K⁽⁰⁾ ⊙ E[σ′σ′].
 *
 * K⁽ᴴ⁾ is the limit of the Gram matrix G⁽ᴴ⁾ = ⟨∂u/∂W⁽ᴴ⁾, ∂u/∂W⁽ᴴ⁾⟩ of the last hidden layer at
 * initialization (a ~ N(0, 1)), and λ₀ = λ_min(K⁽ᴴ⁾). c_σ = 1/E_{z~N(0,1)}[σ(z)²] (relu: 2). Pair
 * expectations use the closed forms of dual-activation.ts for relu (E[σ(u)] = √(q/(2π))), erf, gelu,
 * identity and leaky relu, and its numerical duals for other activations (Hermite series with a
 * tail bound, 1-D split quadrature for E[σ(u)] and c_σ).
 */
export interface DuGramOptions extends DualOptions {
  arch: 'du-fc' | 'du-resnet';
  /** H: number of hidden layers (weight matrices W⁽¹⁾ … W⁽ᴴ⁾). */
  layers: number;
  /** Residual scale c_res (du-resnet only; Du et al. take 0 < c_res < 1). */
  cRes?: number;
  activation: ActivationSpec;
  /** Inputs n×d, used as given (Du et al. assume ‖xᵢ‖ = 1). */
  x: Tensor;
  /** Override c_σ (default 1/E[σ(z)²]). */
  cSigma?: number;
}

export interface DuGram {
  /** K⁽ᴴ⁾, n×n. */
  K: Tensor;
  /** λ₀ = λ_min(K⁽ᴴ⁾) (symmetric eigensolver of core/linalg). */
  lambda0: number;
  cSigma: number;
  /** K⁽⁰⁾ … K⁽ᴴ⁻¹⁾ (the feature Grams ⟨x⁽ʰ⁾ᵢ, x⁽ʰ⁾ⱼ⟩ in the limit). */
  features: Tensor[];
  /** du-resnet: b⁽¹⁾ … b⁽ᴴ⁻¹⁾ (each length n). */
  b: Float64Array[];
}

/** c_σ = 1/E_{z~N(0,1)}[σ(z)²] (Du et al. §5). */
export function cSigma(activation: ActivationSpec, opts: DualOptions = {}): number {
  const m2 = dualActivation(activation, opts).diag(1);
  if (!(m2 > 0) || !Number.isFinite(m2)) throw new UserError(`c_σ: E[σ(z)²] = ${m2} for this activation; c_σ is undefined`);
  return 1 / m2;
}

export function duGram(opts: DuGramOptions): DuGram {
  const { arch, layers: H, x } = opts;
  if (arch !== 'du-fc' && arch !== 'du-resnet') throw new UserError(`duGram: arch must be 'du-fc' or 'du-resnet', got '${String(arch)}'`);
  if (!Number.isInteger(H) || H < 1) throw new UserError(`duGram: layers (H) must be a positive integer, got ${H}`);
  if (x.ndim !== 2) throw new UserError(`duGram: x must be n×d, got shape ${shapeStr(x.shape)}`);
  let cRes = 0;
  if (arch === 'du-resnet') {
    if (opts.cRes === undefined || !Number.isFinite(opts.cRes) || opts.cRes <= 0) throw new UserError(`duGram: du-resnet needs a positive cRes (c_res), got ${opts.cRes}`);
    cRes = opts.cRes;
  }
  const dual = dualActivation(opts.activation, opts);
  const cs = opts.cSigma ?? cSigma(opts.activation, opts);
  if (!(cs > 0) || !Number.isFinite(cs)) throw new UserError(`duGram: cSigma must be positive and finite, got ${cs}`);
  const n = x.rows;

  const k0 = gram(x.dtype === 'f64' ? x : x.astype('f64'));
  const features: Tensor[] = [k0];
  const b: Float64Array[] = [];
  const diagOf = (k: Float64Array): Float64Array => {
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = k[i * n + i]!;
    return d;
  };

  let prev = k0.data as Float64Array;
  // Hidden feature Grams K⁽¹⁾ … K⁽ᴴ⁻¹⁾.
  for (let h = 1; h <= H - 1; h++) {
    const d = diagOf(prev);
    const t = new Float64Array(n * n);
    dual.map(prev, d, d, t, null, true);
    const next = new Float64Array(n * n);
    if (arch === 'du-fc' || h === 1) {
      for (let i = 0; i < n * n; i++) next[i] = cs * t[i]!;
      if (arch === 'du-resnet') b.push(d.map((q) => Math.sqrt(cs) * dual.mean(q)));
    } else {
      const s = cRes / H;
      const bp = b[b.length - 1]!;
      const mean = d.map((q) => dual.mean(q));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const ij = i * n + j;
          next[ij] = prev[ij]! + s * (bp[i]! * mean[j]! + bp[j]! * mean[i]!) + s * s * t[ij]!;
        }
      }
      b.push(bp.map((v, i) => v + s * mean[i]!));
    }
    features.push(new Tensor(next, [n, n]));
    prev = next;
  }

  // Last layer: K⁽ᴴ⁾ = scale · K⁽ᴴ⁻¹⁾ ⊙ E[σ′(u)σ′(v)].
  const scale = arch === 'du-resnet' && H >= 2 ? (cRes / H) ** 2 : cs;
  const kH = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) kH[i] = scale * prev[i]!;
  const d = diagOf(prev);
  dual.map(prev, d, d, null, kH, true);
  const K = new Tensor(kH, [n, n]);
  return { K, lambda0: n > 0 ? eigvalsh(K)[0]! : NaN, cSigma: cs, features, b };
}

/**
 * Du et al. (ICLR 2019) two-layer relu Gram matrix H∞ᵢⱼ = E_{w~N(0,I)}[xᵢᵀxⱼ 1{wᵀxᵢ ≥ 0, wᵀxⱼ ≥ 0}]
 * = xᵢᵀxⱼ (π − θᵢⱼ)/(2π), θᵢⱼ the angle between xᵢ and xⱼ (atan2 form, THEORY.md §5.1), and
 * λ₀ = λ_min(H∞). For the π/3 pair of THEORY.md §6.3: [[1/2, 1/6], [1/6, 1/2]], λ₀ = 1/3.
 */
export function duTwoLayerGram(x: Tensor): { H: Tensor; lambda0: number } {
  if (x.ndim !== 2) throw new UserError(`duTwoLayerGram: x must be n×d, got shape ${shapeStr(x.shape)}`);
  const n = x.rows;
  const g = gram(x.dtype === 'f64' ? x : x.astype('f64')).data;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const p = g[i * n + j]!;
      const s = Math.sqrt(Math.max(g[i * n + i]! * g[j * n + j]! - p * p, 0));
      const theta = s === 0 && p === 0 ? Math.PI / 2 : Math.atan2(s, p);
      h[i * n + j] = h[j * n + i] = (p * (Math.PI - theta)) / (2 * Math.PI);
    }
  }
  const H = new Tensor(h, [n, n]);
  return { H, lambda0: n > 0 ? eigvalsh(H)[0]! : NaN };
}
