// Writes schema/<kind>.schema.json from the built package; the npm script
// builds first, so the files never come from a stale dist. Run after a
// schema change (`npm run schemas -w @diprocd/procspec`) and commit the
// result; test/schema.test.ts fails while the committed files drift.
import { writeFileSync } from 'node:fs';
import { KINDS, jsonSchema } from '../dist/index.js';

for (const kind of KINDS) {
  const file = new URL(`../schema/${kind}.schema.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(jsonSchema(kind), null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
