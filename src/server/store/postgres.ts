/**
 * The hub's store on PostgreSQL (when DATABASE_URL is set), through a `pg` Pool.
 *
 * Every operation runs in its own BEGIN … COMMIT on one pooled connection and is rolled back on any
 * error. Times are BIGINT columns (converted to numbers on read); bundles, outcomes and audit details
 * are jsonb.
 *
 * Concurrency (several hub processes on one database):
 * - acceptReferral: INSERT … ON CONFLICT (id) DO NOTHING, then read. A concurrent duplicate waits for
 *   the first transaction on the primary key, inserts nothing and returns the stored row (created=false).
 * - claimDeliveries: each claim first takes a transaction-scoped advisory lock (CLAIM_LOCK), so claims
 *   from all hubs run one at a time; the in-flight count per provider is read AFTER the lock is held (a
 *   fresh READ COMMITTED snapshot that includes every earlier claim's committed leases), so the limit
 *   cannot be exceeded. Only claims raise the in-flight count, and they are serialised; other writers
 *   (recordAttempt, updateStatus) can only lower it, which makes a stale count err on the safe side.
 *   Candidate rows are locked with FOR UPDATE SKIP LOCKED, so a claim never waits on (or takes) a row
 *   another transaction is finishing, and the WHERE clause is re-checked on the locked row. A claim
 *   holds the lock for one short statement pair, so serialising claims costs little.
 * - Lock order is always referral row, then outbox row (updateStatus, recordAttempt), so status
 *   changes and attempt records cannot deadlock.
 * - saveConfigVersion / publishConfigVersion: take pg_advisory_xact_lock(CONFIG_LOCK, hashtext(practice/kind))
 *   first, so two saves for one practice and kind number their versions one after the other.
 * - migrate: each migration runs in its own transaction under pg_advisory_xact_lock(MIGRATE_LOCK) and
 *   re-checks schema_migrations after taking the lock, so hubs starting together apply it once.
 */
import pg from 'pg';
import {
  type AuditRowValues,
  acceptedAudit,
  attemptAuditRecords,
  auditFromRow,
  badTransition,
  type CancelPlan,
  type ConfigVersionRowValues,
  canTransition,
  configPublishedAudit,
  configSavedAudit,
  configVersionFromRow,
  configVersionNotFound,
  type FigureRowValues,
  figureRowFromRow,
  listLimit,
  newStoredReferral,
  notFound,
  type PromptEventRowValues,
  planCancel,
  planStatusUpdate,
  promptEventFromRow,
  promptEventValues,
  type ReferralRowValues,
  referralFromRow,
  staleConfigVersion,
  statusAudit,
} from './common.js';
import { type Migration, POSTGRES_MIGRATIONS } from './migrations.js';
import type {
  AcceptResult,
  AttemptResult,
  AuditFilter,
  AuditRecord,
  ClaimOptions,
  ConfigKind,
  ConfigVersion,
  HubStore,
  NewAuditRecord,
  NewConfigVersion,
  NewReferral,
  OutboxItem,
  PromptEvent,
  PromptEventFilter,
  ReferralFigureFilter,
  ReferralFigureRow,
  ReferralFilter,
  ReferralStatus,
  StatusChange,
  StoredReferral,
} from './types.js';

/** Advisory lock keys (arbitrary constants, unique to this application). */
const MIGRATE_LOCK = 720_431_001;
const CLAIM_LOCK = 720_431_002;
/** Saving a configuration version takes this lock with the practice and kind's hash, so numbers are never taken twice. */
const CONFIG_LOCK = 720_431_003;

export interface PostgresStoreOptions {
  connectionString: string;
  /** Most pooled connections (default 10). */
  poolSize?: number;
  /** A schema to keep the hub's tables in (created by migrate; default the connection's search_path). */
  schema?: string;
  /** Migrations to apply (tests only; default the hub's list). */
  migrations?: readonly Migration[];
}

type Client = pg.PoolClient;

interface OutboxRow {
  id: string;
  referral_id: string;
  kind: 'new' | 'cancel';
  provider_id: string;
  state: 'pending' | 'done' | 'failed' | 'dropped';
  attempts: number;
  first_attempt_at: string | null;
  due_at: string;
  lease_until: string | null;
  created_at: string;
}

