import { cloneNet, innerOf, norm2, outerOf, setNeuron, type ShallowNet } from './net.js';

/**
 * The balancing map B of Berner et al. 2019 (THEORY.md §2.4 (i), §2.5-1). Positive homogeneity of
 * ReLU, a·relu(u·(x,1)) = (a/λ)·relu(λu·(x,1)) for λ > 0, lets every neuron be rescaled without
 * changing the realization; B picks, per neuron i with inner part uᵢ = (wᵢ, bᵢ) and outer weights aᵢ,
 *
 *   λᵢ = sqrt(‖aᵢ‖₂ / ‖uᵢ‖₂),   uᵢ ← λᵢ uᵢ,   aᵢ ← aᵢ / λᵢ,   so that ‖aᵢ‖₂ = ‖uᵢ‖₂ afterwards.
 *
 * (k = 1: |aᵢ| = ‖(wᵢ, bᵢ)‖₂, THEORY.md's "|c_i| = ‖(a_i, b_i)‖".) The balanced neuron is the point of
 * least Euclidean norm on its rescaling orbit (λ²‖u‖² + ‖a‖²/λ² is minimal there, value 2‖u‖‖a‖).
 * A neuron with aᵢ = 0 or uᵢ = 0 realizes the zero function and has no balanced point on its orbit;
 * B maps it to the zero neuron (the limit of its orbit), which realizes the same function. B is
 * idempotent and leaves c and V alone.
 */
export function balanceNet(net: ShallowNet): ShallowNet {
  const out = cloneNet(net);
  for (let i = 0; i < net.m; i++) {
    const u = innerOf(net, i);
    const a = outerOf(net, i);
    const nu = norm2(u);
    const na = norm2(a);
    if (nu === 0 || na === 0) {
      setNeuron(out, i, new Float64Array(net.d + 1), new Float64Array(net.k));
      continue;
    }
    const lam = Math.sqrt(na / nu);
    setNeuron(
      out,
      i,
      u.map((x) => x * lam),
      a.map((x) => x / lam),
    );
  }
  return out;
}

/** max over neurons of |‖aᵢ‖ − ‖uᵢ‖| (0 for a balanced net). */
export function balanceDefect(net: ShallowNet): number {
  let worst = 0;
  for (let i = 0; i < net.m; i++) worst = Math.max(worst, Math.abs(norm2(outerOf(net, i)) - norm2(innerOf(net, i))));
  return worst;
}
