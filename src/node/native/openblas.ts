import { chooseCoreType, type CoreChoice } from './coretype.js';
import koffi from 'koffi';
import { readFileSync } from 'node:fs';

/**
 * The system OpenBLAS (CBLAS + OpenBLAS extensions) and LAPACKE, bound once with koffi (FFI).
 *
 * Typed arrays (including subarray views: koffi passes `data + byteOffset`, checked in
 * test/parity/native.test.ts) go to C as pointers to their own memory, without copies. The pointers are
 * only valid during the call, which is all BLAS/LAPACK need. Nothing here checks array lengths: that is
 * the job of the backend in ./index.ts, which must never hand C a buffer shorter than the call touches.
 *
 * Which libraries: OVERPARAM_BLAS_LIB / OVERPARAM_LAPACKE_LIB (a path or soname) when set, and then
 * only those (no silent fallback); otherwise the first candidate of `defaultCandidates()` that loads.
 * When the BLAS library itself exports LAPACKE (upstream OpenBLAS builds, Homebrew, conda) it is used
 * for LAPACKE too; Debian/Ubuntu ship LAPACKE separately (liblapacke.so.3, which calls the LAPACK of the
 * `liblapack.so.3` alternative — OpenBLAS's when libopenblas0-pthread is installed).
 */

/** CBLAS enums (cblas.h). */
export const CBLAS = {
  RowMajor: 101,
  NoTrans: 111,
  Trans: 112,
  Upper: 121,
  Lower: 122,
  NonUnit: 131,
  Unit: 132,
  Left: 141,
} as const;

/** LAPACKE matrix layouts (lapacke.h). */
export const LAPACK_ROW_MAJOR = 101;
export const LAPACK_COL_MAJOR = 102;

/** A `char` argument of LAPACKE (koffi passes C `char` as a number). */
export const ch = (s: 'N' | 'V' | 'U' | 'L' | 'A' | 'T'): number => s.charCodeAt(0);

type F64 = Float64Array;
type F32 = Float32Array;

export interface OpenBlas {
  /** The strings the libraries were loaded by (path or soname, as given to dlopen). */
  blasName: string;
  lapackeName: string;