const num = (value: string | number): number => Number(value);
const numOrNull = (value: string | number | null): number | null => (value === null ? null : Number(value));

type PgReferralRow = Omit<ReferralRowValues, 'delivered_at' | 'created_at' | 'updated_at'> & {
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
};

function referralFromPg(row: PgReferralRow): StoredReferral {
  return referralFromRow({
    ...row,
    delivered_at: numOrNull(row.delivered_at),
    created_at: num(row.created_at),
    updated_at: num(row.updated_at),
  });
}

function outboxItemFromRow(row: OutboxRow): OutboxItem {
  const item: OutboxItem = {
    id: num(row.id),
    referralId: row.referral_id,
    kind: row.kind,
    providerId: row.provider_id,
    attempts: row.attempts,
    createdAt: num(row.created_at),
    leaseUntil: row.lease_until === null ? 0 : num(row.lease_until),
  };
  if (row.first_attempt_at !== null) item.firstAttemptAt = num(row.first_attempt_at);
  return item;
}

type PgConfigRow = Omit<ConfigVersionRowValues, 'created_at' | 'published_at'> & {
  created_at: string;
  published_at: string | null;
};

function configVersionFromPg(row: PgConfigRow): ConfigVersion {
  return configVersionFromRow({
    ...row,
    created_at: num(row.created_at),
    published_at: numOrNull(row.published_at),
  });
}

const json = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

