/** Shared steps of the browser tests: open the app without autorun and reach its public API. */
import type { Page } from '@playwright/test';

/** Opens the replay page so that `window.sneakpeek` exists and no replay starts on its own. */
export async function openApp(page: Page): Promise<void> {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  await page.goto('./replay.html');
  await page.waitForFunction(() => window.sneakpeek !== undefined);
}

/** Returns a database name no earlier test used, so each test starts with an empty model store. */
export function freshStoreName(label: string): string {
  return `test-${label}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

/** Reads a JSON file from the models folder as the page sees it. */
export async function fetchModelsJson<T>(page: Page, file: string): Promise<T> {
  return page.evaluate(async (path) => (await fetch(new URL(`models/${path}`, document.baseURI))).json(), file) as Promise<T>;
}
