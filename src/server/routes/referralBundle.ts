/**
 * Reads the referral transaction Bundle the GP app sends (src/domain/referral.ts buildReferral):
 * exactly one WorkHealthReferral ServiceRequest with the referral business identifier, the
 * ReferralTask with the same identifier whose focus is that ServiceRequest, an active
 * ReferralConsent, all for one patient; the practice from the requester's ODS code and the provider
 * from the performer's directory identifier. Problems name the field (as an OperationOutcome
 * `expression`) and say what to do: 400 when the body is not a Bundle of resources at all, 422 when
 * it is one but not a usable referral.
 *
 * Profile validation (src/fhir/validate.ts validateAgainstProfileFast) is separate
 * (`profileProblems`): about 2 ms of CPU per conforming referral, run in worker threads
 * (src/server/validation.ts) so it does not hold up the event loop; the hub can switch it off
 * (validateProfiles). This module reads only what it needs and never trusts a value's JSON type, so
 * a number or text where an object belongs is a 422 here or from the profiles, never a crash.
 */
import type { Bundle, Consent, PractitionerRole, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ID_SYSTEM, ODS_ORGANIZATION_SYSTEM, PROFILE } from '../../domain/codes.js';
import { parseCalendarDate } from '../../domain/dates.js';
import { validateAgainstProfileFast } from '../../fhir/validate.js';
import { HubError, type Problem } from '../errors.js';

export interface ReferralParts {
  /** The referral's business identifier value (ID_SYSTEM.referral). */
  id: string;
  bundle: Bundle;
  serviceRequest: { resource: ServiceRequest; index: number };
  task: { resource: Task; index: number };
  consent: { resource: Consent; index: number };
  /** The patient's id on the EHR (`Patient/<id>` in ServiceRequest.subject). */
  patientId: string;
  /** The practice's ODS code, upper case. */
  practiceOds: string;
  /** The provider's id in the practice's directory. */
  providerId: string;
}

/** The resource types a referral Bundle holds. */
export const REFERRAL_ENTRY_TYPES = ['ServiceRequest', 'Consent', 'Task', 'Observation'] as const;

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** FHIR R4 dateTime (year, year-month, date, or date and time with a zone). */
const DATE_TIME =
  /^([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

/** What is wrong with a FHIR dateTime value, or undefined when it is one (a real calendar date). */
export function dateTimeProblem(value: unknown): string | undefined {
  const example = 'such as 2026-11-20T10:20:00Z';
  if (typeof value !== 'string') return `should be a date and time as text, ${example}`;
  if (!DATE_TIME.test(value)) return `"${value}" is not a FHIR date and time: use a form ${example}`;
  if (value.length >= 10 && parseCalendarDate(value.slice(0, 10)) === undefined)
    return `"${value}" is not a real calendar date: check the day and month`;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value))
    return typeof value.resourceType === 'string'
      ? `a ${value.resourceType}`
      : 'an object without a resourceType';
  return `${typeof value} ${JSON.stringify(value)}`;
}

interface Entry {
  index: number;
  fullUrl?: string;
  resource: Resource & Record<string, unknown>;
}

function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.reference === 'string' ? value.reference : undefined;
}

function hasIdentifier(resource: Record<string, unknown>, system: string, value: string): boolean {
  const ids = resource.identifier;
  return Array.isArray(ids) && ids.some((i) => isObject(i) && i.system === system && i.value === value);
}

/**
 * Checks the Bundle's shape and content (not the profiles) and returns its parts. Throws HubError
 * 400 (not a Bundle of resources) or 422 (not a usable referral), listing every problem found.
 */
