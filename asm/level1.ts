/**
 * Level-1 kernels over contiguous vectors (byte pointers into linear memory), float64 and float32.
 *
 *  axpy  y ← α·x + y      scal  x ← α·x      dot  Σ xᵢ·yᵢ      nrm2  ‖x‖₂ without overflow/underflow
 *
 * The float32 dot and nrm2 accumulate in float64 (as the reference backend does). nrm2 uses two passes:
 * max |xᵢ| first, then a plain sum of squares, scaled by an exact power of two only when max |xᵢ| lies
 * outside [2^-480, 2^480] — the same guarantee as LAPACK's scaled dnrm2 without a division per element.
 */

// ---- float64 ----------------------------------------------------------------------------------------

export function daxpy(n: i32, alpha: f64, x: usize, y: usize): void {
  const al = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const q = <usize>i * 8;
    v128.store(y + q, f64x2.add(v128.load(y + q), f64x2.mul(al, v128.load(x + q))));
  }
  for (; i < n; i++) store<f64>(y + <usize>i * 8, load<f64>(y + <usize>i * 8) + alpha * load<f64>(x + <usize>i * 8));
}

export function dscal(n: i32, alpha: f64, x: usize): void {
  const al = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(x + <usize>i * 8, f64x2.mul(al, v128.load(x + <usize>i * 8)));
  for (; i < n; i++) store<f64>(x + <usize>i * 8, alpha * load<f64>(x + <usize>i * 8));
}

export function ddot(n: i32, x: usize, y: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(x + q), v128.load(y + q)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(x + q, 16), v128.load(y + q, 16)));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; i < n; i++) s += load<f64>(x + <usize>i * 8) * load<f64>(y + <usize>i * 8);
  return s;
}

/**
 * Largest |xᵢ|, or NaN if any xᵢ is NaN. Uses pmax (one maxpd; wasm's NaN-propagating f64x2.max is a
 * long instruction sequence on x64 and would sit on the loop-carried chain) and tracks NaNs in a mask.
 */
function damax(n: i32, x: usize): f64 {
  let m0 = f64x2.splat(0), m1 = f64x2.splat(0);
  let nan = i64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    const v0 = f64x2.abs(v128.load(x + q));
    const v1 = f64x2.abs(v128.load(x + q, 16));
    m0 = f64x2.pmax(m0, v0);
    m1 = f64x2.pmax(m1, v1);
    nan = v128.or(nan, v128.or(f64x2.ne(v0, v0), f64x2.ne(v1, v1)));
  }
  m0 = f64x2.pmax(m0, m1);
  let m = max(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1));
  if (v128.any_true(nan)) return NaN;
  for (; i < n; i++) m = max(m, abs(load<f64>(x + <usize>i * 8))); // max propagates NaN
  return m;
}

/** Σ (s·xᵢ)², with s a power of two. */
function dsumsq(n: i32, x: usize, s: f64): f64 {
  const sv = f64x2.splat(s);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 8;
    const v0 = f64x2.mul(sv, v128.load(x + q));
    const v1 = f64x2.mul(sv, v128.load(x + q, 16));
    a0 = f64x2.add(a0, f64x2.mul(v0, v0));
    a1 = f64x2.add(a1, f64x2.mul(v1, v1));
  }
  a0 = f64x2.add(a0, a1);
  let acc = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < n; i++) {
    const v = s * load<f64>(x + <usize>i * 8);
    acc += v * v;
  }
  return acc;
}

const BIG: f64 = 3.1217485503159922e144; // 2^480
const SMALL: f64 = 3.2033329522929615e-145; // 2^-480
const UP: f64 = 4.149515568880993e180; // 2^600
const DOWN: f64 = 2.409919865102884e-181; // 2^-600

export function dnrm2(n: i32, x: usize): f64 {
  const amax = damax(n, x);
  if (amax == 0 || !isFinite(amax)) return amax; // 0, +Inf or NaN
  // Squares of values in [2^-480, 2^480] stay normal and a sum of up to 2^32 of them cannot overflow.
  if (amax > BIG) return Math.sqrt(dsumsq(n, x, DOWN)) * UP;
  if (amax < SMALL) return Math.sqrt(dsumsq(n, x, UP)) * DOWN;
  return Math.sqrt(dsumsq(n, x, 1));
}

// ---- float32 ----------------------------------------------------------------------------------------

export function saxpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const al = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 4;
    v128.store(y + q, f32x4.add(v128.load(y + q), f32x4.mul(al, v128.load(x + q))));
  }
  for (; i < n; i++) store<f32>(y + <usize>i * 4, load<f32>(y + <usize>i * 4) + alpha * load<f32>(x + <usize>i * 4));
}

export function sscal(n: i32, alpha: f32, x: usize): void {
  const al = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + <usize>i * 4, f32x4.mul(al, v128.load(x + <usize>i * 4)));
  for (; i < n; i++) store<f32>(x + <usize>i * 4, alpha * load<f32>(x + <usize>i * 4));
}

/** Σ xᵢ·yᵢ over float32 data, products and sum in float64 (each lane pair promoted exactly). */
export function sdot(n: i32, x: usize, y: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 4;
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(x + q)), f64x2.promote_low_f32x4(v128.load64_zero(y + q))));
    s1 = f64x2.add(s1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(x + q, 8)), f64x2.promote_low_f32x4(v128.load64_zero(y + q, 8))));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + <usize>i * 4) * <f64>load<f32>(y + <usize>i * 4);
  return s;
}

/** ‖x‖₂ of float32 data: squares summed in float64 cannot overflow or underflow, so no scaling is needed. */
export function snrm2(n: i32, x: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i * 4;
    const v0 = f64x2.promote_low_f32x4(v128.load64_zero(x + q));
    const v1 = f64x2.promote_low_f32x4(v128.load64_zero(x + q, 8));
    s0 = f64x2.add(s0, f64x2.mul(v0, v0));
    s1 = f64x2.add(s1, f64x2.mul(v1, v1));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>i * 4);
    s += v * v;
  }
  return Math.sqrt(s);
}
