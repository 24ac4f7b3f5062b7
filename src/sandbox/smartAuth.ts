/**
 * The sandbox's SMART App Launch 2.2 authorization server (EHR launch, public and confidential
 * clients, PKCE S256 enforced, OpenID Connect id_token with fhirUser, refresh with rotation, token
 * introspection RFC 7662, revocation RFC 7009) and switchable simulated errors for testing an app's
 * error screens.
 *
 * Endpoints (the origin is the sandbox's; the FHIR base is `{origin}/fhir`):
 *   GET  /fhir/.well-known/smart-configuration   discovery
 *   GET|POST /auth/authorize                     authorization (clinician picker; POST = authorize-post)
 *   POST /auth/token                             authorization_code and refresh_token grants
 *   POST /auth/introspect                        RFC 7662 (the caller authenticates with HTTP Basic as a
 *                                                registered introspection client, §2.1)
 *   POST /auth/revoke                            RFC 7009
 *   GET  /auth/jwks                              the id_token signing key
 *   GET|POST /auth/simulate                      read or set the simulated error (JSON)
 *   POST /auth/launch                            create a launch over HTTP (JSON, as createLaunch)
 *
 * All state is in memory and process-wide (launches, codes, tokens, the simulated error), so the FHIR
 * server can call `verifyAccessToken` without a handle. Every store is bounded and drops expired
 * entries as it grows. Time comes from the `now` option, so tests can expire things without waiting.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identifier } from '@medplum/fhirtypes';
import { z } from 'zod';
import { generateSigningKey, type PublicJwk, type SigningKey, signJwt } from './smartAuthJwt.js';
import { errorPage, pickerPage } from './smartAuthPage.js';
import {
  intersectScopes,
  isValidScopeToken,
  NON_RESOURCE_SCOPES,
  reduceScopes,
  splitScopes,
} from './smartAuthScopes.js';
import { SANDBOX_CLINICIANS } from './vignettes.js';

// ---------------------------------------------------------------------------------------------
// Public types and constants
// ---------------------------------------------------------------------------------------------

/** Lifetimes, in seconds. */
export const LIFETIME = {
  launch: 300,
  code: 60,
  accessToken: 3600,
  idToken: 3600,
  /** `online_access`: as long as a working day's EHR session. */
  onlineRefreshToken: 12 * 3600,
  /** `offline_access`. */
  offlineRefreshToken: 30 * 24 * 3600,
} as const;

/** Most entries each store keeps; past this the expired go first, then the oldest. */
export const MAX_ENTRIES = 10_000;

export const SIMULATED_ERRORS = ['invalid_scope', 'expired_token', 'access_denied', 'server_error'] as const;
/**
 * - `invalid_scope`: tokens are granted with fewer scopes than asked (no create/update/delete, no refresh).
 * - `expired_token`: access tokens are issued already expired (`expires_in` 0; introspection inactive).
 * - `access_denied`: the authorization endpoint redirects back with `error=access_denied`.
 * - `server_error`: the token endpoint answers 500 with an OAuth error body.
 */
export type SimulatedError = (typeof SIMULATED_ERRORS)[number];

/** One `fhirContext` item of the token response (SMART 2.2: reference, canonical or identifier). */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: Identifier;
  type?: string;
  role?: string;
}

/** What the EHR knows when it launches the app. */
export interface LaunchInput {
  /** Patient id (e.g. `peter`). */
  patient: string;
  /** Encounter id, when the launch is within an encounter. */
  encounter?: string;
  /** The EHR user, e.g. `Practitioner/gp-1` (relative to the FHIR base, or absolute). */
  fhirUser: string;
  needPatientBanner: boolean;
  smartStyleUrl: string;
  fhirContext?: FhirContextItem[];
  /** SMART `intent`, passed through to the token response. */
  intent?: string;
  /**
   * Skip the clinician picker: the EHR user is already signed in, so authorize answers with a code at
   * once (as an EHR does). Default false: the picker opens with `fhirUser` preselected.
   */
  skipLogin?: boolean;
}

export interface ClientRegistration {
  clientId: string;
  /** Shown on the clinician picker. */
  name: string;
  /** `public`: no secret (a browser app). `confidential-symmetric`: client_secret_basic or _post. */
  type: 'public' | 'confidential-symmetric';
  secret?: string;
  /** Exact redirect URIs, or prefixes written with a final `*` (e.g. `http://localhost:8080/*`). */
  redirectUris: string[];
  /** The scopes the client may be granted (SMART v2 syntax; a request is intersected with these). */
  scopes: string[];
}

/** What the FHIR server needs to know about a bearer token. */
export interface TokenInfo {
  active: true;
  scope: string;
  patient: string;
  encounter?: string;
  /** Absolute URL of the user's FHIR resource. */
  fhirUser: string;
  client_id: string;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
  sub: string;
  /** The FHIR base the token is for. */
  aud: string;
}

