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

/** The core `auto` picks for these CPU flags (linux x64 only), with why; undefined: leave it to OpenBLAS. */
function autoCore(flags: Set<string>): { core: string; why: string } | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  if (SKYLAKEX.every((f) => flags.has(f))) return { core: 'SkylakeX', why: 'CPU has AVX-512 (f, cd, bw, dq, vl)' };
  if (flags.has('avx2') && flags.has('fma')) return { core: 'Haswell', why: 'CPU has AVX2 + FMA' };
  return undefined;
}

/**
 * Decide (and, with `apply`, export into `env`) the OpenBLAS core type before the library loads. When the
 * environment already sets one that differs from what `auto` would pick, the reason says so: a machine
 * image with OPENBLAS_CORETYPE=Haswell on a Zen 4 VM ran dgemm at 53 GFLOP/s per core where SkylakeX
 * kernels reach 88 (n = 1024, 1 thread, measured 2026-12-02), and `overparam info` is where a user sees it.
 */
export function chooseCoreType(env: Record<string, string | undefined>, apply: boolean, flags: Set<string> = cpuFlags()): CoreChoice {
  const set = env.OPENBLAS_CORETYPE;
  if (set !== undefined) {
    const auto = autoCore(flags);
    const note = auto && auto.core.toLowerCase() !== set.trim().toLowerCase() ? `; this CPU could use ${auto.core} kernels (${auto.why}): unset OPENBLAS_CORETYPE to let overparam pick them` : '';
    return { reason: `OPENBLAS_CORETYPE=${set} set by the environment${note}` };
  }
  const want = (env.OVERPARAM_OPENBLAS_CORETYPE ?? 'auto').trim();
  if (want.toLowerCase() === 'off') return { reason: 'OVERPARAM_OPENBLAS_CORETYPE=off: OpenBLAS detects the CPU itself' };
  let chosen: string;
  let reason: string;
  if (want.toLowerCase() !== 'auto') {
    chosen = want;
    reason = `OVERPARAM_OPENBLAS_CORETYPE=${want}`;
  } else {
    const auto = autoCore(flags);
    if (!auto) return { reason: 'OpenBLAS detects the CPU itself' };
    chosen = auto.core;
    reason = `${auto.why}; set by overparam (OVERPARAM_OPENBLAS_CORETYPE=off to let OpenBLAS detect)`;
  }
  if (apply) env.OPENBLAS_CORETYPE = chosen;
  return { chosen, reason };
}
