/**
 * Writes the published device contract (JSON Schema generated from contracts/, plus one example per kind) to
 * docs/contract/. `npm run gen:contract`; a test fails when the committed files differ from what this generates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { contractFiles } from '../contracts/contract-files.ts';

const dir = new URL('../docs/contract/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(contractFiles())) {
  writeFileSync(new URL(name, dir), text);
  console.log(`wrote docs/contract/${name}`);
}
