/**
 * Schema migrations for the hub's store, one list per backend with the same version numbers.
 *
 * Each migration is applied once, in its own transaction, and recorded in `schema_migrations`
 * (version, name, applied_at). Never edit a migration that has shipped: add the next version.
 *
 * Tables (migration 1):
 * - `referrals`: one row per accepted referral (primary key = the referral's business identifier, so
 *   the same Send twice is one row). `seq` (Postgres) / rowid (SQLite) orders rows accepted in the same ms.
 * - `outbox`: deliveries to make. `state` is pending | done | failed | dropped (a 'new' item removed
 *   because the referral was cancelled first). A pending item is due at `due_at`; a claim sets
 *   `lease_until`/`leased_by`; an item is in flight while `lease_until` is in the future.
 * - `audit`: the append-only trail (AuditEvent-shaped). Triggers refuse UPDATE and DELETE.
 *
 * Migration 2 (the IT-lead console):
 * - `config_versions`: every saved version of a practice's rules file or directory, numbered 1, 2, 3 …
 *   per (practice_ods, kind); `published_at`/`published_by` say when it was last published.
 *   `body` is the JSON text exactly as saved (TEXT on both backends: jsonb would reorder its keys).
 * - `config_live`: which version is live (published) per (practice_ods, kind): one row each.
 * - `prompt_events`: what GPs did with prompt cards (shown, referred, …); the same
 *   (practice_ods, card, action, at) is stored once.
 *
 * Times are integers (ms since the epoch): INTEGER on SQLite, BIGINT on Postgres. JSON is TEXT on
 * SQLite and jsonb on Postgres.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'referrals, outbox and audit',
    sql: `
CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  practice_ods TEXT NOT NULL,
  ehr_base_url TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  delivery_mode TEXT NOT NULL CHECK (delivery_mode IN ('fhir-rest', 'bars-message', 'hub-inbox')),
  delivery_base_url TEXT,
  bundle TEXT NOT NULL,
  sent_by TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'rejected', 'in-progress', 'completed', 'cancelled')),
  business_status TEXT,
  status_reason TEXT,
  delivery_state TEXT NOT NULL CHECK (delivery_state IN ('pending', 'delivered', 'failed')),
  delivered_at INTEGER,
  last_delivery_error TEXT,
  provider_reference TEXT,
  outcome TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX referrals_practice ON referrals (practice_ods, created_at);
CREATE INDEX referrals_provider ON referrals (provider_id, created_at);
CREATE INDEX referrals_patient ON referrals (patient_id, created_at);
CREATE INDEX referrals_created ON referrals (created_at);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals (id),
  kind TEXT NOT NULL CHECK (kind IN ('new', 'cancel')),
  provider_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'dropped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_error TEXT,
  due_at INTEGER NOT NULL,
  lease_until INTEGER,
  leased_by TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox (provider_id, lease_until) WHERE state = 'pending';
CREATE INDEX outbox_referral ON outbox (referral_id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
  agent TEXT NOT NULL,
  practice_ods TEXT,
  referral_id TEXT,
  provider_id TEXT,
  detail TEXT
);
CREATE INDEX audit_practice_at ON audit (practice_ods, at);
CREATE INDEX audit_referral_at ON audit (referral_id, at);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: records cannot be changed.'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: records cannot be deleted.'); END;
`,
  },
  {
    version: 2,
    name: 'configuration versions and prompt events',
    sql: `
CREATE TABLE config_versions (
  practice_ods TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('rules', 'directory')),
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  author TEXT NOT NULL,
  author_name TEXT,
  created_at INTEGER NOT NULL,
  note TEXT,
  published_at INTEGER,
  published_by TEXT,
  PRIMARY KEY (practice_ods, kind, version)
);

CREATE TABLE config_live (
  practice_ods TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('rules', 'directory')),
  version INTEGER NOT NULL,
  PRIMARY KEY (practice_ods, kind),
  FOREIGN KEY (practice_ods, kind, version) REFERENCES config_versions (practice_ods, kind, version)
);

CREATE TABLE prompt_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  practice_ods TEXT NOT NULL,
  card TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('shown', 'referred', 'self-referral', 'snoozed', 'overridden')),
  at INTEGER NOT NULL,
  agent TEXT NOT NULL,
  reason_code TEXT,
  referral_id TEXT,
  provider_id TEXT,
  UNIQUE (practice_ods, card, action, at)
);
CREATE INDEX prompt_events_practice_at ON prompt_events (practice_ods, at);
`,
  },
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'referrals, outbox and audit',
    sql: `
CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  practice_ods TEXT NOT NULL,
  ehr_base_url TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  delivery_mode TEXT NOT NULL CHECK (delivery_mode IN ('fhir-rest', 'bars-message', 'hub-inbox')),
  delivery_base_url TEXT,
  bundle JSONB NOT NULL,
  sent_by TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'rejected', 'in-progress', 'completed', 'cancelled')),
  business_status TEXT,
  status_reason TEXT,
  delivery_state TEXT NOT NULL CHECK (delivery_state IN ('pending', 'delivered', 'failed')),
  delivered_at BIGINT,
  last_delivery_error TEXT,
  provider_reference TEXT,
  outcome JSONB,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX referrals_practice ON referrals (practice_ods, created_at DESC, seq DESC);
CREATE INDEX referrals_provider ON referrals (provider_id, created_at DESC, seq DESC);
CREATE INDEX referrals_patient ON referrals (patient_id, created_at DESC, seq DESC);
CREATE INDEX referrals_created ON referrals (created_at DESC, seq DESC);

CREATE TABLE outbox (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  referral_id TEXT NOT NULL REFERENCES referrals (id),
  kind TEXT NOT NULL CHECK (kind IN ('new', 'cancel')),
  provider_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'dropped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_at BIGINT,
  last_attempt_at BIGINT,
  last_error TEXT,
  due_at BIGINT NOT NULL,
  lease_until BIGINT,
  leased_by TEXT,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox (provider_id, lease_until) WHERE state = 'pending';
CREATE INDEX outbox_referral ON outbox (referral_id);

CREATE TABLE audit (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
  agent TEXT NOT NULL,
  practice_ods TEXT,
  referral_id TEXT,
  provider_id TEXT,
  detail JSONB
);
CREATE INDEX audit_practice_at ON audit (practice_ods, at DESC, id DESC);
CREATE INDEX audit_referral_at ON audit (referral_id, at DESC, id DESC);
CREATE INDEX audit_at ON audit (at DESC, id DESC);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'The audit trail is append-only: records cannot be changed or deleted.';
END
$fn$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
`,
  },
  {
    version: 2,
    name: 'configuration versions and prompt events',
    sql: `
CREATE TABLE config_versions (
  practice_ods TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('rules', 'directory')),
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  author TEXT NOT NULL,
  author_name TEXT,
  created_at BIGINT NOT NULL,
  note TEXT,
  published_at BIGINT,
  published_by TEXT,
  PRIMARY KEY (practice_ods, kind, version)
);

CREATE TABLE config_live (
  practice_ods TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('rules', 'directory')),
  version INTEGER NOT NULL,
  PRIMARY KEY (practice_ods, kind),
  FOREIGN KEY (practice_ods, kind, version) REFERENCES config_versions (practice_ods, kind, version)
);

CREATE TABLE prompt_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  practice_ods TEXT NOT NULL,
  card TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('shown', 'referred', 'self-referral', 'snoozed', 'overridden')),
  at BIGINT NOT NULL,
  agent TEXT NOT NULL,
  reason_code TEXT,
  referral_id TEXT,
  provider_id TEXT,
  UNIQUE (practice_ods, card, action, at)
);
CREATE INDEX prompt_events_practice_at ON prompt_events (practice_ods, at);
`,
  },
];
