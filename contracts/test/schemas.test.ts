import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishedSchemas, schemaFileText } from '../src/json-schemas.ts';

const dir = new URL('../schemas/', import.meta.url).pathname;
const listFiles = (d: string): string[] =>
  readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? listFiles(join(d, f)) : [relative(dir, join(d, f))]));

test('every published JSON Schema file matches the schema in code (run `pnpm schemas` when this fails)', () => {
  const expected = publishedSchemas();
  for (const [file, schema] of Object.entries(expected)) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      assert.unreachable(`contracts/schemas/${file} is missing`);
      return;
    }
    assert.is(text, schemaFileText(schema), `contracts/schemas/${file} is stale`);
  }
  assert.equal(listFiles(dir).sort(), Object.keys(expected).sort(), 'contracts/schemas has files no schema produces');
});

test('the policy schema forbids unknown keys and bounds the VLAN id', () => {
  const policy = publishedSchemas()['host-network-policy.json'] as any;
  assert.is(policy.additionalProperties, false);
  // desiredState may hold {{ }} references: each value is anyOf [strict, template string] (render/templated-schema.ts).
  const iface = policy.properties.spec.properties.desiredState.anyOf[0].properties.interfaces.anyOf[0].items.anyOf[0];
  const id = iface.properties.vlan.anyOf[0].properties.id.anyOf[0];
  assert.is(id.maximum, 4094);
  assert.is(id.minimum, 1);
});

test.run();
