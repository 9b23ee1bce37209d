import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Forks isolate native pg handles and process signal listeners between files.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
