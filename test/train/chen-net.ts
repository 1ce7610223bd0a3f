import { Rng } from '../../src/core/rng.js';
import { mlp } from '../../src/nn/models/mlp.js';

/**
 * The nonlinear net of THEORY.md §3.4 tests 2 and 4 (Chen & Muñoz Ewald): tanh MLP [3, width, 1], NTK
 * parametrization, σ_w = 1.5, σ_b = 0.2, N = 8 Gaussian inputs in R³ and N(0, 1) targets, seed 5.
 */
export function chenTanhNet(width = 256) {
  const model = mlp({ sizes: [3, width, 1], activation: 'tanh', parametrization: 'ntk', sigmaW: 1.5, sigmaB: 0.2 });
  const rng = Rng.fromSeed(5);
  const theta = model.init(rng);
  const X = rng.normalTensor([8, 3]);
  const y = rng.normalTensor([8, 1]);
  return { model, theta, X, y };
}
