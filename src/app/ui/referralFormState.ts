/**
 * The referral form's state, kept apart from the React component so it can be tested on its own:
 * the prefill from the record, the mapping to the domain's ReferralFormInput, and validation with
 * ReferralFormSchema into field errors the error summary links to, and a failed send in plain English
 * (explainSendFailure).
 */
import {
  type EmploymentStatus,
  MODALITIES,
  type Modality,
  type ServiceType,
  type ShareCategory,
} from '../../domain/codes.js';
import { type ConditionGroupId, groupsOfCondition } from '../../domain/conditionGroups.js';
import type { CalendarDate } from '../../domain/dates.js';
import { describeIssue, type Provider } from '../../domain/directory.js';
import { type RankedProvider, rankProviders } from '../../domain/eligibility.js';
import type { Episode } from '../../domain/episodes.js';
import { conditionName } from '../../domain/evaluate.js';
import type { Coding } from '../../domain/fitnote.js';
import type { PatientContactPoint, PatientFacts } from '../../domain/patient.js';
import {
  checkFormAgainstProvider,
  GENERAL_WORDING,
  type ReferralForm,
  type ReferralFormInput,
  ReferralFormSchema,
  ReferralInputError,
} from '../../domain/referral.js';
import { RecordIncompleteError } from '../deliver.js';
import { classifyFailure, FhirRequestError } from '../smart/failures.js';
import { outcomeText } from '../smart/requester.js';
import { languageName } from './format.js';

export type ContactMethod = ReferralFormInput['contact']['preferredMethod'];

export interface FormState {
  providerId: string | undefined;
  serviceTypes: ServiceType[];
  modality: Modality;
  reasonText: string;
  reasonCodings: Coding[];
  useGeneralWording: boolean;
  employmentStatus: EmploymentStatus;
  occupation: string;
  /** Status and occupation are the record's, unchanged. */
  employmentFromRecord: boolean;
  employerLiaison: boolean;
  shareWithEmployer: ShareCategory[];
  shareWithProvider: ShareCategory[];
  phone: string;
  email: string;
  preferredMethod: ContactMethod;
  bestTimes: string;
  interpreterNeeded: boolean;
  language: string;
  freeText: string;
  consentGiven: boolean;
}

/** The id of each field's input (the first input of a group), for error-summary links. */
export const FIELD_IDS = {
  provider: 'rf-provider',
  serviceTypes: 'rf-services',
  modality: 'rf-modality',
  reason: 'rf-reason',
  useGeneralWording: 'rf-general-wording',
  employmentStatus: 'rf-employment-status',
  occupation: 'rf-occupation',
  employerLiaison: 'rf-employer-liaison',
  shareWithEmployer: 'rf-employer-share',
  shareWithProvider: 'rf-provider-share',
  phone: 'rf-phone',
  email: 'rf-email',
  preferredMethod: 'rf-method',
  bestTimes: 'rf-best-times',
  language: 'rf-language',
  freeText: 'rf-free-text',
  consent: 'rf-consent',
} as const;
export type FieldName = keyof typeof FIELD_IDS;

export interface FieldError {
  field: FieldName;
  message: string;
}

/** What the provider may receive unless the GP changes it (clinical notes only when ticked). */
export const DEFAULT_SHARE_WITH_PROVIDER: ShareCategory[] = [
  'contact-details',
  'fit-note-dates',
  'diagnosis',
  'functional-advice',
  'employment-details',
];
/** Pre-ticked for the employer when liaison is requested (never the diagnosis or clinical notes). */
export const DEFAULT_SHARE_WITH_EMPLOYER: ShareCategory[] = ['fit-note-dates', 'functional-advice'];

export function episodeGroups(episode: Episode | undefined): ConditionGroupId[] {
  const groups: ConditionGroupId[] = [];
  for (const c of episode?.conditions ?? [])
    for (const g of groupsOfCondition(c)) if (!groups.includes(g)) groups.push(g);
  return groups;
}

/** The directory ranked for this patient: eligible first (shortest wait), then the rest with reasons. */
export function rankForPatient(
  patient: PatientFacts,
  episode: Episode | undefined,
  providers: readonly Provider[],
  today: CalendarDate,
): RankedProvider[] {
  return rankProviders({ ...patient, today, conditionGroups: episodeGroups(episode) }, providers);
}

