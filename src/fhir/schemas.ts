/**
 * Minimal zod schemas for the FHIR resources read at the boundary. They check only the top-level
 * fields a reader depends on (types of status, dates, periods) and accept, without copying, every
 * other key: FHIR resources carry many, and copying them would cost time on the hot path
 * (`z.object` strips unknown keys from its output; readers then hand-read codings and components
 * from the original resource, treating anything malformed there as absent or unknown).
 * Records are read once per patient, so the schemas for Patient, Bundle, the employment
 * observations and referrals check more.
 */
import * as z from 'zod/mini';
import '../domain/zodEnglish.js';

const optionalText = z.optional(z.string());
const optionalNumber = z.optional(z.number());
const optionalBoolean = z.optional(z.boolean());

export const PeriodSchema = z.object({ start: optionalText, end: optionalText });
const optionalPeriod = z.optional(PeriodSchema);

export const CodingSchema = z.object({ system: optionalText, code: optionalText, display: optionalText });
export const CodeableConceptSchema = z.object({
  coding: z.optional(z.array(CodingSchema)),
  text: optionalText,
});

export const IdentifierSchema = z.object({ system: optionalText, value: optionalText });
export const ReferenceSchema = z.object({
  reference: optionalText,
  display: optionalText,
  identifier: z.optional(IdentifierSchema),
});

export const ExtensionSchema = z.object({
  url: z.string(),
  valueBoolean: optionalBoolean,
  valueString: optionalText,
});

/** Any FHIR resource: the two keys every reader looks at first. */
export const ResourceHeadSchema = z.object({ resourceType: z.string(), id: optionalText });

/**
 * An Observation read as a fit note: the FitNote profile, or a GP-record coded entry. Code, value
 * and components are hand-read (they are arrays of nested objects, costly to validate per note).
 */
export const FitNoteObservationSchema = z.object({
  resourceType: z.literal('Observation'),
  id: optionalText,
  status: z.string(),
  issued: optionalText,
  effectiveDateTime: optionalText,
  effectivePeriod: optionalPeriod,
});
export type FitNoteObservationHead = z.infer<typeof FitNoteObservationSchema>;

/** A Procedure recorded with a fit-note code (GP-record coded entry). */
export const FitNoteProcedureSchema = z.object({
  resourceType: z.literal('Procedure'),
  id: optionalText,
  status: z.string(),
  performedDateTime: optionalText,
  performedPeriod: optionalPeriod,
});
export type FitNoteProcedureHead = z.infer<typeof FitNoteProcedureSchema>;

/** A QuestionnaireResponse shaped like the UK Core "Statement of Fitness for Work (Mock up)". */
export const FitNoteQuestionnaireResponseSchema = z.object({
  resourceType: z.literal('QuestionnaireResponse'),
  id: optionalText,
  status: z.string(),
  questionnaire: optionalText,
  authored: optionalText,
  item: z.optional(z.array(z.unknown())),
});
export type FitNoteQuestionnaireResponseHead = z.infer<typeof FitNoteQuestionnaireResponseSchema>;

/** A DocumentReference typed as a Med3 / sickness certificate. */
export const FitNoteDocumentReferenceSchema = z.object({
  resourceType: z.literal('DocumentReference'),
  id: optionalText,
  status: z.string(),
  docStatus: optionalText,
  date: optionalText,
  context: z.optional(z.object({ period: optionalPeriod })),
});
export type FitNoteDocumentReferenceHead = z.infer<typeof FitNoteDocumentReferenceSchema>;

/** The outer shape of a Bundle; entries are checked one by one. */
export const BundleSchema = z.object({
  resourceType: z.literal('Bundle'),
  id: optionalText,
  type: z.string(),
  total: optionalNumber,
  link: z.optional(z.array(z.object({ relation: z.string(), url: z.string() }))),
  entry: z.optional(z.array(z.unknown())),
});
export type BundleHead = z.infer<typeof BundleSchema>;

