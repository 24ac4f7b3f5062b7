/**
 * Is this patient eligible for this provider? Each criterion in the directory entry is checked
 * against what the record says, and every failure is given as a plain-English reason the GP reads in
 * the referral form.
 *
 * Unknown facts neither silently pass nor silently fail. Where the record does not hold a fact a
 * criterion needs, the criterion is treated as met, and a line is added to `toConfirm` telling the GP
 * what to check with the patient before sending:
 * - employment status `unknown`, when the provider limits employment status;
 * - no (readable) postcode, when the provider covers named postcode areas only;
 * - no date of birth, when the provider has an age range;
 * - no condition in any known group, when the provider limits condition groups (the groups list
 *   SNOMED CT concepts without subsumption, so "no group found" is not proof the condition is
 *   outside the group);
 * - employer size or employer OH not recorded, for an employed (or unknown-status) patient, when the
 *   provider limits employer size or excludes employers with their own OH service.
 * Employer criteria apply only to employed patients (and to patients of unknown status, as a
 * check). A self-employed patient is their own small employer, so employer size and employer OH
 * never exclude them; other statuses have no employer.
 * Service state (status, activeFrom, activeTo) and the services wanted are always known.
 */
import type { EmploymentStatus, ServiceType } from './codes.js';
import { CONDITION_GROUPS, type ConditionGroupId } from './conditionGroups.js';
import { type CalendarDate, parseCalendarDate } from './dates.js';
import { listInWords, type Provider, SERVICE_TYPE_LABELS } from './directory.js';
import { ageOn, type PatientFacts } from './patient.js';

export interface EligibilityFacts extends PatientFacts {
  today: CalendarDate;
  /** Condition groups of the current episode's conditions (empty when none is in a known group). */
  conditionGroups: ConditionGroupId[];
  /** Services the GP wants for the patient; absent = any. */
  serviceTypes?: ServiceType[];
}

export type EligibilityResult =
  | { eligible: true; toConfirm: string[] }
  | { eligible: false; reasons: string[] };

/** "employed or self-employed" as an adjective list for "Only for … patients". */
const STATUS_ADJECTIVE: Record<Exclude<EmploymentStatus, 'unknown'>, string> = {
  employed: 'employed',
  'self-employed': 'self-employed',
  unemployed: 'unemployed',
  student: 'student',
  retired: 'retired',
  'not-in-work': 'not-in-work',
};

/** "this patient is recorded as …". */
const STATUS_RECORDED_AS: Record<Exclude<EmploymentStatus, 'unknown'>, string> = {
  employed: 'employed',
  'self-employed': 'self-employed',
  unemployed: 'unemployed',
  student: 'a student',
  retired: 'retired',
  'not-in-work': 'not in work',
};

const GROUP_LABEL: Record<ConditionGroupId, string> = Object.fromEntries(
  Object.values(CONDITION_GROUPS).map((g) => [g.id, g.title.replace(/ conditions$/, '').toLowerCase()]),
) as Record<ConditionGroupId, string>;

function ageRangeWords(range: { min?: number | undefined; max?: number | undefined }): string {
  if (range.min !== undefined && range.max !== undefined) return `aged ${range.min} to ${range.max}`;
  if (range.min !== undefined) return `aged ${range.min} and over`;
  return `aged ${range.max} and under`;
}

function employerSizeWords(range: { min?: number | undefined; max?: number | undefined }): string {
  if (range.min !== undefined && range.max !== undefined) return `with ${range.min} to ${range.max} staff`;
  if (range.min !== undefined) return `with at least ${range.min} staff`;
  return `with fewer than ${(range.max as number) + 1} staff`;
}

/** The outward code (`LS6`) of a full UK postcode, or undefined when it is not one. */
export function outwardCode(postcode: string): string | undefined {
  const compact = postcode.toUpperCase().replace(/\s+/g, '');
  const m = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/.exec(compact);
  return m?.[1];
}

/** Whether a postcode lies in an area ("LS") or district ("LS6"); "LS1" does not cover "LS10". */
export function postcodeInArea(postcode: string, areaCode: string): boolean {
  const outward = outwardCode(postcode);
  if (outward === undefined) return false;
  const area = /^[A-Z]+/.exec(outward)?.[0];
  return /\d/.test(areaCode) ? outward === areaCode : area === areaCode;
}

