/**
 * The FHIR requests that load one patient's context, as data: what each asks for, whether the app
 * can work without it, and which granted scope it needs. Both loaders (the fast one and the naive one
 * the benchmark compares it with) read the same things; the fast one asks for them in one round.
 */
import {
  FIT_NOTE_CODES,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  SNOMED,
} from '../../domain/codes.js';
import { DEFAULT_FIT_NOTE_CODES } from '../../fhir/fitNotes.js';

export interface CodeRef {
  system: string;
  code: string;
}

/** Observation codes that mark a fit note (the profile's, then the GP-record coded entries). */
export function fitNoteObservationCodes(
  codedEntries: readonly CodeRef[] = DEFAULT_FIT_NOTE_CODES,
): CodeRef[] {
  return [{ system: SNOMED, code: FIT_NOTE_CODES.fitnessForWorkFinding }, ...codedEntries];
}

export const WORK_OBSERVATION_CODES: readonly CodeRef[] = [
  { system: LOINC, code: LOINC_EMPLOYMENT_STATUS },
  { system: LOINC, code: LOINC_OCCUPATION },
];

export function tokenList(codes: readonly CodeRef[]): string {
  return codes.map((c) => `${c.system}|${c.code}`).join(',');
}

export type QueryKey =
  | 'patient'
  | 'fitNoteObservations'
  | 'workObservations'
  | 'conditions'
  | 'documents'
  | 'questionnaireResponses'
  | 'procedures'
  | 'referrals'
  | 'tasks'
  | 'user'
  | 'encounter'
  | 'practice'
  | 'contextItem';

export interface Query {
  key: QueryKey;
  /** Relative to the FHIR base, or absolute. */
  url: string;
  /** Search (a Bundle, maybe paged) or read (one resource). */
  kind: 'search' | 'read';
  /** Without it the app must not prompt: a failure stops the load. */
  required: boolean;
  /** The resource type whose read/search scope it needs. */
  resourceType: string;
}

export interface QueryInput {
  patientId: string;
  encounterId?: string;
  /** The user's FHIR reference (`Practitioner/gp-1`, possibly absolute). */
  fhirUser?: string;
  fitNoteCodes?: readonly CodeRef[];
  /** The launch's fhirContext references (`Observation/…`), read alongside the searches. */
  contextReferences?: readonly string[];
  /** The FHIR base, for absolute fhirContext references. */
  fhirBaseUrl?: string;
  /** Page size asked for (`_count`). */
  pageSize: number;
}

const enc = encodeURIComponent;

/** The user's reference as a request URL: relative references as they are, absolute ones kept absolute. */
export function userUrl(fhirUser: string | undefined): { url: string; resourceType: string } | undefined {
  if (!fhirUser) return undefined;
  const match =
    /(?:^|\/)(Practitioner|PractitionerRole|Person|Patient|RelatedPerson)\/([A-Za-z0-9\-.]{1,64})$/.exec(
      fhirUser,
    );
  if (!match) return undefined;
  return { url: fhirUser, resourceType: match[1] as string };
}

/** Searches both loaders make that the app can do without (their failure is reported, not fatal). */
function optionalSearches(input: QueryInput, id: string, count: string): Query[] {
  const searches: Array<[QueryKey, string]> = [
    ['conditions', 'Condition'],
    ['documents', 'DocumentReference'],
    ['questionnaireResponses', 'QuestionnaireResponse'],
  ];
  return [
    ...searches.map(
      ([key, resourceType]): Query => ({
        key,
        url: `${resourceType}?patient=${id}&${count}`,
        kind: 'search',
        required: false,
        resourceType,
      }),
    ),
    // Fit notes the GP record holds as Procedures coded with the practice's fit-note codes (src/fhir/fitNotes.ts).
    {
      key: 'procedures',
      url: `Procedure?patient=${id}&code=${enc(tokenList(input.fitNoteCodes ?? DEFAULT_FIT_NOTE_CODES))}&${count}`,
      kind: 'search',
      required: false,
      resourceType: 'Procedure',
    },
  ];
}

/**
 * The resource types of fhirContext items the app reads: the kinds a fit note (or the consultation)
 * is recorded as. Items of other types are ignored; so are references to another server.
 */
export const CONTEXT_ITEM_TYPES = [
  'Observation',
  'DocumentReference',
  'QuestionnaireResponse',
  'Procedure',
  'Encounter',
] as const;

