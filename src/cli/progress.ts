import cliProgress from 'cli-progress';
import type { ExecutorHooks } from '../exp/run/executor.js';
import type { JobProgress, JobResult } from '../exp/run/job.js';

/**
 * Progress of a run: on a TTY one bar per running job plus an overall bar (cli-progress); otherwise,
 * or with `quiet`, plain log lines — a line when a job starts, every ~10% of its steps, and when it
 * ends — so logs of CI and batch systems stay readable.
 */
export interface RunProgress extends ExecutorHooks {
  stop(): void;
}

export function runProgress(total: number, opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): RunProgress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return plainProgress(total, (s) => stream.write(s + '\n'));
  const multi = new cliProgress.MultiBar(
    { stream, clearOnComplete: false, hideCursor: true, format: ' {name} |{bar}| {value}/{total} {extra}', barsize: 30, fps: 5 },
    cliProgress.Presets.shades_grey,
  );
  const overall = multi.create(total, 0, { name: 'all jobs'.padEnd(24), extra: '' });
  const bars = new Map<string, cliProgress.SingleBar>();
  let ended = 0;
  return {
    onStart(id) {
      if (!bars.has(id)) bars.set(id, multi.create(1, 0, { name: id.slice(0, 24).padEnd(24), extra: '' }));
    },
    onProgress(p: JobProgress) {
      let b = bars.get(p.id);
      if (!b) bars.set(p.id, (b = multi.create(p.steps, 0, { name: p.id.slice(0, 24).padEnd(24), extra: '' })));
      b.setTotal(p.steps);
      b.update(p.step, { extra: p.loss !== undefined ? `loss ${p.loss.toExponential(3)}` : '' });
    },
    onResult(r: JobResult) {
      const b = bars.get(r.id);
      if (b) {
        b.update(r.steps, { extra: r.status === 'done' ? 'done' : `${r.status}${r.error ? `: ${r.error.slice(0, 60)}` : ''}` });
        b.stop();
      }
      overall.update(++ended);
    },
    stop() {
      multi.stop();
    },
  };
}

export function plainProgress(total: number, log: (line: string) => void): RunProgress {
  const lastDecile = new Map<string, number>();
  let ended = 0;
  return {
    onStart(id) {
      log(`[start] ${id}`);
    },
    onProgress(p) {
      const d = Math.floor((10 * p.step) / Math.max(1, p.steps));
      if ((lastDecile.get(p.id) ?? -1) >= d) return;
      lastDecile.set(p.id, d);
      log(`[${p.id}] step ${p.step}/${p.steps}${p.loss !== undefined ? ` loss ${p.loss.toExponential(4)}` : ''}`);
    },
    onResult(r) {
      ended++;
      log(`[${r.status}] ${r.id} after ${r.steps} steps (${ended}/${total})${r.error ? `: ${r.error}` : ''}`);
    },
    stop() {},
  };
}
