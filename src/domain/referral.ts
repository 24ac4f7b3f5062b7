/**
 * The referral builder: the GP's referral form → a FHIR transaction Bundle holding the
 * WorkHealthReferral ServiceRequest, the ReferralConsent, the ReferralTask and, when the form adds
 * employment facts the record does not hold, EmploymentStatus and Occupation Observations.
 *
 * Idempotent by construction: the business identifier is a v5 UUID of (practice ODS code, patient
 * NHS number or id, provider id, episode start or 'no-episode', sorted service types), every
 * resource's fullUrl is a v5 UUID derived from it, and every entry is a conditional create
 * (`ifNoneExist: identifier=<system>|<value>`), so sending the same referral twice creates nothing
 * new. Nothing here reads the clock: `authoredOn` and the consent time are passed in.
 *
 * Privacy rules the builder enforces (Peter's case: sensitive details go to the provider only):
 * - no referral without the patient's consent (`form.consent.given` must be `true`);
 * - employer provisions exist only when employer liaison is requested: a permit for exactly the
 *   categories listed in `shareWithEmployer`, and a deny for every other category. Diagnosis and
 *   clinical notes never go to an employer unless listed;
 * - the diagnosis appears in `reasonCode` only when `diagnosis` is in `shareWithProvider`;
 *   otherwise the form must use the general wording;
 * - phone and email appear in `patientInstruction` only when `contact-details` is shared;
 * - employment Observations (new or already in the record) are attached only when
 *   `employment-details` is shared with the provider;
 * - the record's fit-note Observations are only referenced (`reasonReference`), which a provider cannot
 *   read; when `fit-note-dates` is shared, the ServiceRequest also contains a copy of each of the
 *   episode's fit notes (FitNote profile, ids `fitnote-1`…, in `supportingInfo`) holding only status,
 *   code, subject, issued, period and fitness, plus the advice components when `functional-advice` is
 *   shared and the diagnosis components when `diagnosis` is shared. Advice and diagnosis travel only
 *   on these copies, so without `fit-note-dates` no part of a fit note is sent (describeConsent says so).
 */
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Consent,
  ConsentProvision,
  HealthcareService,
  Identifier,
  Observation,
  ObservationComponent,
  Organization,
  Patient,
  PractitionerRole,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import * as z from 'zod/mini';
import {
  CODE_SYSTEM,
  EMPLOYMENT_STATUSES,
  type EmploymentStatus,
  FIT_NOTE_CODES,
  ID_SYSTEM,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  MODALITIES,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILE,
  SERVICE_TYPES,
  type ServiceType,
  SHARE_CATEGORIES,
  type ShareCategory,
  SNOMED,
} from './codes.js';
import { londonDay } from './dates.js';
import {
  describeIssue,
  listInWords,
  MODALITY_LABELS,
  type Provider,
  SERVICE_TYPE_LABELS,
  selfContained,
} from './directory.js';
import type { Episode } from './episodes.js';
import type { FitNote } from './fitnote.js';
import { ADJUSTMENT_WORDS } from './outcomeCodes.js';
import { stableUuid } from './stableId.js';
import './zodEnglish.js';

/** The reason given when the GP chooses not to state the diagnosis. */
export const GENERAL_WORDING = 'Work and health support while off work';

export const NO_CONSENT = selfContained(
  "The patient's consent is needed before a referral can be sent: explain what will be shared, ask the patient, and record their consent on the form.",
);

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
/** A FHIR instant: date, time to the second, and a time zone. */
export const InstantSchema = z.string().check(
  z.refine((s) => INSTANT.test(s) && londonDay(s) !== undefined, {
    message: 'must be a date and time with a time zone, such as 2026-11-21T10:15:00Z',
  }),
);

const text = z.string().check(z.trim(), z.minLength(1));
/** A check that a list names each item once. */
const noRepeats = (message: string) =>
  z.refine<readonly string[]>((list) => new Set(list).size === list.length, { message });
