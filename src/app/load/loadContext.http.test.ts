/**
 * The loader over real HTTP semantics: the app's fetch requester (headers, status handling, paging
 * URLs) against a FHIR server mocked at the network layer with msw, serving Peter's example record.
 * loadContext.test.ts covers the loading logic with an in-memory requester; this covers the wire.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { LaunchFailureError } from '../smart/failures.js';
import { fetchRequester } from '../smart/requester.js';
import { APP_SCOPE } from '../smart/scopes.js';
import { type LoadOptions, loadContext } from './loadContext.js';

const BASE = 'http://ehr.test/fhir';
const TOKEN = 'token-for-peter';
const peter = JSON.parse(readFileSync('examples/records/peter.json', 'utf8')) as Bundle;
const resources = (peter.entry ?? []).map((e) => e.resource as Resource);
const config = JSON.stringify({
  rules: JSON.parse(readFileSync('examples/rules.json', 'utf8')),
  directory: JSON.parse(readFileSync('examples/directory.json', 'utf8')),
});

const searchset = (matches: Resource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: matches.length,
  entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })),
});

/** What the mocked server saw: method, path and query, and the Authorization header. */
const seen: { url: string; authorization: string | null; accept: string | null }[] = [];
/** Answers by resource type that a test overrides (e.g. a 503 for Condition). */
let override: Record<string, () => Response> = {};
/** Resources searches find besides Peter's record. */
let extraSearched: Resource[] = [];
/** Resources only reads find (a search index that has not caught up yet). */
let extraRead: Resource[] = [];

const server = setupServer(
  http.get(`${BASE}/:type`, ({ request, params }) => {
    const url = new URL(request.url);
    seen.push({
      url: `${url.pathname}${url.search}`,
      authorization: request.headers.get('authorization'),
      accept: request.headers.get('accept'),
    });
    const type = String(params.type);
    const custom = override[type];
    if (custom) return custom();
    if (request.headers.get('authorization') !== `Bearer ${TOKEN}`) {
      return HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] },
        { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
      );
    }
    const byType = [...resources, ...extraSearched].filter((r) => r.resourceType === type);
    if (type === 'Patient') {
      const included = resources.filter((r) => r.resourceType === 'Organization');
      return HttpResponse.json({
        ...searchset(byType),
        entry: [
          ...(searchset(byType).entry ?? []),
          ...included.map((resource) => ({ resource, search: { mode: 'include' as const } })),
        ],
      });
    }
    return HttpResponse.json(searchset(byType));
  }),
  http.get(`${BASE}/:type/:id`, ({ params }) => {
    const custom = override[String(params.type)];
    if (custom) return custom();
    const found = [...resources, ...extraSearched, ...extraRead].find(
      (r) => r.resourceType === params.type && r.id === params.id,
    );
    return found ? HttpResponse.json(found) : new HttpResponse(null, { status: 404 });
  }),
  http.get('http://app.test/config/:file', () => new HttpResponse(config, { status: 200 })),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
  override = {};
  extraSearched = [];
  extraRead = [];
});
afterAll(() => server.close());

const load = (token = TOKEN, more: Partial<LoadOptions> = {}) =>
  loadContext(fetchRequester({ fhirBaseUrl: BASE, accessToken: token }), {
    patientId: 'peter',
    fhirUser: 'Practitioner/gp-1',
    grantedScope: APP_SCOPE,
    config: { configUrl: 'http://app.test/config/{ods}.json' },
    ...more,
  });

describe('loadContext over HTTP (msw)', () => {
  it('sends the bearer token and asks for FHIR JSON; loads the record and the practice config', async () => {
    const context = await load();
    expect(context.record.notes).toHaveLength(2);
    expect(context.config.source).toBe('practice');
    expect(context.config.directory.providers.length).toBeGreaterThan(0);
    expect(context.roundTrips).toBe(2);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    for (const request of seen) {
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.accept).toContain('application/fhir+json');
    }
  });

  it('an optional read the server refuses (403) is reported and the rest still loads', async () => {
    override.Practitioner = () =>
      HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] },
        { status: 403 },
      );
    const context = await load();
    expect(context.record.notes).toHaveLength(2);
    expect(context.user.display).toBe('');
    expect(context.problems.length).toBeGreaterThan(0);
  });

  it('a 503 on any read fails the launch (a part-read record could miss fit notes)', async () => {
    override.Condition = () =>
      HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] },
        { status: 503 },
      );
    await expect(load()).rejects.toMatchObject({ failure: { kind: 'fhir-unreachable' } });
  });

  it('a token the server refuses (401) fails the launch as token-expired', async () => {
    await expect(load('stale-token')).rejects.toBeInstanceOf(LaunchFailureError);
    await expect(load('stale-token')).rejects.toMatchObject({ failure: { kind: 'token-expired' } });
  });

  it('a record server that is down fails the launch as fhir-unreachable', async () => {
    override.Patient = () => HttpResponse.error();
    await expect(load()).rejects.toMatchObject({ failure: { kind: 'fhir-unreachable' } });
  });

  it('fit notes recorded as Procedures and the launch’s fhirContext note load in the same first round', async () => {
    const procedureNote = {
      resourceType: 'Procedure',
      id: 'peter-med3-procedure',
      status: 'completed',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '1331000000103' }] },
      subject: { reference: 'Patient/peter' },
      performedPeriod: { start: '2026-07-01', end: '2026-07-14' },
    } as Resource;
    const fitNote = resources.find((r) => r.id === 'peter-fitnote-2') as Resource;
    extraSearched = [procedureNote];
    extraRead = [{ ...fitNote, id: 'just-issued' } as Resource];
    const context = await load(TOKEN, { fhirContext: [{ reference: 'Observation/just-issued' }] });
    expect(context.record.notes.map((n) => n.ref).sort()).toEqual([
      'Observation/just-issued',
      'Observation/peter-fitnote-1',
      'Observation/peter-fitnote-2',
      'Procedure/peter-med3-procedure',
    ]);
    expect(context.roundTrips).toBe(2);
    const procedureSearch = seen.find((r) => r.url.startsWith('/fhir/Procedure?'));
    expect(decodeURIComponent(procedureSearch?.url ?? '')).toContain(
      'patient=peter&code=http://snomed.info/sct|1331000000103,',
    );
  });
});
