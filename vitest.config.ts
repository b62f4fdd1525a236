import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests share one local stack; each creates uniquely named tables and queues.
    testTimeout: 30_000,
    // Two files at a time, on any machine: the long integration files mostly wait on visibility
    // timeouts, so two overlap well on a 2-core machine (vitest's default there is one), and more
    // would load DynamoDB Local and the function workers enough to stretch timing-sensitive runs.
    maxWorkers: 2,
    hookTimeout: 60_000,
  },
});
