/**
 * The referral hub's storage contract. Two implementations behave identically and run the same
 * tests: SQLite through better-sqlite3 (the embedded default; WAL, synchronous=FULL) and PostgreSQL
 * through `pg` (when DATABASE_URL is set).
 *
 * What the hub promises a GP who presses Send — the provider gets the referral exactly once, even
 * across provider outages and hub restarts — rests on three rules this contract encodes:
 * 1. Accepting a referral, its first outbox row and its audit record happen in ONE transaction
 *    (`acceptReferral`); a referral whose business identifier is already stored is not stored again
 *    (the same Send twice is one referral, one delivery).
 * 2. A delivery is claimed under a lease (`claimDeliveries`): a worker that dies mid-send leaves a
 *    lease that expires, and the next claim (by this or a restarted hub) picks the row up again.
 *    Claims respect a per-provider limit on deliveries in flight.
 * 3. Delivery itself is idempotent at the provider (conditional create on the business identifier,
 *    or the message id for BaRS), so a retry after an unknown outcome cannot make a second referral.
 *
 * Times are milliseconds since the epoch (numbers) in the store API; stored as integers. Every method
 * is async so both backends share one interface.
 */
import type { Bundle } from '@medplum/fhirtypes';

import { REFERRAL_STATUSES, type ReferralStatus } from '../../domain/outcome.js';

export { REFERRAL_STATUSES, type ReferralStatus };

/** Allowed status changes (Task state machine for a referral). */
export const STATUS_TRANSITIONS: Record<ReferralStatus, readonly ReferralStatus[]> = {
  requested: ['accepted', 'rejected', 'cancelled'],
  accepted: ['in-progress', 'completed', 'cancelled'],
  'in-progress': ['completed', 'cancelled'],
  rejected: [],
  completed: [],
  cancelled: [],
};

