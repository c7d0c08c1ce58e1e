import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publishedSchemas, schemaFileText } from '../src/json-schemas.ts';

const dir = new URL('../schemas/', import.meta.url).pathname;
rmSync(dir, { recursive: true, force: true });
const schemas = publishedSchemas();
for (const [file, schema] of Object.entries(schemas)) {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, schemaFileText(schema));
}
console.log(`wrote ${Object.keys(schemas).length} JSON Schema files to contracts/schemas/`);
