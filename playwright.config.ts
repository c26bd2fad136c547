import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './tools/ensure.mjs';

const port = Number(process.env.PREVIEW_PORT ?? 4174);

/**
 * Browser tests run against the production build served by Vite's preview server on 127.0.0.1,
 * in Debian's Chromium (Playwright's own browser download is not reachable here). One worker:
 * the machine has two cores and each test starts onnxruntime-web in two workers.
 */
export default defineConfig({
  testDir: 'test/browser',
  fullyParallel: false,
  workers: 1,
  timeout: 5 * 60 * 1000,
  expect: { timeout: 60 * 1000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60 * 1000,
  },
});
