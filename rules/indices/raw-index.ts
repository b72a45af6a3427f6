import type { IndexValue } from '../index-value.ts';
import type { IndexInput } from './inputs.ts';

/** What a calculator returns: the ratio's parts; `computeIndices` adds the id and the scaled value. */
export type RawIndex = Omit<IndexValue, 'indicatorId' | 'value'>;

/** null: nothing in the input bears on this index (no device of that kind reported, no survey of that kind). */
export type Calculator = (input: IndexInput) => RawIndex | null;