export interface SmartHandlerOptions {
  /** The sandbox origin, e.g. `http://localhost:8080` (a trailing `/fhir` is accepted and ignored). */
  baseUrl: string;
  /** Milliseconds since the epoch; process-wide once given (tests pass a fake clock). */
  now?: () => number;
  /** Registered clients; default `sandboxClients(origin)`. */
  clients?: ClientRegistration[];
  /**
   * The protected resources allowed to introspect tokens (RFC 7662 §2.1), e.g. the referral hub: each
   * authenticates with HTTP Basic (id and secret). Default none, so introspection refuses everyone.
   */
  introspectionClients?: readonly IntrospectionClient[];
}

/** A resource server registered to call the introspection endpoint with HTTP Basic credentials. */
export interface IntrospectionClient {
  id: string;
  secret: string;
}

export type SmartHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export const FITNOTE_PROMPT_CLIENT_ID = 'fitnote-prompt';
export const CONFIDENTIAL_TEST_CLIENT_ID = 'sandbox-confidential';
export const CONFIDENTIAL_TEST_CLIENT_SECRET = 'sandbox-secret-not-for-production';

/** The scopes the GP app may have: what it reads, and create/update of what it writes (no deletes). */
export const FITNOTE_PROMPT_SCOPES = [
  ...NON_RESOURCE_SCOPES,
  'patient/Patient.rs',
  'patient/Encounter.rs',
  'patient/Observation.crus',
  'patient/Condition.rs',
  'patient/DocumentReference.rs',
  'patient/QuestionnaireResponse.rs',
  'patient/Procedure.rs',
  'patient/ServiceRequest.crus',
  'patient/Task.crus',
  'patient/Consent.crus',
  'user/Practitioner.rs',
  'user/PractitionerRole.rs',
  'user/Organization.rs',
  'user/HealthcareService.rs',
];

/**
 * The sandbox's registered clients: the GP app (public, any redirect URI under the sandbox origin) and a
 * confidential client for tests. Give every origin the sandbox answers on (see `loopbackAliases`).
 */
export function sandboxClients(origins: string | readonly string[]): ClientRegistration[] {
  const list = typeof origins === 'string' ? [origins] : origins;
  return [
    {
      clientId: FITNOTE_PROMPT_CLIENT_ID,
      name: 'Fit note prompt',
      type: 'public',
      redirectUris: list.map((o) => `${o}/*`),
      scopes: FITNOTE_PROMPT_SCOPES,
    },
    {
      clientId: CONFIDENTIAL_TEST_CLIENT_ID,
      name: 'Sandbox confidential test client',
      type: 'confidential-symmetric',
      secret: CONFIDENTIAL_TEST_CLIENT_SECRET,
      redirectUris: list.map((o) => `${o}/confidential/callback`),
      scopes: ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs', 'user/*.rs'],
    },
  ];
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins that name the same loopback server (`http://localhost:8080` → also
 * `http://127.0.0.1:8080` and `http://[::1]:8080`), configured origin first; any other origin alone.
 */
export function loopbackAliases(origin: string): string[] {
  const u = new URL(origin);
  if (!LOOPBACK.includes(u.hostname)) return [u.origin];
  const port = u.port === '' ? '' : `:${u.port}`;
  return [u.origin, ...LOOPBACK.filter((h) => h !== u.hostname).map((h) => `${u.protocol}//${h}${port}`)];
}

// ---------------------------------------------------------------------------------------------
// Process-wide state
// ---------------------------------------------------------------------------------------------

interface Expiring {
  expiresAtMs: number;
}

/** A Map that keeps at most `max` entries, dropping expired ones first, then the oldest. */
class BoundedStore<V extends Expiring> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
  set(key: string, value: V, nowMs: number): void {
    this.map.set(key, value);
    if (this.map.size <= this.max) return;
    for (const [k, v] of this.map) if (v.expiresAtMs <= nowMs) this.map.delete(k);
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) break;
      this.map.delete(k);
    }
  }
}

interface LaunchRecord extends Expiring {
  context: LaunchInput;
}

/** One authorization: the user's consent for a client, shared by every token issued from it. */
interface Grant {
  clientId: string;
  scopes: string[];
  context: LaunchInput;
  fhirUser: string;
  sub: string;
  userName: string | undefined;
  aud: string;
  authTime: number;
  revoked: boolean;
}

interface CodeRecord extends Expiring {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  grant: Grant;
  used: boolean;
}

interface TokenRecord extends Expiring {
  kind: 'access' | 'refresh';
  grant: Grant;
  scopes: string[];
  iat: number;
  revoked: boolean;
}

const state = {
  clock: (): number => Date.now(),
  simulated: undefined as SimulatedError | undefined,
  key: undefined as SigningKey | undefined,
  launches: new BoundedStore<LaunchRecord>(MAX_ENTRIES),
  codes: new BoundedStore<CodeRecord>(MAX_ENTRIES),
  tokens: new BoundedStore<TokenRecord>(MAX_ENTRIES * 2),
};