/** Services and modality adjusted to what a provider offers (keeping what it offers of the current choice). */
export function fitToProvider(
  state: Pick<FormState, 'serviceTypes' | 'modality'>,
  provider: Provider | undefined,
): Pick<FormState, 'serviceTypes' | 'modality'> {
  if (!provider) return state;
  const kept = state.serviceTypes.filter((s) => provider.services.includes(s));
  const serviceTypes = kept.length > 0 ? kept : provider.services.slice(0, 1);
  const modality = provider.modalities.includes(state.modality)
    ? state.modality
    : (provider.modalities[0] ?? state.modality);
  return { serviceTypes, modality };
}

/** A provider that declined a referral for this patient (from the referral hub), shown on the form. */
export interface DeclinedReferral {
  providerId: string;
  /** When it declined (ISO date-time), when the hub said. */
  at?: string | undefined;
  /** The provider's reason, in its words. */
  reason?: string | undefined;
}

export interface PrefillInput {
  patient: PatientFacts;
  episode?: Episode | undefined;
  ranked: readonly RankedProvider[];
  /** The provider to start with (e.g. the prompt's recommendation), when eligible. */
  initialProviderId?: string | undefined;
  /** Providers that declined this patient: never the default choice (the GP may still pick one). */
  declinedIds?: readonly string[] | undefined;
  /** Today: phone numbers and email addresses whose period ended before it are not offered. */
  today?: CalendarDate | undefined;
}

/** Whether a contact point is in use on `today` (not `old`, its period not ended before today). */
function current(point: PatientContactPoint, today: CalendarDate | undefined): boolean {
  if (point.use === 'old' || point.value.trim() === '') return false;
  if (point.end === undefined) return true;
  // Without today, an end date cannot be checked: leave the number out rather than offer a stale one.
  return today !== undefined && point.end.slice(0, 10) >= today;
}

/**
 * The patient's phone number and email address to prefill, from the record's telecom: current ones
 * only; for the phone a mobile first (the provider can text it); then by rank (1 first, unranked
 * last), then in record order.
 */
export function preferredContacts(
  telecom: readonly PatientContactPoint[] | undefined,
  today?: CalendarDate,
): { phone?: string; email?: string } {
  const pick = (system: PatientContactPoint['system']): string | undefined => {
    const candidates = (telecom ?? [])
      .map((point, order) => ({ point, order }))
      .filter(({ point }) => point.system === system && current(point, today));
    candidates.sort(
      (a, b) =>
        (system === 'phone' ? Number(b.point.use === 'mobile') - Number(a.point.use === 'mobile') : 0) ||
        (a.point.rank ?? Number.POSITIVE_INFINITY) - (b.point.rank ?? Number.POSITIVE_INFINITY) ||
        a.order - b.order,
    );
    return candidates[0]?.point.value.trim();
  };
  const phone = pick('phone');
  const email = pick('email');
  return { ...(phone ? { phone } : {}), ...(email ? { email } : {}) };
}

export function initialFormState({
  patient,
  episode,
  ranked,
  initialProviderId,
  today,
  declinedIds = [],
}: PrefillInput): FormState {
  const eligible = ranked
    .filter((r) => r.result.eligible && !declinedIds.includes(r.provider.id))
    .map((r) => r.provider);
  // Without a provider from the prompt: the first (shortest wait) of those that specialise in the
  // patient's condition groups, else the first eligible.
  const groups = episodeGroups(episode);
  const specialised = eligible.find((p) => p.eligibility.conditionGroups?.some((g) => groups.includes(g)));
  const provider = eligible.find((p) => p.id === initialProviderId) ?? specialised ?? eligible[0];
  const conditions = episode?.conditions ?? [];
  const contacts = preferredContacts(patient.telecom, today);
  const reasonText = conditions.map(conditionName).join(' and ');
  const base = fitToProvider(
    { serviceTypes: [], modality: MODALITIES.includes('telephone') ? 'telephone' : MODALITIES[0] },
    provider,
  );
  return {
    providerId: provider?.id,
    ...base,
    reasonText: reasonText === '' ? GENERAL_WORDING : reasonText,
    reasonCodings: conditions.flatMap((c) => c.codings),
    useGeneralWording: conditions.length === 0,
    employmentStatus: patient.employmentStatus,
    occupation: patient.occupation ?? '',
    employmentFromRecord: patient.employmentStatus !== 'unknown',
    employerLiaison: false,
    shareWithEmployer: [],
    shareWithProvider: DEFAULT_SHARE_WITH_PROVIDER.slice(),
    phone: contacts.phone ?? '',
    email: contacts.email ?? '',
    preferredMethod: 'phone',
    bestTimes: '',
    interpreterNeeded: patient.interpreterNeeded ?? false,
    language: languageName(patient.language) ?? '',
    freeText: '',
    consentGiven: false,
  };
}

const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());

