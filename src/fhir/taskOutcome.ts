/**
 * The FHIR form of a referral's state and outcome on its Task, both ways:
 *
 * - `taskStatusElements(state)`: the stored referral's status, business status, reason and outcome as
 *   Task elements (what the hub's FHIR API shows a provider's system).
 * - `actionFromTask(task)`: a provider's updated Task as the ProviderAction it asks for (checked by the
 *   domain's parseProviderAction), or why it cannot be read, naming the element.
 *
 * Codes (src/domain/codes.ts CODE_SYSTEM; the code systems in fhir-profiles/input/fsh/codesystems.fsh):
 * - Task.businessStatus from `referral-business-status` (contacted, scheduled, did-not-attend).
 * - Task.statusReason from `referral-decline-reason` (+ text: the provider's own words) when rejected.
 *   A booked appointment's date is carried as statusReason.text "Appointment on YYYY-MM-DD.".
 * - Task.output typed by `referral-outcome`:
 *     return-to-work-goal → valueCodeableConcept from `return-to-work-goal`;
 *     adjustment          → valueCodeableConcept from `fit-note-advice`, with the text (one per adjustment);
 *     report              → valueReference `#report`, a contained DocumentReference (description = title,
 *                           a text/plain attachment holding the report, base64).
 */
import type { CodeableConcept, DocumentReference, Task, TaskOutput } from '@medplum/fhirtypes';
import { ADVICE_CODES, CODE_SYSTEM } from '../domain/codes.js';
import {
  ADJUSTMENT_WORDS,
  BUSINESS_STATUS_WORDS,
  BUSINESS_STATUSES,
  type BusinessStatus,
  DECLINE_REASON_WORDS,
  DECLINE_REASONS,
  type DeclineReason,
  RETURN_TO_WORK_GOAL_WORDS,
  RETURN_TO_WORK_GOALS,
  type ReferralOutcome,
  type ReferralStatus,
} from '../domain/outcome.js';

/** The codes of the referral-outcome code system (Task.output.type). */
export const REFERRAL_OUTPUT_TYPES = ['return-to-work-goal', 'adjustment', 'report'] as const;
export type ReferralOutputType = (typeof REFERRAL_OUTPUT_TYPES)[number];

const OUTPUT_TYPE_WORDS: Record<ReferralOutputType, string> = {
  'return-to-work-goal': 'Return-to-work goal',
  adjustment: 'Recommended adjustment',
  report: 'Report',
};

/** The contained DocumentReference's id (Task.output valueReference `#report`). */
export const REPORT_ID = 'report';

/** What the hub holds about a referral's state (a StoredReferral's fields). */
export interface ReferralState {
  status: ReferralStatus;
  businessStatus?: string;
  statusReason?: string;
  outcome?: unknown;
}

/** The Task elements that carry the state. */
export type TaskStateElements = Pick<Task, 'status' | 'businessStatus' | 'statusReason' | 'output'> & {
  contained?: DocumentReference[];
};

const concept = (system: string, code: string, display: string, text?: string): CodeableConcept => ({
  coding: [{ system, code, display }],
  ...(text === undefined ? {} : { text }),
});

const outputType = (code: ReferralOutputType): CodeableConcept =>
  concept(CODE_SYSTEM.referralOutcome, code, OUTPUT_TYPE_WORDS[code]);

/** UTF-8 text as base64, and back (btoa/atob: the same in Node and browsers). */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
const fromBase64 = (data: string): string =>
  new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));

/** The decline reason whose words start a stored statusReason ("<words>." or "<words>: <text>"). */
function declineReasonOf(statusReason: string): { reason: DeclineReason; text?: string } | undefined {
  for (const reason of DECLINE_REASONS) {
    const words = DECLINE_REASON_WORDS[reason];
    if (statusReason === `${words}.`) return { reason };
    if (statusReason.startsWith(`${words}: `)) return { reason, text: statusReason.slice(words.length + 2) };
  }
  return undefined;
}

/** The outcome as Task.output entries and the contained report. */
export function outcomeToTask(outcome: ReferralOutcome): {
  output: TaskOutput[];
  contained: DocumentReference[];
} {
  const report: DocumentReference = {
    resourceType: 'DocumentReference',
    id: REPORT_ID,
    status: 'current',
    description: outcome.report.title,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          title: outcome.report.title,
          data: base64(outcome.report.text),
        },
      },
    ],
  };
  const output: TaskOutput[] = [
    {
      type: outputType('return-to-work-goal'),
      valueCodeableConcept: concept(
        CODE_SYSTEM.returnToWorkGoal,
        outcome.returnToWorkGoal,
        RETURN_TO_WORK_GOAL_WORDS[outcome.returnToWorkGoal],
      ),
    },
    ...outcome.adjustments.map(
      (a): TaskOutput => ({
        type: outputType('adjustment'),
        valueCodeableConcept: concept(CODE_SYSTEM.fitNoteAdvice, a.code, ADJUSTMENT_WORDS[a.code], a.text),
      }),
    ),
    {
      type: outputType('report'),
      valueReference: { reference: `#${REPORT_ID}`, display: outcome.report.title },
    },
  ];
  return { output, contained: [report] };
}

