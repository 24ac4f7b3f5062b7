/**
 * The app's launch registrations, one per EHR: which FHIR servers (`iss`) the launch page will
 * authorize against, with which client id, scopes and redirect URI. Passed as an array to fhirclient's
 * `FHIR.oauth2.authorize([...])`, which picks the first whose `issMatch` accepts the launch's `iss`;
 * an `iss` no registration matches is refused, so this list is also the app's allow-list of EHRs.
 *
 * The client ids for real EHRs are issued by each supplier when the app is accepted into its partner
 * programme (e.g. the EMIS Partner Programme, TPP's SystmOne partner route); the two below are
 * obviously placeholders and their `iss` patterns use reserved `.example` domains, so they can never
 * match a real server until a deployment replaces them.
 */
import { APP_SCOPE } from '../src/app/smart/scopes.js';

export interface LaunchRegistration {
  /** A name for people (logs, the error screen). */
  name: string;
  /** Which FHIR base URLs this registration is for. */
  issMatch: RegExp | ((iss: string) => boolean);
  clientId: string;
  scope: string;
  /** Where the authorization server sends the browser back; relative URLs resolve against the launch page. */
  redirectUri: string;
  /**
   * Where this deployment's practice configuration (prompt rules and provider directory) comes from:
   * a URL template in which `{ods}` is replaced by the practice's ODS code, e.g. the referral hub's
   * `https://hub.example.nhs.uk/config/{ods}.json`. Relative URLs resolve against the app's page.
   * Default `/config/{ods}.json` on the app's own origin. The app finds it after the redirect by
   * matching the session's FHIR base against these same registrations (configUrlForServer).
   */
  configUrl?: string;
}

/** The page the authorization server returns to (the app itself), relative to the launch page's origin. */
export const APP_REDIRECT = '/app/';

/** The sandbox EHR: its FHIR server on this computer, any port, at `/fhir`. */
export function isSandboxIss(iss: string): boolean {
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1') &&
    url.pathname.replace(/\/+$/, '') === '/fhir' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  );
}

export const REGISTRATIONS: readonly LaunchRegistration[] = [
  {
    name: 'Sandbox EHR',
    issMatch: isSandboxIss,
    clientId: 'fitnote-prompt',
    scope: APP_SCOPE,
    redirectUri: APP_REDIRECT,
  },
  {
    // EMIS-style EHR. Placeholder: the real iss pattern and client id come from the supplier's partner programme.
    name: 'EMIS-style EHR (placeholder)',
    issMatch: /^https:\/\/[a-z0-9-]+\.emis-style-ehr\.example\/fhir\/r4\/?$/,
    clientId: 'PLACEHOLDER-emis-style-client-id',
    scope: APP_SCOPE,
    redirectUri: APP_REDIRECT,
  },
  {
    // SystmOne-style EHR. Placeholder: the real iss pattern and client id come from the supplier's partner programme.
    name: 'SystmOne-style EHR (placeholder)',
    issMatch: /^https:\/\/fhir\.systmone-style-ehr\.example\/[A-Z0-9]{6}\/fhir\/?$/,
    clientId: 'PLACEHOLDER-systmone-style-client-id',
    scope: APP_SCOPE,
    redirectUri: APP_REDIRECT,
  },
];

/** The registration fhirclient would choose for an `iss` (the first that matches), or undefined. */
export function registrationFor(
  iss: string,
  registrations: readonly LaunchRegistration[] = REGISTRATIONS,
): LaunchRegistration | undefined {
  return registrations.find((r) =>
    typeof r.issMatch === 'function' ? r.issMatch(iss) : r.issMatch.test(iss),
  );
}

/**
 * The practice configuration URL template for the FHIR server a session is with: the configUrl of
 * the registration that matches it, as on the launch page (the session's server URL is the launch's
 * `iss`); undefined (the app's default) when that registration sets none or none matches.
 */
export function configUrlForServer(
  serverUrl: string | undefined,
  registrations: readonly LaunchRegistration[] = REGISTRATIONS,
): string | undefined {
  if (!serverUrl) return undefined;
  return registrationFor(serverUrl, registrations)?.configUrl;
}
