/**
 * Pointwise float64 kernels of the layers' forward/backward passes (src/core/ops/pointwise-kernels.ts
 * copies chunks of the caller's arrays in and out), computing exactly what the TypeScript loops there
 * compute (same IEEE operations in the same order, no FMA), two lanes at a time. With
 * g(x) = sp + (sn − sp)·[x ≤ 0] (relu, leaky relu, identity: a kink at 0, relu′(0) = 0):
 *
 *  dpwforward   y = g(x)·x; returns 1 when every x is finite (Σ(x − x) = 0), else 0
 *  dpwbackward  o = g(x)·b                 (the activation's backward and jvp, without storing g)
 *  dhadamard    o = a ∘ b
 */
@inline
function slope(spv: v128, dv: v128, v: v128): v128 {
  return f64x2.add(spv, f64x2.mul(dv, v128.and(f64x2.le(v, f64x2.splat(0)), f64x2.splat(1))));
}

export function dpwforward(n: i32, x: usize, y: usize, sp: f64, sn: f64): i32 {
  const d = sn - sp;
  const spv = f64x2.splat(sp);
  const dv = f64x2.splat(d);
  let f0 = f64x2.splat(0), f1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    const v0 = v128.load(x + q);
    const v1 = v128.load(x + q, 16);
    v128.store(y + q, f64x2.mul(slope(spv, dv, v0), v0));
    v128.store(y + q, f64x2.mul(slope(spv, dv, v1), v1), 16);
    f0 = f64x2.add(f0, f64x2.sub(v0, v0));
    f1 = f64x2.add(f1, f64x2.sub(v1, v1));
  }
  let f = f64x2.extract_lane(f0, 0) + f64x2.extract_lane(f0, 1) + f64x2.extract_lane(f1, 0) + f64x2.extract_lane(f1, 1);
  for (; i < n; i++) {
    const q = <usize>i * 8;
    const v = load<f64>(x + q);
    store<f64>(y + q, (sp + d * (v <= 0 ? 1.0 : 0.0)) * v);
    f += v - v;
  }
  return f == 0 ? 1 : 0;
}

export function dpwbackward(n: i32, x: usize, b: usize, o: usize, sp: f64, sn: f64): void {
  const d = sn - sp;
  const spv = f64x2.splat(sp);
  const dv = f64x2.splat(d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    v128.store(o + q, f64x2.mul(slope(spv, dv, v128.load(x + q)), v128.load(b + q)));
    v128.store(o + q, f64x2.mul(slope(spv, dv, v128.load(x + q, 16)), v128.load(b + q, 16)), 16);
  }
  for (; i < n; i++) {
    const q = <usize>i * 8;
    store<f64>(o + q, (sp + d * (load<f64>(x + q) <= 0 ? 1.0 : 0.0)) * load<f64>(b + q));
  }
}

export function dhadamard(n: i32, a: usize, b: usize, o: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    v128.store(o + q, f64x2.mul(v128.load(a + q), v128.load(b + q)));
    v128.store(o + q, f64x2.mul(v128.load(a + q, 16), v128.load(b + q, 16)), 16);
  }
  for (; i < n; i++) {
    const q = <usize>i * 8;
    store<f64>(o + q, load<f64>(a + q) * load<f64>(b + q));
  }
}
