/**
 * One suite, run against both store backends: SQLite (always) and PostgreSQL (when TEST_DATABASE_URL
 * names a database this test may create schemas in; each test gets its own schema, dropped afterwards).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import pg from 'pg';
import { canTransition, listLimit, planCancel } from './common.js';
import { openStore, storeOptionsFromEnv } from './index.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import {
  type HubStore,
  type NewReferral,
  type PromptEvent,
  REFERRAL_STATUSES,
  type ReferralStatus,
  STATUS_TRANSITIONS,
  StoreConflictError,
} from './types.js';

const PG_URL = process.env.TEST_DATABASE_URL;
if (!PG_URL) {
  console.info(
    'store.test.ts: TEST_DATABASE_URL is not set, so the PostgreSQL half of this suite is skipped.',
  );
}

// ---------------------------------------------------------------------------------------------
// Harnesses: a fresh database per test, a second connection (another hub process), raw SQL.

interface Harness {
  store: HubStore;
  /** Another store on the same database, as a second hub process would open it. */
  another(): Promise<HubStore>;
  /** Closes this harness's stores and opens the database again. */
  reopen(): Promise<HubStore>;
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Begins a transaction on a separate connection, writes a referral, then dies without committing. */
  crashMidTransaction(committedId: string, uncommittedId: string): Promise<void>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  fresh(options?: { migrate?: boolean }): Promise<Harness>;
}

/** SQLite test files live in memory-backed /dev/shm when there is one: real files and WAL, without
 * waiting for a disk flush on every commit (synchronous=FULL), which would make the suite slow. */
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const RAW_INSERT_REFERRAL = `INSERT INTO referrals (id, practice_ods, ehr_base_url, patient_id, provider_id,
  delivery_mode, bundle, sent_by, status, delivery_state, created_at, updated_at)
  VALUES ($ID, 'A99999', 'https://ehr.example.test/fhir', 'john', 'work-coach-service', 'hub-inbox', '{}',
  'Practitioner/gp-1', 'requested', 'pending', 1, 1)`;

