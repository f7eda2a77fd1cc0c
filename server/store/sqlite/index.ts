export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from './sqlite-store';
