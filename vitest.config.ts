import { defineConfig } from 'vitest/config';

// Unit tests of the pure-TypeScript core, the trained models and the command-line tools run in
// Node. Browser tests live in test/browser and run under Playwright instead.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/core/**/*.test.ts', 'test/models/**/*.test.ts', 'test/tools/**/*.test.ts'],
  },
});
