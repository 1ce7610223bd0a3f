import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { parseDomain, type Box } from '../diag/realization/domain.js';
import { realizationDistance, type DistanceResult } from '../diag/realization/distance.js';
import { netFromTheta, type ShallowNet } from '../diag/realization/net.js';
import { pickNorm, REALIZATION_NORMS, type RealizationNorm } from '../diag/realization/norms.js';
import { PATHOLOGIES, runPathology, type PathologyRow } from '../diag/realization/pathologies.js';
import { stabilityRatio } from '../diag/realization/ratio.js';
import { SAMPLERS, type Sampler } from '../diag/realization/sampling.js';
import { canonicalDistance, orbitDistance, PARAM_NORMS, type ParamNorm } from '../diag/realization/symmetry-distance.js';
import { loadModel } from '../nn/io/model-file.js';
import { C_FAMILY, judgePathology, judgeUniformNorm, normLabel } from '../exp/reproductions/berner2019-judge.js';
import { readBytes, writeFileAtomic } from '../node/files.js';
import type { TopLevelSpec } from '../report/index.js';
import { finiteNumber, intList, nonNegativeInt, oneLineErrors, oneOf, required } from './init.js';
import { PACKAGE } from './run.js';

/**
 * `overparam realize`: the realization space of shallow ReLU nets (Berner, Elbrächter & Grohs 2019;
 * src/diag/realization/).
 *
 *   overparam realize distance --a a.safetensors --b b.safetensors --domain -1,1 [--norm linf|w1inf|w12]
 *                              [--param-norm inf|2] [--sampler sobol|grid|random] [--samples N]
 *                              [--levels L] [--seed S] [--json]
 *   overparam realize pathology NAME [--out DIR] [--ks 2,4,8,…] [--alpha 2] [--no-report] [--json]
 *
 * distance: both files must hold shallow ReLU nets (arch shallow-relu, or mlp [d, m, k] with relu) of
 * the same input dimension and outputs. Prints the realization distances (exact for d = 1; the
 * estimator with its convergence check for d ≥ 2), the parameter distances modulo symmetries (orbit:
 * --a moved onto --b; canonical: both balanced) and the inverse-stability ratio orbit / w1inf^{1/2}.
 * With --norm only that distance is printed. --json prints one JSON object with everything.
 * pathology: the family table of NAME (unbalanced, parallel, opposite, inactive, uniform-norm) written
 * to DIR/pathology-NAME.json (atomically; DIR default '.') and printed as a table (--json: the record),
 * with a small report (unless --no-report): DIR/report.html (title, the verdict "ratio diverges:
 * measured growth …; restricted ratio ≤ C" — exp/reproductions/berner2019-judge.ts, C = √2 the
 * measured constant of the projected families — the figures and the table as a figure) and
 * DIR/figures/pathology-NAME.{svg,png}, DIR/figures/pathology-NAME-table.{svg,png}. Everything is
 * rendered in memory before any file is written; report.html of another NAME in the same DIR is
 * replaced. Non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN".
 */

interface DistanceCli {
  a?: string;
  b?: string;
  domain?: string;
  norm?: RealizationNorm;
  paramNorm: ParamNorm;
  sampler?: Sampler;
  samples?: number;
  levels?: number;
  seed: number;
  json?: boolean;
}

interface PathologyCli {
  out: string;
  ks?: number[];
  alpha: number;
  report: boolean;
  json?: boolean;
}

/** JSON with non-finite numbers as strings. */
export function toJson(x: unknown, indent?: number): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v instanceof Float64Array ? Array.from(v) : v), indent);
}

function loadNet(file: string, flag: string): ShallowNet {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(file, flag);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${e.message}; check the path (write one with overparam init --arch shallow-relu)`);
    throw e;
  }
  const { model, theta } = loadModel(bytes, `${flag} ${file}`);
  try {
    return netFromTheta(model, theta);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${flag} ${file}: ${e.message}`);
    throw e;
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x));

function methodLine(r: DistanceResult): string {
  if (r.method === 'exact-1d') return `exact (1-D, union of breakpoints, ${r.pieces} pieces)`;
  const lv = r.levels.map((l) => l.samples).join(', ');
  const rc = Math.max(r.relChange.linf, r.relChange.gradSup, r.relChange.w12);
  return `estimate (${r.sampler} sampling + local refinement, levels N = ${lv}; ${r.converged ? 'converged' : 'NOT converged'}: last-level relative change ${fmt(rc)})`;
}

