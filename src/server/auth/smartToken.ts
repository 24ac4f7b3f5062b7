/**
 * Who may call the hub's GP routes: the GP app with the SMART access token the EHR gave it.
 *
 * A request carries `Authorization: Bearer <token>` and `X-EHR-FHIR-Base: <the EHR's FHIR base>`. The
 * base must be one the hub trusts (HUB_EHR_BASES). The hub finds the EHR's introspection endpoint in
 * `<base>/.well-known/smart-configuration` (cached), posts the token there (RFC 7662, form-encoded,
 * with HTTP Basic when configured) and requires `active: true`, an `exp` in the future and, when the
 * answer names an audience, this base among it. A positive answer is cached for at most 30 s, keyed by
 * a SHA-256 of the base and token (the token itself is never kept), and never beyond the token's `exp`.
 *
 * What each route needs of the token (scope, patient) is checked by `requireScope` and
 * `requirePatient`, using the app's own scope parser (src/app/smart/scopes.ts).
 */
import { createHash } from 'node:crypto';
import { allows, splitScope } from '../../app/smart/scopes.js';
import { normaliseBase } from '../env.js';
import { HubError } from '../errors.js';

/** What the hub knows about the caller once its token is checked. */
export interface TokenContext {
  /** The EHR's FHIR base (normalised, one of the trusted bases). */
  ehrBaseUrl: string;
  /** The launch patient's id on that EHR, when the token has one. */
  patient?: string;
  scope: string;
  /** The GP, relative to the EHR's base when under it (e.g. `Practitioner/gp-1`). */
  fhirUser?: string;
  clientId?: string;
  /** When the token expires (ms), when the EHR says. */
  expiresAt?: number;
}

export interface TokenCheckerOptions {
  /** FHIR bases whose tokens are trusted. */
  trustedBases: readonly string[];
  fetch?: typeof fetch;
  now?: () => number;
  /** HTTP Basic credentials for the introspection endpoint (RFC 7662 §2.1). */
  introspectionClient?: { id: string; secret: string };
  /** How long a positive introspection is reused (ms; at most 30 000). Default 30 000. */
  cacheMs?: number;
  /** How long a smart-configuration is reused (ms). Default 5 minutes. */
  discoveryCacheMs?: number;
  /** Time limit for each call to the EHR (ms). Default 5 000. */
  timeoutMs?: number;
  /** Most cached introspections. Default 10 000. */
  maxEntries?: number;
}

export const EHR_BASE_HEADER = 'x-ehr-fhir-base';
const REALM = 'fitnote-prompt hub';
const MAX_CACHE_MS = 30_000;

