/**
 * Rules both store backends share, so SQLite and PostgreSQL decide the same way: which status
 * changes are allowed, what a cancellation does to the outbox, the audit records an attempt writes,
 * and list limits.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { DECLINE_REASON_WORDS, DECLINE_REASONS } from '../../domain/outcome.js';
import {
  type AttemptResult,
  type AuditRecord,
  type ConfigKind,
  type ConfigVersion,
  type DeliveryMode,
  type DeliveryState,
  type NewAuditRecord,
  type NewConfigVersion,
  type NewReferral,
  type PromptAction,
  type PromptEvent,
  type ReferralFigureRow,
  type ReferralStatus,
  STATUS_TRANSITIONS,
  type StatusChange,
  StoreConflictError,
  type StoredReferral,
} from './types.js';

/**
 * Whether a referral may move from one status to another: the pairs in STATUS_TRANSITIONS, plus
 * staying in the same non-final status (so a provider can change the business status, e.g. to
 * "scheduled", without moving the Task). A final status (rejected, completed, cancelled) never changes.
 */
export function canTransition(from: ReferralStatus, to: ReferralStatus): boolean {
  const next = STATUS_TRANSITIONS[from];
  return next.includes(to) || (from === to && next.length > 0);
}

const STATUS_WORDS: Record<ReferralStatus, string> = {
  requested: 'requested',
  accepted: 'accepted',
  rejected: 'rejected',
  'in-progress': 'in progress',
  completed: 'completed',
  cancelled: 'cancelled',
};

export function badTransition(from: ReferralStatus, to: ReferralStatus): StoreConflictError {
  return new StoreConflictError(
    `This referral is ${STATUS_WORDS[from]}; it cannot become ${STATUS_WORDS[to]}. ` +
      'Reload the referral to see its current status.',
    'bad-transition',
  );
}

export function notFound(id: string): StoreConflictError {
  return new StoreConflictError(
    `No referral with the identifier "${id}" is stored in the hub. Check the identifier, or send the referral again.`,
    'not-found',
  );
}

/** Newest-first lists: default 100, at most 1000, at least 1. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 100;
  return Math.min(1000, Math.max(1, Math.floor(limit)));
}

/** What the outbox knows about a referral's 'new' delivery when the referral is cancelled. */
export interface NewItemState {
  state: 'pending' | 'done' | 'failed' | 'dropped';
  attempts: number;
  leaseUntil?: number | undefined;
}

export interface CancelPlan {
  /** Drop the pending 'new' item (stop trying to deliver a referral nobody wants now). */
  dropNew: boolean;
  /** Queue a 'cancel' item, due at this time (undefined: no cancel to send). */
  cancelDueAt?: number;
}

/**
 * What cancelling a referral does to its deliveries.
 * - Delivered: queue a 'cancel' item now (the provider has the referral and must be told).
 * - Never sent (its 'new' item pending, no attempt made, not in flight): drop the 'new' item and send
 *   nothing (there is nothing to cancel at the provider).
 * - Possibly at the provider although not confirmed (an attempt was made — a timed-out attempt may
 *   still have arrived — or one is in flight now, or delivery was given up after attempts): drop a
 *   still-pending 'new' item AND queue a 'cancel', due when any in-flight attempt's lease ends, so the
 *   cancellation never overtakes the referral. Cancelling a referral the provider never got is harmless
 *   for the delivery worker (nothing found to revoke counts as done).
 */
export function planCancel(
  deliveredState: 'pending' | 'delivered' | 'failed',
  item: NewItemState | undefined,
  now: number,
): CancelPlan {
  if (deliveredState === 'delivered') return { dropNew: false, cancelDueAt: now };
  if (!item) return { dropNew: false };
  const inFlight = item.state === 'pending' && item.leaseUntil !== undefined && item.leaseUntil > now;
  const mayHaveArrived = item.attempts > 0 || inFlight;
  const dropNew = item.state === 'pending';
  if (!mayHaveArrived) return { dropNew };
  return { dropNew, cancelDueAt: inFlight ? Math.max(now, item.leaseUntil ?? now) : now };
}

