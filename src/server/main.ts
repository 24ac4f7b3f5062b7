/**
 * Starts the referral hub: opens the store (SQLite, or PostgreSQL with DATABASE_URL) and runs its
 * migrations, builds the HTTP API (app.ts), listens, and (with `worker`) starts the delivery worker.
 */
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { buildHub } from './app.js';
import { loadProviderClients, type ProviderClient } from './auth/backendServices.js';
import { examplesConfigSource, fileConfigSource } from './config/files.js';
import type { ConfigSource, PracticeConfigDocument } from './config/source.js';
import { layeredDocument } from './config/versions.js';
import { type DeliveryWorker, type DeliveryWorkerOptions, startDeliveryWorker } from './delivery/worker.js';
import type { HubSettings } from './env.js';
import type { EhrRecordsSource } from './records/practiceRecords.js';
import { openStore, type StoreOptions } from './store/index.js';
import type { HubStore } from './store/types.js';
import { profileValidator } from './validation.js';

export interface StartHubOptions {
  /** Default: HUB_CONFIG_DIR's files, or the shipped examples as practice A99999. */
  configSource?: ConfigSource;
  /** Start the delivery worker (default true). */
  worker?: boolean;
  /** The delivery worker's settings (src/server/delivery/config.ts deliverySettingsFromEnv). */
  delivery?: Omit<DeliveryWorkerOptions, 'store'>;
  /** Store settings beyond the database URL and SQLite path (pool size, schema). */
  store?: Pick<StoreOptions, 'poolSize' | 'schema'>;
  fetch?: typeof fetch;
  now?: () => number;
  /** Providers' systems to register besides those in HUB_PROVIDER_CLIENTS (the sandbox's own). */
  providerClients?: readonly ProviderClient[];
  /** The EHR's records for the IT lead's dry run (the sandbox's; a real hub has none). */
  ehrRecords?: EhrRecordsSource;
}

export interface RunningHub {
  /** e.g. http://127.0.0.1:8081 (no trailing slash). */
  url: string;
  app: FastifyInstance;
  store: HubStore;
  /**
   * The practice's current `{ rules, directory }` as GPs get it (its published versions, each falling
   * back to the configuration source), or undefined when it has none: the sandbox serves this.
   */
  practiceConfig(ods: string): Promise<PracticeConfigDocument | undefined>;
  /** Stops the worker (waiting for attempts under way), the server and the store. */
  close(): Promise<void>;
}

async function configSourceFor(settings: HubSettings): Promise<ConfigSource> {
  if (settings.configDir === undefined) return examplesConfigSource();
  const info = await stat(settings.configDir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new Error(
      `HUB_CONFIG_DIR is "${settings.configDir}", but there is no folder there. Create it with one <ODS code>.json per practice, or unset HUB_CONFIG_DIR to use the examples.`,
    );
  }
  return fileConfigSource(settings.configDir);
}

export async function startHub(settings: HubSettings, options: StartHubOptions = {}): Promise<RunningHub> {
  const configSource = options.configSource ?? (await configSourceFor(settings));
  // A broken registrations file stops the hub here, naming the file and the entry.
  const providerClients = [
    ...(settings.providerClientsFile === undefined
      ? []
      : await loadProviderClients(settings.providerClientsFile)),
    ...(options.providerClients ?? []),
  ];
  const store = await openStore({
    databaseUrl: settings.databaseUrl,
    sqlitePath: settings.sqlitePath,
    ...options.store,
  });
  let worker: DeliveryWorker | undefined;
  // Profile validation in worker threads, off the event loop (validation.ts; HUB_VALIDATION_THREADS).
  const validator = profileValidator(settings);
  const app = buildHub({
    store,
    settings,
    configSource,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
    onOutboxChange: () => worker?.kick(),
    providerClients,
    ...(validator ? { validator } : {}),
    ...(options.ehrRecords ? { ehrRecords: options.ehrRecords } : {}),
  });
  try {
    await app.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    await app.close().catch(() => {});
    await validator?.close().catch(() => {});
    await store.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `Port ${settings.port} on ${settings.host} is already in use: stop the program using it, or set HUB_PORT to another port.`,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new Error(
        `The hub cannot listen on HUB_HOST "${settings.host}": use an address of this computer, such as 127.0.0.1.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;

  // ---- The delivery worker (src/server/delivery/worker.ts) starts here. ----
  if (options.worker ?? true) {
    worker = startDeliveryWorker({
      store,
      ...(options.now ? { now: options.now } : {}),
      // Problems the worker meets (store errors, a client that could not load) and given-up
      // deliveries go to the log; retries are in the audit trail, not the log.
      onEvent: (event) => {
        if (event.type === 'error') console.error(`Referral hub delivery: ${event.message}`, event.error);
        else if (event.type === 'notice') console.warn(`Referral hub delivery: ${event.message}`);
        else if (event.type === 'attempt' && !event.result.ok && event.result.giveUp) {
          console.warn(`Referral hub: delivery of ${event.item.referralId} given up: ${event.result.error}`);
        }
      },
      ...options.delivery,
    });
    worker.kick(); // a restart resumes every unfinished delivery at once
  }

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    app,
    store,
    practiceConfig: async (ods) => (await layeredDocument(store, configSource, ods))?.document,
    close: () => {
      closing ??= (async () => {
        await worker?.stop();
        await app.close();
        await validator?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
