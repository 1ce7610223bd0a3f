import { checkLr, checkStateName, curvatureHint, descend, fullGradient, type CurvatureProbe, type Optimizer, type OptimizerState, type StepContext, type StepResult } from './optimizer.js';

/**
 * Full-batch gradient descent, θ_{t+1} = θ_t − η·ℓ ⊙ ∇L(θ_t) (DESIGN.md "GD"; Du et al. ICLR 2019 /
 * ICML 2019 eq. for θ(k+1)), with ℓ the per-slice learning-rate scale of the parametrization
 * (ParamSlice.lrScale; 1 for standard and NTK). On the linearized model this is the iteration
 * u_{t+1} − y = (I − ηΘ̂)(u_t − y) of KernelDynamics. Stateless. Cost: one forward + one backward,
 * and one backend axpy per trainable slice (optimizer.ts descend; a JavaScript loop would cost 0.6 ms per
 * step at P = 2.8e5).
 */
export interface GdOptions {
  lr: number;
}

class Gd implements Optimizer {
  readonly name = 'gd';
  readonly lr: number;
  constructor(opts: GdOptions) {
    this.lr = checkLr(opts.lr, 'gd');
  }
  step(ctx: StepContext): StepResult {
    descend(ctx.model, ctx.theta, fullGradient(ctx), this.lr);
    return {};
  }
  state(): OptimizerState {
    return { name: this.name };
  }
  restore(state: OptimizerState): void {
    checkStateName(state, this.name);
  }
  explainDivergence(probe: CurvatureProbe): string {
    return curvatureHint(this.lr, 2, '2/λ_max(H)', probe);
  }
}

export function gd(opts: GdOptions): Optimizer {
  return new Gd(opts);
}
