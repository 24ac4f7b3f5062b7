/**
 * The SMART EHR launch, wrapped for the app: `startLaunch()` on the launch page (iss + launch →
 * authorize with PKCE S256 required, completing in the iframe the EHR opened), and `completeLaunch()`
 * on the app page (fhirclient's `ready()` → a SmartSession, or a LaunchFailure saying in plain English
 * why the app cannot start). fhirclient is injected in tests; in the browser the defaults use its
 * browser build (`FHIR.oauth2`).
 */
import FHIR from 'fhirclient';
import * as z from 'zod/mini';
import {
  configUrlForServer,
  type LaunchRegistration,
  REGISTRATIONS,
  registrationFor,
} from '../../../launch/registrations.js';
import { classifyFailure, type LaunchFailure, launchFailure } from './failures.js';
import { clientRequester, DEFAULT_TIMEOUT_MS, type FhirClientLike, type FhirRequester } from './requester.js';
import { canWriteFrom, missingReads } from './scopes.js';

/** One `fhirContext` item of the token response (SMART 2.2). */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: { system?: string; value?: string };
  type?: string;
  role?: string;
}

export interface SmartTokenResponse {
  patient: string;
  encounter?: string;
  need_patient_banner?: boolean;
  smart_style_url?: string;
  /** The scopes actually granted (may be fewer than asked for). */
  scope: string;
  fhirContext?: FhirContextItem[];
  intent?: string;
}

export interface SmartSession {
  requester: FhirRequester;
  tokenResponse: SmartTokenResponse;
  /** Whether the granted scopes let the app create the referral's resources in the record. */
  canWrite: boolean;
  /** The user's FHIR resource (`Practitioner/…`, possibly absolute), from the id_token's fhirUser claim. */
  fhirUser?: string;
  /** Whether the app should show its own patient banner (`need_patient_banner`, default true). */
  showPatientBanner: boolean;
  /** The launch's fhirContext items that were well formed (empty when none). */
  fhirContext: FhirContextItem[];
  /** The current access token (read at the moment of use: fhirclient may have refreshed it). */
  accessToken?(): string | undefined;
  /**
   * The practice configuration URL template of the launch registration matching this session's FHIR
   * server (launch/registrations.ts `configUrl`); absent: the app's default `/config/{ods}.json`.
   */
  configUrl?: string;
}

/** What fhirclient's `ready()` resolves to, as far as the app uses it. */
export interface ReadyClient extends FhirClientLike {
  state: FhirClientLike['state'] & { tokenResponse?: Record<string, unknown> };
  getFhirUser?(): string | null;
}

interface OAuth2 {
  authorize(params: unknown): Promise<unknown>;
  ready(): Promise<ReadyClient>;
}

/** fhirclient's browser API (`FHIR.oauth2`); undefined outside a browser (tests inject their own). */
function browserOAuth2(): OAuth2 {
  const oauth2 = (FHIR as unknown as { oauth2?: OAuth2 }).oauth2;
  if (oauth2 === undefined) throw new Error('fhirclient’s browser build is not loaded (not in a browser?)');
  return oauth2;
}

/** fhirclient authorize parameters for the registrations (its `issMatch` array form). */
export function authorizeParams(registrations: readonly LaunchRegistration[] = REGISTRATIONS) {
  return registrations.map((r) => ({
    issMatch: r.issMatch,
    clientId: r.clientId,
    scope: r.scope,
    redirectUri: r.redirectUri,
    pkceMode: 'required' as const,
    completeInTarget: true,
  }));
}

export interface StartLaunchOptions {
  /** The launch page's URL (default: the browser's). */
  url?: string | URL;
  registrations?: readonly LaunchRegistration[];
  authorize?: (params: ReturnType<typeof authorizeParams>) => Promise<unknown>;
}

/**
 * Starts the EHR launch: checks `iss` and `launch` and that the app is registered for that EHR, then
 * hands over to fhirclient, which redirects to the EHR's authorization page (so on success this never
 * really returns). Resolves to a LaunchFailure when the launch cannot start.
 */
export async function startLaunch(options: StartLaunchOptions = {}): Promise<LaunchFailure | undefined> {
  const url = new URL(options.url ?? globalThis.location.href);
  const iss = url.searchParams.get('iss');
  const launch = url.searchParams.get('launch');
  if (!iss || !launch) {
    return launchFailure(
      'no-launch-context',
      `The app was opened without ${!iss && !launch ? 'the launch details' : !iss ? 'the address of the record server (iss)' : 'a launch code'} from the clinical system, so it does not know whose record to read. Open it from the patient’s record in the clinical system.`,
    );
  }
  const registrations = options.registrations ?? REGISTRATIONS;
  if (registrationFor(iss, registrations) === undefined) {
    return launchFailure(
      'ehr-not-registered',
      `The app is not set up to work with this clinical system (${iss}). Ask your practice IT lead to register the app with the clinical system’s supplier.`,
    );
  }
  try {
    const authorize = options.authorize ?? ((p) => browserOAuth2().authorize(p));
    await authorize(authorizeParams(registrations));
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/PKCE/i.test(message)) {
      return launchFailure('pkce-unsupported');
    }
    if (/well-known|smart-configuration|metadata/i.test(message)) {
      return launchFailure(
        'fhir-unreachable',
        'The app could not read the clinical system’s sign-in settings. Check your network connection and open the app again; if it keeps happening, tell your practice IT lead.',
      );
    }
    return classifyFailure(err, 'ready');
  }
}