/** Where the referral is on its way to the provider. */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** How a provider receives referrals (the directory's endpoint.mode). */
export type DeliveryMode = 'fhir-rest' | 'bars-message' | 'hub-inbox';

/** What the hub stores when it accepts a referral. */
export interface NewReferral {
  /** The referral's business identifier value (ServiceRequest.identifier, ID_SYSTEM.referral). */
  id: string;
  /** The practice's ODS code. */
  practiceOds: string;
  /** The EHR's FHIR base URL the GP app launched from (the token's issuer of record). */
  ehrBaseUrl: string;
  /** The patient's id on that EHR (the SMART launch context). */
  patientId: string;
  /** The provider's id in the practice's directory. */
  providerId: string;
  /** How and where to deliver (from the directory at the moment of acceptance). */
  deliveryMode: DeliveryMode;
  /** The provider's FHIR base URL (fhir-rest, bars-message); absent for hub-inbox. */
  deliveryBaseUrl?: string;
  /** The referral transaction Bundle exactly as the GP app built it (ServiceRequest, Consent, Task …). */
  bundle: Bundle;
  /** Who sent it (fhirUser of the GP, e.g. Practitioner/gp-1), for the audit trail. */
  sentBy: string;
}

export interface StoredReferral extends NewReferral {
  status: ReferralStatus;
  /** Task.businessStatus text, e.g. "scheduled", "did not attend". */
  businessStatus?: string;
  /** Task.statusReason text (why rejected or cancelled). */
  statusReason?: string;
  deliveryState: DeliveryState;
  /** When delivered (ms), or when delivery was given up. */
  deliveredAt?: number;
  /** The last delivery error in plain English (when failed or retrying). */
  lastDeliveryError?: string;
  /** The provider's id for the ServiceRequest it created (from the delivery response), if any. */
  providerReference?: string;
  /** The outcome the provider reported on completion (FHIR resources: see the hub's outcome API). */
  outcome?: unknown;
  createdAt: number;
  updatedAt: number;
}

export interface AcceptResult {
  referral: StoredReferral;
  /** false when a referral with this id was already stored (nothing was written). */
  created: boolean;
}

/** One delivery to perform: a new referral, or a cancellation of one already delivered. */
export interface OutboxItem {
  id: number;
  referralId: string;
  kind: 'new' | 'cancel';
  providerId: string;
  /** Attempts made before this claim. */
  attempts: number;
  /** When the first attempt was made (ms), if any; the give-up clock starts here (or at createdAt). */
  firstAttemptAt?: number;
  createdAt: number;
  /** The claiming worker's lease ends at this time (ms). */
  leaseUntil: number;
}

export type AttemptResult =
  | { ok: true; providerReference?: string }
  | {
      ok: false;
      /** Plain English, e.g. "The provider's server answered 503 Service Unavailable." */
      error: string;
      /** Try again at this time (ms); omitted with giveUp. */
      retryAt?: number;
      /** Stop trying: the referral's deliveryState becomes `failed` (the GP is shown the provider's phone). */
      giveUp?: boolean;
    };

export interface ClaimOptions {
  now: number;
  /** Most items to claim now. */
  limit: number;
  /** How long the claim holds before another worker may take the item (ms). */
  leaseMs: number;
  /** Most deliveries in flight (leased and unexpired) per provider, across all workers. */
  perProviderLimit: number;
  /** Names the claiming worker (for diagnosis). */
  worker: string;
}

export interface StatusChange {
  status: ReferralStatus;
  businessStatus?: string;
  statusReason?: string;
  outcome?: unknown;
}

/** The AuditEvent-shaped record of something that happened (append-only). */
export interface AuditRecord {
  id: number;
  at: number;
  /** e.g. referral-accepted, delivery-attempt, delivery-succeeded, delivery-failed, status-changed,
   * cancellation-requested, inbox-view, config-read, access-refused. */
  action: string;
  /** FHIR AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
  outcome: '0' | '4' | '8' | '12';
  /** Who: fhirUser, provider client id, staff user id, or 'hub'. */
  agent: string;
  practiceOds?: string;
  referralId?: string;
  providerId?: string;
  /** Plain-English detail, and anything structured worth keeping. */
  detail?: Record<string, unknown>;
}

export type NewAuditRecord = Omit<AuditRecord, 'id' | 'at'> & { at?: number };

export interface ReferralFilter {
  practiceOds?: string;
  providerId?: string;
  patientId?: string;
  ehrBaseUrl?: string;
  status?: ReferralStatus;
  deliveryState?: DeliveryState;
  /** Newest first; at most this many (default 100, max 1000). */
  limit?: number;
}

export interface AuditFilter {
  practiceOds?: string;
  referralId?: string;
  providerId?: string;
  action?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Which practice configuration a version holds: the prompt rules file or the provider directory. */
export type ConfigKind = 'rules' | 'directory';
export const CONFIG_KINDS: readonly ConfigKind[] = ['rules', 'directory'];

/** One saved version of a practice's rules file or directory (the IT-lead console's versions). */
export interface ConfigVersion {
  practiceOds: string;
  kind: ConfigKind;
  /** 1, 2, 3 … per practice and kind, assigned atomically. */
  version: number;
  /** The rules file / directory JSON exactly as saved (already validated). */
  body: unknown;
  /** Staff agent (staffAgent(staff)) or 'hub'. */
  author: string;
  /** The person's name from the token, when known. */
  authorName?: string;
  createdAt: number;
  /** "Restored from version 3", "Imported from a file", the IT lead's own note … */
  note?: string;
  /** True for the ONE version currently published (live) for this practice and kind. */
  published: boolean;
  /** When and by whom this version was (last) published. */
  publishedAt?: number;
  publishedBy?: string;
}

export interface NewConfigVersion {
  practiceOds: string;
  kind: ConfigKind;
  body: unknown;
  author: string;
  authorName?: string;
  note?: string;
  /** Publish it at once (it becomes the live version). */
  publish: boolean;
  /**
   * The version the change started from: when another version was saved since, nothing is saved and
   * StoreConflictError(kind 'stale') is thrown. Checked inside the save's transaction, so two IT leads
   * saving at once cannot both pass.
   */
  basedOn?: number;
}

/** What a GP did with a prompt card (recorded from the app's CDS Hooks feedback). */
export const PROMPT_ACTIONS = ['shown', 'referred', 'self-referral', 'snoozed', 'overridden'] as const;
export type PromptAction = (typeof PROMPT_ACTIONS)[number];

export interface PromptEvent {
  practiceOds: string;
  /** The card uuid (stable per patient, episode, rule: no patient data). */
  card: string;
  ruleId: string;
  action: PromptAction;
  /** ms (the app's outcomeTimestamp). */
  at: number;
  /** The GP's fhirUser. */
  agent: string;
  /** overridden: the override reason code; snoozed: 'until-next-note' | 'until-date'. */
  reasonCode?: string;
  /** referred: the referral's business identifier, when known. */
  referralId?: string;
  /** referred. */
  providerId?: string;
}

export interface PromptEventFilter {
  practiceOds: string;
  /** Inclusive (ms). */
  since?: number;
  /** Exclusive (ms). */
  until?: number;
}

/** One referral as the figures need it. */
export interface ReferralFigureRow {
  id: string;
  providerId: string;
  createdAt: number;
  status: ReferralStatus;
  /** The decline reason CODE when rejected and recognisable, else the reason's text. */
  statusReason?: string;
  /** First change to accepted or rejected. */
  acknowledgedAt?: number;
  /** First change to completed. */
  completedAt?: number;
}

export interface ReferralFigureFilter {
  practiceOds: string;
  /** Inclusive, on createdAt (ms). */
  since?: number;
  /** Exclusive, on createdAt (ms). */
  until?: number;
}

/** A thrown error for a status change the state machine does not allow, or a referral not found. */
export class StoreConflictError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-found' | 'bad-transition' | 'stale',
  ) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export interface HubStore {
  /** Which backend, for logs and the bench. */
  readonly backend: 'sqlite' | 'postgres';
  /** Runs pending schema migrations (idempotent; safe when several hubs start at once on PostgreSQL). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Stores the referral, its 'new' outbox item and a referral-accepted audit record atomically. */
  acceptReferral(referral: NewReferral, now: number): Promise<AcceptResult>;
  getReferral(id: string): Promise<StoredReferral | undefined>;
  listReferrals(filter: ReferralFilter): Promise<StoredReferral[]>;

  /** Claims due, unleased (or lease-expired) outbox items, oldest first, within the per-provider limit. */
  claimDeliveries(options: ClaimOptions): Promise<OutboxItem[]>;
  /**
   * Records the outcome of one attempt at a claimed item, with its audit record, atomically: success
   * marks the item done and (for 'new') the referral delivered; failure schedules the retry or, with
   * giveUp, marks the item and the referral failed. Ignored (returns false) when the item's lease
   * was lost to another worker.
   */
  recordAttempt(itemId: number, leaseUntil: number, result: AttemptResult, now: number): Promise<boolean>;
  /** Outbox items not yet done (for shutdown and tests). */
  pendingDeliveries(): Promise<number>;

  /**
   * Changes the referral's status (checked against STATUS_TRANSITIONS; StoreConflictError otherwise)
   * with an audit record, atomically. A change to `cancelled` on a delivered referral also queues a
   * 'cancel' outbox item for the provider.
   */
  updateStatus(id: string, change: StatusChange, agent: string, now: number): Promise<StoredReferral>;

  appendAudit(record: NewAuditRecord): Promise<void>;
  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;

  /**
   * Saves a new version (numbered after the latest for this practice and kind) and, when asked,
   * publishes it, with its audit records ('config-saved'; 'config-published' too), in ONE transaction.
   */
  saveConfigVersion(version: NewConfigVersion, now: number): Promise<ConfigVersion>;
  /** Every version, newest first. */
  listConfigVersions(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion[]>;
  getConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
  ): Promise<ConfigVersion | undefined>;
  /** Makes the version the live one (audit 'config-published'); StoreConflictError 'not-found' when no such version. */
  publishConfigVersion(
    practiceOds: string,
    kind: ConfigKind,
    version: number,
    author: string,
    now: number,
  ): Promise<ConfigVersion>;
  /** The live version, if any. */
  publishedConfigVersion(practiceOds: string, kind: ConfigKind): Promise<ConfigVersion | undefined>;

  /** Stores the events; the same (practiceOds, card, action, at) again is ignored. Returns how many were new. */
  recordPromptEvents(events: PromptEvent[]): Promise<number>;
  /** Oldest first. */
  listPromptEvents(filter: PromptEventFilter): Promise<PromptEvent[]>;
  /** The practice's referrals for the figures, oldest first by createdAt. */
  referralFigureRows(filter: ReferralFigureFilter): Promise<ReferralFigureRow[]>;
}
