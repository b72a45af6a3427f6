/** The demo reference data shipped in the repo (2 districts of Guangzhou, 4 contractors, 16 sites). */
import { readFileSync } from 'node:fs';
import { ReferenceDataSchema, type ReferenceData } from '../contracts/registry.ts';

export const DEMO_REFERENCE_PATH = new URL('./seed/demo.json', import.meta.url);

export function loadDemoReference(): ReferenceData {
  return ReferenceDataSchema.parse(JSON.parse(readFileSync(DEMO_REFERENCE_PATH, 'utf8')));
}