/** The audit records one delivery attempt writes (always a delivery-attempt; then succeeded/failed). */
export function attemptAuditRecords(
  item: { id: number; referralId: string; kind: 'new' | 'cancel'; providerId: string; attempt: number },
  practiceOds: string,
  result: AttemptResult,
  /** The item had been dropped by a cancellation while this attempt was in flight. */
  dropped: boolean,
  now: number,
): NewAuditRecord[] {
  const base = {
    agent: 'hub',
    practiceOds,
    referralId: item.referralId,
    providerId: item.providerId,
    at: now,
  };
  const detail: Record<string, unknown> = { kind: item.kind, attempt: item.attempt, outboxItem: item.id };
  if (dropped) detail.cancelledMeanwhile = true;
  if (result.ok) {
    if (result.providerReference) detail.providerReference = result.providerReference;
    return [
      { ...base, action: 'delivery-attempt', outcome: '0', detail: { ...detail, text: 'Delivered.' } },
      {
        ...base,
        action: 'delivery-succeeded',
        outcome: '0',
        detail: {
          ...detail,
          text:
            item.kind === 'new'
              ? 'The provider received the referral.'
              : 'The provider was told the referral is cancelled.',
        },
      },
    ];
  }
  const givingUp = result.giveUp === true && !dropped;
  const records: NewAuditRecord[] = [
    {
      ...base,
      action: 'delivery-attempt',
      outcome: givingUp ? '8' : '4',
      detail: {
        ...detail,
        text: result.error,
        ...(result.retryAt !== undefined && !givingUp && !dropped ? { retryAt: result.retryAt } : {}),
      },
    },
  ];
  if (givingUp) {
    records.push({
      ...base,
      action: 'delivery-failed',
      outcome: '8',
      detail: {
        ...detail,
        text:
          item.kind === 'new'
            ? `The hub stopped trying to deliver the referral: ${result.error}`
            : `The hub stopped trying to tell the provider the referral is cancelled: ${result.error}`,
      },
    });
  }
  return records;
}

/** The columns of an audit row, common to both backends (JSON detail already parsed). */
export interface AuditRowValues {
  id: number;
  at: number;
  action: string;
  outcome: string;
  agent: string;
  practice_ods: string | null;
  referral_id: string | null;
  provider_id: string | null;
  detail: Record<string, unknown> | null;
}

export function auditFromRow(row: AuditRowValues): AuditRecord {
  const record: AuditRecord = {
    id: row.id,
    at: row.at,
    action: row.action,
    outcome: row.outcome as AuditRecord['outcome'],
    agent: row.agent,
  };
  if (row.practice_ods !== null) record.practiceOds = row.practice_ods;
  if (row.referral_id !== null) record.referralId = row.referral_id;
  if (row.provider_id !== null) record.providerId = row.provider_id;
  if (row.detail !== null) record.detail = row.detail;
  return record;
}

/** The columns of a referral row, common to both backends (JSON parsed, times as numbers). */
export interface ReferralRowValues {
  id: string;
  practice_ods: string;
  ehr_base_url: string;
  patient_id: string;
  provider_id: string;
  delivery_mode: string;
  delivery_base_url: string | null;
  bundle: unknown;
  sent_by: string;
  status: string;
  business_status: string | null;
  status_reason: string | null;
  delivery_state: string;
  delivered_at: number | null;
  last_delivery_error: string | null;
  provider_reference: string | null;
  outcome: unknown;
  created_at: number;
  updated_at: number;
}

export function referralFromRow(row: ReferralRowValues): StoredReferral {
  const referral: StoredReferral = {
    id: row.id,
    practiceOds: row.practice_ods,
    ehrBaseUrl: row.ehr_base_url,
    patientId: row.patient_id,
    providerId: row.provider_id,
    deliveryMode: row.delivery_mode as DeliveryMode,
    bundle: row.bundle as Bundle,
    sentBy: row.sent_by,
    status: row.status as ReferralStatus,
    deliveryState: row.delivery_state as DeliveryState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.delivery_base_url !== null) referral.deliveryBaseUrl = row.delivery_base_url;
  if (row.business_status !== null) referral.businessStatus = row.business_status;
  if (row.status_reason !== null) referral.statusReason = row.status_reason;
  if (row.delivered_at !== null) referral.deliveredAt = row.delivered_at;
  if (row.last_delivery_error !== null) referral.lastDeliveryError = row.last_delivery_error;
  if (row.provider_reference !== null) referral.providerReference = row.provider_reference;
  if (row.outcome !== null && row.outcome !== undefined) referral.outcome = row.outcome;
  return referral;
}

