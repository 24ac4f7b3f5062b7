/**
 * Reads one patient's record, a FHIR Bundle (type collection or searchset), into what the domain
 * needs: the patient's facts, the fit notes (and those that could not be read), earlier
 * work-and-health referrals, and any problems found on the way. A record that cannot be read at all
 * (not a Bundle, no Patient, several patients, not JSON) throws one RecordError that says what is
 * wrong and how to fix it; anything smaller is reported in `problems` and reading carries on.
 */

import type { z } from 'zod/mini';
import {
  CODE_SYSTEM,
  EMPLOYMENT_STATUSES,
  type EmploymentStatus,
  ID_SYSTEM,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  NHS_NUMBER_SYSTEM,
  PROFILE,
} from '../domain/codes.js';
import { type CalendarDate, formatDay, londonDay, parseCalendarDate } from '../domain/dates.js';
import type { FitNote, UnreadableFitNote } from '../domain/fitnote.js';
import { isValidNhsNumber } from '../domain/nhsNumber.js';
import type { PatientContactPoint, PatientFacts } from '../domain/patient.js';
import { fastReadRecord } from './fastRecord.js';
import {
  createFitNoteReader,
  type FitNoteReading,
  type ReadFitNotesOptions,
  resourceRef,
} from './fitNotes.js';
import {
  BundleEntrySchema,
  BundleSchema,
  describeParseError,
  describeValue,
  PatientPartSchemas,
  ReferralServiceRequestSchema,
  ReferralTaskSchema,
  WorkObservationSchema,
} from './schemas.js';

/** An earlier referral found in the record (a work-and-health ServiceRequest, or its Task). */
export interface RecordReferral {
  /** `ServiceRequest/id` or `Task/id`. */
  ref: string;
  status: string;
  /** The referral's business identifier (system ID_SYSTEM.referral), when it has one. */
  identifier?: string;
  authoredOn?: CalendarDate;
  /** The provider: its directory id (identifier system ID_SYSTEM.provider), else its reference, else its name. */
  performer?: string;
  /** Start of the absence episode it was made for: the earliest start of the fit notes it gives as reasons. */
  episodeStart?: CalendarDate;
}

export interface PatientRecord {
  patient: PatientFacts;
  notes: FitNote[];
  unreadable: UnreadableFitNote[];
  referrals: RecordReferral[];
  /** Things in the record that were wrong or incomplete, in plain English; reading carried on. */
  problems: string[];
}

export type ReadRecordOptions = ReadFitNotesOptions;

export type RecordErrorKind =
  | 'not-json'
  | 'not-a-bundle'
  | 'unsupported-bundle-type'
  | 'malformed-bundle'
  | 'no-patient'
  | 'several-patients';

/** The record as a whole cannot be read. The message says what is wrong and how to fix it. */
export class RecordError extends Error {
  readonly kind: RecordErrorKind;
  constructor(kind: RecordErrorKind, message: string) {
    super(message);
    this.name = 'RecordError';
    this.kind = kind;
  }
}

export { isValidNhsNumber } from '../domain/nhsNumber.js';

