import { UserError } from '../../core/errors.js';

/**
 * safetensors reader and writer over bytes (Uint8Array in, Uint8Array out; no node: imports, runs in
 * a browser). Format (huggingface/safetensors, README "Format"; DESIGN.md "Weights files"):
 *
 *   [8 bytes: N, unsigned little-endian 64-bit] [N bytes: UTF-8 JSON header] [data region]
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (byte offsets
 * relative to the start of the data region, end exclusive) and may hold "__metadata__": a map of
 * strings to strings. Tensor data are raw little-endian, row-major (C order).
 *
 * Reader: tensors are located by `data_offsets`, never by header order or position. Validation, each
 * with a message naming the tensor: header length within the buffer, valid UTF-8 JSON object starting
 * with '{', `__metadata__` values are strings, dtype is F64 or F32 (anything else — BF16, F16, I64, … —
 * is refused by name), shape is a list of non-negative integers, offsets are integers with
 * begin ≤ end ≤ data length, end − begin = (number of elements)·(bytes per element), and — as the
 * reference implementation requires — the tensors tile the data region exactly (no overlap, no gap,
 * no trailing bytes). Values are copied into fresh, aligned typed arrays bit for bit (−0, ±Inf,
 * subnormals and NaN payloads are preserved; big-endian hosts are byte-swapped).
 *
 * Writer: deterministic bytes. `__metadata__` first (when given), then tensors sorted by name (UTF-16
 * code-unit order), keys inside an entry in the order dtype, shape, data_offsets, no whitespace; data
 * laid out in the same sorted order without gaps; header padded with spaces (0x20) so the data region
 * starts at a multiple of 8 bytes, as the reference writer does.
 */
export type SafetensorsDType = 'F64' | 'F32';

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float64Array | Float32Array;
}

export interface SafetensorsFile {
  /** Tensors by name (a null-prototype object: any name, including "__proto__", is an own key). */
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4 };
/** Largest header accepted (the reference implementation's limit is 100 MB). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(msg: string): never {
  throw new UserError(`safetensors: ${msg}`);
}

function elementCount(shape: readonly number[], where: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) fail(`${where}: shape ${JSON.stringify(shape)} has too many elements`);
  return n;
}

/** Copy little-endian bytes into `out`'s buffer (byte-swapping on big-endian hosts). */
function copyLE(src: Uint8Array, dst: Uint8Array, width: number): void {
  if (LITTLE_ENDIAN) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < src.length; i += width) for (let b = 0; b < width; b++) dst[i + b] = src[i + width - 1 - b]!;
}

/** Encode tensors (and optional string metadata) as safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, SafetensorsTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) if (typeof metadata[k] !== 'string') fail(`metadata '${k}' must be a string, got ${typeof metadata[k]}`);
    header.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  const parts: { bytes: Uint8Array; width: number; begin: number }[] = [];
  for (const name of names) {
    const t = tensors[name]!;
    const where = `tensor '${name}'`;
    if (name === '__metadata__') fail(`'__metadata__' is reserved and cannot name a tensor`);
    if (name.length === 0) fail('tensor names must be non-empty');
    if (t.dtype !== 'F64' && t.dtype !== 'F32') fail(`${where}: dtype must be 'F64' or 'F32', got '${String(t.dtype)}'`);
    const want = t.dtype === 'F64' ? Float64Array : Float32Array;
    if (!(t.data instanceof want)) fail(`${where}: dtype ${t.dtype} needs a ${want.name}, got ${Object.prototype.toString.call(t.data).slice(8, -1)}`);
    if (!Array.isArray(t.shape)) fail(`${where}: shape must be an array`);
    const n = elementCount(t.shape, where);
    if (n !== t.data.length) fail(`${where}: shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`);
    const width = BYTES[t.dtype];
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes.length}]}`);
    parts.push({ bytes, width, begin: offset });
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(`{${header.join(',')}}`);
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 4294967296, true);
  view.setUint32(4, Math.floor(padded / 4294967296), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  const base = 8 + padded;
  for (const p of parts) copyLE(p.bytes, out.subarray(base + p.begin, base + p.begin + p.bytes.length), p.width);
  return out;
}

/** Decode safetensors bytes (F64 and F32 tensors); see the module comment for what is validated. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 4294967296 + lo;
  if (n > MAX_HEADER) fail(`header length ${hi > 2097151 ? `≥ 2^53` : n} exceeds the ${MAX_HEADER}-byte limit (corrupt file?)`);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  if (n < 2 || bytes[8] !== 0x7b) fail(`header must be a JSON object starting with '{'`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const tensors: Record<string, SafetensorsTensor> = Object.create(null) as Record<string, SafetensorsTensor>;
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(`__metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(`${where}: entry must be an object with dtype, shape, data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F64' && dtype !== 'F32') {
      fail(`${where}: dtype ${JSON.stringify(dtype)} is not supported (overparam reads F64 and F32)`);
    }
    if (!Array.isArray(shape)) fail(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    const count = elementCount(shape as number[], where);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] has begin > end`);
    if (end > dataLen) fail(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLen}-byte data region`);
    const width = BYTES[dtype];
    if (end - begin !== count * width) {
      fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} shape ${JSON.stringify(shape)} needs ${count * width}`);
    }
    const buf = new ArrayBuffer(end - begin);
    copyLE(bytes.subarray(dataStart + begin, dataStart + end), new Uint8Array(buf), width);
    tensors[name] = { dtype, shape: (shape as number[]).slice(), data: dtype === 'F64' ? new Float64Array(buf) : new Float32Array(buf) };
    spans.push({ name, begin, end });
  }
  // The tensors must tile the data region: sorted by offset, each starts where the previous ended.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at) fail(`tensor '${s.name}': data_offsets [${s.begin}, ${s.end}] overlap the previous tensor (which ends at ${at})`);
    if (s.begin > at) fail(`tensor '${s.name}': data_offsets start at ${s.begin}, leaving unused bytes ${at}…${s.begin - 1} in the data region`);
    at = s.end;
  }
  if (at !== dataLen) fail(`data region has ${dataLen} bytes but the tensors cover ${at} (trailing bytes)`);
  return { tensors, metadata };
}
