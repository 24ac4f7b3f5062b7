/**
 * Staff sign-in for the provider inbox and the IT-lead console: OpenID Connect authorization code flow
 * with PKCE S256, by hand (fetch + crypto.subtle; no library). The hub says where to sign in (GET
 * /inbox/api/sign-in or /admin/api/sign-in → issuer, client id, resource); the issuer's discovery
 * document gives the endpoints. `staffSignIn({ redirectPath, storagePrefix })` makes one for a page;
 * the inbox's (redirect `/inbox/`, keys `fitnote-inbox.*`) is also exported as plain functions.
 *
 * - beginSignIn: remembers state, nonce, code verifier and the page the person was on in
 *   sessionStorage, then sends the browser to the authorization endpoint (redirect_uri
 *   `${origin}${redirectPath}`, scope `openid fitnote`, resource = the hub's audience).
 * - completeSignIn: on return (?code&state, or ?error), checks the state, exchanges the code at the
 *   token endpoint with the verifier, checks the ID token's nonce, keeps the access token (and the
 *   staff member's name) in sessionStorage, and gives back the page to return to.
 * The access token lives in this tab only (sessionStorage) and is dropped on sign-out or a 401.
 */

export interface SignInConfig {
  issuer: string;
  clientId: string;
  resource: string;
}

export interface Session {
  accessToken: string;
  /** The staff member's name from the ID token, when it has one. */
  name?: string;
  /** ms since the epoch. */
  expiresAt: number;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  tokenEndpoint: string;
  clientId: string;
  redirectUri: string;
}

export const SCOPE = 'openid fitnote';

/** A sign-in problem to show the person (plain English). */
export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function discover(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: { authorization_endpoint?: unknown; token_endpoint?: unknown };
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`it answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch {
    throw new SignInError(
      'The sign-in service cannot be reached just now. Check your connection and try again in a minute.',
    );
  }
  if (typeof doc.authorization_endpoint !== 'string' || typeof doc.token_endpoint !== 'string')
    throw new SignInError('The sign-in service is not set up correctly. Tell your service’s administrator.');
  return { authorization_endpoint: doc.authorization_endpoint, token_endpoint: doc.token_endpoint };
}

function claimsOf(jwt: string | undefined): Record<string, unknown> {
  const part = jwt?.split('.')[1];
  if (part === undefined) return {};
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export interface StaffSignInOptions {
  /** The page the sign-in service sends the browser back to, e.g. '/inbox/' or '/admin/'. */
  redirectPath: string;
  /** sessionStorage key prefix, e.g. 'fitnote-inbox' (keys `<prefix>.session`, `<prefix>.pending`). */
  storagePrefix: string;
  /** Said when the person cancels at the sign-in service. */
  cancelledMessage?: string;
  /** Whose administrator to tell, e.g. 'your service’s administrator'. */
  administrator?: string;
}

export interface StaffSignIn {
  redirectUri(): string;
  beginSignIn(config: SignInConfig, returnTo: string): Promise<void>;
  completeSignIn(): Promise<string | undefined>;
  currentSession(): Session | undefined;
  forgetSession(): void;
}

export function staffSignIn(options: StaffSignInOptions): StaffSignIn {
  const SESSION_KEY = `${options.storagePrefix}.session`;
  const PENDING_KEY = `${options.storagePrefix}.pending`;
  const administrator = options.administrator ?? 'your service’s administrator';
  const cancelled =
    options.cancelledMessage ?? 'You cancelled signing in. Sign in to see your service’s referrals.';

  function redirectUri(): string {
    return `${location.origin}${options.redirectPath}`;
  }

  /** Sends the browser to the sign-in service; `returnTo` is the inbox page to come back to. */
  async function beginSignIn(config: SignInConfig, returnTo: string): Promise<void> {
    const endpoints = await discover(config.issuer);
    const pending: Pending = {
      state: randomString(),
      nonce: randomString(),
      verifier: randomString(),
      returnTo,
      tokenEndpoint: endpoints.token_endpoint,
      clientId: config.clientId,
      redirectUri: redirectUri(),
    };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(endpoints.authorization_endpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: pending.redirectUri,
      scope: SCOPE,
      resource: config.resource,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await challengeOf(pending.verifier),
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    location.assign(url.toString());
  }

  /**
   * Finishes a sign-in when the address carries its answer; returns the page to go back to, or
   * undefined when this is not a return from the sign-in service. Throws SignInError in plain English.
   */
  async function completeSignIn(): Promise<string | undefined> {
    const params = new URLSearchParams(location.search);
    const code = params.get('code');
    const error = params.get('error');
    if (code === null && error === null) return undefined;
    const stored = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    // The code must not stay in the address (history, a reload).
    history.replaceState(null, '', location.pathname);
    const pending = stored === null ? undefined : (JSON.parse(stored) as Pending);
    if (error !== null) {
      throw new SignInError(
        error === 'access_denied'
          ? cancelled
          : `The sign-in service could not sign you in. Try again; if it goes on, tell ${administrator}.`,
      );
    }
    if (pending === undefined || params.get('state') !== pending.state)
      throw new SignInError(
        'That sign-in was started in another tab or has already been used. Sign in again.',
      );
    let body: { access_token?: unknown; id_token?: unknown; expires_in?: unknown };
    try {
      const res = await fetch(pending.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: code as string,
          redirect_uri: pending.redirectUri,
          client_id: pending.clientId,
          code_verifier: pending.verifier,
        }),
      });
      body = (await res.json()) as typeof body;
      if (!res.ok) throw new Error(String(res.status));
    } catch {
      throw new SignInError(
        'Signing in did not finish (the sign-in service refused the code). Sign in again.',
      );
    }
    if (typeof body.access_token !== 'string')
      throw new SignInError('The sign-in service gave no access token. Sign in again.');
    const idClaims = claimsOf(typeof body.id_token === 'string' ? body.id_token : undefined);
    if (idClaims.nonce !== pending.nonce)
      throw new SignInError('The sign-in answer was not for this sign-in. Sign in again.');
    const session: Session = {
      accessToken: body.access_token,
      expiresAt: Date.now() + (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000,
      ...(typeof idClaims.name === 'string' ? { name: idClaims.name } : {}),
    };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    return pending.returnTo;
  }

  /** The current sign-in, if any. */
  function currentSession(): Session | undefined {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as Session;
    } catch {
      return undefined;
    }
  }

  /** Forgets the sign-in (sign-out, or the hub said it has expired). */
  function forgetSession(): void {
    sessionStorage.removeItem(SESSION_KEY);
  }

  return { redirectUri, beginSignIn, completeSignIn, currentSession, forgetSession };
}

/** The provider inbox's sign-in (redirect `/inbox/`, this tab's `fitnote-inbox.*` keys). */
const inbox = staffSignIn({ redirectPath: '/inbox/', storagePrefix: 'fitnote-inbox' });
export const redirectUri = inbox.redirectUri;
export const beginSignIn = inbox.beginSignIn;
export const completeSignIn = inbox.completeSignIn;
export const currentSession = inbox.currentSession;
export const forgetSession = inbox.forgetSession;