function signingKey(): SigningKey {
  state.key ??= generateSigningKey();
  return state.key;
}

/** The public key that signs id_tokens (as served at /auth/jwks). */
export function publicJwk(): PublicJwk {
  return signingKey().jwk;
}

const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Sets (or, with undefined, clears) the simulated error. */
export function setSimulatedError(kind: SimulatedError | undefined): void {
  state.simulated = kind;
}

export function getSimulatedError(): SimulatedError | undefined {
  return state.simulated;
}

/** Forgets every launch, code and token, clears the simulated error and restores the real clock. */
export function resetSmartAuth(): void {
  state.clock = () => Date.now();
  state.simulated = undefined;
  state.launches.clear();
  state.codes.clear();
  state.tokens.clear();
}

const launchSchema = z.object({
  patient: z.string().min(1),
  encounter: z.string().min(1).optional(),
  fhirUser: z.string().min(1),
  needPatientBanner: z.boolean(),
  smartStyleUrl: z.string().min(1),
  fhirContext: z
    .array(
      z.object({
        reference: z.string().optional(),
        canonical: z.string().optional(),
        identifier: z.object({ system: z.string().optional(), value: z.string().optional() }).optional(),
        type: z.string().optional(),
        role: z.string().optional(),
      }),
    )
    .optional(),
  intent: z.string().optional(),
  skipLogin: z.boolean().optional(),
});

/**
 * Stores the EHR's launch context and returns the opaque `launch` value for `?launch=&iss=`. It can
 * be used for `LIFETIME.launch` seconds (more than one authorization, e.g. when the app reloads).
 */
export function createLaunch(input: LaunchInput): string {
  const context = launchSchema.parse(input) as LaunchInput;
  const launch = randomToken(24);
  const nowMs = state.clock();
  state.launches.set(launch, { context, expiresAtMs: nowMs + LIFETIME.launch * 1000 }, nowMs);
  return launch;
}

function liveToken(token: string): TokenRecord | undefined {
  const record = state.tokens.get(token);
  if (record === undefined || record.revoked || record.grant.revoked) return undefined;
  if (state.clock() >= record.expiresAtMs) return undefined;
  return record;
}

function absoluteFhirUser(fhirUser: string, aud: string): string {
  return /^https?:\/\//.test(fhirUser) ? fhirUser : `${aud}/${fhirUser}`;
}

/** The active access token's details, or undefined when it is unknown, expired, revoked or a refresh token. */
export function verifyAccessToken(token: string): TokenInfo | undefined {
  const record = liveToken(token);
  if (record === undefined || record.kind !== 'access') return undefined;
  const { grant } = record;
  return {
    active: true,
    scope: record.scopes.join(' '),
    patient: grant.context.patient,
    ...(grant.context.encounter === undefined ? {} : { encounter: grant.context.encounter }),
    fhirUser: absoluteFhirUser(grant.fhirUser, grant.aud),
    client_id: grant.clientId,
    exp: seconds(record.expiresAtMs),
    iat: record.iat,
    sub: grant.sub,
    aud: grant.aud,
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

const MAX_BODY = 64 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': contentType, ...headers });
  res.end(body);
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', { ...NO_STORE, ...headers });
}

/** An RFC 6749 §5.2 error (400, or 401 for invalid_client). */
function oauthError(
  res: ServerResponse,
  error: string,
  description: string,
  status = error === 'invalid_client' ? 401 : 400,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, 'text/html; charset=utf-8', {
    ...NO_STORE,
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
  });
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { Location: location, ...NO_STORE });
  res.end();
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const stripSlash = (u: string): string => u.replace(/\/+$/, '');

function redirectAllowed(client: ClientRegistration, redirectUri: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(redirectUri);
  } catch {
    return false;
  }
  // No fragments (RFC 6749 §3.1.2); only http(s).
  if (parsed.hash !== '' || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return false;
  return client.redirectUris.some((allowed) =>
    allowed.endsWith('*') ? redirectUri.startsWith(allowed.slice(0, -1)) : redirectUri === allowed,
  );
}

// ---------------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------------

const simulateSchema = z.object({ error: z.enum(SIMULATED_ERRORS).nullable() });

const clinicianLabel = (key: string): string | undefined => {
  const c = SANDBOX_CLINICIANS[key];
  if (c === undefined) return undefined;
  const name = `${c.prefix === undefined ? '' : `${c.prefix} `}${c.name[0]} ${c.name[1]}`;
  return `${name}, ${c.role}`;
};

const clinicianName = (key: string): string | undefined => {
  const c = SANDBOX_CLINICIANS[key];
  return c === undefined
    ? undefined
    : `${c.prefix === undefined ? '' : `${c.prefix} `}${c.name[0]} ${c.name[1]}`;
};

/**
 * The SMART authorization server as a node:http handler: answers its own paths and returns true,
 * returns false for anything else.
 */
