import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseCoreType } from '../../src/node/native/coretype.js';

const avx512 = new Set(['sse3', 'avx2', 'fma', 'avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl']);
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

test('coretype: an OPENBLAS_CORETYPE from the environment always wins and is left untouched', () => {
  const env: Record<string, string | undefined> = { OPENBLAS_CORETYPE: 'Haswell' };
  const c = chooseCoreType(env, true, avx512);
  assert.equal(c.chosen, undefined);
  assert.equal(env.OPENBLAS_CORETYPE, 'Haswell');
  assert.match(c.reason, /set by the environment/);
  if (linuxX64) {
    assert.match(c.reason, /this CPU could use SkylakeX kernels .*unset OPENBLAS_CORETYPE/, 'a slower core than auto would pick is pointed out');
    assert.doesNotMatch(chooseCoreType({ OPENBLAS_CORETYPE: 'skylakex' }, true, avx512).reason, /could use/, 'the same core (any case) needs no note');
    assert.doesNotMatch(chooseCoreType({ OPENBLAS_CORETYPE: 'Haswell' }, true, new Set(['avx2', 'fma'])).reason, /could use/);
  }
});

test('coretype: auto picks SkylakeX with AVX-512, Haswell with AVX2+FMA, nothing otherwise', { skip: !linuxX64 && 'only decided on linux x64' }, () => {
  const env: Record<string, string | undefined> = {};
  assert.equal(chooseCoreType(env, true, avx512).chosen, 'SkylakeX');
  assert.equal(env.OPENBLAS_CORETYPE, 'SkylakeX');
  assert.equal(chooseCoreType({}, false, new Set(['avx2', 'fma'])).chosen, 'Haswell');
  assert.equal(chooseCoreType({}, false, new Set(['avx2', 'avx512f'])).chosen, undefined, 'partial AVX-512 without FMA: leave it to OpenBLAS');
  const dry: Record<string, string | undefined> = {};
  chooseCoreType(dry, false, avx512);
  assert.equal(dry.OPENBLAS_CORETYPE, undefined, 'apply=false must not write the environment');
});

test('coretype: OVERPARAM_OPENBLAS_CORETYPE=off and explicit names', () => {
  const off: Record<string, string | undefined> = { OVERPARAM_OPENBLAS_CORETYPE: 'off' };
  assert.equal(chooseCoreType(off, true, avx512).chosen, undefined);
  assert.equal(off.OPENBLAS_CORETYPE, undefined);
  const named: Record<string, string | undefined> = { OVERPARAM_OPENBLAS_CORETYPE: 'Zen' };
  assert.equal(chooseCoreType(named, true, avx512).chosen, 'Zen');
  assert.equal(named.OPENBLAS_CORETYPE, 'Zen');
});
