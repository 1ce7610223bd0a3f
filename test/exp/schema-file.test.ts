import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchema, experimentJsonSchemaText } from '../../src/exp/spec/json-schema.js';
import { parseSpec } from '../../src/exp/spec/validate.js';

// dist/test/exp/ → repository root
const FILE = fileURLToPath(new URL('../../../schema/experiment.schema.json', import.meta.url));

test('the committed schema/experiment.schema.json equals a fresh generation (run `npm run build:schema`)', () => {
  assert.equal(readFileSync(FILE, 'utf8'), experimentJsonSchemaText());
});

type Json = { [k: string]: unknown };

/** Every property of every object schema, with its JSON path. */
function properties(s: unknown, at: string, out: [string, Json][] = []): [string, Json][] {
  if (typeof s !== 'object' || s === null) return out;
  const o = s as Json;
  for (const [k, v] of Object.entries((o.properties as Json | undefined) ?? {})) {
    out.push([`${at}.${k}`, v as Json]);
    properties(v, `${at}.${k}`, out);
  }
  for (const key of ['oneOf', 'anyOf']) for (const [i, v] of ((o[key] as unknown[] | undefined) ?? []).entries()) properties(v, `${at}|${i}`, out);
  if (o.items) properties(o.items, `${at}[]`, out);
  return out;
}

test('every field of the JSON Schema has a description and every object forbids unknown keys', () => {
  const schema = experimentJsonSchema();
  const props = properties(schema, '');
  assert.ok(props.length > 100, `only ${props.length} properties found`);
  const undocumented = props.filter(([, p]) => typeof p.description !== 'string' || p.description === '').map(([k]) => k);
  assert.deepEqual(undocumented, []);
  assert.equal(schema.additionalProperties, false);
});

test('the defaults in the JSON Schema are the defaults parseSpec fills', () => {
  const schema = experimentJsonSchema() as { properties: Record<string, { default?: unknown }> };
  const resolved = parseSpec({}) as unknown as Record<string, unknown>;
  for (const key of ['name', 'description', 'seed', 'loss', 'steps', 'monitors', 'monitorEvery', 'linearized', 'checkpointEvery']) {
    assert.deepEqual(schema.properties[key]!.default, resolved[key], key);
  }
  const model = (schema.properties.model as unknown as { oneOf: { properties: Record<string, { default?: unknown; const?: unknown }> }[] }).oneOf;
  const resnet = model.find((m) => m.properties.arch!.const === 'resnet-du')!;
  const r = parseSpec({ model: { arch: 'resnet-du' } }).model as unknown as Record<string, unknown>;
  for (const key of ['width', 'depth', 'activation', 'cRes', 'outputs']) assert.deepEqual(resnet.properties[key]!.default, r[key], `model.${key}`);
});
