import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { UserError } from '../../src/core/errors.js';
import { shippedFontFile, svgToPng, writeReport } from '../../src/node/report-render.js';
import { driftFigure } from '../../src/report/width-scaling-figure.js';
import { lossFigure } from '../../src/report/loss-figure.js';
import { renderSvg } from '../../src/report/render.js';
import { lossRows, scalingRows } from '../report/fixtures.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decode an 8-bit RGBA (colour type 6) or RGB (2), non-interlaced PNG: chunks, zlib, the five row filters (PNG spec §9). */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], SIGNATURE, 'PNG signature');
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0, height = 0, channels = 4;
  const idat: Uint8Array[] = [];
  for (let off = 8; off < png.length;) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(off + 8); height = dv.getUint32(off + 12);
      assert.equal(data[8], 8, 'bit depth 8');
      assert.ok(data[9] === 6 || data[9] === 2, `colour type ${data[9]}`);
      channels = data[9] === 6 ? 4 : 3;
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  const prev = new Uint8Array(stride), cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels]! : 0, b = prev[x]!, c = x >= channels ? prev[x - channels]! : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      cur[x] = (line[x]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) for (let k = 0; k < 4; k++) out[(y * width + x) * 4 + k] = k < channels ? cur[x * channels + k]! : 255;
    prev.set(cur);
  }
  return { width, height, rgba: out };
}

function distinctColours(rgba: Uint8Array): number {
  const s = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) s.add(((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!) * 256 + rgba[i + 3]!);
  return s.size;
}

function darkPixels(rgba: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! + rgba[i + 1]! + rgba[i + 2]! < 300) n++;
  return n;
}

test('svgToPng: a PNG with the signature, the SVG size × scale, many colours, deterministic bytes', async () => {
  const svg = await renderSvg(lossFigure(lossRows()));
  const png = svgToPng(svg);
  const img = decodePng(png);
  const [w, h] = [Number(/width="(\d+)"/.exec(svg)![1]), Number(/height="(\d+)"/.exec(svg)![1])];
  assert.deepEqual([img.width, img.height], [2 * w, 2 * h]);
  assert.ok(distinctColours(img.rgba) > 50, `${distinctColours(img.rgba)} colours`);
  // The decoded pixels are resvg's own render of the same SVG.
  const direct = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: [shippedFontFile()], defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 }, background: 'white' }).render();
  assert.deepEqual(Buffer.from(direct.pixels).equals(Buffer.from(img.rgba)), true);
  assert.ok(Buffer.from(png).equals(Buffer.from(svgToPng(svg))), 'same bytes twice');
  assert.throws(() => svgToPng(svg, { scale: 0 }), UserError);
});

test('text is drawn with the shipped font (system fonts are off: without it, no glyph would appear)', () => {
  const text = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/>'
    + '<text x="10" y="28" font-family="DejaVu Sans, Verdana, sans-serif" font-size="20" fill="black">λ_min 0.25</text></svg>';
  const withFont = decodePng(svgToPng(text, { scale: 1 }));
  const noFont = new Resvg(text, { font: { loadSystemFonts: false } }).render();
  assert.ok(darkPixels(withFont.rgba) > 200, `${darkPixels(withFont.rgba)} dark pixels`);
  assert.equal(darkPixels(noFont.pixels), 0, 'no font → no text: the PNG path really uses the shipped TTF');
  assert.ok(shippedFontFile().endsWith(path.join('assets', 'fonts', 'DejaVuSans.ttf')));
  assert.ok(existsSync(path.join(path.dirname(shippedFontFile()), 'LICENSE-DejaVu.txt')));
});

test('writeReport writes figures/NAME.svg, figures/NAME.png and report.html; same input, same bytes', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-report-'));
  try {
    const input = {
      title: 'Report test',
      figures: { loss: lossFigure(lossRows()), drift: driftFigure(scalingRows(), { predicted: -0.5 }) },
      captions: { drift: 'Kernel drift ∝ m^(−1/2)' },
      verdicts: [{ claim: 'drift slope', predicted: '−0.5', measured: '−0.506', verdict: 'pass' as const }],
      footer: { version: '0.1.0', backend: 'reference' },
    };
    const out = await writeReport(dir, input);
    assert.deepEqual(readdirSync(dir).sort(), ['figures', 'report.html']);
    assert.deepEqual(readdirSync(path.join(dir, 'figures')).sort(), ['drift.png', 'drift.svg', 'loss.png', 'loss.svg']);
    const html = readFileSync(out.html, 'utf8');
    for (const f of out.figures) {
      const png = new Uint8Array(readFileSync(f.png));
      assert.deepEqual([...png.subarray(0, 8)], SIGNATURE);
      assert.ok(distinctColours(decodePng(png).rgba) > 2);
      const svg = readFileSync(f.svg, 'utf8');
      assert.ok(svg.startsWith('<svg'));
      const inline = html.slice(html.indexOf(`<figure id="figure-${f.name}">`)).split('\n')[1]!;
      const strip = (t: string) => t.replace(/id="[^"]*"|url\(#[^)]*\)/g, '');
      assert.equal(strip(inline), strip(svg), `${f.name}: report.html inlines figures/${f.name}.svg`);
    }
    assert.ok(html.includes('<figcaption>Kernel drift ∝ m^(−1/2)</figcaption>'));
    const first = Object.fromEntries(out.figures.map((f) => [f.name, readFileSync(f.png)]));
    await writeReport(dir, input);
    for (const f of out.figures) assert.ok(readFileSync(f.png).equals(first[f.name]!), `${f.name}.png identical on rewrite`);
    assert.equal(readFileSync(out.html, 'utf8'), html);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeReport: bad input is a UserError and writes nothing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-report-'));
  try {
    const footer = { version: '0.1.0', backend: 'reference' };
    await assert.rejects(writeReport(dir, { title: 't', footer, figures: { '../evil': lossFigure(lossRows()) } }), (e: Error) => e instanceof UserError && /figure name "\.\.\/evil"/.test(e.message));
    await assert.rejects(writeReport(dir, { title: 't', footer, figures: { ok: lossFigure(lossRows()), bad: { data: { url: 'file:///etc/passwd' }, mark: 'point' } } }), (e: Error) => e instanceof UserError && /refusing to load/.test(e.message));
    await assert.rejects(writeReport(dir, { title: 't', footer, figures: { a: lossFigure(lossRows()) }, captions: { b: 'x' } }), /caption for unknown figure 'b'/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
