/** The files published under docs/contract/, as text (pure: the script writes them, a test compares them). */
import { contractJsonSchemas } from './json-schema.ts';
import { TELEMETRY_EXAMPLES } from './examples.ts';

export function contractFiles(): Record<string, string> {
  const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
  return {
    'device-contract-v1.schema.json': json(contractJsonSchemas()),
    'examples-v1.json': json(TELEMETRY_EXAMPLES),
  };
}
