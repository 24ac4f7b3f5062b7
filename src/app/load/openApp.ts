/**
 * The app page's whole start in one call: complete the SMART launch, then load the patient's context
 * and the EHR's style in parallel. Resolves to everything the UI needs, or to the LaunchFailure its
 * error screen shows; never rejects.
 */
import { classifyFailure, type LaunchFailure } from '../smart/failures.js';
import { type CompleteLaunchOptions, completeLaunch, type SmartSession } from '../smart/launch.js';
import { loadSmartStyle } from '../smart/style.js';
import { type AppContext, type LoadOptions, loadContext } from './loadContext.js';

export interface OpenedApp {
  session: SmartSession;
  context: AppContext;
  /** CSS variables from the EHR's smart_style_url (`{}` when none or unreadable). */
  style: Record<string, string>;
}

export interface OpenAppOptions {
  launch?: CompleteLaunchOptions;
  /** Overrides for loadContext (config URL, strategy…); the launch context fills in the rest. */
  load?: Partial<LoadOptions>;
  /** For the style fetch. */
  fetch?: typeof fetch;
}

/** The LoadOptions a session implies. */
export function loadOptionsFor(session: SmartSession, overrides: Partial<LoadOptions> = {}): LoadOptions {
  const options: LoadOptions = {
    patientId: session.tokenResponse.patient,
    grantedScope: session.tokenResponse.scope,
  };
  if (session.tokenResponse.encounter) options.encounterId = session.tokenResponse.encounter;
  if (session.fhirUser) options.fhirUser = session.fhirUser;
  return { ...options, ...overrides };
}

export async function openApp(options: OpenAppOptions = {}): Promise<OpenedApp | LaunchFailure> {
  const session = await completeLaunch(options.launch);
  if ('kind' in session) return session;
  try {
    const [context, style] = await Promise.all([
      loadContext(session.requester, loadOptionsFor(session, options.load)),
      loadSmartStyle(session.tokenResponse.smart_style_url, options.fetch ? { fetch: options.fetch } : {}),
    ]);
    return { session, context, style };
  } catch (err) {
    return classifyFailure(err);
  }
}
