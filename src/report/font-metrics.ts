/**
 * Advance widths of the shipped font, DejaVu Sans (assets/fonts/DejaVuSans.ttf), so that Vega lays out
 * text (axis-title offsets, legend widths, label overlap) exactly as resvg and browsers draw it, on every
 * machine, with or without a canvas. The table holds the 'hmtx' advance widths (font units,
 * 2048 per em) of the Latin, Greek, punctuation, super/subscript, arrow and math-operator code points we
 * use; 0 marks a code point the font lacks. It was generated from the TTF and is checked against it
 * by test/report/font-metrics.test.ts. Kerning is ignored (a sub-pixel difference).
 */
export const FONT_FAMILY = 'DejaVu Sans';

const TABLE: { unitsPerEm: number; ranges: readonly (readonly [number, readonly number[]])[] } = {
  unitsPerEm: 2048,
  ranges: [
    [0x20, [
      651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303,
      1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587,
      1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,
      690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253,
      1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
    ]],
    [0xa0, [
      651, 821, 1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024, 1716, 821, 821,
      1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401, 1401, 1401, 1401, 1401, 1401, 1995, 1430,
      1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587, 1532, 1612, 1612, 1612, 1612, 1612, 1716, 1612, 1499, 1499, 1499,
      1499, 1251, 1239, 1290, 1255, 1255, 1255, 1255, 1255, 1255, 2011, 1126, 1260, 1260, 1260, 1260, 569, 569, 569, 569,
      1253, 1298, 1253, 1253, 1253, 1253, 1253, 1716, 1253, 1298, 1298, 1298, 1298, 1212, 1300, 1212,
    ]],
    [0x391, [
      1401, 1405, 1141, 1401, 1294, 1403, 1540, 1612, 604, 1343, 1401, 1767, 1532, 1294, 1612, 1540, 1235, 0, 1294, 1251,
      1251, 1612, 1403, 1612, 1565, 604, 1251, 1350, 1107, 1298, 693, 1185, 1350, 1307, 1212, 1253, 1107, 1114, 1298, 1253,
      693, 1207, 1212, 1303, 1144, 1142, 1253, 1233, 1300, 1202, 1298, 1233, 1185, 1351, 1183, 1351, 1715,
    ]],
    [0x2010, [
      739, 739, 1303, 1024, 2048, 2048, 1024, 1024, 651, 651, 651, 651, 1061, 1061, 1061, 1061, 1024, 1024, 1208, 1208,
      685, 1367, 2048, 651,
    ]],
    [0x2030, [
      2748, 3554, 465, 765, 1065, 465, 765, 1065, 694, 819, 819,
    ]],
    [0x2070, [
      821, 366, 0, 0, 821, 821, 821, 821, 821, 821, 1081, 1081, 1081, 503, 503, 816, 821, 821, 821, 821,
      821, 821, 821, 821, 821, 821, 1081, 1081, 1081, 503, 503, 0, 802, 854, 847, 909, 854, 828, 872, 340,
      1276, 816, 877, 764, 604,
    ]],
    [0x2190, [
      1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
    ]],
    [0x2200, [
      1401, 1303, 1059, 1294, 1294, 1784, 1370, 1370, 1784, 1784, 1470, 1784, 1784, 1470, 1303, 1550, 1550, 1380, 1716, 1716,
      1716, 690, 1304, 1716, 1282, 1282, 1305, 1305, 1305, 1463, 1706, 1716, 1836, 1836, 1716, 1024, 1024, 1024, 1024, 1499,
      1499, 1499, 1499, 1067, 1616, 2165, 1067, 1616, 2165, 1067, 1067, 1067, 1303, 1303, 533, 1303, 1716, 1716, 1716, 1716,
      1716, 1716, 1716, 1716, 768, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
      1716, 1716, 1718, 1718, 2048, 2048, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
      1716, 1716, 1716, 1716, 1716, 1716, 2144, 2144, 950, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
      1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
      1499, 1499, 1499, 1716, 1716, 1716, 1716, 1598, 1598, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716,
      1716, 1716, 1784, 1784, 1784, 1784, 1066, 1066, 1784, 1784, 1784, 1784, 1784, 1784, 1784, 1784, 1716, 1716, 1716, 1716,
      1716, 1716, 2048, 2048, 1716, 1716, 1066, 1499, 1499, 1499, 1716, 1716, 1680, 1680, 1680, 1680, 1282, 651, 1282, 1716,
      2048, 2048, 2048, 2048, 2048, 1716, 1500, 1500, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 2913, 2913, 1716, 1716,
      1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 1716, 2048, 2048,
      2048, 2048, 2048, 1784, 1470, 1784, 1784, 1470, 1784, 1784, 2048, 1784, 1470, 1784, 1470, 1784,
    ]],
  ],
};

/** Width used for a code point outside the table (0.6 em, about an average DejaVu Sans letter). */
const FALLBACK = 0.6 * TABLE.unitsPerEm;

const WIDTHS = new Map<number, number>();
for (const [start, widths] of TABLE.ranges) widths.forEach((w, k) => { if (w > 0) WIDTHS.set(start + k, w); });

/** Advance width of one code point in font units, or undefined when the table does not have it. */
export function advanceWidth(codePoint: number): number | undefined {
  return WIDTHS.get(codePoint);
}

/** The code points the table covers (for the test that checks it against the TTF). */
export function tableCodePoints(): { codePoint: number; width: number }[] {
  const out: { codePoint: number; width: number }[] = [];
  for (const [start, widths] of TABLE.ranges) widths.forEach((w, k) => out.push({ codePoint: start + k, width: w }));
  return out;
}

export const UNITS_PER_EM = TABLE.unitsPerEm;

/** Width in pixels of a single line of text set in DejaVu Sans at `fontSize` px (no kerning). */
export function textWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const ch of text) units += WIDTHS.get(ch.codePointAt(0)!) ?? FALLBACK;
  return (units * fontSize) / TABLE.unitsPerEm;
}
