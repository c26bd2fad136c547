/**
 * Entry point of the replay page (`replay.html`). Besides the `<sneakpeek-replay>` element, it
 * publishes the public API as `window.sneakpeek`, so DevTools and Playwright scripts can create
 * runtimes of their own.
 */
import * as api from '../index.js';
import './replay-app.js';

declare global {
  interface Window {
    sneakpeek: typeof api;
  }
}

window.sneakpeek = api;