const shareList = z.array(z.enum(SHARE_CATEGORIES)).check(noRepeats('lists the same item twice'));

export const ReferralFormSchema = z
  .strictObject({
    serviceTypes: z
      .array(z.enum(SERVICE_TYPES))
      .check(
        z.minLength(1, { message: selfContained('Choose at least one service for the patient.') }),
        noRepeats('lists the same service twice'),
      ),
    modality: z.enum(MODALITIES),
    reason: z.strictObject({
      text,
      codings: z.optional(
        z.array(z.strictObject({ system: text, code: text, display: z.optional(z.string()) })),
      ),
      useGeneralWording: z.boolean(),
    }),
    employment: z.strictObject({
      status: z.enum(EMPLOYMENT_STATUSES),
      occupation: z.optional(text),
      employerName: z.optional(text),
      employerSize: z.optional(z.int().check(z.gte(1))),
      employerHasOccupationalHealth: z.optional(z.boolean()),
      /** True when these facts are already in the record (so the record's Observations are referenced). */
      recordedInRecord: z.boolean(),
    }),
    employerLiaison: z.strictObject({ requested: z.boolean(), shareWithEmployer: shareList }),
    shareWithProvider: shareList.check(
      z.minLength(1, {
        message: selfContained('Choose what the provider may receive (at least the contact details).'),
      }),
    ),
    contact: z.strictObject({
      phone: z.optional(text),
      email: z.optional(z.email({ message: 'must be an email address' })),
      preferredMethod: z.enum(['phone', 'email', 'letter', 'text']),
      bestTimes: z.optional(text),
    }),
    interpreter: z.strictObject({ needed: z.boolean(), language: z.optional(text) }),
    freeText: z.optional(z.string()),
    consent: z.strictObject(
      {
        given: z.literal(true, { error: NO_CONSENT }),
        recordedAt: InstantSchema,
      },
      { error: (iss) => (iss.input === undefined ? NO_CONSENT : undefined) },
    ),
  })
  .check(
    z.superRefine((form, ctx) => {
      const add = (message: string, path: PropertyKey[]) =>
        ctx.addIssue({ code: 'custom', message: selfContained(message), path });
      if (!form.reason.useGeneralWording && !form.shareWithProvider.includes('diagnosis'))
        add(
          'The diagnosis is not in what the patient agreed to share with the provider: use the general wording, or add the diagnosis to what is shared.',
          ['reason', 'useGeneralWording'],
        );
      if (!form.employerLiaison.requested && form.employerLiaison.shareWithEmployer.length > 0)
        add(
          'Employer liaison is not requested, so nothing can be shared with the employer: clear the employer list, or request employer liaison.',
          ['employerLiaison', 'shareWithEmployer'],
        );
      if (form.interpreter.needed && form.interpreter.language === undefined)
        add('An interpreter is needed: say which language.', ['interpreter', 'language']);
      const method = form.contact.preferredMethod;
      if ((method === 'phone' || method === 'text') && form.contact.phone === undefined)
        add(
          `The patient prefers ${method === 'phone' ? 'phone calls' : 'text messages'}: add a phone number.`,
          ['contact', 'phone'],
        );
      if (method === 'email' && form.contact.email === undefined)
        add('The patient prefers email: add an email address.', ['contact', 'email']);
    }),
  );

export type ReferralForm = z.infer<typeof ReferralFormSchema>;
export type ReferralFormInput = z.input<typeof ReferralFormSchema>;