/** The referral as acceptReferral stores it (only the contract's fields, whatever else the caller passed). */
export function newStoredReferral(referral: NewReferral, now: number): StoredReferral {
  return referralFromRow({
    id: referral.id,
    practice_ods: referral.practiceOds,
    ehr_base_url: referral.ehrBaseUrl,
    patient_id: referral.patientId,
    provider_id: referral.providerId,
    delivery_mode: referral.deliveryMode,
    delivery_base_url: referral.deliveryBaseUrl ?? null,
    bundle: referral.bundle,
    sent_by: referral.sentBy,
    status: 'requested',
    business_status: null,
    status_reason: null,
    delivery_state: 'pending',
    delivered_at: null,
    last_delivery_error: null,
    provider_reference: null,
    outcome: null,
    created_at: now,
    updated_at: now,
  });
}

export function acceptedAudit(referral: NewReferral, now: number): NewAuditRecord {
  return {
    at: now,
    action: 'referral-accepted',
    outcome: '0',
    agent: referral.sentBy,
    practiceOds: referral.practiceOds,
    referralId: referral.id,
    providerId: referral.providerId,
    detail: {
      text: 'The hub accepted the referral and queued it for delivery.',
      deliveryMode: referral.deliveryMode,
      patientId: referral.patientId,
      ehrBaseUrl: referral.ehrBaseUrl,
    },
  };
}

export interface StatusUpdatePlan {
  businessStatus: string | null;
  statusReason: string | null;
  outcome: unknown;
}

/**
 * The referral's fields after a status change: a given businessStatus/statusReason/outcome replaces the
 * stored one; when omitted, the stored business status and reason are kept if the status stays the same
 * and cleared when it moves (a "scheduled" business status means nothing once completed); the outcome is
 * kept unless a new one is given.
 */
export function planStatusUpdate(
  current: {
    status: ReferralStatus;
    business_status: string | null;
    status_reason: string | null;
    outcome: unknown;
  },
  change: StatusChange,
): StatusUpdatePlan {
  const same = current.status === change.status;
  return {
    businessStatus:
      change.businessStatus !== undefined ? change.businessStatus : same ? current.business_status : null,
    statusReason:
      change.statusReason !== undefined ? change.statusReason : same ? current.status_reason : null,
    outcome: change.outcome !== undefined ? change.outcome : (current.outcome ?? null),
  };
}