/** The form as the domain's ReferralFormInput (consent given only when ticked). */
export function toFormInput(state: FormState, patient: PatientFacts, recordedAt: string): ReferralFormInput {
  const occupation = optional(state.occupation);
  const phone = optional(state.phone);
  const email = optional(state.email);
  const bestTimes = optional(state.bestTimes);
  const language = optional(state.language);
  const employed = state.employmentStatus === 'employed' || state.employmentStatus === 'self-employed';
  return {
    serviceTypes: state.serviceTypes,
    modality: state.modality,
    reason: state.useGeneralWording
      ? { text: GENERAL_WORDING, useGeneralWording: true }
      : {
          text: state.reasonText,
          ...(state.reasonCodings.length > 0 ? { codings: state.reasonCodings } : {}),
          useGeneralWording: false,
        },
    employment: {
      status: state.employmentStatus,
      ...(occupation ? { occupation } : {}),
      ...(employed && patient.employerName ? { employerName: patient.employerName } : {}),
      ...(employed && patient.employerSize !== undefined ? { employerSize: patient.employerSize } : {}),
      ...(employed && patient.employerHasOccupationalHealth !== undefined
        ? { employerHasOccupationalHealth: patient.employerHasOccupationalHealth }
        : {}),
      recordedInRecord: state.employmentFromRecord,
    },
    employerLiaison: {
      requested: state.employerLiaison,
      shareWithEmployer: state.employerLiaison ? state.shareWithEmployer : [],
    },
    shareWithProvider: state.shareWithProvider,
    contact: {
      ...(phone ? { phone } : {}),
      ...(email ? { email } : {}),
      preferredMethod: state.preferredMethod,
      ...(bestTimes ? { bestTimes } : {}),
    },
    interpreter: {
      needed: state.interpreterNeeded,
      ...(state.interpreterNeeded && language ? { language } : {}),
    },
    ...(optional(state.freeText) ? { freeText: state.freeText.trim() } : {}),
    // `given: false` fails the schema with the plain-English "consent is needed" message.
    consent: { given: state.consentGiven as true, recordedAt },
  };
}

const FIELD_BY_PATH: Record<string, FieldName> = {
  serviceTypes: 'serviceTypes',
  modality: 'modality',
  'reason.text': 'reason',
  'reason.useGeneralWording': 'useGeneralWording',
  'reason.codings': 'reason',
  'employment.status': 'employmentStatus',
  'employment.occupation': 'occupation',
  employment: 'employmentStatus',
  'employerLiaison.requested': 'employerLiaison',
  'employerLiaison.shareWithEmployer': 'shareWithEmployer',
  shareWithProvider: 'shareWithProvider',
  'contact.phone': 'phone',
  'contact.email': 'email',
  'contact.preferredMethod': 'preferredMethod',
  'contact.bestTimes': 'bestTimes',
  'interpreter.language': 'language',
  freeText: 'freeText',
  consent: 'consent',
  'consent.given': 'consent',
  'consent.recordedAt': 'consent',
};

/** Messages for schema issues whose generic wording would name a JSON path. */
const FRIENDLY: Partial<Record<FieldName, string>> = {
  modality: 'Choose how the patient will be seen.',
  reason: 'Enter the reason for the referral, or use the general wording.',
  email: 'Enter the email address in the right format, like name@example.com.',
  employmentStatus: 'Choose the patient’s employment status.',
};

function fieldOf(path: readonly PropertyKey[]): FieldName {
  const key = path.filter((k) => typeof k === 'string').join('.');
  return FIELD_BY_PATH[key] ?? FIELD_BY_PATH[String(path[0])] ?? 'freeText';
}

export type ValidationResult = { ok: true; form: ReferralForm } | { ok: false; errors: FieldError[] };

/** Validates the form for a provider; one error per field, in the form's order. */
export function validateFormState(
  state: FormState,
  provider: Provider | undefined,
  patient: PatientFacts,
  recordedAt: string,
): ValidationResult {
  const errors: FieldError[] = [];
  const add = (field: FieldName, message: string) => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message });
  };
  if (!provider) add('provider', 'Choose a provider to refer to.');
  const input = toFormInput(state, patient, recordedAt);
  const parsed = ReferralFormSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOf(issue.path);
      const generic = describeIssue(issue, input);
      const isSelfContained = generic === issue.message;
      add(
        field,
        isSelfContained ? generic : (FRIENDLY[field] ?? generic.charAt(0).toUpperCase() + generic.slice(1)),
      );
    }
  } else if (provider) {
    for (const problem of checkFormAgainstProvider(parsed.data, provider))
      add(problem.includes('appointments') ? 'modality' : 'serviceTypes', problem);
  }
  const order = Object.keys(FIELD_IDS);
  errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, form: parsed.data };
}

