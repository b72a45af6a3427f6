/**
 * A fast path for `TelemetrySchema.safeParse` on the ingest hot path (issue 7: zod was ~10 % of the broker process at
 * 10,000 readings/s). At load it compiles the contract's own zod schemas (telemetry.ts) into plain checks — literals,
 * numbers with their integer and range checks, booleans, enums, optionals, strict objects, unions, the `kind`
 * discriminator — and any part it does not know (the ISO `ts` string, the species record with its refinement) is
 * handed to that part's own zod schema. So the schema stays the single source of truth.
 *
 * It only ever *accepts*: `fastParseTelemetry(json)` returns the reading when it is valid, or `undefined` when it is
 * not or when the fast path is unsure; the caller then runs the full `TelemetrySchema.safeParse`, which decides and
 * words the refusal exactly as before. Accepting is sound by construction — every check is zod's own, same bounds,
 * same inclusiveness — and `telemetry-fast-check.test.ts` checks it against zod on generated readings and mutations:
 * whatever this accepts, zod accepts with equal data.
 *
 * The returned reading is the parsed JSON object itself (strict objects strip nothing, so zod's copy would be equal):
 * one object fewer per reading.
 */
import type { z } from 'zod';
import { TelemetrySchema, type Telemetry } from './telemetry.ts';

