/**
 * The SMART scopes the GP app asks for, and what a granted scope string lets it do.
 *
 * Minimal by design (SMART App Launch 2.2 "ask only for what the app needs"): the EHR launch itself
 * (`launch`), who the user is (`openid fhirUser`), a refresh token for the session only
 * (`online_access`), patient-level read and search of what the app reads, create of what it writes
 * (each as its own scope, so an EHR can grant reading and refuse writing), and user-level read of the
 * user and the practice. v2 syntax throughout.
 */

/** Resource types the app reads (and searches) in the patient compartment. */
export const PATIENT_READS = [
  'Patient',
  'Encounter',
  'Observation',
  'Condition',
  'DocumentReference',
  'QuestionnaireResponse',
  'Procedure',
  'ServiceRequest',
  'Task',
] as const;

/** Resource types the app creates in the patient compartment (the referral and its record). */
export const PATIENT_WRITES = ['ServiceRequest', 'Task', 'Consent', 'Observation'] as const;

/** Resource types the app reads outside the patient compartment: the user and the practice. */
export const USER_READS = ['Practitioner', 'Organization'] as const;

/**
 * Reads without which the app must not prompt: the patient, their fit notes (Observations) and their
 * earlier referrals (a prompt for someone already referred would be wrong). The other reads are
 * optional: without them the app loads less and says so.
 */
export const REQUIRED_READS = ['Patient', 'Observation', 'ServiceRequest'] as const;

export const APP_SCOPES: readonly string[] = [
  'launch',
  'openid',
  'fhirUser',
  'online_access',
  ...PATIENT_READS.map((t) => `patient/${t}.rs`),
  ...PATIENT_WRITES.map((t) => `patient/${t}.c`),
  ...USER_READS.map((t) => `user/${t}.rs`),
];

/** The scope parameter for the authorize request. */
export const APP_SCOPE = APP_SCOPES.join(' ');

type Perm = 'c' | 'r' | 'u' | 'd' | 's';

interface Granted {
  context: 'patient' | 'user' | 'system';
  resourceType: string;
  perms: Set<Perm>;
  /** A SMART 2.2 granular scope (`patient/Observation.rs?category=…`): only some resources of the type. */
  restricted: boolean;
}

const V1_PERMS: Record<string, Perm[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** One granted resource scope (v2 `patient/Observation.rs`, `user/*.cruds`, v1 `patient/Observation.read`). */
function parseScope(token: string): Granted | undefined {
  const match = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(token);
  if (!match) return undefined;
  const [, context, resourceType, access, query] = match as unknown as [
    string,
    Granted['context'],
    string,
    string,
    string | undefined,
  ];
  const v1 = V1_PERMS[access];
  let perms: Perm[];
  if (v1 !== undefined) perms = v1;
  else if (/^c?r?u?d?s?$/.test(access) && access !== '') perms = access.split('') as Perm[];
  else return undefined;
  return { context, resourceType, perms: new Set(perms), restricted: query !== undefined };
}

/** The scope tokens of a scope string. */
export function splitScope(scope: string | null | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Whether the granted scopes allow `perm` on `resourceType` for the launch patient: a patient-,
 * user- or system-level scope naming the type or `*` counts (user scopes cover the user's patients).
 * A granular scope restricted by a query (`patient/Observation.rs?category=laboratory`, SMART 2.2)
 * does not count: it grants only some resources of the type, and the app's searches and creates are
 * not limited to those, so the server would refuse or silently narrow them.
 */
export function allows(scope: string | null | undefined, resourceType: string, perm: Perm): boolean {
  for (const token of splitScope(scope)) {
    const granted = parseScope(token);
    if (granted === undefined || granted.restricted) continue;
    if (granted.resourceType !== '*' && granted.resourceType !== resourceType) continue;
    if (granted.perms.has(perm)) return true;
  }
  return false;
}

/** The required reads the granted scopes do not cover (empty when the app can work). */
export function missingReads(scope: string | null | undefined): string[] {
  return REQUIRED_READS.filter((t) => !(allows(scope, t, 'r') || allows(scope, t, 's')));
}

/**
 * Whether the app may write any referral back to the record: create of every type it writes,
 * employment Observations included (`session.canWrite`). Whether one particular referral can be
 * written is canWriteBundle's question.
 */
export function canWriteFrom(scope: string | null | undefined): boolean {
  return PATIENT_WRITES.every((t) => allows(scope, t, 'c'));
}

const METHOD_PERM: Record<string, Perm> = { POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' };

/**
 * Whether the granted scopes let the app write this transaction Bundle to the record: for each
 * entry, the permission its request method needs on its resource type (POST: create, PUT/PATCH:
 * update, DELETE: delete; an entry without a request counts as a create). A referral without
 * employment Observations needs no Observation create. An empty bundle cannot be written.
 */
export function canWriteBundle(
  scope: string | null | undefined,
  bundle: {
    entry?: ReadonlyArray<{
      resource?: { resourceType?: string };
      request?: { method?: string; url?: string };
    }>;
  },
): boolean {
  const entries = bundle.entry ?? [];
  if (entries.length === 0) return false;
  return entries.every((entry) => {
    const method = entry.request?.method ?? 'POST';
    const perm = METHOD_PERM[method];
    const type = entry.resource?.resourceType ?? entry.request?.url?.split(/[/?]/)[0];
    return perm !== undefined && type !== undefined && type !== '' && allows(scope, type, perm);
  });
}
