import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.js';
import { bottleneckAssignment } from '../../../src/diag/realization/bottleneck.js';
import { linearSumAssignment } from '../../../src/diag/realization/hungarian.js';

// The Hungarian algorithm and the bottleneck assignment against brute force over all injective maps
// (m ≤ 7), square and rectangular, with real and tied integer costs.

/** All injections of n rows into m columns (n ≤ m). */
function* injections(n: number, m: number, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === n) {
    yield prefix.slice();
    return;
  }
  for (let j = 0; j < m; j++) {
    if (prefix.includes(j)) continue;
    prefix.push(j);
    yield* injections(n, m, prefix);
    prefix.pop();
  }
}

function brute(cost: Float64Array, n: number, m: number): { sum: number; bottleneck: number } {
  const rows = Math.min(n, m);
  const big = Math.max(n, m);
  const at = (i: number, j: number) => (n <= m ? cost[i * m + j]! : cost[j * m + i]!);
  let sum = Infinity;
  let bottleneck = Infinity;
  for (const p of injections(rows, big)) {
    let s = 0;
    let b = -Infinity;
    p.forEach((j, i) => {
      s += at(i, j);
      b = Math.max(b, at(i, j));
    });
    sum = Math.min(sum, s);
    bottleneck = Math.min(bottleneck, b);
  }
  return { sum, bottleneck };
}

function checkValid(rowToCol: Int32Array, n: number, m: number): void {
  const used = new Set<number>();
  let assigned = 0;
  rowToCol.forEach((j) => {
    if (j < 0) return;
    assert.ok(j < m && !used.has(j), 'assignment is injective');
    used.add(j);
    assigned++;
  });
  assert.equal(assigned, Math.min(n, m));
}

test('linear sum assignment = brute force (square and rectangular, m ≤ 7, ties)', () => {
  const rng = Rng.fromSeed(1);
  let cases = 0;
  for (let n = 1; n <= 7; n++) {
    for (const m of [n, Math.min(7, n + 2), Math.max(1, n - 3)]) {
      for (let t = 0; t < 6; t++) {
        const ints = t % 2 === 0;
        const cost = Float64Array.from({ length: n * m }, () => (ints ? rng.int(4) : rng.normal() * 10));
        const r = linearSumAssignment(cost, n, m);
        checkValid(r.rowToCol, n, m);
        const b = brute(cost, n, m);
        assert.ok(Math.abs(r.cost - b.sum) <= 1e-9 * Math.max(1, Math.abs(b.sum)), `n=${n} m=${m}: ${r.cost} vs brute ${b.sum}`);
        let s = 0;
        r.rowToCol.forEach((j, i) => {
          if (j >= 0) s += cost[i * m + j]!;
        });
        assert.ok(Math.abs(s - r.cost) <= 1e-9 * Math.max(1, Math.abs(s)), 'reported cost is the cost of the assignment');
        cases++;
      }
    }
  }
  assert.ok(cases > 100);
});

test('bottleneck assignment = brute force; ties resolved by least total cost', () => {
  const rng = Rng.fromSeed(2);
  for (let n = 1; n <= 7; n++) {
    for (const m of [n, Math.min(7, n + 1), Math.max(1, n - 2)]) {
      for (let t = 0; t < 6; t++) {
        const cost = Float64Array.from({ length: n * m }, () => (t % 2 ? rng.int(5) : Math.abs(rng.normal())));
        const r = bottleneckAssignment(cost, n, m);
        checkValid(r.rowToCol, n, m);
        assert.equal(r.bottleneck, brute(cost, n, m).bottleneck, `n=${n} m=${m}`);
      }
    }
  }
  // Among matchings with bottleneck 5, the least-sum one: [[5, 5], [5, 0]] → rows (0→0, 1→1), sum 5.
  const r = bottleneckAssignment(Float64Array.from([5, 5, 5, 0]), 2, 2);
  assert.deepEqual(Array.from(r.rowToCol), [0, 1]);
  assert.equal(r.cost, 5);
});

test('bad input is a UserError', () => {
  assert.throws(() => linearSumAssignment([1, 2, 3], 2, 2), /4 entries|3 entries/);
  assert.throws(() => linearSumAssignment([1, NaN, 3, 4], 2, 2), /finite/);
  assert.throws(() => bottleneckAssignment([1, Infinity, 3, 4], 2, 2), /finite/);
});
