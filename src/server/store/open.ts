// Opens the configured store. FV_STORE selects the backend:
//   sqlite:./data/face-verify.db (default)   postgres://user@host/db (or postgresql://)
// The template data key comes from FV_DATA_KEY, else FV_DATA_KEY_FILE / <dataDir>/data-key.json
// (created on first start for SQLite). Several PostgreSQL instances must share one key, so
// for PostgreSQL the key is never generated implicitly.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataKeyring } from './at-rest';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import type { Store } from './types';

export const DEFAULT_STORE_URL = 'sqlite:./data/face-verify.db';

export interface OpenStoreOptions {
  /** Overrides env.FV_STORE. */
  url?: string;
  /** Where the default key file lives. Default ./data */
  dataDir?: string;
  env?: Record<string, string | undefined>;
  /** Overrides the key lookup entirely (tests). */
  keyring?: DataKeyring;
}

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const env = opts.env ?? process.env;
  const url = opts.url ?? env.FV_STORE ?? DEFAULT_STORE_URL;
  const keyFile = env.FV_DATA_KEY_FILE ?? join(opts.dataDir ?? './data', 'data-key.json');
  let store: Store;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error('FV_STORE=sqlite:<path> needs a file path');
    const keyring = opts.keyring ?? DataKeyring.load({ env: env.FV_DATA_KEY, keyFile });
    // NORMAL by default (WAL: survives process crashes, not power loss); FULL fsyncs each commit.
    const sync = (env.FV_SQLITE_SYNCHRONOUS ?? 'normal').toLowerCase();
    if (sync !== 'normal' && sync !== 'full') {
      throw new Error('FV_SQLITE_SYNCHRONOUS must be normal or full');
    }
    store = new SqliteStore({
      path: path === ':memory:' ? path : resolve(path),
      keyring,
      synchronous: sync,
      backgroundCheckpoint: path !== ':memory:',
    });
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let keyring = opts.keyring;
    if (keyring === undefined) {
      if ((env.FV_DATA_KEY ?? '') === '' && !existsSync(keyFile)) {
        throw new Error(
          `PostgreSQL store: set FV_DATA_KEY (or provide ${keyFile}); every instance must use ` +
            'the same template key, so none is generated automatically',
        );
      }
      keyring = DataKeyring.load({ env: env.FV_DATA_KEY, keyFile });
    }
    store = new PostgresStore({ connectionString: url, keyring });
  } else {
    throw new Error('FV_STORE must start with sqlite: or postgres:// (got an unsupported scheme)');
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return store;
}
