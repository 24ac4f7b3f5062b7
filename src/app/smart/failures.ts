/**
 * Why the app could not start, as the launch error screens show it. Every failure of the launch, the
 * token, the FHIR reads or the practice configuration is classified into one kind, with a detail in
 * plain English that says what happened and what to do next.
 */

export const LAUNCH_FAILURE_KINDS = [
  'no-launch-context',
  'ehr-not-registered',
  'pkce-unsupported',
  'state-lost',
  'scopes-not-granted',
  'token-expired',
  'fhir-unreachable',
  'fhir-slow',
  'no-nhs-number',
  'nhs-number-invalid',
  'config-unreadable',
] as const;

export type LaunchFailureKind = (typeof LAUNCH_FAILURE_KINDS)[number];

export interface LaunchFailure {
  kind: LaunchFailureKind;
  /** Plain English: what happened and what to do next. */
  detail: string;
}

/** Thrown by the loaders and requesters; completeLaunch and the app turn it into a LaunchFailure. */
export class LaunchFailureError extends Error {
  readonly failure: LaunchFailure;
  constructor(kind: LaunchFailureKind, detail: string) {
    super(detail);
    this.name = 'LaunchFailureError';
    this.failure = { kind, detail };
  }
}

export function isLaunchFailure(value: unknown): value is LaunchFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LaunchFailure).detail === 'string' &&
    (LAUNCH_FAILURE_KINDS as readonly string[]).includes((value as LaunchFailure).kind)
  );
}

const RELAUNCH = 'Close the app and open it again from the patient’s record.';

/** The default detail of each kind, for when nothing more specific is known. */
export const FAILURE_DETAIL: Record<LaunchFailureKind, string> = {
  'no-launch-context': `The app was opened without a patient from the clinical system, so it does not know whose record to read. Open it from the patient’s record in the clinical system.`,
  'ehr-not-registered':
    'The app is not set up to work with this clinical system. Ask your practice IT lead to register the app with the clinical system’s supplier.',
  'pkce-unsupported':
    'The clinical system’s sign-in does not offer the secure method the app requires (PKCE with S256), so the app will not sign in. Tell your practice IT lead.',
  'state-lost': `The app’s sign-in session was lost (this happens when the page is reloaded, bookmarked or opened in a new tab). ${RELAUNCH}`,
  'scopes-not-granted':
    'The clinical system did not give the app permission to read what it needs. Ask your practice IT lead to check the app’s permissions in the clinical system.',
  'token-expired': `The app’s access to the record has expired. ${RELAUNCH}`,
  'fhir-unreachable':
    'The app could not reach the clinical system’s record server. Check your network connection and try again; if it keeps happening, tell your practice IT lead.',
  'fhir-slow':
    'The clinical system’s record server is taking too long to answer. Try again in a minute; if it keeps happening, tell your practice IT lead.',
  'no-nhs-number':
    'This patient’s record has no NHS number, so a referral could not identify them to a provider. Trace and record the NHS number in the clinical system, then open the app again.',
  'nhs-number-invalid':
    'The NHS number in this patient’s record is not valid, so a referral could not identify them to a provider. Check and correct the NHS number in the clinical system (trace it if needed), then open the app again.',
  'config-unreadable':
    'The practice’s prompt settings and provider list could not be loaded. Try again; if it keeps happening, tell your practice IT lead.',
};

export function launchFailure(kind: LaunchFailureKind, detail: string = FAILURE_DETAIL[kind]): LaunchFailure {
  return { kind, detail };
}

/** An HTTP or network failure of one FHIR request, with what the requester knows about it. */
export class FhirRequestError extends Error {
  readonly status: number | undefined;
  readonly url: string;
  readonly reason: 'http' | 'network' | 'timeout';
  /** For a timeout: how long the app waited (ms). */
  readonly timeoutMs: number | undefined;
  constructor(
    reason: 'http' | 'network' | 'timeout',
    url: string,
    message: string,
    extra: { status?: number; timeoutMs?: number } = {},
  ) {
    super(message);
    this.name = 'FhirRequestError';
    this.reason = reason;
    this.url = url;
    this.status = extra.status;
    this.timeoutMs = extra.timeoutMs;
  }
}

function seconds(ms: number | undefined): string {
  if (ms === undefined) return 'the time allowed';
  const s = Math.round(ms / 100) / 10;
  return `${s} second${s === 1 ? '' : 's'}`;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : '';
}

