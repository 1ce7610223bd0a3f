/**
 * core/linalg — dense linear algebra on `Tensor`s (float64; float32 inputs are widened for the
 * LAPACK-class routines and results that the theory reads say so via `inputDtype`).
 *
 * Every routine dispatches to the active backend's LAPACK kernels when it has them (native: OpenBLAS +
 * LAPACKE) and otherwise runs overparam's TypeScript algorithms (`tsLapack`), whose O(n³) work goes
 * through the backend's gemm/syrk. Algorithms, costs and accuracy are documented in each file.
 */
export { matmul, matvec, gram, gramT, type MatmulOptions } from './matmul.js';
export { cholesky, choSolve, choSolveFactor, type ChoSolveOptions } from './cholesky.js';
export { solveTriangular, type TriangularOptions } from './triangular.js';
export { luSolve, luFactor, type LuSolveOptions, type LuFactors } from './lu.js';
export { qr, type QrResult } from './qr.js';
export { eigh, eigvalsh, type EighResult, type EighOptions } from './eigh.js';
export { lanczosExtreme, type LanczosOptions, type LanczosResult, type LanczosWhich } from './lanczos.js';
export { singularValues, singularValuesFull, svd, rank, type SvdResult, type SingularValuesResult, type RankOptions, type RankResult } from './svd.js';
export { pinv, type PinvOptions } from './pinv.js';
export { symFunction, expmSym, powSym, sqrtmSym, spectralApply, powApply, gdPowerApply, expmApply } from './matfun.js';
export { tsLapack } from './ts-lapack.js';