export function statusAudit(
  referral: { id: string; practiceOds: string; providerId: string },
  from: ReferralStatus,
  change: StatusChange,
  plan: StatusUpdatePlan,
  cancel: CancelPlan | undefined,
  agent: string,
  now: number,
): NewAuditRecord {
  const detail: Record<string, unknown> = {
    text:
      from === change.status
        ? `The referral stays ${STATUS_WORDS[from]}; its details changed.`
        : `The referral changed from ${STATUS_WORDS[from]} to ${STATUS_WORDS[change.status]}.`,
    from,
    to: change.status,
  };
  if (plan.businessStatus !== null) detail.businessStatus = plan.businessStatus;
  if (plan.statusReason !== null) detail.statusReason = plan.statusReason;
  if (change.outcome !== undefined) detail.outcomeRecorded = true;
  if (cancel) {
    detail.providerToldOfCancellation = cancel.cancelDueAt !== undefined;
    detail.deliveryStopped = cancel.dropNew;
  }
  return {
    at: now,
    action: 'status-changed',
    outcome: '0',
    agent,
    practiceOds: referral.practiceOds,
    referralId: referral.id,
    providerId: referral.providerId,
    detail,
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration versions (the IT-lead console).

const KIND_WORDS: Record<ConfigKind, string> = { rules: 'prompt rules', directory: 'provider directory' };

export function configVersionNotFound(practiceOds: string, kind: ConfigKind, version: number) {
  return new StoreConflictError(
    `The practice ${practiceOds} has no version ${version} of its ${KIND_WORDS[kind]}. Reload the list of versions and choose one shown there.`,
    'not-found',
  );
}

/** Another version was saved after the one the change started from (see NewConfigVersion.basedOn). */
export function staleConfigVersion(v: { kind: ConfigKind; basedOn?: number }, latest: number) {
  return new StoreConflictError(
    `Someone saved version ${latest} of the ${KIND_WORDS[v.kind]} after you started from version ${v.basedOn}, so your change was not saved. Reload to see their change, then make yours again.`,
    'stale',
  );
}

/** The columns of a config_versions row joined with config_live (body still JSON text). */
export interface ConfigVersionRowValues {
  practice_ods: string;
  kind: string;
  version: number;
  body: string;
  author: string;
  author_name: string | null;
  created_at: number;
  note: string | null;
  published_at: number | null;
  published_by: string | null;
  /** The live version for this practice and kind (null when none is published). */
  live_version: number | null;
}

export function configVersionFromRow(row: ConfigVersionRowValues): ConfigVersion {
  const version: ConfigVersion = {
    practiceOds: row.practice_ods,
    kind: row.kind as ConfigKind,
    version: row.version,
    body: JSON.parse(row.body),
    author: row.author,
    createdAt: row.created_at,
    published: row.live_version !== null && row.live_version === row.version,
  };
  if (row.author_name !== null) version.authorName = row.author_name;
  if (row.note !== null) version.note = row.note;
  if (row.published_at !== null) version.publishedAt = row.published_at;
  if (row.published_by !== null) version.publishedBy = row.published_by;
  return version;
}

export function configSavedAudit(v: NewConfigVersion, version: number, now: number): NewAuditRecord {
  return {
    at: now,
    action: 'config-saved',
    outcome: '0',
    agent: v.author,
    practiceOds: v.practiceOds,
    detail: {
      text: `Version ${version} of the ${KIND_WORDS[v.kind]} was saved${v.note ? ` (${v.note})` : ''}.`,
      kind: v.kind,
      version,
      ...(v.authorName ? { authorName: v.authorName } : {}),
    },
  };
}

export function configPublishedAudit(
  practiceOds: string,
  kind: ConfigKind,
  version: number,
  previous: number | null,
  author: string,
  now: number,
): NewAuditRecord {
  return {
    at: now,
    action: 'config-published',
    outcome: '0',
    agent: author,
    practiceOds,
    detail: {
      text: `Version ${version} of the ${KIND_WORDS[kind]} was published${previous !== null && previous !== version ? ` in place of version ${previous}` : ''}; GPs get it on their next launch.`,
      kind,
      version,
      ...(previous !== null ? { previousVersion: previous } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Prompt events and figure rows.

export interface PromptEventRowValues {
  practice_ods: string;
  card: string;
  rule_id: string;
  action: string;
  at: number;
  agent: string;
  reason_code: string | null;
  referral_id: string | null;
  provider_id: string | null;
}

export function promptEventFromRow(row: PromptEventRowValues): PromptEvent {
  const event: PromptEvent = {
    practiceOds: row.practice_ods,
    card: row.card,
    ruleId: row.rule_id,
    action: row.action as PromptAction,
    at: row.at,
    agent: row.agent,
  };
  if (row.reason_code !== null) event.reasonCode = row.reason_code;
  if (row.referral_id !== null) event.referralId = row.referral_id;
  if (row.provider_id !== null) event.providerId = row.provider_id;
  return event;
}

export function promptEventValues(event: PromptEvent): PromptEventRowValues {
  return {
    practice_ods: event.practiceOds,
    card: event.card,
    rule_id: event.ruleId,
    action: event.action,
    at: event.at,
    agent: event.agent,
    reason_code: event.reasonCode ?? null,
    referral_id: event.referralId ?? null,
    provider_id: event.providerId ?? null,
  };
}

/**
 * The decline reason code a rejected referral's reason text starts with (planProviderAction writes
 * "<the reason's words>." or "<the reason's words>: <text>"), else the text as it is.
 */
export function declineReasonCode(statusReason: string): string {
  for (const code of DECLINE_REASONS) {
    const words = DECLINE_REASON_WORDS[code];
    if (statusReason === `${words}.` || statusReason.startsWith(`${words}:`)) return code;
  }
  return statusReason;
}

export interface FigureRowValues {
  id: string;
  provider_id: string;
  created_at: number;
  status: string;
  status_reason: string | null;
  acknowledged_at: number | null;
  completed_at: number | null;
}

export function figureRowFromRow(row: FigureRowValues): ReferralFigureRow {
  const figure: ReferralFigureRow = {
    id: row.id,
    providerId: row.provider_id,
    createdAt: row.created_at,
    status: row.status as ReferralStatus,
  };
  if (row.status_reason !== null) {
    figure.statusReason =
      row.status === 'rejected' ? declineReasonCode(row.status_reason) : row.status_reason;
  }
  if (row.acknowledged_at !== null) figure.acknowledgedAt = row.acknowledged_at;
  if (row.completed_at !== null) figure.completedAt = row.completed_at;
  return figure;
}