  dgemm(order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: F64, lda: number, b: F64, ldb: number, beta: number, c: F64, ldc: number): void;
  sgemm(order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void;
  dgemv(order: number, trans: number, m: number, n: number, alpha: number, a: F64, lda: number, x: F64, incx: number, beta: number, y: F64, incy: number): void;
  sgemv(order: number, trans: number, m: number, n: number, alpha: number, a: F32, lda: number, x: F32, incx: number, beta: number, y: F32, incy: number): void;
  dger(order: number, m: number, n: number, alpha: number, x: F64, incx: number, y: F64, incy: number, a: F64, lda: number): void;
  sger(order: number, m: number, n: number, alpha: number, x: F32, incx: number, y: F32, incy: number, a: F32, lda: number): void;
  dsyrk(order: number, uplo: number, trans: number, n: number, k: number, alpha: number, a: F64, lda: number, beta: number, c: F64, ldc: number): void;
  ssyrk(order: number, uplo: number, trans: number, n: number, k: number, alpha: number, a: F32, lda: number, beta: number, c: F32, ldc: number): void;
  dtrsm(order: number, side: number, uplo: number, trans: number, diag: number, m: number, n: number, alpha: number, a: F64, lda: number, b: F64, ldb: number): void;
  daxpy(n: number, alpha: number, x: F64, incx: number, y: F64, incy: number): void;
  saxpy(n: number, alpha: number, x: F32, incx: number, y: F32, incy: number): void;
  dscal(n: number, alpha: number, x: F64, incx: number): void;
  sscal(n: number, alpha: number, x: F32, incx: number): void;
  ddot(n: number, x: F64, incx: number, y: F64, incy: number): number;
  sdot(n: number, x: F32, incx: number, y: F32, incy: number): number;
  dnrm2(n: number, x: F64, incx: number): number;
  snrm2(n: number, x: F32, incx: number): number;

  /** OpenBLAS extensions; undefined when the BLAS is not OpenBLAS. */
  setNumThreads?: (n: number) => void;
  getNumThreads?: () => number;
  getConfig?: () => string;
  getCorename?: () => string;

  /** LAPACKE (high-level interface: it allocates the workspace itself). Return `info`. */
  dsyevd(layout: number, jobz: number, uplo: number, n: number, a: F64, lda: number, w: F64): number;
  dsyevr(
    layout: number,
    jobz: number,
    range: number,
    uplo: number,
    n: number,
    a: F64,
    lda: number,
    vl: number,
    vu: number,
    il: number,
    iu: number,
    abstol: number,
    m: Int32Array,
    w: F64,
    z: F64,
    ldz: number,
    isuppz: Int32Array,
  ): number;
  dpotrf(layout: number, uplo: number, n: number, a: F64, lda: number): number;
  dgetrf(layout: number, m: number, n: number, a: F64, lda: number, ipiv: Int32Array): number;
  dgetrs(layout: number, trans: number, n: number, nrhs: number, a: F64, lda: number, ipiv: Int32Array, b: F64, ldb: number): number;
  /** LAPACKE_set_nancheck (LAPACKE ≥ 3.6): 0 switches off LAPACKE's scan of the inputs for NaN. */
  setNanCheck?: (flag: number) => void;
}

/** Where to look, in order (env overrides are handled by `loadOpenBlas`). */
export function defaultCandidates(): { blas: string[]; lapacke: string[] } {
  if (process.platform === 'darwin') {
    const brew = ['/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'];
    return {
      blas: ['libopenblas.0.dylib', 'libopenblas.dylib', ...brew.map((d) => `${d}/libopenblas.dylib`)],
      lapacke: ['liblapacke.dylib', ...brew.map((d) => `${d}/liblapacke.dylib`)],
    };
  }
  if (process.platform === 'win32') return { blas: ['libopenblas.dll', 'openblas.dll'], lapacke: ['liblapacke.dll', 'lapacke.dll'] };
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'x64' ? 'x86_64-linux-gnu' : `${process.arch}-linux-gnu`;
  const multi = `/usr/lib/${triplet}`;
  return {
    blas: [
      'libopenblas.so.0',
      `${multi}/libopenblas.so.0`,
      `${multi}/openblas-pthread/libopenblas.so.0`,
      `${multi}/openblas-openmp/libopenblas.so.0`,
      'libopenblas.so',
      '/usr/lib64/libopenblas.so.0',
      '/usr/local/lib/libopenblas.so.0',
      '/opt/OpenBLAS/lib/libopenblas.so.0',
      'libcblas.so.3',
    ],
    lapacke: ['liblapacke.so.3', `${multi}/liblapacke.so.3`, 'liblapacke.so', '/usr/lib64/liblapacke.so.3', '/usr/local/lib/liblapacke.so.3'],
  };
}

export const INSTALL_HINT =
  'install them with `sudo apt-get install libopenblas0-pthread liblapacke` (Debian/Ubuntu) or run scripts/install-system-deps.sh as root, ' +
  'or point OVERPARAM_BLAS_LIB / OVERPARAM_LAPACKE_LIB at the shared libraries';

type Lib = ReturnType<typeof koffi.load>;

function tryLoad(names: readonly string[], tried: string[]): { lib: Lib; name: string } | undefined {
  for (const name of names) {
    try {
      return { lib: koffi.load(name), name };
    } catch (e) {
      tried.push(`${name} (${firstLine(e)})`);
    }
  }
  return undefined;
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0]!.replace(/^Failed to load shared library: /, '');
}