/** A valid unquoted identifier, so a schema name can go into SQL text safely. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const CLAIM_SQL = `
WITH in_flight AS (
  SELECT provider_id, COUNT(*) AS n FROM outbox
  WHERE state = 'pending' AND lease_until > $1 GROUP BY provider_id
),
due AS (
  SELECT id, provider_id, ROW_NUMBER() OVER (PARTITION BY provider_id ORDER BY id) AS rn FROM outbox
  WHERE state = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
),
candidates AS (
  SELECT due.id FROM due LEFT JOIN in_flight ON in_flight.provider_id = due.provider_id
  WHERE due.rn + COALESCE(in_flight.n, 0) <= $3
),
picked AS (
  SELECT o.id FROM outbox o
  WHERE o.id IN (SELECT id FROM candidates)
    AND o.state = 'pending' AND o.due_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
  ORDER BY o.id LIMIT $4
  FOR UPDATE OF o SKIP LOCKED
)
UPDATE outbox SET lease_until = $2, leased_by = $5
FROM picked WHERE outbox.id = picked.id
RETURNING outbox.*`;

export class PostgresStore implements HubStore {
  readonly backend = 'postgres' as const;
  /** The pool (tests and diagnosis only; the hub uses the methods). */
  readonly pool: pg.Pool;
  private readonly schema: string | undefined;
  private readonly migrations: readonly Migration[];

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(
        `The database schema name "${options.schema}" is not allowed: use lower-case letters, digits and underscores.`,
      );
    }
    this.schema = options.schema;
    this.migrations = options.migrations ?? POSTGRES_MIGRATIONS;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle connection that drops (database restart) must not crash the hub: the next query reconnects.
    this.pool.on('error', (error) => {
      console.error(`The hub lost an idle database connection (${error.message}); it will reconnect.`);
    });
  }

  /** Runs fn in BEGIN … COMMIT on one connection; ROLLBACK (and the error passed on) if anything fails. */
  private async tx<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  async migrate(): Promise<void> {
    for (const migration of [...this.migrations].sort((a, b) => a.version - b.version)) {
      await this.tx(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
        if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        );
        const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          migration.version,
        ]);
        if (applied.rowCount) return;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      });
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async acceptReferral(referral: NewReferral, now: number): Promise<AcceptResult> {
    return this.tx(async (client) => {
      const inserted = await client.query({
        name: 'hub-accept-referral',
        text: `INSERT INTO referrals (id, practice_ods, ehr_base_url, patient_id, provider_id, delivery_mode,
                 delivery_base_url, bundle, sent_by, status, delivery_state, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'requested', 'pending', $10, $10)
               ON CONFLICT (id) DO NOTHING`,
        values: [
          referral.id,
          referral.practiceOds,
          referral.ehrBaseUrl,
          referral.patientId,
          referral.providerId,
          referral.deliveryMode,
          referral.deliveryBaseUrl ?? null,
          JSON.stringify(referral.bundle),
          referral.sentBy,
          now,
        ],
      });
      if (inserted.rowCount === 0) {
        const stored = await this.referralRow(client, referral.id);
        if (!stored) throw new Error(`The referral ${referral.id} was neither stored nor found.`);
        return { referral: referralFromPg(stored), created: false };
      }
      await client.query({
        name: 'hub-accept-outbox',
        text: `INSERT INTO outbox (referral_id, kind, provider_id, state, attempts, due_at, created_at)
               VALUES ($1, 'new', $2, 'pending', 0, $3, $3)`,
        values: [referral.id, referral.providerId, now],
      });
      await this.insertAudit(client, acceptedAudit(referral, now));
      return { referral: newStoredReferral(referral, now), created: true };
    });
  }

  private async referralRow(client: Client | pg.Pool, id: string, forUpdate = false) {
    const result = await client.query<PgReferralRow>(
      `SELECT * FROM referrals WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return result.rows[0];
  }

  async getReferral(id: string): Promise<StoredReferral | undefined> {
    const row = await this.referralRow(this.pool, id);
    return row ? referralFromPg(row) : undefined;
  }

  async listReferrals(filter: ReferralFilter): Promise<StoredReferral[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (column: string, value: unknown) => {
      if (value === undefined) return;
      values.push(value);
      where.push(`${column} = $${values.length}`);
    };
    add('practice_ods', filter.practiceOds);
    add('provider_id', filter.providerId);
    add('patient_id', filter.patientId);
    add('ehr_base_url', filter.ehrBaseUrl);
    add('status', filter.status);
    add('delivery_state', filter.deliveryState);
    values.push(listLimit(filter.limit));
    const result = await this.pool.query<PgReferralRow>(
      `SELECT * FROM referrals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, seq DESC LIMIT $${values.length}`,
      values,
    );
    return result.rows.map(referralFromPg);
  }

  async claimDeliveries(options: ClaimOptions): Promise<OutboxItem[]> {
    if (options.limit < 1 || options.perProviderLimit < 1) return [];
    const rows = await this.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
      const result = await client.query<OutboxRow>({
        name: 'hub-claim',
        text: CLAIM_SQL,
        values: [
          options.now,
          options.now + options.leaseMs,
          Math.floor(options.perProviderLimit),
          Math.floor(options.limit),
          options.worker,
        ],
      });
      return result.rows;
    });
    return rows.map(outboxItemFromRow).sort((a, b) => a.id - b.id);
  }

  async recordAttempt(
    itemId: number,
    leaseUntil: number,
    result: AttemptResult,
    now: number,
  ): Promise<boolean> {
    return this.tx(async (client) => {
      // Lock order: referral first, then the outbox row (as updateStatus does).
      const owner = await client.query<{ referral_id: string }>(
        'SELECT referral_id FROM outbox WHERE id = $1',
        [itemId],
      );
      const referralId = owner.rows[0]?.referral_id;
      if (referralId === undefined) return false;
      const referral = await this.referralRow(client, referralId, true);
      if (!referral) return false;
      const found = await client.query<OutboxRow>('SELECT * FROM outbox WHERE id = $1 FOR UPDATE', [itemId]);
      const item = found.rows[0];
      if (
        !item ||
        item.lease_until === null ||
        num(item.lease_until) !== leaseUntil ||
        (item.state !== 'pending' && item.state !== 'dropped')
      ) {
        return false;
      }
      const dropped = item.state === 'dropped';
      const attempt = item.attempts + 1;
      const firstAt = item.first_attempt_at === null ? now : num(item.first_attempt_at);
      const updateItem = (state: string, error: string | null, dueAt: number, finishedAt: number | null) =>
        client.query(
          `UPDATE outbox SET state = $2, attempts = $3, first_attempt_at = $4, last_attempt_at = $5,
             last_error = $6, due_at = $7, lease_until = NULL, leased_by = NULL, finished_at = $8
           WHERE id = $1`,
          [item.id, state, attempt, firstAt, now, error, dueAt, finishedAt],
        );
      const dueAt = num(item.due_at);
      if (result.ok) {
        await updateItem('done', null, dueAt, now);
        if (item.kind === 'new') {
          await client.query(
            `UPDATE referrals SET delivery_state = 'delivered', delivered_at = $2,
               provider_reference = COALESCE($3, provider_reference), last_delivery_error = NULL, updated_at = $2
             WHERE id = $1`,
            [item.referral_id, now, result.providerReference ?? null],
          );
        }
      } else if (dropped) {
        await updateItem('dropped', result.error, dueAt, now);
      } else if (result.giveUp) {
        await updateItem('failed', result.error, dueAt, now);
        if (item.kind === 'new') {
          await client.query(
            `UPDATE referrals SET delivery_state = 'failed', delivered_at = $2, last_delivery_error = $3,
               updated_at = $2
             WHERE id = $1`,
            [item.referral_id, now, result.error],
          );
        }
      } else {
        await updateItem('pending', result.error, result.retryAt ?? now, null);
        if (item.kind === 'new') {
          await client.query('UPDATE referrals SET last_delivery_error = $2, updated_at = $3 WHERE id = $1', [
            item.referral_id,
            result.error,
            now,
          ]);
        }
      }
      const records = attemptAuditRecords(
        {
          id: num(item.id),
          referralId: item.referral_id,
          kind: item.kind,
          providerId: item.provider_id,
          attempt,
        },
        referral.practice_ods,
        result,
        dropped,
        now,
      );
      for (const record of records) await this.insertAudit(client, record);
      return true;
    });
  }

  async pendingDeliveries(): Promise<number> {
    const result = await this.pool.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'",
    );
    return num(result.rows[0]?.n ?? 0);
  }

  async updateStatus(id: string, change: StatusChange, agent: string, now: number): Promise<StoredReferral> {
    return this.tx(async (client) => {
      const row = await this.referralRow(client, id, true);
      if (!row) throw notFound(id);
      const from = row.status as ReferralStatus;
      if (!canTransition(from, change.status)) throw badTransition(from, change.status);
      const plan = planStatusUpdate(
        {
          status: from,
          business_status: row.business_status,
          status_reason: row.status_reason,
          outcome: row.outcome,
        },
        change,
      );
      let cancel: CancelPlan | undefined;
      if (change.status === 'cancelled' && from !== 'cancelled') {
        const found = await client.query<OutboxRow>(
          "SELECT * FROM outbox WHERE referral_id = $1 AND kind = 'new' ORDER BY id LIMIT 1 FOR UPDATE",
          [id],
        );
        const item = found.rows[0];
        cancel = planCancel(
          row.delivery_state as 'pending' | 'delivered' | 'failed',
          item && {
            state: item.state,
            attempts: item.attempts,
            leaseUntil: item.lease_until === null ? undefined : num(item.lease_until),
          },
          now,
        );
        if (cancel.dropNew && item) {
          await client.query("UPDATE outbox SET state = 'dropped', finished_at = $2 WHERE id = $1", [
            item.id,
            now,
          ]);
        }
        if (cancel.cancelDueAt !== undefined) {
          await client.query(
            `INSERT INTO outbox (referral_id, kind, provider_id, state, attempts, due_at, created_at)
             VALUES ($1, 'cancel', $2, 'pending', 0, $3, $4)`,
            [id, row.provider_id, cancel.cancelDueAt, now],
          );
        }
      }
      const updated = await client.query<PgReferralRow>(
        `UPDATE referrals SET status = $2, business_status = $3, status_reason = $4, outcome = $5::jsonb,
           updated_at = $6
         WHERE id = $1 RETURNING *`,
        [id, change.status, plan.businessStatus, plan.statusReason, json(plan.outcome), now],
      );
      await this.insertAudit(
        client,
        statusAudit(
          { id, practiceOds: row.practice_ods, providerId: row.provider_id },
          from,
          change,
          plan,
          cancel,
          agent,
          now,
        ),
      );
      const stored = updated.rows[0];
      if (!stored) throw notFound(id);
      return referralFromPg(stored);
    });
  }

  private async insertAudit(client: Client | pg.Pool, record: NewAuditRecord): Promise<void> {
    await client.query({
      name: 'hub-insert-audit',
      text: `INSERT INTO audit (at, action, outcome, agent, practice_ods, referral_id, provider_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      values: [
        record.at ?? Date.now(),
        record.action,
        record.outcome,
        record.agent,
        record.practiceOds ?? null,
        record.referralId ?? null,
        record.providerId ?? null,
        json(record.detail),
      ],
    });
  }

  async appendAudit(record: NewAuditRecord): Promise<void> {
    await this.insertAudit(this.pool, record);
  }

  async listAudit(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: (n: number) => string, value: unknown) => {
      if (value === undefined) return;
      values.push(value);
      where.push(clause(values.length));
    };
    add((n) => `practice_ods = $${n}`, filter.practiceOds);
    add((n) => `referral_id = $${n}`, filter.referralId);
    add((n) => `provider_id = $${n}`, filter.providerId);
    add((n) => `action = $${n}`, filter.action);
    add((n) => `at >= $${n}`, filter.since);
    add((n) => `at < $${n}`, filter.until);
    values.push(listLimit(filter.limit));
    const result = await this.pool.query<Omit<AuditRowValues, 'id' | 'at'> & { id: string; at: string }>(
      `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    return result.rows.map((row) => auditFromRow({ ...row, id: num(row.id), at: num(row.at) }));
  }

  // -------------------------------------------------------------------------------------------
  // Configuration versions.

  private async configRow(
    client: Client | pg.Pool,
    practiceOds: string,
    kind: ConfigKind,
    version: number,
  ): Promise<ConfigVersion | undefined> {
    const result = await client.query<PgConfigRow>(
      `SELECT v.*, l.version AS live_version FROM config_versions v
       LEFT JOIN config_live l ON l.practice_ods = v.practice_ods AND l.kind = v.kind
       WHERE v.practice_ods = $1 AND v.kind = $2 AND v.version = $3`,
      [practiceOds, kind, version],
    );
    const row = result.rows[0];
    return row ? configVersionFromPg(row) : undefined;
  }

  private async lockConfig(client: Client, practiceOds: string, kind: ConfigKind): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      CONFIG_LOCK,
      `${practiceOds}/${kind}`,
    ]);
  }

  private async publishIn(
    client: Client,
    practiceOds: string,
    kind: ConfigKind,
    version: number,
    author: string,
    now: number,
  ): Promise<void> {
    const live = await client.query<{ version: number }>(
      'SELECT version FROM config_live WHERE practice_ods = $1 AND kind = $2',
      [practiceOds, kind],
    );
    const previous = live.rows[0]?.version ?? null;
    await client.query(
      `UPDATE config_versions SET published_at = $1, published_by = $2
       WHERE practice_ods = $3 AND kind = $4 AND version = $5`,
      [now, author, practiceOds, kind, version],
    );
    await client.query(
      `INSERT INTO config_live (practice_ods, kind, version) VALUES ($1, $2, $3)
       ON CONFLICT (practice_ods, kind) DO UPDATE SET version = excluded.version`,
      [practiceOds, kind, version],
    );
    await this.insertAudit(client, configPublishedAudit(practiceOds, kind, version, previous, author, now));
  }

  async saveConfigVersion(v: NewConfigVersion, now: number): Promise<ConfigVersion> {
    return this.tx(async (client) => {
      await this.lockConfig(client, v.practiceOds, v.kind);
      const latest = await client.query<{ n: number | null }>(
        'SELECT MAX(version) AS n FROM config_versions WHERE practice_ods = $1 AND kind = $2',
        [v.practiceOds, v.kind],
      );
      const current = latest.rows[0]?.n ?? 0;
      if (v.basedOn !== undefined && v.basedOn !== current) throw staleConfigVersion(v, current);
      const version = current + 1;
      await client.query(
        `INSERT INTO config_versions (practice_ods, kind, version, body, author, author_name, created_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          v.practiceOds,
          v.kind,
          version,
          JSON.stringify(v.body),
          v.author,
          v.authorName ?? null,
          now,
          v.note ?? null,
        ],
      );
      await this.insertAudit(client, configSavedAudit(v, version, now));
      if (v.publish) await this.publishIn(client, v.practiceOds, v.kind, version, v.author, now);
      const saved = await this.configRow(client, v.practiceOds, v.kind, version);
      if (!saved) throw configVersionNotFound(v.practiceOds, v.kind, version);
      return saved;
    });
  }

  async listConfigVersions(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion[]> {
    const result = await this.pool.query<PgConfigRow>(
      `SELECT v.*, l.version AS live_version FROM config_versions v
       LEFT JOIN config_live l ON l.practice_ods = v.practice_ods AND l.kind = v.kind
       WHERE v.practice_ods = $1 AND v.kind = $2 ORDER BY v.version DESC`,
      [practiceOds, kind],
    );
    return result.rows.map(configVersionFromPg);
  }

  async getConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
  ): Promise<ConfigVersion | undefined> {
    return this.configRow(this.pool, practiceOds, kind, version);
  }

  async publishConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
    author: string,
    now: number,
  ): Promise<ConfigVersion> {
    return this.tx(async (client) => {
      await this.lockConfig(client, practiceOds, kind);
      if (!(await this.configRow(client, practiceOds, kind, version))) {
        throw configVersionNotFound(practiceOds, kind, version);
      }
      await this.publishIn(client, practiceOds, kind, version, author, now);
      const published = await this.configRow(client, practiceOds, kind, version);
      if (!published) throw configVersionNotFound(practiceOds, kind, version);
      return published;
    });
  }

  async publishedConfigVersion(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion | undefined> {
    const result = await this.pool.query<PgConfigRow>(
      `SELECT v.*, l.version AS live_version FROM config_live l
       JOIN config_versions v ON v.practice_ods = l.practice_ods AND v.kind = l.kind AND v.version = l.version
       WHERE l.practice_ods = $1 AND l.kind = $2`,
      [practiceOds, kind],
    );
    const row = result.rows[0];
    return row ? configVersionFromPg(row) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Prompt events and figure rows.

  async recordPromptEvents(events: PromptEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.tx(async (client) => {
      let stored = 0;
      for (const event of events) {
        const v = promptEventValues(event);
        const result = await client.query({
          name: 'hub-insert-prompt-event',
          text: `INSERT INTO prompt_events (practice_ods, card, rule_id, action, at, agent, reason_code,
                   referral_id, provider_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (practice_ods, card, action, at) DO NOTHING`,
          values: [
            v.practice_ods,
            v.card,
            v.rule_id,
            v.action,
            v.at,
            v.agent,
            v.reason_code,
            v.referral_id,
            v.provider_id,
          ],
        });
        stored += result.rowCount ?? 0;
      }
      return stored;
    });
  }

  async listPromptEvents(filter: PromptEventFilter): Promise<PromptEvent[]> {
    const result = await this.pool.query<Omit<PromptEventRowValues, 'at'> & { at: string }>(
      `SELECT * FROM prompt_events WHERE practice_ods = $1
         AND ($2::bigint IS NULL OR at >= $2) AND ($3::bigint IS NULL OR at < $3)
       ORDER BY at, id`,
      [filter.practiceOds, filter.since ?? null, filter.until ?? null],
    );
    return result.rows.map((row) => promptEventFromRow({ ...row, at: num(row.at) }));
  }

  async referralFigureRows(filter: ReferralFigureFilter): Promise<ReferralFigureRow[]> {
    const result = await this.pool.query<
      Omit<FigureRowValues, 'created_at' | 'acknowledged_at' | 'completed_at'> & {
        created_at: string;
        acknowledged_at: string | null;
        completed_at: string | null;
      }
    >(
      `SELECT r.id, r.provider_id, r.created_at, r.status, r.status_reason,
         (SELECT MIN(a.at) FROM audit a WHERE a.referral_id = r.id AND a.action = 'status-changed'
            AND a.detail->>'from' = 'requested'
            AND a.detail->>'to' IN ('accepted', 'rejected')) AS acknowledged_at,
         (SELECT MIN(a.at) FROM audit a WHERE a.referral_id = r.id AND a.action = 'status-changed'
            AND a.detail->>'from' <> 'completed'
            AND a.detail->>'to' = 'completed') AS completed_at
       FROM referrals r WHERE r.practice_ods = $1
         AND ($2::bigint IS NULL OR r.created_at >= $2) AND ($3::bigint IS NULL OR r.created_at < $3)
       ORDER BY r.created_at, r.seq`,
      [filter.practiceOds, filter.since ?? null, filter.until ?? null],
    );
    return result.rows.map((row) =>
      figureRowFromRow({
        ...row,
        created_at: num(row.created_at),
        acknowledged_at: numOrNull(row.acknowledged_at),
        completed_at: numOrNull(row.completed_at),
      }),
    );
  }
}
