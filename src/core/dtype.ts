/** Element types. Float64 is the default everywhere; float32 is opt-in (DESIGN.md, Numerics). */
export type DType = 'f64' | 'f32';
export type FloatArray = Float64Array | Float32Array;

export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'f64' ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'f64' : 'f32';
}

/** Machine epsilon of a dtype (unit roundoff × 2). */
export function epsOf(dtype: DType): number {
  return dtype === 'f64' ? Number.EPSILON : 1.1920928955078125e-7;
}
