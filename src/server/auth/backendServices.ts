/**
 * Who may call the hub's FHIR API for providers' systems (routes/providerFhir.ts): a provider's own
 * system, by SMART Backend Services (SMART App Launch 2.2 "Backend Services"; RFC 7523 client
 * assertions; RFC 6749 errors).
 *
 * Registrations (HUB_PROVIDER_CLIENTS, or BuildHubOptions.providerClients):
 *   { "clients": [ { "clientId": "…", "providerId": "<directory provider id>", "jwksUrl": "https://…" }
 *                | { "clientId": "…", "providerId": "…", "jwks": { "keys": [ … ] } } ] }
 * A broken file stops the hub at start with a message naming the file and the entry.
 *
 * `POST /auth/token` (form-encoded): grant_type=client_credentials,
 * client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion (a
 * JWT signed RS384/ES384, or RS256/ES256, with a key in the client's registered key set; iss = sub =
 * client id; aud = `${publicUrl}/auth/token`; exp in the future and at most 5 minutes away; a jti not
 * used before within its lifetime), scope. Grants the requested scopes that providers may have
 * (system/Task read, search, update; system/ServiceRequest read, search; SMART v2 `.rs`/`.u` and v1
 * `.read`/`.write`/`.*` forms). Answers { access_token, token_type: "bearer", expires_in: 300, scope }.
 *
 * Access tokens are JWTs signed by a key the hub makes at start (a restart invalidates them: clients
 * simply ask for a new one), carrying client_id, the provider id (fitnote_provider) and the scope.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
import { z } from 'zod';
import { HubError } from '../errors.js';
import type { RouteDeps } from '../routes/deps.js';
import { headerSafe } from './smartToken.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256'] as const;
export const ACCESS_TOKEN_SECONDS = 300;
const MAX_ASSERTION_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 30;

/** What providers' systems may do, by resource type (SMART v2 permission letters). */
export const PROVIDER_PERMISSIONS: Record<string, string> = { Task: 'rsu', ServiceRequest: 'rs' };
export const SCOPES_SUPPORTED = [
  'system/Task.rs',
  'system/Task.u',
  'system/Task.rus',
  'system/ServiceRequest.rs',
  'system/Task.read',
  'system/Task.write',
  'system/ServiceRequest.read',
];

// ---------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------

export interface ProviderClient {
  clientId: string;
  /** The provider's id in the practices' directories: the token may act for this provider only. */
  providerId: string;
  /** Where the client publishes its public keys … */
  jwksUrl?: string;
  /** … or the keys themselves. */
  jwks?: JSONWebKeySet;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9\-._:]{0,127}$/;
const ClientSchema = z
  .strictObject({
    clientId: z.string().regex(ID, 'must be letters, digits, - . _ or : (at most 128 characters)'),
    providerId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a provider id from the directory'),
    jwksUrl: z.optional(
      z
        .string()
        .refine((u) => /^https?:\/\/[^\s]+$/.test(u), 'must be a web address starting https:// or http://'),
    ),
    jwks: z.optional(
      z.object({
        keys: z
          .array(z.looseObject({ kty: z.string() }), 'must be a list of public keys (JWK)')
          .min(1, 'must hold at least one key'),
      }),
    ),
  })
  .refine((c) => (c.jwksUrl === undefined) !== (c.jwks === undefined), {
    message: 'give either jwksUrl or jwks (exactly one)',
  });
const FileSchema = z.strictObject({ clients: z.array(ClientSchema) });

/**
 * Checks a registrations document; throws an Error in plain English naming `source` (the file) and
 * each broken entry.
 */
