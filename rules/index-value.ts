/**
 * The shape every index takes: numerator and denominator kept side by side with the sample size and the evidence
 * (standards.md §9.1: never store only the ratio). `value` is null when the denominator is 0.
 */
export interface IndexValue {
  readonly indicatorId: string;
  readonly numerator: number;
  readonly denominator: number;
  /** numerator × scale ÷ denominator; null when nothing was sampled (denominator 0). */
  readonly value: number | null;
  /** What was sampled, in the unit a pack's `minSample` uses (rooms, km, trap-nights, households…). */
  readonly sampleSize: { readonly count: number; readonly unit: string };
  readonly evidence: { readonly devices: readonly string[]; readonly surveys: readonly string[] };
}

/**
 * Multiplies before dividing, so an exact ratio (7 of 100 rooms = 7 %) compares equal to the limit that the pack
 * states (7, the rodent proofing C limit): `7 * 100 / 100` is exactly 7, `7 / 100 * 100` is 7.000000000000001.
 */
export function scaledRatio(numerator: number, denominator: number, scale: number): number | null {
  return denominator === 0 ? null : (numerator * scale) / denominator;
}