export interface ReferralInput {
  patient: { id: string; nhsNumber?: string; name?: string };
  practice: { odsCode: string; name: string };
  /** The referring clinician; `practitionerRef` e.g. `Practitioner/abc` when the launch context has one. */
  requester: { practitionerRef?: string; display: string };
  provider: Provider;
  /** The episode being referred for (only its start is used; a full Episode may be passed). */
  episode?: Pick<Episode, 'start'>;
  /** The fit-note Observations behind the referral (`Observation/…`; the profile allows only FitNote). */
  fitNoteRefs: string[];
  /** The consultation the referral is made in (`Encounter/…`), when the launch gave one. */
  encounterRef?: string;
  /**
   * The episode's fit notes as the domain reads them (each with its record reference). Copies go in the
   * ServiceRequest when the patient shares fit-note dates with the provider; omitted means none go.
   */
  fitNotes?: readonly ReferralFitNote[];
  /**
   * The record's existing EmploymentStatus / Occupation Observations, referenced instead of new
   * ones when `form.employment.recordedInRecord` is true.
   */
  recordedEmployment?: { employmentStatusRef?: string; occupationRef?: string };
  form: ReferralFormInput;
  /** FHIR instant the referral was authored (passed in; never read from the clock). */
  authoredOn: string;
}

/** A fit note to copy into the referral; `adviceWords` are the clinician's words per advice option, when known. */
export type ReferralFitNote = FitNote & { adviceWords?: Partial<Record<FitNote['advice'][number], string>> };

export class ReferralInputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The referral cannot be sent yet:\n- ${problems.join('\n- ')}`);
    this.name = 'ReferralInputError';
    this.problems = problems;
  }
}

export type ReferralFormResult = { ok: true; form: ReferralForm } | { ok: false; problems: string[] };

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Checks the form on its own (what the UI can check before a provider is chosen). */
export function parseReferralForm(json: unknown): ReferralFormResult {
  const result = ReferralFormSchema.safeParse(json);
  if (result.success) return { ok: true, form: result.data };
  return { ok: false, problems: result.error.issues.map((i) => capitalise(describeIssue(i, json))) };
}

/** What the chosen provider does not offer among the form's choices. */
export function checkFormAgainstProvider(form: ReferralForm, provider: Provider): string[] {
  const problems: string[] = [];
  const missing = form.serviceTypes.filter((s) => !provider.services.includes(s));
  if (missing.length > 0)
    problems.push(
      `${provider.name} does not offer ${listInWords(missing.map((s) => SERVICE_TYPE_LABELS[s]))}: choose from ${listInWords(
        provider.services.map((s) => SERVICE_TYPE_LABELS[s]),
      )}, or choose another provider.`,
    );
  if (!provider.modalities.includes(form.modality))
    problems.push(
      `${provider.name} does not offer ${MODALITY_LABELS[form.modality]} appointments: choose ${listInWords(
        provider.modalities.map((m) => MODALITY_LABELS[m]),
        'or',
      )}.`,
    );
  return problems;
}

/** Checks everything `buildReferral` needs; the problems are plain English for the GP. */
export function validateReferralInput(input: ReferralInput): ReferralFormResult {
  const parsed = parseReferralForm(input.form);
  const problems = parsed.ok ? checkFormAgainstProvider(parsed.form, input.provider) : parsed.problems;
  if (!INSTANT.test(input.authoredOn) || londonDay(input.authoredOn) === undefined)
    problems.push(`The referral time "${input.authoredOn}" is not a date and time with a time zone.`);
  for (const ref of input.fitNoteRefs) {
    if (!/^Observation\/[A-Za-z0-9\-.]{1,64}$/.test(ref))
      problems.push(
        `The fit note reference "${ref}" is not an Observation reference; only fit-note Observations can be given as the referral's reason.`,
      );
  }
  if (input.encounterRef !== undefined && !/^Encounter\/[A-Za-z0-9\-.]{1,64}$/.test(input.encounterRef))
    problems.push(`The consultation reference "${input.encounterRef}" is not an Encounter reference.`);
  if (input.practice.odsCode.trim() === '') problems.push("The practice's ODS code is missing.");
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  return parsed;
}

