/**
 * SMART Backend Services at the hub: registrations, scopes, and the token endpoint over real HTTP with
 * real jose keys (inline key sets and one served by a local server), including every refusal.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { buildHub } from '../app.js';
import { examplesConfigSource } from '../config/files.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { caller } from '../testSupport.js';
import {
  CLIENT_ASSERTION_TYPE,
  grantScopes,
  parseProviderClients,
  scopePermissions,
} from './backendServices.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function keyFor(alg: string, kid: string): Promise<{ privateKey: Key; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
let jwksServer: Server;
let jwksUrl = '';
const hub = caller(() => hubUrl);
const keys: Record<string, { privateKey: Key; jwk: JWK }> = {};

beforeAll(async () => {
  keys.rs384 = await keyFor('RS384', 'rs384-1');
  keys.es384 = await keyFor('ES384', 'es384-1');
  keys.rs256 = await keyFor('RS256', 'rs256-1');
  keys.other = await keyFor('ES384', 'es384-1'); // same kid, a key nobody registered
  keys.ps384 = await keyFor('PS384', 'ps384-1');
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [keys.es384?.jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: { ehrBases: ['http://127.0.0.1:9/fhir'], corsOrigins: [], validateProfiles: false },
    configSource: examplesConfigSource(),
    providerClients: [
      {
        clientId: 'oh-system',
        providerId: 'local-oh-service',
        jwks: { keys: [keys.rs384?.jwk as JWK, keys.rs256?.jwk as JWK, keys.ps384?.jwk as JWK] },
      },
      { clientId: 'physio-system', providerId: 'msk-physio-fast-track', jwksUrl },
      {
        clientId: 'down-system',
        providerId: 'case-managed-support',
        jwksUrl: 'http://127.0.0.1:9/jwks.json',
      },
    ],
    onError: (error) => {
      throw error;
    },
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app.close();
  await store.close();
  await new Promise((r) => jwksServer.close(r));
});

interface AssertionOptions {
  client?: string;
  key?: keyof typeof keys;
  alg?: string;
  aud?: string;
  iss?: string;
  expIn?: number;
  jti?: string | null;
}

let jtiCounter = 0;
async function assertion(o: AssertionOptions = {}): Promise<string> {
  const key = keys[o.key ?? 'rs384'] as { privateKey: Key; jwk: JWK };
  const client = o.client ?? 'oh-system';
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: o.alg ?? (key.jwk.alg as string), kid: key.jwk.kid as string, typ: 'JWT' })
    .setIssuer(o.iss ?? client)
    .setSubject(client)
    .setAudience(o.aud ?? `${hubUrl}/auth/token`)
    .setExpirationTime(now + (o.expIn ?? 240));
  if (o.jti !== null) jwt.setJti(o.jti ?? `jti-${++jtiCounter}-${Math.random()}`);
  return jwt.sign(key.privateKey);
}

async function tokenRequest(form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  const res = await hub({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': contentType },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, unknown> };
}

const form = async (
  o: AssertionOptions = {},
  scope = 'system/Task.rs system/Task.u system/ServiceRequest.rs',
) => ({
  grant_type: 'client_credentials',
  client_assertion_type: CLIENT_ASSERTION_TYPE,
  client_assertion: await assertion(o),
  scope,
});

describe('registrations file', () => {
  const ok = { clientId: 'a', providerId: 'local-oh-service', jwksUrl: 'https://a.example/jwks.json' };
  it('accepts a key set by address or inline', () => {
    expect(
      parseProviderClients(
        { clients: [ok, { clientId: 'b', providerId: 'x', jwks: { keys: [{ kty: 'EC' }] } }] },
        'clients.json',
      ),
    ).toHaveLength(2);
  });

  it.each<[string, unknown, RegExp]>([
    ['not a document of clients', [], /clients\.json cannot be used: the document: must be a JSON object/],
    [
      'neither key set',
      { clients: [{ clientId: 'a', providerId: 'p' }] },
      /client 1 \(clientId "a"\).*exactly one/,
    ],
    ['both key sets', { clients: [{ ...ok, jwks: { keys: [{ kty: 'EC' }] } }] }, /exactly one/],
    [
      'a bad provider id',
      { clients: [ok, { ...ok, clientId: 'b', providerId: 'no spaces' }] },
      /client 2 \(clientId "b"\): providerId/,
    ],
    [
      'a key set address that is not one',
      { clients: [{ ...ok, jwksUrl: 'ftp://x' }] },
      /jwksUrl: must be a web address/,
    ],
    ['an unknown key', { clients: [{ ...ok, secret: 'x' }] }, /unknown key "secret"/],
    ['the same client twice', { clients: [ok, ok] }, /clientId "a" is registered twice/],
    [
      'an empty key set',
      { clients: [{ clientId: 'a', providerId: 'p', jwks: { keys: [] } }] },
      /at least one key/,
    ],
  ])('refuses %s, naming the file and entry', (_label, json, message) => {
    expect(() => parseProviderClients(json, 'clients.json')).toThrow(message);
    expect(() => parseProviderClients(json, 'clients.json')).toThrow(/clients\.json/);
  });
});

describe('scopes', () => {
  it.each([
    [
      'system/Task.rs system/Task.u system/ServiceRequest.rs',
      'system/Task.rs system/Task.u system/ServiceRequest.rs',
    ],
    ['system/Task.read system/Task.write', 'system/Task.read system/Task.u'],
    ['system/Task.cruds', 'system/Task.rus'],
    ['system/*.read', 'system/*.read'],
    ['system/ServiceRequest.*', 'system/ServiceRequest.rs'],
    ['system/Patient.rs launch openid', ''],
    ['patient/Task.rs', ''],
  ])('%s → %s', (asked, granted) => {
    expect(grantScopes(asked)).toBe(granted);
  });

  it('reads v1 and v2 forms as permissions', () => {
    expect([...scopePermissions('system/Task.read system/ServiceRequest.s')].sort()).toEqual([
      'ServiceRequest.s',
      'Task.r',
      'Task.s',
    ]);
  });
});

describe('GET /fhir/.well-known/smart-configuration', () => {
  it('describes the token endpoint for Backend Services', async () => {
    const res = await hub({ url: '/fhir/.well-known/smart-configuration' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      token_endpoint: `${hubUrl}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['RS384', 'ES384']),
      capabilities: ['client-confidential-asymmetric'],
    });
  });
});

describe('POST /auth/token', () => {
  it.each<[string, AssertionOptions]>([
    ['RS384, inline key set', { key: 'rs384' }],
    ['RS256, inline key set', { key: 'rs256' }],
    ['ES384, key set served at jwksUrl', { key: 'es384', client: 'physio-system' }],
  ])('issues a token: %s', async (_label, options) => {
    const res = await tokenRequest(await form(options));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 300,
      scope: 'system/Task.rs system/Task.u system/ServiceRequest.rs',
    });
    const token = res.body.access_token as string;
    const list = await hub({ url: '/fhir/Task', headers: { authorization: `Bearer ${token}` } });
    expect(list.statusCode).toBe(200);
  });

  it('grants only what providers may have', async () => {
    const res = await tokenRequest(await form({}, 'system/Task.cruds system/Patient.rs'));
    expect(res.body.scope).toBe('system/Task.rus');
  });

  const refusals: Array<[string, () => Promise<Record<string, string>>, number, string, RegExp]> = [
    [
      'a wrong algorithm (PS384)',
      async () => form({ key: 'ps384' }),
      401,
      'invalid_client',
      /signed with PS384.*RS384 or ES384/,
    ],
    [
      'a wrong audience',
      async () => form({ aud: 'https://elsewhere.example/token' }),
      401,
      'invalid_client',
      /aud must be the token endpoint/,
    ],
    ['an expired assertion', async () => form({ expIn: -120 }), 401, 'invalid_client', /expired/],
    [
      'an exp more than five minutes away',
      async () => form({ expIn: 3600 }),
      401,
      'invalid_client',
      /five minutes/,
    ],
    ['no jti', async () => form({ jti: null }), 401, 'invalid_client', /jti/],
    [
      'an unknown client',
      async () => form({ client: 'stranger' }),
      401,
      'invalid_client',
      /no provider system registered with client id "stranger"/,
    ],
    [
      'iss different from sub',
      async () => form({ iss: 'someone-else' }),
      401,
      'invalid_client',
      /both iss and sub/,
    ],
    [
      'a key not in the key set',
      async () => form({ key: 'other', client: 'physio-system' }),
      401,
      'invalid_client',
      /signature does not verify|No key in your registered key set/,
    ],
    [
      'a key set address that is down',
      async () => form({ key: 'es384', client: 'down-system' }),
      401,
      'invalid_client',
      /could not fetch your key set from http:\/\/127\.0\.0\.1:9\/jwks\.json/,
    ],
    [
      'a scope providers may not have',
      async () => form({}, 'system/Patient.rs'),
      400,
      'invalid_scope',
      /None of the scopes/,
    ],
    ['no scope', async () => ({ ...(await form()), scope: '' }), 400, 'invalid_scope', /scope is missing/],
    [
      'another grant type',
      async () => ({ ...(await form()), grant_type: 'authorization_code' }),
      400,
      'unsupported_grant_type',
      /client_credentials only/,
    ],
    [
      'no client assertion type',
      async () => ({ ...(await form()), client_assertion_type: '' }),
      401,
      'invalid_client',
      /signed JWT/,
    ],
    [
      'an assertion that is not a JWT',
      async () => ({ ...(await form()), client_assertion: 'abc' }),
      401,
      'invalid_client',
      /not a JWT/,
    ],
  ];

  it.each(refusals)('refuses %s', async (_label, make, status, error, description) => {
    const res = await tokenRequest(await make());
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(description);
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('refuses a replayed assertion (same jti), and audits the refusal', async () => {
    const f = await form({ jti: 'replay-me' });
    expect((await tokenRequest(f)).status).toBe(200);
    const again = await tokenRequest({ ...f, client_assertion: await assertion({ jti: 'replay-me' }) });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/used already/),
    });
    const audit = await store.listAudit({ action: 'access-refused' });
    expect(
      audit.some((a) => a.agent === 'client:oh-system' && /used already/.test(String(a.detail?.text))),
    ).toBe(true);
  });

  it.each([
    ['JSON', 'application/json', 400, 'invalid_request'],
    ['a parameter given twice', 'application/x-www-form-urlencoded', 400, 'invalid_request'],
  ])('refuses %s as a body', async (label, type, status, error) => {
    const base = new URLSearchParams(await form()).toString();
    const payload = label === 'JSON' ? JSON.stringify(await form()) : `${base}&grant_type=client_credentials`;
    const res = await hub({ method: 'POST', url: '/auth/token', headers: { 'content-type': type }, payload });
    expect(res.statusCode).toBe(status);
    expect((res.json() as { error: string }).error).toBe(error);
  });

  it('refuses GET with 405 and an OperationOutcome', async () => {
    const res = await hub({ url: '/auth/token' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toMatch(/POST/);
  });
});
