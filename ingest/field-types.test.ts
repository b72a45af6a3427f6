import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEVICE_KINDS, TELEMETRY_SCHEMAS } from '../contracts/telemetry.ts';
import { FIELD_TYPES, type FieldType } from './field-types.ts';

/** What the zod schema says a field's InfluxDB type must be. */
function typeFromSchema(schema: z.ZodType): FieldType | 'unknown' {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof z.ZodNumber) return inner.isInt ? 'integer' : 'float';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodEnum || inner instanceof z.ZodString) return 'string';
  if (inner instanceof z.ZodObject) {
    const all = Object.values(inner.shape as Record<string, z.ZodType>).every((s) => typeFromSchema(s) === 'integer');
    return all ? 'integerMap' : 'unknown';
  }
  if (inner instanceof z.ZodRecord) return typeFromSchema(inner.valueType as z.ZodType) === 'integer' ? 'integerMap' : 'unknown';
  return 'unknown';
}

describe('FIELD_TYPES', () => {
  it.each(DEVICE_KINDS)('matches the zod schema of %s field for field', (kind) => {
    const shape = TELEMETRY_SCHEMAS[kind].shape as Record<string, z.ZodType>;
    const fromSchema = Object.fromEntries(
      Object.entries(shape)
        .filter(([key]) => !['v', 'kind', 'ts'].includes(key))
        .map(([key, s]) => [key, typeFromSchema(s)]),
    );
    expect(FIELD_TYPES[kind]).toEqual(fromSchema);
  });
});
