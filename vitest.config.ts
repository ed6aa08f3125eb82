import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start their own Azurite and host on ephemeral ports; two cores, two workers.
    maxWorkers: 2,
    globalSetup: ['./test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // A test fails when a promise rejection goes unhandled while it runs (Node's default would end the process).
    setupFiles: ['./test/helpers/unhandled-rejections.ts'],
  },
});
