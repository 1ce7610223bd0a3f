import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/core/tensor.js';
import { activation } from '../../src/nn/activation.js';
import { loadModel, MODEL_FORMAT_KEY, registerArch, registeredArchs, saveModel, type LoadedModel, type MetadataReader } from '../../src/nn/io/model-file.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../../src/nn/io/safetensors.js';
import type { Model } from '../../src/nn/model.js';
import { duFc } from '../../src/nn/models/du-fc.js';
import { duTwoLayer } from '../../src/nn/models/du-two-layer.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { duResNet } from '../../src/nn/models/resnet.js';
import { shallowRelu } from '../../src/nn/models/shallow-relu.js';
import { randn, setupBackend } from './setup.js';

// Model files (nn/io/model-file.ts): save → load gives θ bit for bit and a rebuilt model with the same
// slices and a bit-identical forward / vjp for every registered arch; F32 files upcast exactly; every
// corrupted or mismatched file is a UserError naming the tensor or metadata field.
setupBackend();

const bytesOf = (a: Float64Array | Float32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
const sameBits = (a: Float64Array | Float32Array, b: Float64Array | Float32Array, what: string) => assert.deepEqual(bytesOf(a), bytesOf(b), `${what}: bit-identical`);
const sliceInfo = (m: Model) => m.slices.map((s) => ({ ...s }));

function cases(): [string, Model, Record<string, string>?][] {
  return [
    ['mlp ntk relu', mlp({ sizes: [3, 8, 8, 2], activation: 'relu', parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1 })],
    ['mlp standard, per-layer activations incl. leaky-relu α=0.2', mlp({ sizes: [4, 6, 5, 7, 3], activation: ['tanh', 'leaky-relu', 'erf'], leakyAlpha: 0.2, sigmaW: 1.7, sigmaB: 0.3 })],
    ['mlp mup no bias', mlp({ sizes: [2, 9, 1], activation: 'gelu', parametrization: 'mup', sigmaW: 1 / 3, bias: false })],
    ['mlp meanfield linear (no hidden layer)', mlp({ sizes: [5, 2], parametrization: 'meanfield', sigmaB: 0.7 })],
    ['shallow-relu', shallowRelu({ inputDim: 3, width: 11, outputs: 2, parametrization: 'ntk', sigmaW: 1.25, sigmaB: 0.5 })],
    ['resnet-du softplus k=2', duResNet({ inputDim: 3, width: 7, depth: 4, cRes: 0.3, outputs: 2 })],
    ['resnet-du relu H=1', duResNet({ inputDim: 2, width: 5, depth: 1, activation: 'relu' })],
    ['du-fc tanh', duFc({ inputDim: 4, width: 6, depth: 3, activation: 'tanh' })],
    ['du-fc leaky-relu α=0.3', duFc({ inputDim: 4, width: 6, depth: 2, activation: activation('leaky-relu', 0.3) }), { leaky_alpha: '0.3' }],
    ['du-2layer', duTwoLayer({ inputDim: 3, width: 10 })],
    ['du-2layer trained readout', duTwoLayer({ inputDim: 3, width: 10, activation: 'softplus', trainReadout: true })],
  ];
}

test('round trip is bit-exact for every arch: θ, slices, forward, vjp; saving again gives the same bytes', () => {
  const rng = Rng.fromSeed(11);
  for (const [name, model, extra] of cases()) {
    const theta = model.init(rng);
    const bytes = saveModel(model, theta, extra);
    const back = loadModel(bytes);
    sameBits(back.theta, theta, `${name} θ`);
    assert.equal(back.dtype, 'F64');
    assert.equal(back.model.arch, model.arch, name);
    assert.deepEqual(sliceInfo(back.model), sliceInfo(model), `${name}: slices`);
    assert.deepEqual({ ...back.model.metadata }, { ...model.metadata }, `${name}: model metadata`);
    assert.equal(back.metadata[MODEL_FORMAT_KEY], '1');
    const X = randn(rng, 5, model.inputDim);
    sameBits(back.model.forward(back.theta, X).data, model.forward(theta, X).data, `${name} forward`);
    const U = randn(rng, 5, model.outputDim);
    sameBits(back.model.vjp(back.theta, X, U), model.vjp(theta, X, U), `${name} vjp`);
    assert.deepEqual(Array.from(saveModel(back.model, back.theta, extra)), Array.from(bytes), `${name}: deterministic bytes`);
    // The file itself: one F64 tensor per slice, PyTorch names and shapes.
    const file = decodeSafetensors(bytes);
    assert.deepEqual(Object.keys(file.tensors).sort(), model.slices.map((s) => s.name).sort(), name);
    for (const s of model.slices) {
      assert.equal(file.tensors[s.name]!.dtype, 'F64');
      assert.deepEqual(file.tensors[s.name]!.shape, s.shape, `${name} ${s.name}`);
    }
  }
});

test('metadata strings: arch, exact decimal σ_w / σ_b, format version, extras', () => {
  const model = mlp({ sizes: [3, 4, 1], activation: 'relu', parametrization: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1 });
  const meta = decodeSafetensors(saveModel(model, model.init(Rng.fromSeed(0)), { seed: '0' })).metadata;
  assert.deepEqual({ ...meta }, {
    arch: 'mlp',
    sizes: '[3,4,1]',
    activation: 'relu',
    parametrization: 'ntk',
    sigma_w: '1.4142135623730951',
    sigma_b: '0.1',
    bias: 'true',
    overparam_format: '1',
    seed: '0',
  });
});

test('F32 files load, upcast exactly to float64; mixed F32/F64 too', () => {
  const model = duResNet({ inputDim: 3, width: 6, depth: 3, outputs: 2 });
  const theta = model.init(Rng.fromSeed(5));
  const file = decodeSafetensors(saveModel(model, theta));
  const t32: Record<string, SafetensorsTensor> = {};
  Object.entries(file.tensors).forEach(([k, t], i) => (t32[k] = i % 2 === 0 || k === 'layers.0.weight' ? { ...t, dtype: 'F32', data: Float32Array.from(t.data) } : t));
  const back = loadModel(encodeSafetensors(t32, file.metadata));
  assert.equal(back.dtype, 'F32');
  const want = new Float64Array(theta.length);
  for (const s of model.slices) {
    const src = t32[s.name]!.data;
    for (let i = 0; i < s.size; i++) want[s.offset + i] = src[i]!;
  }
  sameBits(back.theta, want, 'upcast θ');
  assert.ok(back.theta.some((v, i) => v !== theta[i]), 'the F32 tensors really were rounded');
  const X = randn(Rng.fromSeed(6), 4, 3);
  sameBits(back.model.forward(back.theta, X).data, model.forward(want, X).data, 'forward of the upcast θ');
});

/** Save a small mlp, let `edit` change the decoded file, re-encode and load. */
function loadEdited(edit: (t: Record<string, SafetensorsTensor>, m: Record<string, string>) => void, model: Model = mlp({ sizes: [5, 3, 2], activation: 'tanh' })): () => unknown {
  const file = decodeSafetensors(saveModel(model, model.init(Rng.fromSeed(1))));
  const tensors = { ...file.tensors };
  const meta = { ...file.metadata };
  edit(tensors, meta);
  const bytes = encodeSafetensors(tensors, meta);
  return () => loadModel(bytes, 'w.safetensors');
}

function throwsUser(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('mismatched tensors: missing, extra, wrong shape (even with the same element count) name the tensor', () => {
  throwsUser(loadEdited((t) => delete t['layers.1.bias']), /^w\.safetensors: tensor 'layers\.1\.bias' is missing; .*layers\.0\.weight, layers\.0\.bias, layers\.1\.weight, layers\.1\.bias/);
  throwsUser(loadEdited((t) => (t['layers.2.weight'] = { dtype: 'F64', shape: [1], data: new Float64Array(1) })), /^w\.safetensors: unexpected tensor 'layers\.2\.weight'/);
  throwsUser(loadEdited((t) => (t['layers.0.weight'] = { ...t['layers.0.weight']!, shape: [5, 3] })), /tensor 'layers\.0\.weight' has shape \[5, 3\] but the mlp network needs \[3, 5\]/);
  throwsUser(loadEdited((t) => (t['layers.1.bias'] = { dtype: 'F64', shape: [3], data: new Float64Array(3) })), /tensor 'layers\.1\.bias' has shape \[3\] but .* needs \[2\]/);
});

test('bad metadata names the field and the fix', () => {
  throwsUser(loadEdited((_t, m) => delete m.arch), /__metadata__\.arch: missing .*; add arch \(.*mlp.*\)/);
  throwsUser(loadEdited((_t, m) => (m.arch = 'conv-foo')), /__metadata__\.arch: unknown 'conv-foo'; use one of .*du-fc.*mlp.*resnet-du/);
  throwsUser(loadEdited((_t, m) => (m.activation = 'swish')), /__metadata__\.activation: unknown 'swish'; use one of relu/);
  throwsUser(loadEdited((_t, m) => (m.activation = 'relu,tanh')), /__metadata__\.activation: 2 names for 1 hidden layers/);
  throwsUser(loadEdited((_t, m) => (m.sigma_w = 'abc')), /__metadata__\.sigma_w: 'abc' is not a finite decimal number/);
  throwsUser(loadEdited((_t, m) => (m.sizes = '[5,0,2]')), /__metadata__\.sizes: '\[5,0,2\]' is not a JSON array of positive integers/);
  throwsUser(loadEdited((_t, m) => (m.parametrization = 'xavier')), /__metadata__\.parametrization: unknown 'xavier'; use one of standard, ntk/);
  throwsUser(loadEdited((_t, m) => (m.bias = 'yes')), /__metadata__\.bias: 'yes' is not a boolean/);
  throwsUser(loadEdited((_t, m) => (m[MODEL_FORMAT_KEY] = '2')), /overparam_format: format '2' is not readable/);
  const du = duFc({ inputDim: 2, width: 3, depth: 2, activation: 'relu' });
  throwsUser(loadEdited((_t, m) => delete m.width, du), /__metadata__\.width: missing; add it/);
  throwsUser(loadEdited((_t, m) => (m.depth = '0'), du), /__metadata__\.depth: '0' is not an integer ≥ 1/);
  const sr = shallowRelu({ inputDim: 2, width: 3 });
  throwsUser(loadEdited((_t, m) => (m.activation = 'tanh'), sr), /__metadata__\.activation: 'tanh' for shallow-relu; shallow-relu is relu only/);
  // Equal values in another decimal spelling are accepted.
  assert.equal((loadEdited((_t, m) => (m.sigma_w = '1.000'))() as LoadedModel).model.arch, 'mlp');
});

test('corrupted bytes are UserErrors saying the file is not valid safetensors', () => {
  const model = mlp({ sizes: [2, 3, 1] });
  const bytes = saveModel(model, model.init(Rng.fromSeed(2)));
  throwsUser(() => loadModel(bytes.subarray(0, bytes.length - 8), 'w.safetensors'), /^w\.safetensors: not a valid safetensors file \(safetensors: .*\); pass a weights file/);
  throwsUser(() => loadModel(new TextEncoder().encode('layers.0.weight,1,2,3\n'), 'w.safetensors'), /not a valid safetensors file/);
  throwsUser(() => loadModel(new Uint8Array(3)), /^weights: not a valid safetensors file/);
  const flipped = bytes.slice();
  flipped[9] = 0x5b; // '{' → '[' in the header
  throwsUser(() => loadModel(flipped), /not a valid safetensors file/);
});

test('saveModel refuses what the metadata cannot rebuild; extras cannot overwrite model keys', () => {
  const leaky = duFc({ inputDim: 3, width: 5, depth: 2, activation: activation('leaky-relu', 0.3) });
  const theta = leaky.init(Rng.fromSeed(3));
  throwsUser(() => saveModel(leaky, theta), /does not rebuild this model's forward map .*leaky_alpha/);
  throwsUser(() => saveModel(leaky, theta.subarray(1)), /θ must be a Float64Array of length/);
  throwsUser(() => saveModel(leaky, theta, { leaky_alpha: '0.3', arch: 'mlp' }), /extra metadata 'arch' would overwrite/);
  const odd = mlp({ sizes: [2, 3, 1], arch: 'not-registered' });
  throwsUser(() => saveModel(odd, odd.init(Rng.fromSeed(0))), /__metadata__\.arch: unknown 'not-registered'.*registerArch/);
});

test('registerArch plugs in a new architecture', () => {
  const build = (sizes: number[]): Model => mlp({ sizes, arch: 'twin-test', activation: 'softplus', parametrization: 'ntk', sigmaW: 1.5 });
  const builder = (meta: MetadataReader) => build(meta.intList('sizes'));
  registerArch('twin-test', builder);
  registerArch('twin-test', builder); // idempotent for the same builder
  assert.throws(() => registerArch('twin-test', () => build([1, 1])), /already registered/);
  assert.ok(registeredArchs().includes('twin-test'));
  const model = build([2, 4, 3]);
  const theta = model.init(Rng.fromSeed(9));
  const back = loadModel(saveModel(model, theta));
  const X: Tensor = randn(Rng.fromSeed(10), 3, 2);
  sameBits(back.model.forward(back.theta, X).data, model.forward(theta, X).data, 'plugged-in forward');
});
