// Writes schemas/pipeline.schema.json from the built-in stages' param schemas.
// Run after changing a stage's params: node --import tsx scripts/write-schema.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineJsonSchema } from '../runtime/spec/schema';

export const SCHEMA_FILE = path.join(__dirname, '..', 'schemas', 'pipeline.schema.json');

export function schemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