export function parseProviderClients(json: unknown, source: string): ProviderClient[] {
  const result = FileSchema.safeParse(json);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [top, index, ...rest] = issue.path;
      let where = issue.path.map(String).join('.') || 'the document';
      if (top === 'clients' && typeof index === 'number') {
        const entry = (json as { clients?: Array<{ clientId?: unknown }> }).clients?.[index];
        const name = typeof entry?.clientId === 'string' ? ` (clientId "${entry.clientId}")` : '';
        where = `client ${index + 1}${name}${rest.length > 0 ? `: ${rest.map(String).join('.')}` : ''}`;
      }
      const message =
        issue.path.length === 0
          ? 'must be a JSON object with a list of clients'
          : issue.code === 'unrecognized_keys'
            ? `has unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
            : issue.message;
      problems.push(`${where}: ${message}.`);
    }
  } else {
    const seen = new Set<string>();
    result.data.clients.forEach((c, i) => {
      if (seen.has(c.clientId))
        problems.push(`client ${i + 1}: clientId "${c.clientId}" is registered twice.`);
      seen.add(c.clientId);
    });
  }
  if (problems.length > 0) {
    throw new Error(
      `The provider-system registrations in ${source} cannot be used: ${problems.join(' ')} Expected {"clients": [{"clientId", "providerId", "jwksUrl" or "jwks"}]}.`,
    );
  }
  return (result.data as z.infer<typeof FileSchema>).clients.map((c) => ({
    clientId: c.clientId,
    providerId: c.providerId,
    ...(c.jwksUrl !== undefined ? { jwksUrl: c.jwksUrl } : {}),
    ...(c.jwks !== undefined ? { jwks: c.jwks as JSONWebKeySet } : {}),
  }));
}

/** Reads and checks HUB_PROVIDER_CLIENTS (throws naming the file). */
export async function loadProviderClients(file: string): Promise<ProviderClient[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `HUB_PROVIDER_CLIENTS is "${file}", but it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Create it, or unset HUB_PROVIDER_CLIENTS.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} (HUB_PROVIDER_CLIENTS) is not valid JSON: ${(error as Error).message}.`);
  }
  return parseProviderClients(json, file);
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

const V1 = { read: 'rs', write: 'cud', '*': 'cruds' } as const;
const SCOPE = /^system\/([A-Za-z]+|\*)\.(read|write|\*|[cruds]+)$/;

/** The (resource, permission letter) pairs a scope string names. */
export function scopePermissions(scope: string): Set<string> {
  const out = new Set<string>();
  for (const token of scope.split(/\s+/)) {
    const m = SCOPE.exec(token);
    if (m === null) continue;
    const resources = m[1] === '*' ? Object.keys(PROVIDER_PERMISSIONS) : [m[1] as string];
    const letters = V1[m[2] as keyof typeof V1] ?? (m[2] as string);
    for (const r of resources) for (const l of letters) out.add(`${r}.${l}`);
  }
  return out;
}

/** The scopes granted for `requested`: each token kept as asked when wholly allowed, narrowed otherwise. */
export function grantScopes(requested: string): string {
  const granted: string[] = [];
  for (const token of requested.split(/\s+/).filter((t) => t !== '')) {
    const asked = scopePermissions(token);
    if (asked.size === 0) continue;
    const allowed = [...asked].filter((p) => {
      const [resource, letter] = p.split('.') as [string, string];
      return (PROVIDER_PERMISSIONS[resource] ?? '').includes(letter);
    });
    if (allowed.length === asked.size) {
      granted.push(token);
      continue;
    }
    const byResource = new Map<string, string>();
    for (const p of allowed) {
      const [resource, letter] = p.split('.') as [string, string];
      byResource.set(resource, (byResource.get(resource) ?? '') + letter);
    }
    for (const [resource, letters] of byResource) {
      granted.push(`system/${resource}.${[...'cruds'].filter((l) => letters.includes(l)).join('')}`);
    }
  }
  return [...new Set(granted)].join(' ');
}

// ---------------------------------------------------------------------------------------------
// Token endpoint and access tokens
// ---------------------------------------------------------------------------------------------

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unsupported_grant_type';

/** An RFC 6749 §5.2 error answer (JSON, not an OperationOutcome). */
export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** The client the assertion named, for the audit of refusals. */
    readonly clientId?: string,
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = error === 'invalid_client' ? 401 : 400;
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/** A provider's system, once its access token is checked. */
export interface ProviderSystemContext {
  clientId: string;
  providerId: string;
  scope: string;
}

export interface BackendServicesOptions {
  clients: readonly ProviderClient[];
  /** For fetching clients' key sets. */
  fetch?: typeof fetch;
  /** Time limit for fetching a key set (ms). Default 5 000. */
  timeoutMs?: number;
  /** Clock in ms (default Date.now): assertion and token times. */
  now?: () => number;
}

const REALM = 'fitnote-prompt hub provider API';
type KeySet = ReturnType<typeof createLocalJWKSet>;

export class BackendServices {
  private readonly clients: Map<string, ProviderClient>;
  private readonly keySets = new Map<string, KeySet>();
  /** jti → when it may be forgotten (s), per client. */
  private readonly usedJtis = new Map<string, number>();
  private signingKey: Promise<Awaited<ReturnType<typeof generateKeyPair>>> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BackendServicesOptions) {
    this.clients = new Map(options.clients.map((c) => [c.clientId, c]));
    this.now = options.now ?? Date.now;
  }

  get registered(): number {
    return this.clients.size;
  }

  private keys(): Promise<Awaited<ReturnType<typeof generateKeyPair>>> {
    this.signingKey ??= generateKeyPair('ES256');
    return this.signingKey;
  }

  private keySetOf(client: ProviderClient): KeySet {
    let set = this.keySets.get(client.clientId);
    if (set === undefined) {
      set =
        client.jwks !== undefined
          ? createLocalJWKSet(client.jwks)
          : (createRemoteJWKSet(new URL(client.jwksUrl as string), {
              timeoutDuration: this.options.timeoutMs ?? 5_000,
              ...(this.options.fetch ? { [customFetch]: this.options.fetch } : {}),
            }) as unknown as KeySet);
      this.keySets.set(client.clientId, set);
    }
    return set;
  }

  /**
   * Handles a token request's form parameters for the token endpoint at `tokenUrl`; throws OAuthError.
   * `hubUrl` names the hub as the access tokens' issuer.
   */
  async token(form: Record<string, string>, tokenUrl: string, hubUrl: string): Promise<TokenResponse> {
    if (form.grant_type === undefined)
      throw new OAuthError('invalid_request', 'grant_type is missing: send grant_type=client_credentials.');
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthError(
        'unsupported_grant_type',
        `The hub issues tokens to providers' systems with grant_type=client_credentials only, not "${form.grant_type}".`,
      );
    }
    if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE || form.client_assertion === undefined) {
      throw new OAuthError(
        'invalid_client',
        `Authenticate with a signed JWT: send client_assertion_type=${CLIENT_ASSERTION_TYPE} and client_assertion (SMART Backend Services).`,
      );
    }
    const client = await this.checkAssertion(form.client_assertion, tokenUrl);
    if (form.scope === undefined || form.scope.trim() === '') {
      throw new OAuthError(
        'invalid_scope',
        'scope is missing: ask for the scopes your system needs, e.g. "system/Task.rs system/Task.u system/ServiceRequest.rs".',
        client.clientId,
      );
    }
    const scope = grantScopes(form.scope.trim());
    if (scope === '') {
      throw new OAuthError(
        'invalid_scope',
        `None of the scopes asked for ("${form.scope.trim().slice(0, 200)}") can be granted. Providers' systems may have ${SCOPES_SUPPORTED.join(', ')}.`,
        client.clientId,
      );
    }
    const { privateKey } = await this.keys();
    const nowSeconds = Math.floor(this.now() / 1000);
    const accessToken = await new SignJWT({
      client_id: client.clientId,
      fitnote_provider: client.providerId,
      scope,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(hubUrl)
      .setAudience(`${hubUrl}/fhir`)
      .setSubject(client.clientId)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ACCESS_TOKEN_SECONDS)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    return { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_TOKEN_SECONDS, scope };
  }

  /** Verifies a client assertion (RFC 7523 §3) and returns the registered client. */
  private async checkAssertion(assertion: string, tokenUrl: string): Promise<ProviderClient> {
    let claims: JWTPayload;
    let alg: string | undefined;
    try {
      claims = decodeJwt(assertion);
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      throw new OAuthError(
        'invalid_client',
        'client_assertion is not a JWT: send a signed JWT (header.payload.signature).',
      );
    }
    const clientId = typeof claims.iss === 'string' ? claims.iss : undefined;
    if (clientId === undefined || claims.sub !== clientId) {
      throw new OAuthError(
        'invalid_client',
        'The client assertion must carry your client id as both iss and sub.',
        clientId,
      );
    }
    const client = this.clients.get(clientId);
    if (client === undefined) {
      throw new OAuthError(
        'invalid_client',
        `The hub has no provider system registered with client id "${clientId.slice(0, 128)}". Ask the hub's administrator to register it (HUB_PROVIDER_CLIENTS).`,
        clientId,
      );
    }
    if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(alg ?? '')) {
      throw new OAuthError(
        'invalid_client',
        `The client assertion is signed with ${alg ?? 'no algorithm'}; sign it with RS384 or ES384 (RS256 and ES256 are also accepted).`,
        clientId,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keySetOf(client), {
        issuer: clientId,
        subject: clientId,
        audience: tokenUrl,
        algorithms: [...ASSERTION_ALGORITHMS],
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw new OAuthError('invalid_client', assertionProblem(error, client, tokenUrl), clientId);
    }
    const nowSeconds = Math.floor(this.now() / 1000);
    const exp = payload.exp as number;
    if (exp - nowSeconds > MAX_ASSERTION_SECONDS + CLOCK_SKEW_SECONDS) {
      throw new OAuthError(
        'invalid_client',
        'The client assertion’s exp is more than five minutes away: make assertions that expire within five minutes.',
        clientId,
      );
    }
    const jti = `${clientId}\u0000${String(payload.jti)}`;
    for (const [key, until] of this.usedJtis) if (until < nowSeconds) this.usedJtis.delete(key);
    if (this.usedJtis.has(jti)) {
      throw new OAuthError(
        'invalid_client',
        'This client assertion was used already (same jti): make a new assertion, with a new jti, for every token request.',
        clientId,
      );
    }
    this.usedJtis.set(jti, exp + CLOCK_SKEW_SECONDS);
    return client;
  }

  /** Checks a provider system's bearer token (401 when missing or not valid here). */
  async authenticate(
    headers: Record<string, string | string[] | undefined>,
    hubUrl: string,
  ): Promise<ProviderSystemContext> {
    const header = headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value === undefined ? null : /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(value.trim());
    if (match === null) {
      throw unauthorised(
        `The request had no access token. Get one from ${hubUrl}/auth/token (SMART Backend Services) and send it as "Authorization: Bearer <token>".`,
        true,
      );
    }
    const { publicKey } = await this.keys();
    try {
      const { payload } = await jwtVerify(match[1] as string, publicKey, {
        issuer: hubUrl,
        audience: `${hubUrl}/fhir`,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        currentDate: new Date(this.now()),
      });
      const { client_id: clientId, fitnote_provider: providerId, scope } = payload;
      if (typeof clientId !== 'string' || typeof providerId !== 'string' || typeof scope !== 'string')
        throw new Error('claims missing');
      return { clientId, providerId, scope };
    } catch (error) {
      throw unauthorised(
        error instanceof joseErrors.JWTExpired
          ? `The access token has expired. Get a new one from ${hubUrl}/auth/token.`
          : `The access token is not one this hub issued, or it was issued before the hub restarted. Get a new one from ${hubUrl}/auth/token.`,
      );
    }
  }
}

