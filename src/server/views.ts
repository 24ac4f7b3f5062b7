/**
 * What the GP app is shown about a referral: its state, the provider's contact details from the
 * practice directory, and a plain-English timeline built from the referral's audit records
 * (accepted; delivery attempts summarised; delivered or failed; status changes; the outcome).
 */
import type { Provider } from '../domain/directory.js';
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
  /** The provider's outcome, when it reported one on completion. */
  outcome?: unknown;
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
export function buildTimeline(audit: readonly AuditRecord[], providerName = 'The provider'): TimelineEntry[] {
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
        out.push({ at: iso(r.at), event: 'status', text: statusText(r, providerName) });
        break;
      default:
        break;
    }
  }
  flush();
  return out;
}

function statusText(r: AuditRecord, providerName: string): string {
  const to = r.detail?.to;
  const from = r.detail?.from;
  const reason = text(r, 'statusReason');
  const business = text(r, 'businessStatus');
  const because = reason ? `: ${reason.replace(/\.$/, '')}` : '';
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
    case 'completed':
      s = `${providerName} completed the referral${r.detail?.outcomeRecorded ? ' and reported the outcome' : ''}`;
      break;
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
    timeline: buildTimeline(audit, provider?.name),
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
  if (referral.outcome !== undefined) view.outcome = referral.outcome;
  return view;
}
