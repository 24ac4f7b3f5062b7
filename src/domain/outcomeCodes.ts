/**
 * The words and codes of a referral's progress at the provider (statuses, decline reasons, business
 * statuses, return-to-work goals, adjustments) and the outcome's shape, without any schema: the GP
 * app imports these for display and must not pull the checking code (outcome.ts) into its first load.
 */
import type { AdviceCode } from './codes.js';

/** The referral's state, as its FHIR Task.status (the subset a referral moves through). */
export const REFERRAL_STATUSES = [
  'requested',
  'accepted',
  'rejected',
  'in-progress',
  'completed',
  'cancelled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Where the patient is heading, as the provider judges it at the end of the work. */
export const RETURN_TO_WORK_GOALS = [
  'same-role',
  'different-role-same-employer',
  'different-employer',
] as const;
export type ReturnToWorkGoal = (typeof RETURN_TO_WORK_GOALS)[number];

export const RETURN_TO_WORK_GOAL_WORDS: Record<ReturnToWorkGoal, string> = {
  'same-role': 'Return to the same role',
  'different-role-same-employer': 'A different role with the same employer',
  'different-employer': 'Work with a different employer',
};

/** Why a provider declines a referral. */
export const DECLINE_REASONS = [
  'not-eligible',
  'outside-area',
  'no-capacity',
  'already-supported',
  'patient-declined',
  'other',
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export const DECLINE_REASON_WORDS: Record<DeclineReason, string> = {
  'not-eligible': 'The patient does not meet the service’s criteria',
  'outside-area': 'The patient lives or works outside the service’s area',
  'no-capacity': 'The service cannot take new referrals at the moment',
  'already-supported': 'The patient is already being supported by the service',
  'patient-declined': 'The patient did not want the service',
  other: 'Another reason',
};

/** Task.businessStatus codes a provider sets along the way. */
export const BUSINESS_STATUSES = ['contacted', 'scheduled', 'did-not-attend'] as const;
export type BusinessStatus = (typeof BUSINESS_STATUSES)[number];

export const BUSINESS_STATUS_WORDS: Record<BusinessStatus, string> = {
  contacted: 'Patient contacted',
  scheduled: 'Appointment booked',
  'did-not-attend': 'Did not attend',
};

/** The fit-note "may be fit" options, as adjustments a provider recommends (same codes as the Med3). */
export const ADJUSTMENT_WORDS: Record<AdviceCode, string> = {
  'phased-return': 'Phased return to work',
  'altered-hours': 'Altered hours',
  'amended-duties': 'Amended duties',
  'workplace-adaptations': 'Workplace adaptations',
};

export interface Adjustment {
  code: AdviceCode;
  /** What, for how long, e.g. "Four-hour days for two weeks, then full days". */
  text: string;
}

export interface ReferralOutcome {
  returnToWorkGoal: ReturnToWorkGoal;
  adjustments: Adjustment[];
  /** The short report the GP reads (a DocumentReference in FHIR). */
  report: { title: string; text: string };
}
