import type { Monitor, RowValue } from '../nn/monitor.js';
import { allFinite } from './context.js';

/**
 * movement — distance travelled by the parameters, the "lazy training" quantity of Du et al.
 * (ICLR 2019: ‖w_r(k) − w_r(0)‖ ≤ R′ = O(1/√m) per neuron, THEORY.md §5.1, test §5.6-5), Chizat et
 * al. 2019 and Terjék & González-Sánchez (relative movement ~ width^{−1/2}, THEORY.md §4.3–4.4):
 *
 *   weight_movement             ‖θ_t − θ₀‖ / ‖θ₀‖ over the trainable slices (null when ‖θ₀‖ = 0)
 *   weight_movement_abs         ‖θ_t − θ₀‖ (Euclidean, trainable slices)
 *   weight_movement_layers      { slice name: ‖θ_l(t) − θ_l(0)‖_F / ‖θ_l(0)‖_F } per trainable ParamSlice
 *                               (`layers.i.weight`, `layers.i.bias`, …); null for a slice with θ_l(0) = 0
 *                               (e.g. zero-initialized biases)
 *   weight_movement_layers_abs  { slice name: ‖θ_l(t) − θ_l(0)‖_F }
 *   weight_movement_max_row     { weight slice name: max_r ‖W_{r,:}(t) − W_{r,:}(0)‖ } over the rows
 *                               (output units) of each trainable matrix — Du et al.'s max_r ‖w_r(k) − w_r(0)‖
 * Frozen slices (trainable: false) never move and are left out. All null when θ_t is not finite.
 *
 * Stateless (θ₀ is in the MonitorContext): no baseline. Cost O(P) time, O(#slices) memory.
 */
export const MOVEMENT_FIELDS = ['weight_movement', 'weight_movement_abs', 'weight_movement_layers', 'weight_movement_layers_abs', 'weight_movement_max_row'] as const;

export function movementMonitor(): Monitor {
  return {
    name: 'movement',
    measure(ctx): Record<string, RowValue> {
      if (!allFinite(ctx.theta)) return Object.fromEntries(MOVEMENT_FIELDS.map((f) => [f, null]));
      const th = ctx.theta;
      const th0 = ctx.theta0;
      let dTot = 0;
      let nTot = 0;
      const rel: Record<string, RowValue> = {};
      const abs: Record<string, RowValue> = {};
      const maxRow: Record<string, RowValue> = {};
      for (const s of ctx.model.slices) {
        if (!s.trainable) continue;
        let d = 0;
        let n0 = 0;
        let rowMax = 0;
        const cols = s.shape.length === 2 ? s.shape[1]! : s.size;
        for (let r = 0; r < s.size / cols; r++) {
          let dr = 0;
          for (let c = 0; c < cols; c++) {
            const p = s.offset + r * cols + c;
            const delta = th[p]! - th0[p]!;
            dr += delta * delta;
            n0 += th0[p]! * th0[p]!;
          }
          d += dr;
          rowMax = Math.max(rowMax, dr);
        }
        dTot += d;
        nTot += n0;
        abs[s.name] = Math.sqrt(d);
        rel[s.name] = n0 > 0 ? Math.sqrt(d) / Math.sqrt(n0) : null;
        if (s.shape.length === 2) maxRow[s.name] = Math.sqrt(rowMax);
      }
      return {
        weight_movement: nTot > 0 ? Math.sqrt(dTot) / Math.sqrt(nTot) : null,
        weight_movement_abs: Math.sqrt(dTot),
        weight_movement_layers: rel,
        weight_movement_layers_abs: abs,
        weight_movement_max_row: maxRow,
      };
    },
  };
}
