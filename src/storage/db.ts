// The widget's IndexedDB: the non-extractable device signing key, consent records and small
// preferences (chosen camera). Versioned upgrades: add a step, never edit a shipped one.

import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { generateDeviceKeyPair } from '../crypto/keys';

export const DB_NAME = 'face-verify';
export const DB_VERSION = 1;

export interface DeviceKeyRecord {
  id: 'device';
  /** privateKey is non-extractable; IndexedDB stores the CryptoKey object itself. */
  keyPair: CryptoKeyPair;
  createdAt: number;
}

/** A consent decision as the widget recorded it on this device. */
export interface LocalConsent {
  id?: number;
  /** '' when the person is not known yet (identify). */
  subject: string;
  /** SHA-256 of the policy text (hex); a different version requires fresh consent. */
  policyVersion: string;
  purposes: string[];
  sensitive: boolean;
  guardian: boolean;
  outcome: 'accepted' | 'declined';
  mode: string;
  lang: string;
  at: number;
}

export interface Preferences {
  cameraId: string;
}

interface FaceVerifyDB extends DBSchema {
  keys: { key: 'device'; value: DeviceKeyRecord };
  consents: {
    key: number;
    value: LocalConsent;
    indexes: { 'by-subject-policy': [string, string] };
  };
  prefs: { key: string; value: unknown };
}

export class LocalStore {
  private constructor(private readonly db: IDBPDatabase<FaceVerifyDB>) {}

  static async open(name: string = DB_NAME): Promise<LocalStore> {
    const db = await openDB<FaceVerifyDB>(name, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('keys', { keyPath: 'id' });
          const consents = database.createObjectStore('consents', {
            keyPath: 'id',
            autoIncrement: true,
          });
          consents.createIndex('by-subject-policy', ['subject', 'policyVersion']);
          database.createObjectStore('prefs');
        }
      },
    });
    return new LocalStore(db);
  }

  /** Returns the device key, creating it once. Concurrent callers get the same pair. */
  async deviceKey(now: number = Date.now()): Promise<CryptoKeyPair> {
    const existing = await this.db.get('keys', 'device');
    if (existing) return existing.keyPair;
    const keyPair = await generateDeviceKeyPair();
    // add() fails if another tab won the race; then use theirs.
    try {
      await this.db.add('keys', { id: 'device', keyPair, createdAt: now });
      return keyPair;
    } catch {
      const winner = await this.db.get('keys', 'device');
      if (!winner) throw new Error('device key could not be stored');
      return winner.keyPair;
    }
  }

  async hasDeviceKey(): Promise<boolean> {
    return (await this.db.count('keys', 'device')) > 0;
  }

  async putConsent(record: LocalConsent): Promise<number> {
    const { id: _ignored, ...rest } = record;
    return this.db.add('consents', { ...rest, purposes: [...rest.purposes] });
  }

  /** The latest accepted consent with this subject and policy version, if any. */
  async acceptedConsent(subject: string, policyVersion: string): Promise<LocalConsent | null> {
    const all = await this.db.getAllFromIndex('consents', 'by-subject-policy', [
      subject,
      policyVersion,
    ]);
    let latest: LocalConsent | null = null;
    for (const c of all) if (!latest || c.at >= latest.at) latest = c;
    return latest && latest.outcome === 'accepted' && latest.sensitive ? latest : null;
  }

  listConsents(): Promise<LocalConsent[]> {
    return this.db.getAll('consents');
  }

  async getPreference<K extends keyof Preferences>(key: K): Promise<Preferences[K] | null> {
    const v = await this.db.get('prefs', key);
    return typeof v === 'string' ? v : null;
  }

  async setPreference<K extends keyof Preferences>(key: K, value: Preferences[K]): Promise<void> {
    await this.db.put('prefs', value, key);
  }

  /** Withdrawal: delete every consent, preference and the device key on this device. */
  async clear(): Promise<void> {
    const tx = this.db.transaction(['keys', 'consents', 'prefs'], 'readwrite');
    await Promise.all([
      tx.objectStore('keys').clear(),
      tx.objectStore('consents').clear(),
      tx.objectStore('prefs').clear(),
      tx.done,
    ]);
  }

  close(): void {
    this.db.close();
  }

  /** Remove the whole database (e.g. after `clear()` when nothing else should remain). */
  static destroy(name: string = DB_NAME): Promise<void> {
    return deleteDB(name);
  }
}
