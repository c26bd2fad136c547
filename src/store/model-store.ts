/**
 * Model bytes in IndexedDB, keyed by SHA-256, so each model is downloaded once.
 *
 * - Bytes are hashed before every use, whether they came from the network or from IndexedDB.
 * - A stored entry whose hash no longer matches is deleted and fetched again.
 * - Entries of the same model id with another hash (an older manifest) are deleted when the new
 *   bytes are stored.
 * - When IndexedDB refuses to store (quota, private mode), the downloaded bytes are used anyway
 *   and the failure is reported through `onWarning`.
 * - When IndexedDB cannot be opened or read at all, every model is downloaded, with a warning.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ModelSource } from '../protocol/messages.js';

const STORE = 'models';

interface StoredModel {
  sha256: string;
  modelId: string;
  url: string;
  bytes: ArrayBuffer;
  storedAt: number;
}

interface ModelDb extends DBSchema {
  models: { key: string; value: StoredModel; indexes: { modelId: string } };
}

/** Reference to one model file: id, URL, expected hash and size. */
export interface ModelFileRef {
  modelId: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface LoadedBytes {
  bytes: ArrayBuffer;
  source: ModelSource;
}

export interface LoadCallbacks {
  /** Download progress in [0, 1]; called only for network loads. */
  onProgress?: (fraction: number) => void;
  onWarning?: (code: string, message: string) => void;
}

export class ModelStore {
  /** `db` is undefined when IndexedDB could not be opened: the store then only downloads. */
  private constructor(private readonly db: IDBPDatabase<ModelDb> | undefined) {}

  /**
   * Opens the database `name`. When IndexedDB cannot open it (storage disabled, a database of a
   * newer version under the same name), returns a store that downloads every model and warns.
   */
  static async open(name: string, onWarning?: (code: string, message: string) => void): Promise<ModelStore> {
    try {
      const db = await openDB<ModelDb>(name, 1, {
        upgrade(database) {
          const store = database.createObjectStore(STORE, { keyPath: 'sha256' });
          store.createIndex('modelId', 'modelId');
        },
      });
      return new ModelStore(db);
    } catch (error) {
      onWarning?.(
        'model-store-unavailable',
        `could not open the model store "${name}" in IndexedDB (${describe(error)}); every model is downloaded at every start. ` +
          'Pass another storeName, or clear this site\'s data if an incompatible database has that name.',
      );
      return new ModelStore(undefined);
    }
  }

  /** Returns the model's verified bytes, from IndexedDB when present, else from the network. */
  async load(ref: ModelFileRef, callbacks: LoadCallbacks = {}): Promise<LoadedBytes> {
    const stored = await this.readStored(ref, callbacks);
    if (stored !== undefined) {
      const actual = await sha256Hex(stored.bytes);
      if (actual === ref.sha256) return { bytes: stored.bytes, source: 'indexeddb' };
      callbacks.onWarning?.(
        'stored-model-corrupt',
        `IndexedDB copy of "${ref.modelId}" hashes to ${actual}, not ${ref.sha256}; deleted it and downloading again`,
      );
      // Safe to ignore a failure: the entry is overwritten below, or ignored again at the next start.
      await this.db?.delete(STORE, ref.sha256).catch(() => undefined);
    }

    const bytes = await download(ref, callbacks.onProgress);
    const actual = await sha256Hex(bytes);
    if (actual !== ref.sha256) {
      throw new Error(
        `Model "${ref.modelId}" from ${ref.url} has SHA-256 ${actual}, but the manifest expects ${ref.sha256}; ` +
          'retrain and rewrite the manifest with `npm run train`, or restore the file the manifest describes.',
      );
    }

    await this.replace(ref, bytes).catch((error: unknown) => {
      // Safe to continue: the bytes are verified, only the next start will download them again.
      const described = describe(error);
      const cause = isQuotaError(error)
        ? 'because the storage quota is exhausted; free space by clearing old site data, or allow persistent storage'
        : `(${described})`;
      callbacks.onWarning?.(
        'model-store-write-failed',
        `could not store "${ref.modelId}" (${ref.bytes} bytes) in IndexedDB ${cause}. The runtime is using the downloaded bytes and downloads them again at the next start. Error: ${described}`,
      );
    });
    return { bytes, source: 'network' };
  }

