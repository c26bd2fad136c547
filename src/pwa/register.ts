/**
 * Registers the service worker that precaches the app shell, onnxruntime-web's `.wasm` files, the
 * model manifest and the bundled test data, so that the app starts with the network off after one
 * visit. The build adds this module to the app's pages (not to the benchmark page).
 *
 * - The service worker runs no inference and never caches `.onnx` files: model bytes stay in
 *   the runtime's IndexedDB model store.
 * - On first install it takes control of the open page (`clientsClaim`), so requests of that
 *   first visit already pass through it.
 * - A new version waits until every page of the app is closed before it takes over (no
 *   `skipWaiting`): a running kiosk keeps the files of the version it started with, including
 *   worker scripts it may start again after a fault.
 */
import { Workbox } from 'workbox-window';
import { Logger } from '../core/logger.js';

const logger = new Logger('pwa');

/** Registers `sw.js` beside the page, scoped to the app's folder; resolves once registered. */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) {
    logger.warnOnce('sw-unsupported', 'This browser has no service workers, so the app needs the network at every start.');
    return undefined;
  }

  const workbox = new Workbox(new URL('sw.js', document.baseURI).href, { scope: new URL('./', document.baseURI).pathname });
  workbox.addEventListener('waiting', () =>
    logger.info('A new version of the app is installed; it takes over once every page of the app has been closed.'),
  );
  try {
    return await workbox.register();
  } catch (error) {
    // The app works without a service worker, only not offline; say why and carry on.
    logger.error('Registering the service worker failed, so the app will not start offline', error);
    return undefined;
  }
}

void registerServiceWorker();
