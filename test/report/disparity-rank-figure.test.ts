import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disparityRankFigure } from '../../src/report/disparity-rank-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { assertSnapshot, markItems, rankRows, svgTexts } from './fixtures.js';

type Panel = { data: { values: { width: number; value: number }[] }; layer: { data?: { values: { full: number }[] }; mark: { type: string } }[] };
type Spec = { hconcat: Panel[]; title: { subtitle: string[] } };

test('disparity rank: snapshot', () => {
  assertSnapshot('disparity-rank-figure', disparityRankFigure(rankRows()));
});

test('disparity rank: full-rank rule, rank-deficient runs and σ_min = 0 counted', () => {
  const spec = disparityRankFigure(rankRows()) as unknown as Spec;
  assert.equal(spec.hconcat.length, 2);
  assert.equal(spec.hconcat[0]!.layer[0]!.data!.values[0]!.full, 32);
  assert.equal(spec.hconcat[0]!.data.values.length, 18);
  assert.equal(spec.hconcat[1]!.data.values.length, 12);
  assert.deepEqual(spec.title.subtitle.slice(0, 2), ['rank 9–32; full rank 32, 6 of 18 runs rank-deficient', 'σ_min from 0.0542 to 0.153; 6 runs with σ_min = 0 not shown']);
  const onlyRank = disparityRankFigure([{ width: 4, rank: 4 }, { width: 8, rank: 5 }], { fullRank: 5 }) as unknown as Spec;
  assert.equal(onlyRank.hconcat.length, 1);
  assert.equal(onlyRank.title.subtitle[0], 'rank 4–5; full rank 5, 1 of 2 runs rank-deficient');
  assert.throws(() => disparityRankFigure([{ width: 4, rank: 3.5 }]), /non-negative integer/);
  assert.throws(() => disparityRankFigure([{ width: 4 }]), /no row has 'rank' or 'sigma_min'/);
});

test('disparity rank: SVG has both panels with their axis titles and a dashed rule', async () => {
  const svg = await renderSvg(disparityRankFigure(rankRows()));
  assert.deepEqual(svgTexts(svg, 'axis-title'), ['width m (log)', 'numerical rank of H', 'width m (log)', 'σ_min(H) (log)']);
  assert.equal(markItems(svg, 'rule'), 1);
  assert.equal(markItems(svg, 'line'), 2);
  assert.equal(markItems(svg, 'symbol'), 30);
});
