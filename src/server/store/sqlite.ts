/**
 * The hub's embedded store: SQLite through better-sqlite3.
 *
 * Durability: WAL journal with synchronous=FULL (a commit is on disk before acceptReferral returns),
 * foreign keys on, a busy timeout so a second process on the same file waits instead of failing.
 * Every write runs in one `BEGIN IMMEDIATE` transaction (better-sqlite3 `transaction().immediate()`),
 * which takes SQLite's single write lock at the start: two hub processes sharing the file serialise
 * their claims, so the per-provider in-flight limit holds and no item is claimed twice.
 * Statements are prepared once and reused.
 *
 * Group commit: acceptReferral queues the referral and the accepts queued in the same turn of the
 * event loop (everything that arrived while the previous commit was on disk) are written in ONE
 * transaction, so one fsync makes them all durable; each promise settles only after that commit.
 * Each accept runs in its own SAVEPOINT inside it, so one that fails is rolled back and rejected
 * alone while the others commit. SQLite's fsync blocks the event loop, so requests pile up during
 * one and the next group holds them all: the more load, the bigger the group.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { type Migration, SQLITE_MIGRATIONS } from './migrations.js';
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

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests). The folder is created when missing. */
  path: string;
  /** How long a write waits for another process's lock before failing (ms; default 5000). */
  busyTimeoutMs?: number;
  /** Migrations to apply (tests only; default the hub's list). */
  migrations?: readonly Migration[];
}

type Row = Record<string, unknown>;

interface SqliteReferralRow extends Omit<ReferralRowValues, 'bundle' | 'outcome'> {
  bundle: string;
  outcome: string | null;
}

interface OutboxRow {
  id: number;
  referral_id: string;
  kind: 'new' | 'cancel';
  provider_id: string;
  state: 'pending' | 'done' | 'failed' | 'dropped';
  attempts: number;
  first_attempt_at: number | null;
  due_at: number;
  lease_until: number | null;
  created_at: number;
}

function referralFromSqlite(row: SqliteReferralRow): StoredReferral {
  return referralFromRow({
    ...row,
    bundle: JSON.parse(row.bundle),
    outcome: row.outcome === null ? null : JSON.parse(row.outcome),
  });
}

function outboxItemFromRow(row: OutboxRow): OutboxItem {
  const item: OutboxItem = {
    id: row.id,
    referralId: row.referral_id,
    kind: row.kind,
    providerId: row.provider_id,
    attempts: row.attempts,
    createdAt: row.created_at,
    leaseUntil: row.lease_until ?? 0,
  };
  if (row.first_attempt_at !== null) item.firstAttemptAt = row.first_attempt_at;
  return item;
}

const CLAIM_SQL = `
UPDATE outbox SET lease_until = @leaseUntil, leased_by = @worker
WHERE id IN (
  WITH in_flight AS (
    SELECT provider_id, COUNT(*) AS n FROM outbox
    WHERE state = 'pending' AND lease_until > @now GROUP BY provider_id
  ),
  due AS (
    SELECT id, provider_id, ROW_NUMBER() OVER (PARTITION BY provider_id ORDER BY id) AS rn FROM outbox
    WHERE state = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
  )
  SELECT due.id FROM due LEFT JOIN in_flight ON in_flight.provider_id = due.provider_id
  WHERE due.rn + COALESCE(in_flight.n, 0) <= @perProviderLimit
  ORDER BY due.id LIMIT @limit
)
RETURNING *`;

export class SqliteStore implements HubStore {
  readonly backend = 'sqlite' as const;
  /** The connection (tests and diagnosis only; the hub uses the methods). */
  readonly db: Database.Database;
  private readonly migrations: readonly Migration[];
  private readonly statements = new Map<string, Database.Statement>();
  /** Accepts waiting for the next group commit (acceptReferral). */
  private readonly acceptQueue: Array<{
    referral: NewReferral;
    now: number;
    resolve: (result: AcceptResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  private acceptSavepoint: ((referral: NewReferral, now: number) => AcceptResult) | undefined;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:' && options.path !== '') {
      mkdirSync(dirname(options.path), { recursive: true });
    }
    this.db = new Database(options.path);
    this.migrations = options.migrations ?? SQLITE_MIGRATIONS;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    this.db.pragma('foreign_keys = ON');
  }

