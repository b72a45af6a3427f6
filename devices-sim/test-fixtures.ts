/** Shared by the simulator's tests: the demo reference data, read as the CLI reads it. */
import { readFileSync } from 'node:fs';
import { ReferenceDataSchema, type ReferenceData } from '../contracts/registry.ts';

export function demoReference(): ReferenceData {
  const path = new URL('../registry/seed/demo.json', import.meta.url);
  return ReferenceDataSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Epoch ms of a local (Asia/Shanghai) wall-clock time. */
export const shanghai = (isoLocal: string): number => Date.parse(`${isoLocal}+08:00`);
