import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { loadSpecFile, runSpec } from './run.js';

/**
 * `overparam demo [--out runs/demo] [--jobs N] [--quiet]`: the built-in experiment (experiments/demo.json,
 * shipped with the package): one-hidden-layer NTK-parametrized ReLU nets of widths 64 … 4096 trained by
 * GD on unit-norm data, with the NTK spectrum, kernel drift, weight movement, Du et al.'s bound and the
 * linearized trajectory monitored; writes the run folder and its report and prints the verdicts.
 * About a minute on 2 cores. Running it again re-uses the finished run (it resumes).
 */
export const DEMO_SPEC = new URL('../../../experiments/demo.json', import.meta.url);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the built-in experiment (widths 64…4096: loss → 0 at a linear rate while the NTK barely moves) and write its report.')
    .option('--out <dir>', 'run folder', 'runs/demo')
    .option('--jobs <n>', 'jobs at once (default: the cores)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--jobs: expected a positive integer, got '${v}'`);
      return n;
    })
    .option('--quiet', 'plain log lines instead of progress bars')
    .action(async (opts: { out: string; jobs?: number; quiet?: boolean }) => {
      const spec = loadSpecFile(DEMO_SPEC.pathname);
      const log = (s: string) => process.stderr.write(s + '\n');
      const { summary } = await runSpec(spec, { out: opts.out, jobs: opts.jobs, quiet: opts.quiet, resume: true }, log);
      if (summary.counts.stopped === 0) log(`open ${opts.out}/report.html in a browser (figures also in ${opts.out}/figures/)`);
    });
}