/**
 * The message a promise rejects with. (better-sqlite3 registers its SqliteError class once per
 * process, from the first jest test file that loads it, so in later files its errors come from
 * another realm and jest's `rejects.toThrow` does not see them as errors.)
 */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { message?: unknown })?.message ?? error);
  }
  throw new Error('expected the promise to reject');
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  async fresh(options = {}) {
    const dir = mkdtempSync(join(SCRATCH, 'hub-store-'));
    const file = join(dir, 'nested', 'hub.sqlite');
    const stores: SqliteStore[] = [];
    const open = async (migrate: boolean) => {
      const store = new SqliteStore({ path: file });
      stores.push(store);
      if (migrate) await store.migrate();
      return store;
    };
    const first = await open(options.migrate !== false);
    return {
      store: first,
      another: () => open(false),
      async reopen() {
        for (const store of stores) await store.close();
        return open(true);
      },
      async raw(sql, params = []) {
        const statement = (stores.at(-1) ?? first).db.prepare(sql);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      },
      async crashMidTransaction(committedId, uncommittedId) {
        const script = `
          const Database = require('better-sqlite3');
          const db = new Database(${JSON.stringify(file)});
          db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
          const insert = (id) => db.prepare(${JSON.stringify(RAW_INSERT_REFERRAL.replace('$ID', '?'))}).run(id);
          insert(${JSON.stringify(committedId)});
          db.exec('BEGIN IMMEDIATE');
          insert(${JSON.stringify(uncommittedId)});
          process.kill(process.pid, 'SIGKILL');`;
        const child = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
        expect(child.signal).toBe('SIGKILL');
      },
      async cleanup() {
        for (const store of stores) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let schemaCounter = 0;
const pgBackend: Backend = {
  name: 'postgres',
  async fresh(options = {}) {
    const schema = `hub_store_test_${process.pid}_${++schemaCounter}`;
    const stores: PostgresStore[] = [];
    const open = async (migrate: boolean) => {
      const store = new PostgresStore({ connectionString: PG_URL as string, schema, poolSize: 4 });
      stores.push(store);
      if (migrate) await store.migrate();
      return store;
    };
    const first = await open(options.migrate !== false);
    const anyOpen = () => stores.find((s) => !s.pool.ended) ?? first;
    return {
      store: first,
      another: () => open(false),
      async reopen() {
        for (const store of stores) await store.close();
        return open(true);
      },
      async raw(sql, params = []) {
        let n = 0;
        const result = await anyOpen().pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
        return result.rows;
      },
      async crashMidTransaction(committedId, uncommittedId) {
        const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
        await client.connect();
        client.on('error', () => {});
        await client.query(RAW_INSERT_REFERRAL.replace('$ID', '$1'), [committedId]);
        await client.query('BEGIN');
        await client.query(RAW_INSERT_REFERRAL.replace('$ID', '$1'), [uncommittedId]);
        // Cut the socket without COMMIT or a goodbye, as a killed process would.
        (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      async cleanup() {
        for (const store of stores) await store.close();
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
};

const BACKENDS: Backend[] = PG_URL ? [sqliteBackend, pgBackend] : [sqliteBackend];

// ---------------------------------------------------------------------------------------------
// Synthetic referrals.

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const LEASE = 30_000;

function bundleFor(id: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:${id}-sr`,
        resource: {
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          identifier: [{ system: 'https://fitnote-prompt.example/referral', value: id }],
          subject: { reference: 'Patient/peter', display: 'Peter Example' },
          note: [{ text: 'Prefers a call on weekday mornings — “not before 9”. ✓' }],
        },
        request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: `identifier=${id}` },
      },
    ],
  };
}

function referral(id: string, overrides: Partial<NewReferral> = {}): NewReferral {
  return {
    id,
    practiceOds: 'A99999',
    ehrBaseUrl: 'https://ehr.example.test/fhir',
    patientId: 'peter',
    providerId: 'case-managed-support',
    deliveryMode: 'fhir-rest',
    deliveryBaseUrl: 'https://provider.example.test/fhir',
    bundle: bundleFor(id),
    sentBy: 'Practitioner/gp-1',
    ...overrides,
  };
}

const claim = (
  store: HubStore,
  now: number,
  extra: Partial<Parameters<HubStore['claimDeliveries']>[0]> = {},
) =>
  store.claimDeliveries({
    now,
    limit: 10,
    leaseMs: LEASE,
    perProviderLimit: 10,
    worker: 'worker-a',
    ...extra,
  });

async function rowCount(h: Harness, table: string, where = '1 = 1'): Promise<number> {
  const rows = await h.raw(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0]?.n);
}

// ---------------------------------------------------------------------------------------------
// Backend-independent rules.

describe('shared rules', () => {
  it('both backends have the same migration versions, in order', () => {
    expect(SQLITE_MIGRATIONS.map((m) => m.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    expect(SQLITE_MIGRATIONS.map((m) => m.version)).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1));
  });

  it.each([
    [undefined, 100],
    [0, 1],
    [-5, 1],
    [2.7, 2],
    [1000, 1000],
    [5000, 1000],
    [Number.NaN, 100],
  ])('list limit %p becomes %p', (given, expected) => {
    expect(listLimit(given)).toBe(expected);
  });

  it('the transition rule is the contract table plus staying in a non-final status', () => {
    for (const from of REFERRAL_STATUSES) {
      for (const to of REFERRAL_STATUSES) {
        const expected =
          STATUS_TRANSITIONS[from].includes(to) || (from === to && STATUS_TRANSITIONS[from].length > 0);
        expect([from, to, canTransition(from, to)]).toEqual([from, to, expected]);
      }
    }
  });

  it.each([
    ['delivered', undefined, { dropNew: false, cancelDueAt: T0 }],
    ['pending', { state: 'pending', attempts: 0 }, { dropNew: true }],
    ['pending', { state: 'pending', attempts: 0, leaseUntil: T0 - 1 }, { dropNew: true }],
    [
      'pending',
      { state: 'pending', attempts: 0, leaseUntil: T0 + 500 },
      { dropNew: true, cancelDueAt: T0 + 500 },
    ],
    ['pending', { state: 'pending', attempts: 2, leaseUntil: T0 - 1 }, { dropNew: true, cancelDueAt: T0 }],
    ['failed', { state: 'failed', attempts: 7 }, { dropNew: false, cancelDueAt: T0 }],
    ['pending', undefined, { dropNew: false }],
  ] as const)('cancelling a referral whose delivery is %s (%j) plans %j', (state, item, plan) => {
    expect(planCancel(state, item, T0)).toEqual(plan);
  });

  it('reads the store settings from the environment', () => {
    expect(storeOptionsFromEnv({})).toEqual({});
    expect(
      storeOptionsFromEnv({
        DATABASE_URL: 'postgres://hub@db.example.test/hub',
        DATABASE_POOL_SIZE: '4',
        DATABASE_SCHEMA: 'hub',
        HUB_DB_PATH: '/var/lib/hub/hub.sqlite',
      }),
    ).toEqual({
      databaseUrl: 'postgres://hub@db.example.test/hub',
      poolSize: 4,
      schema: 'hub',
      sqlitePath: '/var/lib/hub/hub.sqlite',
    });
    expect(() => storeOptionsFromEnv({ DATABASE_POOL_SIZE: 'lots' })).toThrow(/whole number/);
  });

  it('opens SQLite at a file path, creating its folder, and migrates it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-open-'));
    try {
      const store = await openStore({ sqlitePath: join(dir, 'a', 'b', 'hub.sqlite') });
      expect(store.backend).toBe('sqlite');
      expect((await store.acceptReferral(referral('open-1'), T0)).created).toBe(true);
      const db = (store as SqliteStore).db;
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory SQLite store for tests', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    expect(await store.pendingDeliveries()).toBe(0);
    await store.close();
  });

  (PG_URL ? it : it.skip)('opens PostgreSQL when a database URL is given', async () => {
    const schema = `hub_store_open_${process.pid}`;
    const store = await openStore({ databaseUrl: PG_URL, schema, poolSize: 2 });
    try {
      expect(store.backend).toBe('postgres');
      expect(await store.pendingDeliveries()).toBe(0);
    } finally {
      await (store as PostgresStore).pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    }
  });

  it('says plainly when the database cannot be reached', async () => {
    await expect(
      openStore({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', poolSize: 1 }),
    ).rejects.toThrow(
      /could not prepare the PostgreSQL database \(DATABASE_URL\).*Check the database is reachable/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The contract, for each backend.

describe.each(BACKENDS)('$name store', (backend) => {
  let h: Harness;
  let store: HubStore;
  beforeEach(async () => {
    h = await backend.fresh();
    store = h.store;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  describe('migrations', () => {
    it('are recorded once and migrating again changes nothing, keeping the data', async () => {
      await store.acceptReferral(referral('mig-1'), T0);
      await store.migrate();
      await store.migrate();
      const versions = await h.raw('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((r) => Number(r.version))).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
      expect((await store.getReferral('mig-1'))?.id).toBe('mig-1');
    });

    it('survive two hubs migrating a new database at the same time', async () => {
      const empty = await backend.fresh({ migrate: false });
      try {
        const second = await empty.another();
        await Promise.all([empty.store.migrate(), second.migrate(), empty.store.migrate()]);
        expect(await rowCount(empty, 'schema_migrations')).toBe(SQLITE_MIGRATIONS.length);
        expect((await second.acceptReferral(referral('both'), T0)).created).toBe(true);
      } finally {
        await empty.cleanup();
      }
    });

    it('keep everything committed when the database is closed and opened again', async () => {
      await store.acceptReferral(referral('keep-1'), T0);
      await store.updateStatus('keep-1', { status: 'accepted' }, 'provider', T0 + 1);
      const reopened = await h.reopen();
      expect(await reopened.getReferral('keep-1')).toMatchObject({ id: 'keep-1', status: 'accepted' });
      expect(await reopened.pendingDeliveries()).toBe(1);
      expect((await reopened.listAudit({ referralId: 'keep-1' })).map((a) => a.action)).toEqual([
        'status-changed',
        'referral-accepted',
      ]);
    });

    it('lose nothing committed when another connection dies mid-transaction', async () => {
      await store.acceptReferral(referral('before-crash'), T0);
      await h.crashMidTransaction('committed-by-crasher', 'never-committed');
      const reopened = await h.reopen();
      expect(await reopened.getReferral('before-crash')).toBeDefined();
      expect(await reopened.getReferral('committed-by-crasher')).toBeDefined();
      expect(await reopened.getReferral('never-committed')).toBeUndefined();
      // The dead writer's lock is gone: the store writes again.
      expect((await reopened.acceptReferral(referral('after-crash'), T0 + 5)).created).toBe(true);
    });
  });

  describe('acceptReferral', () => {
    it('stores the referral, its new outbox item and an audit record together', async () => {
      const result = await store.acceptReferral(referral('acc-1'), T0);
      expect(result.created).toBe(true);
      expect(result.referral).toEqual({
        ...referral('acc-1'),
        status: 'requested',
        deliveryState: 'pending',
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await store.getReferral('acc-1')).toEqual(result.referral);
      expect(await store.pendingDeliveries()).toBe(1);
      const audit = await store.listAudit({ referralId: 'acc-1' });
      expect(audit).toEqual([
        expect.objectContaining({
          action: 'referral-accepted',
          outcome: '0',
          agent: 'Practitioner/gp-1',
          practiceOds: 'A99999',
          providerId: 'case-managed-support',
          at: T0,
        }),
      ]);
    });

    it('keeps the bundle exactly (nested, non-ASCII) and leaves out a missing delivery URL', async () => {
      const input = referral('acc-inbox', { deliveryMode: 'hub-inbox', deliveryBaseUrl: undefined });
      delete input.deliveryBaseUrl;
      await store.acceptReferral(input, T0);
      const stored = await store.getReferral('acc-inbox');
      expect(stored?.bundle).toEqual(bundleFor('acc-inbox'));
      expect(stored).not.toHaveProperty('deliveryBaseUrl');
      expect(stored?.deliveryMode).toBe('hub-inbox');
    });

    it('is idempotent on the id: a second Send returns the stored referral and writes nothing', async () => {
      await store.acceptReferral(referral('dup-1'), T0);
      const again = await store.acceptReferral(referral('dup-1', { patientId: 'someone-else' }), T0 + 1000);
      expect(again.created).toBe(false);
      expect(again.referral).toMatchObject({ id: 'dup-1', patientId: 'peter', createdAt: T0 });
      expect(await rowCount(h, 'referrals')).toBe(1);
      expect(await rowCount(h, 'outbox')).toBe(1);
      expect(await rowCount(h, 'audit')).toBe(1);
    });

    it('makes one referral from duplicate Sends arriving at once through two hubs', async () => {
      const second = await h.another();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? second : store).acceptReferral(referral('race-1'), T0 + i),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.referral.createdAt)).size).toBe(1);
      expect(await rowCount(h, 'referrals')).toBe(1);
      expect(await rowCount(h, 'outbox')).toBe(1);
      expect(await rowCount(h, 'audit')).toBe(1);
    });

    it('writes nothing at all when any part fails', async () => {
      const broken = referral('bad-mode', { deliveryMode: 'carrier-pigeon' as never });
      await expect(failureOf(store.acceptReferral(broken, T0))).resolves.toMatch(/\S/);
      expect(await store.getReferral('bad-mode')).toBeUndefined();
      expect(await rowCount(h, 'outbox')).toBe(0);
      expect(await rowCount(h, 'audit')).toBe(0);
      // And the store carries on.
      expect((await store.acceptReferral(referral('good'), T0)).created).toBe(true);
    });

    it('accepts arriving together all commit, except the one that fails, which alone is refused', async () => {
      const results = await Promise.allSettled([
        store.acceptReferral(referral('group-1'), T0),
        store.acceptReferral(referral('group-bad', { deliveryMode: 'carrier-pigeon' as never }), T0),
        store.acceptReferral(referral('group-2'), T0),
        store.acceptReferral(referral('group-1', { patientId: 'someone-else' }), T0 + 1),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.created : 'refused'))).toEqual([
        true,
        'refused',
        true,
        false,
      ]);
      expect(await store.getReferral('group-bad')).toBeUndefined();
      expect(await rowCount(h, 'referrals')).toBe(2);
      expect(await rowCount(h, 'outbox')).toBe(2);
      expect(await rowCount(h, 'audit')).toBe(2);
      // Committed: another connection (another hub process) sees them.
      expect((await (await h.another()).getReferral('group-2'))?.patientId).toBe('peter');
    });

    // SQLite's group commit queues accepts for the next turn of the event loop; closing must not drop
    // them. (PostgreSQL sends each accept at once; the hub closes its HTTP server before its store.)
    (backend.name === 'sqlite' ? it : it.skip)(
      'writes an accept still queued for its commit when the store closes',
      async () => {
        const accepting = store.acceptReferral(referral('closing-1'), T0);
        const closing = store.close();
        expect((await accepting).created).toBe(true);
        await closing;
        expect((await (await h.reopen()).getReferral('closing-1'))?.id).toBe('closing-1');
      },
    );

    it('returns undefined for an id it does not hold', async () => {
      expect(await store.getReferral('nope')).toBeUndefined();
    });
  });

  describe('listReferrals', () => {
    beforeEach(async () => {
      const rows: [string, Partial<NewReferral>, number][] = [
        ['l-1', {}, T0],
        ['l-2', { practiceOds: 'B99999' }, T0 + 10],
        ['l-3', { providerId: 'work-coach-service', deliveryMode: 'hub-inbox' }, T0 + 20],
        ['l-4', { patientId: 'cathy' }, T0 + 20],
        ['l-5', { ehrBaseUrl: 'https://other-ehr.example.test/fhir', patientId: 'cathy' }, T0 + 30],
      ];
      for (const [id, overrides, at] of rows) await store.acceptReferral(referral(id, overrides), at);
      await store.updateStatus('l-1', { status: 'accepted' }, 'provider', T0 + 40);
      const [item] = await claim(store, T0 + 50, { limit: 1 });
      await store.recordAttempt(item?.id ?? -1, item?.leaseUntil ?? -1, { ok: true }, T0 + 51);
    });

    it.each([
      [
        'no filter (newest first; same-ms ties newest accepted first)',
        {},
        ['l-5', 'l-4', 'l-3', 'l-2', 'l-1'],
      ],
      ['practice', { practiceOds: 'B99999' }, ['l-2']],
      ['provider', { providerId: 'work-coach-service' }, ['l-3']],
      ['patient', { patientId: 'cathy' }, ['l-5', 'l-4']],
      ['patient on one EHR', { patientId: 'cathy', ehrBaseUrl: 'https://ehr.example.test/fhir' }, ['l-4']],
      ['status', { status: 'accepted' as ReferralStatus }, ['l-1']],
      ['delivery state', { deliveryState: 'delivered' as const }, ['l-1']],
      [
        'practice and status',
        { practiceOds: 'A99999', status: 'requested' as ReferralStatus },
        ['l-5', 'l-4', 'l-3'],
      ],
      ['a limit', { limit: 2 }, ['l-5', 'l-4']],
      ['nothing matching', { practiceOds: 'Z00000' }, []],
    ])('by %s', async (_label, filter, ids) => {
      expect((await store.listReferrals(filter)).map((r) => r.id)).toEqual(ids);
    });
  });

  describe('claimDeliveries', () => {
    it('claims due items oldest first under a lease', async () => {
      for (const [i, id] of ['c-1', 'c-2', 'c-3'].entries()) await store.acceptReferral(referral(id), T0 + i);
      const items = await claim(store, T0 + 10, { limit: 2 });
      expect(items).toEqual([
        {
          id: expect.any(Number),
          referralId: 'c-1',
          kind: 'new',
          providerId: 'case-managed-support',
          attempts: 0,
          createdAt: T0,
          leaseUntil: T0 + 10 + LEASE,
        },
        expect.objectContaining({ referralId: 'c-2', attempts: 0 }),
      ]);
      expect((await claim(store, T0 + 11)).map((i) => i.referralId)).toEqual(['c-3']);
      expect(await claim(store, T0 + 12)).toEqual([]);
    });

    it('does not claim an item before it is due', async () => {
      await store.acceptReferral(referral('future'), T0 + 1000);
      expect(await claim(store, T0)).toEqual([]);
      expect(await claim(store, T0 + 1000)).toHaveLength(1);
    });

    it('lets another worker re-claim an item only when its lease has expired', async () => {
      await store.acceptReferral(referral('lease-1'), T0);
      const [first] = await claim(store, T0);
      const other = await h.another();
      expect(await claim(other, T0 + LEASE - 1, { worker: 'worker-b' })).toEqual([]);
      const [second] = await claim(other, T0 + LEASE, { worker: 'worker-b' });
      expect(second).toMatchObject({ id: first?.id, referralId: 'lease-1', leaseUntil: T0 + 2 * LEASE });
    });

    it.each([
      [1, 5, { A: 1, B: 1 }],
      [2, 10, { A: 2, B: 2 }],
      [2, 3, { A: 2, B: 1 }],
      [10, 10, { A: 4, B: 2 }],
    ])('per provider limit %p, total limit %p: claims %j', async (perProviderLimit, limit, expected) => {
      for (let i = 0; i < 4; i++) await store.acceptReferral(referral(`a-${i}`, { providerId: 'A' }), T0 + i);
      for (let i = 0; i < 2; i++)
        await store.acceptReferral(referral(`b-${i}`, { providerId: 'B' }), T0 + 10 + i);
      const items = await claim(store, T0 + 100, { perProviderLimit, limit });
      const counts: Record<string, number> = {};
      for (const item of items) counts[item.providerId] = (counts[item.providerId] ?? 0) + 1;
      expect(counts).toEqual(expected);
      expect(items.map((i) => i.id)).toEqual([...items.map((i) => i.id)].sort((a, b) => a - b));
    });

    it('counts deliveries already in flight against the provider limit, until they finish or expire', async () => {
      for (let i = 0; i < 4; i++) await store.acceptReferral(referral(`f-${i}`, { providerId: 'A' }), T0 + i);
      const first = await claim(store, T0 + 10, { perProviderLimit: 2 });
      expect(first.map((i) => i.referralId)).toEqual(['f-0', 'f-1']);
      expect(await claim(store, T0 + 11, { perProviderLimit: 2 })).toEqual([]);
      const done = first[0];
      expect(await store.recordAttempt(done?.id ?? -1, done?.leaseUntil ?? -1, { ok: true }, T0 + 12)).toBe(
        true,
      );
      expect((await claim(store, T0 + 13, { perProviderLimit: 2 })).map((i) => i.referralId)).toEqual([
        'f-2',
      ]);
      // f-1's lease (T0 + 10 + LEASE) and f-2's lease expire: f-1 and f-2 are claimable again, oldest first.
      const later = await claim(store, T0 + 13 + LEASE, { perProviderLimit: 2 });
      expect(later.map((i) => i.referralId)).toEqual(['f-1', 'f-2']);
    });

    it('claims nothing with a zero limit', async () => {
      await store.acceptReferral(referral('z'), T0);
      expect(await claim(store, T0, { limit: 0 })).toEqual([]);
      expect(await claim(store, T0, { perProviderLimit: 0 })).toEqual([]);
    });

    it('never double-claims or exceeds the provider limit when two hubs claim at once', async () => {
      const providers = ['A', 'B', 'C'];
      for (const p of providers) {
        for (let i = 0; i < 6; i++)
          await store.acceptReferral(referral(`${p}-${i}`, { providerId: p }), T0 + i);
      }
      const second = await h.another();
      const rounds = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          claim(i % 2 ? second : store, T0 + 100, { perProviderLimit: 2, limit: 4, worker: `w-${i}` }),
        ),
      );
      const claimed = rounds.flat();
      expect(new Set(claimed.map((i) => i.id)).size).toBe(claimed.length);
      const perProvider: Record<string, number> = {};
      for (const item of claimed) perProvider[item.providerId] = (perProvider[item.providerId] ?? 0) + 1;
      expect(perProvider).toEqual({ A: 2, B: 2, C: 2 });
      const inFlight = await h.raw(
        "SELECT provider_id, COUNT(*) AS n FROM outbox WHERE state = 'pending' AND lease_until > ? GROUP BY provider_id",
        [T0 + 100],
      );
      expect(inFlight.map((r) => Number(r.n))).toEqual([2, 2, 2]);
    });
  });

  describe('recordAttempt', () => {
    let itemId: number;
    let leaseUntil: number;
    beforeEach(async () => {
      await store.acceptReferral(referral('r-1'), T0);
      const [item] = await claim(store, T0 + 10);
      itemId = item?.id ?? -1;
      leaseUntil = item?.leaseUntil ?? -1;
    });

    it('on success marks the item done and the referral delivered, with its audit records', async () => {
      expect(
        await store.recordAttempt(
          itemId,
          leaseUntil,
          { ok: true, providerReference: 'ServiceRequest/77' },
          T0 + 20,
        ),
      ).toBe(true);
      expect(await store.getReferral('r-1')).toMatchObject({
        deliveryState: 'delivered',
        deliveredAt: T0 + 20,
        providerReference: 'ServiceRequest/77',
        updatedAt: T0 + 20,
      });
      expect(await store.pendingDeliveries()).toBe(0);
      expect(await claim(store, T0 + 10 + LEASE + 1)).toEqual([]);
      const audit = await store.listAudit({ referralId: 'r-1', since: T0 + 20 });
      expect(audit.map((a) => [a.action, a.outcome, a.agent])).toEqual([
        ['delivery-succeeded', '0', 'hub'],
        ['delivery-attempt', '0', 'hub'],
      ]);
      expect(audit[1]?.detail).toMatchObject({
        kind: 'new',
        attempt: 1,
        providerReference: 'ServiceRequest/77',
      });
    });

    it('on failure schedules the retry, which is claimed when due with the attempt counted', async () => {
      const error = "The provider's server answered 503 Service Unavailable.";
      expect(
        await store.recordAttempt(itemId, leaseUntil, { ok: false, error, retryAt: T0 + 5000 }, T0 + 20),
      ).toBe(true);
      expect(await store.getReferral('r-1')).toMatchObject({
        deliveryState: 'pending',
        lastDeliveryError: error,
      });
      expect(await store.pendingDeliveries()).toBe(1);
      expect(await claim(store, T0 + 4999)).toEqual([]);
      const [retry] = await claim(store, T0 + 5000);
      expect(retry).toMatchObject({
        id: itemId,
        attempts: 1,
        firstAttemptAt: T0 + 20,
        leaseUntil: T0 + 5000 + LEASE,
      });
      const [attempt] = await store.listAudit({ referralId: 'r-1', action: 'delivery-attempt' });
      expect(attempt).toMatchObject({
        outcome: '4',
        detail: { text: error, retryAt: T0 + 5000, attempt: 1 },
      });
      // A second failure keeps the first attempt's time (the give-up clock) and counts on.
      await store.recordAttempt(itemId, retry?.leaseUntil ?? -1, { ok: false, error }, T0 + 5010);
      expect(await claim(store, T0 + 5010)).toEqual([
        expect.objectContaining({ id: itemId, attempts: 2, firstAttemptAt: T0 + 20 }),
      ]);
    });

    it('on giving up marks the item and the referral failed and stops trying', async () => {
      const error = 'The provider could not be reached for 24 hours.';
      expect(await store.recordAttempt(itemId, leaseUntil, { ok: false, error, giveUp: true }, T0 + 30)).toBe(
        true,
      );
      expect(await store.getReferral('r-1')).toMatchObject({
        deliveryState: 'failed',
        deliveredAt: T0 + 30,
        lastDeliveryError: error,
      });
      expect(await store.pendingDeliveries()).toBe(0);
      expect(await claim(store, T0 + 10 * LEASE)).toEqual([]);
      expect(
        (await store.listAudit({ referralId: 'r-1', since: T0 + 30 })).map((a) => [a.action, a.outcome]),
      ).toEqual([
        ['delivery-failed', '8'],
        ['delivery-attempt', '8'],
      ]);
      expect(await store.listReferrals({ deliveryState: 'failed' })).toHaveLength(1);
    });

    it('is ignored when the lease was lost to another worker', async () => {
      const other = await h.another();
      const [stolen] = await claim(other, leaseUntil, { worker: 'worker-b' });
      expect(stolen?.id).toBe(itemId);
      const auditBefore = await rowCount(h, 'audit');
      expect(
        await store.recordAttempt(itemId, leaseUntil, { ok: false, error: 'late', giveUp: true }, T0 + 99),
      ).toBe(false);
      expect(await store.getReferral('r-1')).toMatchObject({ deliveryState: 'pending' });
      expect(await rowCount(h, 'audit')).toBe(auditBefore);
      expect(await other.recordAttempt(itemId, stolen?.leaseUntil ?? -1, { ok: true }, leaseUntil + 5)).toBe(
        true,
      );
      expect(await store.getReferral('r-1')).toMatchObject({ deliveryState: 'delivered' });
    });

    it.each([
      ['a different lease', (id: number, lease: number) => [id, lease + 1] as const],
      ['an unknown item', (id: number, lease: number) => [id + 1000, lease] as const],
    ])('is ignored for %s', async (_label, pick) => {
      const [id, lease] = pick(itemId, leaseUntil);
      expect(await store.recordAttempt(id, lease, { ok: true }, T0 + 20)).toBe(false);
      expect(await store.getReferral('r-1')).toMatchObject({ deliveryState: 'pending' });
    });

    it('is ignored the second time for the same claim', async () => {
      expect(await store.recordAttempt(itemId, leaseUntil, { ok: true }, T0 + 20)).toBe(true);
      expect(
        await store.recordAttempt(itemId, leaseUntil, { ok: false, error: 'x', giveUp: true }, T0 + 21),
      ).toBe(false);
      expect(await store.getReferral('r-1')).toMatchObject({ deliveryState: 'delivered' });
    });

    it('is still taken after the lease expired if nobody else claimed the item', async () => {
      expect(await store.recordAttempt(itemId, leaseUntil, { ok: true }, leaseUntil + 1000)).toBe(true);
      expect(await store.getReferral('r-1')).toMatchObject({ deliveryState: 'delivered' });
    });
  });

  describe('updateStatus', () => {
    beforeEach(async () => {
      await store.acceptReferral(referral('s-1'), T0);
    });

    it('moves the status with its business status, reason and outcome, and audits who did it', async () => {
      const accepted = await store.updateStatus(
        's-1',
        { status: 'accepted', businessStatus: 'scheduled' },
        'provider:case-managed-support',
        T0 + 10,
      );
      expect(accepted).toMatchObject({ status: 'accepted', businessStatus: 'scheduled', updatedAt: T0 + 10 });
      // Same status, new business status.
      expect(
        await store.updateStatus(
          's-1',
          { status: 'accepted', businessStatus: 'contacted' },
          'staff-1',
          T0 + 20,
        ),
      ).toMatchObject({ status: 'accepted', businessStatus: 'contacted' });
      // Moving on clears a business status that was not restated.
      const started = await store.updateStatus('s-1', { status: 'in-progress' }, 'staff-1', T0 + 30);
      expect(started).not.toHaveProperty('businessStatus');
      const outcome = { goal: 'same-role', adjustments: [{ code: 'phased-return', text: 'Four weeks.' }] };
      const completed = await store.updateStatus('s-1', { status: 'completed', outcome }, 'staff-1', T0 + 40);
      expect(completed).toMatchObject({ status: 'completed', outcome });
      expect(await store.getReferral('s-1')).toEqual(completed);
      const audit = await store.listAudit({ referralId: 's-1', action: 'status-changed' });
      expect(audit.map((a) => [a.agent, a.detail?.from, a.detail?.to])).toEqual([
        ['staff-1', 'in-progress', 'completed'],
        ['staff-1', 'accepted', 'in-progress'],
        ['staff-1', 'accepted', 'accepted'],
        ['provider:case-managed-support', 'requested', 'accepted'],
      ]);
      expect(audit[0]?.detail).toMatchObject({ outcomeRecorded: true });
    });

    it('keeps the reason for a rejection', async () => {
      expect(
        await store.updateStatus(
          's-1',
          { status: 'rejected', statusReason: 'Outside our area.' },
          'provider:case-managed-support',
          T0 + 10,
        ),
      ).toMatchObject({ status: 'rejected', statusReason: 'Outside our area.' });
    });

    it('refuses a change the state machine does not allow, changing nothing', async () => {
      await store.updateStatus('s-1', { status: 'accepted' }, 'p', T0 + 1);
      await store.updateStatus('s-1', { status: 'completed' }, 'p', T0 + 2);
      const audits = await rowCount(h, 'audit');
      const attempt = store.updateStatus('s-1', { status: 'accepted' }, 'p', T0 + 3);
      await expect(attempt).rejects.toBeInstanceOf(StoreConflictError);
      await expect(attempt).rejects.toMatchObject({
        kind: 'bad-transition',
        message: expect.stringMatching(/^This referral is completed; it cannot become accepted\. /),
      });
      expect(await store.getReferral('s-1')).toMatchObject({ status: 'completed', updatedAt: T0 + 2 });
      expect(await rowCount(h, 'audit')).toBe(audits);
    });

    it('says when the referral is not stored', async () => {
      await expect(store.updateStatus('missing', { status: 'accepted' }, 'p', T0)).rejects.toMatchObject({
        name: 'StoreConflictError',
        kind: 'not-found',
        message: expect.stringContaining('"missing"'),
      });
    });

    describe('cancelling', () => {
      const cancel = (now: number) =>
        store.updateStatus('s-1', { status: 'cancelled' }, 'Practitioner/gp-1', now);
      const outboxRows = async () =>
        (await h.raw("SELECT kind, state, due_at FROM outbox WHERE referral_id = 's-1' ORDER BY id")).map(
          (r) => [r.kind, r.state, Number(r.due_at)],
        );

      it('a referral never sent: drops its delivery and sends nothing to the provider', async () => {
        await cancel(T0 + 5);
        expect(await outboxRows()).toEqual([['new', 'dropped', T0]]);
        expect(await store.pendingDeliveries()).toBe(0);
        expect(await claim(store, T0 + 10)).toEqual([]);
        const [audit] = await store.listAudit({ referralId: 's-1', action: 'status-changed' });
        expect(audit?.detail).toMatchObject({ providerToldOfCancellation: false, deliveryStopped: true });
      });

      it('a delivered referral: queues a cancel for the provider', async () => {
        const [item] = await claim(store, T0 + 1);
        await store.recordAttempt(item?.id ?? -1, item?.leaseUntil ?? -1, { ok: true }, T0 + 2);
        await store.updateStatus('s-1', { status: 'accepted' }, 'p', T0 + 3);
        const cancelled = await cancel(T0 + 5);
        expect(cancelled).toMatchObject({ status: 'cancelled', deliveryState: 'delivered' });
        expect(await outboxRows()).toEqual([
          ['new', 'done', T0],
          ['cancel', 'pending', T0 + 5],
        ]);
        const [cancelItem] = await claim(store, T0 + 6);
        expect(cancelItem).toMatchObject({ kind: 'cancel', referralId: 's-1', attempts: 0 });
        expect(
          await store.recordAttempt(cancelItem?.id ?? -1, cancelItem?.leaseUntil ?? -1, { ok: true }, T0 + 7),
        ).toBe(true);
        expect(await store.pendingDeliveries()).toBe(0);
        const [succeeded] = await store.listAudit({ referralId: 's-1', action: 'delivery-succeeded' });
        expect(succeeded?.detail).toMatchObject({ kind: 'cancel' });
      });

      it('a referral being sent right now: stops retries and tells the provider after the attempt ends', async () => {
        const [item] = await claim(store, T0 + 1);
        await cancel(T0 + 5);
        expect(await outboxRows()).toEqual([
          ['new', 'dropped', T0],
          ['cancel', 'pending', T0 + 1 + LEASE],
        ]);
        expect(await claim(store, T0 + 6)).toEqual([]);
        // The in-flight attempt arrived after all: recorded truthfully.
        expect(await store.recordAttempt(item?.id ?? -1, item?.leaseUntil ?? -1, { ok: true }, T0 + 8)).toBe(
          true,
        );
        expect(await store.getReferral('s-1')).toMatchObject({
          status: 'cancelled',
          deliveryState: 'delivered',
        });
        expect((await claim(store, T0 + 1 + LEASE)).map((i) => i.kind)).toEqual(['cancel']);
      });

      it('a referral being sent right now whose attempt then fails: no retry, no failure shown', async () => {
        const [item] = await claim(store, T0 + 1);
        await cancel(T0 + 5);
        expect(
          await store.recordAttempt(
            item?.id ?? -1,
            item?.leaseUntil ?? -1,
            { ok: false, error: 'timed out', giveUp: true },
            T0 + 8,
          ),
        ).toBe(true);
        expect(await store.getReferral('s-1')).toMatchObject({ deliveryState: 'pending' });
        expect(await outboxRows()).toEqual([
          ['new', 'dropped', T0],
          ['cancel', 'pending', T0 + 1 + LEASE],
        ]);
        expect(await store.listAudit({ referralId: 's-1', action: 'delivery-failed' })).toEqual([]);
      });

      it('a referral whose earlier attempt may have arrived: stops retries and queues a cancel now', async () => {
        const [item] = await claim(store, T0 + 1);
        await store.recordAttempt(
          item?.id ?? -1,
          item?.leaseUntil ?? -1,
          { ok: false, error: 'The provider did not answer within 30 seconds.', retryAt: T0 + 60_000 },
          T0 + 2,
        );
        await cancel(T0 + 5);
        expect(await outboxRows()).toEqual([
          ['new', 'dropped', T0 + 60_000],
          ['cancel', 'pending', T0 + 5],
        ]);
      });

      it('a referral whose delivery was given up: queues a cancel in case it arrived', async () => {
        const [item] = await claim(store, T0 + 1);
        await store.recordAttempt(
          item?.id ?? -1,
          item?.leaseUntil ?? -1,
          { ok: false, error: 'x', giveUp: true },
          T0 + 2,
        );
        const cancelled = await cancel(T0 + 5);
        expect(cancelled).toMatchObject({ status: 'cancelled', deliveryState: 'failed' });
        expect(await outboxRows()).toEqual([
          ['new', 'failed', T0],
          ['cancel', 'pending', T0 + 5],
        ]);
      });

      it('a cancel the provider never takes: given up without marking the referral undelivered', async () => {
        const [item] = await claim(store, T0 + 1);
        await store.recordAttempt(item?.id ?? -1, item?.leaseUntil ?? -1, { ok: true }, T0 + 2);
        await cancel(T0 + 5);
        const [cancelItem] = await claim(store, T0 + 6);
        await store.recordAttempt(
          cancelItem?.id ?? -1,
          cancelItem?.leaseUntil ?? -1,
          { ok: false, error: 'Gone for good.', giveUp: true },
          T0 + 7,
        );
        expect(await store.getReferral('s-1')).toMatchObject({ deliveryState: 'delivered' });
        const [failed] = await store.listAudit({ referralId: 's-1', action: 'delivery-failed' });
        expect(failed?.detail).toMatchObject({ kind: 'cancel' });
      });
    });
  });

  describe('audit', () => {
    beforeEach(async () => {
      const base = { outcome: '0' as const, agent: 'it-lead-1' };
      await store.appendAudit({ ...base, action: 'config-read', practiceOds: 'A99999', at: T0 });
      await store.appendAudit({ ...base, action: 'config-read', practiceOds: 'B99999', at: T0 + 10 });
      await store.appendAudit({
        ...base,
        action: 'inbox-view',
        practiceOds: 'A99999',
        referralId: 'x-1',
        providerId: 'case-managed-support',
        at: T0 + 20,
        detail: { text: 'Viewed in the inbox.', fields: ['contact', 'diagnosis'], nested: { ok: true } },
      });
      await store.appendAudit({ ...base, action: 'access-refused', outcome: '8', at: T0 + 20 });
    });

    it.each([
      [
        'everything (newest first; same-time ties last written first)',
        {},
        ['access-refused', 'inbox-view', 'config-read', 'config-read'],
      ],
      ['practice', { practiceOds: 'A99999' }, ['inbox-view', 'config-read']],
      ['referral', { referralId: 'x-1' }, ['inbox-view']],
      ['provider', { providerId: 'case-managed-support' }, ['inbox-view']],
      ['action', { action: 'config-read' }, ['config-read', 'config-read']],
      ['since (inclusive)', { since: T0 + 10 }, ['access-refused', 'inbox-view', 'config-read']],
      ['until (exclusive)', { until: T0 + 10 }, ['config-read']],
      ['a window', { since: T0 + 10, until: T0 + 20 }, ['config-read']],
      ['a limit', { limit: 1 }, ['access-refused']],
    ])('lists by %s', async (_label, filter, actions) => {
      expect((await store.listAudit(filter)).map((a) => a.action)).toEqual(actions);
    });

    it('keeps each record as written', async () => {
      const [view] = await store.listAudit({ action: 'inbox-view' });
      expect(view).toEqual({
        id: expect.any(Number),
        at: T0 + 20,
        action: 'inbox-view',
        outcome: '0',
        agent: 'it-lead-1',
        practiceOds: 'A99999',
        referralId: 'x-1',
        providerId: 'case-managed-support',
        detail: { text: 'Viewed in the inbox.', fields: ['contact', 'diagnosis'], nested: { ok: true } },
      });
      const [refused] = await store.listAudit({ action: 'access-refused' });
      expect(Object.keys(refused ?? {}).sort()).toEqual(['action', 'agent', 'at', 'id', 'outcome']);
    });

    it('stamps the time when none is given', async () => {
      const before = Date.now();
      await store.appendAudit({ action: 'config-read', outcome: '0', agent: 'hub' });
      const [latest] = await store.listAudit({ since: before });
      expect(latest?.at).toBeGreaterThanOrEqual(before);
      expect(latest?.at).toBeLessThanOrEqual(Date.now());
    });

    it.each([
      ['UPDATE', "UPDATE audit SET agent = 'someone-else'"],
      ['DELETE', 'DELETE FROM audit'],
    ])('is append-only: %s is refused by the database', async (_label, sql) => {
      await expect(failureOf(h.raw(sql))).resolves.toMatch(/append-only/);
      expect(await rowCount(h, 'audit')).toBe(4);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Every status pair, against each backend (one database per backend for the whole table).

/** The allowed changes, written out (not derived) so a wrong table in code shows up here. */
const ALLOWED: ReadonlySet<string> = new Set([
  'requested>requested',
  'requested>accepted',
  'requested>rejected',
  'requested>cancelled',
  'accepted>accepted',
  'accepted>in-progress',
  'accepted>completed',
  'accepted>cancelled',
  'in-progress>in-progress',
  'in-progress>completed',
  'in-progress>cancelled',
]);

const PATH_TO: Record<ReferralStatus, ReferralStatus[]> = {
  requested: [],
  accepted: ['accepted'],
  rejected: ['rejected'],
  'in-progress': ['accepted', 'in-progress'],
  completed: ['accepted', 'completed'],
  cancelled: ['cancelled'],
};

const PAIRS = REFERRAL_STATUSES.flatMap((from) =>
  REFERRAL_STATUSES.map((to) => [from, to, ALLOWED.has(`${from}>${to}`)] as const),
);

describe.each(BACKENDS)('$name store: every status change', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await backend.fresh();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it.each(PAIRS)('%s → %s allowed: %s', async (from, to, allowed) => {
    const id = `t-${from}-${to}`;
    await h.store.acceptReferral(referral(id), T0);
    for (const [i, step] of PATH_TO[from].entries())
      await h.store.updateStatus(id, { status: step }, 'p', T0 + i + 1);
    expect((await h.store.getReferral(id))?.status).toBe(from);
    const change = h.store.updateStatus(id, { status: to }, 'p', T0 + 10);
    if (allowed) {
      await expect(change).resolves.toMatchObject({ status: to, updatedAt: T0 + 10 });
    } else {
      await expect(change).rejects.toMatchObject({ kind: 'bad-transition' });
      expect((await h.store.getReferral(id))?.status).toBe(from);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The IT-lead console's additions: configuration versions, prompt events, figure rows.

describe.each(BACKENDS)('$name store: configuration versions', (backend) => {
  let h: Harness;
  let store: HubStore;
  beforeEach(async () => {
    h = await backend.fresh();
    store = h.store;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const rules = (days: number) => ({ rules: [{ id: 'six-weeks-oh', threshold: { days } }], ü: '“é”' });
  const save = (body: unknown, extra: Partial<Parameters<HubStore['saveConfigVersion']>[0]> = {}, at = T0) =>
    store.saveConfigVersion(
      { practiceOds: 'A99999', kind: 'rules', body, author: 'Staff/it-1', publish: false, ...extra },
      at,
    );

  it('numbers versions 1, 2, 3 per practice and kind, keeps the body exactly and lists newest first', async () => {
    const first = await save(rules(42), { authorName: 'Ivy Test-Lead', note: 'first' });
    expect(first).toEqual({
      practiceOds: 'A99999',
      kind: 'rules',
      version: 1,
      body: rules(42),
      author: 'Staff/it-1',
      authorName: 'Ivy Test-Lead',
      createdAt: T0,
      note: 'first',
      published: false,
    });
    await save(rules(28), {}, T0 + 1);
    await save({ providers: [] }, { kind: 'directory' }, T0 + 2);
    await save(rules(14), { practiceOds: 'B99999' }, T0 + 3);
    const third = await save(rules(21), {}, T0 + 4);
    expect(third.version).toBe(3);
    expect(Object.keys(third)).not.toContain('authorName');
    expect((await store.listConfigVersions('A99999', 'rules')).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await store.listConfigVersions('A99999', 'directory')).map((v) => v.version)).toEqual([1]);
    expect((await store.listConfigVersions('B99999', 'rules')).map((v) => v.version)).toEqual([1]);
    expect((await store.listConfigVersions('C99999', 'rules')).length).toBe(0);
    expect((await store.getConfigVersion('A99999', 'rules', 2))?.body).toEqual(rules(28));
    expect(await store.getConfigVersion('A99999', 'rules', 9)).toBeUndefined();
    const raw = await h.raw(
      "SELECT body FROM config_versions WHERE version = 1 AND kind = 'rules' AND practice_ods = 'A99999'",
    );
    expect(raw[0]?.body).toBe(JSON.stringify(rules(42)));
  });

  it('a draft is not published; publishing makes exactly one version live, with who and when, audited', async () => {
    await save(rules(42), { publish: true, author: 'hub', note: 'Started' });
    await save(rules(28), {}, T0 + 10);
    expect((await store.publishedConfigVersion('A99999', 'rules'))?.version).toBe(1);
    const published = await store.publishConfigVersion('A99999', 'rules', 2, 'Staff/it-2', T0 + 20);
    expect(published).toMatchObject({
      version: 2,
      published: true,
      publishedAt: T0 + 20,
      publishedBy: 'Staff/it-2',
    });
    const live = await store.publishedConfigVersion('A99999', 'rules');
    expect(live?.version).toBe(2);
    const list = await store.listConfigVersions('A99999', 'rules');
    expect(list.map((v) => [v.version, v.published, v.publishedBy])).toEqual([
      [2, true, 'Staff/it-2'],
      [1, false, 'hub'],
    ]);
    expect(await store.publishedConfigVersion('A99999', 'directory')).toBeUndefined();
    const audit = await store.listAudit({ practiceOds: 'A99999' });
    expect(audit.map((a) => [a.action, a.agent, a.detail?.version])).toEqual([
      ['config-published', 'Staff/it-2', 2],
      ['config-saved', 'Staff/it-1', 2],
      ['config-published', 'hub', 1],
      ['config-saved', 'hub', 1],
    ]);
    expect(audit[0]?.detail?.text).toMatch(
      /Version 2 of the prompt rules was published in place of version 1/,
    );
  });

  it('refuses to publish a version that does not exist, changing nothing', async () => {
    await save(rules(42), { publish: true });
    const error = await store.publishConfigVersion('A99999', 'rules', 5, 'Staff/it-1', T0).catch((e) => e);
    expect(error).toBeInstanceOf(StoreConflictError);
    expect(error.kind).toBe('not-found');
    expect(error.message).toMatch(/no version 5 of its prompt rules/);
    expect((await store.publishedConfigVersion('A99999', 'rules'))?.version).toBe(1);
    expect(await rowCount(h, 'audit')).toBe(2);
  });

  it('numbers versions saved at once through two hubs one after the other', async () => {
    const other = await h.another();
    const saves = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? other : store).saveConfigVersion(
        { practiceOds: 'A99999', kind: 'rules', body: rules(i), author: 'Staff/it-1', publish: i === 7 },
        T0 + i,
      ),
    );
    const versions = (await Promise.all(saves)).map((v) => v.version).sort((a, b) => a - b);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await rowCount(h, 'config_live')).toBe(1);
  });

  it('saves a change based on an older version for no one: the second of two saves from version 1 is refused', async () => {
    await save(rules(42), { publish: true });
    const other = await h.another();
    const results = await Promise.allSettled([
      save(rules(28), { basedOn: 1 }, T0 + 1),
      other.saveConfigVersion(
        {
          practiceOds: 'A99999',
          kind: 'rules',
          body: rules(21),
          author: 'Staff/it-2',
          publish: false,
          basedOn: 1,
        },
        T0 + 2,
      ),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const error = (refused[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(StoreConflictError);
    expect(error.kind).toBe('stale');
    expect(error.message).toMatch(
      /Someone saved version 2 of the prompt rules after you started from version 1/,
    );
    expect((await store.listConfigVersions('A99999', 'rules')).map((v) => v.version)).toEqual([2, 1]);
    expect(await rowCount(h, 'audit')).toBe(3);
  });
});

describe.each(BACKENDS)('$name store: prompt events and figure rows', (backend) => {
  let h: Harness;
  let store: HubStore;
  beforeEach(async () => {
    h = await backend.fresh();
    store = h.store;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const event = (
    card: string,
    action: PromptEvent['action'],
    at: number,
    extra: Partial<PromptEvent> = {},
  ) => ({
    practiceOds: 'A99999',
    card,
    ruleId: 'six-weeks-oh',
    action,
    at,
    agent: 'Practitioner/gp-1',
    ...extra,
  });

  it('stores events once each, keeps every field, and lists a practice oldest first within a window', async () => {
    const first = [
      event('card-1', 'shown', T0 + 20),
      event('card-1', 'referred', T0 + 30, { referralId: 'r-1', providerId: 'case-managed-support' }),
      event('card-2', 'overridden', T0 + 10, { reasonCode: 'already-referred' }),
      event('card-3', 'shown', T0 + 10, { practiceOds: 'B99999' }),
    ];
    expect(await store.recordPromptEvents(first)).toBe(4);
    expect(
      await store.recordPromptEvents([
        event('card-1', 'shown', T0 + 20),
        event('card-1', 'shown', T0 + 40),
        event('card-2', 'snoozed', T0 + 10, { reasonCode: 'until-next-note' }),
      ]),
    ).toBe(2);
    expect(await store.recordPromptEvents([])).toBe(0);
    const all = await store.listPromptEvents({ practiceOds: 'A99999' });
    expect(all.map((e) => [e.card, e.action, e.at - T0])).toEqual([
      ['card-2', 'overridden', 10],
      ['card-2', 'snoozed', 10],
      ['card-1', 'shown', 20],
      ['card-1', 'referred', 30],
      ['card-1', 'shown', 40],
    ]);
    expect(all[3]).toEqual(first[1]);
    expect(Object.keys(all[2] ?? {}).sort()).toEqual([
      'action',
      'agent',
      'at',
      'card',
      'practiceOds',
      'ruleId',
    ]);
    expect(
      (await store.listPromptEvents({ practiceOds: 'A99999', since: T0 + 20, until: T0 + 40 })).map(
        (e) => e.at - T0,
      ),
    ).toEqual([20, 30]);
  });

  it('refuses an action outside the list, storing nothing of the batch', async () => {
    const bad = event('card-9', 'clicked' as PromptEvent['action'], T0);
    await expect(failureOf(store.recordPromptEvents([event('card-8', 'shown', T0), bad]))).resolves.toMatch(
      /CHECK|check/,
    );
    expect(await rowCount(h, 'prompt_events')).toBe(0);
  });

  it('gives each referral with its acknowledgement and completion times and the decline reason code', async () => {
    const add = (id: string, at: number, practiceOds = 'A99999') =>
      store.acceptReferral(referral(id, { practiceOds }), at);
    await add('f-1', T0);
    await add('f-2', T0 + 1000);
    await add('f-3', T0 + 2000);
    await add('f-4', T0 + 3000);
    await add('f-5', T0 + 500, 'B99999');
    await store.updateStatus('f-1', { status: 'accepted' }, 'provider', T0 + 86_400_000);
    await store.updateStatus(
      'f-1',
      { status: 'accepted', businessStatus: 'contacted' },
      'provider',
      T0 + 90_000_000,
    );
    await store.updateStatus('f-1', { status: 'completed' }, 'provider', T0 + 200_000_000);
    await store.updateStatus(
      'f-2',
      {
        status: 'rejected',
        statusReason: 'The patient lives or works outside the service’s area: lives in Wales',
      },
      'provider',
      T0 + 5000,
    );
    await store.updateStatus(
      'f-3',
      { status: 'rejected', statusReason: 'Our own words' },
      'provider',
      T0 + 6000,
    );
    const rows = await store.referralFigureRows({ practiceOds: 'A99999' });
    expect(rows.map((r) => r.id)).toEqual(['f-1', 'f-2', 'f-3', 'f-4']);
    expect(rows[0]).toEqual({
      id: 'f-1',
      providerId: 'case-managed-support',
      createdAt: T0,
      status: 'completed',
      acknowledgedAt: T0 + 86_400_000,
      completedAt: T0 + 200_000_000,
    });
    expect(rows[1]).toMatchObject({
      status: 'rejected',
      statusReason: 'outside-area',
      acknowledgedAt: T0 + 5000,
    });
    expect(rows[1]?.completedAt).toBeUndefined();
    expect(rows[2]).toMatchObject({
      status: 'rejected',
      statusReason: 'Our own words',
      acknowledgedAt: T0 + 6000,
    });
    expect(rows[3]).toEqual({
      id: 'f-4',
      providerId: 'case-managed-support',
      createdAt: T0 + 3000,
      status: 'requested',
    });
    expect(
      (await store.referralFigureRows({ practiceOds: 'A99999', since: T0 + 1000, until: T0 + 3000 })).map(
        (r) => r.id,
      ),
    ).toEqual(['f-2', 'f-3']);
  });
});
