/**
 * What the GP app is shown about a referral: its state, the provider's contact details from the
 * practice directory, and a plain-English timeline built from the referral's audit records
 * (accepted; delivery attempts summarised; delivered or failed; opened, accepted or declined by the
 * provider; contacted, booked, did not attend; completed with the outcome in one line; cancelled).
 */
import { longDate } from '../domain/dates.js';
import type { Provider } from '../domain/directory.js';
import {
  ADJUSTMENT_WORDS,
  type BusinessStatus,
  RETURN_TO_WORK_GOAL_WORDS,
  type ReferralOutcome,
} from '../domain/outcome.js';
import type { AuditRecord, DeliveryState, ReferralStatus, StoredReferral } from './store/types.js';

export interface TimelineEntry {
  /** ISO date and time. */
  at: string;
  /** What happened, as a short key: accepted, delivery-retrying, delivered, delivery-failed, status, cancellation-sent … */
  event: string;
  /** Plain English for the GP. */
  text: string;
}

export interface ReferralView {
  id: string;
  status: ReferralStatus;
  businessStatus?: string;
  statusReason?: string;
  deliveryState: DeliveryState;
  /** Plain English. */
  lastDeliveryError?: string;
  provider: { id: string; name?: string; phone?: string; email?: string };
  practiceOds: string;
  patientId: string;
  createdAt: string;
  updatedAt: string;
  deliveredAt?: string;
  /**
   * The appointment's date (YYYY-MM-DD) when the provider booked one with a date: while the referral
   * is booked (businessStatus scheduled), or the missed one after did-not-attend.
   */
  appointmentDate?: string;
  /** The provider's outcome, when it reported one on completion. */
  outcome?: ReferralOutcome;
  timeline: TimelineEntry[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function text(record: AuditRecord, key = 'text'): string | undefined {
  const value = record.detail?.[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

const attempts = (n: number): string => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/**
 * The timeline from the referral's audit records, oldest first. Consecutive failed delivery attempts
 * become one entry; records a GP has no use for (config reads, refused calls) are left out.
 */
export function buildTimeline(
  audit: readonly AuditRecord[],
  providerName = 'The provider',
  outcome?: unknown,
): TimelineEntry[] {
  const records = [...audit].sort((a, b) => a.at - b.at || a.id - b.id);
  const out: TimelineEntry[] = [];
  let failed: { first: AuditRecord; last: AuditRecord; count: number; kind: string } | undefined;
  let viewed = false;
  const flush = () => {
    if (failed === undefined) return;
    const what =
      failed.kind === 'cancel' ? 'tell the provider about the cancellation' : 'deliver the referral';
    const last = text(failed.last);
    out.push({
      at: iso(failed.last.at),
      event: failed.kind === 'cancel' ? 'cancellation-retrying' : 'delivery-retrying',
      text: `The hub tried to ${what} ${attempts(failed.count)} without success${last ? ` (last problem: ${last.replace(/\.$/, '')})` : ''}; it keeps trying.`,
    });
    failed = undefined;
  };
  for (const r of records) {
    const kind = r.detail?.kind === 'cancel' ? 'cancel' : 'new';
    if (r.action === 'delivery-attempt') {
      if (r.outcome === '0') continue; // the delivery-succeeded record says it
      if (failed !== undefined && failed.kind === kind) {
        failed.last = r;
        failed.count += 1;
      } else {
        flush();
        failed = { first: r, last: r, count: 1, kind };
      }
      continue;
    }
    if (r.action === 'delivery-failed') {
      // The give-up replaces the retry summary: it says why.
      const count = failed?.count;
      failed = undefined;
      out.push({
        at: iso(r.at),
        event: kind === 'cancel' ? 'cancellation-failed' : 'delivery-failed',
        text:
          kind === 'cancel'
            ? `The hub could not tell ${providerName} that the referral is cancelled${count ? ` after ${count} attempts` : ''}: phone them to let them know.`
            : `The referral could not be delivered to ${providerName}${count ? ` after ${count} attempts` : ''}: phone them to make the referral.`,
      });
      continue;
    }
    flush();
    switch (r.action) {
      case 'referral-accepted':
        out.push({
          at: iso(r.at),
          event: 'accepted',
          text: `The hub received the referral and is sending it to ${providerName}.`,
        });
        break;
      case 'delivery-succeeded':
        out.push(
          kind === 'cancel'
            ? {
                at: iso(r.at),
                event: 'cancellation-sent',
                text: `${providerName} was told the referral is cancelled.`,
              }
            : { at: iso(r.at), event: 'delivered', text: `${providerName} received the referral.` },
        );
        break;
      case 'inbox-view':
        if (!viewed)
          out.push({ at: iso(r.at), event: 'viewed', text: `${providerName} opened the referral.` });
        viewed = true;
        break;
      case 'cancellation-requested':
        out.push({
          at: iso(r.at),
          event: 'cancellation-requested',
          text: 'The GP asked for the referral to be cancelled.',
        });
        break;
      case 'status-changed':
        out.push({ at: iso(r.at), event: 'status', text: statusText(r, providerName, outcome) });
        break;
      default:
        break;
    }
  }
  flush();
  return out;
}

const APPOINTMENT = /^Appointment on (\d{4}-\d{2}-\d{2})\.?$/;

/** The date in a booked appointment's status reason ("Appointment on 2026-12-01.", as the domain writes it). */
export function appointmentDateOf(statusReason: string | undefined): string | undefined {
  return statusReason === undefined ? undefined : APPOINTMENT.exec(statusReason.trim())?.[1];
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The outcome in one line for the timeline: "return to the same role; recommends: phased return to
 * work, altered hours". Undefined when the stored outcome is not the expected shape.
 */
export function outcomeLine(outcome: unknown): string | undefined {
  const o = outcome as Partial<ReferralOutcome> | undefined;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.adjustments)) return undefined;
  const goal = RETURN_TO_WORK_GOAL_WORDS[o.returnToWorkGoal as ReferralOutcome['returnToWorkGoal']];
  if (goal === undefined) return undefined;
  const recommends = o.adjustments
    .map((a) => ADJUSTMENT_WORDS[a?.code as keyof typeof ADJUSTMENT_WORDS])
    .filter((w): w is string => w !== undefined)
    .map(lowerFirst);
  return `${lowerFirst(goal)}; ${recommends.length > 0 ? `recommends: ${recommends.join(', ')}` : 'no adjustments recommended'}`;
}

/** A business status the provider set, as a sentence about the patient (undefined for unknown codes). */
function businessSentence(code: string, statusReason: string | undefined, providerName: string) {
  const on = appointmentDateOf(statusReason);
  switch (code as BusinessStatus) {
    case 'contacted':
      return `${providerName} contacted the patient`;
    case 'scheduled':
      return `${providerName} booked an appointment for the patient${on ? ` on ${longDate(on)}` : ''}`;
    case 'did-not-attend':
      return on
        ? `The patient did not attend the appointment with ${providerName} on ${longDate(on)}`
        : `The patient did not attend their appointment with ${providerName}`;
    default:
      return undefined;
  }
}

function statusText(r: AuditRecord, providerName: string, outcome: unknown): string {
  const to = r.detail?.to;
  const from = r.detail?.from;
  const reason = text(r, 'statusReason');
  const business = text(r, 'businessStatus');
  const because = reason ? `: ${reason.replace(/\.$/, '')}` : '';
  if (business !== undefined && (to === 'in-progress' || from === to)) {
    const said = businessSentence(business, reason, providerName);
    if (said !== undefined) return sentence(said);
  }
  let s: string;
  switch (to) {
    case 'accepted':
      s = `${providerName} accepted the referral`;
      break;
    case 'rejected':
      s = `${providerName} declined the referral${because}`;
      break;
    case 'in-progress':
      s = `${providerName} started working with the patient`;
      break;
    case 'completed': {
      const line = r.detail?.outcomeRecorded ? outcomeLine(outcome) : undefined;
      s = line
        ? `${providerName} completed the referral: ${line}`
        : `${providerName} completed the referral${r.detail?.outcomeRecorded ? ' and reported the outcome' : ''}`;
      break;
    }
    case 'cancelled':
      s = `The referral was cancelled${because}`;
      if (r.detail?.providerToldOfCancellation === true) s += `; the hub is telling ${providerName}`;
      break;
    default:
      s = text(r) ?? 'The referral’s status changed';
  }
  if (business && from === to) return sentence(`${providerName} updated the referral: ${business}`);
  if (business && to !== 'cancelled' && to !== 'rejected') s += ` (${business})`;
  return sentence(s);
}

/** The referral as the GP app shows it. `provider` is the directory's entry, when it still has one. */
export function referralView(
  referral: StoredReferral,
  audit: readonly AuditRecord[],
  provider?: Pick<Provider, 'id' | 'name' | 'contact'>,
): ReferralView {
  const view: ReferralView = {
    id: referral.id,
    status: referral.status,
    deliveryState: referral.deliveryState,
    provider: { id: referral.providerId },
    practiceOds: referral.practiceOds,
    patientId: referral.patientId,
    createdAt: iso(referral.createdAt),
    updatedAt: iso(referral.updatedAt),
    timeline: buildTimeline(audit, provider?.name, referral.outcome),
  };
  if (provider !== undefined) {
    view.provider.name = provider.name;
    view.provider.phone = provider.contact.phone;
    if (provider.contact.email !== undefined) view.provider.email = provider.contact.email;
  }
  if (referral.businessStatus !== undefined) view.businessStatus = referral.businessStatus;
  if (referral.statusReason !== undefined) view.statusReason = referral.statusReason;
  if (referral.lastDeliveryError !== undefined) view.lastDeliveryError = referral.lastDeliveryError;
  if (referral.deliveredAt !== undefined) view.deliveredAt = iso(referral.deliveredAt);
  const appointment = appointmentDateOf(referral.statusReason);
  if (
    appointment !== undefined &&
    (referral.businessStatus === 'scheduled' || referral.businessStatus === 'did-not-attend')
  )
    view.appointmentDate = appointment;
  // The store only holds outcomes checked by the domain (parseProviderAction) on the way in; the GP
  // app checks it again and says so when it cannot read it.
  if (referral.outcome !== undefined && referral.outcome !== null)
    view.outcome = referral.outcome as ReferralOutcome;
  return view;
}