  /** A prepared statement, prepared on first use and reused. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs fn in one BEGIN IMMEDIATE transaction (rolled back if fn throws). */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const migration of [...this.migrations].sort((a, b) => a.version - b.version)) {
      this.write(() => {
        if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version))
          return;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
      });
    }
  }

  async close(): Promise<void> {
    this.commitAccepts(); // accepts already queued are written (or refused) before the file closes
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  acceptReferral(referral: NewReferral, now: number): Promise<AcceptResult> {
    return new Promise<AcceptResult>((resolve, reject) => {
      this.acceptQueue.push({ referral, now, resolve, reject });
      if (this.acceptQueue.length === 1) setImmediate(() => this.commitAccepts());
    });
  }

  /** Writes every queued accept in one transaction (one fsync); each in its own savepoint. */
  private commitAccepts(): void {
    const group = this.acceptQueue.splice(0);
    if (group.length === 0) return;
    const outcomes: Array<{ ok: true; value: AcceptResult } | { ok: false; error: unknown }> = [];
    try {
      if (!this.db.open) throw new Error('The hub store is closed.');
      this.write(() => {
        outcomes.length = 0; // a retried transaction starts again
        for (const { referral, now } of group) {
          try {
            outcomes.push({ ok: true, value: this.acceptOne(referral, now) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing in the group is stored.
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error ?? new Error('The referral was not stored.'));
    });
  }

  /** One accept inside the group's transaction; a SAVEPOINT so a failure rolls back only this one. */
  private acceptOne(referral: NewReferral, now: number): AcceptResult {
    this.acceptSavepoint ??= this.db.transaction((r: NewReferral, at: number) => this.insertReferral(r, at));
    return this.acceptSavepoint(referral, now);
  }

  private insertReferral(referral: NewReferral, now: number): AcceptResult {
    const inserted = this.sql(
      `INSERT INTO referrals (id, practice_ods, ehr_base_url, patient_id, provider_id, delivery_mode,
         delivery_base_url, bundle, sent_by, status, delivery_state, created_at, updated_at)
       VALUES (@id, @practiceOds, @ehrBaseUrl, @patientId, @providerId, @deliveryMode,
         @deliveryBaseUrl, @bundle, @sentBy, 'requested', 'pending', @now, @now)
       ON CONFLICT (id) DO NOTHING`,
    ).run({
      id: referral.id,
      practiceOds: referral.practiceOds,
      ehrBaseUrl: referral.ehrBaseUrl,
      patientId: referral.patientId,
      providerId: referral.providerId,
      deliveryMode: referral.deliveryMode,
      deliveryBaseUrl: referral.deliveryBaseUrl ?? null,
      bundle: JSON.stringify(referral.bundle),
      sentBy: referral.sentBy,
      now,
    });
    if (inserted.changes === 0) {
      const stored = this.referralRow(referral.id);
      if (!stored) throw new Error(`The referral ${referral.id} was neither stored nor found.`);
      return { referral: referralFromSqlite(stored), created: false };
    }
    this.sql(
      `INSERT INTO outbox (referral_id, kind, provider_id, state, attempts, due_at, created_at)
       VALUES (?, 'new', ?, 'pending', 0, ?, ?)`,
    ).run(referral.id, referral.providerId, now, now);
    this.insertAudit(acceptedAudit(referral, now));
    return { referral: newStoredReferral(referral, now), created: true };
  }

  private referralRow(id: string): SqliteReferralRow | undefined {
    return this.sql('SELECT * FROM referrals WHERE id = ?').get(id) as SqliteReferralRow | undefined;
  }

  async getReferral(id: string): Promise<StoredReferral | undefined> {
    const row = this.referralRow(id);
    return row ? referralFromSqlite(row) : undefined;
  }

  async listReferrals(filter: ReferralFilter): Promise<StoredReferral[]> {
    const where: string[] = [];
    const params: Row = { limit: listLimit(filter.limit) };
    const add = (column: string, name: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} = @${name}`);
      params[name] = value;
    };
    add('practice_ods', 'practiceOds', filter.practiceOds);
    add('provider_id', 'providerId', filter.providerId);
    add('patient_id', 'patientId', filter.patientId);
    add('ehr_base_url', 'ehrBaseUrl', filter.ehrBaseUrl);
    add('status', 'status', filter.status);
    add('delivery_state', 'deliveryState', filter.deliveryState);
    const rows = this.sql(
      `SELECT * FROM referrals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
    ).all(params) as SqliteReferralRow[];
    return rows.map(referralFromSqlite);
  }

  async claimDeliveries(options: ClaimOptions): Promise<OutboxItem[]> {
    if (options.limit < 1 || options.perProviderLimit < 1) return [];
    const leaseUntil = options.now + options.leaseMs;
    const rows = this.write(
      () =>
        this.sql(CLAIM_SQL).all({
          now: options.now,
          leaseUntil,
          worker: options.worker,
          perProviderLimit: Math.floor(options.perProviderLimit),
          limit: Math.floor(options.limit),
        }) as OutboxRow[],
    );
    return rows.sort((a, b) => a.id - b.id).map(outboxItemFromRow);
  }

  async recordAttempt(
    itemId: number,
    leaseUntil: number,
    result: AttemptResult,
    now: number,
  ): Promise<boolean> {
    return this.write(() => {
      const item = this.sql('SELECT * FROM outbox WHERE id = ?').get(itemId) as OutboxRow | undefined;
      if (
        !item ||
        item.lease_until !== leaseUntil ||
        (item.state !== 'pending' && item.state !== 'dropped')
      ) {
        return false;
      }
      const referral = this.referralRow(item.referral_id);
      if (!referral) return false;
      const dropped = item.state === 'dropped';
      const attempt = item.attempts + 1;
      const common = {
        id: item.id,
        attempts: attempt,
        firstAt: item.first_attempt_at ?? now,
        now,
      };
      const updateItem = this.sql(
        `UPDATE outbox SET state = @state, attempts = @attempts, first_attempt_at = @firstAt,
           last_attempt_at = @now, last_error = @error, due_at = @dueAt, lease_until = NULL, leased_by = NULL,
           finished_at = @finishedAt
         WHERE id = @id`,
      );
      if (result.ok) {
        updateItem.run({ ...common, state: 'done', error: null, dueAt: item.due_at, finishedAt: now });
        if (item.kind === 'new') {
          this.sql(
            `UPDATE referrals SET delivery_state = 'delivered', delivered_at = @now,
               provider_reference = COALESCE(@providerReference, provider_reference),
               last_delivery_error = NULL, updated_at = @now
             WHERE id = @id`,
          ).run({ id: item.referral_id, now, providerReference: result.providerReference ?? null });
        }
      } else if (dropped) {
        updateItem.run({
          ...common,
          state: 'dropped',
          error: result.error,
          dueAt: item.due_at,
          finishedAt: now,
        });
      } else if (result.giveUp) {
        updateItem.run({
          ...common,
          state: 'failed',
          error: result.error,
          dueAt: item.due_at,
          finishedAt: now,
        });
        if (item.kind === 'new') {
          this.sql(
            `UPDATE referrals SET delivery_state = 'failed', delivered_at = @now, last_delivery_error = @error,
               updated_at = @now
             WHERE id = @id`,
          ).run({ id: item.referral_id, now, error: result.error });
        }
      } else {
        updateItem.run({
          ...common,
          state: 'pending',
          error: result.error,
          dueAt: result.retryAt ?? now,
          finishedAt: null,
        });
        if (item.kind === 'new') {
          this.sql('UPDATE referrals SET last_delivery_error = @error, updated_at = @now WHERE id = @id').run(
            {
              id: item.referral_id,
              now,
              error: result.error,
            },
          );
        }
      }
      const records = attemptAuditRecords(
        { id: item.id, referralId: item.referral_id, kind: item.kind, providerId: item.provider_id, attempt },
        referral.practice_ods,
        result,
        dropped,
        now,
      );
      for (const record of records) this.insertAudit(record);
      return true;
    });
  }

  async pendingDeliveries(): Promise<number> {
    const row = this.sql("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number };
    return row.n;
  }

  async updateStatus(id: string, change: StatusChange, agent: string, now: number): Promise<StoredReferral> {
    return this.write(() => {
      const row = this.referralRow(id);
      if (!row) throw notFound(id);
      const from = row.status as ReferralStatus;
      if (!canTransition(from, change.status)) throw badTransition(from, change.status);
      const plan = planStatusUpdate(
        {
          status: from,
          business_status: row.business_status,
          status_reason: row.status_reason,
          outcome: row.outcome === null ? null : JSON.parse(row.outcome),
        },
        change,
      );
      this.sql(
        `UPDATE referrals SET status = @status, business_status = @businessStatus, status_reason = @statusReason,
           outcome = @outcome, updated_at = @now
         WHERE id = @id`,
      ).run({
        id,
        status: change.status,
        businessStatus: plan.businessStatus,
        statusReason: plan.statusReason,
        outcome: plan.outcome === null ? null : JSON.stringify(plan.outcome),
        now,
      });
      let cancel: CancelPlan | undefined;
      if (change.status === 'cancelled' && from !== 'cancelled') {
        const item = this.sql(
          "SELECT * FROM outbox WHERE referral_id = ? AND kind = 'new' ORDER BY id LIMIT 1",
        ).get(id) as OutboxRow | undefined;
        cancel = planCancel(
          row.delivery_state as 'pending' | 'delivered' | 'failed',
          item && { state: item.state, attempts: item.attempts, leaseUntil: item.lease_until ?? undefined },
          now,
        );
        if (cancel.dropNew && item) {
          this.sql("UPDATE outbox SET state = 'dropped', finished_at = ? WHERE id = ?").run(now, item.id);
        }
        if (cancel.cancelDueAt !== undefined) {
          this.sql(
            `INSERT INTO outbox (referral_id, kind, provider_id, state, attempts, due_at, created_at)
             VALUES (?, 'cancel', ?, 'pending', 0, ?, ?)`,
          ).run(id, row.provider_id, cancel.cancelDueAt, now);
        }
      }
      this.insertAudit(
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
      const updated = this.referralRow(id);
      if (!updated) throw notFound(id);
      return referralFromSqlite(updated);
    });
  }

  private insertAudit(record: NewAuditRecord): void {
    this.sql(
      `INSERT INTO audit (at, action, outcome, agent, practice_ods, referral_id, provider_id, detail)
       VALUES (@at, @action, @outcome, @agent, @practiceOds, @referralId, @providerId, @detail)`,
    ).run({
      at: record.at ?? Date.now(),
      action: record.action,
      outcome: record.outcome,
      agent: record.agent,
      practiceOds: record.practiceOds ?? null,
      referralId: record.referralId ?? null,
      providerId: record.providerId ?? null,
      detail: record.detail === undefined ? null : JSON.stringify(record.detail),
    });
  }

  async appendAudit(record: NewAuditRecord): Promise<void> {
    this.insertAudit(record);
  }

  async listAudit(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: Row = { limit: listLimit(filter.limit) };
    const add = (clause: string, name: string, value: unknown) => {
      if (value === undefined) return;
      where.push(clause);
      params[name] = value;
    };
    add('practice_ods = @practiceOds', 'practiceOds', filter.practiceOds);
    add('referral_id = @referralId', 'referralId', filter.referralId);
    add('provider_id = @providerId', 'providerId', filter.providerId);
    add('action = @action', 'action', filter.action);
    add('at >= @since', 'since', filter.since);
    add('at < @until', 'until', filter.until);
    const rows = this.sql(
      `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT @limit`,
    ).all(params) as (Omit<AuditRowValues, 'detail'> & { detail: string | null })[];
    return rows.map((row) =>
      auditFromRow({ ...row, detail: row.detail === null ? null : JSON.parse(row.detail) }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Configuration versions.

  private configRow(practiceOds: string, kind: ConfigKind, version: number): ConfigVersion | undefined {
    const row = this.sql(
      `SELECT v.*, l.version AS live_version FROM config_versions v
       LEFT JOIN config_live l ON l.practice_ods = v.practice_ods AND l.kind = v.kind
       WHERE v.practice_ods = ? AND v.kind = ? AND v.version = ?`,
    ).get(practiceOds, kind, version) as ConfigVersionRowValues | undefined;
    return row ? configVersionFromRow(row) : undefined;
  }

  private liveVersion(practiceOds: string, kind: ConfigKind): number | null {
    const row = this.sql('SELECT version FROM config_live WHERE practice_ods = ? AND kind = ?').get(
      practiceOds,
      kind,
    ) as { version: number } | undefined;
    return row ? row.version : null;
  }

  private publishIn(practiceOds: string, kind: ConfigKind, version: number, author: string, now: number) {
    const previous = this.liveVersion(practiceOds, kind);
    this.sql(
      `UPDATE config_versions SET published_at = ?, published_by = ?
       WHERE practice_ods = ? AND kind = ? AND version = ?`,
    ).run(now, author, practiceOds, kind, version);
    this.sql(
      `INSERT INTO config_live (practice_ods, kind, version) VALUES (?, ?, ?)
       ON CONFLICT (practice_ods, kind) DO UPDATE SET version = excluded.version`,
    ).run(practiceOds, kind, version);
    this.insertAudit(configPublishedAudit(practiceOds, kind, version, previous, author, now));
  }

  async saveConfigVersion(v: NewConfigVersion, now: number): Promise<ConfigVersion> {
    return this.write(() => {
      const latest = this.sql(
        'SELECT MAX(version) AS n FROM config_versions WHERE practice_ods = ? AND kind = ?',
      ).get(v.practiceOds, v.kind) as { n: number | null };
      if (v.basedOn !== undefined && v.basedOn !== (latest.n ?? 0))
        throw staleConfigVersion(v, latest.n ?? 0);
      const version = (latest.n ?? 0) + 1;
      this.sql(
        `INSERT INTO config_versions (practice_ods, kind, version, body, author, author_name, created_at, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        v.practiceOds,
        v.kind,
        version,
        JSON.stringify(v.body),
        v.author,
        v.authorName ?? null,
        now,
        v.note ?? null,
      );
      this.insertAudit(configSavedAudit(v, version, now));
      if (v.publish) this.publishIn(v.practiceOds, v.kind, version, v.author, now);
      const saved = this.configRow(v.practiceOds, v.kind, version);
      if (!saved) throw configVersionNotFound(v.practiceOds, v.kind, version);
      return saved;
    });
  }

  async listConfigVersions(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion[]> {
    const rows = this.sql(
      `SELECT v.*, l.version AS live_version FROM config_versions v
       LEFT JOIN config_live l ON l.practice_ods = v.practice_ods AND l.kind = v.kind
       WHERE v.practice_ods = ? AND v.kind = ? ORDER BY v.version DESC`,
    ).all(practiceOds, kind) as ConfigVersionRowValues[];
    return rows.map(configVersionFromRow);
  }

  async getConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
  ): Promise<ConfigVersion | undefined> {
    return this.configRow(practiceOds, kind, version);
  }

  async publishConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
    author: string,
    now: number,
  ): Promise<ConfigVersion> {
    return this.write(() => {
      if (!this.configRow(practiceOds, kind, version)) {
        throw configVersionNotFound(practiceOds, kind, version);
      }
      this.publishIn(practiceOds, kind, version, author, now);
      const published = this.configRow(practiceOds, kind, version);
      if (!published) throw configVersionNotFound(practiceOds, kind, version);
      return published;
    });
  }

  async publishedConfigVersion(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion | undefined> {
    const live = this.liveVersion(practiceOds, kind);
    return live === null ? undefined : this.configRow(practiceOds, kind, live);
  }

  // -------------------------------------------------------------------------------------------
  // Prompt events and figure rows.

  async recordPromptEvents(events: PromptEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.write(() => {
      const insert = this.sql(
        `INSERT INTO prompt_events (practice_ods, card, rule_id, action, at, agent, reason_code, referral_id,
           provider_id)
         VALUES (@practice_ods, @card, @rule_id, @action, @at, @agent, @reason_code, @referral_id, @provider_id)
         ON CONFLICT (practice_ods, card, action, at) DO NOTHING`,
      );
      let stored = 0;
      for (const event of events) stored += insert.run(promptEventValues(event)).changes;
      return stored;
    });
  }

  async listPromptEvents(filter: PromptEventFilter): Promise<PromptEvent[]> {
    const rows = this.sql(
      `SELECT * FROM prompt_events WHERE practice_ods = @practiceOds
         AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until)
       ORDER BY at, id`,
    ).all({
      practiceOds: filter.practiceOds,
      since: filter.since ?? null,
      until: filter.until ?? null,
    }) as PromptEventRowValues[];
    return rows.map(promptEventFromRow);
  }

  async referralFigureRows(filter: ReferralFigureFilter): Promise<ReferralFigureRow[]> {
    const rows = this.sql(
      `SELECT r.id, r.provider_id, r.created_at, r.status, r.status_reason,
         (SELECT MIN(a.at) FROM audit a WHERE a.referral_id = r.id AND a.action = 'status-changed'
            AND json_extract(a.detail, '$.from') = 'requested'
            AND json_extract(a.detail, '$.to') IN ('accepted', 'rejected')) AS acknowledged_at,
         (SELECT MIN(a.at) FROM audit a WHERE a.referral_id = r.id AND a.action = 'status-changed'
            AND json_extract(a.detail, '$.from') <> 'completed'
            AND json_extract(a.detail, '$.to') = 'completed') AS completed_at
       FROM referrals r WHERE r.practice_ods = @practiceOds
         AND (@since IS NULL OR r.created_at >= @since) AND (@until IS NULL OR r.created_at < @until)
       ORDER BY r.created_at, r.rowid`,
    ).all({
      practiceOds: filter.practiceOds,
      since: filter.since ?? null,
      until: filter.until ?? null,
    }) as FigureRowValues[];
    return rows.map(figureRowFromRow);
  }
}
