import { Command, Option } from 'commander';
import { configureBackendFromEnv } from '../node/index.js';
import { useBackend } from '../core/backend/registry.js';
import type { BackendChoice } from '../core/backend/types.js';
import { UserError } from '../core/errors.js';
import { reportError } from './errors.js';
import { infoText } from './info.js';
import { registerInit } from './init.js';
import { registerKernel } from './kernel.js';
import { registerNtk } from './ntk.js';
import { registerRealize } from './realize.js';
import { registerTrain } from './train.js';
import { registerDemo } from './demo.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerWorker } from './worker.js';

/** Parse a positive integer flag or fail naming the flag. */
export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: expected a positive integer, got '${v}'`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('overparam')
    .description('A float64 lab for the theory of over-parameterized neural networks (NTK, GD dynamics, theory monitors).')
    .version('0.1.0')
    .addOption(new Option('--backend <name>', 'numeric backend (env OVERPARAM_BACKEND)').choices(['auto', 'reference', 'wasm', 'native']))
    .option('--threads <n>', 'threads for the backend (env OVERPARAM_THREADS)', positiveInt('--threads'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .hook('preAction', (cmd) => {
      const opts = cmd.opts<{ backend?: BackendChoice; threads?: number }>();
      configureBackendFromEnv();
      if (opts.backend || opts.threads) useBackend(opts.backend ?? 'auto', opts.threads);
    });

  program
    .command('info')
    .description('print the active backend, its threads, dtype support and library versions')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(infoText(Boolean(opts.json)));
    });

  registerInit(program);
  registerNtk(program);
  registerKernel(program);
  registerRealize(program);
  registerTrain(program);
  registerRun(program);
  registerWorker(program);
  registerStatus(program);
  registerDemo(program);

  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // Commands that finish with a non-zero status (some jobs failed, interrupted) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}
