import { readFileSync } from 'node:fs';

/**
 * OpenBLAS kernel choice for CPUs that its build does not recognise.
 *
 * OpenBLAS with DYNAMIC_ARCH picks its kernels from the CPU model at load time. Debian 12's 0.3.21
 * predates Sapphire Rapids and later Xeons and falls back to `Prescott` (SSE3) kernels on them: dgemm
 * then runs at ≈ 15 GFLOP/s per core instead of ≈ 55 (measured on this project's 2-core Xeon with
 * avx512f/bw/cd/dq/vl: Prescott 14.6, SkylakeX 52, results equal to rounding). The library reads
 * OPENBLAS_CORETYPE when it loads, so we set it — only when the user has not — before the first load:
 *
 *   OVERPARAM_OPENBLAS_CORETYPE = auto (default) | off | <an OpenBLAS core name>
 *   auto: SkylakeX when the CPU reports every AVX-512 subset SkylakeX kernels use, Haswell with
 *         AVX2 + FMA, otherwise leave OpenBLAS to detect.
 *
 * An OPENBLAS_CORETYPE already in the environment always wins (some machines set it on purpose, as
 * older OpenBLAS builds misbehave on some processors). The parity tests (test/parity/native.test.ts)
 * check every kernel against the reference backend with whatever core is chosen. Child processes
 * (numpy / PyTorch in bench/) inherit the variable, so benchmarks compare the same kernels.
 */
export interface CoreChoice {
  /** The core name set by overparam, or undefined when it left the choice to OpenBLAS / the user. */
  readonly chosen?: string;
  readonly reason: string;
}

const SKYLAKEX = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

function cpuFlags(): Set<string> {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    return new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/** Decide (and, with `apply`, export into `env`) the OpenBLAS core type before the library loads. */
export function chooseCoreType(env: Record<string, string | undefined>, apply: boolean, flags: Set<string> = cpuFlags()): CoreChoice {
  if (env.OPENBLAS_CORETYPE !== undefined) return { reason: `OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE} set by the environment` };
  const want = (env.OVERPARAM_OPENBLAS_CORETYPE ?? 'auto').trim();
  let chosen: string | undefined;
  let reason: string;
  if (want.toLowerCase() === 'off') return { reason: 'OVERPARAM_OPENBLAS_CORETYPE=off: OpenBLAS detects the CPU itself' };
  if (want.toLowerCase() !== 'auto') {
    chosen = want;
    reason = `OVERPARAM_OPENBLAS_CORETYPE=${want}`;
  } else if (process.platform === 'linux' && process.arch === 'x64' && SKYLAKEX.every((f) => flags.has(f))) {
    chosen = 'SkylakeX';
    reason = 'CPU has AVX-512 (f, cd, bw, dq, vl); set by overparam (OVERPARAM_OPENBLAS_CORETYPE=off to let OpenBLAS detect)';
  } else if (process.platform === 'linux' && process.arch === 'x64' && flags.has('avx2') && flags.has('fma')) {
    chosen = 'Haswell';
    reason = 'CPU has AVX2 + FMA; set by overparam (OVERPARAM_OPENBLAS_CORETYPE=off to let OpenBLAS detect)';
  } else {
    return { reason: 'OpenBLAS detects the CPU itself' };
  }
  if (apply) env.OPENBLAS_CORETYPE = chosen;
  return { chosen, reason };
}
