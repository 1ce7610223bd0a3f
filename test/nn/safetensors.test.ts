import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../../src/nn/io/safetensors.js';

const bits = (a: Float64Array | Float32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

function headerOf(bytes: Uint8Array): { n: number; text: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
}

/** Build a file by hand: header text as given (padded with spaces to `pad` when set), then `data`. */
function handBuilt(header: string, data: Uint8Array, pad = true): Uint8Array {
  let h = new TextEncoder().encode(header);
  if (pad) {
    const n = Math.ceil((8 + h.length) / 8) * 8 - 8;
    const p = new Uint8Array(n).fill(0x20);
    p.set(h);
    h = p;
  }
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('round trip is bit-exact for F64 and F32: −0, ±Inf, subnormals, extremes, NaN; scalars and empty tensors', () => {
  const rng = Rng.fromSeed(1);
  const special64 = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, Number.MAX_VALUE, -Number.MIN_VALUE, 1 / 3, Math.PI];
  const special32 = Float32Array.from([0, -0, Infinity, -Infinity, 1.401298464324817e-45, 1.1754942106924411e-38, 3.4028234663852886e38, -1 / 3]);
  const w = Float64Array.from([...special64, ...Array.from({ length: 12 }, () => rng.normal())]);
  const tensors: Record<string, SafetensorsTensor> = {
    'layers.0.weight': { dtype: 'F64', shape: [4, 6], data: w },
    'layers.0.bias': { dtype: 'F32', shape: [2, 2, 2], data: special32 },
    scalar: { dtype: 'F64', shape: [], data: Float64Array.from([-0]) },
    empty: { dtype: 'F32', shape: [3, 0], data: new Float32Array(0) },
    nan: { dtype: 'F64', shape: [2], data: Float64Array.from([NaN, -NaN]) },
  };
  const meta = { arch: 'mlp', activation: 'relu', parametrization: 'ntk', sigma_w: '1.4142135623730951', sigma_b: '0', 'ünïcode ✓': 'yes "quoted"' };
  const bytes = encodeSafetensors(tensors, meta);
  const back = decodeSafetensors(bytes);
  assert.deepEqual({ ...back.metadata }, meta);
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const b = back.tensors[name]!;
    assert.equal(b.dtype, t.dtype, name);
    assert.deepEqual(b.shape, t.shape, name);
    assert.equal(b.data.constructor, t.data.constructor, name);
    if (name === 'nan') assert.ok(Number.isNaN(b.data[0]) && Number.isNaN(b.data[1]));
    else assert.deepEqual(bits(b.data), bits(t.data), `${name}: bit-exact`);
  }
  assert.ok(Object.is(back.tensors['scalar']!.data[0], -0));
  // Encoding the decoded file reproduces the bytes.
  assert.deepEqual(Array.from(encodeSafetensors(back.tensors, back.metadata)), Array.from(bytes));
});

test('writer is deterministic: sorted names, fixed key order, space padding to 8 bytes, tensors tile the data region', () => {
  const a = { dtype: 'F32' as const, shape: [3], data: Float32Array.from([1, 2, 3]) };
  const b = { dtype: 'F64' as const, shape: [1], data: Float64Array.from([4]) };
  const one = encodeSafetensors({ zeta: a, alpha: b, Mid: a }, { z: '1', a: '2' });
  const two = encodeSafetensors({ Mid: a, alpha: b, zeta: a }, { a: '2', z: '1' });
  assert.deepEqual(Array.from(one), Array.from(two));
  const { n, text } = headerOf(one);
  assert.equal((8 + n) % 8, 0, 'data region starts at a multiple of 8');
  const json = text.trimEnd();
  assert.ok(/^ *$/.test(text.slice(json.length)), 'padding is spaces');
  assert.equal(
    json,
    '{"__metadata__":{"a":"2","z":"1"},"Mid":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
      '"alpha":{"dtype":"F64","shape":[1],"data_offsets":[12,20]},"zeta":{"dtype":"F32","shape":[3],"data_offsets":[20,32]}}',
  );
  assert.equal(one.length, 8 + n + 32);
  // No metadata: no __metadata__ key.
  assert.ok(!headerOf(encodeSafetensors({ x: b })).text.includes('__metadata__'));
});