const optionalText = z.optional(z.string());
/** One fhirContext item. */
const FhirContextItemSchema = z.looseObject({
  reference: optionalText,
  canonical: optionalText,
  identifier: z.optional(z.looseObject({ system: optionalText, value: optionalText })),
  type: optionalText,
  role: optionalText,
});

/** The well-formed items of a token response's fhirContext (anything else is ignored). */
export function readFhirContext(value: unknown): FhirContextItem[] {
  if (!Array.isArray(value)) return [];
  const items: FhirContextItem[] = [];
  for (const raw of value) {
    const parsed = FhirContextItemSchema.safeParse(raw);
    if (!parsed.success) continue;
    const { reference, canonical, identifier, type, role } = parsed.data;
    if (reference === undefined && canonical === undefined && identifier === undefined) continue;
    const item: FhirContextItem = {};
    if (reference !== undefined) item.reference = reference;
    if (canonical !== undefined) item.canonical = canonical;
    if (identifier !== undefined) item.identifier = { ...identifier };
    if (type !== undefined) item.type = type;
    if (role !== undefined) item.role = role;
    items.push(item);
  }
  return items;
}

const READ_WORDS: Record<string, string> = {
  Patient: 'the patient’s details',
  Observation: 'fit notes and observations',
  ServiceRequest: 'earlier referrals',
};

export interface CompleteLaunchOptions {
  ready?: () => Promise<ReadyClient>;
  /** Per-request timeout for FHIR reads (default 8 s). */
  timeoutMs?: number;
  /** Whether this page load was a reload (default: from the Navigation Timing API). */
  reloaded?: boolean;
  /** The launch registrations (default launch/registrations.ts), for the deployment's config URL. */
  registrations?: readonly LaunchRegistration[];
}

/** Whether the browser says this page was reloaded (false outside a browser). */
function pageWasReloaded(): boolean {
  try {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return navigation?.type === 'reload';
  } catch {
    return false;
  }
}

/** Completes the launch on the app page: a session to load the record with, or why there is none. */
export async function completeLaunch(
  options: CompleteLaunchOptions = {},
): Promise<SmartSession | LaunchFailure> {
  let client: ReadyClient;
  try {
    client = await (options.ready ?? (() => browserOAuth2().ready()))();
  } catch (err) {
    return classifyFailure(err, 'ready', { reloaded: options.reloaded ?? pageWasReloaded() });
  }
  const token = client.state.tokenResponse ?? {};
  const patient = typeof token.patient === 'string' && token.patient !== '' ? token.patient : undefined;
  if (patient === undefined) {
    return launchFailure(
      'no-launch-context',
      'The clinical system did not say which patient the app is for. Open the app from the patient’s record in the clinical system.',
    );
  }
  const scope = typeof token.scope === 'string' ? token.scope : '';
  const missing = missingReads(scope);
  if (missing.length > 0) {
    return launchFailure(
      'scopes-not-granted',
      `The clinical system did not give the app permission to read ${missing.map((t) => READ_WORDS[t] ?? t).join(', ')}, so it cannot check this patient’s fit notes safely. Ask your practice IT lead to check the app’s permissions in the clinical system.`,
    );
  }
  const tokenResponse: SmartTokenResponse = { patient, scope };
  if (typeof token.encounter === 'string' && token.encounter !== '')
    tokenResponse.encounter = token.encounter;
  if (typeof token.need_patient_banner === 'boolean')
    tokenResponse.need_patient_banner = token.need_patient_banner;
  if (typeof token.smart_style_url === 'string') tokenResponse.smart_style_url = token.smart_style_url;
  if (typeof token.intent === 'string') tokenResponse.intent = token.intent;
  const fhirContext = readFhirContext(token.fhirContext);
  if (fhirContext.length > 0) tokenResponse.fhirContext = fhirContext;

  let fhirUser: string | undefined;
  try {
    fhirUser = client.getFhirUser?.() ?? undefined;
  } catch {
    fhirUser = undefined;
  }
  const session: SmartSession = {
    requester: clientRequester(client, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    tokenResponse,
    canWrite: canWriteFrom(scope),
    showPatientBanner: tokenResponse.need_patient_banner !== false,
    fhirContext,
    accessToken: () => {
      const current = client.state.tokenResponse?.access_token;
      return typeof current === 'string' && current !== '' ? current : undefined;
    },
  };
  if (fhirUser) session.fhirUser = fhirUser;
  // The deployment's config URL: the registration the launch page chose for this iss is the one that
  // matches the session's server URL (fhirclient keeps the iss as serverUrl). Matching again here
  // needs nothing carried through the redirect, and an iss no registration matches never got this far.
  const configUrl = configUrlForServer(client.state.serverUrl, options.registrations ?? REGISTRATIONS);
  if (configUrl) session.configUrl = configUrl;
  return session;
}
