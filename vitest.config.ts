import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; cross-service tests live in test/ and start real services
// (influxd, the broker on port 0). Files run in parallel across 2 workers (the machines have 2 cores), except the
// fault suite: it compares millisecond PUBACK latencies with and without a flood (issue 6), so it runs last and
// alone, once every other file has finished, instead of competing with them for the two cores.
const FAULTS = 'test/faults/**/*.test.ts';
export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'data/**', FAULTS], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'faults', include: [FAULTS], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
