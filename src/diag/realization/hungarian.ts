import { UserError } from '../../core/errors.js';

/**
 * Linear sum assignment (Kuhn 1955; Munkres 1957) by the O(n²m) shortest-augmenting-path form of the
 * Hungarian algorithm with row/column potentials (Jonker–Volgenant style; the classic "e-maxx"
 * formulation): for an n×m cost matrix C (row-major), find an injective map rows → columns (if n ≤ m;
 * else columns → rows) minimizing Σ C[i, σ(i)].
 *
 * Invariant: potentials u, v with u_i + v_j ≤ C_ij on every edge and equality on matched edges, so the
 * matching is optimal by LP duality when every row is matched. Rows are added one at a time; each is
 * matched by a Dijkstra-like search over reduced costs C_ij − u_i − v_j ≥ 0.
 */
export interface Assignment {
  /** rowToCol[i] = assigned column of row i, or −1 (only when n > m). */
  rowToCol: Int32Array;
  /** Σ of the assigned costs. */
  cost: number;
}

function check(cost: ArrayLike<number>, n: number, m: number, what: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0 || cost.length !== n * m) throw new UserError(`${what}: cost has ${cost.length} entries for a ${n}×${m} matrix`);
  for (let i = 0; i < cost.length; i++) if (!Number.isFinite(cost[i]!)) throw new UserError(`${what}: cost entry ${i} is ${cost[i]} (costs must be finite)`);
}

export function linearSumAssignment(cost: ArrayLike<number>, n: number, m: number): Assignment {
  check(cost, n, m, 'linearSumAssignment');
  if (n > m) {
    const t = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = cost[i * m + j]!;
    const r = linearSumAssignment(t, m, n);
    const rowToCol = new Int32Array(n).fill(-1);
    r.rowToCol.forEach((row, col) => {
      rowToCol[row] = col;
    });
    return { rowToCol, cost: r.cost };
  }
  const INF = Infinity;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row (1-based) matched to column j, 0 = free
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(INF);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n).fill(-1);
  let total = 0;
  for (let j = 1; j <= m; j++) {
    if (p[j]! > 0) {
      rowToCol[p[j]! - 1] = j - 1;
      total += cost[(p[j]! - 1) * m + (j - 1)]!;
    }
  }
  return { rowToCol, cost: total };
}