/** The referral's business identifier (the same for a resend of the same referral). */
export function referralIdentifier(args: {
  odsCode: string;
  patient: { id: string; nhsNumber?: string | undefined };
  providerId: string;
  episodeStart?: string | undefined;
  serviceTypes: readonly ServiceType[];
}): { system: string; value: string } {
  const value = stableUuid(
    args.odsCode,
    args.patient.nhsNumber ?? args.patient.id,
    args.providerId,
    args.episodeStart ?? 'no-episode',
    ...[...args.serviceTypes].sort(),
  );
  return { system: ID_SYSTEM.referral, value };
}

/** Plain-English names of what may be shared, as the patient reads them. */
export const SHARE_CATEGORY_LABELS: Record<ShareCategory, string> = {
  'contact-details': 'your contact details',
  'fit-note-dates': 'the dates of your fit notes',
  diagnosis: 'your diagnosis',
  'functional-advice': 'the advice on your fit notes about work you could do',
  'employment-details': 'your job and employer details',
  'clinical-notes': 'relevant notes from your GP record',
};

/**
 * What the provider's list says for a category, where it differs from the shared label: the fit-note
 * copies the provider gets hold the fitness finding as well as the dates.
 */
const PROVIDER_LABELS: Partial<Record<ShareCategory, string>> = {
  'fit-note-dates':
    'the dates of your fit notes (with whether each says you are not fit or may be fit for work)',
};

/** Said when functional advice is ticked without fit-note dates (the advice travels only on the copies). */
export const ADVICE_NEEDS_DATES =
  'The advice on your fit notes goes only with their dates, so it will not be sent.';

function shareWords(
  list: readonly ShareCategory[],
  labels: Partial<Record<ShareCategory, string>> = {},
): string {
  // Always in the code system's order, so the sentence does not depend on click order.
  const ordered = SHARE_CATEGORIES.filter((c) => list.includes(c));
  return ordered.length === 0
    ? 'nothing'
    : listInWords(ordered.map((c) => labels[c] ?? SHARE_CATEGORY_LABELS[c]));
}

/** Whether the fit notes' advice actually goes to the provider (it goes only on the fit-note copies). */
function adviceGoes(list: readonly ShareCategory[]): boolean {
  return list.includes('functional-advice') && list.includes('fit-note-dates');
}

/**
 * The sentence the GP reads to the patient before they consent, e.g. "The provider will receive:
 * your contact details and your diagnosis. Your employer will receive: nothing." It names exactly
 * what buildReferral sends: functional advice without fit-note dates is said not to go.
 */
export function describeConsent(
  form: Pick<ReferralForm, 'shareWithProvider' | 'employerLiaison'>,
  providerName = 'The provider',
): string {
  const employer = form.employerLiaison.requested ? form.employerLiaison.shareWithEmployer : [];
  const toProvider = form.shareWithProvider;
  const sent = adviceGoes(toProvider) ? toProvider : toProvider.filter((c) => c !== 'functional-advice');
  const advice =
    toProvider.includes('functional-advice') && !adviceGoes(toProvider) ? ` ${ADVICE_NEEDS_DATES}` : '';
  return `${providerName} will receive: ${shareWords(sent, PROVIDER_LABELS)}.${advice} Your employer will receive: ${shareWords(employer)}.`;
}

const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const TASK_CODE = 'http://hl7.org/fhir/CodeSystem/task-code';
const URI_SYSTEM = 'urn:ietf:rfc:3986';
const SNOMED_REFERRAL_TO_SERVICE = '306206005';
const LOINC_PATIENT_CONSENT = '59284-0';

const EMPLOYMENT_STATUS_DISPLAY: Record<Exclude<EmploymentStatus, 'unknown'>, string> = {
  employed: 'Employed',
  'self-employed': 'Self-employed',
  unemployed: 'Unemployed',
  student: 'Student',
  retired: 'Retired',
  'not-in-work': 'Not in work',
};

const SHARE_CATEGORY_DISPLAY: Record<ShareCategory, string> = {
  'contact-details': 'Contact details',
  'fit-note-dates': 'Fit note dates',
  diagnosis: 'Diagnosis',
  'functional-advice': 'Functional advice on the fit note',
  'employment-details': 'Employment details',
  'clinical-notes': 'Clinical notes',
};

