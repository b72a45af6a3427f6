import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractFiles } from './contract-files.ts';

describe('published device contract', () => {
  it.each(Object.entries(contractFiles()))('docs/contract/%s matches the zod source (run `npm run gen:contract`)', (name, text) => {
    expect(readFileSync(new URL(`../docs/contract/${name}`, import.meta.url), 'utf8')).toBe(text);
  });
});
