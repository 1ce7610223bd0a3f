/**
 * Benchmarks against numpy / PyTorch on the same machine, in one run: `npm run bench -- [suites…]
 * [--threads N] [--quick]`. Suites: gemm, eigh, ntk, train, sweep (more are added as features land). Prints a ratio
 * table per suite and writes bench/results/<suite>.json. No suite asserts a speed: targets are read
 * off the tables (issue notes record the measured figures).
 */
import { configureBackendFromEnv } from '../src/node/index.js';
import { saveResult } from './harness.js';
import { eighSuite, gemmSuite, type SuiteOptions } from './suites/gemm-eigh.js';
import { ntkSuite } from './suites/ntk.js';
import { trainSuite } from './suites/train.js';
import { sweepSuite } from './suites/sweep.js';

type SuiteResult = { record: unknown; text: string };
const SUITES: Record<string, (o: SuiteOptions) => SuiteResult | Promise<SuiteResult>> = {
  gemm: gemmSuite,
  eigh: eighSuite,
  ntk: ntkSuite,
  train: trainSuite,
  sweep: sweepSuite,
};

const args = process.argv.slice(2);
const threadsAt = args.indexOf('--threads');
const threads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : 1;
const quick = args.includes('--quick');
const names = args.filter((a, i) => !a.startsWith('--') && (threadsAt < 0 || i !== threadsAt + 1));
const chosen = names.length ? names : Object.keys(SUITES);
const unknown = chosen.filter((n) => !SUITES[n]);
if (unknown.length) {
  console.error(`bench: unknown suite(s) ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
configureBackendFromEnv();
for (const name of chosen) {
  const { record, text } = await SUITES[name]!({ threads, quick });
  console.log(`\n${text}`);
  const file = saveResult(name, { date: new Date().toISOString(), node: process.version, ...(record as object) });
  console.log(`(saved ${file})`);
}
