import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests share one local stack; each creates uniquely named tables and queues.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
