import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSvg } from '../../src/report/render.js';
import { tableFigure } from '../../src/report/table-figure.js';
import { assertSnapshot, svgTexts } from './fixtures.js';

const rows = [
  { k: 2, d: 0.5, ratio: 3.1819805153394642, note: 'first' },
  { k: 4, d: 0.25, ratio: -8.125, note: null },
  { k: 8, d: 1.25e-7, ratio: Infinity },
];
const columns = [{ field: 'k' }, { field: 'd', title: 'd_real' }, { field: 'ratio', digits: 3 }, { field: 'note' }];

type Spec = { data: { values: { row: number; column: string; text: string }[] } };

test('table figure: snapshot', () => {
  assertSnapshot('table-figure', tableFigure(rows, { title: 'A table', columns }));
});

test('table figure: cells are formatted numbers (digits, Unicode minus, exponent), strings, "—" for missing', () => {
  const spec = tableFigure(rows, { columns }) as unknown as Spec;
  const cell = (row: number, column: string) => spec.data.values.find((c) => c.row === row && c.column === column)!.text;
  assert.equal(spec.data.values.length, 12);
  assert.equal(cell(0, 'ratio'), '3.18');
  assert.equal(cell(1, 'ratio'), '−8.13');
  assert.equal(cell(2, 'ratio'), 'Infinity');
  assert.equal(cell(2, 'd_real'), '1.25e−7');
  assert.equal(cell(0, 'note'), 'first');
  assert.equal(cell(1, 'note'), '—');
  assert.equal(cell(2, 'note'), '—');
  assert.throws(() => tableFigure(rows, { columns: [] }), /option columns must be a non-empty list/);
  assert.throws(() => tableFigure(rows, { columns: [{ field: 'k' }, { field: 'd', title: 'k' }] }), /two columns have the title 'k'/);
  assert.throws(() => tableFigure([{ k: [1] }], { columns: [{ field: 'k' }] }), /rows\[0\]\.k must be a number, string or boolean, got an array/);
  assert.throws(() => tableFigure([], { columns }), /no rows/);
});

test('table figure: SVG holds the header and every cell', async () => {
  const svg = await renderSvg(tableFigure(rows, { title: 'A table', columns }));
  assert.deepEqual(svgTexts(svg, 'axis-label'), ['k', 'd_real', 'ratio', 'note']);
  for (const t of ['3.18', '−8.13', 'Infinity', '1.25e−7', 'first', '—']) assert.ok(svg.includes(`>${t}<`), t);
});