test('hand-built fixture: tensors located by data_offsets (out of order), F32 and F64, unpadded header', () => {
  // Data region: [0, 8) holds "second" (F32 [2]), [8, 32) holds "first" (F64 [3]); the header lists
  // "first" before "second" and puts "__metadata__" last.
  const data = new Uint8Array(32);
  const dv = new DataView(data.buffer);
  dv.setFloat32(0, 1.5, true);
  dv.setFloat32(4, -2.25, true);
  dv.setFloat64(8, Math.E, true);
  dv.setFloat64(16, -0, true);
  dv.setFloat64(24, 1e-310, true);
  const header =
    '{"first": {"dtype": "F64", "shape": [3], "data_offsets": [8, 32]}, ' +
    '"second": {"data_offsets": [0, 8], "shape": [2, 1], "dtype": "F32"}, "__metadata__": {"format": "pt"}}';
  for (const pad of [true, false]) {
    const f = decodeSafetensors(handBuilt(header, data, pad));
    assert.deepEqual(f.tensors['second']!.shape, [2, 1]);
    assert.ok(f.tensors['second']!.data instanceof Float32Array);
    assert.deepEqual(Array.from(f.tensors['second']!.data), [1.5, -2.25]);
    assert.ok(f.tensors['first']!.data instanceof Float64Array);
    assert.deepEqual(Array.from(f.tensors['first']!.data), [Math.E, -0, 1e-310]);
    assert.ok(Object.is(f.tensors['first']!.data[1], -0));
    assert.equal(f.metadata['format'], 'pt');
  }
  // A view into a larger buffer (non-zero byteOffset, unaligned) decodes the same.
  const file = handBuilt(header, data);
  const big = new Uint8Array(file.length + 3);
  big.set(file, 3);
  assert.deepEqual(Array.from(decodeSafetensors(big.subarray(3)).tensors['first']!.data), [Math.E, -0, 1e-310]);
  // A tensor called "__proto__" is an ordinary key.
  const p = decodeSafetensors(handBuilt('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)));
  assert.deepEqual(Array.from(p.tensors['__proto__']!.data), [0]);
});

test('reader errors are clear UserErrors', () => {
  const f64 = (o: string): string => `{"t":{"dtype":"F64","shape":[2],"data_offsets":${o}}}`;
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /too short/],
    [(() => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setUint32(0, 1000, true);
      return b;
    })(), /runs past the end/],
    [(() => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setUint32(4, 1, true);
      return b;
    })(), /exceeds/],
    [handBuilt('[1,2]', new Uint8Array(0)), /starting with '\{'/],
    [handBuilt('{"t": ', new Uint8Array(0)), /not valid JSON/],
    [handBuilt('{"t":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)), /dtype "BF16" is not supported/],
    [handBuilt('{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), /dtype "I64" is not supported/],
    [handBuilt(f64('[0,16]'), new Uint8Array(8)), /run past the 8-byte data region/],
    [handBuilt(f64('[0,8]'), new Uint8Array(8)), /span 8 bytes but F64 shape \[2\] needs 16/],
    [handBuilt(f64('[8,0]'), new Uint8Array(16)), /begin > end/],
    [handBuilt(f64('[0]'), new Uint8Array(16)), /data_offsets must be/],
    [handBuilt(f64('[0,16]'), new Uint8Array(24)), /trailing bytes/],
    [handBuilt(f64('[8,24]'), new Uint8Array(24)), /unused bytes 0…7/],
    [handBuilt('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', new Uint8Array(12)), /overlap/],
    [handBuilt('{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}', new Uint8Array(0)), /non-negative integers/],
    [handBuilt('{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}', new Uint8Array(0)), /non-negative integers/],
    [handBuilt('{"t":[1]}', new Uint8Array(0)), /entry must be an object/],
    [handBuilt('{"__metadata__":{"k":1}}', new Uint8Array(0)), /must be a string/],
    [handBuilt('{"t"', new Uint8Array(0)), /not valid JSON/],
  ];
  const badUtf8 = new Uint8Array(16);
  new DataView(badUtf8.buffer).setUint32(0, 8, true);
  badUtf8.set([0x7b, 0xff, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20], 8);
  cases.push([badUtf8, /not valid UTF-8/]);
  for (const [bytes, re] of cases) {
    assert.throws(() => decodeSafetensors(bytes), (e: unknown) => e instanceof UserError && re.test(e.message) && e.message.startsWith('safetensors: '), `expected ${re}`);
  }
});

test('writer errors are clear UserErrors', () => {
  const ok = { dtype: 'F64' as const, shape: [2], data: new Float64Array(2) };
  assert.throws(() => encodeSafetensors({ t: { ...ok, dtype: 'F32' } }), /needs a Float32Array/);
  assert.throws(() => encodeSafetensors({ t: { ...ok, shape: [3] } }), /has 3 elements but data has 2/);
  assert.throws(() => encodeSafetensors({ t: { ...ok, dtype: 'BF16' as 'F64' } }), /dtype must be/);
  assert.throws(() => encodeSafetensors({ __metadata__: ok }), /reserved/);
  assert.throws(() => encodeSafetensors({ t: ok }, { k: 1 as unknown as string }), /must be a string/);
  assert.throws(() => encodeSafetensors({ t: { ...ok, shape: [-2] } }), UserError);
});

// ---------------------------------------------------------------------------------------------------
// Interop with an independent writer/reader in Python (struct + json + numpy; the safetensors package is
// not used). Skipped with a visible message when /usr/bin/python3 or numpy is missing.

const PY = '/usr/bin/python3';
const hasNumpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const skipMsg = hasNumpy ? false : `skipped: ${existsSync(PY) ? 'numpy is not installed for' : 'no'} ${PY}`;

function py(code: string, args: string[]): string {
  const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const PY_WRITE = String.raw`
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
w = rng.standard_normal((3, 4))
w[0, 0] = -0.0; w[0, 1] = np.inf; w[0, 2] = 5e-324; w[0, 3] = -1e-310
b = np.array([1.5, -2.0, np.float32(1e-45), -np.inf], dtype='<f4')
# data region: b first, then w, then an empty tensor; header lists them in another order
blobs = [('bias', 'F32', list(b.shape), b.astype('<f4').tobytes()),
         ('weight', 'F64', list(w.shape), w.astype('<f8').tobytes()),
         ('void', 'F64', [0, 5], b'')]
header, off = {}, 0
for name, dt, shape, raw in blobs:
    header[name] = {'dtype': dt, 'shape': shape, 'data_offsets': [off, off + len(raw)]}
    off += len(raw)
header = {'weight': header['weight'], '__metadata__': {'arch': 'mlp', 'sigma_w': repr(2 ** 0.5)}, 'void': header['void'], 'bias': header['bias']}
h = json.dumps(header).encode('utf-8')
h += b' ' * ((8 - (8 + len(h)) % 8) % 8)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h + b''.join(r for _, _, _, r in blobs))
print(json.dumps({'weight': w.astype('<f8').tobytes().hex(), 'bias': b.astype('<f4').tobytes().hex()}))
`;

const PY_READ = String.raw`
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert (8 + n) % 8 == 0, 'padded header'
header = json.loads(raw[8:8 + n].decode('utf-8'))
data = raw[8 + n:]
out = {'__metadata__': header.pop('__metadata__', {})}
for name, e in header.items():
    b, end = e['data_offsets']
    dt = {'F64': '<f8', 'F32': '<f4'}[e['dtype']]
    a = np.frombuffer(data[b:end], dtype=dt).reshape(e['shape'])
    # the values as numpy holds them, re-serialized little-endian: the IEEE bit patterns
    out[name] = {'dtype': e['dtype'], 'shape': list(a.shape), 'hex': a.astype(dt).tobytes().hex(), 'sum': float(np.nansum(np.where(np.isfinite(a), a, 0)))}
print(json.dumps(out))
`;

/** Little-endian bytes of a typed array as lowercase hex (what numpy's tobytes().hex() prints). */
function leHex(a: Float64Array | Float32Array): string {
  const w = a.BYTES_PER_ELEMENT;
  const dv = new DataView(new ArrayBuffer(a.byteLength));
  a.forEach((v, i) => (w === 8 ? dv.setFloat64(i * 8, v, true) : dv.setFloat32(i * 4, v, true)));
  return Array.from(new Uint8Array(dv.buffer), (x) => x.toString(16).padStart(2, '0')).join('');
}

test('interop: a file written by hand in Python (struct + json + numpy) reads bit-exactly', { skip: skipMsg }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-st-'));
  try {
    const file = path.join(dir, 'py.safetensors');
    const want = JSON.parse(py(PY_WRITE, [file])) as { weight: string; bias: string };
    const f = decodeSafetensors(new Uint8Array(readFileSync(file)));
    assert.deepEqual(f.tensors['weight']!.shape, [3, 4]);
    assert.equal(leHex(f.tensors['weight']!.data), want.weight);
    assert.ok(f.tensors['bias']!.data instanceof Float32Array);
    assert.equal(leHex(f.tensors['bias']!.data), want.bias);
    assert.deepEqual(f.tensors['void']!.shape, [0, 5]);
    assert.equal(f.metadata['sigma_w'], '1.4142135623730951');
    assert.equal(Number(f.metadata['sigma_w']), Math.SQRT2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('interop: numpy reads our file bit-exactly (header parsed by json, data by np.frombuffer at data_offsets)', { skip: skipMsg }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-st-'));
  try {
    const rng = Rng.fromSeed(3);
    const w = Float64Array.from({ length: 15 }, () => rng.normal());
    w[0] = -0;
    w[1] = 4e-320;
    w[2] = -Infinity;
    const bias = Float32Array.from([0.1, -0, 1e-40, 3e38, 7]);
    const file = path.join(dir, 'ours.safetensors');
    writeFileSync(file, encodeSafetensors({ 'layers.0.weight': { dtype: 'F64', shape: [3, 5], data: w }, 'layers.0.bias': { dtype: 'F32', shape: [5], data: bias } }, { arch: 'mlp' }));
    const got = JSON.parse(py(PY_READ, [file])) as Record<string, { dtype: string; shape: number[]; hex: string; sum: number }> & { __metadata__: Record<string, string> };
    assert.deepEqual(got.__metadata__, { arch: 'mlp' });
    assert.deepEqual(got['layers.0.weight']!.shape, [3, 5]);
    assert.equal(got['layers.0.weight']!.hex, leHex(w));
    let sum = 0;
    for (const v of w) if (Number.isFinite(v)) sum += v;
    assert.ok(Math.abs(got['layers.0.weight']!.sum - sum) < 1e-12, 'numpy sees the same values');
    assert.equal(got['layers.0.bias']!.dtype, 'F32');
    assert.equal(got['layers.0.bias']!.hex, leHex(bias));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
