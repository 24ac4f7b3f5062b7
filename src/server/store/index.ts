/**
 * Opens the hub's store: PostgreSQL when a database URL is given, otherwise SQLite in a file
 * (default data/hub.sqlite, folder created when missing). Migrations run on open unless turned off.
 *
 * Environment (storeOptionsFromEnv):
 * - DATABASE_URL: a PostgreSQL connection string (postgres://user:password@host:port/database);
 *   when set the hub uses PostgreSQL.
 * - DATABASE_POOL_SIZE: most PostgreSQL connections (default 10).
 * - DATABASE_SCHEMA: a PostgreSQL schema to keep the hub's tables in (default: the search_path).
 * - HUB_DB_PATH: the SQLite file when DATABASE_URL is not set (default data/hub.sqlite).
 */
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { HubStore } from './types.js';

export { canTransition } from './common.js';
export { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.js';
export { PostgresStore } from './postgres.js';
export { SqliteStore } from './sqlite.js';
export * from './types.js';

export const DEFAULT_SQLITE_PATH = 'data/hub.sqlite';

export interface StoreOptions {
  /** PostgreSQL connection string; when set (non-empty) the store is PostgreSQL. */
  databaseUrl?: string | undefined;
  /** SQLite file (default data/hub.sqlite); ':memory:' for tests. */
  sqlitePath?: string | undefined;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number | undefined;
  /** PostgreSQL schema for the hub's tables. */
  schema?: string | undefined;
  /** Run pending migrations on open (default true). */
  migrate?: boolean | undefined;
}

/** Reads the store's settings from environment variables (see the module comment). */
export function storeOptionsFromEnv(env: Record<string, string | undefined> = process.env): StoreOptions {
  const options: StoreOptions = {};
  if (env.DATABASE_URL) options.databaseUrl = env.DATABASE_URL;
  if (env.HUB_DB_PATH) options.sqlitePath = env.HUB_DB_PATH;
  if (env.DATABASE_SCHEMA) options.schema = env.DATABASE_SCHEMA;
  if (env.DATABASE_POOL_SIZE) {
    const size = Number(env.DATABASE_POOL_SIZE);
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(
        `DATABASE_POOL_SIZE must be a whole number of 1 or more; it is "${env.DATABASE_POOL_SIZE}".`,
      );
    }
    options.poolSize = size;
  }
  return options;
}

/** Opens (and by default migrates) the store the options name. */
export async function openStore(options: StoreOptions = storeOptionsFromEnv()): Promise<HubStore> {
  const store: HubStore = options.databaseUrl
    ? new PostgresStore({
        connectionString: options.databaseUrl,
        ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
        ...(options.schema !== undefined ? { schema: options.schema } : {}),
      })
    : new SqliteStore({ path: options.sqlitePath || DEFAULT_SQLITE_PATH });
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      const where =
        store.backend === 'postgres' ? 'the PostgreSQL database (DATABASE_URL)' : 'the SQLite file';
      throw new Error(
        `The hub could not prepare ${where}: ${(error as Error).message}. Check the database is reachable and the hub may create tables.`,
        { cause: error },
      );
    }
  }
  return store;
}
