import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UserError } from '../../core/errors.js';
import { resolveSpec, SpecError } from './resolve.js';
import type { ResolvedSpec } from './schema.js';
import { jsonSyntaxError } from './json-syntax.js';
import { checkSweep } from './sweep.js';

/**
 * Reading an experiment spec: text (JSON, or YAML for .yaml/.yml files and for text that does not
 * start with '{') or an already parsed object → a validated, fully resolved spec. Every problem of
 * the spec, sweep points included, is collected into ONE SpecError (a UserError) with one line per
 * problem naming its JSON path (spec/messages.ts). Syntax errors name the line and column.
 */
export { resolveSpec, SpecError };

export function parseSpec(src: string | unknown, source = 'spec'): ResolvedSpec {
  const input = typeof src === 'string' ? parseSpecText(src, source) : src;
  const spec = resolveSpec(input, source);
  const problems = checkSweep(spec);
  if (problems.length > 0) throw new SpecError(source, problems);
  return spec;
}

/** JSON or YAML text → plain value, syntax errors as one-line UserErrors with line and column. */
export function parseSpecText(text: string, source = 'spec'): unknown {
  const yaml = /\.ya?ml$/i.test(source) || (!/\.json$/i.test(source) && !/^\s*[{[]/.test(text));
  if (!yaml) {
    try {
      return JSON.parse(text);
    } catch {
      const e = jsonSyntaxError(text);
      throw new UserError(`${source}: invalid JSON${e ? `${lineCol(text, e.offset)}: ${e.reason}` : ''}`);
    }
  }
  try {
    return parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const p = e.linePos?.[0];
      const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new UserError(`${source}: invalid YAML${p ? ` at line ${p.line}, column ${p.col}` : ''}: ${reason}`);
    }
    throw e;
  }
}

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}
