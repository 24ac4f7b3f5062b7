import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Operator } from '@medplum/core';
import type { Bundle, CapabilityStatement, ServiceRequest, Task } from '@medplum/fhirtypes';
import { peterForm } from '../../tests/fixtures/referralForms.js';
import { ID_SYSTEM } from '../domain/codes.js';
import { type Provider, parseDirectory } from '../domain/directory.js';
import { buildReferral, ReferralFormSchema, referralIdentifier } from '../domain/referral.js';
import { isSandboxHosted, onSandbox, providersToHost, rewriteSandboxEndpoints } from './providers.js';
import { type RunningSandbox, startSandbox } from './server.js';

jest.setTimeout(30_000);

const directoryJson = JSON.parse(
  readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8'),
) as unknown;
const parsed = parseDirectory(directoryJson);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const byId = new Map(parsed.directory.providers.map((p) => [p.id, p]));
const ohService = byId.get('local-oh-service') as Provider;

describe('which base URLs are the sandbox’s', () => {
  it.each([
    ['http://127.0.0.1:8080/providers/local-oh-service/fhir', true],
    ['http://localhost:9999/providers/x/fhir', true],
    ['http://[::1]:8080/providers/x/bars', true],
    ['https://127.0.0.1:8080/providers/x/fhir', false],
    ['http://127.0.0.1:8080/fhir', false],
    ['https://calder-talking.example.org/fhir', false],
    ['http://example.org/providers/x/fhir', false],
    ['not a url', false],
  ])('%s → %s', (url, hosted) => {
    expect(isSandboxHosted(url)).toBe(hosted);
  });

  it.each([
    [
      'http://127.0.0.1:8080/providers/a/fhir',
      'http://127.0.0.1:53127',
      'http://127.0.0.1:53127/providers/a/fhir',
    ],
    [
      'http://127.0.0.1:8080/providers/a/fhir/',
      'http://localhost:8080/',
      'http://localhost:8080/providers/a/fhir',
    ],
    [
      'https://calder-talking.example.org/fhir',
      'http://127.0.0.1:1',
      'https://calder-talking.example.org/fhir',
    ],
  ])('%s on %s → %s', (url, origin, expected) => {
    expect(onSandbox(url, origin)).toBe(expected);
  });
});

describe('rewriteSandboxEndpoints', () => {
  it('points only the sandbox-hosted endpoints at the running origin and leaves the rest as it was', () => {
    const rewritten = rewriteSandboxEndpoints(directoryJson, 'http://127.0.0.1:4321') as {
      providers: Array<{ id: string; endpoint: { mode: string; baseUrl?: string } }>;
    };
    const endpoints = Object.fromEntries(rewritten.providers.map((p) => [p.id, p.endpoint]));
    expect(endpoints).toEqual({
      'local-oh-service': {
        mode: 'fhir-rest',
        baseUrl: 'http://127.0.0.1:4321/providers/local-oh-service/fhir',
      },
      'work-coach-service': { mode: 'hub-inbox' },
      'msk-physio-fast-track': {
        mode: 'bars-message',
        baseUrl: 'http://127.0.0.1:4321/providers/msk-physio-fast-track/fhir',
      },
      'talking-therapies-employment': {
        mode: 'fhir-rest',
        baseUrl: 'https://calder-talking.example.org/fhir',
      },
      'case-managed-support': {
        mode: 'fhir-rest',
        baseUrl: 'http://127.0.0.1:4321/providers/case-managed-support/fhir',
      },
      'debt-benefits-advice': { mode: 'hub-inbox' },
    });
    // The input is not changed, and the rewritten directory is still valid.
    expect(JSON.stringify(directoryJson)).toContain('http://127.0.0.1:8080/providers/local-oh-service/fhir');
    expect(parseDirectory(rewritten).ok).toBe(true);
  });

  it.each([null, 3, 'x', {}, { providers: 'no' }, { providers: [null, { endpoint: 1 }] }])(
    'leaves %p alone',
    (input) => {
      expect(rewriteSandboxEndpoints(input, 'http://127.0.0.1:1')).toEqual(input);
    },
  );
});

