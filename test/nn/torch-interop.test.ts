import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadModel, saveModel } from '../../src/nn/io/model-file.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { setupBackend } from './setup.js';

// PyTorch interop of weights files (DESIGN.md "Weights files"): a standard-parametrization MLP saved by
// overparam loads unchanged (strict load_state_dict, same names) into a torch module holding
// `layers = nn.ModuleList([nn.Linear, …])`, and into nn.Sequential(Linear, ReLU, Linear, Tanh, Linear)
// by index, and both give overparam's outputs (float64, ≤ 1e-12 abs). The other way, a file written by
// hand in Python (tensors in reverse order, F64 and F32 mixed, metadata added) loads into overparam with
// torch's outputs. The python side parses safetensors with struct + json + numpy (no `safetensors`
// package). Skips with a message when /usr/bin/python3 lacks torch.
setupBackend();

const PY = '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `${PY} with torch and numpy is not available (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()})`;

const SCRIPT = String.raw`
import json, struct, sys
import numpy as np
import torch
from torch import nn

def read_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        b, end = e['data_offsets']
        dt = {'F64': '<f8', 'F32': '<f4'}[e['dtype']]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + b:base + end], dtype=dt).reshape(e['shape']).astype(np.float64))
    return out, meta

def write_safetensors(path, tensors, meta):
    header, blobs, off = {'__metadata__': meta}, [], 0
    for name, (arr, dt) in tensors.items():
        b = np.ascontiguousarray(arr, dtype=dt).tobytes()
        header[name] = {'dtype': 'F64' if dt == '<f8' else 'F32', 'shape': list(arr.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode('utf-8')
    h += b' ' * ((-len(h)) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

ACT = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'identity': nn.Identity}
work = sys.argv[1]
tensors, meta = read_safetensors(work + '/w.safetensors')
sizes = json.loads(meta['sizes'])
acts = meta['activation'].split(',')
acts = acts * (len(sizes) - 2) if len(acts) == 1 else acts
assert meta['arch'] == 'mlp' and meta['parametrization'] == 'standard', meta

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)])
    def forward(self, x):
        for i, l in enumerate(self.layers):
            x = l(x)
            if i < len(self.layers) - 1:
                x = ACT[acts[i]]()(x)
        return x

net = Net().double()
net.load_state_dict(tensors, strict=True)
mods = []
for i in range(len(sizes) - 1):
    mods.append(nn.Linear(sizes[i], sizes[i + 1]))
    if i < len(sizes) - 2:
        mods.append(ACT[acts[i]]())
seq = nn.Sequential(*mods).double()
seq.load_state_dict({f'{2 * int(k.split(".")[1])}.{k.split(".")[2]}': v for k, v in tensors.items()}, strict=True)
X = torch.tensor(json.load(open(work + '/x.json')), dtype=torch.float64)
with torch.no_grad():
    y_net, y_seq = net(X), seq(X)

# The other way: weights made in torch, written by hand (reverse order, layer 1 in F32).
torch.manual_seed(0)
mine = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2)).double()
sd = mine.state_dict()
names = {'0.weight': 'layers.0.weight', '0.bias': 'layers.0.bias', '2.weight': 'layers.1.weight', '2.bias': 'layers.1.bias'}
out = {}
for k in reversed(list(sd)):
    a = sd[k].numpy()
    dt = '<f4' if k.startswith('2.') else '<f8'
    if dt == '<f4':
        a = a.astype(np.float32)
        with torch.no_grad():
            dict(mine.named_parameters())[k].copy_(torch.from_numpy(a.astype(np.float64)))
    out[names[k]] = (a, dt)
write_safetensors(work + '/torch.safetensors', out, {'arch': 'mlp', 'sizes': '[3,6,2]', 'activation': 'relu', 'parametrization': 'standard', 'bias': 'true'})
X3 = torch.tensor(json.load(open(work + '/x3.json')), dtype=torch.float64)
with torch.no_grad():
    y_mine = mine(X3)
print(json.dumps({'net': y_net.tolist(), 'seq': y_seq.tolist(), 'mine': y_mine.tolist(), 'torch': torch.__version__}))
`;

const rows = (t: Tensor): number[][] => Array.from({ length: t.rows }, (_, i) => Array.from(t.row(i).data));
function maxAbsDiff(a: number[][], b: Tensor): number {
  let m = 0;
  a.forEach((r, i) => r.forEach((v, j) => (m = Math.max(m, Math.abs(v - b.get(i, j))))));
  assert.equal(a.length, b.rows);
  return m;
}

test('standard MLP weights load into PyTorch unchanged and back (float64, ≤ 1e-12)', { skip }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-torch-'));
  try {
    const model = mlp({ sizes: [4, 16, 8, 3], activation: ['relu', 'tanh'], parametrization: 'standard', sigmaW: 1.3, sigmaB: 0.4 });
    const rng = Rng.fromSeed(21);
    const theta = model.init(rng);
    const X = rng.normalTensor([7, 4]);
    const X3 = rng.normalTensor([5, 3]);
    writeFileSync(path.join(dir, 'w.safetensors'), saveModel(model, theta));
    writeFileSync(path.join(dir, 'x.json'), JSON.stringify(rows(X)));
    writeFileSync(path.join(dir, 'x3.json'), JSON.stringify(rows(X3)));
    writeFileSync(path.join(dir, 'interop.py'), SCRIPT);
    const r = spawnSync(PY, [path.join(dir, 'interop.py'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { net: number[][]; seq: number[][]; mine: number[][] };
    const y = model.forward(theta, X);
    assert.ok(maxAbsDiff(out.net, y) <= 1e-12, `ModuleList: ${maxAbsDiff(out.net, y)}`);
    assert.ok(maxAbsDiff(out.seq, y) <= 1e-12, `Sequential: ${maxAbsDiff(out.seq, y)}`);
    const back = loadModel(new Uint8Array(readFileSync(path.join(dir, 'torch.safetensors'))), 'torch.safetensors');
    assert.equal(back.dtype, 'F32');
    const y3 = back.model.forward(back.theta, X3);
    assert.ok(maxAbsDiff(out.mine, y3) <= 1e-12, `torch → overparam: ${maxAbsDiff(out.mine, y3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
