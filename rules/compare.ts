/** The four comparisons rule packs use, spelled as in the data files. */
export type ComparisonOp = 'le' | 'lt' | 'ge' | 'gt';

/** `compare(v, 'le', 5)` is `v ≤ 5`. No tolerance: limits are compared exactly as the pack states them. */
export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case 'le':
      return value <= threshold;
    case 'lt':
      return value < threshold;
    case 'ge':
      return value >= threshold;
    case 'gt':
      return value > threshold;
  }
}
