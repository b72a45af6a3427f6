import { describe, expect, it } from 'vitest';
import { evaluateCondition, validateCondition, type ConditionDecision, type ConditionParams, type ConditionState } from './condition.ts';
import { AlertError } from './errors.ts';

const MIN = 60_000;
const above = (threshold: number, inclusive = false): ConditionParams['fire'] => ({ threshold, direction: 'above', inclusive });
const below = (threshold: number, inclusive = false): ConditionParams['fire'] => ({ threshold, direction: 'below', inclusive });

/** Runs values observed one minute apart (or at explicit times) and returns the decisions. */
function run(params: ConditionParams, values: readonly (number | [number, number])[]): ConditionDecision[] {
  let state: ConditionState | undefined;
  return values.map((v, i) => {
    const [value, atMs] = Array.isArray(v) ? v : [v, i * MIN];
    const r = evaluateCondition(params, state, { value, atMs });
    state = r.state;
    return r.decision;
  });
}

interface Row {
  name: string;
  params: ConditionParams;
  values: (number | [number, number])[];
  expected: ConditionDecision[];
}

const rows: Row[] = [
  { name: 'above, exclusive: the limit itself does not fire', params: { fire: above(5) }, values: [5, 5.01, 5.2], expected: ['none', 'fire', 'update'] },
  { name: 'above, inclusive: the limit itself fires', params: { fire: above(5, true) }, values: [4.99, 5], expected: ['none', 'fire'] },
  { name: 'below, exclusive (tap residual chlorine < 0.05)', params: { fire: below(0.05) }, values: [0.05, 0.04, 0.2], expected: ['none', 'fire', 'clear'] },
  { name: 'below, inclusive', params: { fire: below(15, true) }, values: [16, 15, 14], expected: ['none', 'fire', 'update'] },
  { name: 'no clear threshold: clears as soon as the fire condition fails', params: { fire: above(5) }, values: [6, 5, 6], expected: ['fire', 'clear', 'fire'] },
  {
    name: 'wobble 4.9/5.1 around 5 with clear at 4.5: exactly one fire, no clear',
    params: { fire: above(5), clear: { threshold: 4.5 } },
    values: [4.9, 5.1, 4.9, 5.1, 4.9, 5.1, 4.9],
    expected: ['none', 'fire', 'none', 'update', 'none', 'update', 'none'],
  },
  {
    name: 'hysteresis: clears only strictly past the clear threshold',
    params: { fire: above(5), clear: { threshold: 4.5 } },
    values: [6, 4.5, 4.49],
    expected: ['fire', 'none', 'clear'],
  },
  {
    name: 'hysteresis below: battery low under 15, clear above 25',
    params: { fire: below(15), clear: { threshold: 25 } },
    values: [14, 20, 16, 26],
    expected: ['fire', 'none', 'none', 'clear'],
  },
  {
    name: 'hold time: fires once the breach has lasted holdMs',
    params: { fire: above(5), holdMs: 10 * MIN },
    values: [[6, 0], [6, 5 * MIN], [6, 10 * MIN], [6, 11 * MIN]],
    expected: ['none', 'none', 'fire', 'update'],
  },
  {
    name: 'hold time: an interruption restarts the pending period',
    params: { fire: above(5), holdMs: 10 * MIN },
    values: [[6, 0], [4, 5 * MIN], [6, 6 * MIN], [6, 15 * MIN], [6, 16 * MIN]],
    expected: ['none', 'none', 'none', 'none', 'fire'],
  },
  {
    name: 'clear hold time: a value back in the band restarts the clear period',
    params: { fire: above(5), clear: { threshold: 4.5 }, clearHoldMs: 10 * MIN },
    values: [[6, 0], [4, 1 * MIN], [4.8, 5 * MIN], [4, 6 * MIN], [4, 15 * MIN], [4, 16 * MIN]],
    expected: ['fire', 'none', 'none', 'none', 'none', 'clear'],
  },
  {
    name: 'wobbling with hold time never fires when no breach lasts long enough',
    params: { fire: above(5), holdMs: 3 * MIN },
    values: [5.1, 4.9, 5.1, 4.9, 5.1, 4.9],
    expected: ['none', 'none', 'none', 'none', 'none', 'none'],
  },
  {
    name: 'stale and duplicate observations are ignored',
    params: { fire: above(5) },
    values: [[6, 10 * MIN], [4, 5 * MIN], [4, 10 * MIN], [4, 11 * MIN]],
    expected: ['fire', 'none', 'none', 'clear'],
  },
];

describe('evaluateCondition', () => {
  it.each(rows)('$name', ({ params, values, expected }) => {
    validateCondition(params);
    expect(run(params, values)).toEqual(expected);
  });

  it('counts fires and clears over a long wobble: one fire, zero clears', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 5.1 : 4.9));
    const decisions = run({ fire: above(5), clear: { threshold: 4.5 } }, values);
    expect(decisions.filter((d) => d === 'fire')).toHaveLength(1);
    expect(decisions.filter((d) => d === 'clear')).toHaveLength(0);
  });

  it('without hysteresis the same wobble flaps (why the clear threshold exists)', () => {
    const decisions = run({ fire: above(5) }, [5.1, 4.9, 5.1, 4.9]);
    expect(decisions).toEqual(['fire', 'clear', 'fire', 'clear']);
  });

  it('returns the previous state unchanged for a stale observation', () => {
    const first = evaluateCondition({ fire: above(5) }, undefined, { value: 6, atMs: 1000 });
    const stale = evaluateCondition({ fire: above(5) }, first.state, { value: 1, atMs: 999 });
    expect(stale.stale).toBe(true);
    expect(stale.state).toBe(first.state);
  });

  it('refuses non-finite values', () => {
    expect(() => evaluateCondition({ fire: above(5) }, undefined, { value: Number.NaN, atMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ALERT_INPUT_INVALID' }),
    );
  });
});

describe('validateCondition', () => {
  it.each<[string, ConditionParams]>([
    ['clear above an above-threshold', { fire: above(5), clear: { threshold: 6 } }],
    ['clear below a below-threshold', { fire: below(15), clear: { threshold: 10 } }],
    ['negative hold', { fire: above(5), holdMs: -1 }],
    ['NaN threshold', { fire: above(Number.NaN) }],
  ])('refuses %s with ALERT_RULE_INVALID', (_name, params) => {
    let caught: unknown;
    try {
      validateCondition(params);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AlertError);
    expect((caught as AlertError).code).toBe('ALERT_RULE_INVALID');
  });
});
