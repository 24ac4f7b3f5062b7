/**
 * The composed sandbox over real HTTP: starts it on 127.0.0.1 port 0 and talks to it with fetch,
 * as the GP app and the benchmarks do.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  Bundle,
  CapabilityStatement,
  Observation,
  OperationOutcome,
  Patient,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { ID_SYSTEM } from '../../src/domain/codes.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { createLaunch, FITNOTE_PROMPT_CLIENT_ID } from '../../src/sandbox/smartAuth.js';

const TODAY = '2026-11-21';
let sandbox: RunningSandbox;
let closed: RunningSandbox;
let token: string;

const FHIR_JSON = 'application/fhir+json';

async function fhir<T = unknown>(
  path: string,
  init: RequestInit & { auth?: string | null } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const { auth, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('Accept')) headers.set('Accept', FHIR_JSON);
  if (auth !== null) headers.set('Authorization', `Bearer ${auth ?? token}`);
  const url = path.startsWith('http') ? path : `${sandbox.fhirBaseUrl}/${path}`;
  const res = await fetch(url, { ...rest, headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

function messageOf(outcome: OperationOutcome): string {
  return outcome.issue.map((i) => i.details?.text ?? '').join(' ');
}

/** An EHR launch with PKCE through the real authorize and token endpoints; returns the access token. */
async function obtainToken(origin: string, fhirBase: string): Promise<string> {
  const launch = createLaunch({
    patient: 'peter',
    fhirUser: 'Practitioner/gp-1',
    needPatientBanner: true,
    smartStyleUrl: `${origin}/smart-style.json`,
    skipLogin: true,
  });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${origin}/app/callback`;
  const authorize = new URL(`${origin}/auth/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: FITNOTE_PROMPT_CLIENT_ID,
    redirect_uri: redirectUri,
    scope:
      'launch openid fhirUser patient/Patient.rs patient/Observation.crus patient/ServiceRequest.crus patient/Task.crus',
    state: randomBytes(16).toString('hex'),
    aud: fhirBase,
    launch,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(k, v);
  }
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const location = redirect.headers.get('location');
  if (!location) throw new Error(`authorize answered ${redirect.status} without a redirect`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`authorize redirected without a code: ${location}`);
  const tokenResponse = await fetch(`${origin}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
    }),
  });
  const json = (await tokenResponse.json()) as { access_token?: string };
  if (!json.access_token)
    throw new Error(`token endpoint answered ${tokenResponse.status}: ${JSON.stringify(json)}`);
  return json.access_token;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: TODAY });
  closed = sandbox;
  token = await obtainToken(sandbox.url, sandbox.fhirBaseUrl);
});

afterAll(async () => {
  await closed?.close();
});

describe('the index page and metadata', () => {
  it('serves a short HTML index that links to the CapabilityStatement', async () => {
    const res = await fetch(`${sandbox.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('href="/fhir/metadata"');
  });

  it('serves a CapabilityStatement without a token, with SMART endpoints, JSON and what the router serves', async () => {
    const { status, body, headers } = await fhir<CapabilityStatement>('metadata', {
      auth: null,
      headers: { Origin: 'http://elsewhere.example' },
    });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.fhirVersion).toBe('4.0.1');
    expect(body.format).toContain('json');
    const rest = body.rest?.[0];
    const oauth = rest?.security?.extension?.find((e) => e.url.endsWith('/oauth-uris'));
    const uris = Object.fromEntries((oauth?.extension ?? []).map((e) => [e.url, e.valueUri]));
    expect(uris.authorize).toBe(`${sandbox.url}/auth/authorize`);
    expect(uris.token).toBe(`${sandbox.url}/auth/token`);
    expect(rest?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
    const observation = rest?.resource?.find((r) => r.type === 'Observation');
    expect(observation?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining(['read', 'create', 'update', 'search-type']),
    );
    expect(observation?.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['patient', 'code', 'date', '_id']),
    );
    expect(rest?.resource?.find((r) => r.type === 'ServiceRequest')?.searchRevInclude).toContain(
      'Task:focus',
    );
  });
});

