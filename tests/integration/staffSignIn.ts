/**
 * Staff sign-in for tests: runs the real OpenID Connect authorization code flow with PKCE against the
 * sandbox's OpenID provider (src/sandbox/oidc.ts) over HTTP, as a browser would — authorize → the
 * sign-in page's POST (choosing the account) → the code at the client's redirect URI → the token
 * endpoint — and gives back the tokens.
 *
 *   const token = await staffToken(sandbox, 'coordinator-local-oh-service');
 *   fetch(`${sandbox.hub.url}/inbox/...`, { headers: { Authorization: `Bearer ${token}` } });
 *
 * Accounts: `sandbox.oidc.accounts` (an IT lead `it-lead-a99999`, and `coordinator-<provider id>` for
 * each provider in the sample directory).
 */
import { createHash, randomBytes } from 'node:crypto';

/** What the helper needs of a running sandbox (RunningSandbox has it). */
export interface SandboxWithOidc {
  oidc?: { issuer: string; redirectUris: Readonly<Record<string, readonly string[]>> } | undefined;
}

export interface StaffSignInOptions {
  /** provider-inbox (default) or it-lead-console. */
  clientId?: string;
  /** Extra authorization request parameters (e.g. resource). */
  params?: Record<string, string>;
  /** Cancel on the sign-in page instead of choosing the account. */
  cancel?: boolean;
}

export interface StaffSignInResult {
  accessToken: string;
  idToken: string;
  expiresIn: number;
  scope: string;
  tokenType: string;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] as string;
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function issuerOf(sandbox: SandboxWithOidc): {
  issuer: string;
  redirectUris: Readonly<Record<string, readonly string[]>>;
} {
  if (sandbox.oidc === undefined) {
    throw new Error(
      'This sandbox has no OpenID provider (it runs with the hub only; start it without hub: false).',
    );
  }
  return sandbox.oidc;
}

/**
 * Runs the sign-in flow up to the client's redirect URI; returns that redirect (with `code` and
 * `state`, or `error` when cancelled) and what the token request needs.
 */
export async function staffAuthorize(
  sandbox: SandboxWithOidc,
  accountId: string,
  options: StaffSignInOptions = {},
): Promise<{ redirect: URL; verifier: string; redirectUri: string; clientId: string; issuer: string }> {
  const { issuer, redirectUris } = issuerOf(sandbox);
  const clientId = options.clientId ?? 'provider-inbox';
  const redirectUri = redirectUris[clientId]?.[0];
  if (redirectUri === undefined) throw new Error(`The sandbox's OpenID provider has no client ${clientId}.`);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const authorize = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid fitnote',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...options.params,
  })) {
    authorize.searchParams.set(k, v);
  }
  const jar = new CookieJar();
  const origin = new URL(issuer).origin;
  let response = await fetch(authorize, { redirect: 'manual' });
  jar.take(response);
  let location = response.headers.get('location');
  if (response.status !== 303 && response.status !== 302) {
    throw new Error(`The authorization request answered ${response.status}: ${await response.text()}`);
  }
  // An authorization request the provider refuses goes straight back to the client.
  if (location?.startsWith(redirectUri)) {
    return { redirect: new URL(location), verifier, redirectUri, clientId, issuer };
  }
  const interaction = new URL(location as string, origin);
  response = await fetch(interaction, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: jar.header(),
    },
    body: new URLSearchParams(options.cancel ? { decision: 'deny' } : { account: accountId }).toString(),
  });
  jar.take(response);
  location = response.headers.get('location');
  if (response.status !== 303 || location === null) {
    throw new Error(`The sign-in page answered ${response.status}: ${await response.text()}`);
  }
  // The provider resumes the authorization request, then redirects to the client.
  for (let hop = 0; hop < 5 && location !== null && !location.startsWith(redirectUri); hop += 1) {
    response = await fetch(new URL(location, origin), {
      redirect: 'manual',
      headers: { Cookie: jar.header() },
    });
    jar.take(response);
    location = response.headers.get('location');
  }
  if (location === null || !location.startsWith(redirectUri)) {
    throw new Error(
      `Sign-in did not come back to ${redirectUri} (${response.status}: ${await response.text()})`,
    );
  }
  const redirect = new URL(location);
  if (redirect.searchParams.get('state') !== state) throw new Error('Sign-in came back with another state.');
  return { redirect, verifier, redirectUri, clientId, issuer };
}

/** Signs in as the account through the whole code flow; the token endpoint's answer. */
export async function staffSignIn(
  sandbox: SandboxWithOidc,
  accountId: string,
  options: StaffSignInOptions = {},
): Promise<StaffSignInResult> {
  const { redirect, verifier, redirectUri, clientId, issuer } = await staffAuthorize(
    sandbox,
    accountId,
    options,
  );
  const code = redirect.searchParams.get('code');
  if (code === null) {
    throw new Error(
      `Sign-in was refused: ${redirect.searchParams.get('error')} ${redirect.searchParams.get('error_description') ?? ''}`,
    );
  }
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`The token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return {
    accessToken: body.access_token as string,
    idToken: body.id_token as string,
    expiresIn: body.expires_in as number,
    scope: body.scope as string,
    tokenType: body.token_type as string,
  };
}

/** A staff access token (JWT for the hub) for the sandbox account, e.g. 'it-lead-a99999'. */
export async function staffToken(
  sandbox: SandboxWithOidc,
  accountId: string,
  options: StaffSignInOptions = {},
): Promise<string> {
  return (await staffSignIn(sandbox, accountId, options)).accessToken;
}
