import { UserError } from '../../core/errors.js';
import { linearSumAssignment, type Assignment } from './hungarian.js';

/**
 * Bottleneck assignment: for an n×m cost matrix (n ≤ m: every row matched; n > m: every column),
 * minimize the LARGEST assigned cost max_i C[i, σ(i)] — the permutation part of a parameter distance
 * in the ∞-norm, which is a max over neurons (symmetry-distance.ts). Method: binary search over the
 * sorted distinct costs for the least threshold t such that the bipartite graph {C_ij ≤ t} has a
 * matching saturating the smaller side (Kuhn's augmenting paths). Among the bottleneck-optimal
 * matchings it returns the one of least total cost (Hungarian algorithm with the edges above t
 * forbidden), so the result is deterministic.
 */
export interface BottleneckAssignment extends Assignment {
  /** The optimal bottleneck value max_i C[i, σ(i)] (0 for an empty matrix). */
  bottleneck: number;
}

/** Size of a maximum matching in the bipartite graph rows × cols with edges where allowed(i, j). */
function maxMatching(n: number, m: number, allowed: (i: number, j: number) => boolean): number {
  const matchCol = new Int32Array(m).fill(-1);
  let size = 0;
  const tryRow = (i: number, seen: Uint8Array): boolean => {
    for (let j = 0; j < m; j++) {
      if (seen[j] || !allowed(i, j)) continue;
      seen[j] = 1;
      if (matchCol[j] === -1 || tryRow(matchCol[j]!, seen)) {
        matchCol[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < n; i++) if (tryRow(i, new Uint8Array(m))) size++;
  return size;
}

export function bottleneckAssignment(cost: ArrayLike<number>, n: number, m: number): BottleneckAssignment {
  if (cost.length !== n * m) throw new UserError(`bottleneckAssignment: cost has ${cost.length} entries for a ${n}×${m} matrix`);
  for (let i = 0; i < cost.length; i++) if (!Number.isFinite(cost[i]!)) throw new UserError(`bottleneckAssignment: cost entry ${i} is ${cost[i]} (costs must be finite)`);
  const need = Math.min(n, m);
  if (need === 0) return { rowToCol: new Int32Array(n).fill(-1), cost: 0, bottleneck: 0 };
  const values = Float64Array.from(cost).sort();
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = values[mid]!;
    if (maxMatching(n, m, (i, j) => cost[i * m + j]! <= t) === need) hi = mid;
    else lo = mid + 1;
  }
  const t = values[lo]!;
  let maxC = 0;
  for (let i = 0; i < cost.length; i++) maxC = Math.max(maxC, Math.abs(cost[i]!));
  const big = (maxC + 1) * (need + 1) * 4;
  const capped = Float64Array.from(cost, (c) => (c <= t ? c : big));
  const r = linearSumAssignment(capped, n, m);
  let total = 0;
  let worst = 0;
  r.rowToCol.forEach((j, i) => {
    if (j < 0) return;
    total += cost[i * m + j]!;
    worst = Math.max(worst, cost[i * m + j]!);
  });
  return { rowToCol: r.rowToCol, cost: total, bottleneck: worst };
}