/** The referral's state as Task elements (status, businessStatus, statusReason, output + contained report). */
export function taskStatusElements(state: ReferralState): TaskStateElements {
  const out: TaskStateElements = { status: state.status };
  if (state.businessStatus !== undefined) {
    const code = state.businessStatus;
    out.businessStatus = (BUSINESS_STATUSES as readonly string[]).includes(code)
      ? concept(CODE_SYSTEM.referralBusinessStatus, code, BUSINESS_STATUS_WORDS[code as BusinessStatus])
      : { text: code };
  }
  if (state.statusReason !== undefined) {
    const decline = state.status === 'rejected' ? declineReasonOf(state.statusReason) : undefined;
    out.statusReason =
      decline === undefined
        ? { text: state.statusReason }
        : concept(
            CODE_SYSTEM.referralDeclineReason,
            decline.reason,
            DECLINE_REASON_WORDS[decline.reason],
            state.statusReason,
          );
  }
  if (state.outcome !== undefined && state.outcome !== null && typeof state.outcome === 'object') {
    const { output, contained } = outcomeToTask(state.outcome as ReferralOutcome);
    out.output = output;
    out.contained = contained;
  }
  return out;
}

/** A problem with a provider's Task, naming the element. */
export interface TaskProblem {
  text: string;
  expression: string;
}

export type TaskAction =
  | { ok: true; action: unknown }
  /** The Task asks for no change (status requested): the caller keeps the referral as it is. */
  | { ok: true; action: undefined }
  | { ok: false; problems: TaskProblem[] };

const codeFrom = (cc: CodeableConcept | undefined, system: string): string | undefined =>
  cc?.coding?.find((c) => c.system === system)?.code;

const oneOf = <T extends string>(list: readonly T[], value: string | undefined): value is T =>
  value !== undefined && (list as readonly string[]).includes(value);

const APPOINTMENT = /^Appointment on (\d{4}-\d{2}-\d{2})\.?$/;

function decodeReport(doc: DocumentReference | undefined): {
  title?: string;
  text?: string;
  problem?: string;
} {
  if (doc === undefined)
    return { problem: `the report must be a contained DocumentReference with id "${REPORT_ID}"` };
  const attachment = doc.content?.[0]?.attachment;
  const title = doc.description ?? attachment?.title;
  if (attachment?.data === undefined)
    return {
      problem: 'the report DocumentReference needs content[0].attachment.data (the report as base64 text)',
    };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(attachment.data) || attachment.data.length % 4 !== 0)
    return { problem: 'the report’s attachment.data is not base64' };
  if (attachment.contentType !== undefined && !/^text\/plain\b/.test(attachment.contentType))
    return { problem: `the report’s attachment must be text/plain, not ${attachment.contentType}` };
  return {
    ...(title === undefined ? {} : { title }),
    text: fromBase64(attachment.data),
  };
}

