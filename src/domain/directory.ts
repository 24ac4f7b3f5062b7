/**
 * The practice's local provider directory: which work-and-health services a GP can refer to, who
 * each one is for, and how a referral reaches it. IT leads edit it as JSON (`schemaVersion: 1`);
 * `parseDirectory` checks it and explains every problem in plain English, naming the provider and
 * the field. Objects are strict: an unknown key is an error (usually a typo), never ignored.
 *
 * Date conventions (all Europe/London calendar dates, `YYYY-MM-DD`):
 * - `activeFrom` is the first day the service takes referrals;
 * - `activeTo` is the day it closes: referrals are taken up to the day before ("Closed on …");
 * - `lastVerified` is when someone last checked the entry (see `isStale` in eligibility.ts).
 * Ranges (`ageRange`, `employerSize`) are inclusive at both ends: `employerSize.max: 249` means
 * "fewer than 250 staff".
 */

import * as z from 'zod/mini';
import {
  EMPLOYMENT_STATUSES,
  type EmploymentStatus,
  MODALITIES,
  type Modality,
  SERVICE_TYPES,
  type ServiceType,
} from './codes.js';
import { CONDITION_GROUP_IDS } from './conditionGroups.js';
import { parseCalendarDate } from './dates.js';
import './zodEnglish.js';

/** Plain-English names of the service types, as a GP reads them ("Does not offer physiotherapy"). */
export const SERVICE_TYPE_LABELS: Record<ServiceType, string> = {
  'oh-assessment': 'occupational health assessment',
  'employment-support': 'employment support',
  physiotherapy: 'physiotherapy',
  'psychological-therapy': 'psychological therapy',
  'case-management': 'case management',
  'workplace-mediation': 'workplace mediation',
  'debt-benefits-advice': 'debt and benefits advice',
};

export const MODALITY_LABELS: Record<Modality, string> = {
  telephone: 'telephone',
  video: 'video',
  'face-to-face': 'face to face',
};

/** Employment statuses a provider can accept (a provider cannot be "for patients of unknown status"). */
export const PROVIDER_EMPLOYMENT_STATUSES = EMPLOYMENT_STATUSES.filter(
  (s): s is Exclude<EmploymentStatus, 'unknown'> => s !== 'unknown',
) as [Exclude<EmploymentStatus, 'unknown'>, ...Exclude<EmploymentStatus, 'unknown'>[]];

/**
 * Messages that already say which field they are about, so the issue formatter shows them as they
 * are instead of prefixing the field path.
 */
const SELF_CONTAINED = new Set<string>();
/** Registers a schema-level message as self-contained and returns it. */
export function selfContained(message: string): string {
  SELF_CONTAINED.add(message);
  return message;
}

export const ENDPOINT_MISSING = selfContained(
  'delivery endpoint is missing — add "endpoint": { "mode": "fhir-rest", "baseUrl": "https://…" }',
);

/** A real calendar date written `YYYY-MM-DD`. */
export const CalendarDateSchema = z.string().check(
  z.refine((s) => parseCalendarDate(s) !== undefined, {
    message: 'must be a real date written YYYY-MM-DD',
  }),
);

const slug = z.string().check(
  z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    message: 'must be lower-case letters, digits and single hyphens',
  }),
);

/** A UK postcode area ("LS") or district ("LS6", "EC1A"); written in capitals. */
export const AreaCodeSchema = z.string().check(
  z.regex(/^[A-Z]{1,2}(?:\d[A-Z\d]?)?$/, {
    message: 'must be a postcode area or district in capitals, such as "LS" or "LS6"',
  }),
);

const count = z.int().check(z.gte(0));

const RangeSchema = z.strictObject({ min: z.optional(count), max: z.optional(count) }).check(
  z.refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'has "min" above "max"',
  }),
);

/** A list of at least one item. */
const nonEmptyList = <T extends z.core.SomeType>(item: T) => z.array(item).check(z.minLength(1));
/** Trimmed text, not empty. */
const text = z.string().check(z.trim(), z.minLength(1));

export const EligibilitySchema = z.strictObject({
  /** Employment statuses the service accepts. */
  employmentStatus: nonEmptyList(z.enum(PROVIDER_EMPLOYMENT_STATUSES)),
  /** Condition groups the service accepts; absent = any condition. */
  conditionGroups: z.optional(nonEmptyList(z.enum(CONDITION_GROUP_IDS))),
  /** Ages (whole years, inclusive). */
  ageRange: z.optional(RangeSchema),
  /** Postcode areas/districts covered; absent = anywhere. */
  areaCodes: z.optional(nonEmptyList(AreaCodeSchema)),
  /** Employer headcount (inclusive), applied to employed patients. */
  employerSize: z.optional(RangeSchema),
  /** Turn away employed patients whose employer has its own occupational health service. */
  excludeIfEmployerHasOccupationalHealth: z._default(z.boolean(), false),
});

const baseUrl = z.url({
  protocol: /^https?$/,
  message: 'must be a web address starting http:// or https://',
});

export const EndpointSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('fhir-rest'), baseUrl }),
    z.strictObject({ mode: z.literal('bars-message'), baseUrl }),
    z.strictObject({ mode: z.literal('hub-inbox') }),
  ],
  {
    error: (iss) =>
      iss.input === undefined
        ? ENDPOINT_MISSING
        : iss.code === 'invalid_union'
          ? selfContained('delivery endpoint "mode" must be one of fhir-rest, bars-message or hub-inbox')
          : undefined,
  },
);