function hasSymbol(lib: Lib, name: string): boolean {
  try {
    lib.func(`void ${name}(void)`);
    return true;
  } catch {
    return false;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyFn = (...args: any[]) => any;
/* eslint-enable @typescript-eslint/no-explicit-any */

function optional<T extends AnyFn>(lib: Lib, decl: string): T | undefined {
  try {
    return lib.func(decl) as unknown as T;
  } catch {
    return undefined;
  }
}

export interface LoadOptions {
  /** Overrides the candidate lists (tests use this to check the error message). */
  blas?: readonly string[];
  lapacke?: readonly string[];
  env?: Record<string, string | undefined>;
}

/**
 * koffi runs synchronous calls on its own C stack (2 MiB by default, with one guard page). OpenBLAS's
 * threaded LAPACK puts large arrays on the stack — getrf_parallel keeps `job_t job[MAX_CPU_NUMBER]`
 * (≈ 0.54 MB with MAX_CPU_NUMBER = 64, Debian's build) in every frame of a recursion ≈ 6 deep — so
 * 2 MiB overflows (observed: SIGSEGV in dgetrf_parallel for n = 200 with 2 threads) and, because one
 * frame is far larger than the guard page, an overflow may silently overwrite neighbouring memory
 * instead of faulting. We ask koffi for its maximum, 16 MiB (only reserved address space until used).
 * It must be set before koffi loads any library, which is why this runs before the first load.
 */
export const KOFFI_STACK_BYTES = 16 * 1024 * 1024;

function ensureKoffiStack(): void {
  const have = koffi.config().sync_stack_size ?? 0;
  if (have >= KOFFI_STACK_BYTES) return;
  try {
    koffi.config({ sync_stack_size: KOFFI_STACK_BYTES });
  } catch (e) {
    throw new Error(
      `koffi's C stack for synchronous calls is ${have} bytes and can no longer be raised (${firstLine(e)}): some code loaded a library ` +
        `through koffi before the native backend. OpenBLAS's threaded LAPACK needs several MB of stack; import overparam/node (or call ` +
        `createNativeBackend) before any other koffi user, or call koffi.config({ sync_stack_size: ${KOFFI_STACK_BYTES} }) first.`,
    );
  }
}

let cached: OpenBlas | undefined;
let cachedError: Error | undefined;

/**
 * Load and bind the libraries, once per process (later calls return the same object, or rethrow the
 * same error). With explicit `opts` the cache is bypassed.
 */
export function loadOpenBlas(opts?: LoadOptions): OpenBlas {
  if (!opts) {
    if (cached) return cached;
    if (cachedError) throw cachedError;
    try {
      cached = bind({});
      return cached;
    } catch (e) {
      cachedError = e as Error;
      throw e;
    }
  }
  return bind(opts);
}

/** How the OpenBLAS kernels were chosen for this process (see coretype.ts); set by the first load. */
export let coreChoice: CoreChoice = { reason: 'not loaded' };

function bind(opts: LoadOptions): OpenBlas {
  ensureKoffiStack();
  const env = opts.env ?? process.env;
  coreChoice = chooseCoreType(process.env, true);
  const defaults = defaultCandidates();
  const blasOverride = env.OVERPARAM_BLAS_LIB?.trim();
  const lapackeOverride = env.OVERPARAM_LAPACKE_LIB?.trim();
  const blasNames = blasOverride ? [blasOverride] : (opts.blas ?? defaults.blas);
  const triedBlas: string[] = [];
  const b = tryLoad(blasNames, triedBlas);
  if (!b || !hasSymbol(b.lib, 'cblas_dgemm')) {
    if (b) triedBlas.push(`${b.name} (loaded, but has no cblas_dgemm)`);
    throw new Error(
      `no CBLAS library found${blasOverride ? ' (OVERPARAM_BLAS_LIB)' : ''}; looked for ${triedBlas.join('; ')}. ` +
        `The native backend needs OpenBLAS and LAPACKE: ${INSTALL_HINT}.`,
    );
  }

  // LAPACKE: in the BLAS library itself (upstream OpenBLAS builds), else a separate liblapacke.
  let lk: { lib: Lib; name: string } | undefined;
  const triedLapacke: string[] = [];
  if (!lapackeOverride && hasSymbol(b.lib, 'LAPACKE_dsyevd')) lk = b;
  else {
    const names = lapackeOverride ? [lapackeOverride] : (opts.lapacke ?? defaults.lapacke);
    lk = tryLoad(names, triedLapacke);
    if (lk && !hasSymbol(lk.lib, 'LAPACKE_dsyevd')) {
      triedLapacke.push(`${lk.name} (loaded, but has no LAPACKE_dsyevd)`);
      lk = undefined;
    }
  }
  if (!lk) {
    throw new Error(
      `found BLAS (${b.name}) but no LAPACKE library${lapackeOverride ? ' (OVERPARAM_LAPACKE_LIB)' : ''}; looked in ${b.name} and for ` +
        `${triedLapacke.join('; ')}. The native backend needs OpenBLAS and LAPACKE: ${INSTALL_HINT}.`,
    );
  }

  const B = b.lib;
  const L = lk.lib;
  // CBLAS enums are C ints; blasint and lapack_int are 32-bit ints in the LP64 builds we load.
  return {
    blasName: b.name,
    lapackeName: lk.name,
    dgemm: B.func('void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int)'),
    sgemm: B.func('void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)'),
    dgemv: B.func('void cblas_dgemv(int, int, int, int, double, const double *, int, const double *, int, double, double *, int)'),
    sgemv: B.func('void cblas_sgemv(int, int, int, int, float, const float *, int, const float *, int, float, float *, int)'),
    dger: B.func('void cblas_dger(int, int, int, double, const double *, int, const double *, int, double *, int)'),
    sger: B.func('void cblas_sger(int, int, int, float, const float *, int, const float *, int, float *, int)'),
    dsyrk: B.func('void cblas_dsyrk(int, int, int, int, int, double, const double *, int, double, double *, int)'),
    ssyrk: B.func('void cblas_ssyrk(int, int, int, int, int, float, const float *, int, float, float *, int)'),
    dtrsm: B.func('void cblas_dtrsm(int, int, int, int, int, int, int, double, const double *, int, double *, int)'),
    daxpy: B.func('void cblas_daxpy(int, double, const double *, int, double *, int)'),
    saxpy: B.func('void cblas_saxpy(int, float, const float *, int, float *, int)'),
    dscal: B.func('void cblas_dscal(int, double, double *, int)'),
    sscal: B.func('void cblas_sscal(int, float, float *, int)'),
    ddot: B.func('double cblas_ddot(int, const double *, int, const double *, int)'),
    sdot: B.func('float cblas_sdot(int, const float *, int, const float *, int)'),
    dnrm2: B.func('double cblas_dnrm2(int, const double *, int)'),
    snrm2: B.func('float cblas_snrm2(int, const float *, int)'),
    setNumThreads: optional(B, 'void openblas_set_num_threads(int)'),
    getNumThreads: optional(B, 'int openblas_get_num_threads(void)'),
    getConfig: optional(B, 'const char *openblas_get_config(void)'),
    getCorename: optional(B, 'const char *openblas_get_corename(void)'),
    dsyevd: L.func('int LAPACKE_dsyevd(int, char, char, int, double *, int, double *)'),
    dsyevr: L.func('int LAPACKE_dsyevr(int, char, char, char, int, double *, int, double, double, int, int, double, int *, double *, double *, int, int *)'),
    dpotrf: L.func('int LAPACKE_dpotrf(int, char, int, double *, int)'),
    dgetrf: L.func('int LAPACKE_dgetrf(int, int, int, double *, int, int *)'),
    dgetrs: L.func('int LAPACKE_dgetrs(int, char, int, int, const double *, int, const int *, double *, int)'),
    setNanCheck: optional(L, 'void LAPACKE_set_nancheck(int)'),
  };
}

/** Files mapped into this process whose name matches `re` (Linux /proc/self/maps; [] elsewhere). */
export function mappedFiles(re: RegExp): string[] {
  try {
    const out = new Set<string>();
    for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const i = line.indexOf('/');
      if (i < 0) continue;
      const file = line.slice(i);
      if (re.test(file.slice(file.lastIndexOf('/') + 1))) out.add(file);
    }
    return [...out];
  } catch {
    return [];
  }
}
