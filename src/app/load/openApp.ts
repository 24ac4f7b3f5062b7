/**
 * The app page's whole start in one call (main.tsx uses it): complete the SMART launch, then load the
 * patient's context, with the EHR's style fetched alongside (applied when it arrives; the load never
 * waits for it). Resolves to the session and context the UI needs, or to the LaunchFailure its error
 * screen shows; never rejects.
 */
import { classifyFailure, type LaunchFailure } from '../smart/failures.js';
import { type CompleteLaunchOptions, completeLaunch, type SmartSession } from '../smart/launch.js';
import type { FhirRequester } from '../smart/requester.js';
import { loadSmartStyle } from '../smart/style.js';
import { type AppContext, type LoadOptions, loadContext } from './loadContext.js';

export interface OpenedApp {
  session: SmartSession;
  context: AppContext;
}

/** A loader: loadContext, or the naive one the bench times (naive.ts). */
export type ContextLoader = (requester: FhirRequester, options: LoadOptions) => Promise<AppContext>;

export interface OpenAppOptions {
  launch?: CompleteLaunchOptions;
  /** Overrides for loadContext (config, strategy…); the launch context fills in the rest. */
  load?: Partial<LoadOptions>;
  /** For the style fetch. */
  fetch?: typeof fetch;
  /** Called with the CSS variables of the EHR's smart_style_url once read (`{}` when none or unreadable). */
  onStyle?: (vars: Record<string, string>) => void;
  /** Called once the launch is complete, before the record loads. */
  onSession?: (session: SmartSession) => void;
  /** Default loadContext. */
  loader?: ContextLoader;
}

/** The LoadOptions a session implies: patient, encounter, user, scopes, fhirContext, the deployment's config URL. */
export function loadOptionsFor(session: SmartSession, overrides: Partial<LoadOptions> = {}): LoadOptions {
  const options: LoadOptions = {
    patientId: session.tokenResponse.patient,
    grantedScope: session.tokenResponse.scope,
  };
  if (session.tokenResponse.encounter) options.encounterId = session.tokenResponse.encounter;
  if (session.fhirUser) options.fhirUser = session.fhirUser;
  if (session.fhirContext.length > 0) options.fhirContext = session.fhirContext;
  const config = { ...(session.configUrl ? { configUrl: session.configUrl } : {}), ...overrides.config };
  return { ...options, ...overrides, ...(Object.keys(config).length > 0 ? { config } : {}) };
}

export async function openApp(options: OpenAppOptions = {}): Promise<OpenedApp | LaunchFailure> {
  let session: SmartSession | LaunchFailure;
  try {
    session = await completeLaunch(options.launch);
  } catch (err) {
    return classifyFailure(err, 'ready');
  }
  if ('kind' in session) return session;
  options.onSession?.(session);
  const { onStyle } = options;
  if (onStyle) {
    void loadSmartStyle(session.tokenResponse.smart_style_url, options.fetch ? { fetch: options.fetch } : {})
      .then(onStyle)
      .catch(() => undefined);
  }
  try {
    const context = await (options.loader ?? loadContext)(
      session.requester,
      loadOptionsFor(session, options.load),
    );
    return { session, context };
  } catch (err) {
    return classifyFailure(err);
  }
}