/** RFC 6750 §3: error_description is printable ASCII without `"` and `\`. */
export function headerSafe(text: string): string {
  return text
    .replace(/[‘’]/g, "'")
    .replace(/[“”"\\]/g, "'")
    .replace(/[^\x20-\x7E]/g, '');
}

function unauthorised(text: string, error = 'invalid_token'): HubError {
  return new HubError(
    401,
    { code: 'login', text },
    {
      'WWW-Authenticate': `Bearer realm="${REALM}", error="${error}", error_description="${headerSafe(text)}"`,
    },
  );
}

function unavailable(text: string): HubError {
  return new HubError(503, { code: 'transient', text }, { 'Retry-After': '30' });
}

const SIGN_IN_AGAIN = 'Close the app and open it again from the patient’s record to sign in again.';

interface Cached<T> {
  value: T;
  until: number;
}

interface Introspection {
  active?: unknown;
  scope?: unknown;
  patient?: unknown;
  fhirUser?: unknown;
  client_id?: unknown;
  exp?: unknown;
  aud?: unknown;
}

/** Checks GP access tokens against the EHRs' introspection endpoints, with a short cache. */
export class TokenChecker {
  private readonly trusted: Set<string>;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly discoveryCacheMs: number;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly tokens = new Map<string, Cached<TokenContext>>();
  private readonly inFlight = new Map<string, Promise<TokenContext>>();
  private readonly endpoints = new Map<string, Cached<string>>();
  private readonly discovering = new Map<string, Promise<string>>();

  constructor(private readonly options: TokenCheckerOptions) {
    this.trusted = new Set(options.trustedBases.map(normaliseBase));
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = options.now ?? Date.now;
    this.cacheMs = Math.min(options.cacheMs ?? MAX_CACHE_MS, MAX_CACHE_MS);
    this.discoveryCacheMs = options.discoveryCacheMs ?? 5 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * The caller's token context from its headers. Throws HubError: 401 (no, unreadable, inactive or
   * expired token; no EHR base), 403 (an EHR the hub does not trust), 503 (the EHR cannot be asked).
   */
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<TokenContext> {
    const auth = single(headers.authorization);
    if (auth === undefined || auth.trim() === '') {
      throw unauthorised(
        `The request has no access token. Send the SMART access token as "Authorization: Bearer <token>". ${SIGN_IN_AGAIN}`,
      );
    }
    const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(auth);
    if (match === null || (match[1] as string).length > 8192) {
      throw unauthorised(
        'The Authorization header is not a bearer token. Send it as "Authorization: Bearer <token>".',
      );
    }
    const token = match[1] as string;
    const baseHeader = single(headers[EHR_BASE_HEADER]);
    if (baseHeader === undefined || baseHeader.trim() === '') {
      throw unauthorised(
        'The request does not say which record system issued the token. Send the EHR’s FHIR base URL in the X-EHR-FHIR-Base header.',
        'invalid_request',
      );
    }
    const base = normaliseBase(baseHeader);
    if (!this.trusted.has(base)) {
      throw new HubError(403, {
        code: 'forbidden',
        text: `The hub does not accept sign-ins from the record system at ${base}. If this practice uses it, the hub’s administrator must add it to HUB_EHR_BASES.`,
      });
    }

    const key = createHash('sha256').update(base).update('\n').update(token).digest('base64url');
    const now = this.now();
    const cached = this.tokens.get(key);
    if (cached !== undefined) {
      if (cached.until > now) return cached.value;
      this.tokens.delete(key);
    }
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.introspect(base, token, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Forgets every cached introspection and discovery (tests). */
  clear(): void {
    this.tokens.clear();
    this.endpoints.clear();
  }

  private async introspect(base: string, token: string, key: string): Promise<TokenContext> {
    const endpoint = await this.introspectionEndpoint(base);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    const client = this.options.introspectionClient;
    if (client !== undefined) {
      const user = encodeURIComponent(client.id);
      const pass = encodeURIComponent(client.secret);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    let body: Introspection;
    try {
      const res = await this.fetch(endpoint, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) {
        throw unavailable(
          `The record system’s sign-in service (${endpoint}) answered ${res.status} when the hub checked the access token, so the hub cannot tell who is asking. Try again in a minute; if it keeps happening, tell the practice IT lead.`,
        );
      }
      body = (await res.json()) as Introspection;
    } catch (error) {
      if (error instanceof HubError) throw error;
      throw unavailable(
        `The hub could not check the access token with the record system’s sign-in service (${endpoint}): it did not answer properly. Try again in a minute; if it keeps happening, tell the practice IT lead.`,
      );
    }
    if (body === null || typeof body !== 'object' || body.active !== true) {
      throw unauthorised(
        `The access token is not valid any more (it has expired or was withdrawn). ${SIGN_IN_AGAIN}`,
      );
    }
    const now = this.now();
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : undefined;
    if (exp !== undefined && exp <= now) {
      throw unauthorised(`The access token has expired. ${SIGN_IN_AGAIN}`);
    }
    if (body.aud !== undefined) {
      const auds = (Array.isArray(body.aud) ? body.aud : [body.aud]).filter(
        (a): a is string => typeof a === 'string',
      );
      if (!auds.map(normaliseBase).includes(base)) {
        throw unauthorised(
          `The access token was issued for another server (${auds.join(', ')}), not for the record system at ${base}. ${SIGN_IN_AGAIN}`,
        );
      }
    }
    const context: TokenContext = {
      ehrBaseUrl: base,
      scope: typeof body.scope === 'string' ? body.scope : '',
    };
    if (typeof body.patient === 'string' && body.patient !== '') context.patient = body.patient;
    if (typeof body.fhirUser === 'string' && body.fhirUser !== '') {
      context.fhirUser = body.fhirUser.startsWith(`${base}/`)
        ? body.fhirUser.slice(base.length + 1)
        : body.fhirUser;
    }
    if (typeof body.client_id === 'string') context.clientId = body.client_id;
    if (exp !== undefined) context.expiresAt = exp;
    this.remember(key, context, Math.min(now + this.cacheMs, exp ?? Number.POSITIVE_INFINITY), now);
    return context;
  }

  private remember(key: string, value: TokenContext, until: number, now: number): void {
    if (until <= now) return;
    if (this.tokens.size >= this.maxEntries) {
      for (const [k, v] of this.tokens) if (v.until <= now) this.tokens.delete(k);
      while (this.tokens.size >= this.maxEntries) {
        const oldest = this.tokens.keys().next().value;
        if (oldest === undefined) break;
        this.tokens.delete(oldest);
      }
    }
    this.tokens.set(key, { value, until });
  }

  private async introspectionEndpoint(base: string): Promise<string> {
    const cached = this.endpoints.get(base);
    if (cached !== undefined && cached.until > this.now()) return cached.value;
    let pending = this.discovering.get(base);
    if (pending === undefined) {
      pending = this.discover(base).finally(() => this.discovering.delete(base));
      this.discovering.set(base, pending);
    }
    return pending;
  }

  private async discover(base: string): Promise<string> {
    const url = `${base}/.well-known/smart-configuration`;
    let config: { introspection_endpoint?: unknown };
    try {
      const res = await this.fetch(url, {
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(String(res.status));
      config = (await res.json()) as { introspection_endpoint?: unknown };
    } catch {
      throw unavailable(
        `The hub could not read the record system’s SMART configuration (${url}) to check the access token. Try again in a minute; if it keeps happening, tell the practice IT lead.`,
      );
    }
    const endpoint = config?.introspection_endpoint;
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) {
      throw unavailable(
        `The record system at ${base} does not publish a token introspection endpoint in its SMART configuration, so the hub cannot check access tokens from it. Tell the practice IT lead.`,
      );
    }
    this.endpoints.set(base, { value: endpoint, until: this.now() + this.discoveryCacheMs });
    return endpoint;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Patient- or user-level resource scopes only (the GP app never acts as a system). */
function gpScopes(scope: string): string {
  return splitScope(scope)
    .filter((s) => s.startsWith('patient/') || s.startsWith('user/'))
    .join(' ');
}

export type ReferralAccess = 'create' | 'read' | 'cancel';

/** Whether the token's scopes allow this access to referrals (ServiceRequest). */
export function allowsReferral(scope: string, access: ReferralAccess): boolean {
  const s = gpScopes(scope);
  if (access === 'create') return allows(s, 'ServiceRequest', 'c');
  if (access === 'read') return allows(s, 'ServiceRequest', 'r') || allows(s, 'ServiceRequest', 's');
  // Cancelling is writing to a referral the GP created: create or update permission on ServiceRequest.
  return allows(s, 'ServiceRequest', 'c') || allows(s, 'ServiceRequest', 'u');
}

const ACCESS_WORDS: Record<ReferralAccess, string> = {
  create: 'send referrals (create ServiceRequest, e.g. patient/ServiceRequest.c)',
  read: 'read referrals (read ServiceRequest, e.g. patient/ServiceRequest.rs)',
  cancel: 'change referrals (create or update ServiceRequest, e.g. patient/ServiceRequest.c)',
};

/** Throws 403 when the token's scopes do not allow `access`. */
export function requireScope(context: TokenContext, access: ReferralAccess): void {
  if (allowsReferral(context.scope, access)) return;
  throw new HubError(403, {
    code: 'forbidden',
    text: `The access token does not allow the app to ${ACCESS_WORDS[access]}. Ask the practice IT lead to let the app have this permission in the record system, then open the app again.`,
  });
}

/** Throws 403 unless the token is for `patientId`. */
export function requirePatient(context: TokenContext, patientId: string, what = 'This referral'): void {
  if (context.patient === undefined) {
    throw new HubError(403, {
      code: 'forbidden',
      text: 'The access token is not for a patient. Open the app from the patient’s record and try again.',
    });
  }
  if (context.patient !== patientId) {
    throw new HubError(403, {
      code: 'forbidden',
      text: `${what} is for a different patient from the one the app was opened for. Open the app from this patient’s record and try again.`,
    });
  }
}
