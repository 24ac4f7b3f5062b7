/**
 * What a provider may see of a referral: the GP's referral transaction Bundle (ServiceRequest,
 * Consent, Task, optional EmploymentStatus / Occupation Observations; see referral.ts buildReferral)
 * reduced to what the patient agreed to share with that provider.
 *
 * The patient was told (describeConsent): "<Provider> will receive: <categories>. Your employer will
 * receive: <categories>." Nothing else was promised, so this function follows the Consent's provision
 * for the provider exactly:
 * - contact-details → the patient's name, NHS number, and phone and email in the contact preferences
 *   (identity goes with contact details: without them the patient is "Patient (name not shared)");
 * - fit-note-dates → the fit-note references behind the referral, and the fit notes the ServiceRequest
 *   contains (FitNote copies, #fitnote-N): dates (start–end, issued) and fitness;
 * - diagnosis → the reason as the GP coded it (otherwise always the general wording), and the
 *   diagnosis on those fit-note copies;
 * - functional-advice → the advice on those fit-note copies, with the clinician's words when given;
 * - employment-details → employment status, occupation and employer facts from the Observations;
 * - clinical-notes → the referral Bundle carries none today; listed as shared.
 * Always present, because the referral cannot be worked without them and the patient saw them on the
 * form: the service(s), modality, the referring GP and practice, how to contact the patient (method,
 * best times: without numbers or addresses unless contact-details is shared), interpreter need and
 * language, whether employer liaison was requested and what the employer may receive, the GP's
 * message written for the provider, and when consent was recorded.
 *
 * Anything not consented is ABSENT from the result (not hidden later), so an API that returns this
 * object cannot leak it. A Bundle without a usable Consent permits nothing beyond the always-present
 * parts. Pure: no I/O, no clock.
 */
import type {
  Bundle,
  CodeableConcept,
  Consent,
  ConsentProvision,
  Observation,
  PractitionerRole,
  ServiceRequest,
} from '@medplum/fhirtypes';
import {
  ADVICE_CODES,
  CODE_SYSTEM,
  FIT_NOTE_CODES,
  ID_SYSTEM,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  MODALITIES,
  type Modality,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  SERVICE_TYPES,
  SHARE_CATEGORIES,
  type ShareCategory,
  SNOMED,
} from './codes.js';
import { formatDay, londonDay } from './dates.js';
import { MODALITY_LABELS, SERVICE_TYPE_LABELS } from './directory.js';
import type { Fitness } from './fitnote.js';
import { ADJUSTMENT_WORDS } from './outcomeCodes.js';
import { GENERAL_WORDING } from './referral.js';

/** How a shared category reads to provider staff. */
export const SHARED_CATEGORY_WORDS: Record<ShareCategory, string> = {
  'contact-details': 'Contact details',
  'fit-note-dates': 'Fit note dates',
  diagnosis: 'Diagnosis',
  'functional-advice': 'Advice on the fit notes about work the patient could do',
  'employment-details': 'Job and employer details',
  'clinical-notes': 'Relevant notes from the GP record',
};

/** Shown instead of the name when the patient did not agree to share contact details. */
export const NAME_NOT_SHARED = 'Patient (name not shared)';

export interface ConsentedReferral {
  /** The referral's business identifier (ServiceRequest.identifier). */
  referralId?: string;
  /** When the GP made the referral (ServiceRequest.authoredOn). */
  authoredOn?: string;
  patient: {
    /** The name, or NAME_NOT_SHARED. */
    displayName: string;
    /** Present only with contact-details. */
    name?: string;
    /** Present only with contact-details. */
    nhsNumber?: string;
  };
  services: Array<{ code: string; text: string }>;
  modality?: { code: Modality; text: string };
  requester: { gp?: string; practice: { odsCode?: string; name?: string } };
  /** How to contact the patient (patientInstruction); numbers and addresses only with contact-details. */
  contactPreferences?: string;
  interpreter: { needed: boolean; language?: string };
  /** The categories the patient agreed the provider may receive (code-system order). */
  shared: Array<{ code: ShareCategory; text: string }>;
  /** The reason: the GP's words and codes with diagnosis, otherwise the general wording. */
  reason: { text: string; codings?: Array<{ system?: string; code?: string; display?: string }> };
  /** The record's fit-note references (ServiceRequest.reasonReference); present only with fit-note-dates. */
  fitNoteRefs?: string[];
  /** The fit notes copied into the referral, oldest first; present only with fit-note-dates. */
  fitNotes?: ConsentedFitNote[];
  /** Present only with employment-details (and only what the Bundle holds). */
  employment?: {
    status?: string;
    occupation?: string;
    employerName?: string;
    employerSize?: number;
    employerHasOccupationalHealth?: boolean;
  };
  employerLiaison: {
    requested: boolean;
    /** What the employer may receive (only when requested). */
    shareWithEmployer: Array<{ code: ShareCategory; text: string }>;
  };
  /** The GP's message for the provider (ServiceRequest.note other than the liaison note). */
  gpMessage?: string;
  /** When the patient's consent was recorded. */
  consentRecordedAt?: string;
}

