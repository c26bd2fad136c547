/**
 * Renders the web app manifest's PNG icons from their SVG sources in public/icons with Chromium,
 * so the artwork lives in two small SVG files. Run after changing an SVG:
 * `npx tsx tools/render-icons.ts`. Runs in Node; the app never imports it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './ensure.mjs';

const iconsDir = resolve(import.meta.dirname, '../public/icons');

/** Each PNG of the manifest: its SVG source and edge length in pixels. */
const ICONS = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
];

const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await browser.newPage();
  for (const icon of ICONS) {
    const svg = readFileSync(resolve(iconsDir, icon.svg), 'utf8');
    await page.setViewportSize({ width: icon.size, height: icon.size });
    await page.setContent(`<style>html,body{margin:0}svg{display:block;width:${icon.size}px;height:${icon.size}px}</style>${svg}`);
    // Transparent outside the artwork, so the rounded corners of icon.svg stay round.
    await page.screenshot({ path: resolve(iconsDir, icon.png), omitBackground: true });
    console.log(`wrote public/icons/${icon.png} (${icon.size}×${icon.size})`);
  }
} finally {
  await browser.close();
}