describe('providersToHost', () => {
  it('hosts the fhir-rest and BaRS providers whose base URL is /providers/<id>/fhir on the sandbox, once each', () => {
    expect(providersToHost(directoryJson).map((p) => [p.id, p.mount])).toEqual([
      ['local-oh-service', '/providers/local-oh-service/fhir'],
      ['msk-physio-fast-track', '/providers/msk-physio-fast-track/fhir'],
      ['case-managed-support', '/providers/case-managed-support/fhir'],
    ]);
    const twice = {
      providers: [
        { id: 'a', endpoint: { mode: 'fhir-rest', baseUrl: 'http://127.0.0.1:8080/providers/a/fhir' } },
        { id: 'b', endpoint: { mode: 'fhir-rest', baseUrl: 'http://localhost:8080/providers/a/fhir/' } },
        { id: 'c', endpoint: { mode: 'fhir-rest', baseUrl: 'http://127.0.0.1:8080/providers/c/other' } },
        { id: 'd', endpoint: { mode: 'bars-message', baseUrl: 'http://127.0.0.1:8080/providers/d/fhir' } },
        { id: 'e', endpoint: { mode: 'hub-inbox' } },
      ],
    };
    expect(providersToHost(twice).map((p) => p.id)).toEqual(['a', 'd']);
  });
});