describe('reading and searching', () => {
  it('reads Peter with an ETag', async () => {
    const { status, body, headers } = await fhir<Patient>('Patient/peter');
    expect(status).toBe(200);
    expect(body.id).toBe('peter');
    expect(headers.get('etag')).toMatch(/^W\/"/);
  });

  it("finds Peter's two fit notes by bare patient id and SNOMED code", async () => {
    const { status, body } = await fhir<Bundle<Observation>>(
      `Observation?patient=peter&code=${encodeURIComponent('http://snomed.info/sct|365524007')}`,
    );
    expect(status).toBe(200);
    expect(body.type).toBe('searchset');
    expect(body.total).toBe(2);
    expect(body.entry?.map((e) => e.resource?.id).sort()).toEqual(['peter-fitnote-1', 'peter-fitnote-2']);
    expect(body.entry?.[0]?.fullUrl).toMatch(new RegExp(`^${sandbox.fhirBaseUrl}/Observation/`));
    expect(body.link?.find((l) => l.relation === 'self')?.url).toMatch(
      new RegExp(`^${sandbox.fhirBaseUrl}/`),
    );
  });

  it('pages through a search by its absolute next links', async () => {
    const ids: string[] = [];
    let url: string | undefined = `${sandbox.fhirBaseUrl}/Observation?patient=peter&_count=3`;
    let pages = 0;
    let total: number | undefined;
    while (url && pages < 10) {
      const page: { status: number; body: Bundle } = await fhir<Bundle>(url);
      expect(page.status).toBe(200);
      total = page.body.total;
      for (const entry of page.body.entry ?? []) ids.push(entry.resource?.id ?? '');
      url = page.body.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(total).toBe(ids.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['peter-fitnote-1', 'peter-fitnote-2', 'peter-employment']));
  });

  it('includes the fit notes’ performers with _include', async () => {
    const { body } = await fhir<Bundle>(
      'Observation?patient=peter&code=365524007&_include=Observation:performer',
    );
    const included = body.entry
      ?.filter((e) => e.search?.mode === 'include')
      .map((e) => e.resource?.resourceType);
    expect(body.total).toBe(2);
    expect(included?.length).toBeGreaterThan(0);
    expect(included?.every((t) => t === 'Practitioner' || t === 'PractitionerRole')).toBe(true);
  });

  it('answers a 404 OperationOutcome in plain English for a missing patient', async () => {
    const { status, body } = await fhir<OperationOutcome>('Patient/nobody-here');
    expect(status).toBe(404);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(messageOf(body)).toContain('There is no Patient with id "nobody-here"');
  });
});

describe('transactions', () => {
  const referralTransaction = (value: string): Bundle => {
    const identifier = [{ system: ID_SYSTEM.referral, value }];
    const query = `identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|${value}`)}`;
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1c2c0e-3f55-4a59-9d4b-8f0f2a9a0001',
          resource: {
            resourceType: 'ServiceRequest',
            identifier,
            status: 'active',
            intent: 'order',
            subject: { reference: 'Patient/peter' },
            authoredOn: `${TODAY}T10:20:00Z`,
          } satisfies ServiceRequest,
          request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: query },
        },
        {
          fullUrl: 'urn:uuid:6f1c2c0e-3f55-4a59-9d4b-8f0f2a9a0002',
          resource: {
            resourceType: 'Task',
            identifier,
            status: 'requested',
            intent: 'order',
            focus: { reference: 'urn:uuid:6f1c2c0e-3f55-4a59-9d4b-8f0f2a9a0001' },
            for: { reference: 'Patient/peter' },
            authoredOn: `${TODAY}T10:20:00Z`,
          } satisfies Task,
          request: { method: 'POST', url: 'Task', ifNoneExist: query },
        },
      ],
    };
  };

  it('creates a referral once, however often the same transaction is posted', async () => {
    const post = () =>
      fhir<Bundle>('', {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON },
        body: JSON.stringify(referralTransaction('sandbox-test-0001')),
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    const serviceRequestId = first.body.entry?.[0]?.resource?.id;
    const task = first.body.entry?.[1]?.resource as Task;
    expect(task.focus?.reference).toBe(`ServiceRequest/${serviceRequestId}`);

    const second = await post();
    expect(second.status).toBe(200);
    expect(second.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200']);
    expect(second.body.entry?.[0]?.resource?.id).toBe(serviceRequestId);

    const search = await fhir<Bundle>(
      `ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|sandbox-test-0001`)}&_revinclude=Task:focus`,
    );
    expect(search.body.total).toBe(1);
    expect(search.body.entry?.map((e) => `${e.search?.mode} ${e.resource?.resourceType}`)).toEqual([
      'match ServiceRequest',
      'include Task',
    ]);
  });

  it('leaves nothing behind when one entry of a transaction fails', async () => {
    const bundle = referralTransaction('sandbox-test-0002');
    (bundle.entry?.[1]?.resource as unknown as Record<string, unknown>).notAnElement = true;
    const { status, body } = await fhir<OperationOutcome>('', {
      method: 'POST',
      headers: { 'Content-Type': FHIR_JSON },
      body: JSON.stringify(bundle),
    });
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    const search = await fhir<Bundle>(
      `ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|sandbox-test-0002`)}`,
    );
    expect(search.body.total).toBe(0);
  });
});

describe('creating', () => {
  it('answers 201 with Location and ETag, and the server assigns the id', async () => {
    const { status, body, headers } = await fhir<Observation>('Observation', {
      method: 'POST',
      headers: { 'Content-Type': FHIR_JSON },
      body: JSON.stringify({
        resourceType: 'Observation',
        id: 'client-chosen',
        status: 'final',
        code: { text: 'test' },
        subject: { reference: 'Patient/peter' },
      }),
    });
    expect(status).toBe(201);
    expect(body.id).not.toBe('client-chosen');
    expect(headers.get('location')).toBe(
      `${sandbox.fhirBaseUrl}/Observation/${body.id}/_history/${body.meta?.versionId}`,
    );
    expect(headers.get('etag')).toBe(`W/"${body.meta?.versionId}"`);
  });
});

describe('bad input gets a 4xx OperationOutcome in plain English', () => {
  it.each([
    ['malformed JSON', 'POST', 'Observation', '{"resourceType": "Observation",', 400, 'not valid JSON'],
    ['a JSON array', 'POST', 'Observation', '[1, 2]', 400, 'one FHIR resource'],
    [
      'the wrong resource type for the URL',
      'POST',
      'Observation',
      '{"resourceType":"Patient"}',
      400,
      'The body is a Patient',
    ],
    [
      'an unknown resource type in the URL',
      'GET',
      'Fitnote/1',
      undefined,
      404,
      'not a FHIR R4 resource type',
    ],
    [
      'an unknown element',
      'POST',
      'Observation',
      '{"resourceType":"Observation","status":"final","code":{"text":"x"},"colour":"blue"}',
      400,
      'not valid FHIR R4',
    ],
    [
      'a collection Bundle posted to the base',
      'POST',
      '',
      '{"resourceType":"Bundle","type":"collection","entry":[]}',
      400,
      'batch',
    ],
    ['a non-numeric _count', 'GET', 'Observation?_count=lots', undefined, 400, 'not a whole number'],
    [
      'an unsupported method',
      'PROPFIND',
      'Patient/peter',
      undefined,
      405,
      'does not support the PROPFIND method',
    ],
  ])('%s', async (_label, method, path, body, expected, text) => {
    const { status, body: outcome } = await fhir<OperationOutcome>(path, {
      method,
      headers: { 'Content-Type': FHIR_JSON },
      ...(body === undefined ? {} : { body }),
    });
    expect(status).toBe(expected);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(messageOf(outcome)).toContain(text);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const big = JSON.stringify({ resourceType: 'Basic', code: { text: 'x'.repeat(1024 * 1024 + 10) } });
    const { status, body } = await fhir<OperationOutcome>('Basic', {
      method: 'POST',
      headers: { 'Content-Type': FHIR_JSON },
      body: big,
    });
    expect(status).toBe(413);
    expect(messageOf(body)).toContain('larger than');
  });

  it('is still serving after all that', async () => {
    expect((await fhir('Patient/peter')).status).toBe(200);
  });
});

describe('access tokens', () => {
  it('refuses a garbage token with 401 and an OperationOutcome', async () => {
    const { status, body, headers } = await fhir<OperationOutcome>('Patient/peter', {
      auth: 'not-a-real-token',
    });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toContain('invalid_token');
    expect(messageOf(body)).toContain('not valid');
  });

  it('refuses with 403 what the token’s scopes do not cover', async () => {
    const { status, body } = await fhir<OperationOutcome>('Condition?patient=peter');
    expect(status).toBe(403);
    expect(messageOf(body)).toContain('does not allow search of Condition');
  });

  it('refuses a request without a token unless the sandbox is open', async () => {
    expect((await fhir('Patient/peter', { auth: null })).status).toBe(401);
  });

  it('answers CORS preflights for a loopback origin', async () => {
    const res = await fetch(`${sandbox.fhirBaseUrl}/Patient/peter`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });
});