export const BundleEntrySchema = z.object({
  fullUrl: optionalText,
  resource: z.optional(z.unknown()),
  search: z.optional(z.object({ mode: optionalText })),
});
export type BundleEntryHead = z.infer<typeof BundleEntrySchema>;

/** Patient parts, each parsed on its own so that one malformed field does not hide the others. */
export const PatientPartSchemas = {
  identifier: z.array(IdentifierSchema),
  birthDate: z.string(),
  address: z.array(z.object({ use: optionalText, postalCode: optionalText, period: optionalPeriod })),
  communication: z.array(
    z.object({
      language: CodeableConceptSchema,
      preferred: optionalBoolean,
      extension: z.optional(z.array(ExtensionSchema)),
    }),
  ),
  extension: z.array(ExtensionSchema),
  telecom: z.array(
    z.object({
      system: optionalText,
      value: optionalText,
      use: optionalText,
      rank: optionalNumber,
      period: optionalPeriod,
    }),
  ),
} as const;

const optionalConcept = z.optional(CodeableConceptSchema);

/** EmploymentStatus and Occupation observations (read once per record). */
export const WorkObservationSchema = z.object({
  resourceType: z.literal('Observation'),
  id: optionalText,
  status: z.string(),
  code: CodeableConceptSchema,
  effectiveDateTime: optionalText,
  effectivePeriod: optionalPeriod,
  issued: optionalText,
  valueCodeableConcept: optionalConcept,
  valueString: optionalText,
  component: z.optional(
    z.array(
      z.object({
        code: CodeableConceptSchema,
        valueString: optionalText,
        valueInteger: optionalNumber,
        valueQuantity: z.optional(z.object({ value: optionalNumber })),
        valueBoolean: optionalBoolean,
      }),
    ),
  ),
});
export type WorkObservation = z.infer<typeof WorkObservationSchema>;

const optionalMeta = z.optional(z.object({ profile: z.optional(z.array(z.string())) }));
const optionalIdentifiers = z.optional(z.array(IdentifierSchema));
const optionalReference = z.optional(ReferenceSchema);
const optionalReferences = z.optional(z.array(ReferenceSchema));

export const ReferralServiceRequestSchema = z.object({
  resourceType: z.literal('ServiceRequest'),
  id: optionalText,
  meta: optionalMeta,
  identifier: optionalIdentifiers,
  status: z.string(),
  code: optionalConcept,
  authoredOn: optionalText,
  performer: optionalReferences,
  reasonReference: optionalReferences,
});
export type ReferralServiceRequest = z.infer<typeof ReferralServiceRequestSchema>;

export const ReferralTaskSchema = z.object({
  resourceType: z.literal('Task'),
  id: optionalText,
  meta: optionalMeta,
  identifier: optionalIdentifiers,
  status: z.string(),
  authoredOn: optionalText,
  focus: optionalReference,
  owner: optionalReference,
});
export type ReferralTask = z.infer<typeof ReferralTaskSchema>;

/** What a value is, in words, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'the resource' : out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first problem zod found, in plain English (e.g. `effectivePeriod.start should be text but is the number 3`). */
export function describeParseError(error: z.core.$ZodError, input: unknown, prefix = ''): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'could not be read';
  const inner = formatPath(issue.path);
  const path =
    prefix === ''
      ? inner
      : issue.path.length === 0
        ? prefix
        : `${prefix}${typeof issue.path[0] === 'number' ? '' : '.'}${inner}`;
  const actual = valueAt(input, issue.path);
  if (issue.code === 'invalid_type') {
    if (actual === undefined) return `${path} is missing`;
    return `${path} should be ${EXPECTED[issue.expected] ?? issue.expected} but is ${describeValue(actual)}`;
  }
  if (issue.code === 'invalid_value') {
    return `${path} is ${describeValue(actual)}, expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  return `${path}: ${issue.message}`;
}