function unauthorised(text: string, missing = false): HubError {
  return new HubError(
    401,
    { code: 'login', text },
    {
      'WWW-Authenticate': missing
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token", error_description="${headerSafe(text)}"`,
    },
  );
}

/** Plain English for a failed assertion verification. */
function assertionProblem(error: unknown, client: ProviderClient, tokenUrl: string): string {
  const e = error as { code?: string; claim?: string; message?: string };
  if (error instanceof joseErrors.JWTExpired)
    return 'The client assertion has expired (exp is in the past): make a new one for each token request.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return `The client assertion’s aud must be the token endpoint, ${tokenUrl}.`;
    if (e.claim === 'jti' || e.claim === 'exp')
      return `The client assertion needs a ${e.claim} claim (${e.claim === 'jti' ? 'a new unique id for each assertion' : 'an expiry at most five minutes away'}).`;
    if (e.claim === 'nbf' || e.claim === 'iat')
      return `The client assertion’s ${e.claim} is in the future: check your system's clock.`;
    return `The client assertion’s ${e.claim ?? 'claims'} cannot be accepted (${e.message ?? 'claim check failed'}).`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return `No key in your registered key set${client.jwksUrl ? ` (${client.jwksUrl})` : ''} matches the client assertion’s kid and algorithm: publish the signing key there, or sign with a key that is.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'The client assertion’s signature does not verify with your registered key: sign it with the private key whose public key you registered.';
  if (error instanceof joseErrors.JWKSTimeout)
    return `The hub could not fetch your key set from ${client.jwksUrl} in time, so it cannot check the assertion. Make sure it is reachable, then try again.`;
  if (
    client.jwksUrl !== undefined &&
    (!(error instanceof joseErrors.JOSEError) ||
      e.code === 'ERR_JOSE_GENERIC' ||
      e.code === 'ERR_JWKS_INVALID')
  ) {
    return `The hub could not fetch your key set from ${client.jwksUrl} (${e.message ?? 'no answer'}), so it cannot check the assertion. Make sure it is reachable and answers a JWK Set, then try again.`;
  }
  return `The client assertion cannot be verified (${e.message ?? 'unknown problem'}).`;
}

/** 403 unless the token's scope allows `letter` (r read, s search, u update) on `resource`. */
export function requireSystemScope(
  context: ProviderSystemContext,
  resource: string,
  letter: 'r' | 's' | 'u',
): void {
  if (scopePermissions(context.scope).has(`${resource}.${letter}`)) return;
  const words = { r: 'read', s: 'search', u: 'update' }[letter];
  const scope = letter === 'u' ? `system/${resource}.u` : `system/${resource}.rs`;
  throw new HubError(
    403,
    {
      code: 'forbidden',
      text: `Your access token does not allow you to ${words} ${resource} resources: ask for ${scope} when you get a token.`,
    },
    {
      'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Routes: POST /auth/token, GET /fhir/.well-known/smart-configuration
// ---------------------------------------------------------------------------------------------

const FORM_LIMIT = 64 * 1024;

/** Reads an application/x-www-form-urlencoded body; a parameter given twice is an error (RFC 6749 §3.2). */
function readForm(body: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(form, key))
      throw new OAuthError('invalid_request', `The parameter ${key} is given more than once: send it once.`);
    form[key] = value;
  }
  return form;
}

export function registerBackendServicesRoutes(
  app: FastifyInstance,
  deps: Pick<RouteDeps, 'publicUrl' | 'store' | 'now'>,
  backend: BackendServices,
  onError: (error: unknown, request: { method: string; url: string }) => void,
): void {
  app.get('/fhir/.well-known/smart-configuration', async (_request, reply) => {
    const hub = deps.publicUrl();
    return reply.header('Cache-Control', 'public, max-age=300').send({
      token_endpoint: `${hub}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      scopes_supported: SCOPES_SUPPORTED,
      capabilities: ['client-confidential-asymmetric'],
    });
  });

  // The token endpoint takes form-encoded bodies; the parser is scoped to it.
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_request, body, done) => done(null, body),
    );
    scope.post('/auth/token', async (request, reply) => {
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
      const hub = deps.publicUrl();
      try {
        const type = request.headers['content-type'] ?? '';
        if (!/^application\/x-www-form-urlencoded\b/i.test(type) || typeof request.body !== 'string') {
          throw new OAuthError(
            'invalid_request',
            'Send the token request as a form: Content-Type application/x-www-form-urlencoded.',
          );
        }
        const answer = await backend.token(readForm(request.body), `${hub}/auth/token`, hub);
        return reply.code(200).type('application/json').send(answer);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        if (error.status === 401) {
          await deps.store
            .appendAudit({
              action: 'access-refused',
              outcome: '4',
              agent: error.clientId === undefined ? 'unknown' : `client:${error.clientId.slice(0, 128)}`,
              at: deps.now(),
              detail: { text: error.description, status: 401, method: 'POST', path: '/auth/token' },
            })
            .catch((e: unknown) => onError(e, request));
          reply.header('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_client"`);
        }
        return reply
          .code(error.status)
          .type('application/json')
          .send({ error: error.error, error_description: error.description });
      }
    });
  });
}