describe('the provider endpoints on a running sandbox', () => {
  let sandbox: RunningSandbox;
  let base: string;

  const referral = (authoredOn = '2026-11-20T10:20:00Z'): Bundle =>
    buildReferral({
      patient: { id: 'peter', nhsNumber: '9990000026' },
      practice: { odsCode: 'A99999', name: 'Sandbox Surgery' },
      requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr Example' },
      provider: ohService,
      episode: { start: '2026-10-24' },
      fitNoteRefs: ['Observation/fitnote-peter-1'],
      form: ReferralFormSchema.parse(
        peterForm({
          serviceTypes: ['oh-assessment'],
          employerLiaison: { requested: false, shareWithEmployer: [] },
        }),
      ),
      authoredOn,
    });
  const identifier = referralIdentifier({
    odsCode: 'A99999',
    patient: { id: 'peter', nhsNumber: '9990000026' },
    providerId: ohService.id,
    episodeStart: '2026-10-24',
    serviceTypes: ['oh-assessment'],
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', ...headers },
      body: JSON.stringify(body),
    });
  const search = async <T>(path: string): Promise<T[]> => {
    const response = await fetch(`${base}/${path}`);
    expect(response.status).toBe(200);
    const bundle = (await response.json()) as Bundle;
    return (bundle.entry ?? []).flatMap((e) => (e.search?.mode === 'match' ? [e.resource as T] : []));
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
    base = `${sandbox.url}/providers/local-oh-service/fhir`;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('serves the practice configuration with the provider endpoints on the running origin', async () => {
    const response = await fetch(`${sandbox.url}/config/A99999.json`);
    const config = (await response.json()) as { directory: { providers: Provider[] } };
    const endpoint = (id: string) => config.directory.providers.find((p) => p.id === id)?.endpoint;
    expect(endpoint('local-oh-service')).toEqual({ mode: 'fhir-rest', baseUrl: base });
    expect(endpoint('talking-therapies-employment')).toEqual({
      mode: 'fhir-rest',
      baseUrl: 'https://calder-talking.example.org/fhir',
    });
    expect(sandbox.providers.providers.map((p) => p.id)).toEqual([
      'local-oh-service',
      'msk-physio-fast-track',
      'case-managed-support',
    ]);
  });

  it('answers GET /metadata with a CapabilityStatement for its own base, without a token', async () => {
    const response = await fetch(`${base}/metadata`);
    expect(response.status).toBe(200);
    const cs = (await response.json()) as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.implementation?.url).toBe(base);
    expect(cs.rest?.[0]?.interaction?.map((i) => i.code)).toContain('transaction');
  });

  it('starts empty: none of the EHR’s records are there', async () => {
    expect(await search(`Patient`)).toEqual([]);
    expect(await search(`ServiceRequest`)).toEqual([]);
  });

  it('takes the referral transaction once: a resend, and two at once, leave one ServiceRequest, Task and Consent', async () => {
    const first = await post(base, referral());
    expect(first.status).toBe(200);
    const response = (await first.json()) as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.every((e) => e.response?.status?.startsWith('201'))).toBe(true);
    expect(response.entry?.find((e) => e.response?.location?.startsWith('ServiceRequest/'))).toBeDefined();

    const again = await Promise.all([post(base, referral()), post(base, referral())]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    const second = (await again[0]?.json()) as Bundle;
    // The ServiceRequest and the Task (the referral) are found, not created again.
    const statusOf = (bundle: Bundle, type: string) =>
      bundle.entry?.find((e) => e.response?.location?.startsWith(`${type}/`))?.response?.status;
    expect([statusOf(second, 'ServiceRequest'), statusOf(second, 'Task')]).toEqual(['200', '200']);
    // Every entry, the Consent and any work Observations included, is found rather than created again.
    expect(second.entry?.map((e) => e.response?.status)).toEqual(second.entry?.map(() => '200'));
    expect(await search('Consent')).toHaveLength(1);

    const requests = await search<ServiceRequest>(
      `ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|${identifier.value}`)}`,
    );
    expect(requests).toHaveLength(1);
    expect(await search<ServiceRequest>('ServiceRequest')).toHaveLength(1);
    const tasks = await search<Task>(`Task?focus=ServiceRequest/${requests[0]?.id}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.status).toBe('requested');
    // Its own repository: not in the EHR's, not at the other provider.
    const inEhr = await sandbox.fhir.repo.search({
      resourceType: 'ServiceRequest',
      filters: [
        { code: 'identifier', operator: Operator.EQUALS, value: `${ID_SYSTEM.referral}|${identifier.value}` },
      ],
    });
    expect(inEhr.entry ?? []).toHaveLength(0);
    const other = await fetch(`${sandbox.url}/providers/case-managed-support/fhir/ServiceRequest`);
    expect(((await other.json()) as Bundle).total).toBe(0);
  });

  it('lets a page on another loopback origin post (CORS preflight and response)', async () => {
    const preflight = await fetch(base, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const response = await post(base, referral(), { Origin: 'http://localhost:5173' });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const elsewhere = await post(base, referral(), { Origin: 'https://evil.example' });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a body that is not valid FHIR, in plain English, and keeps nothing of it', async () => {
    const bad = referral();
    // A ServiceRequest the provider does not have yet (another identifier), with an element R4 lacks.
    const sr = bad.entry?.find((e) => e.resource?.resourceType === 'ServiceRequest');
    if (sr?.request) sr.request.ifNoneExist = 'identifier=urn:test|other';
    (sr?.resource as unknown as { colour: string }).colour = 'blue';
    const response = await post(base, bad);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/colour/);
    expect(await search<ServiceRequest>('ServiceRequest')).toHaveLength(1);
  });

  it('refuses a bearer token (none is issued for providers) and unknown provider paths', async () => {
    const withToken = await fetch(`${base}/ServiceRequest`, { headers: { Authorization: 'Bearer abc' } });
    expect(withToken.status).toBe(401);
    const unknown = await fetch(`${sandbox.url}/providers/nobody/fhir/metadata`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/listed at \/providers\//);
    // A BaRS provider's endpoint is hosted too (messages go to its $process-message).
    expect((await fetch(`${sandbox.url}/providers/msk-physio-fast-track/fhir/metadata`)).status).toBe(200);
  });

  it('shows what each provider has received on /providers/ and /providers/<id>/, linked from the index', async () => {
    const index = await (await fetch(`${sandbox.url}/`)).text();
    expect(index).toContain('href="/providers/"');
    const list = await fetch(`${sandbox.url}/providers/`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/text\/html/);
    const html = await list.text();
    expect(html).toMatch(/Aireside Occupational Health Service<\/h2>\s*<p>1 referral received \(1 task\)/);
    expect(html).toMatch(/Case-Managed|case-managed-support/i);
    expect(html).toContain('href="/providers/local-oh-service/fhir/ServiceRequest"');
    const one = await (await fetch(`${sandbox.url}/providers/local-oh-service/`)).text();
    expect(one).toContain(identifier.value);
    expect(one).toContain('9990000026');
    expect(one).toContain('requested');
    const empty = await (await fetch(`${sandbox.url}/providers/case-managed-support/`)).text();
    expect(empty).toContain('No referrals received yet.');
    expect((await fetch(`${sandbox.url}/providers/`, { method: 'POST' })).status).toBe(405);
  });
});