export const ProviderSchema = z
  .strictObject({
    id: slug,
    name: text,
    description: text,
    services: nonEmptyList(z.enum(SERVICE_TYPES)),
    modalities: nonEmptyList(z.enum(MODALITIES)),
    eligibility: EligibilitySchema,
    status: z.enum(['open', 'paused', 'closed']),
    activeFrom: z.optional(CalendarDateSchema),
    activeTo: z.optional(CalendarDateSchema),
    lastVerified: CalendarDateSchema,
    waitingTimeDays: count,
    contact: z.strictObject({
      phone: text,
      email: z.optional(z.email({ message: 'must be an email address' })),
      website: z.optional(baseUrl),
    }),
    selfReferral: z.optional(
      z.strictObject({
        instructions: text,
        phone: z.optional(text),
        url: z.optional(baseUrl),
      }),
    ),
    endpoint: EndpointSchema,
  })
  .check(
    z.refine(
      (p) =>
        p.activeFrom === undefined ||
        p.activeTo === undefined ||
        (parseCalendarDate(p.activeFrom) ?? 0) < (parseCalendarDate(p.activeTo) ?? 0),
      { message: 'must be after "activeFrom"', path: ['activeTo'] },
    ),
  );

export const DirectorySchema = z.strictObject({
  schemaVersion: z.literal(1),
  providers: z.array(ProviderSchema),
});

export type Provider = z.infer<typeof ProviderSchema>;
export type ProviderInput = z.input<typeof ProviderSchema>;
export type ProviderEligibility = z.infer<typeof EligibilitySchema>;
export type ProviderEndpoint = z.infer<typeof EndpointSchema>;
export type Directory = z.infer<typeof DirectorySchema>;

/** `a`, `a and b`, `a, b and c` (or `or` instead of `and`). */
export function listInWords(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function pathLabel(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

function describeFound(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * One zod issue as a plain-English sentence fragment naming the field, e.g.
 * `"waitingTimeDays" is missing` or `"services[1]" must be one of: …`. `input` is the value that was
 * parsed, used to say what was found.
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const label = pathLabel(issue.path);
  const field = label === '' ? 'the value' : `"${label}"`;
  if (SELF_CONTAINED.has(issue.message)) return issue.message;
  const found = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (found === undefined) return `${field} is missing`;
      return `${field} should be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeFound(found)}`;
    case 'unrecognized_keys': {
      const keys = listInWords(issue.keys.map((k) => `"${k}"`));
      const where = label === '' ? '' : ` in ${field}`;
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${where} — remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    }
    case 'invalid_value':
      if (found === undefined)
        return `${field} is missing (it must be ${listInWords(
          issue.values.map((v) => String(v)),
          'or',
        )})`;
      if (issue.values.length === 1)
        return `${field} must be ${JSON.stringify(issue.values[0])}, not ${describeFound(found)}`;
      return `${field} must be one of ${issue.values.map((v) => String(v)).join(', ')}, not ${describeFound(found)}`;
    case 'too_small':
      if (issue.origin === 'array')
        return `${field} needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
      if (issue.origin === 'string') return `${field} must not be empty`;
      return `${field} must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `${field} may have at most ${issue.maximum} entries`;
      if (issue.origin === 'string') return `${field} may be at most ${issue.maximum} characters long`;
      return `${field} must be at most ${issue.maximum}`;
    default:
      return `${field} ${issue.message}`;
  }
}

export type DirectoryResult = { ok: true; directory: Directory } | { ok: false; problems: string[] };

function providerName(json: unknown, index: number): string {
  const id = valueAt(json, ['providers', index, 'id']);
  if (typeof id !== 'string' || id === '') return `Provider #${index + 1}`;
  const providers = valueAt(json, ['providers']) as unknown[];
  const first = providers.findIndex((p) => valueAt(p, ['id']) === id);
  return first === index ? `Provider "${id}"` : `Provider "${id}" (#${index + 1})`;
}

/**
 * Checks a directory file's JSON. Every problem is reported (not just the first), each naming the
 * provider by id (or position when it has no id) and the field.
 */
export function parseDirectory(json: unknown): DirectoryResult {
  const result = DirectorySchema.safeParse(json);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [first, index, ...rest] = issue.path;
      if (first === 'providers' && typeof index === 'number') {
        const relative = { ...issue, path: rest } as z.core.$ZodIssue;
        const providerJson = valueAt(json, ['providers', index]);
        problems.push(`${providerName(json, index)}: ${describeIssue(relative, providerJson)}`);
      } else {
        problems.push(`Directory: ${describeIssue(issue, json)}`);
      }
    }
  }
  const providers = valueAt(json, ['providers']);
  if (Array.isArray(providers)) {
    const seen = new Map<string, number>();
    providers.forEach((p, index) => {
      const id = valueAt(p, ['id']);
      if (typeof id !== 'string') return;
      const earlier = seen.get(id);
      if (earlier === undefined) seen.set(id, index);
      else
        problems.push(
          `Provider "${id}": the id is used twice (providers #${earlier + 1} and #${index + 1}) — give each provider its own id`,
        );
    });
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems };
  return { ok: true, directory: result.data };
}
