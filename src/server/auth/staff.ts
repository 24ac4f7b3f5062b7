/**
 * Who may use the provider inbox and the IT-lead routes: staff signed in with OpenID Connect (as NHS
 * CIS2 works; the sandbox runs a local OpenID provider, src/sandbox/oidc.ts).
 *
 * A request carries `Authorization: Bearer <access token>`: a JWT the OpenID provider issued for the
 * hub (its `aud` is the hub's resource indicator, HUB_OIDC_AUDIENCE). The hub finds the provider's
 * `jwks_uri` in `<issuer>/.well-known/openid-configuration` (cached), verifies the signature with
 * `jose` against that key set (refetched when an unknown key id appears), and requires the issuer,
 * the audience, an `exp` in the future and the staff claims:
 *   fitnote_role      'provider-staff' | 'it-lead'
 *   fitnote_provider  the provider's id in the directories (provider staff)
 *   fitnote_practice  the practice's ODS code (IT leads)
 * What a route needs of the caller is checked by `requireProviderStaff` and `requireItLead`.
 */
import { createRemoteJWKSet, customFetch, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { HubError } from '../errors.js';
import { headerSafe } from './smartToken.js';

export const STAFF_ROLES = ['provider-staff', 'it-lead'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The claims the OpenID provider puts in staff access tokens (and the hub reads). */
export const STAFF_CLAIMS = {
  role: 'fitnote_role',
  provider: 'fitnote_provider',
  practice: 'fitnote_practice',
} as const;

export interface StaffContext {
  /** The OpenID subject (stable user id at the OpenID provider). */
  sub: string;
  /** Display name, for the audit trail and the inbox header. */
  name: string;
  role: StaffRole;
  /** Provider staff: the provider whose referrals they see. */
  providerId?: string;
  /** IT leads: the practice they administer (ODS code, upper case). */
  practiceOds?: string;
}

export interface StaffAuthSettings {
  /** The OpenID provider's issuer URL, exactly as in its tokens. */
  issuer: string;
  /** The audience the hub requires (its resource indicator). */
  audience: string;
  fetch?: typeof fetch;
  /** Time limit for discovery and key-set requests (ms). Default 5 000. */
  timeoutMs?: number;
}

const REALM = 'fitnote-prompt hub staff';
const SIGN_IN_AGAIN = 'Sign in again.';

function unauthorised(text: string): HubError {
  return new HubError(
    401,
    { code: 'login', text },
    {
      'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${headerSafe(text)}"`,
    },
  );
}

export class StaffTokenChecker {
  private keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly settings: StaffAuthSettings) {}

  /** The key set, found through the issuer's discovery document once (retried after a failure). */
  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.keys) return this.keys;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const { issuer, timeoutMs = 5_000 } = this.settings;
    const doFetch = this.settings.fetch ?? fetch;
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let jwksUri: unknown;
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`it answered ${response.status}`);
      jwksUri = ((await response.json()) as { jwks_uri?: unknown }).jwks_uri;
    } catch (error) {
      throw new HubError(
        503,
        {
          code: 'transient',
          text: `The hub cannot reach the sign-in service (${url}: ${(error as Error).message}). Try again in a minute; if it goes on, tell the hub's administrator.`,
        },
        { 'Retry-After': '30' },
      );
    }
    if (typeof jwksUri !== 'string') {
      throw new HubError(503, {
        code: 'exception',
        text: `The sign-in service's discovery document (${url}) names no jwks_uri, so the hub cannot check sign-ins. Tell the hub's administrator.`,
      });
    }
    this.keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: timeoutMs,
      ...(this.settings.fetch ? { [customFetch]: this.settings.fetch } : {}),
    });
    return this.keys;
  }

  /** Checks the request's bearer token; throws 401 (no or bad token), 403 (no staff role) or 503. */
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<StaffContext> {
    const header = headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value === undefined ? null : /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(value.trim());
    if (match === null) {
      throw unauthorised(`Sign in to use the inbox: the request had no sign-in token. ${SIGN_IN_AGAIN}`);
    }
    const keys = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1] as string, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['RS256', 'PS256', 'ES256'],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw unauthorised(`Your sign-in has expired. ${SIGN_IN_AGAIN}`);
      if (error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_TIMEOUT') {
        throw new HubError(503, {
          code: 'transient',
          text: 'The hub could not fetch the sign-in service’s keys in time. Try again in a minute.',
        });
      }
      if (keySetUnavailable(error)) {
        throw new HubError(
          503,
          {
            code: 'transient',
            text: `The hub could not fetch the sign-in service’s keys (${(error as Error).message}), so it cannot check your sign-in. Try again in a minute; if it goes on, tell the hub’s administrator.`,
          },
          { 'Retry-After': '30' },
        );
      }
      throw unauthorised(
        `The sign-in token is not valid here (${(error as Error).message}). ${SIGN_IN_AGAIN}`,
      );
    }
    return staffContextOf(payload);
  }
}

/**
 * Whether verification failed because the key set could not be fetched (the sign-in service is down
 * or answers wrongly: a 503 for the caller), not because the token is bad (a 401). jose reports a
 * network failure as the fetch's own error, a non-200 or unreadable answer as a generic JOSEError.
 */
function keySetUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof joseErrors.JOSEError)) return true;
  return code === 'ERR_JOSE_GENERIC' || code === 'ERR_JWKS_INVALID';
}

/** The staff context from a verified token's claims (403 when it carries no usable staff role). */
export function staffContextOf(payload: JWTPayload): StaffContext {
  const claim = (name: string): string | undefined => {
    const v = payload[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const role = claim(STAFF_CLAIMS.role);
  const sub = payload.sub as string;
  const name = claim('name') ?? sub;
  const forbidden = (text: string) => new HubError(403, { code: 'forbidden', text });
  if (role === 'provider-staff') {
    const providerId = claim(STAFF_CLAIMS.provider);
    if (providerId === undefined)
      throw forbidden(
        'Your account is not linked to a provider, so the inbox has nothing to show you. Ask your service’s administrator to link it.',
      );
    return { sub, name, role, providerId };
  }
  if (role === 'it-lead') {
    const practice = claim(STAFF_CLAIMS.practice);
    if (practice === undefined)
      throw forbidden('Your account is not linked to a practice. Ask the practice manager to link it.');
    return { sub, name, role, practiceOds: practice.toUpperCase() };
  }
  throw forbidden(
    'Your account has no role at the referral hub (provider staff or practice IT lead). Ask your administrator for access.',
  );
}

/** 403 unless the caller is provider staff; returns their provider id. */
export function requireProviderStaff(staff: StaffContext): string {
  if (staff.role !== 'provider-staff' || staff.providerId === undefined) {
    throw new HubError(403, {
      code: 'forbidden',
      text: 'Only a provider’s staff can use the referral inbox. Sign in with your provider account.',
    });
  }
  return staff.providerId;
}

/** 403 unless the caller is an IT lead; returns their practice's ODS code. */
export function requireItLead(staff: StaffContext): string {
  if (staff.role !== 'it-lead' || staff.practiceOds === undefined) {
    throw new HubError(403, {
      code: 'forbidden',
      text: 'Only the practice’s IT lead can see this. Sign in with your IT-lead account.',
    });
  }
  return staff.practiceOds;
}

/** Who the audit names for a staff caller. */
export function staffAgent(staff: StaffContext): string {
  return `staff:${staff.sub}`;
}
