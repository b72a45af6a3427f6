import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; cross-service tests live in test/ and start real services
// (influxd, the broker on port 0). Files run in parallel across 2 workers (the machines have 2 cores).
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
