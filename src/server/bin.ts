#!/usr/bin/env node
/**
 * `npm run hub`: the referral hub from environment variables (env.ts; the delivery worker's
 * HUB_DELIVERY_* in delivery/config.ts; DATABASE_POOL_SIZE and DATABASE_SCHEMA for PostgreSQL).
 * Logs one line with its address; stops cleanly on SIGTERM or SIGINT (a second signal stops at once).
 */
import { deliverySettingsFromEnv } from './delivery/config.js';
import { hubSettings } from './env.js';
import { startHub } from './main.js';
import { storeOptionsFromEnv } from './store/index.js';

async function run(): Promise<void> {
  const settings = hubSettings(process.env);
  const storeOptions = storeOptionsFromEnv(process.env);
  const hub = await startHub(settings, {
    delivery: deliverySettingsFromEnv(process.env),
    store: {
      ...(storeOptions.poolSize !== undefined ? { poolSize: storeOptions.poolSize } : {}),
      ...(storeOptions.schema !== undefined ? { schema: storeOptions.schema } : {}),
    },
  });
  const where = settings.databaseUrl === undefined ? `SQLite ${settings.sqlitePath}` : 'PostgreSQL';
  console.log(`Referral hub running at ${hub.url}/ (store: ${where}; health: ${hub.url}/health)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`Referral hub: ${signal} again, stopping now.`);
      process.exit(1);
    }
    stopping = true;
    hub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Referral hub: could not stop cleanly: ${(error as Error)?.message ?? String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

run().catch((error: unknown) => {
  console.error(`Referral hub could not start: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