/** Displays as in the project's referral-service-type code system. */
const SERVICE_TYPE_DISPLAY: Record<ServiceType, string> = {
  'oh-assessment': 'Occupational health assessment',
  'employment-support': 'Work coach / employment support',
  physiotherapy: 'Physiotherapy',
  'psychological-therapy': 'Psychological therapy',
  'case-management': 'Case management',
  'workplace-mediation': 'Workplace mediation',
  'debt-benefits-advice': 'Debt and benefits advice',
};

function serviceConcept(service: ServiceType): CodeableConcept {
  return {
    coding: [
      { system: CODE_SYSTEM.referralServiceType, code: service, display: SERVICE_TYPE_DISPLAY[service] },
    ],
    text: capitalise(SERVICE_TYPE_LABELS[service]),
  };
}

function shareConcepts(list: readonly ShareCategory[]): CodeableConcept[] {
  return SHARE_CATEGORIES.filter((c) => list.includes(c)).map((c) => ({
    coding: [{ system: CODE_SYSTEM.shareCategory, code: c, display: SHARE_CATEGORY_DISPLAY[c] }],
  }));
}

function patientInstruction(form: ReferralForm): string {
  const { contact, interpreter } = form;
  const shareContact = form.shareWithProvider.includes('contact-details');
  const how: Record<ReferralForm['contact']['preferredMethod'], string> = {
    phone: `Contact the patient by phone${shareContact && contact.phone ? ` on ${contact.phone}` : ''}`,
    text: `Contact the patient by text message${shareContact && contact.phone ? ` to ${contact.phone}` : ''}`,
    email: `Contact the patient by email${shareContact && contact.email ? ` at ${contact.email}` : ''}`,
    letter: 'Contact the patient by letter',
  };
  const parts = [
    `${how[contact.preferredMethod]}${contact.bestTimes ? ` (best times: ${contact.bestTimes})` : ''}.`,
  ];
  if (shareContact) {
    if (contact.preferredMethod !== 'phone' && contact.preferredMethod !== 'text' && contact.phone)
      parts.push(`Phone: ${contact.phone}.`);
    if (contact.preferredMethod !== 'email' && contact.email) parts.push(`Email: ${contact.email}.`);
  }
  parts.push(
    interpreter.needed ? `An interpreter is needed: ${interpreter.language}.` : 'No interpreter is needed.',
  );
  return parts.join(' ');
}

const FITNESS_DISPLAY: Record<FitNote['fitness'], { code: string; display: string }> = {
  'not-fit': { code: FIT_NOTE_CODES.unfitForWork, display: 'Unfit for work' },
  'may-be-fit': { code: FIT_NOTE_CODES.fitWithRestrictions, display: 'Fit for work with restrictions' },
};

/**
 * Copies of the episode's fit notes for the provider (FitNote profile), oldest first, holding only
 * what `shared` permits. The domain keeps a note's issue date as a London calendar date, so `issued`
 * is that date at 12:00 UTC (the same London date in summer and winter).
 */
