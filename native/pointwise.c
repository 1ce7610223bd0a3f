/*
 * Pointwise float64 kernels of a training step for the `native` backend (src/node/native/pointwise.ts
 * loads the shared library scripts/build-native.mjs builds from this file). They compute exactly what the
 * TypeScript loops of src/core/ops/pointwise-kernels.ts compute — the same IEEE operations in the same
 * order; built with -ffp-contract=off, no -ffast-math — so results are bit-identical whichever path runs
 * (test/core/pointwise-kernels.test.ts). With g(x) = sp + (sn − sp)·[x ≤ 0] (relu, leaky relu, identity):
 *
 *   op_pw_forward   y = g(x)·x; returns 1 when every x is finite (x − x == 0), else 0
 *   op_pw_backward  o = g(x)·b   (o may be b)
 *   op_hadamard     o = a ∘ b    (o may be a or b)
 *
 * Why C: one pass over the caller's memory, vectorized by the compiler (AVX2 where the CPU has it,
 * through GCC's target_clones, SSE2 otherwise). The WebAssembly kernels must copy each chunk into and
 * out of wasm memory, which made a relu pass over 1M entries cost 0.9 ms (forward) / 1.2 ms (backward)
 * from cold caches against 0.4 / 0.6 ms here — the speed of PyTorch's own passes on the same machine.
 */
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define OP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define OP_CLONES
#endif

OP_CLONES
int op_pw_forward(int64_t n, const double *x, double *y, double sp, double sn) {
  const double d = sn - sp;
  int64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    const double v = x[i];
    const double z = v - v; /* NaN exactly when v is NaN or ±inf */
    y[i] = (sp + d * (v <= 0 ? 1.0 : 0.0)) * v;
    bad |= z == 0 ? 0 : 1;
  }
  return bad ? 0 : 1;
}

OP_CLONES
void op_pw_backward(int64_t n, const double *x, const double *b, double *o, double sp, double sn) {
  const double d = sn - sp;
  for (int64_t i = 0; i < n; i++) o[i] = (sp + d * (x[i] <= 0 ? 1.0 : 0.0)) * b[i];
}

OP_CLONES
void op_hadamard(int64_t n, const double *a, const double *b, double *o) {
  for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i];
}