/** The outcome JSON (for parseProviderAction) from a completed Task's output and contained report. */
function outcomeFromTask(task: Task): { outcome: unknown; problems: TaskProblem[] } {
  const problems: TaskProblem[] = [];
  const outputs = task.output ?? [];
  if (outputs.length === 0) {
    problems.push({
      expression: 'Task.output',
      text: 'A completed referral needs its outcome in Task.output: a return-to-work goal, any adjustments, and a report.',
    });
    return { outcome: undefined, problems };
  }
  let goal: string | undefined;
  const adjustments: Array<{ code: string | undefined; text: string | undefined }> = [];
  let report: { title?: string; text?: string } | undefined;
  outputs.forEach((o, i) => {
    const where = `Task.output[${i}]`;
    const type = codeFrom(o.type, CODE_SYSTEM.referralOutcome);
    if (!oneOf(REFERRAL_OUTPUT_TYPES, type)) {
      problems.push({
        expression: `${where}.type`,
        text: `Each output needs a type from ${CODE_SYSTEM.referralOutcome}: ${REFERRAL_OUTPUT_TYPES.join(', ')}.`,
      });
      return;
    }
    if (type === 'return-to-work-goal') {
      const code = codeFrom(o.valueCodeableConcept, CODE_SYSTEM.returnToWorkGoal);
      if (goal !== undefined) {
        problems.push({ expression: where, text: 'Give the return-to-work goal once.' });
      } else if (!oneOf(RETURN_TO_WORK_GOALS, code)) {
        problems.push({
          expression: `${where}.valueCodeableConcept`,
          text: `The return-to-work goal must be a code from ${CODE_SYSTEM.returnToWorkGoal}: ${RETURN_TO_WORK_GOALS.join(', ')}.`,
        });
        goal = '';
      } else goal = code;
    } else if (type === 'adjustment') {
      const code = codeFrom(o.valueCodeableConcept, CODE_SYSTEM.fitNoteAdvice);
      if (!oneOf(ADVICE_CODES, code)) {
        problems.push({
          expression: `${where}.valueCodeableConcept`,
          text: `An adjustment must be a code from ${CODE_SYSTEM.fitNoteAdvice}: ${ADVICE_CODES.join(', ')}.`,
        });
      } else adjustments.push({ code, text: o.valueCodeableConcept?.text });
    } else {
      const ref = o.valueReference?.reference;
      if (report !== undefined) {
        problems.push({ expression: where, text: 'Give one report.' });
        return;
      }
      if (ref !== `#${REPORT_ID}`) {
        problems.push({
          expression: `${where}.valueReference`,
          text: `The report must be a reference to the contained DocumentReference "#${REPORT_ID}".`,
        });
        report = {};
        return;
      }
      const doc = (task.contained ?? []).find(
        (r): r is DocumentReference => r.resourceType === 'DocumentReference' && r.id === REPORT_ID,
      );
      const decoded = decodeReport(doc);
      if (decoded.problem !== undefined) {
        problems.push({
          expression: 'Task.contained',
          text: `The report cannot be read: ${decoded.problem}.`,
        });
        report = {};
      } else
        report = { ...(decoded.title === undefined ? {} : { title: decoded.title }), text: decoded.text };
    }
  });
  if (goal === undefined)
    problems.push({ expression: 'Task.output', text: 'The outcome needs a return-to-work goal output.' });
  if (report === undefined)
    problems.push({
      expression: 'Task.output',
      text: 'The outcome needs a report output (the short report to the GP).',
    });
  return { outcome: { returnToWorkGoal: goal, adjustments, report: report ?? {} }, problems };
}

/**
 * The action a provider's updated Task asks for: accepted → accept; rejected + a decline-reason coding →
 * decline; in-progress + businessStatus → contacted / scheduled / did-not-attend; completed + output →
 * complete. The result's action still goes through parseProviderAction (texts, limits, duplicates).
 */
export function actionFromTask(task: Task): TaskAction {
  switch (task.status) {
    case 'requested':
      return { ok: true, action: undefined };
    case 'accepted':
      return { ok: true, action: { action: 'accept' } };
    case 'rejected': {
      const reason = codeFrom(task.statusReason, CODE_SYSTEM.referralDeclineReason);
      if (!oneOf(DECLINE_REASONS, reason)) {
        return {
          ok: false,
          problems: [
            {
              expression: 'Task.statusReason',
              text: `A declined (rejected) referral needs statusReason with a code from ${CODE_SYSTEM.referralDeclineReason}: ${DECLINE_REASONS.join(', ')}; put anything more in statusReason.text.`,
            },
          ],
        };
      }
      // The text as the hub shows it ("<reason's words>: <text>") is taken back to the provider's words.
      let text = task.statusReason?.text?.trim();
      const words = DECLINE_REASON_WORDS[reason];
      if (text === `${words}.` || text === words) text = undefined;
      else if (text?.startsWith(`${words}: `)) text = text.slice(words.length + 2);
      return { ok: true, action: { action: 'decline', reason, ...(text ? { text } : {}) } };
    }
    case 'in-progress': {
      const code = codeFrom(task.businessStatus, CODE_SYSTEM.referralBusinessStatus);
      if (!oneOf(BUSINESS_STATUSES, code)) {
        return {
          ok: false,
          problems: [
            {
              expression: 'Task.businessStatus',
              text: `An in-progress referral needs businessStatus with a code from ${CODE_SYSTEM.referralBusinessStatus}: ${BUSINESS_STATUSES.join(', ')}.`,
            },
          ],
        };
      }
      if (code === 'scheduled') {
        const date = APPOINTMENT.exec(task.statusReason?.text?.trim() ?? '')?.[1];
        return { ok: true, action: { action: 'scheduled', ...(date ? { date } : {}) } };
      }
      return { ok: true, action: { action: code } };
    }
    case 'completed': {
      const { outcome, problems } = outcomeFromTask(task);
      if (problems.length > 0) return { ok: false, problems };
      return { ok: true, action: { action: 'complete', outcome } };
    }
    case 'cancelled':
      return {
        ok: false,
        problems: [
          {
            expression: 'Task.status',
            text: 'Only the GP can cancel a referral. To turn it down, set the status to rejected with a reason.',
          },
        ],
      };
    default:
      return {
        ok: false,
        problems: [
          {
            expression: 'Task.status',
            text: `A provider can set the status to accepted, rejected, in-progress or completed, not "${String(task.status)}".`,
          },
        ],
      };
  }
}