export function eligibility(facts: EligibilityFacts, provider: Provider): EligibilityResult {
  const reasons: string[] = [];
  const toConfirm: string[] = [];
  const rules = provider.eligibility;
  const today = parseCalendarDate(facts.today);
  if (today === undefined) throw new Error(`"today" is not a real date: ${facts.today}`);

  // The service itself.
  if (provider.status !== 'open') reasons.push(`Not taking referrals: ${provider.status}`);
  if (provider.activeFrom !== undefined && (parseCalendarDate(provider.activeFrom) as number) > today)
    reasons.push(`Not yet open: opens ${provider.activeFrom}`);
  if (provider.activeTo !== undefined && (parseCalendarDate(provider.activeTo) as number) <= today)
    reasons.push(`Closed on ${provider.activeTo}`);
  for (const wanted of facts.serviceTypes ?? []) {
    if (!provider.services.includes(wanted)) reasons.push(`Does not offer ${SERVICE_TYPE_LABELS[wanted]}`);
  }

  // Employment status.
  const statuses = rules.employmentStatus;
  const statusWords = listInWords(
    statuses.map((s) => STATUS_ADJECTIVE[s]),
    'or',
  );
  if (facts.employmentStatus === 'unknown') {
    toConfirm.push(
      `Check the patient's employment status: the record does not say, and this service is only for ${statusWords} patients.`,
    );
  } else if (!statuses.includes(facts.employmentStatus)) {
    reasons.push(
      `Only for ${statusWords} patients; this patient is recorded as ${STATUS_RECORDED_AS[facts.employmentStatus]}.`,
    );
  }

  // Condition groups.
  if (rules.conditionGroups !== undefined) {
    const groupWords = listInWords(
      rules.conditionGroups.map((g) => GROUP_LABEL[g]),
      'or',
    );
    if (facts.conditionGroups.length === 0) {
      const which = rules.conditionGroups.length > 1 ? 'any of these groups' : 'that group';
      toConfirm.push(
        `Check the condition: this service is for ${groupWords} conditions, and the fit notes' conditions are not coded in ${which}.`,
      );
    } else if (!facts.conditionGroups.some((g) => rules.conditionGroups?.includes(g))) {
      reasons.push(
        `For ${groupWords} conditions only; this patient's fit notes are for ${listInWords(
          facts.conditionGroups.map((g) => GROUP_LABEL[g]),
        )} conditions.`,
      );
    }
  }

  // Age.
  if (
    rules.ageRange !== undefined &&
    (rules.ageRange.min !== undefined || rules.ageRange.max !== undefined)
  ) {
    const age = ageOn(facts.birthDate, facts.today);
    const words = ageRangeWords(rules.ageRange);
    if (age === undefined) {
      toConfirm.push(
        `Check the patient's age: no date of birth is recorded, and this service is for patients ${words}.`,
      );
    } else if (
      (rules.ageRange.min !== undefined && age < rules.ageRange.min) ||
      (rules.ageRange.max !== undefined && age > rules.ageRange.max)
    ) {
      reasons.push(`For patients ${words}; patient is ${age}`);
    }
  }

  // Postcode.
  if (rules.areaCodes !== undefined) {
    const areaWords = `${listInWords(rules.areaCodes)} postcodes`;
    const postcode = facts.postcode?.trim();
    if (postcode === undefined || postcode === '' || outwardCode(postcode) === undefined) {
      toConfirm.push(
        postcode === undefined || postcode === ''
          ? `Check where the patient lives: no postcode is recorded, and this service covers ${areaWords} only.`
          : `Check where the patient lives: the recorded postcode "${postcode}" is not a full UK postcode, and this service covers ${areaWords} only.`,
      );
    } else if (!rules.areaCodes.some((code) => postcodeInArea(postcode, code))) {
      reasons.push(`Covers ${areaWords} only; patient's postcode is ${postcode}`);
    }
  }

  // Employer (employed patients; a check for patients of unknown status).
  const employerApplies = facts.employmentStatus === 'employed' || facts.employmentStatus === 'unknown';
  const size = rules.employerSize;
  if (employerApplies && size !== undefined && (size.min !== undefined || size.max !== undefined)) {
    const words = employerSizeWords(size);
    if (facts.employerSize === undefined) {
      toConfirm.push(
        `Check how many staff the patient's employer has: this service is only for employers ${words}.`,
      );
    } else if (
      (size.min !== undefined && facts.employerSize < size.min) ||
      (size.max !== undefined && facts.employerSize > size.max)
    ) {
      reasons.push(`Only for employers ${words}`);
    }
  }
  if (employerApplies && rules.excludeIfEmployerHasOccupationalHealth) {
    if (facts.employerHasOccupationalHealth === undefined) {
      toConfirm.push(
        "Check whether the patient's employer has its own occupational health service: this service is not for patients whose employer does.",
      );
    } else if (facts.employerHasOccupationalHealth) {
      reasons.push('Not for patients whose employer has its own occupational health service');
    }
  }

  return reasons.length > 0 ? { eligible: false, reasons } : { eligible: true, toConfirm };
}

export interface RankedProvider {
  provider: Provider;
  result: EligibilityResult;
}

function byName(a: Provider, b: Provider): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Providers in the order the referral form lists them: eligible ones first, shortest waiting time
 * first (then by name), then the ineligible ones by name, each with its reasons.
 */
export function rankProviders(facts: EligibilityFacts, providers: readonly Provider[]): RankedProvider[] {
  const ranked = providers.map((provider) => ({ provider, result: eligibility(facts, provider) }));
  const eligible = ranked
    .filter((r) => r.result.eligible)
    .sort(
      (a, b) => a.provider.waitingTimeDays - b.provider.waitingTimeDays || byName(a.provider, b.provider),
    );
  const ineligible = ranked.filter((r) => !r.result.eligible).sort((a, b) => byName(a.provider, b.provider));
  return [...eligible, ...ineligible];
}

/**
 * Whether a directory entry is due for re-checking: its `lastVerified` date is more than `days`
 * days before `today` (exactly `days` days is not yet stale).
 */
export function isStale(provider: Pick<Provider, 'lastVerified'>, today: CalendarDate, days = 90): boolean {
  const verified = parseCalendarDate(provider.lastVerified);
  const now = parseCalendarDate(today);
  if (verified === undefined || now === undefined) return true;
  return now - verified > days;
}