/**
 * A fhirContext reference as a read: `Type/id` (relative, or absolute on this FHIR base) of a type in
 * CONTEXT_ITEM_TYPES; undefined for anything else.
 */
export function contextItemRead(reference: string, fhirBaseUrl?: string): Query | undefined {
  let relative = reference;
  if (/^https?:\/\//i.test(reference)) {
    if (!fhirBaseUrl || !reference.startsWith(`${fhirBaseUrl.replace(/\/+$/, '')}/`)) return undefined;
    relative = reference.slice(fhirBaseUrl.replace(/\/+$/, '').length + 1);
  }
  const match = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(relative);
  if (!match || !(CONTEXT_ITEM_TYPES as readonly string[]).includes(match[1] as string)) return undefined;
  return {
    key: 'contextItem',
    url: `${match[1]}/${match[2]}`,
    kind: 'read',
    required: false,
    resourceType: match[1] as string,
  };
}

/** Reads of the launch context both loaders make: the signed-in user, and the encounter when there is one. */
function contextReads(input: QueryInput): Query[] {
  const reads: Query[] = [];
  const user = userUrl(input.fhirUser);
  if (user)
    reads.push({
      key: 'user',
      url: user.url,
      kind: 'read',
      required: false,
      resourceType: user.resourceType,
    });
  if (input.encounterId) {
    reads.push({
      key: 'encounter',
      url: `Encounter/${enc(input.encounterId)}`,
      kind: 'read',
      required: false,
      resourceType: 'Encounter',
    });
  }
  // The launch's fhirContext items (e.g. the fit note just issued), each read once, in the same round.
  const seen = new Set(reads.map((r) => r.url));
  for (const reference of input.contextReferences ?? []) {
    const read = contextItemRead(reference, input.fhirBaseUrl);
    if (read === undefined || seen.has(read.url)) continue;
    seen.add(read.url);
    reads.push(read);
  }
  return reads;
}

/** The requests of the fast loader: everything in one round, with includes. */
export function fastQueries(input: QueryInput): Query[] {
  const id = enc(input.patientId);
  const count = `_count=${input.pageSize}`;
  const observationCodes = [...fitNoteObservationCodes(input.fitNoteCodes), ...WORK_OBSERVATION_CODES];
  const queries: Query[] = [
    {
      key: 'patient',
      url: `Patient?_id=${id}&_include=Patient:organization&_include=Patient:general-practitioner`,
      kind: 'search',
      required: true,
      resourceType: 'Patient',
    },
    {
      key: 'fitNoteObservations',
      url: `Observation?patient=${id}&code=${enc(tokenList(observationCodes))}&${count}`,
      kind: 'search',
      required: true,
      resourceType: 'Observation',
    },
    ...optionalSearches(input, id, count),
    {
      key: 'referrals',
      url: `ServiceRequest?patient=${id}&_revinclude=Task:focus&${count}`,
      kind: 'search',
      required: true,
      resourceType: 'ServiceRequest',
    },
  ];
  return [...queries, ...contextReads(input)];
}

/**
 * The requests of the naive loader, each type on its own (the benchmark's comparison): the Patient,
 * then its practice (needs the Patient first), the user, each Observation kind, Conditions, documents,
 * forms, referrals and their Tasks.
 */
export function naiveQueries(input: QueryInput): Query[] {
  const id = enc(input.patientId);
  const count = `_count=${input.pageSize}`;
  const queries: Query[] = [
    { key: 'patient', url: `Patient/${id}`, kind: 'read', required: true, resourceType: 'Patient' },
    {
      key: 'fitNoteObservations',
      url: `Observation?patient=${id}&code=${enc(tokenList(fitNoteObservationCodes(input.fitNoteCodes)))}&${count}`,
      kind: 'search',
      required: true,
      resourceType: 'Observation',
    },
    {
      key: 'workObservations',
      url: `Observation?patient=${id}&code=${enc(tokenList(WORK_OBSERVATION_CODES))}&${count}`,
      kind: 'search',
      required: true,
      resourceType: 'Observation',
    },
    ...optionalSearches(input, id, count),
    {
      key: 'referrals',
      url: `ServiceRequest?patient=${id}&${count}`,
      kind: 'search',
      required: true,
      resourceType: 'ServiceRequest',
    },
    {
      key: 'tasks',
      url: `Task?patient=${id}&${count}`,
      kind: 'search',
      required: false,
      resourceType: 'Task',
    },
  ];
  return [...queries, ...contextReads(input)];
}