function runDistance(o: DistanceCli): void {
  const fa = required(o.a, '--a', 'the first weights file (--a a.safetensors)');
  const fb = required(o.b, '--b', 'the second weights file (--b b.safetensors)');
  const A = loadNet(fa, '--a');
  const B = loadNet(fb, '--b');
  if (A.d !== B.d || A.k !== B.k) throw new UserError(`--b ${fb}: input dimension ${B.d} and outputs ${B.k} differ from --a ${fa} (${A.d}, ${A.k}); compare nets of the same shape`);
  const domain: Box = parseDomain(required(o.domain, '--domain', 'the box, e.g. --domain -1,1 (one interval for every dimension)'), A.d);
  const r = realizationDistance(A, B, domain, { sampler: o.sampler, samples: o.samples, levels: o.levels, rng: Rng.fromSeed(o.seed) });
  const orbit = orbitDistance(A, B, o.paramNorm);
  const canonical = canonicalDistance(A, B, o.paramNorm);
  const ratio = stabilityRatio(orbit.distance, r.w1inf, 2);
  const record = {
    a: fa,
    b: fb,
    input_dim: A.d,
    widths: [A.m, B.m],
    outputs: A.k,
    domain: { lo: Array.from(domain.lo), hi: Array.from(domain.hi) },
    method: r.method,
    linf: r.linf,
    w1inf: r.w1inf,
    w12: r.w12,
    grad_sup: r.gradSup,
    l2: r.l2,
    h1: r.h1,
    ...(r.method === 'estimate'
      ? { sampler: r.sampler, levels: r.levels, converged: r.converged, rel_change: r.relChange, linf_upper: r.linfUpper ?? null, lipschitz: r.lipschitz }
      : { pieces: r.pieces }),
    param_norm: o.paramNorm,
    param_orbit: orbit.distance,
    param_canonical: canonical.distance,
    assignment: Array.from(orbit.assignment),
    ratio_w1inf_alpha2: ratio,
  };
  if (o.json) {
    process.stdout.write(toJson(record) + '\n');
    return;
  }
  if (o.norm) {
    process.stdout.write(`${o.norm} ${fmt(pickNorm(r, o.norm))}   (${methodLine(r)})\n`);
    return;
  }
  const dom = Array.from(domain.lo, (lo, j) => `[${fmt(lo)}, ${fmt(domain.hi[j]!)}]`).join('×');
  process.stdout.write(
    [
      `realize distance: d = ${A.d}, widths ${A.m} and ${B.m}, k = ${A.k}, domain ${dom}`,
      `  method  ${methodLine(r)}`,
      `  linf    ${fmt(r.linf)}`,
      `  w1inf   ${fmt(r.w1inf)}   (gradient sup ${fmt(r.gradSup)})`,
      `  w12     ${fmt(r.w12)}   (L² ${fmt(r.l2)}, H¹ seminorm ${fmt(r.h1)})`,
      `  params mod symmetries (${o.paramNorm}-norm): orbit ${fmt(orbit.distance)} (--a rescaled/permuted onto --b), canonical ${fmt(canonical.distance)} (both balanced)`,
      `  inverse-stability ratio orbit / w1inf^(1/2): ${fmt(ratio)}`,
    ].join('\n') + '\n',
  );
}

const COLUMNS: (keyof PathologyRow)[] = ['k', 'linf', 'w1inf', 'orbitParam', 'lowerBound', 'ratio', 'ratioLowerBound', 'canonicalParam', 'restrictedParam', 'restrictedRatio'];

const TABLE_COLUMNS = (norm: string) => [
  { field: 'k' },
  { field: norm, title: 'd_real' },
  { field: 'orbitParam', title: 'param (orbit)' },
  { field: 'lowerBound', title: 'lower bound' },
  { field: 'ratio', title: 'ratio' },
  { field: 'canonicalParam', title: 'canonical' },
  { field: 'restrictedParam', title: 'param (restr.)' },
  { field: 'restrictedRatio', title: 'ratio (restr.)' },
];

