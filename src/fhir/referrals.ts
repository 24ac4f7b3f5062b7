/**
 * Earlier referrals in the record → what suppression needs: when each was made and whether it is
 * still live. A referral's Task carries its state (DESIGN.md "Referral"), so when the record holds
 * both the ServiceRequest and its Task, the Task's status decides.
 */
import type { ExistingReferral } from '../domain/evaluate.js';
import type { PatientRecord, RecordReferral } from './record.js';

const LIVE_TASK = new Set(['requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);
const LIVE_SERVICE_REQUEST = new Set(['active', 'on-hold']);

function isTask(referral: RecordReferral): boolean {
  return referral.ref.startsWith('Task/');
}

function isLive(referral: RecordReferral): boolean {
  return isTask(referral) ? LIVE_TASK.has(referral.status) : LIVE_SERVICE_REQUEST.has(referral.status);
}

/** One entry per referral (ServiceRequest and Task with the same identifier count once). */
export function existingReferrals(record: Pick<PatientRecord, 'referrals'>): ExistingReferral[] {
  const byKey = new Map<string, RecordReferral[]>();
  for (const referral of record.referrals) {
    const key = referral.identifier ?? referral.ref;
    byKey.set(key, [...(byKey.get(key) ?? []), referral]);
  }
  const out: ExistingReferral[] = [];
  for (const group of byKey.values()) {
    const task = group.find(isTask);
    const request = group.find((r) => !isTask(r));
    const state = task ?? (request as RecordReferral);
    // A referral with no date is placed at the start of the episode it was made for; with neither,
    // it cannot be placed in time and does not suppress prompts.
    const authoredOn = request?.authoredOn ?? task?.authoredOn ?? request?.episodeStart ?? task?.episodeStart;
    if (authoredOn === undefined) continue;
    out.push({ ref: (request ?? state).ref, authoredOn, active: isLive(state) });
  }
  return out;
}
