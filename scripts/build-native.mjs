// Builds native/pointwise.c into dist/native/libop-pointwise.so, the pointwise kernels of the `native`
// backend (src/node/native/pointwise.ts). Optional: without a C compiler (CC, else cc, else gcc) or on a
// platform other than Linux, it says so in one line and exits 0 — the pointwise passes then run in the
// WebAssembly kernels on every backend, with bit-identical results. The flags keep IEEE semantics
// (-ffp-contract=off, no -ffast-math; -fno-trapping-math only lets compares become vector selects).
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/native/libop-pointwise.so');
const say = (msg) => console.log(`build-native: ${msg}`);

if (process.platform !== 'linux') {
  say(`skipped on ${process.platform} (the pointwise passes use the WebAssembly kernels)`);
  process.exit(0);
}
const candidates = process.env.CC ? [process.env.CC] : ['cc', 'gcc'];
const cc = candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) {
  say(`no C compiler (tried ${candidates.join(', ')}); the pointwise passes use the WebAssembly kernels (apt-get install gcc for the faster native ones)`);
  process.exit(0);
}
mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const flags = ['-O3', '-ffp-contract=off', '-fno-math-errno', '-fno-trapping-math', '-fPIC', '-shared', '-o', tmp, path.join(root, 'native/pointwise.c')];
const r = spawnSync(cc, flags, { encoding: 'utf8' });
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  say(`${cc} failed (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}); the pointwise passes use the WebAssembly kernels`);
  process.exit(0);
}
renameSync(tmp, out);
say(`built ${path.relative(root, out)} with ${cc}`);