  /** Ids of the models stored, for diagnostics and tests. */
  async storedModelIds(): Promise<string[]> {
    const entries = (await this.db?.getAll(STORE)) ?? [];
    return entries.map((entry) => entry.modelId);
  }

  close(): void {
    this.db?.close();
  }

  /** Returns the stored entry for `ref`'s hash, or undefined when there is none or it cannot be read. */
  private async readStored(ref: ModelFileRef, callbacks: LoadCallbacks): Promise<StoredModel | undefined> {
    if (this.db === undefined) return undefined;
    try {
      return await this.db.get(STORE, ref.sha256);
    } catch (error) {
      // Safe to continue: the model is downloaded and verified instead.
      callbacks.onWarning?.('model-store-read-failed', `reading "${ref.modelId}" from IndexedDB failed (${describe(error)}); downloading it`);
      return undefined;
    }
  }

  private async replace(ref: ModelFileRef, bytes: ArrayBuffer): Promise<void> {
    if (this.db === undefined) return;
    const transaction = this.db.transaction(STORE, 'readwrite');
    const stale = await transaction.store.index('modelId').getAllKeys(ref.modelId);
    for (const key of stale) {
      if (key !== ref.sha256) await transaction.store.delete(key);
    }
    await transaction.store.put({ sha256: ref.sha256, modelId: ref.modelId, url: ref.url, bytes, storedAt: Date.now() });
    await transaction.done;
  }
}

async function download(ref: ModelFileRef, onProgress?: (fraction: number) => void): Promise<ArrayBuffer> {
  const response = await fetch(ref.url).catch((error: unknown) => {
    throw new Error(`Could not fetch model "${ref.modelId}" from ${ref.url}: ${String(error)}; check the URL and the network.`, {
      cause: error,
    });
  });
  if (!response.ok) {
    throw new Error(
      `Fetching model "${ref.modelId}" from ${ref.url} failed with HTTP ${response.status}; check the file path in the manifest.`,
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('text/html')) {
    throw new Error(
      `Model "${ref.modelId}" URL ${ref.url} returned an HTML page (content-type ${contentType}), not an ONNX file; ` +
        'the path in the manifest is probably wrong and the server returned its fallback page.',
    );
  }

  const bytes = await readWithProgress(response, ref.bytes, onProgress);
  if (looksLikeHtml(bytes)) {
    throw new Error(
      `Model "${ref.modelId}" URL ${ref.url} returned text starting with "<", an HTML page rather than an ONNX file; fix the path in the manifest.`,
    );
  }
  if (bytes.byteLength !== ref.bytes) {
    throw new Error(
      `Model "${ref.modelId}" from ${ref.url} is ${bytes.byteLength} bytes, but the manifest expects ${ref.bytes}; ` +
        'retrain and rewrite the manifest with `npm run train`, or restore the file the manifest describes.',
    );
  }
  return bytes;
}

async function readWithProgress(response: Response, expected: number, onProgress?: (fraction: number) => void): Promise<ArrayBuffer> {
  if (response.body === null || onProgress === undefined) return response.arrayBuffer();

  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(Math.min(1, received / Math.max(1, expected)));
  }

  const joined = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined.buffer;
}

function looksLikeHtml(bytes: ArrayBuffer): boolean {
  const head = new TextDecoder().decode(new Uint8Array(bytes, 0, Math.min(64, bytes.byteLength))).trimStart();
  return head.startsWith('<');
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Returns whether a failed IndexedDB write ran out of quota (Chromium names it `QuotaExceededError`). */
function isQuotaError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'QuotaExceededError' || (error instanceof DOMException && error.code === DOMException.QUOTA_EXCEEDED_ERR);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