/** A fit note as the provider may see it (from the ServiceRequest's contained FitNote copies). */
export interface ConsentedFitNote {
  /** First day covered (YYYY-MM-DD). */
  start: string;
  /** Last day covered; absent when the note is open-ended. */
  end?: string;
  /** The London date it was issued (YYYY-MM-DD). */
  issued?: string;
  fitness?: Fitness;
  /** "Not fit for work" or "May be fit for work" (or the note's own words for an unknown finding). */
  fitnessText: string;
  /** Present only with functional-advice (and only when the note has advice). */
  advice?: Array<{ code: string; text: string; words?: string }>;
  /** Present only with diagnosis (and only when the note names one). */
  diagnoses?: string[];
}

export const FITNESS_WORDS: Record<Fitness, string> = {
  'not-fit': 'Not fit for work',
  'may-be-fit': 'May be fit for work',
};

const LIAISON_NOTE = /^Employer liaison requested:/;
const PHONE = /\+?\d[\d ()-]{6,}\d/g;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@.]+/g;

function resourcesOf<T extends { resourceType: string }>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is NonNullable<typeof r> => r?.resourceType === type) as unknown as T[];
}

function codesIn(concepts: readonly CodeableConcept[] | undefined, system: string): string[] {
  return (concepts ?? []).flatMap((c) =>
    (c.coding ?? [])
      .filter((x) => x.system === system && typeof x.code === 'string')
      .map((x) => x.code as string),
  );
}

function categoriesOf(provision: ConsentProvision): ShareCategory[] {
  const codes = codesIn(provision.code, CODE_SYSTEM.shareCategory);
  return SHARE_CATEGORIES.filter((c) => codes.includes(c));
}

function isProviderActor(provision: ConsentProvision, providerId: string | undefined): boolean {
  return (provision.actor ?? []).some((a) => {
    const id = a.reference?.identifier;
    return id?.system === ID_SYSTEM.provider && (providerId === undefined || id.value === providerId);
  });
}

function isProviderIdentifier(provision: ConsentProvision): boolean {
  return (provision.actor ?? []).some((a) => a.reference?.identifier?.system === ID_SYSTEM.provider);
}

function words(list: readonly ShareCategory[]): Array<{ code: ShareCategory; text: string }> {
  return list.map((code) => ({ code, text: SHARED_CATEGORY_WORDS[code] }));
}

/** What the active Consent permits the provider, and the employer, to receive. */
function permissions(
  consent: Consent | undefined,
  providerId: string | undefined,
): { provider: ShareCategory[]; employer: ShareCategory[]; liaison: boolean } {
  if (consent === undefined || consent.status !== 'active' || consent.provision?.type !== 'permit')
    return { provider: [], employer: [], liaison: false };
  const nested = consent.provision.provision ?? [];
  const provider = new Set<ShareCategory>();
  const employer = new Set<ShareCategory>();
  const denied = new Set<ShareCategory>();
  let liaison = false;
  for (const p of nested) {
    if (isProviderActor(p, providerId)) {
      for (const c of categoriesOf(p)) (p.type === 'permit' ? provider : denied).add(c);
    } else if (!isProviderIdentifier(p)) {
      liaison = true;
      if (p.type === 'permit') for (const c of categoriesOf(p)) employer.add(c);
    }
  }
  return {
    provider: SHARE_CATEGORIES.filter((c) => provider.has(c) && !denied.has(c)),
    employer: SHARE_CATEGORIES.filter((c) => employer.has(c)),
    liaison,
  };
}

