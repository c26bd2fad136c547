/**
 * Measured model profiles in IndexedDB, so a later start on the same device skips measuring.
 *
 * - The database is apart from the model store's (`profileDatabaseName`), so each has its own
 *   schema version and upgrade path, and clearing one leaves the other intact.
 * - A record is keyed by environment, role and model SHA-256 (see `core/stored-profile.ts`).
 * - Storing a record deletes the records of the same model id, role and environment with another
 *   hash: they describe a model the manifest no longer names.
 * - Records are returned as stored; the caller checks them with `storedProfileProblem`.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ProfileRole, StoredProfile } from '../core/stored-profile.js';

const STORE = 'profiles';

/** Key of a record: environment key, role, model SHA-256. */
type ProfileKey = [string, ProfileRole, string];

interface ProfileDb extends DBSchema {
  profiles: { key: ProfileKey; value: StoredProfile; indexes: { model: [string, ProfileRole, string] } };
}

/** Returns the name of the profile database that goes with a model store's database. */
export function profileDatabaseName(storeName: string): string {
  return `${storeName}-profiles`;
}

export class ProfileStore {
  private constructor(private readonly db: IDBPDatabase<ProfileDb>) {}

  static async open(name: string): Promise<ProfileStore> {
    const db = await openDB<ProfileDb>(name, 1, {
      upgrade(database) {
        const store = database.createObjectStore(STORE, { keyPath: ['environmentKey', 'role', 'sha256'] });
        store.createIndex('model', ['environmentKey', 'role', 'modelId']);
      },
    });
    return new ProfileStore(db);
  }

  /** Returns the stored record, unchecked, or undefined when there is none. */
  async get(environmentKey: string, role: ProfileRole, sha256: string): Promise<unknown> {
    return this.db.get(STORE, [environmentKey, role, sha256]);
  }

  /** Stores the records in one transaction, replacing older records of the same models. */
  async put(records: readonly StoredProfile[]): Promise<void> {
    const transaction = this.db.transaction(STORE, 'readwrite');
    for (const record of records) {
      const keys = await transaction.store.index('model').getAllKeys([record.environmentKey, record.role, record.modelId]);
      for (const key of keys) {
        if (key[2] !== record.sha256) await transaction.store.delete(key);
      }
      await transaction.store.put(record);
    }
    await transaction.done;
  }

  /** Returns every stored record, for diagnostics and tests. */
  async all(): Promise<StoredProfile[]> {
    return this.db.getAll(STORE);
  }

  close(): void {
    this.db.close();
  }
}
