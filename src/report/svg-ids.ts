/**
 * Rename every `id="…"` of an SVG string to `${prefix}-${k}` (k = 0, 1, … in order of appearance) and
 * rewrite its references (`url(#…)`, `href="#…"`), so several SVGs can share one HTML page and the
 * names do not depend on how many figures were rendered before. Text content is left alone: Vega
 * escapes `"` in attributes and `<` in text, so `id="` only occurs inside tags.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const tag of svg.matchAll(/<[^>]*>/g)) {
    for (const m of tag[0].matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size}`);
  }
  if (ids.size === 0) return svg;
  return svg.replace(/<[^>]*>/g, (tag) => tag
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? a + ids.get(id)! + b : all))
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)!})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}#${ids.get(id)!}${b}` : all)));
}