const V3_OBSERVATION_VALUE = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
const ODH_EMPLOYMENT: Record<string, EmploymentStatus> = {
  Employed: 'employed',
  Unemployed: 'unemployed',
  NotInLaborForce: 'not-in-work',
};
const INTERPRETER_REQUIRED = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';
const OBSERVATION_COUNTED = new Set(['final', 'amended', 'corrected']);

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainJson(value: unknown): boolean {
  if (!isObj(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------
// The Bundle

const WRAP = 'wrap the patient’s resources in a Bundle of type collection';

function describeInput(input: unknown): string {
  if (input === undefined) return 'empty (nothing was given)';
  if (input === null) return 'null';
  if (typeof input === 'string') return 'a piece of text, not parsed JSON';
  if (Array.isArray(input)) return 'a list (a JSON array)';
  return describeValue(input);
}

function checkBundle(input: unknown): { entries: unknown[]; bundle: Obj } {
  if (typeof input === 'string') {
    throw new RecordError(
      'not-json',
      'The record is a piece of text, not parsed JSON: parse it (JSON.parse) first, and check that it holds a FHIR Bundle.',
    );
  }
  if (Array.isArray(input)) {
    throw new RecordError('not-a-bundle', `The record is a list (a JSON array), not a FHIR Bundle: ${WRAP}.`);
  }
  if (!isObj(input)) {
    throw new RecordError('not-json', `The record is ${describeInput(input)}, not a FHIR Bundle: ${WRAP}.`);
  }
  if (!isPlainJson(input)) {
    throw new RecordError(
      'not-json',
      'The record is a program object, not JSON data: pass the parsed JSON of a FHIR Bundle of type collection.',
    );
  }
  const resourceType = input.resourceType;
  if (resourceType === undefined) {
    throw new RecordError(
      'not-a-bundle',
      `The record has no resourceType, so it is not a FHIR resource: ${WRAP} ({"resourceType": "Bundle", "type": "collection", "entry": [...]}).`,
    );
  }
  if (resourceType !== 'Bundle') {
    const name =
      typeof resourceType === 'string'
        ? `${/^[AEIOU]/.test(resourceType) ? 'an' : 'a'} ${resourceType} resource`
        : 'not a FHIR resource';
    throw new RecordError(
      'not-a-bundle',
      `The record is ${name}, not a Bundle: wrap it in a Bundle of type collection.`,
    );
  }
  const type = input.type;
  if (type !== 'collection' && type !== 'searchset') {
    const what = typeof type === 'string' ? `a Bundle of type ${type}` : 'a Bundle with no type';
    throw new RecordError(
      'unsupported-bundle-type',
      `The record is ${what}; only Bundles of type collection or searchset can be read: export the patient’s record as a collection Bundle (or the result of a search such as Patient/[id]/$everything).`,
    );
  }
  const parsed = BundleSchema.safeParse(input);
  if (!parsed.success) {
    throw new RecordError(
      'malformed-bundle',
      `The Bundle cannot be read: ${describeParseError(parsed.error, input)}. Fix the Bundle so that entry is a list of { "resource": … } objects.`,
    );
  }
  return { entries: parsed.data.entry ?? [], bundle: input };
}

interface Entry {
  index: number;
  fullUrl: string | undefined;
  resource: Obj;
  resourceType: string;
  id: string | undefined;
}

/** A reference string's `Type/id` tail, or undefined (e.g. for `#contained` or `urn:uuid:`). */
function referenceTail(reference: string): string | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function lastUpdated(resource: Obj): string {
  const meta = resource.meta;
  return isObj(meta) && typeof meta.lastUpdated === 'string' ? meta.lastUpdated : '';
}

// ---------------------------------------------------------------------------------------------
// Patient facts

interface PatientIdentity {
  id: string;
  /** Strings a reference to this patient may be written as. */
  refs: Set<string>;
  nhsNumber: string | undefined;
}

function parsePart<T>(
  schema: z.ZodMiniType<T>,
  value: unknown,
  label: string,
  problems: string[],
): T | undefined {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(
    `The Patient's ${label} could not be read (${describeParseError(parsed.error, value, label)}): it was ignored; correct it in the clinical record.`,
  );
  return undefined;
}

function readPatientFacts(
  entry: Entry,
  problems: string[],
): { facts: PatientFacts; identity: PatientIdentity } {
  const patient = entry.resource;
  const id = entry.id ?? entry.fullUrl;
  if (id === undefined) {
    throw new RecordError(
      'malformed-bundle',
      'The Patient resource has no id and its Bundle entry has no fullUrl: give the Patient a logical id so that prompts and referrals can be tied to the patient.',
    );
  }
  const facts: PatientFacts = { id, employmentStatus: 'unknown' };
  const refs = new Set<string>();
  if (entry.id !== undefined) refs.add(`Patient/${entry.id}`);
  if (entry.fullUrl !== undefined) refs.add(entry.fullUrl);

  const identifiers =
    parsePart(PatientPartSchemas.identifier, patient.identifier, 'identifier', problems) ?? [];
  for (const identifier of identifiers) {
    if (identifier.system !== NHS_NUMBER_SYSTEM || identifier.value === undefined) continue;
    const digits = identifier.value.replace(/[\s-]/g, '');
    if (!isValidNhsNumber(digits)) {
      problems.push(
        `The NHS number on the Patient (${identifier.value}) is not a valid NHS number (it must be 10 digits with a correct check digit): it was not used; check and correct it in the clinical record.`,
      );
      continue;
    }
    if (facts.nhsNumber === undefined) facts.nhsNumber = digits;
    else if (facts.nhsNumber !== digits) {
      problems.push(
        `The Patient has two different NHS numbers (${facts.nhsNumber} and ${digits}): the first was used; check the patient’s identity in the clinical record.`,
      );
    }
  }

  const birthDate = parsePart(PatientPartSchemas.birthDate, patient.birthDate, 'birthDate', problems);
  if (birthDate !== undefined) {
    if (parseCalendarDate(birthDate) === undefined) {
      problems.push(
        `The Patient's birth date (${birthDate}) is not a full date: age-based rules cannot use it; record the full date of birth.`,
      );
    } else facts.birthDate = birthDate;
  }

  const addresses = parsePart(PatientPartSchemas.address, patient.address, 'address', problems) ?? [];
  const current = addresses.filter(
    (a) => a.use !== 'old' && a.period?.end === undefined && a.postalCode?.trim(),
  );
  const home = current.find((a) => a.use === 'home') ?? current[0];
  const postcode = home?.postalCode?.trim();
  if (postcode) facts.postcode = postcode;

  const communication =
    parsePart(PatientPartSchemas.communication, patient.communication, 'communication', problems) ?? [];
  const spoken = communication.find((c) => c.preferred === true) ?? communication[0];
  if (spoken !== undefined) {
    const language = spoken.language.coding?.find((c) => c.code !== undefined)?.code ?? spoken.language.text;
    if (language !== undefined) facts.language = language;
  }
  const extensions = parsePart(PatientPartSchemas.extension, patient.extension, 'extension', problems) ?? [];
  const interpreter = [...extensions, ...(spoken?.extension ?? [])].find(
    (e) => e.url === INTERPRETER_REQUIRED,
  );
  if (interpreter !== undefined) {
    if (typeof interpreter.valueBoolean === 'boolean') facts.interpreterNeeded = interpreter.valueBoolean;
    else problems.push('The Patient’s "interpreter required" extension has no yes/no value: it was ignored.');
  }
  const telecom = parsePart(PatientPartSchemas.telecom, patient.telecom, 'telecom', problems) ?? [];
  const points = telecom.flatMap((point): PatientContactPoint[] =>
    (point.system === 'phone' || point.system === 'email') && point.value?.trim()
      ? [
          {
            system: point.system,
            value: point.value,
            ...(point.use !== undefined ? { use: point.use } : {}),
            ...(point.rank !== undefined ? { rank: point.rank } : {}),
            ...(point.period?.end !== undefined ? { end: point.period.end } : {}),
          },
        ]
      : [],
  );
  if (points.length > 0) facts.telecom = points;
  return { facts, identity: { id, refs, nhsNumber: facts.nhsNumber } };
}

/** The reference a resource makes to its patient, if any. */
function patientReference(resource: Obj): Obj | undefined {
  const field =
    resource.resourceType === 'Task'
      ? resource.for
      : resource.resourceType === 'Consent'
        ? resource.patient
        : resource.subject;
  return isObj(field) ? field : undefined;
}

/** Whether a resource says it is about someone other than the record's patient. */
function aboutSomeoneElse(resource: Obj, identity: PatientIdentity): string | undefined {
  const reference = patientReference(resource);
  if (reference === undefined) return undefined;
  if (typeof reference.reference === 'string') {
    const text = reference.reference;
    if (identity.refs.has(text)) return undefined;
    const tail = referenceTail(text);
    if (tail !== undefined && identity.refs.has(tail)) return undefined;
    if (tail?.startsWith('Patient/') || text.startsWith('urn:uuid:')) return text;
  }
  const identifier = reference.identifier;
  if (
    isObj(identifier) &&
    identifier.system === NHS_NUMBER_SYSTEM &&
    typeof identifier.value === 'string' &&
    identity.nhsNumber !== undefined &&
    identifier.value.replace(/[\s-]/g, '') !== identity.nhsNumber
  ) {
    return `NHS number ${identifier.value}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Employment and occupation

function hasLoinc(
  code: { coding?: Array<{ system?: string; code?: string }> } | undefined,
  value: string,
): boolean {
  return code?.coding?.some((c) => c.system === LOINC && c.code === value) === true;
}

function observationDay(observation: {
  effectiveDateTime?: string;
  effectivePeriod?: { start?: string; end?: string };
  issued?: string;
}): number {
  const text = observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.issued;
  const day = text === undefined ? undefined : londonDay(text);
  return day ?? Number.NEGATIVE_INFINITY;
}

const PROJECT_EMPLOYMENT = new Set<string>(EMPLOYMENT_STATUSES);

function employmentStatusOf(
  value: { coding?: Array<{ system?: string; code?: string }>; text?: string } | undefined,
): EmploymentStatus | undefined {
  for (const coding of value?.coding ?? []) {
    if (coding.code === undefined) continue;
    if (coding.system === CODE_SYSTEM.employmentStatus && PROJECT_EMPLOYMENT.has(coding.code)) {
      return coding.code as EmploymentStatus;
    }
    if (coding.system === V3_OBSERVATION_VALUE && ODH_EMPLOYMENT[coding.code] !== undefined) {
      return ODH_EMPLOYMENT[coding.code];
    }
  }
  return undefined;
}

interface Dated<T> {
  day: number;
  ref: string;
  observation: T;
}

function latest<T>(list: Array<Dated<T>>): Dated<T> | undefined {
  let best: Dated<T> | undefined;
  for (const item of list) if (best === undefined || item.day >= best.day) best = item;
  return best;
}

function readWork(entries: Entry[], facts: PatientFacts, problems: string[]): void {
  type Work = NonNullable<ReturnType<typeof WorkObservationSchema.safeParse>['data']>;
  const statuses: Array<Dated<Work>> = [];
  const occupations: Array<Dated<Work>> = [];
  for (const entry of entries) {
    if (entry.resourceType !== 'Observation') continue;
    const code = entry.resource.code;
    const isStatus = hasLoinc(code as never, LOINC_EMPLOYMENT_STATUS);
    const isOccupation = hasLoinc(code as never, LOINC_OCCUPATION);
    if (!isStatus && !isOccupation) continue;
    const ref = resourceRef('Observation', entry.id, entry.index);
    const parsed = WorkObservationSchema.safeParse(entry.resource);
    if (!parsed.success) {
      problems.push(
        `${ref} (${isStatus ? 'employment status' : 'occupation'}) could not be read: ${describeParseError(parsed.error, entry.resource)}; it was ignored.`,
      );
      continue;
    }
    if (!OBSERVATION_COUNTED.has(parsed.data.status)) continue;
    const dated = { day: observationDay(parsed.data), ref, observation: parsed.data };
    (isStatus ? statuses : occupations).push(dated);
  }

  const status = latest(statuses);
  if (status !== undefined) {
    const observation = status.observation;
    const value = employmentStatusOf(observation.valueCodeableConcept);
    if (value === undefined) {
      const shown = observation.valueCodeableConcept?.coding?.map((c) => `${c.system}|${c.code}`).join(', ');
      problems.push(
        `${status.ref} records an employment status this app does not know (${shown || observation.valueCodeableConcept?.text || 'no value'}): employment status was taken as unknown; record it with a code from ${CODE_SYSTEM.employmentStatus}.`,
      );
    } else facts.employmentStatus = value;
    for (const component of observation.component ?? []) {
      const detail = component.code.coding?.find((c) => c.system === CODE_SYSTEM.employmentDetail)?.code;
      if (detail === 'employer-name') {
        if (component.valueString?.trim()) facts.employerName = component.valueString.trim();
      } else if (detail === 'employer-size') {
        const size = component.valueInteger ?? component.valueQuantity?.value;
        if (size !== undefined && Number.isInteger(size) && size >= 0) facts.employerSize = size;
        else
          problems.push(`${status.ref} records an employer size that is not a whole number: it was ignored.`);
      } else if (detail === 'employer-occupational-health') {
        if (typeof component.valueBoolean === 'boolean')
          facts.employerHasOccupationalHealth = component.valueBoolean;
        else
          problems.push(
            `${status.ref} records "employer has occupational health" without a yes/no value: it was ignored.`,
          );
      }
    }
  }

  const occupation = latest(occupations);
  if (occupation !== undefined) {
    const value = occupation.observation.valueCodeableConcept;
    const text =
      value?.text ??
      value?.coding?.find((c) => c.display !== undefined)?.display ??
      occupation.observation.valueString;
    if (text?.trim()) facts.occupation = text.trim();
    else problems.push(`${occupation.ref} (occupation) has no text naming the occupation: it was ignored.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Referrals

function dayOf(text: string | undefined): CalendarDate | undefined {
  if (text === undefined) return undefined;
  const day = londonDay(text);
  return day === undefined ? undefined : formatDay(day);
}

function providerOf(
  reference:
    | { reference?: string; display?: string; identifier?: { system?: string; value?: string } }
    | undefined,
) {
  if (reference === undefined) return undefined;
  if (reference.identifier?.system === ID_SYSTEM.provider && reference.identifier.value)
    return reference.identifier.value;
  return reference.reference ?? reference.display;
}

function isWorkHealthReferral(
  request: NonNullable<ReturnType<typeof ReferralServiceRequestSchema.safeParse>['data']>,
) {
  return (
    request.meta?.profile?.includes(PROFILE.workHealthReferral) === true ||
    request.identifier?.some((i) => i.system === ID_SYSTEM.referral) === true ||
    request.code?.coding?.some((c) => c.system === CODE_SYSTEM.referralServiceType) === true
  );
}

function readReferrals(entries: Entry[], notes: FitNote[], problems: string[]): RecordReferral[] {
  // Where each fit note can be referred to from (its ref, and its entry's fullUrl).
  const noteStart = new Map<string, CalendarDate>();
  const fullUrlRef = new Map<string, string>();
  for (const entry of entries) {
    if (entry.fullUrl !== undefined)
      fullUrlRef.set(entry.fullUrl, resourceRef(entry.resourceType, entry.id, entry.index));
  }
  for (const note of notes) noteStart.set(note.ref, note.start);
  const startOf = (reference: string): CalendarDate | undefined =>
    noteStart.get(reference) ??
    noteStart.get(fullUrlRef.get(reference) ?? '') ??
    noteStart.get(referenceTail(reference) ?? '');

  const referrals: RecordReferral[] = [];
  const byRequest = new Map<string, RecordReferral>();
  for (const entry of entries) {
    if (entry.resourceType !== 'ServiceRequest') continue;
    const ref = resourceRef('ServiceRequest', entry.id, entry.index);
    const parsed = ReferralServiceRequestSchema.safeParse(entry.resource);
    if (!parsed.success) {
      if (entry.resource.meta !== undefined || entry.resource.identifier !== undefined) {
        problems.push(
          `${ref} could not be read as a referral: ${describeParseError(parsed.error, entry.resource)}; it was ignored.`,
        );
      }
      continue;
    }
    const request = parsed.data;
    if (!isWorkHealthReferral(request)) continue;
    const referral: RecordReferral = { ref, status: request.status };
    const identifier = request.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value;
    if (identifier !== undefined) referral.identifier = identifier;
    const authoredOn = dayOf(request.authoredOn);
    if (authoredOn !== undefined) referral.authoredOn = authoredOn;
    else if (request.authoredOn !== undefined)
      problems.push(`${ref} has an authoredOn date that is not a valid date: it was ignored.`);
    const performer = providerOf(request.performer?.[0]);
    if (performer !== undefined) referral.performer = performer;
    let episodeStart: CalendarDate | undefined;
    for (const reason of request.reasonReference ?? []) {
      const start = reason.reference === undefined ? undefined : startOf(reason.reference);
      if (start !== undefined && (episodeStart === undefined || start < episodeStart)) episodeStart = start;
    }
    if (episodeStart !== undefined) referral.episodeStart = episodeStart;
    referrals.push(referral);
    byRequest.set(ref, referral);
    if (entry.fullUrl !== undefined) byRequest.set(entry.fullUrl, referral);
  }

  for (const entry of entries) {
    if (entry.resourceType !== 'Task') continue;
    const ref = resourceRef('Task', entry.id, entry.index);
    const parsed = ReferralTaskSchema.safeParse(entry.resource);
    if (!parsed.success) continue;
    const task = parsed.data;
    const focus = task.focus?.reference;
    const request =
      focus === undefined ? undefined : (byRequest.get(focus) ?? byRequest.get(referenceTail(focus) ?? ''));
    const ours =
      request !== undefined ||
      task.meta?.profile?.includes(PROFILE.referralTask) === true ||
      task.identifier?.some((i) => i.system === ID_SYSTEM.referral) === true;
    if (!ours) continue;
    const referral: RecordReferral = { ref, status: task.status };
    const identifier =
      task.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value ?? request?.identifier;
    if (identifier !== undefined) referral.identifier = identifier;
    const authoredOn = dayOf(task.authoredOn);
    if (authoredOn !== undefined) referral.authoredOn = authoredOn;
    const performer = providerOf(task.owner) ?? request?.performer;
    if (performer !== undefined) referral.performer = performer;
    if (request?.episodeStart !== undefined) referral.episodeStart = request.episodeStart;
    referrals.push(referral);
  }
  return referrals;
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Reads one patient's record. Throws RecordError when the record as a whole cannot be read; every
 * smaller problem is listed in `problems` (and unreadable fit notes in `unreadable`).
 *
 * Well-formed records (the common case) are read by a hand-written fast path (fastRecord.ts); the
 * moment it meets anything it does not fully accept, the record, or for fit notes the one resource,
 * is read by the zod-checked reader below, which is the source of truth for results and messages.
 */
export function readRecord(input: unknown, options?: ReadRecordOptions): PatientRecord {
  return fastReadRecord(input, options) ?? readRecordThorough(input, options);
}

/** readRecord without the fast path: every resource checked with zod. The reference for fastRecord.ts. */
export function readRecordThorough(input: unknown, options?: ReadRecordOptions): PatientRecord {
  const { entries: rawEntries, bundle } = checkBundle(input);
  const problems: string[] = [];

  // Entries → resources, skipping search outcomes and duplicates (paging can repeat an included resource).
  const entries: Entry[] = [];
  const seen = new Map<string, number>();
  let matches = 0;
  rawEntries.forEach((raw, index) => {
    const parsed = BundleEntrySchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(
        `Entry ${index} of the Bundle could not be read (${describeParseError(parsed.error, raw)}): it was skipped.`,
      );
      return;
    }
    const { fullUrl, resource, search } = parsed.data;
    if (!isObj(resource) || typeof resource.resourceType !== 'string') {
      problems.push(`Entry ${index} of the Bundle holds no FHIR resource: it was skipped.`);
      return;
    }
    if (search?.mode === 'outcome' || resource.resourceType === 'OperationOutcome') {
      const issues = Array.isArray(resource.issue) ? resource.issue : [];
      for (const issue of issues) {
        if (isObj(issue) && typeof issue.diagnostics === 'string' && issue.severity !== 'information') {
          problems.push(`The server reported: ${issue.diagnostics}`);
        }
      }
      return;
    }
    const id = typeof resource.id === 'string' && resource.id !== '' ? resource.id : undefined;
    const entry: Entry = { index, fullUrl, resource, resourceType: resource.resourceType, id };
    if (id !== undefined) {
      const key = `${resource.resourceType}/${id}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        const kept = entries[earlier] as Entry;
        if (lastUpdated(resource) > lastUpdated(kept.resource))
          entries[earlier] = { ...entry, index: kept.index };
        return;
      }
      seen.set(key, entries.length);
    }
    if (search?.mode === 'match') matches++;
    entries.push(entry);
  });

  if (bundle.type === 'searchset') {
    const links = Array.isArray(bundle.link) ? bundle.link : [];
    if (links.some((l) => isObj(l) && l.relation === 'next')) {
      problems.push(
        'The search results have further pages that were not fetched (the Bundle has a "next" link): the record may be incomplete; fetch every page, or use Patient/[id]/$everything.',
      );
    } else if (typeof bundle.total === 'number' && bundle.total > matches && matches > 0) {
      problems.push(
        `The search found ${bundle.total} resources but the Bundle holds ${matches}: the record may be incomplete; fetch every page.`,
      );
    }
  }

  // Exactly one patient.
  const patients = entries.filter((e) => e.resourceType === 'Patient');
  const distinct: Entry[] = [];
  for (const patient of patients) {
    const same = distinct.some(
      (d) =>
        (d.id !== undefined && d.id === patient.id) ||
        (d.fullUrl !== undefined && d.fullUrl === patient.fullUrl) ||
        (d.id === undefined &&
          patient.id === undefined &&
          JSON.stringify(d.resource) === JSON.stringify(patient.resource)),
    );
    if (!same) distinct.push(patient);
  }
  if (distinct.length === 0) {
    throw new RecordError(
      'no-patient',
      'The Bundle holds no Patient resource: add the patient’s Patient resource to the Bundle (a record is one patient’s resources).',
    );
  }
  if (distinct.length > 1) {
    const names = distinct.map((p) => resourceRef('Patient', p.id, p.index)).join(', ');
    throw new RecordError(
      'several-patients',
      `The Bundle holds ${distinct.length} different patients (${names}): a record must hold one patient’s resources; split it into one Bundle per patient.`,
    );
  }

  const { facts, identity } = readPatientFacts(distinct[0] as Entry, problems);

  // Only resources about this patient count.
  const own: Entry[] = [];
  for (const entry of entries) {
    if (entry.resourceType === 'Patient') continue;
    const other = aboutSomeoneElse(entry.resource, identity);
    if (other !== undefined) {
      problems.push(
        `${resourceRef(entry.resourceType, entry.id, entry.index)} is about a different patient (${other}): it was not counted.`,
      );
      continue;
    }
    own.push(entry);
  }

  const reading: FitNoteReading = { notes: [], unreadable: [] };
  const read = createFitNoteReader(options);
  for (const entry of own) read(entry.resource, entry.index, reading);

  readWork(own, facts, problems);
  const referrals = readReferrals(own, reading.notes, problems);
  return { patient: facts, notes: reading.notes, unreadable: reading.unreadable, referrals, problems };
}