/** Returned by a check that does not accept its input. */
const NO: unique symbol = Symbol('no');
type Check = (value: unknown) => unknown;

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; format?: string; value?: number; inclusive?: boolean; pattern?: RegExp; fn?: unknown; when?: unknown } } }[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  mode?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The part's own zod schema decides: slow, exact. */
function delegate(schema: z.ZodType): Check {
  return (value) => {
    const r = schema.safeParse(value);
    return r.success ? r.data : NO;
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JavaScript boolean expression over `x` that is true exactly when zod accepts `x` for this schema and returns it
 * unchanged; null when the schema needs more than an expression (objects, unions, unknown parts).
 */
function inlineTest(schema: z.ZodType): string | null {
  const def = defOf(schema);
  const isPrimitive = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  switch (def.type) {
    case 'literal':
    case 'enum': {
      const values = def.type === 'literal' ? (def.values ?? []) : Object.values(def.entries ?? {});
      if (values.length === 0 || !values.every(isPrimitive)) return null;
      return `(${values.map((v) => `x === ${JSON.stringify(v)}`).join(' || ')})`;
    }
    case 'boolean':
      return def.checks?.length ? null : `(typeof x === 'boolean')`;
    case 'number': {
      let integer = false;
      let min = -Infinity;
      let minInclusive = true;
      let max = Infinity;
      let maxInclusive = true;
      for (const c of def.checks ?? []) {
        const d = c._zod.def;
        if (d.check === 'number_format' && d.format === 'safeint') integer = true;
        else if (d.check === 'number_format' && d.format === 'float64') continue;
        else if (d.check === 'greater_than' && typeof d.value === 'number' && Number.isFinite(d.value)) {
          // Several bounds: the tightest wins; at equal values, exclusive beats inclusive.
          if (d.value > min) (min = d.value), (minInclusive = d.inclusive === true);
          else if (d.value === min) minInclusive &&= d.inclusive === true;
        } else if (d.check === 'less_than' && typeof d.value === 'number' && Number.isFinite(d.value)) {
          if (d.value < max) (max = d.value), (maxInclusive = d.inclusive === true);
          else if (d.value === max) maxInclusive &&= d.inclusive === true;
        } else return null;
      }
      const parts = [`typeof x === 'number'`, integer ? 'Number.isSafeInteger(x)' : 'Number.isFinite(x)'];
      if (min !== -Infinity) parts.push(`x ${minInclusive ? '>=' : '>'} ${min}`);
      if (max !== Infinity) parts.push(`x ${maxInclusive ? '<=' : '<'} ${max}`);
      return `(${parts.join(' && ')})`;
    }
    default:
      return null;
  }
}

/** A compiled check for any schema: generated code for strict objects and unions, zod itself for the rest. */
function compile(schema: z.ZodType): Check {
  const def = defOf(schema);
  const test = inlineTest(schema);
  if (test !== null) return new Function('NO', `return function (x) { return ${test} ? x : NO; };`)(NO) as Check;
  if (def.type === 'union' && !def.checks?.length && def.discriminator === undefined) {
    const options = (def.options ?? []).map((o) => {
      const t = defOf(o).type;
      const check = compile(o);
      // zod's answer for a string schema on a non-string is always no: do not ask it.
      return t === 'string' ? (x: unknown) => (typeof x === 'string' ? check(x) : NO) : check;
    });
    return (x) => {
      for (const option of options) {
        const checked = option(x);
        if (checked !== NO) return checked;
      }
      return NO;
    };
  }
  if (def.type === 'record') return compileRecord(schema, def);
  if (def.type === 'object' && !def.checks?.length && def.shape !== undefined && def.catchall !== undefined && defOf(def.catchall).type === 'never') {
    return compileStrictObject(def.shape);
  }
  return delegate(schema);
}

/**
 * Strict objects: every own key known, every required key present, every value accepted. Nothing is stripped, so
 * the input itself is the output (or a shallow copy when a part's zod schema returned a copy of its value).
 */
function compileStrictObject(shape: Record<string, z.ZodType>): Check {
  const sub: Check[] = [];
  const lines: string[] = [];
  for (const [key, fieldSchema] of Object.entries(shape)) {
    const optional = defOf(fieldSchema).type === 'optional';
    const inner = optional ? defOf(fieldSchema).innerType! : fieldSchema;
    const test = inlineTest(inner);
    const k = JSON.stringify(key);
    const check =
      test !== null
        ? `if (!(${test})) return NO;`
        : `r = sub[${sub.push(compile(inner)) - 1}](x); if (r === NO) return NO; if (r !== x) { if (out === undefined) out = { ...v }; out[${k}] = r; }`;
    lines.push(`x = v[${k}]; if (x === undefined) { ${optional ? '' : 'return NO;'} } else { ${check} n++; }`);
  }
  const known = Object.keys(shape).map((key) => `case ${JSON.stringify(key)}:`).join(' ');
  const source = `return function (v) {
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return NO;
    let n = 0, x, r, out;
    ${lines.join('\n    ')}
    const keys = Object.keys(v);
    if (keys.length !== n) return NO;
    for (let i = 0; i < keys.length; i++) { switch (keys[i]) { ${known} break; default: return NO; } }
    return out === undefined ? v : out;
  };`;
  return new Function('NO', 'sub', source)(NO, sub) as Check;
}

/**
 * Records whose keys are plain strings checked by regular expressions (the species counts of sticky boards), whose
 * values are inline-checkable and whose own checks are refinements: accepted only when every key and value passes
 * and every refinement returns `true`. Anything zod would treat specially — `__proto__`, non-enumerable or symbol
 * keys, numeric-key retries — is left to zod.
 */
function compileRecord(schema: z.ZodType, def: Def): Check {
  const keyDef = def.keyType ? defOf(def.keyType) : undefined;
  const valueTest = def.valueType ? inlineTest(def.valueType) : null;
  const keyPatterns: RegExp[] = [];
  const keyChecksOk = (keyDef?.checks ?? []).every((c) => {
    const d = c._zod.def;
    if (d.check !== 'string_format' || d.format !== 'regex' || !(d.pattern instanceof RegExp) || /[gy]/.test(d.pattern.flags)) return false;
    keyPatterns.push(d.pattern);
    return true;
  });
  const refinements = (def.checks ?? []).map((c) => c._zod.def);
  const refinementsOk = refinements.every((d) => d.check === 'custom' && typeof d.fn === 'function' && d.when === undefined);
  const keyValues = (def.keyType as unknown as { _zod: { values?: unknown } } | undefined)?._zod.values;
  if (keyDef?.type !== 'string' || keyValues !== undefined || !keyChecksOk || valueTest === null || !refinementsOk || (def.mode !== undefined && def.mode !== 'strict')) {
    return delegate(schema);
  }
  const valueOk = new Function('x', `return ${valueTest};`) as (x: unknown) => boolean;
  const fns = refinements.map((d) => d.fn as (v: unknown) => unknown);
  // Keys that passed every pattern: they repeat (species names), and a Set lookup is cheaper than the expressions.
  // The patterns are neither global nor sticky, so a key's verdict never changes.
  const keysOk = new Set<string>();
  return (v) => {
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return NO;
    const keys = Object.keys(v);
    if (Reflect.ownKeys(v).length !== keys.length) return NO;
    for (const key of keys) {
      if (key === '__proto__') return NO;
      if (!keysOk.has(key)) {
        for (const pattern of keyPatterns) if (!pattern.test(key)) return NO;
        if (keysOk.size >= 10_000) keysOk.clear(); // a bound: the keys come from devices
        keysOk.add(key);
      }
      if (!valueOk((v as Record<string, unknown>)[key])) return NO;
    }
    for (const fn of fns) if (fn(v) !== true) return NO;
    return v;
  };
}

/** `kind` → the compiled check of that kind's schema. */
function compileTelemetry(): (json: unknown) => unknown {
  const def = defOf(TelemetrySchema as unknown as z.ZodType);
  const key = def.discriminator;
  if (def.type !== 'union' || key === undefined || def.checks?.length) return delegate(TelemetrySchema as unknown as z.ZodType);
  const byKind = new Map<unknown, Check>();
  for (const option of def.options ?? []) {
    const discriminant = defOf(option).shape?.[key];
    const values = discriminant && defOf(discriminant).type === 'literal' ? (defOf(discriminant).values ?? []) : [];
    if (values.length === 0) return delegate(TelemetrySchema as unknown as z.ZodType);
    for (const value of values) byKind.set(value, compile(option));
  }
  return (json) => {
    if (!isPlainObject(json)) return NO;
    const check = byKind.get(json[key]);
    return check === undefined ? NO : check(json);
  };
}

const fastCheck = compileTelemetry();

/**
 * The reading if `json` is valid telemetry; `undefined` if it is not, or if only the full parse can tell: then run
 * `TelemetrySchema.safeParse(json)` for the verdict and its issues.
 */
export function fastParseTelemetry(json: unknown): Telemetry | undefined {
  const checked = fastCheck(json);
  return checked === NO ? undefined : (checked as Telemetry);
}

/**
 * The contract's verdict on parsed JSON, as `TelemetrySchema.safeParse` gives it: the fast path when it accepts, the
 * full parse otherwise (which decides and words any refusal). A fast path that throws counts as unsure.
 */
export function parseTelemetry(json: unknown): ReturnType<typeof TelemetrySchema.safeParse> {
  let reading: Telemetry | undefined;
  try {
    reading = fastParseTelemetry(json);
  } catch {
    reading = undefined;
  }
  return reading !== undefined ? ({ success: true, data: reading } as ReturnType<typeof TelemetrySchema.safeParse>) : TelemetrySchema.safeParse(json);
}
