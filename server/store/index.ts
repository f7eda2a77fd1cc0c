import { Neo4jStore, type Neo4jStoreConfig } from './neo4j';
import { SqliteStore } from './sqlite';
import type { Store } from './store';

export type * from './store';

/** The embedded default: one SQLite file, `<dataDir>/parley.db`. */
export interface SqliteStoreConfig {
  kind: 'sqlite';
  dataDir: string;
}

/** Which backend holds users, rooms and messages. */
export type StoreConfig = SqliteStoreConfig | Neo4jStoreConfig;

/** Anything with pino's `info(obj, msg)` and `warn(obj, msg)` shape. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Opens the configured store and runs init(), so what comes back is ready to use; the caller
 * closes it at shutdown. Rejects with ParleyError('STORE_UNAVAILABLE') when the backend cannot
 * be opened.
 */
export async function openStore(config: StoreConfig, log?: StoreLogger): Promise<Store> {
  let store: Store;
  switch (config.kind) {
    case 'sqlite':
      store = new SqliteStore({
        dataDir: config.dataDir,
        onMigrated: (from, to) => log?.info({ store: 'sqlite', from, to }, 'store schema upgraded'),
        onWarning: (err) => log?.warn({ store: 'sqlite', err }, 'store degraded'),
      });
      break;
    case 'neo4j':
      store = new Neo4jStore(config);
      break;
    default: {
      const unknown: { kind: string } = config;
      throw new Error(`unknown store kind "${unknown.kind}"`);
    }
  }
  await store.init();
  return store;
}