export function fitNoteCopies(
  notes: readonly ReferralFitNote[],
  shared: readonly ShareCategory[],
  subject: Reference<Patient>,
): Observation[] {
  if (!shared.includes('fit-note-dates')) return [];
  const withAdvice = shared.includes('functional-advice');
  const withDiagnosis = shared.includes('diagnosis');
  const ordered = [...notes].sort(
    (a, b) =>
      a.issued.localeCompare(b.issued) || a.start.localeCompare(b.start) || a.ref.localeCompare(b.ref),
  );
  return ordered.map((note, i) => {
    const components: ObservationComponent[] = [];
    if (withDiagnosis)
      for (const condition of note.conditions) {
        if (condition.codings.length === 0 && !condition.text) continue;
        components.push({
          code: { coding: [{ system: SNOMED, code: FIT_NOTE_CODES.diagnosis, display: 'Diagnosis' }] },
          valueCodeableConcept: {
            ...(condition.codings.length > 0
              ? {
                  coding: condition.codings.map((c) => ({
                    system: c.system,
                    code: c.code,
                    ...(c.display ? { display: c.display } : {}),
                  })),
                }
              : {}),
            ...(condition.text ? { text: condition.text } : {}),
          },
        });
      }
    if (withAdvice)
      for (const code of note.advice) {
        const words = note.adviceWords?.[code]?.trim();
        components.push({
          code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code, display: ADJUSTMENT_WORDS[code] }] },
          ...(words ? { valueString: words } : {}),
        });
      }
    const fitness = FITNESS_DISPLAY[note.fitness];
    return {
      resourceType: 'Observation',
      id: `fitnote-${i + 1}`,
      meta: { profile: [PROFILE.fitNote] },
      status: 'final',
      code: {
        coding: [
          {
            system: SNOMED,
            code: FIT_NOTE_CODES.fitnessForWorkFinding,
            display: 'Fitness for work - finding',
          },
        ],
      },
      subject,
      effectivePeriod: { start: note.start, ...(note.end ? { end: note.end } : {}) },
      issued: `${note.issued}T12:00:00Z`,
      valueCodeableConcept: { coding: [{ system: SNOMED, ...fitness }] },
      ...(components.length > 0 ? { component: components } : {}),
    };
  });
}

/**
 * Builds the referral transaction. Throws `ReferralInputError` (with `problems`, plain English)
 * when the form is incomplete, lacks consent, or asks for services or a modality the provider does
 * not offer.
 */
