/** Small display helpers shared by the UI components (plain English, NHS.UK date style). */
import { type CalendarDate, londonDateOf, longDate } from '../../domain/dates.js';
import type { RecordReferral } from '../../fhir/record.js';

/** `2026-11-21` → `21 November 2026` (as the NHS.UK style guide writes dates). */
export function formatDate(date: CalendarDate | undefined): string {
  if (date === undefined) return 'date not recorded';
  return longDate(date);
}

/** `9990000042` → `999 000 0042`. */
export function formatNhsNumber(nhsNumber: string): string {
  return /^\d{10}$/.test(nhsNumber)
    ? `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`
    : nhsNumber;
}

/** A BCP 47 language code as an English name (`pl` → `Polish`); the code itself when unknown. */
export function languageName(code: string | undefined): string | undefined {
  if (code === undefined || code.trim() === '') return undefined;
  try {
    const names = new Intl.DisplayNames(['en-GB'], { type: 'language' });
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Today's calendar date in Europe/London. */
export function londonToday(now: Date = new Date()): CalendarDate {
  return londonDateOf(now);
}

export type TagColour = 'blue' | 'green' | 'grey' | 'orange' | 'red' | 'purple' | 'aqua-green';

/** A referral state (Task or ServiceRequest status) as a GP reads it, with an NHS tag colour. */
export function referralStatusLabel(status: string): { text: string; colour: TagColour } {
  switch (status) {
    case 'draft':
      return { text: 'Draft', colour: 'grey' };
    case 'requested':
    case 'active':
      return { text: 'Sent', colour: 'blue' };
    case 'received':
      return { text: 'Received', colour: 'blue' };
    case 'accepted':
      return { text: 'Accepted', colour: 'green' };
    case 'ready':
    case 'in-progress':
      return { text: 'In progress', colour: 'aqua-green' };
    case 'on-hold':
      return { text: 'On hold', colour: 'orange' };
    case 'completed':
      return { text: 'Completed', colour: 'green' };
    case 'rejected':
      return { text: 'Declined by provider', colour: 'red' };
    case 'cancelled':
    case 'revoked':
      return { text: 'Cancelled', colour: 'grey' };
    case 'failed':
      return { text: 'Failed', colour: 'red' };
    case 'entered-in-error':
      return { text: 'Entered in error', colour: 'grey' };
    default:
      return { text: status, colour: 'grey' };
  }
}

export interface ReferralSummary {
  key: string;
  status: string;
  authoredOn?: CalendarDate;
  performer?: string;
}

/**
 * The record's referrals, one per referral: a ServiceRequest and its Task (same business
 * identifier) count once, and the Task's status is the referral's state.
 */
export function summariseReferrals(referrals: readonly RecordReferral[]): ReferralSummary[] {
  const groups = new Map<string, RecordReferral[]>();
  for (const r of referrals) {
    const key = r.identifier ?? r.ref;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: ReferralSummary[] = [];
  for (const [key, group] of groups) {
    const task = group.find((r) => r.ref.startsWith('Task/'));
    const request = group.find((r) => !r.ref.startsWith('Task/'));
    const state = (task ?? request) as RecordReferral;
    const authoredOn = request?.authoredOn ?? task?.authoredOn;
    const performer = request?.performer ?? task?.performer;
    out.push({
      key,
      status: state.status,
      ...(authoredOn ? { authoredOn } : {}),
      ...(performer ? { performer } : {}),
    });
  }
  return out.sort((a, b) => (b.authoredOn ?? '').localeCompare(a.authoredOn ?? ''));
}
