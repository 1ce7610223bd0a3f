/**
 * A minimal TrueType reader for the tests (not shipped): unitsPerEm ('head'), the cmap format-4 subtable
 * (platform 3 encoding 1, the Unicode BMP) and advance widths ('hhea' + 'hmtx'), per the OpenType spec
 * (https://learn.microsoft.com/typography/opentype/spec/). It is the independent check of the width
 * table in src/report/font-metrics.ts, which was generated from the shipped DejaVuSans.ttf this way.
 */
export interface TtfMetrics {
  unitsPerEm: number;
  /** Advance width in font units of the glyph for a code point, or undefined if the font has none. */
  advance(codePoint: number): number | undefined;
}

export function readTtfMetrics(bytes: Uint8Array): TtfMetrics {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numTables = dv.getUint16(4);
  const tables = new Map<string, number>();
  for (let t = 0; t < numTables; t++) {
    const rec = 12 + 16 * t;
    const tag = String.fromCharCode(bytes[rec]!, bytes[rec + 1]!, bytes[rec + 2]!, bytes[rec + 3]!);
    tables.set(tag, dv.getUint32(rec + 8));
  }
  const at = (tag: string): number => {
    const o = tables.get(tag);
    if (o === undefined) throw new Error(`ttf: no '${tag}' table`);
    return o;
  };
  const unitsPerEm = dv.getUint16(at('head') + 18);
  const numberOfHMetrics = dv.getUint16(at('hhea') + 34);
  const hmtx = at('hmtx');
  const cmap = at('cmap');
  let sub = -1;
  for (let r = 0; r < dv.getUint16(cmap + 2); r++) {
    const rec = cmap + 4 + 8 * r;
    if (dv.getUint16(rec) === 3 && dv.getUint16(rec + 2) === 1) sub = cmap + dv.getUint32(rec + 4);
  }
  if (sub < 0 || dv.getUint16(sub) !== 4) throw new Error('ttf: no format-4 Unicode BMP cmap');
  const segX2 = dv.getUint16(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  const glyph = (c: number): number => {
    for (let s = 0; s < segX2 / 2; s++) {
      const end = dv.getUint16(ends + 2 * s);
      if (c > end) continue;
      const start = dv.getUint16(starts + 2 * s);
      if (c < start) return 0;
      const delta = dv.getInt16(deltas + 2 * s);
      const ro = dv.getUint16(rangeOffsets + 2 * s);
      if (ro === 0) return (c + delta) & 0xffff;
      const g = dv.getUint16(rangeOffsets + 2 * s + ro + 2 * (c - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  return {
    unitsPerEm,
    advance(c: number) {
      const g = glyph(c);
      if (g === 0) return undefined;
      return dv.getUint16(hmtx + 4 * Math.min(g, numberOfHMetrics - 1));
    },
  };
}
