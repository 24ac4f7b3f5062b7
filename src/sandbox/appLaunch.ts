/**
 * The GP app's EHR launch against the sandbox, done over HTTP without a browser: create a launch,
 * read the smart-configuration, authorize (no clinician picker) with PKCE S256, exchange the code
 * for a token. For tests and the benchmarks that need a real access token from the sandbox.
 */
import { createHash, randomBytes } from 'node:crypto';
import { APP_SCOPE } from '../app/smart/scopes.js';
import { createLaunch, FITNOTE_PROMPT_CLIENT_ID } from './smartAuth.js';

/** The token response, as far as callers read it. */
export interface AppLaunchToken {
  access_token: string;
  scope: string;
  patient: string;
  encounter?: string;
  id_token?: string;
}

/** Launches the app for `patient` on the sandbox at `sandbox` (its origin and FHIR base). */
export async function launchAsApp(
  sandbox: { url: string; fhirBaseUrl: string },
  patient: string,
  scope: string = APP_SCOPE,
): Promise<AppLaunchToken> {
  const iss = sandbox.fhirBaseUrl;
  const launch = createLaunch({
    patient,
    fhirUser: 'Practitioner/gp-1',
    needPatientBanner: false,
    smartStyleUrl: `${sandbox.url}/ehr/smart-style.json`,
    skipLogin: true,
  });
  const discovery = (await (await fetch(`${iss}/.well-known/smart-configuration`)).json()) as Record<
    string,
    string
  >;
  const verifier = randomBytes(48).toString('base64url');
  const redirectUri = `${sandbox.url}/app/`;
  const authorize = new URL(discovery.authorization_endpoint ?? '');
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: FITNOTE_PROMPT_CLIENT_ID,
    redirect_uri: redirectUri,
    scope,
    state: randomBytes(16).toString('base64url'),
    aud: iss,
    launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
  const back = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(back.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`The sandbox gave no authorization code (status ${back.status}).`);
  const res = await fetch(discovery.token_endpoint ?? '', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  if (res.status !== 200)
    throw new Error(`The sandbox refused the token request: ${res.status} ${await res.text()}`);
  return (await res.json()) as AppLaunchToken;
}
