/**
 * Registers the service worker that precaches the app shell, onnxruntime-web's `.wasm` files, the
 * model manifest and the bundled test data, so that the app starts with the network off after one
 * visit. The build adds this module to the kiosk, the app's start page, only. Tools drive the
 * replay page in fresh browser profiles, where a precache download would disturb their timings.
 *
 * - The service worker runs no inference and never caches `.onnx` files: model bytes stay in
 *   the runtime's IndexedDB model store.
 * - On first install it takes control of the open page (`clientsClaim`), so requests of that
 *   first visit already pass through it.
 * - A new version waits until every page of the app is closed before it takes over, because it
 *   does not call `skipWaiting`. A running kiosk keeps the files of the version it started with,
 *   including worker scripts it may start again after a fault.
 * - It requests persistent storage, so the browser does not evict the precache and the model
 *   store under storage pressure. Chromium grants it without a prompt, by its own rules (for
 *   instance to an installed app), and may deny it.
 */
import { Workbox } from 'workbox-window';
import { Logger } from '../core/logger.js';

const logger = new Logger('pwa');

/** Registers `sw.js` beside the page, scoped to the app's folder, and resolves once it is registered. */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) {
    logger.warnOnce('sw-unsupported', 'This browser has no service workers, so the app needs the network at every start.');
    return undefined;
  }

  const workbox = new Workbox(new URL('sw.js', document.baseURI).href, { scope: new URL('./', document.baseURI).pathname });
  workbox.addEventListener('waiting', () =>
    logger.info('A new version of the app is installed. It takes over once every page of the app has been closed.'),
  );
  void requestPersistentStorage();
  try {
    return await workbox.register();
  } catch (error) {
    // The app works without a service worker, only not offline, so log the cause and go on.
    logger.error('Registering the service worker failed, so the app will not start offline', error);
    return undefined;
  }
}

/** Requests persistent storage for the app and logs a denial. */
async function requestPersistentStorage(): Promise<void> {
  if (navigator.storage?.persist === undefined) return;
  try {
    const persisted = await navigator.storage.persist();
    if (!persisted) logger.info('Storage is not persistent: the browser may evict the offline copy of the app and its models when space runs low.');
  } catch (error) {
    // Without persistence the app still works, and the browser may only evict its storage sooner.
    logger.error('Requesting persistent storage failed', error);
  }
}

void registerServiceWorker();
