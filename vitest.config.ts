import { defineConfig } from 'vitest/config';

// Unit tests of the pure-TypeScript core and of the trained models run in Node. Browser tests
// live in test/browser and run under Playwright instead.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/core/**/*.test.ts', 'test/models/**/*.test.ts'],
  },
});