export function buildReferral(input: ReferralInput): Bundle {
  const checked = validateReferralInput(input);
  if (!checked.ok) throw new ReferralInputError(checked.problems);
  const form = checked.form;
  const { patient, practice, provider } = input;

  const identifier = referralIdentifier({
    odsCode: practice.odsCode,
    patient,
    providerId: provider.id,
    episodeStart: input.episode?.start,
    serviceTypes: form.serviceTypes,
  });
  const uuidFor = (kind: string) => stableUuid(identifier.value, kind);
  const urn = (kind: string) => `urn:uuid:${uuidFor(kind)}`;
  // A resource's own identifier must differ from its fullUrl: a FHIR server rewrites every string equal
  // to a fullUrl into the new resource's reference, so the stored identifier would become
  // `Consent/<id>` and a resend's conditional create would never find it (a second Consent).
  const ownIdentifier = (kind: string): Identifier => ({
    system: URI_SYSTEM,
    value: `urn:uuid:${uuidFor(`${kind}-identifier`)}`,
  });

  const patientRef: Reference<Patient> = {
    reference: `Patient/${patient.id}`,
    ...(patient.nhsNumber ? { identifier: { system: NHS_NUMBER_SYSTEM, value: patient.nhsNumber } } : {}),
    ...(patient.name ? { display: patient.name } : {}),
  };
  const practiceRef: Reference<Organization> = {
    type: 'Organization',
    identifier: { system: ODS_ORGANIZATION_SYSTEM, value: practice.odsCode },
    display: practice.name,
  };
  const providerRef: Reference<HealthcareService> = {
    type: 'HealthcareService',
    identifier: { system: ID_SYSTEM.provider, value: provider.id },
    display: provider.name,
  };

  // Employment observations: the record's own when it holds them, new ones from the form otherwise.
  const employment = form.employment;
  const employmentRefs: Reference[] = [];
  const observations: Array<{ kind: string; resource: Observation }> = [];
  if (form.shareWithProvider.includes('employment-details')) {
    const recorded = employment.recordedInRecord ? input.recordedEmployment : undefined;
    if (recorded?.employmentStatusRef) employmentRefs.push({ reference: recorded.employmentStatusRef });
    else if (employment.status !== 'unknown') {
      const components: ObservationComponent[] = [];
      const detail = (code: string, display: string): CodeableConcept => ({
        coding: [{ system: CODE_SYSTEM.employmentDetail, code, display }],
      });
      if (employment.employerName)
        components.push({
          code: detail('employer-name', 'Employer name'),
          valueString: employment.employerName,
        });
      if (employment.employerSize !== undefined)
        components.push({
          code: detail('employer-size', 'Employer size'),
          valueInteger: employment.employerSize,
        });
      if (employment.employerHasOccupationalHealth !== undefined)
        components.push({
          code: detail('employer-occupational-health', 'Employer provides occupational health'),
          valueBoolean: employment.employerHasOccupationalHealth,
        });
      observations.push({
        kind: 'employment-status',
        resource: {
          resourceType: 'Observation',
          meta: { profile: [PROFILE.employmentStatus] },
          identifier: [ownIdentifier('employment-status')],
          status: 'final',
          code: {
            coding: [
              { system: LOINC, code: LOINC_EMPLOYMENT_STATUS, display: 'History of employment status' },
            ],
          },
          subject: patientRef,
          effectiveDateTime: input.authoredOn,
          valueCodeableConcept: {
            coding: [
              {
                system: CODE_SYSTEM.employmentStatus,
                code: employment.status,
                display: EMPLOYMENT_STATUS_DISPLAY[employment.status],
              },
            ],
          },
          ...(components.length > 0 ? { component: components } : {}),
        },
      });
    }
    if (recorded?.occupationRef) employmentRefs.push({ reference: recorded.occupationRef });
    else if (employment.occupation) {
      observations.push({
        kind: 'occupation',
        resource: {
          resourceType: 'Observation',
          meta: { profile: [PROFILE.occupation] },
          identifier: [ownIdentifier('occupation')],
          status: 'final',
          code: {
            coding: [{ system: LOINC, code: LOINC_OCCUPATION, display: 'History of Occupation' }],
          },
          subject: patientRef,
          effectiveDateTime: input.authoredOn,
          valueCodeableConcept: { text: employment.occupation },
        },
      });
    }
  }

  // Consent: one provision for the provider; one for the employer when liaison is requested.
  // R4 does not allow HealthcareService as a Consent actor, so the provider is named by its
  // directory identifier without a resource type.
  const providerActor: Reference<Organization> = {
    identifier: providerRef.identifier as Identifier,
    display: provider.name,
  };
  const recipient = (reference: Reference<Organization>) => ({
    role: { coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }] },
    reference,
  });
  const provisions: ConsentProvision[] = [
    { type: 'permit', actor: [recipient(providerActor)], code: shareConcepts(form.shareWithProvider) },
  ];
  if (form.employerLiaison.requested) {
    const toEmployer = form.employerLiaison.shareWithEmployer;
    const employerRef: Reference<Organization> = {
      type: 'Organization',
      display: employment.employerName ?? "The patient's employer",
    };
    // What the employer may have, and an explicit deny of everything else (diagnosis and clinical
    // notes included unless listed), so nothing reaches the employer by default.
    const withheld = SHARE_CATEGORIES.filter((c) => !toEmployer.includes(c));
    if (toEmployer.length > 0)
      provisions.push({ type: 'permit', actor: [recipient(employerRef)], code: shareConcepts(toEmployer) });
    if (withheld.length > 0)
      provisions.push({ type: 'deny', actor: [recipient(employerRef)], code: shareConcepts(withheld) });
  }
  const consent: Consent = {
    resourceType: 'Consent',
    meta: { profile: [PROFILE.referralConsent] },
    identifier: [ownIdentifier('consent')],
    status: 'active',
    scope: { coding: [{ system: CONSENT_SCOPE, code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: LOINC, code: LOINC_PATIENT_CONSENT, display: 'Patient Consent' }] }],
    patient: patientRef,
    dateTime: form.consent.recordedAt,
    performer: [patientRef],
    organization: [practiceRef],
    policyRule: { coding: [{ system: ACT_CODE, code: 'OPTIN', display: 'opt-in' }] },
    provision: { type: 'permit', provision: provisions },
  };

  // ServiceRequest.
  const [firstService, ...otherServices] = form.serviceTypes as [ServiceType, ...ServiceType[]];
  const requesterRole: PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: 'requester',
    practitioner: {
      ...(input.requester.practitionerRef ? { reference: input.requester.practitionerRef } : {}),
      display: input.requester.display,
    },
    organization: {
      identifier: { system: ODS_ORGANIZATION_SYSTEM, value: practice.odsCode },
      display: practice.name,
    },
  };
  const modalityDisplay = capitalise(MODALITY_LABELS[form.modality]);
  const reasonCode: CodeableConcept[] = form.reason.useGeneralWording
    ? [{ text: GENERAL_WORDING }]
    : [
        {
          ...(form.reason.codings && form.reason.codings.length > 0
            ? {
                coding: form.reason.codings.map((c) => ({
                  system: c.system,
                  code: c.code,
                  ...(c.display ? { display: c.display } : {}),
                })),
              }
            : {}),
          text: form.reason.text,
        },
      ];
  const notes: string[] = [];
  if (form.employerLiaison.requested)
    notes.push(
      `Employer liaison requested: please act as a go-between with the patient's employer. The employer may receive: ${shareWords(
        form.employerLiaison.shareWithEmployer,
      ).replace(/\byour\b/g, "the patient's")}.`,
    );
  if (form.freeText?.trim()) notes.push(form.freeText.trim());
  const fitNotes = fitNoteCopies(input.fitNotes ?? [], form.shareWithProvider, patientRef);
  const supportingInfo: Reference[] = [
    { reference: urn('consent') },
    ...fitNotes.map((o) => ({ reference: `#${o.id}` })),
    ...observations.map((o) => ({ reference: urn(o.kind) })),
    ...employmentRefs,
  ];
  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILE.workHealthReferral] },
    contained: [requesterRole, ...fitNotes],
    identifier: [identifier],
    status: 'active',
    intent: 'order',
    category: [
      { coding: [{ system: SNOMED, code: SNOMED_REFERRAL_TO_SERVICE, display: 'Referral to service' }] },
    ],
    code: serviceConcept(firstService),
    orderDetail: [
      ...otherServices.map(serviceConcept),
      {
        coding: [{ system: CODE_SYSTEM.assessmentModality, code: form.modality, display: modalityDisplay }],
        text: modalityDisplay,
      },
    ],
    subject: patientRef,
    ...(input.encounterRef ? { encounter: { reference: input.encounterRef } } : {}),
    authoredOn: input.authoredOn,
    requester: { reference: '#requester', display: input.requester.display },
    performer: [providerRef],
    reasonCode,
    ...(input.fitNoteRefs.length > 0
      ? { reasonReference: [...new Set(input.fitNoteRefs)].map((reference) => ({ reference })) }
      : {}),
    supportingInfo,
    ...(notes.length > 0 ? { note: notes.map((t) => ({ text: t })) } : {}),
    patientInstruction: patientInstruction(form),
  };

  const task: Task = {
    resourceType: 'Task',
    meta: { profile: [PROFILE.referralTask] },
    identifier: [identifier],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: TASK_CODE, code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: { reference: urn('service-request') },
    for: patientRef,
    authoredOn: input.authoredOn,
    requester: input.requester.practitionerRef
      ? { reference: input.requester.practitionerRef, display: input.requester.display }
      : practiceRef,
    owner: providerRef,
  };

  const entry = (kind: string, resource: Resource & { identifier?: Identifier[] }): BundleEntry => {
    const id = resource.identifier?.[0] as Identifier;
    return {
      fullUrl: urn(kind),
      resource,
      request: {
        method: 'POST',
        url: resource.resourceType,
        ifNoneExist: `identifier=${id.system}|${id.value}`,
      },
    };
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry('service-request', serviceRequest),
      entry('consent', consent),
      ...observations.map((o) => entry(o.kind, o.resource)),
      entry('task', task),
    ],
  };
}