async function runPathologyCli(name: string, o: PathologyCli): Promise<void> {
  const table = runPathology(name, { ks: o.ks, alpha: o.alpha });
  const record = { pathology: table.name, theory_item: `THEORY.md §2.3-${table.theoryItem}`, description: table.description, norm: table.norm, alpha: table.alpha, param_norm: 'inf', rows: table.rows };
  const file = path.join(o.out, `pathology-${table.name}.json`);
  const verdicts = [judgePathology(table, C_FAMILY), ...(table.name === 'uniform-norm' ? [judgeUniformNorm(table, 1)] : [])];
  let written: string[] = [];
  if (o.report) {
    const [{ pathologyFigure, tableFigure }, { writeReport }] = await Promise.all([import('../report/index.js'), import('../node/report-render.js')]);
    const rows = table.rows.map((r) => ({ ...r }));
    const fig = `pathology-${table.name}`;
    const figures: Record<string, TopLevelSpec> = {
      [fig]: pathologyFigure(rows, { name: table.name, norm: table.norm, normLabel: normLabel(table.norm), alpha: table.alpha, constant: C_FAMILY }),
      [`${fig}-table`]: tableFigure(rows, { title: `Pathology '${table.name}': the family table`, subtitle: [`d_real: realization distance in ${normLabel(table.norm)}; param: ∞-norm distance mod symmetries; ratio = param / d_real^(1/${table.alpha})`, 'restr.: both nets projected onto the restricted set; canonical: both nets balanced'], columns: TABLE_COLUMNS(table.norm) }),
    };
    const rep = await writeReport(o.out, {
      title: `Pathology '${table.name}' of the ReLU realization map (Berner, Elbrächter & Grohs 2019; THEORY.md §2.3-${table.theoryItem})`,
      summary: `${table.description}. Realization distance in ${normLabel(table.norm)}; ratio = d_param / d_real^(1/${table.alpha}) with d_param the ∞-norm distance modulo neuron permutations and positive rescalings (orbit distance, an upper bound on the distance to every parametrization of R(Φ_k)), shown against the proven lower bound; "restricted" = both nets projected onto the restricted set (balanced, distinct, active, oriented neurons; affine part in its own parameters). The constructions and the constant C = √2 are overparam's (the paper's exact examples are UNCONFIRMED). Numbers: pathology-${table.name}.json.`,
      verdicts: verdicts.map((v) => ({ claim: v.claim, predicted: v.predicted, measured: v.measured, verdict: v.pass ? 'pass' : 'fail' })),
      figures,
      captions: {
        [fig]: 'Left: realization distance, parameter distance modulo symmetries (with its proven lower bound dashed) and the restricted parameter distance vs k (log-log). Right: the inverse-stability ratio, unrestricted and restricted, with the measured constant C dashed.',
        [`${fig}-table`]: 'The family table (pathology-NAME.json rows), 4 significant digits.',
      },
      footer: { version: PACKAGE.version, backend: 'none (exact 1-D arithmetic)' },
    });
    written = [rep.html, ...rep.figures.flatMap((f) => [f.svg, f.png])];
  }
  writeFileAtomic(file, toJson(record, 2) + '\n');
  if (o.json) {
    process.stdout.write(toJson({ ...record, file, verdicts, ...(o.report ? { report: written } : {}) }) + '\n');
    return;
  }
  const cells = [COLUMNS.map(String), ...table.rows.map((r) => COLUMNS.map((c) => fmt(r[c])))];
  const widths = COLUMNS.map((_, j) => Math.max(...cells.map((row) => row[j]!.length)));
  const lines = cells.map((row) => row.map((s, j) => s.padStart(widths[j]!)).join('  '));
  process.stdout.write(
    `pathology ${table.name} (THEORY.md §2.3-${table.theoryItem}): ${table.description}\n` +
      `  realization distance in ${table.norm}; ratio = param / d^(1/${table.alpha}); params in the ∞-norm mod symmetries\n` +
      lines.map((l) => `  ${l}`).join('\n') +
      '\n' +
      verdicts.map((v) => `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.measured}\n`).join('') +
      `  wrote ${file}${o.report ? `, ${path.join(o.out, 'report.html')} and ${path.join(o.out, 'figures')}/pathology-${table.name}{,-table}.{svg,png}` : ''}\n`,
  );
}

export function registerRealize(program: Command): void {
  const realize = oneLineErrors(program.command('realize')).description('realization space of shallow ReLU nets: distances, symmetries, inverse stability (Berner et al. 2019)');
  oneLineErrors(realize.command('distance'))
    .description('realization distances (L∞, W^{1,∞}, W^{1,2}) and parameter distances mod symmetries of two shallow ReLU nets')
    .option('--a <file>', 'first weights file (.safetensors, shallow ReLU net)')
    .option('--b <file>', 'second weights file')
    .option('--domain <box>', 'box: lo,hi for every dimension, or lo1,hi1;lo2,hi2;…')
    .option('--norm <name>', `print only this distance: ${REALIZATION_NORMS.join(' | ')}`, oneOf('--norm', REALIZATION_NORMS))
    .option('--param-norm <name>', `parameter norm: ${PARAM_NORMS.join(' | ')}`, oneOf('--param-norm', PARAM_NORMS), 'inf')
    .option('--sampler <name>', `d ≥ 2 estimator points: ${SAMPLERS.join(' | ')} (default sobol)`, oneOf('--sampler', SAMPLERS))
    .option('--samples <n>', 'd ≥ 2: points of the first level (default 4096)', nonNegativeInt('--samples'))
    .option('--levels <n>', 'd ≥ 2: levels N, 4N, 16N, … of the convergence check (default 3)', nonNegativeInt('--levels'))
    .option('--seed <n>', 'seed of the random sampler', nonNegativeInt('--seed'), 0)
    .option('--json', 'print one JSON object')
    .action((o: DistanceCli) => runDistance(o));
  oneLineErrors(realize.command('pathology'))
    .description(`family table of a pathology of the realization map: ${PATHOLOGIES.join(', ')}`)
    .argument('<name>', PATHOLOGIES.join(' | '))
    .option('--out <dir>', 'folder for pathology-NAME.json, report.html and figures/', '.')
    .option('--ks <list>', 'family indices k, e.g. 2,4,8,16', intList('--ks'))
    .option('--alpha <a>', 'exponent α of the ratio param / d^(1/α)', finiteNumber('--alpha'), 2)
    .option('--no-report', 'write only pathology-NAME.json (no report.html, no figures/)')
    .option('--json', 'print the record as JSON instead of the table')
    .action((name: string, o: PathologyCli) => runPathologyCli(name, o));
}
