import { NumericalError, UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { createMonitors } from '../../diag/index.js';
import { saveModel } from '../../nn/io/model-file.js';
import type { Model } from '../../nn/model.js';
import { createOptimizer, DivergenceError, linearize, readTrainState, train, type MetricsRow, type TrainState } from '../../train/index.js';
import { loadDataset, type LoadedDataset } from '../datasets/registry.js';
import type { ResolvedSpec } from '../spec/schema.js';
import { buildModel } from './build-model.js';
import { deterministic, serialize } from './metrics-row.js';
import type { JobContext, JobDescription, JobResult, JobStore } from './job.js';
import { optimizerFromSpec } from './optimizer-from-spec.js';

/**
 * One job of an experiment, start to finish, resumable at any moment (issue 6).
 *
 * Files (in the job's store):
 *   metrics.jsonl      one JSON row per recorded step (DESIGN.md "Metrics rows"), deterministic: the
 *                      same spec gives the same bytes, whether or not the run was interrupted;
 *   timing.jsonl       {step, wall_seconds} per row — the only non-deterministic numbers, kept apart;
 *   checkpoint.json    {state: TrainState, metricsBytes, timingBytes}, written atomically every
 *                      `checkpointEvery` steps and at the end;
 *   final.safetensors  θ_S (model file with metadata, nn/io/model-file.ts);
 *   last-good.safetensors  after a divergence: the last parameters that passed the checks;
 *   metrics.linearized.jsonl  with `linearized: true`: the linearized model trained the same way;
 *   result.json        the JobResult (its presence with status 'done' marks the job finished).
 *
 * Resume: the checkpoint's state continues the trainer bit for bit (train/trainer.ts); rows written
 * after the checkpoint (a kill between two checkpoints) are cut off at `metricsBytes` and recomputed.
 * Checkpoint steps are multiples of monitorEvery, and a stop request (Ctrl-C) takes effect at the next
 * such step, so a resumed run records exactly the rows an uninterrupted one does. The trainer ends a
 * chunk with a row lacking the optimizer's fields and re-records its start step on resume; that row is
 * therefore left out at a chunk's end and written by the next chunk. The run's last row (step S) is
 * kept: its checkpoint marks the training done, and a job killed after it (before final.safetensors or
 * result.json) resumes by writing those files from the checkpoint without training again. A
 * checkpoint that does not parse, or that claims more metrics bytes than the file holds (a machine
 * crash that lost unsynced appends), is discarded and the job starts over — it is deterministic, so
 * the result is the same. Between chunks the job yields to the event loop (a macrotask), so an
 * in-thread executor sees a Ctrl-C at the next checkpoint and a browser stays responsive.
 */
export const METRICS = 'metrics.jsonl';
const TIMING = 'timing.jsonl';
const CHECKPOINT = 'checkpoint.json';

interface Checkpoint {
  format: 'overparam.checkpoint';
  version: 1;
  state: TrainState;
  metricsBytes: number;
  timingBytes: number;
}

const encoder = new TextEncoder();
const bytes = (s: string): number => encoder.encode(s).length;

/** The job's checkpoint, or null for a fresh start (none, unreadable, or ahead of the metrics file). */
async function readCheckpoint(store: JobStore): Promise<Checkpoint | null> {
  const b = await store.read(CHECKPOINT);
  if (!b) return null;
  let c: Checkpoint;
  try {
    c = JSON.parse(new TextDecoder().decode(b)) as Checkpoint;
  } catch {
    return null;
  }
  if (c?.format !== 'overparam.checkpoint' || c.version !== 1 || !c.state || !Number.isInteger(c.state.step)) return null;
  if ((await store.size(METRICS)) < c.metricsBytes || (await store.size(TIMING)) < c.timingBytes) return null;
  return c;
}

/** The last complete row of metrics.jsonl (the `final` figures of a job resumed after its last step). */
async function lastRow(store: JobStore, metricsBytes: number): Promise<Record<string, unknown>> {
  const b = await store.read(METRICS);
  const lines = b ? new TextDecoder().decode(b.subarray(0, metricsBytes)).split('\n').filter((l) => l.trim()) : [];
  return lines.length ? (JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>) : {};
}

/** Let the event loop run (signal handlers, UI) between chunks; plain setTimeout exists in Node and browsers. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Data, model and θ₀ of a resolved spec (also used by reports and the CLI). */
export async function prepareJob(spec: ResolvedSpec, datasetIO?: JobContext['datasetIO']): Promise<{ data: LoadedDataset; model: Model; theta0: Float64Array }> {
  const data = await loadDataset(spec.data, datasetIO);
  const model = buildModel(spec.model, data.meta.inputDim, data.meta.outputs, data.meta.inputShape);
  const theta0 = model.init(Rng.fromSeed(spec.seed));
  return { data, model, theta0 };
}

export async function runJob(job: JobDescription, ctx: JobContext): Promise<JobResult> {
  const spec = job.spec as ResolvedSpec;
  const { store } = ctx;
  try {
    const { data, model, theta0 } = await prepareJob(spec, ctx.datasetIO);
    const trainData = { X: data.X, y: data.y, Xtest: data.Xtest, ytest: data.ytest };
    const every = spec.monitorEvery;
    const S = spec.steps;
    const K = spec.checkpointEvery > 0 ? Math.ceil(spec.checkpointEvery / every) * every : 0;
    const optimizer = createOptimizer(optimizerFromSpec(spec.optimizer, spec.seed));
    const monitors = createMonitors(spec.monitors);

    let cp = await readCheckpoint(store);
    const resumedFrom = cp?.state.step ?? 0;
    let metricsBytes = cp?.metricsBytes ?? 0;
    let timingBytes = cp?.timingBytes ?? 0;
    await store.truncate(METRICS, metricsBytes);
    await store.truncate(TIMING, timingBytes);
    let final: Record<string, unknown> = cp ? await lastRow(store, metricsBytes) : {};

    const finish = async (params: Float64Array, step: number): Promise<JobResult> => {
      await store.writeAtomic('final.safetensors', saveModel(model, params, { step: String(step) }));
      if (spec.linearized) await trainLinearized(spec, model, theta0, trainData, store);
      const r: JobResult = { id: job.id, status: 'done', steps: step, final, resumedFrom };
      await store.writeAtomic('result.json', JSON.stringify(r, null, 1) + '\n');
      return r;
    };
    // Killed after the last checkpoint but before the job's files were all written: write them now.
    if (cp && cp.state.step >= S) return await finish(readTrainState(cp.state, model).params, cp.state.step);

    for (;;) {
      const first = cp?.state.step ?? 0;
      let stopRequested = false;
      const boundary = (t: number): boolean => {
        if (t <= first || t >= S || t % every !== 0) return false;
        if (ctx.shouldStop?.()) return (stopRequested = true);
        return K > 0 && t % K === 0;
      };
      const rows: MetricsRow[] = [];
      let diverged: DivergenceError | null = null;
      let result: ReturnType<typeof train> | null = null;
      try {
        result = train({
          model,
          params: cp ? undefined : theta0,
          resume: cp?.state,
          data: trainData,
          optimizer,
          steps: S,
          loss: spec.loss,
          monitors,
          monitorEvery: every,
          keepRows: false,
          shouldStop: boundary,
          onRow: (row) => {
            rows.push(row);
            ctx.onProgress?.({ id: job.id, step: row.step, steps: S, loss: row.loss });
          },
        });
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        diverged = e;
      }
      const ended = diverged !== null || !result!.stopped;
      // A chunk that stopped early re-records its last step in the next chunk (see the docstring).
      const keep = ended ? rows : rows.filter((r) => r.step < result!.step);
      let m = '';
      let tm = '';
      for (const r of keep) {
        const s = serialize(r);
        m += s.metrics;
        tm += s.timing;
      }
      if (m) {
        await store.append(METRICS, m);
        await store.append(TIMING, tm);
        metricsBytes += bytes(m);
        timingBytes += bytes(tm);
      }
      if (keep.length) final = deterministic(keep[keep.length - 1]);
      if (diverged) {
        if (diverged.lastGood) {
          const good = Float64Array.from(diverged.lastGood.params);
          await store.writeAtomic('last-good.safetensors', saveModel(model, good, { step: String(diverged.lastGood.step) }));
        }
        const r: JobResult = { id: job.id, status: 'failed', steps: diverged.step, final, error: diverged.message, resumedFrom };
        await store.writeAtomic('result.json', JSON.stringify(r, null, 1) + '\n');
        return r;
      }
      const res = result!;
      cp = { format: 'overparam.checkpoint', version: 1, state: res.state, metricsBytes, timingBytes };
      await store.writeAtomic(CHECKPOINT, JSON.stringify(cp));
      if (ended) return await finish(res.params, res.step);
      if (stopRequested) return { id: job.id, status: 'stopped', steps: res.step, final, resumedFrom };
      await yieldToEventLoop();
      if (ctx.shouldStop?.()) return { id: job.id, status: 'stopped', steps: res.step, final, resumedFrom };
    }
  } catch (e) {
    // User errors (bad data, bad spec) and numerical failures are the job's result; anything else is a bug.
    const known = e instanceof UserError || e instanceof NumericalError;
    const msg = e instanceof Error ? (known ? e.message : `internal error: ${e.stack ?? e.message}`) : String(e);
    const r: JobResult = { id: job.id, status: 'failed', steps: 0, final: {}, error: msg };
    await store.writeAtomic('result.json', JSON.stringify(r, null, 1) + '\n').catch(() => {});
    return r;
  }
}

/** The linearized model f_lin(θ) = f(θ₀) + J₀(θ − θ₀) trained by the same optimizer (rows: loss, mse). */
async function trainLinearized(spec: ResolvedSpec, model: Model, theta0: Float64Array, data: Parameters<typeof train>[0]['data'], store: JobStore): Promise<void> {
  const lin = linearize(model, theta0);
  const res = train({
    model: lin,
    params: theta0,
    data,
    optimizer: createOptimizer(optimizerFromSpec(spec.optimizer, spec.seed)),
    steps: spec.steps,
    loss: spec.loss,
    monitorEvery: spec.monitorEvery,
    onDivergence: 'return',
  });
  await store.writeAtomic('metrics.linearized.jsonl', res.rows.map((r) => serialize(r).metrics).join(''));
}