export function readReferralBundle(body: unknown): ReferralParts {
  if (!isObject(body) || body.resourceType !== 'Bundle') {
    throw new HubError(400, {
      code: 'structure',
      expression: 'Bundle',
      text: `The request body must be a FHIR Bundle (resourceType "Bundle") holding the referral, but it is ${describeType(body)}.`,
    });
  }
  const structural: Problem[] = [];
  if (!Array.isArray(body.entry) || body.entry.length === 0) {
    throw new HubError(400, {
      code: 'required',
      expression: 'Bundle.entry',
      text: 'The Bundle has no entries: it must hold the referral’s ServiceRequest, Consent and Task.',
    });
  }
  const entries: Entry[] = [];
  body.entry.forEach((raw, index) => {
    const where = `Bundle.entry[${index}]`;
    if (!isObject(raw) || !isObject(raw.resource) || typeof raw.resource.resourceType !== 'string') {
      structural.push({
        code: 'structure',
        expression: `${where}.resource`,
        text: `Entry ${index + 1} of the Bundle has no resource: each entry must hold a FHIR resource with a resourceType.`,
      });
      return;
    }
    const entry: Entry = { index, resource: raw.resource as Entry['resource'] };
    if (typeof raw.fullUrl === 'string') entry.fullUrl = raw.fullUrl;
    entries.push(entry);
  });
  if (structural.length > 0) throw new HubError(400, structural);

  const problems: Problem[] = [];
  const add = (expression: string, text: string, code: Problem['code'] = 'invalid') =>
    problems.push({ code, expression, text });
  if (body.type !== 'transaction') {
    add(
      'Bundle.type',
      `The Bundle’s type must be "transaction" (the referral is stored all together or not at all), not ${JSON.stringify(body.type ?? null)}.`,
      'value',
    );
  }
  for (const e of entries) {
    if (!(REFERRAL_ENTRY_TYPES as readonly string[]).includes(e.resource.resourceType)) {
      add(
        `Bundle.entry[${e.index}].resource`,
        `Entry ${e.index + 1} is a ${e.resource.resourceType}, but a referral Bundle holds only ServiceRequest, Consent, Task and Observation resources: remove it.`,
        'not-supported',
      );
    }
  }
  const ofType = (type: string) => entries.filter((e) => e.resource.resourceType === type);
  const at = (e: Entry, path = '') => `Bundle.entry[${e.index}].resource${path}`;

  // The ServiceRequest and its business identifier.
  const requests = ofType('ServiceRequest');
  if (requests.length !== 1) {
    add(
      'Bundle.entry',
      requests.length === 0
        ? 'The Bundle has no ServiceRequest: the referral itself is missing.'
        : `The Bundle has ${requests.length} ServiceRequests; send one referral at a time.`,
      'required',
    );
    throw new HubError(422, problems);
  }
  const srEntry = requests[0] as Entry;
  const sr = srEntry.resource as ServiceRequest & Record<string, unknown>;
  const referralIds = (Array.isArray(sr.identifier) ? sr.identifier : []).filter(
    (i) => isObject(i) && i.system === ID_SYSTEM.referral,
  );
  let id: string | undefined;
  if (
    referralIds.length !== 1 ||
    typeof referralIds[0]?.value !== 'string' ||
    !ID.test(referralIds[0].value)
  ) {
    add(
      at(srEntry, '.identifier'),
      referralIds.length > 1
        ? `The ServiceRequest has ${referralIds.length} referral identifiers (${ID_SYSTEM.referral}); it must have exactly one.`
        : `The ServiceRequest needs one referral identifier with system ${ID_SYSTEM.referral} and a value of 1 to 64 letters, digits, "-" or ".".`,
      'required',
    );
  } else id = referralIds[0].value;

  // The patient.
  const subject = refOf(sr.subject);
  const subjectMatch = subject === undefined ? null : /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(subject);
  const patientId = subjectMatch?.[1];
  if (patientId === undefined) {
    add(
      at(srEntry, '.subject'),
      `The ServiceRequest’s subject must be the patient, as a reference "Patient/<id>"${subject === undefined ? '' : `, not "${subject}"`}.`,
      'required',
    );
  }

  // Dates.
  const dateChecks: Array<[Entry | undefined, string, unknown, boolean]> = [
    [srEntry, '.authoredOn', sr.authoredOn, true],
  ];

  // The practice, from the contained requester.
  let practiceOds: string | undefined;
  const requester = refOf(sr.requester);
  const role = requester?.startsWith('#')
    ? (Array.isArray(sr.contained) ? sr.contained : []).find(
        (c) => isObject(c) && c.resourceType === 'PractitionerRole' && c.id === requester.slice(1),
      )
    : undefined;
  const ods = (role as PractitionerRole | undefined)?.organization?.identifier;
  if (
    ods?.system === ODS_ORGANIZATION_SYSTEM &&
    typeof ods.value === 'string' &&
    /^[A-Za-z0-9]{3,10}$/.test(ods.value)
  ) {
    practiceOds = ods.value.toUpperCase();
  } else {
    add(
      at(srEntry, '.requester'),
      `The ServiceRequest’s requester must be a contained PractitionerRole (e.g. "#requester") whose organization has the practice’s ODS code (system ${ODS_ORGANIZATION_SYSTEM}).`,
      'required',
    );
  }

  // The provider.
  let providerId: string | undefined;
  const performers = Array.isArray(sr.performer) ? sr.performer : [];
  const performerId =
    isObject(performers[0]) && isObject(performers[0].identifier) ? performers[0].identifier : undefined;
  if (
    performers.length === 1 &&
    performerId?.system === ID_SYSTEM.provider &&
    typeof performerId.value === 'string' &&
    performerId.value !== ''
  ) {
    providerId = performerId.value;
  } else {
    add(
      at(srEntry, '.performer'),
      `The ServiceRequest needs exactly one performer: the provider, by its directory identifier (system ${ID_SYSTEM.provider}).`,
      'required',
    );
  }

  // The Task.
  const tasks = ofType('Task');
  const taskEntry =
    id === undefined
      ? undefined
      : tasks.find((t) => hasIdentifier(t.resource, ID_SYSTEM.referral, id as string));
  if (id !== undefined && taskEntry === undefined) {
    add(
      'Bundle.entry',
      tasks.length === 0
        ? 'The Bundle has no Task: the referral’s Task (its status) is missing.'
        : `No Task in the Bundle has the referral’s identifier ${ID_SYSTEM.referral}|${id}.`,
      'required',
    );
  }
  if (tasks.length > 1)
    add('Bundle.entry', `The Bundle has ${tasks.length} Tasks; a referral has one.`, 'invalid');
  if (taskEntry !== undefined) {
    const task = taskEntry.resource as Task;
    const focus = refOf(task.focus);
    const srRefs = [srEntry.fullUrl, sr.id === undefined ? undefined : `ServiceRequest/${sr.id}`].filter(
      (r): r is string => r !== undefined,
    );
    if (focus === undefined || !srRefs.includes(focus)) {
      add(
        at(taskEntry, '.focus'),
        `The Task’s focus must be the referral’s ServiceRequest${srRefs[0] === undefined ? ' (give the ServiceRequest entry a fullUrl)' : ` ("${srRefs[0]}")`}${focus === undefined ? '' : `, not "${focus}"`}.`,
      );
    }
    const taskFor = refOf(task.for);
    if (subject !== undefined && taskFor !== subject) {
      add(at(taskEntry, '.for'), `The Task must be for the same patient as the ServiceRequest (${subject}).`);
    }
    dateChecks.push([taskEntry, '.authoredOn', task.authoredOn, true]);
  }

  // The Consent.
  const consents = ofType('Consent');
  const consentEntry = consents.find((c) => c.resource.status === 'active');
  if (consentEntry === undefined) {
    add(
      'Bundle.entry',
      consents.length === 0
        ? 'The Bundle has no Consent: a referral is sent only with the patient’s consent, recorded as a Consent resource.'
        : 'The Bundle’s Consent is not active: a referral is sent only with the patient’s active consent.',
      'business-rule',
    );
  } else {
    const consent = consentEntry.resource as Consent;
    if (subject !== undefined && refOf(consent.patient) !== subject) {
      add(
        at(consentEntry, '.patient'),
        `The Consent must be the consent of the referral’s patient (${subject}).`,
      );
    }
    dateChecks.push([consentEntry, '.dateTime', consent.dateTime, true]);
  }

  for (const [entry, path, value, required] of dateChecks) {
    if (entry === undefined) continue;
    if (value === undefined) {
      if (required)
        add(
          at(entry, path),
          `${entry.resource.resourceType}${path} is missing: give the date and time, such as 2026-11-20T10:20:00Z.`,
          'required',
        );
      continue;
    }
    const problem = dateTimeProblem(value);
    if (problem !== undefined)
      add(at(entry, path), `${entry.resource.resourceType}${path} ${problem}.`, 'value');
  }

  if (
    problems.length > 0 ||
    id === undefined ||
    patientId === undefined ||
    practiceOds === undefined ||
    providerId === undefined ||
    taskEntry === undefined ||
    consentEntry === undefined
  ) {
    throw new HubError(422, problems);
  }
  return {
    id,
    bundle: body as unknown as Bundle,
    serviceRequest: { resource: sr, index: srEntry.index },
    task: { resource: taskEntry.resource as Task, index: taskEntry.index },
    consent: { resource: consentEntry.resource as Consent, index: consentEntry.index },
    patientId,
    practiceOds,
    providerId,
  };
}

/** The resources profile validation checks (what the validation pool sends to its threads). */
export type ProfileParts = Pick<ReferralParts, 'serviceRequest' | 'task' | 'consent'>;

/** Every way the ServiceRequest, Task and Consent break their profiles, as problems naming the field. */
export function profileProblems(parts: ProfileParts): Problem[] {
  const checks: Array<[{ resource: Resource; index: number }, string]> = [
    [parts.serviceRequest, PROFILE.workHealthReferral],
    [parts.task, PROFILE.referralTask],
    [parts.consent, PROFILE.referralConsent],
  ];
  const problems: Problem[] = [];
  for (const [{ resource, index }, profile] of checks) {
    for (const issue of validateAgainstProfileFast(resource, profile)) {
      const relative = issue.path.startsWith(resource.resourceType)
        ? issue.path.slice(resource.resourceType.length)
        : `.${issue.path}`;
      problems.push({
        code: 'invariant',
        expression: `Bundle.entry[${index}].resource${relative}`,
        text: `${issue.path}: ${issue.message}`,
      });
    }
  }
  return problems;
}