function employmentOf(observations: readonly Observation[]): ConsentedReferral['employment'] {
  const out: NonNullable<ConsentedReferral['employment']> = {};
  for (const o of observations) {
    const loinc = (o.code?.coding ?? []).map((c) => c.code);
    if (loinc.includes(LOINC_EMPLOYMENT_STATUS)) {
      const status = o.valueCodeableConcept?.coding?.find((c) => c.system === CODE_SYSTEM.employmentStatus);
      const statusText = status?.display ?? status?.code ?? o.valueCodeableConcept?.text;
      if (statusText) out.status = statusText;
      for (const c of o.component ?? []) {
        const code = c.code.coding?.find((x) => x.system === CODE_SYSTEM.employmentDetail)?.code;
        if (code === 'employer-name' && c.valueString) out.employerName = c.valueString;
        if (code === 'employer-size' && typeof c.valueInteger === 'number') out.employerSize = c.valueInteger;
        if (code === 'employer-occupational-health' && typeof c.valueBoolean === 'boolean')
          out.employerHasOccupationalHealth = c.valueBoolean;
      }
    } else if (loinc.includes(LOINC_OCCUPATION)) {
      const occupation = o.valueCodeableConcept?.text ?? o.valueString;
      if (occupation) out.occupation = occupation;
    }
  }
  return out;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function conceptText(concept: CodeableConcept | undefined): string | undefined {
  const text = concept?.text?.trim();
  if (text) return text;
  const coding = concept?.coding?.find((c) => c.display?.trim() || c.code);
  return coding?.display?.trim() || coding?.code;
}

/** The contained FitNote copies the ServiceRequest points at from supportingInfo, read as permitted. */
function fitNotesOf(
  request: ServiceRequest | undefined,
  may: (c: ShareCategory) => boolean,
): ConsentedFitNote[] {
  const pointedAt = new Set((request?.supportingInfo ?? []).map((r) => r.reference));
  const out: Array<ConsentedFitNote & { order: string }> = [];
  for (const r of request?.contained ?? []) {
    if (r.resourceType !== 'Observation' || !pointedAt.has(`#${r.id}`)) continue;
    const o = r as Observation;
    const isFitNote = (o.code?.coding ?? []).some(
      (c) => c.system === SNOMED && c.code === FIT_NOTE_CODES.fitnessForWorkFinding,
    );
    const start = o.effectivePeriod?.start;
    if (!isFitNote || start === undefined || !DATE.test(start)) continue;
    const end = o.effectivePeriod?.end;
    const issuedDay = o.issued === undefined ? undefined : londonDay(o.issued);
    const codes = (o.valueCodeableConcept?.coding ?? [])
      .filter((c) => c.system === SNOMED)
      .map((c) => c.code);
    const fitness: Fitness | undefined = codes.includes(FIT_NOTE_CODES.unfitForWork)
      ? 'not-fit'
      : codes.includes(FIT_NOTE_CODES.fitWithRestrictions)
        ? 'may-be-fit'
        : undefined;
    const note: ConsentedFitNote & { order: string } = {
      order: `${o.issued ?? ''} ${start}`,
      start,
      fitnessText: fitness ? FITNESS_WORDS[fitness] : (conceptText(o.valueCodeableConcept) ?? 'Not stated'),
    };
    if (end !== undefined && DATE.test(end)) note.end = end;
    if (issuedDay !== undefined) note.issued = formatDay(issuedDay);
    if (fitness) note.fitness = fitness;
    const advice: NonNullable<ConsentedFitNote['advice']> = [];
    const diagnoses: string[] = [];
    for (const c of o.component ?? []) {
      const coding = c.code?.coding ?? [];
      const adviceCode = coding.find(
        (x) =>
          x.system === CODE_SYSTEM.fitNoteAdvice &&
          (ADVICE_CODES as readonly string[]).includes(x.code ?? ''),
      )?.code as (typeof ADVICE_CODES)[number] | undefined;
      if (adviceCode && may('functional-advice')) {
        const words = c.valueString?.trim();
        advice.push({ code: adviceCode, text: ADJUSTMENT_WORDS[adviceCode], ...(words ? { words } : {}) });
      }
      const isDiagnosis = coding.some((x) => x.system === SNOMED && x.code === FIT_NOTE_CODES.diagnosis);
      if (isDiagnosis && may('diagnosis')) {
        const text = conceptText(c.valueCodeableConcept);
        if (text) diagnoses.push(text);
      }
    }
    if (advice.length > 0) note.advice = advice;
    if (diagnoses.length > 0) note.diagnoses = diagnoses;
    out.push(note);
  }
  return out.sort((a, b) => a.order.localeCompare(b.order)).map(({ order: _order, ...note }) => note);
}

function interpreterOf(instruction: string | undefined): ConsentedReferral['interpreter'] {
  const match = instruction === undefined ? null : /An interpreter is needed: ([^.]+)\./.exec(instruction);
  return match?.[1] ? { needed: true, language: match[1].trim() } : { needed: false };
}

/** The contact preferences without numbers or addresses (when contact details are not shared). */
function withoutContactDetails(instruction: string): string {
  return instruction
    .split(/(?<=\.)\s+/)
    .filter((sentence) => !/^(Phone|Email):/.test(sentence))
    .join(' ')
    .replace(/ (?:on|to) \+?\d[\d ()-]{6,}\d/g, '')
    .replace(/ at [^\s@]+@[^\s@]+\.[^\s@.()]+/g, '')
    .replace(EMAIL, '[not shared]')
    .replace(PHONE, '[not shared]');
}

/**
 * The referral as `providerId` may see it. `providerId` (the provider the hub delivered to) must be
 * the Consent's provider actor; omit it only where the Bundle is known to be for the caller.
 */
export function consentedView(bundle: Bundle, providerId?: string): ConsentedReferral {
  const request = resourcesOf<ServiceRequest>(bundle, 'ServiceRequest')[0];
  const consent = resourcesOf<Consent>(bundle, 'Consent')[0];
  const allowed = permissions(consent, providerId);
  const may = (c: ShareCategory) => allowed.provider.includes(c);

  const subject = request?.subject;
  const name = subject?.display?.trim();
  const nhsNumber =
    subject?.identifier?.system === NHS_NUMBER_SYSTEM ? subject.identifier.value?.trim() : undefined;
  const patient: ConsentedReferral['patient'] = { displayName: NAME_NOT_SHARED };
  if (may('contact-details')) {
    if (name) {
      patient.name = name;
      patient.displayName = name;
    }
    if (nhsNumber) patient.nhsNumber = nhsNumber;
  }

  const services: ConsentedReferral['services'] = [];
  let modality: ConsentedReferral['modality'];
  for (const concept of [request?.code, ...(request?.orderDetail ?? [])]) {
    for (const c of concept?.coding ?? []) {
      if (
        c.system === CODE_SYSTEM.referralServiceType &&
        (SERVICE_TYPES as readonly string[]).includes(c.code ?? '')
      ) {
        const code = c.code as (typeof SERVICE_TYPES)[number];
        const label = SERVICE_TYPE_LABELS[code];
        if (!services.some((s) => s.code === code))
          services.push({ code, text: label.charAt(0).toUpperCase() + label.slice(1) });
      }
      if (
        c.system === CODE_SYSTEM.assessmentModality &&
        (MODALITIES as readonly string[]).includes(c.code ?? '')
      ) {
        const code = c.code as Modality;
        const label = MODALITY_LABELS[code];
        modality = { code, text: label.charAt(0).toUpperCase() + label.slice(1) };
      }
    }
  }

  const role = request?.contained?.find(
    (r): r is PractitionerRole =>
      r.resourceType === 'PractitionerRole' && `#${r.id}` === request.requester?.reference,
  );
  const org = role?.organization;
  const odsCode = org?.identifier?.system === ODS_ORGANIZATION_SYSTEM ? org.identifier.value : undefined;
  const gp = request?.requester?.display ?? role?.practitioner?.display;
  const requester: ConsentedReferral['requester'] = {
    ...(gp ? { gp } : {}),
    practice: { ...(odsCode ? { odsCode } : {}), ...(org?.display ? { name: org.display } : {}) },
  };

  const instruction = request?.patientInstruction?.trim() || undefined;
  const contactPreferences =
    instruction === undefined
      ? undefined
      : may('contact-details')
        ? instruction
        : withoutContactDetails(instruction);

  const reasonConcept = request?.reasonCode?.[0];
  const reason: ConsentedReferral['reason'] =
    may('diagnosis') && reasonConcept?.text
      ? {
          text: reasonConcept.text,
          ...(reasonConcept.coding && reasonConcept.coding.length > 0
            ? {
                codings: reasonConcept.coding.map((c) => ({
                  ...(c.system ? { system: c.system } : {}),
                  ...(c.code ? { code: c.code } : {}),
                  ...(c.display ? { display: c.display } : {}),
                })),
              }
            : {}),
        }
      : { text: GENERAL_WORDING };

  const notes = (request?.note ?? []).map((n) => n.text?.trim() ?? '').filter((t) => t !== '');
  const gpMessage = notes.filter((t) => !LIAISON_NOTE.test(t)).join('\n\n');

  const view: ConsentedReferral = {
    patient,
    services,
    requester,
    interpreter: interpreterOf(instruction),
    shared: words(allowed.provider),
    reason,
    employerLiaison: {
      requested: allowed.liaison,
      shareWithEmployer: allowed.liaison ? words(allowed.employer) : [],
    },
  };
  const id = request?.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value;
  if (id) view.referralId = id;
  if (request?.authoredOn) view.authoredOn = request.authoredOn;
  if (modality) view.modality = modality;
  if (contactPreferences) view.contactPreferences = contactPreferences;
  if (may('fit-note-dates')) {
    const refs = (request?.reasonReference ?? []).flatMap((r) => (r.reference ? [r.reference] : []));
    if (refs.length > 0) view.fitNoteRefs = refs;
    const notes = fitNotesOf(request, may);
    if (notes.length > 0) view.fitNotes = notes;
  }
  if (may('employment-details')) {
    const employment = employmentOf(resourcesOf<Observation>(bundle, 'Observation'));
    if (employment && Object.keys(employment).length > 0) view.employment = employment;
  }
  if (gpMessage) view.gpMessage = gpMessage;
  if (consent?.dateTime) view.consentRecordedAt = consent.dateTime;
  return view;
}
