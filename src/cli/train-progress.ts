import cliProgress from 'cli-progress';

/**
 * Progress of `overparam train` on stderr (stdout stays clean for `--json`): a cli-progress bar (step,
 * loss, ETA) when stderr is a terminal, else — or with `plain` (`--quiet`) — one plain line each time
 * another ~10% of the steps is done. `tick(step)` may be called every step; `loss(step, value)` records
 * the latest known loss (the trainer only evaluates it on recorded rows).
 */
export interface TrainProgress {
  tick(step: number): void;
  loss(step: number, value: number): void;
  /** Close the bar at the last step seen; plain mode prints a last line unless that step was just printed. */
  done(): void;
}

export interface TrainProgressOptions {
  label: string;
  start: number;
  total: number;
  plain: boolean;
  stream?: NodeJS.WriteStream;
}

const fmtLoss = (x: number | null): string => (x === null ? '…' : Number.isFinite(x) ? x.toPrecision(4) : String(x));

export function trainProgress(o: TrainProgressOptions): TrainProgress {
  const stream = o.stream ?? process.stderr;
  let lastLoss: number | null = null;
  let lossStep = -1;
  let current = o.start;
  const t0 = performance.now();

  if (!o.plain && stream.isTTY && o.total > o.start) {
    const bar = new cliProgress.SingleBar(
      { format: `${o.label} |{bar}| {percentage}% | step {value}/{total} | loss {loss} | ETA {eta_formatted}`, hideCursor: true, stream, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(o.total, o.start, { loss: fmtLoss(null) });
    return {
      tick(step) {
        current = Math.max(current, step);
        bar.update(step, { loss: fmtLoss(lastLoss) });
      },
      loss(step, value) {
        lastLoss = value;
        lossStep = step;
      },
      done() {
        bar.update(current, { loss: fmtLoss(lastLoss) });
        bar.stop();
      },
    };
  }

  const span = Math.max(1, o.total - o.start);
  const every = Math.max(1, Math.ceil(span / 10));
  let next = o.start + every;
  let printed = -1;
  const line = (step: number): void => {
    const pct = Math.round((100 * (step - o.start)) / span);
    const l = lastLoss === null ? '' : `, loss ${fmtLoss(lastLoss)}${lossStep === step ? '' : ` (step ${lossStep})`}`;
    stream.write(`${o.label}: step ${step}/${o.total} (${pct}%)${l}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    printed = step;
  };
  return {
    tick(step) {
      current = Math.max(current, step);
      if (step >= next) {
        line(step);
        while (next <= step) next += every;
      }
    },
    loss(step, value) {
      lastLoss = value;
      lossStep = step;
    },
    done() {
      if (printed !== current) line(current);
    },
  };
}