/** Why a referral was not sent, in plain English, and whether pressing Send again can help. */
export interface SendFailure {
  problems: string[];
  /** False when sending again cannot work as things are (the session ended, no permission). */
  canRetry: boolean;
}

/**
 * What the clinical system said about a refused request: the OperationOutcome's text from the
 * requester's error message (fhirclient puts the JSON body after the status line; the fetch requester
 * puts the outcome's text after `HTTP <status>: `), or nothing when it said nothing readable.
 */
function serverSaid(message: string): string | undefined {
  const brace = message.indexOf('{');
  if (brace >= 0) {
    try {
      const text = outcomeText(JSON.parse(message.slice(brace)));
      if (text) return text;
    } catch {
      // not JSON after all
    }
  }
  const text = /^HTTP \d+: ([\s\S]+)$/.exec(message)?.[1]?.trim();
  return text && !text.startsWith('<') && !text.startsWith('{') ? text : undefined;
}

/**
 * A failed send (saving to the record, or handing over without write access) in words a GP can act
 * on: what happened, that nothing went to the provider, and what to do next. Uses the requester's
 * FhirRequestError kinds and the launch's classifyFailure for an ended session.
 */
export function explainSendFailure(
  error: unknown,
  provider: Pick<Provider, 'name' | 'contact'>,
): SendFailure {
  if (error instanceof ReferralInputError) return { problems: error.problems, canRetry: true };
  const name = provider.name;
  const phone = `phone ${name} on ${provider.contact.phone}`;
  const retry = (text: string) => ({ problems: [text], canRetry: true });
  const message = error instanceof Error ? error.message : '';
  const status = error instanceof FhirRequestError ? error.status : (error as { status?: unknown })?.status;
  const said = typeof status === 'number' ? serverSaid(message) : undefined;
  const saidText = said ? ` It said: “${said.replace(/\.$/, '')}”.` : '';
  const notSent = `Nothing was sent to ${name}.`;
  if (error instanceof RecordIncompleteError) {
    return retry(
      `The clinical system answered without confirming it saved every part of the referral (the request, the patient’s consent and its task), so the record may not have every part. ${notSent} Press Send referral again: the parts already saved are not saved twice.`,
    );
  }
  if (status === 401 || (status === undefined && classifyFailure(error).kind === 'token-expired')) {
    return {
      problems: [
        `Your session with the clinical system has ended, so the referral was not saved in the record. ${notSent} Close the app and open it again from the patient’s record, then refer again.`,
      ],
      canRetry: false,
    };
  }
  if (status === 403) {
    return {
      problems: [
        `The clinical system does not allow this app to save referrals in this patient’s record, so the referral was not saved. ${notSent} Ask your practice IT lead to check the app’s permissions; to refer now, ${phone}.`,
      ],
      canRetry: false,
    };
  }
  if (status === 409 || status === 412) {
    return retry(
      `The clinical system refused the referral because it clashes with what the record already holds.${saidText} ${notSent} Check the patient’s referrals in the record, then press Send referral again; if it happens again, tell your practice IT lead.`,
    );
  }
  if (status === 422) {
    return retry(
      `The clinical system did not accept the referral’s details.${saidText} ${notSent} Check the details below, then press Send referral again; if it happens again, tell your practice IT lead.`,
    );
  }
  if (typeof status === 'number' && status >= 500) {
    return retry(
      `The clinical system had a problem and did not save the referral (error ${status}).${saidText} ${notSent} Press Send referral again in a minute; if it keeps happening, tell your practice IT lead.`,
    );
  }
  if (typeof status === 'number') {
    return retry(
      `The clinical system refused the referral (error ${status}).${saidText} ${notSent} Press Send referral again; if it happens again, tell your practice IT lead, and to refer now, ${phone}.`,
    );
  }
  if (error instanceof FhirRequestError && error.reason === 'timeout') {
    const seconds = Math.max(2, Math.round((error.timeoutMs ?? 8000) / 1000));
    return retry(
      `The clinical system did not answer within ${seconds} seconds, so the app cannot tell whether it saved the referral. ${notSent} Press Send referral again: if the first attempt was saved, it is not saved twice.`,
    );
  }
  if (error instanceof FhirRequestError || error instanceof TypeError) {
    return retry(
      `The app could not reach the clinical system to save the referral: the connection failed. ${notSent} Check your network connection, then press Send referral again.`,
    );
  }
  // The app's own failures (src/app/deliver.ts) are already plain English.
  return retry(
    message ||
      `The referral could not be sent. ${notSent} Press Send referral again; if it happens again, ${phone}.`,
  );
}
