import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { advanceWidth, tableCodePoints, textWidth, UNITS_PER_EM } from '../../src/report/font-metrics.js';
import { repoRoot } from './fixtures.js';
import { readTtfMetrics } from './ttf.js';

test('the width table equals the advance widths of the shipped DejaVuSans.ttf', () => {
  const ttf = readTtfMetrics(new Uint8Array(readFileSync(path.join(repoRoot(), 'assets', 'fonts', 'DejaVuSans.ttf'))));
  assert.equal(UNITS_PER_EM, ttf.unitsPerEm);
  const entries = tableCodePoints();
  assert.ok(entries.length > 500);
  for (const { codePoint, width } of entries) assert.equal(width, ttf.advance(codePoint) ?? 0, `U+${codePoint.toString(16)}`);
  for (const ch of 'λσηθΘ‖−≤≈×²') assert.ok(advanceWidth(ch.codePointAt(0)!)! > 0, ch);
});

test('textWidth sums advances: "Hello" at 10 px = (1540+1260+569+569+1253)/2048·10', () => {
  assert.ok(Math.abs(textWidth('Hello', 10) - (5191 * 10) / 2048) < 1e-12);
  assert.equal(textWidth('', 12), 0);
  // A code point outside the table counts 0.6 em.
  assert.ok(Math.abs(textWidth('\u4e00', 10) - 6) < 1e-12);
});
