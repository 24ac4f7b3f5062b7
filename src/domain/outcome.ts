/**
 * What a provider does with a referral, and what it reports back: the actions the provider inbox and a
 * provider's own system (through the hub's FHIR API) can take, checked against the referral's state,
 * and the outcome attached on completion (a return-to-work goal, adjustments the GP can use on the
 * next fit note, and a short report).
 *
 * Pure: the hub applies a planned change to its store; the inbox uses the same checks before sending.
 */
import * as z from 'zod/mini';
import './zodEnglish.js';
import { ADVICE_CODES } from './codes.js';
import {
  type BusinessStatus,
  DECLINE_REASON_WORDS,
  DECLINE_REASONS,
  type DeclineReason,
  RETURN_TO_WORK_GOALS,
  type ReferralOutcome,
  type ReferralStatus,
} from './outcomeCodes.js';
import { describeIssues, type ParseResult } from './problems.js';

export * from './outcomeCodes.js';

export const LIMITS = { reasonText: 500, adjustmentText: 500, reportTitle: 120, reportText: 10_000 } as const;

/** What a provider does (inbox button or FHIR Task update). */
export type ProviderAction =
  | { action: 'accept' }
  | { action: 'decline'; reason: DeclineReason; text?: string }
  | { action: 'contacted' }
  | { action: 'scheduled'; date?: string }
  | { action: 'did-not-attend' }
  | { action: 'complete'; outcome: ReferralOutcome };

/** The change to the referral a valid action makes (the store's StatusChange). */
export interface PlannedChange {
  status: ReferralStatus;
  businessStatus?: BusinessStatus;
  /** Plain English (the decline reason's words, and the provider's text). */
  statusReason?: string;
  outcome?: ReferralOutcome;
}

const text = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
    );

const OutcomeSchema = z.strictObject({
  returnToWorkGoal: z.enum(RETURN_TO_WORK_GOALS),
  adjustments: z
    .array(z.strictObject({ code: z.enum(ADVICE_CODES), text: text(LIMITS.adjustmentText) }))
    .check(
      z.refine(
        (list) => new Set(list.map((a) => a.code)).size === list.length,
        'name each adjustment once (put everything about it in its text)',
      ),
    ),
  report: z.strictObject({ title: text(LIMITS.reportTitle), text: text(LIMITS.reportText) }),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const ActionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('accept') }),
  z.strictObject({
    action: z.literal('decline'),
    reason: z.enum(DECLINE_REASONS),
    text: z.optional(text(LIMITS.reasonText)),
  }),
  z.strictObject({ action: z.literal('contacted') }),
  z.strictObject({
    action: z.literal('scheduled'),
    date: z.optional(z.string().check(z.regex(DATE, 'must be a date as YYYY-MM-DD'))),
  }),
  z.strictObject({ action: z.literal('did-not-attend') }),
  z.strictObject({ action: z.literal('complete'), outcome: OutcomeSchema }),
]);

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  '': ['action', 'reason', 'text', 'date', 'outcome'],
  outcome: ['returnToWorkGoal', 'adjustments', 'report'],
  'outcome.report': ['title', 'text'],
};

/** Checks an action sent by the inbox or built from a provider's Task; problems in plain English. */
export function parseProviderAction(json: unknown): ParseResult<ProviderAction> {
  const result = ActionSchema.safeParse(json);
  if (result.success) {
    const value = result.data as ProviderAction;
    if (value.action === 'decline' && value.reason === 'other' && value.text === undefined) {
      return { ok: false, problems: ['text: say why the referral is declined when the reason is "other".'] };
    }
    return { ok: true, value };
  }
  return {
    ok: false,
    problems: describeIssues(result.error.issues, json, {
      describeItem: (path) =>
        path.length === 3 && path[0] === 'outcome' && path[1] === 'adjustments'
          ? `Adjustment ${Number(path[2]) + 1}`
          : undefined,
      allowedKeys: (path) => ALLOWED_KEYS[path.filter((p) => typeof p === 'string').join('.')],
    }),
  };
}

const STATUS_WORDS: Record<ReferralStatus, string> = {
  requested: 'waiting for the provider',
  accepted: 'accepted',
  rejected: 'declined',
  'in-progress': 'in progress',
  completed: 'completed',
  cancelled: 'cancelled',
};

/** Which statuses each action may start from. */
const FROM: Record<ProviderAction['action'], readonly ReferralStatus[]> = {
  accept: ['requested'],
  decline: ['requested'],
  contacted: ['accepted', 'in-progress'],
  scheduled: ['accepted', 'in-progress'],
  'did-not-attend': ['accepted', 'in-progress'],
  complete: ['accepted', 'in-progress'],
};

/**
 * The change an action makes to a referral in `current` status, or why it cannot be made now (e.g.
 * completing a referral nobody accepted, or acting on a cancelled one).
 */
export function planProviderAction(
  current: ReferralStatus,
  action: ProviderAction,
): { ok: true; change: PlannedChange } | { ok: false; problem: string } {
  if (!FROM[action.action].includes(current)) {
    const first = action.action === 'complete' || action.action === 'accept' ? '' : ' Accept it first.';
    const hint = current === 'requested' ? first : '';
    return {
      ok: false,
      problem: `This referral is ${STATUS_WORDS[current]}, so it cannot be ${ACTION_WORDS[action.action]}.${hint}`,
    };
  }
  switch (action.action) {
    case 'accept':
      return { ok: true, change: { status: 'accepted' } };
    case 'decline': {
      const why = DECLINE_REASON_WORDS[action.reason];
      const statusReason = action.text === undefined ? `${why}.` : `${why}: ${action.text}`;
      return { ok: true, change: { status: 'rejected', statusReason } };
    }
    case 'contacted':
    case 'scheduled':
    case 'did-not-attend':
      return {
        ok: true,
        change: {
          status: 'in-progress',
          businessStatus: action.action,
          ...(action.action === 'scheduled' && action.date !== undefined
            ? { statusReason: `Appointment on ${action.date}.` }
            : {}),
        },
      };
    case 'complete':
      return { ok: true, change: { status: 'completed', outcome: action.outcome } };
  }
}

const ACTION_WORDS: Record<ProviderAction['action'], string> = {
  accept: 'accepted',
  decline: 'declined',
  contacted: 'marked as contacted',
  scheduled: 'marked as booked',
  'did-not-attend': 'marked as not attended',
  complete: 'completed',
};

/** The actions that make sense for a referral in `status` (the inbox shows these buttons). */
export function actionsFor(status: ReferralStatus): ProviderAction['action'][] {
  return (Object.keys(FROM) as ProviderAction['action'][]).filter((a) => FROM[a].includes(status));
}