function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The path of a FHIR request URL, for details (`Observation?patient=…` → `Observation`). */
const WHAT: Record<string, string> = {
  Patient: 'the patient’s details',
  Observation: 'the patient’s fit notes and observations',
  Condition: 'the patient’s problems',
  DocumentReference: 'the patient’s documents',
  QuestionnaireResponse: 'the patient’s forms',
  Procedure: 'the fit notes recorded as procedures',
  ServiceRequest: 'the patient’s referrals',
  Task: 'the progress of referrals',
  Encounter: 'the consultation',
  Practitioner: 'your user details',
  Organization: 'the practice’s details',
};

/** What a FHIR request URL reads, in words (`…/Observation?patient=…` → the patient’s fit notes…). */
export function describeRequest(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? '';
  const segments = path.split('/').filter(Boolean);
  const type = segments.find((s) => WHAT[s] !== undefined);
  return type === undefined ? 'the record' : (WHAT[type] as string);
}

/**
 * Classifies any error thrown during launch or loading. `where` says what was being done, for the
 * errors that could happen in several places (`ready`: completing sign-in; `fhir`: reading the record).
 */
export function classifyFailure(
  err: unknown,
  where: 'ready' | 'fhir' | 'config' = 'fhir',
  hints: { reloaded?: boolean } = {},
): LaunchFailure {
  if (err instanceof LaunchFailureError) return err.failure;
  if (isLaunchFailure(err)) return err;
  const message = messageOf(err);
  const status = statusOf(err);

  if (where === 'ready') {
    // No state in the URL and none in this tab's session storage: a reload lost it, or the app was
    // opened directly (bookmark, typed address) and was never launched at all.
    if (/No 'state' parameter found/i.test(message))
      return launchFailure(hints.reloaded ? 'state-lost' : 'no-launch-context');
    if (/No state found/i.test(message)) return launchFailure('state-lost');
    if (/No server url found/i.test(message)) return launchFailure('no-launch-context');
    if (/invalid_scope/i.test(message)) return launchFailure('scopes-not-granted');
    if (/access_denied/i.test(message)) {
      return launchFailure(
        'scopes-not-granted',
        'The clinical system refused the app access to this record (sign-in was cancelled or not allowed). Open the app again from the patient’s record; if it keeps happening, ask your practice IT lead to check the app’s permissions.',
      );
    }
  }
  if (err instanceof FhirRequestError) {
    if (err.reason === 'timeout') {
      return launchFailure(
        'fhir-slow',
        `The clinical system’s record server did not answer within ${seconds(err.timeoutMs)} when the app asked for ${describeRequest(err.url)}. Try again in a minute; if it keeps happening, tell your practice IT lead.`,
      );
    }
    if (err.reason === 'network') {
      return launchFailure(
        'fhir-unreachable',
        `The app could not reach the clinical system’s record server to read ${describeRequest(err.url)} (${message}). Check your network connection and try again; if it keeps happening, tell your practice IT lead.`,
      );
    }
  }
  if (
    status === 401 ||
    /\b(expired|invalid_token)\b/i.test(message) ||
    message === 'Session expired! Please re-launch the app'
  ) {
    return launchFailure('token-expired');
  }
  if (status === 403) {
    return launchFailure(
      'scopes-not-granted',
      `The clinical system refused the app access to ${err instanceof FhirRequestError ? describeRequest(err.url) : 'the record'}: it was not given permission to read it. Ask your practice IT lead to check the app’s permissions in the clinical system.`,
    );
  }
  if (status !== undefined && status >= 500 && where === 'ready') {
    return launchFailure(
      'fhir-unreachable',
      `The clinical system’s sign-in server had a problem answering (HTTP ${status}), so the app could not start. ${RELAUNCH} If it keeps happening, tell your practice IT lead.`,
    );
  }
  if (status !== undefined && status >= 500) {
    return launchFailure(
      'fhir-unreachable',
      `The clinical system’s record server had a problem answering (HTTP ${status}). Try again in a minute; if it keeps happening, tell your practice IT lead.`,
    );
  }
  if (
    err instanceof TypeError ||
    /fetch failed|Failed to fetch|NetworkError|ECONNREFUSED|ENOTFOUND/i.test(message)
  ) {
    return launchFailure(where === 'config' ? 'config-unreadable' : 'fhir-unreachable');
  }
  if (where === 'config') return launchFailure('config-unreadable');
  return launchFailure(
    'fhir-unreachable',
    `Something went wrong while the app was ${where === 'ready' ? 'signing in' : 'reading the record'}${message ? ` (${message})` : ''}. ${RELAUNCH} If it keeps happening, tell your practice IT lead.`,
  );
}