export function smartHandler(options: SmartHandlerOptions): SmartHandler {
  const configured = new URL(stripSlash(options.baseUrl).replace(/\/fhir$/, ''));
  const origin = configured.origin;
  const fhirPath = `${stripSlash(configured.pathname)}/fhir`;
  // The sandbox answers on each loopback name for its host; so does this server (issuer, aud, redirects).
  const origins = loopbackAliases(origin);
  const fhirBases = new Set(origins.map((o) => `${o}${fhirPath}`));
  if (options.now !== undefined) state.clock = options.now;
  const clients = options.clients ?? sandboxClients(origins);
  const clientById = new Map(clients.map((c) => [c.clientId, c]));
  const introspectionClients = options.introspectionClients ?? [];
  const corsOrigins = new Set<string>();
  for (const c of clients) {
    for (const r of c.redirectUris) {
      try {
        corsOrigins.add(new URL(r.replace(/\*$/, '')).origin);
      } catch {
        // not a URL: no CORS origin
      }
    }
  }
  const now = () => state.clock();

  /** The origin the request came to (its Host, when that is one of this server's names). */
  function originOf(req: IncomingMessage): string {
    const host = req.headers.host;
    const candidate = host === undefined ? origin : `${configured.protocol}//${host}`;
    return origins.includes(candidate) ? candidate : origin;
  }

  const discovery = (o: string) => ({
    issuer: `${o}${fhirPath}`,
    jwks_uri: `${o}/auth/jwks`,
    authorization_endpoint: `${o}/auth/authorize`,
    token_endpoint: `${o}/auth/token`,
    introspection_endpoint: `${o}/auth/introspect`,
    revocation_endpoint: `${o}/auth/revoke`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'profile',
      'launch',
      'launch/patient',
      'launch/encounter',
      'online_access',
      'offline_access',
      'patient/*.cruds',
      'user/*.cruds',
    ],
    response_types_supported: ['code'],
    id_token_signing_alg_values_supported: ['RS256'],
    capabilities: [
      'launch-ehr',
      'authorize-post',
      'client-public',
      'client-confidential-symmetric',
      'context-ehr-patient',
      'context-ehr-encounter',
      'context-banner',
      'context-style',
      'sso-openid-connect',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'permission-offline',
      'permission-online',
    ],
  });

  /** CORS for the token, introspection and revocation endpoints: the registered apps' origins. */
  function corsHeaders(req: IncomingMessage): Record<string, string> {
    const o = req.headers.origin;
    if (o === undefined || !corsOrigins.has(o)) return {};
    return { 'Access-Control-Allow-Origin': o, Vary: 'Origin' };
  }

  function preflight(res: ServerResponse, headers: Record<string, string>, methods: string): void {
    res.writeHead(204, {
      ...headers,
      'Access-Control-Allow-Methods': methods,
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Max-Age': '600',
    });
    res.end();
  }

  /** The authenticating client: Basic header, client_secret_post, or a public client's client_id. */
  function authenticate(
    req: IncomingMessage,
    form: URLSearchParams,
  ): { client: ClientRegistration } | { error: string; basic: boolean } {
    const auth = req.headers.authorization;
    let id: string | null = form.get('client_id');
    let secret: string | null = form.get('client_secret');
    const basic = auth?.toLowerCase().startsWith('basic ') === true;
    if (basic && auth !== undefined) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { error: 'The Authorization header is not valid Basic credentials.', basic };
      const basicId = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      if (id !== null && id !== basicId) return { error: 'client_id does not match the credentials.', basic };
      id = basicId;
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    }
    if (id === null || id === '') return { error: 'Say which client is asking: send client_id.', basic };
    const client = clientById.get(id);
    if (client === undefined)
      return { error: `The client "${id}" is not registered with this server.`, basic };
    if (client.type === 'confidential-symmetric') {
      if (secret === null || client.secret === undefined || !safeEqual(secret, client.secret)) {
        return { error: 'The client credentials are not valid.', basic };
      }
    }
    return { client };
  }

  function clientError(
    res: ServerResponse,
    req: IncomingMessage,
    err: { error: string; basic: boolean },
  ): void {
    oauthError(res, 'invalid_client', err.error, 401, {
      ...corsHeaders(req),
      ...(err.basic ? { 'WWW-Authenticate': 'Basic realm="sandbox"' } : {}),
    });
  }

  // --- authorize ------------------------------------------------------------------------------

  function authorize(res: ServerResponse, params: URLSearchParams, method: 'GET' | 'POST'): void {
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    const client = clientId === null ? undefined : clientById.get(clientId);
    if (client === undefined) {
      sendHtml(
        res,
        400,
        errorPage(
          'This app is not registered',
          `The app asked to sign in with client_id "${clientId ?? ''}", which this sandbox does not know. Check the app's client_id (the GP app's is "${FITNOTE_PROMPT_CLIENT_ID}") and launch it again from the sandbox EHR.`,
        ),
      );
      return;
    }
    if (redirectUri === null || !redirectAllowed(client, redirectUri)) {
      sendHtml(
        res,
        400,
        errorPage(
          'The app gave a return address this sandbox does not allow',
          `The redirect_uri "${redirectUri ?? ''}" is not registered for ${client.name}. Registered: ${client.redirectUris.join(', ')}. Fix the app's redirect URI and launch it again.`,
        ),
      );
      return;
    }
    const stateParam = params.get('state');
    const back = (query: Record<string, string>): void => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
      if (stateParam !== null) target.searchParams.set('state', stateParam);
      redirect(res, method === 'POST' ? 303 : 302, target.toString());
    };
    const fail = (error: string, description: string): void =>
      back({ error, error_description: description });

    if (stateParam === null || stateParam === '') {
      fail('invalid_request', 'The request has no state: send a fresh, unguessable state with each request.');
      return;
    }
    const responseType = params.get('response_type');
    if (responseType === null) {
      fail('invalid_request', 'The request has no response_type: send response_type=code.');
      return;
    }
    if (responseType !== 'code') {
      fail('unsupported_response_type', `response_type "${responseType}" is not supported: use "code".`);
      return;
    }
    const challenge = params.get('code_challenge');
    const method_ = params.get('code_challenge_method');
    if (challenge === null || method_ === null) {
      fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
      return;
    }
    if (method_ !== 'S256') {
      fail('invalid_request', `code_challenge_method "${method_}" is not supported: use S256.`);
      return;
    }
    if (!CODE_CHALLENGE.test(challenge)) {
      fail('invalid_request', 'code_challenge is not a base64url SHA-256 digest (43 characters).');
      return;
    }
    const audParam = params.get('aud');
    const aud = audParam === null ? undefined : stripSlash(audParam);
    if (aud === undefined || !fhirBases.has(aud)) {
      fail('invalid_request', `aud must be this server's FHIR base URL, ${origin}${fhirPath}.`);
      return;
    }
    const requested = splitScopes(params.get('scope'));
    if (requested.length === 0) {
      fail('invalid_scope', 'The request asks for no scope: send the scopes the app needs.');
      return;
    }
    if (!requested.every(isValidScopeToken)) {
      fail('invalid_scope', 'The scope parameter holds characters a scope may not contain.');
      return;
    }
    const launch = params.get('launch');
    if (launch === null || launch === '') {
      fail(
        'invalid_request',
        'The request has no launch parameter: this sandbox supports EHR launch only, so open the app from the sandbox EHR.',
      );
      return;
    }
    const launchRecord = state.launches.get(launch);
    if (launchRecord === undefined || now() >= launchRecord.expiresAtMs) {
      fail(
        'invalid_request',
        'The launch is unknown or has expired: open the app again from the sandbox EHR.',
      );
      return;
    }
    if (!requested.includes('launch')) {
      fail('invalid_scope', 'An EHR launch must ask for the "launch" scope.');
      return;
    }
    const granted = intersectScopes(requested, client.scopes);
    if (!granted.some((s) => s !== 'launch' && s !== 'openid' && s !== 'fhirUser' && s !== 'profile')) {
      fail('invalid_scope', `None of the requested data scopes may be granted to ${client.name}.`);
      return;
    }
    if (state.simulated === 'access_denied') {
      fail('access_denied', 'The clinician or the EHR refused access (simulated error).');
      return;
    }

    const context = launchRecord.context;
    let fhirUser: string;
    let userName: string | undefined;
    const decision = params.get('decision');
    const clinician = params.get('clinician');
    if (method === 'POST' && decision === 'deny') {
      fail('access_denied', 'The clinician cancelled sign-in.');
      return;
    }
    if (clinician !== null && SANDBOX_CLINICIANS[clinician] !== undefined) {
      fhirUser = `Practitioner/${clinician}`;
      userName = clinicianName(clinician);
    } else if (context.skipLogin === true && clinician === null) {
      fhirUser = context.fhirUser;
      const key = /(?:^|\/)Practitioner\/([^/]+)$/.exec(context.fhirUser)?.[1];
      userName = key === undefined ? undefined : clinicianName(key);
    } else {
      const preselected = /(?:^|\/)Practitioner\/([^/]+)$/.exec(context.fhirUser)?.[1];
      sendHtml(
        res,
        clinician === null ? 200 : 400,
        pickerPage({
          clientName: client.name,
          params: [...params.entries()],
          clinicians: Object.keys(SANDBOX_CLINICIANS).map((key) => ({
            key,
            label: clinicianLabel(key) ?? key,
          })),
          selected: clinician ?? preselected,
          ...(clinician === null
            ? {}
            : { error: 'That clinician is not one of the sandbox users: choose one below.' }),
          action: '/auth/authorize',
        }),
      );
      return;
    }

    const nowMs = now();
    const relativeUser = fhirUser.startsWith(`${aud}/`) ? fhirUser.slice(aud.length + 1) : fhirUser;
    const grant: Grant = {
      clientId: client.clientId,
      scopes: granted,
      context,
      fhirUser,
      sub: relativeUser,
      userName,
      aud,
      authTime: seconds(nowMs),
      revoked: false,
    };
    const code = randomToken();
    state.codes.set(
      code,
      {
        clientId: client.clientId,
        redirectUri,
        codeChallenge: challenge,
        nonce: params.get('nonce') ?? undefined,
        grant,
        used: false,
        expiresAtMs: nowMs + LIFETIME.code * 1000,
      },
      nowMs,
    );
    back({ code });
  }

  // --- token ----------------------------------------------------------------------------------

  function issueTokens(grant: Grant, scopes: string[], nonce: string | undefined): Record<string, unknown> {
    const nowMs = now();
    const iat = seconds(nowMs);
    const finalScopes = state.simulated === 'invalid_scope' ? reduceScopes(scopes) : scopes;
    const lifetime = state.simulated === 'expired_token' ? 0 : LIFETIME.accessToken;
    const accessToken = randomToken();
    state.tokens.set(
      accessToken,
      {
        kind: 'access',
        grant,
        scopes: finalScopes,
        iat,
        revoked: false,
        expiresAtMs: nowMs + lifetime * 1000,
      },
      nowMs,
    );
    const { context } = grant;
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: lifetime,
      scope: finalScopes.join(' '),
    };
    if (
      finalScopes.includes('openid') &&
      (finalScopes.includes('fhirUser') || finalScopes.includes('profile'))
    ) {
      body.id_token = signJwt(
        {
          iss: grant.aud,
          sub: grant.sub,
          aud: grant.clientId,
          iat,
          exp: iat + LIFETIME.idToken,
          auth_time: grant.authTime,
          fhirUser: absoluteFhirUser(grant.fhirUser, grant.aud),
          ...(grant.userName === undefined ? {} : { name: grant.userName }),
          ...(nonce === undefined ? {} : { nonce }),
        },
        signingKey(),
      );
    }
    const refreshLifetime = finalScopes.includes('offline_access')
      ? LIFETIME.offlineRefreshToken
      : finalScopes.includes('online_access')
        ? LIFETIME.onlineRefreshToken
        : undefined;
    if (refreshLifetime !== undefined) {
      const refreshToken = randomToken();
      state.tokens.set(
        refreshToken,
        {
          kind: 'refresh',
          grant,
          scopes: finalScopes,
          iat,
          revoked: false,
          expiresAtMs: nowMs + refreshLifetime * 1000,
        },
        nowMs,
      );
      body.refresh_token = refreshToken;
    }
    body.patient = context.patient;
    if (context.encounter !== undefined) body.encounter = context.encounter;
    body.need_patient_banner = context.needPatientBanner;
    body.smart_style_url = context.smartStyleUrl;
    if (context.fhirContext !== undefined) body.fhirContext = context.fhirContext;
    if (context.intent !== undefined) body.intent = context.intent;
    return body;
  }

  function token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const cors = corsHeaders(req);
    if (state.simulated === 'server_error') {
      oauthError(
        res,
        'server_error',
        'The authorization server failed (simulated error). Try again later.',
        500,
        cors,
      );
      return;
    }
    const grantType = form.get('grant_type');
    if (grantType === null) {
      oauthError(res, 'invalid_request', 'The request has no grant_type.', 400, cors);
      return;
    }
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      oauthError(res, 'unsupported_grant_type', `grant_type "${grantType}" is not supported.`, 400, cors);
      return;
    }
    const auth = authenticate(req, form);
    if ('error' in auth) {
      clientError(res, req, auth);
      return;
    }
    const { client } = auth;

    if (grantType === 'authorization_code') {
      const code = form.get('code');
      const redirectUri = form.get('redirect_uri');
      const verifier = form.get('code_verifier');
      if (code === null || redirectUri === null || verifier === null) {
        oauthError(res, 'invalid_request', 'Send code, redirect_uri and code_verifier.', 400, cors);
        return;
      }
      const record = state.codes.get(code);
      if (record === undefined || now() >= record.expiresAtMs) {
        oauthError(res, 'invalid_grant', 'The authorization code is unknown or has expired.', 400, cors);
        return;
      }
      if (record.clientId !== client.clientId) {
        oauthError(res, 'invalid_grant', 'The authorization code was issued to another client.', 400, cors);
        return;
      }
      if (record.used) {
        // RFC 6749 §4.1.2: a code used twice revokes what it gave.
        record.grant.revoked = true;
        oauthError(res, 'invalid_grant', 'The authorization code has already been used.', 400, cors);
        return;
      }
      record.used = true;
      if (record.redirectUri !== redirectUri) {
        oauthError(res, 'invalid_grant', 'redirect_uri does not match the authorization request.', 400, cors);
        return;
      }
      if (!CODE_VERIFIER.test(verifier)) {
        oauthError(
          res,
          'invalid_request',
          'code_verifier must be 43 to 128 unreserved characters.',
          400,
          cors,
        );
        return;
      }
      if (!safeEqual(s256(verifier), record.codeChallenge)) {
        oauthError(res, 'invalid_grant', 'code_verifier does not match the code_challenge.', 400, cors);
        return;
      }
      sendJson(res, 200, issueTokens(record.grant, record.grant.scopes, record.nonce), cors);
      return;
    }

    const refreshToken = form.get('refresh_token');
    if (refreshToken === null) {
      oauthError(res, 'invalid_request', 'Send refresh_token.', 400, cors);
      return;
    }
    const record = state.tokens.get(refreshToken);
    if (record === undefined || record.kind !== 'refresh' || record.grant.clientId !== client.clientId) {
      oauthError(res, 'invalid_grant', 'The refresh token is not valid.', 400, cors);
      return;
    }
    if (record.revoked) {
      // A rotated refresh token used again: someone else may hold it, so end the whole grant.
      record.grant.revoked = true;
      oauthError(res, 'invalid_grant', 'The refresh token has already been used or was revoked.', 400, cors);
      return;
    }
    if (record.grant.revoked || now() >= record.expiresAtMs) {
      oauthError(res, 'invalid_grant', 'The refresh token has expired or was revoked.', 400, cors);
      return;
    }
    let scopes = record.scopes;
    const asked = form.get('scope');
    if (asked !== null) {
      const narrower = splitScopes(asked);
      if (narrower.length === 0 || !narrower.every((s) => record.scopes.includes(s))) {
        oauthError(res, 'invalid_scope', 'A refresh may only ask for scopes already granted.', 400, cors);
        return;
      }
      scopes = narrower;
    }
    record.revoked = true;
    sendJson(res, 200, issueTokens(record.grant, scopes, undefined), cors);
  }

  // --- introspection and revocation ------------------------------------------------------------

  /** RFC 7662 §2.1: the caller must be a registered introspection client (HTTP Basic). */
  function introspectionCaller(req: IncomingMessage): IntrospectionClient | undefined {
    const auth = req.headers.authorization;
    if (auth === undefined || !/^basic /i.test(auth)) return undefined;
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    let id: string;
    let secret: string;
    try {
      id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      return undefined;
    }
    const client = introspectionClients.find((c) => c.id === id);
    return client !== undefined && safeEqual(secret, client.secret) ? client : undefined;
  }

  function introspect(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const cors = corsHeaders(req);
    if (introspectionCaller(req) === undefined) {
      oauthError(
        res,
        'invalid_client',
        req.headers.authorization === undefined
          ? 'Token introspection is for registered resource servers only: send your introspection client id and secret with HTTP Basic authentication.'
          : 'The introspection client credentials are not valid: check the client id and secret the sandbox gave you.',
        401,
        { ...cors, 'WWW-Authenticate': 'Basic realm="sandbox token introspection", charset="UTF-8"' },
      );
      return;
    }
    const tokenParam = form.get('token');
    if (tokenParam === null || tokenParam === '') {
      oauthError(res, 'invalid_request', 'Send the token to introspect.', 400, cors);
      return;
    }
    const record = liveToken(tokenParam);
    if (record === undefined) {
      sendJson(res, 200, { active: false }, cors);
      return;
    }
    const { grant } = record;
    const { context } = grant;
    const body: Record<string, unknown> = {
      active: true,
      scope: record.scopes.join(' '),
      client_id: grant.clientId,
      exp: seconds(record.expiresAtMs),
      iat: record.iat,
      iss: grant.aud,
      aud: grant.aud,
      sub: grant.sub,
      fhirUser: absoluteFhirUser(grant.fhirUser, grant.aud),
      patient: context.patient,
    };
    if (record.kind === 'access') body.token_type = 'Bearer';
    if (context.encounter !== undefined) body.encounter = context.encounter;
    body.need_patient_banner = context.needPatientBanner;
    body.smart_style_url = context.smartStyleUrl;
    if (context.fhirContext !== undefined) body.fhirContext = context.fhirContext;
    if (context.intent !== undefined) body.intent = context.intent;
    sendJson(res, 200, body, cors);
  }

  function revoke(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const cors = corsHeaders(req);
    const tokenParam = form.get('token');
    if (tokenParam === null || tokenParam === '') {
      oauthError(res, 'invalid_request', 'Send the token to revoke.', 400, cors);
      return;
    }
    const auth = authenticate(req, form);
    if ('error' in auth) {
      clientError(res, req, auth);
      return;
    }
    const record = state.tokens.get(tokenParam);
    if (record !== undefined) {
      if (record.grant.clientId !== auth.client.clientId) {
        oauthError(res, 'unauthorized_client', 'The token was issued to another client.', 400, cors);
        return;
      }
      // Revoking a refresh token ends the grant (and its access tokens); an access token only itself.
      if (record.kind === 'refresh') record.grant.revoked = true;
      record.revoked = true;
    }
    // RFC 7009 §2.2: 200 whether or not the token was known.
    res.writeHead(200, { ...NO_STORE, ...cors });
    res.end();
  }

  // --- routing --------------------------------------------------------------------------------

  const methodNotAllowed = (res: ServerResponse, allow: string): void => {
    res.writeHead(405, { Allow: allow, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: `Use ${allow}.` }));
  };

  async function formBody(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | undefined> {
    if (!isForm(req)) {
      oauthError(
        res,
        'invalid_request',
        'Send the parameters as application/x-www-form-urlencoded.',
        400,
        corsHeaders(req),
      );
      return undefined;
    }
    return new URLSearchParams(await readBody(req));
  }

  async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    try {
      return JSON.parse(await readBody(req)) as unknown;
    } catch (e) {
      if (e instanceof BodyTooLarge) throw e;
      oauthError(res, 'invalid_request', 'The body is not JSON.');
      return undefined;
    }
  }

  const wellKnown = `${fhirPath}/.well-known/smart-configuration`;
  const tokenPaths = new Set(['/auth/token', '/auth/introspect', '/auth/revoke']);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === wellKnown) {
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (method === 'OPTIONS') preflight(res, cors, 'GET');
      else if (method === 'GET' || method === 'HEAD') {
        send(res, 200, JSON.stringify(discovery(originOf(req))), 'application/json; charset=utf-8', cors);
      } else methodNotAllowed(res, 'GET');
      return true;
    }
    if (!path.startsWith('/auth/')) return false;
    if (tokenPaths.has(path)) {
      if (method === 'OPTIONS') preflight(res, corsHeaders(req), 'POST');
      else if (method !== 'POST') methodNotAllowed(res, 'POST');
      else {
        const form = await formBody(req, res);
        if (form === undefined) return true;
        if (path === '/auth/token') token(req, res, form);
        else if (path === '/auth/introspect') introspect(req, res, form);
        else revoke(req, res, form);
      }
      return true;
    }
    switch (path) {
      case '/auth/authorize':
        if (method === 'GET') authorize(res, url.searchParams, 'GET');
        else if (method === 'POST') {
          if (!isForm(req)) {
            sendHtml(
              res,
              400,
              errorPage('Unreadable sign-in request', 'Send the form as application/x-www-form-urlencoded.'),
            );
          } else authorize(res, new URLSearchParams(await readBody(req)), 'POST');
        } else methodNotAllowed(res, 'GET, POST');
        return true;
      case '/auth/jwks':
        if (method === 'OPTIONS') preflight(res, { 'Access-Control-Allow-Origin': '*' }, 'GET');
        else if (method !== 'GET') methodNotAllowed(res, 'GET');
        else {
          send(res, 200, JSON.stringify({ keys: [publicJwk()] }), 'application/json; charset=utf-8', {
            'Access-Control-Allow-Origin': '*',
          });
        }
        return true;
      case '/auth/simulate': {
        if (method === 'GET') {
          sendJson(res, 200, { error: state.simulated ?? null });
          return true;
        }
        if (method !== 'POST') {
          methodNotAllowed(res, 'GET, POST');
          return true;
        }
        const body = await jsonBody(req, res);
        if (body === undefined) return true;
        const parsed = simulateSchema.safeParse(body);
        if (!parsed.success) {
          oauthError(
            res,
            'invalid_request',
            `Send {"error": one of ${SIMULATED_ERRORS.map((e) => `"${e}"`).join(', ')}, or null}.`,
          );
          return true;
        }
        setSimulatedError(parsed.data.error ?? undefined);
        sendJson(res, 200, { error: state.simulated ?? null });
        return true;
      }
      case '/auth/launch': {
        if (method !== 'POST') {
          methodNotAllowed(res, 'POST');
          return true;
        }
        const body = await jsonBody(req, res);
        if (body === undefined) return true;
        const parsed = launchSchema.safeParse(body);
        if (!parsed.success) {
          oauthError(
            res,
            'invalid_request',
            'Send the launch context as JSON: patient, fhirUser, needPatientBanner and smartStyleUrl are required.',
          );
          return true;
        }
        const launch = createLaunch(parsed.data as LaunchInput);
        sendJson(res, 201, { launch, iss: `${originOf(req)}${fhirPath}`, expires_in: LIFETIME.launch });
        return true;
      }
      default:
        return false;
    }
  }

  return async (req, res, url) => {
    try {
      return await route(req, res, url);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      if (e instanceof BodyTooLarge) {
        oauthError(res, 'invalid_request', 'The request body is too large.', 413);
        return true;
      }
      oauthError(res, 'server_error', 'The authorization server failed unexpectedly. Try again.', 500);
      return true;
    }
  };
}
