import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FhirRequestError, LaunchFailureError } from '../smart/failures.js';
import type { FhirRequester } from '../smart/requester.js';
import { APP_SCOPE } from '../smart/scopes.js';
import { type LoadOptions, loadContext } from './loadContext.js';
import { loadContextNaive } from './naive.js';

const BASE = 'http://ehr.test/fhir';
const peter = JSON.parse(readFileSync('examples/records/peter.json', 'utf8')) as Bundle;
const resources = (peter.entry ?? []).map((e) => e.resource as Resource);

interface FakeOptions {
  /** Ignore _include / _revinclude (as some servers do). */
  noIncludes?: boolean;
  /** Page size the fake server uses for searches. */
  pageSize?: number;
  /** Where `next` links point (default the base). */
  nextBase?: string;
  /** Fail requests whose path starts with a key. */
  fail?: Record<string, Error>;
  /** Refuse batch POSTs with this status. */
  batchStatus?: number;
  /** Resources instead of Peter's. */
  resources?: Resource[];
  /** Ids of resources searches do not find yet (a search index that lags behind), though reads do. */
  unindexed?: string[];
}

/** An in-memory FHIR server behind the FhirRequester interface; records every request. */
function fakeServer(options: FakeOptions = {}) {
  const all = options.resources ?? resources;
  const calls: string[] = [];
  const byType = (type: string) =>
    all.filter((r) => r.resourceType === type && !(options.unindexed ?? []).includes(r.id ?? ''));
  const searchset = (matches: Resource[], included: Resource[], url: URL): Bundle => {
    const size = options.pageSize ?? 1000;
    const offset = Number(url.searchParams.get('_offset') ?? '0');
    const page = matches.slice(offset, offset + size);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        ...page.map((resource) => ({ resource, search: { mode: 'match' as const } })),
        ...(offset === 0
          ? included.map((resource) => ({ resource, search: { mode: 'include' as const } }))
          : []),
      ],
    };
    if (offset + size < matches.length) {
      const next = new URL(url.href.replace(BASE, options.nextBase ?? BASE));
      next.searchParams.set('_offset', String(offset + size));
      bundle.link = [{ relation: 'next', url: next.href }];
    }
    return bundle;
  };
  const answer = (path: string): unknown => {
    for (const [prefix, err] of Object.entries(options.fail ?? {})) if (path.startsWith(prefix)) throw err;
    const url = new URL(`${BASE}/${path}`);
    const [type, id] = url.pathname.replace('/fhir/', '').split('/') as [string, string | undefined];
    if (id !== undefined) {
      const found = all.find((r) => r.resourceType === type && r.id === id);
      if (!found) throw new FhirRequestError('http', url.href, 'HTTP 404', { status: 404 });
      return found;
    }
    const includes = !options.noIncludes;
    switch (type) {
      case 'Patient': {
        const matches = byType('Patient').filter((p) => p.id === url.searchParams.get('_id'));
        return searchset(
          matches,
          includes ? [...byType('Organization'), ...byType('Practitioner')] : [],
          url,
        );
      }
      case 'Observation': {
        const codes = (url.searchParams.get('code') ?? '').split(',').map((c) => c.split('|')[1]);
        const matches = byType('Observation').filter((o) =>
          (o as { code?: { coding?: { code?: string }[] } }).code?.coding?.some((c) =>
            codes.includes(c.code),
          ),
        );
        return searchset(matches, [], url);
      }
      case 'ServiceRequest':
        return searchset(
          byType('ServiceRequest'),
          includes && url.searchParams.has('_revinclude') ? byType('Task') : [],
          url,
        );
      default:
        return searchset(byType(type), [], url);
    }
  };
  const requester: FhirRequester = {
    fhirBaseUrl: BASE,
    async request<T>(url: string, init?: RequestInit): Promise<T> {
      const path = url.startsWith(`${BASE}/`) ? url.slice(BASE.length + 1) : url;
      calls.push(`${init?.method ?? 'GET'} ${path}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (init?.method === 'POST' && path === '') {
        if (options.batchStatus)
          throw new FhirRequestError('http', BASE, 'no batch', { status: options.batchStatus });
        const batch = JSON.parse(String(init.body)) as Bundle;
        return {
          resourceType: 'Bundle',
          type: 'batch-response',
          entry: (batch.entry ?? []).map((e) => {
            try {
              return { resource: answer(e.request?.url ?? '') as Resource, response: { status: '200 OK' } };
            } catch (err) {
              const status = (err as FhirRequestError).status ?? 500;
              return { response: { status: `${status} Error` } };
            }
          }),
        } as T;
      }
      if (/^https?:/.test(path)) throw new FhirRequestError('network', path, 'other origin');
      return answer(path) as T;
    },
  };
  return { requester, calls };
}

const config = {
  configUrl: 'http://config.test/{ods}.json',
  fetch: (async () => new Response('', { status: 404 })) as typeof fetch,
};
const options: LoadOptions = {
  patientId: 'peter',
  fhirUser: 'Practitioner/gp-1',
  grantedScope: APP_SCOPE,
  config,
};

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LaunchFailureError) return err.failure;
    throw err;
  }
  throw new Error('expected the load to fail');
}

describe('loadContext', () => {
  it('reads everything in one parallel round, then the config: 2 round trips', async () => {
    const { requester, calls } = fakeServer();
    const context = await loadContext(requester, options);
    expect(context.record.notes).toHaveLength(2);
    expect(context.practice).toEqual({ odsCode: 'A99999', name: 'Example Street Surgery' });
    expect(context.user).toEqual({ reference: 'Practitioner/gp-1', display: 'Dr Alex Testdoctor' });
    expect(context.roundTrips).toBe(2);
    expect(context.requests).toBe(calls.length + 1);
    expect(calls.map((c) => c.split('?')[0])).toEqual([
      'GET Patient',
      'GET Observation',
      'GET Condition',
      'GET DocumentReference',
      'GET QuestionnaireResponse',
      'GET Procedure',
      'GET ServiceRequest',
      'GET Practitioner/gp-1',
    ]);
    expect(decodeURIComponent(calls[1] ?? '')).toContain('http://snomed.info/sct|365524007');
    expect(decodeURIComponent(calls[1] ?? '')).toContain('http://loinc.org|74165-2');
    // Fit notes recorded as Procedures: searched by the GP-record fit-note codes, in the same round.
    expect(decodeURIComponent(calls[5] ?? '')).toBe(
      'GET Procedure?patient=peter&code=http://snomed.info/sct|1331000000103,http://snomed.info/sct|1321000000100,http://snomed.info/sct|1341000000107&_count=200',
    );
    expect(calls[6]).toContain('_revinclude=Task:focus');
    expect(context.config.source).toBe('default');
  });

  it('asks for the config as soon as the practice is known, not after the slowest read', async () => {
    const { requester } = fakeServer();
    const events: string[] = [];
    const slow: FhirRequester = {
      ...requester,
      request: async (path, init) => {
        const answer = await requester.request(path, init);
        if (path.startsWith('Condition')) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          events.push('condition answered');
        }
        return answer as never;
      },
    };
    const fetchConfig = (async () => {
      events.push('config asked');
      return new Response('', { status: 404 });
    }) as typeof fetch;
    const context = await loadContext(slow, { ...options, config: { ...config, fetch: fetchConfig } });
    expect(events).toEqual(['config asked', 'condition answered']);
    expect(context.roundTrips).toBe(2);
  });

  it('a config URL without the ODS code is fetched alongside: 1 round trip', async () => {
    const { requester } = fakeServer();
    const context = await loadContext(requester, {
      ...options,
      config: { ...config, configUrl: 'http://config.test/all.json' },
    });
    expect(context.roundTrips).toBe(1);
  });

  it('a server that ignores _include costs one more round for the practice', async () => {
    const { requester, calls } = fakeServer({ noIncludes: true });
    const context = await loadContext(requester, options);
    expect(context.practice.odsCode).toBe('A99999');
    expect(calls).toContain('GET Organization/practice');
    expect(context.roundTrips).toBe(3);
  });

  it('follows next links page by page', async () => {
    const { requester } = fakeServer({ pageSize: 1 });
    const context = await loadContext(requester, options);
    expect(context.record.notes).toHaveLength(2);
    expect(context.record.patient.occupation).toBeTruthy();
    expect(context.problems.filter((p) => /pages/.test(p))).toEqual([]);
    expect(context.roundTrips).toBe(4); // 4 Observations, one per page
  });

  it('stops at the page cap and says so', async () => {
    const { requester } = fakeServer({ pageSize: 1 });
    const context = await loadContext(requester, { ...options, maxPages: 2 });
    expect(context.problems.join(' ')).toMatch(
      /more than 2 pages of the patient’s fit notes and observations/,
    );
  });

  it('does not follow a next link to another server (the token would go with it)', async () => {
    const { requester, calls } = fakeServer({ pageSize: 1, nextBase: 'http://elsewhere.test/fhir' });
    const context = await loadContext(requester, options);
    expect(calls.some((c) => c.includes('elsewhere'))).toBe(false);
    expect(context.problems.join(' ')).toMatch(/another address/);
  });

  it('an optional read the server refuses is reported, and the rest loads', async () => {
    const { requester } = fakeServer({
      fail: { Condition: new FhirRequestError('http', `${BASE}/Condition`, 'HTTP 403', { status: 403 }) },
    });
    const context = await loadContext(requester, options);
    expect(context.record.notes).toHaveLength(2);
    expect(context.problems).toContain(
      'The patient’s problems could not be read (the server answered 403), so they are not shown or counted.',
    );
  });

  it.each([
    [
      'a required read refused',
      'Observation',
      new FhirRequestError('http', `${BASE}/Observation`, '403', { status: 403 }),
      'scopes-not-granted',
    ],
    [
      'any read with an expired token',
      'Condition',
      new FhirRequestError('http', `${BASE}/Condition`, '401', { status: 401 }),
      'token-expired',
    ],
    [
      'a server error on an optional read',
      'DocumentReference',
      new FhirRequestError('http', `${BASE}/DocumentReference`, '503', { status: 503 }),
      'fhir-unreachable',
    ],
    [
      'a timeout',
      'ServiceRequest',
      new FhirRequestError('timeout', `${BASE}/ServiceRequest`, 'slow', { timeoutMs: 8000 }),
      'fhir-slow',
    ],
    [
      'no connection',
      'Patient',
      new FhirRequestError('network', `${BASE}/Patient`, 'fetch failed'),
      'fhir-unreachable',
    ],
  ])('%s fails the load: %s → %s', async (_label, prefix, err, kind) => {
    const { requester } = fakeServer({ fail: { [prefix]: err } });
    expect((await failureOf(loadContext(requester, options))).kind).toBe(kind);
  });

  it('a patient the server does not have: no-launch-context', async () => {
    const { requester } = fakeServer();
    expect((await failureOf(loadContext(requester, { ...options, patientId: 'nobody' }))).kind).toBe(
      'no-launch-context',
    );
  });

  it('reads the granted scopes do not allow are not attempted, and are reported', async () => {
    const { requester, calls } = fakeServer();
    const scope = 'launch patient/Patient.r patient/Observation.rs patient/ServiceRequest.rs patient/Task.rs';
    const context = await loadContext(requester, { ...options, grantedScope: scope });
    expect(calls.some((c) => /Condition|DocumentReference|Questionnaire|Practitioner/.test(c))).toBe(false);
    expect(calls[0]).toBe('GET Patient/peter'); // no Patient search permission: a read instead
    expect(context.practice.odsCode).toBe('A99999'); // read by reference in round 2
    expect(context.problems.join(' ')).toMatch(/not given permission to read the patient’s problems/);
  });

  it('a required read not granted fails with scopes-not-granted before any request', async () => {
    const { requester, calls } = fakeServer();
    const failure = await failureOf(
      loadContext(requester, { ...options, grantedScope: 'launch patient/Patient.rs' }),
    );
    expect(failure.kind).toBe('scopes-not-granted');
    expect(calls).toEqual([]);
  });

  it('batch: the first round is one POST', async () => {
    const { requester, calls } = fakeServer();
    const context = await loadContext(requester, { ...options, strategy: 'batch' });
    expect(calls).toEqual(['POST ']);
    expect(context.record.notes).toHaveLength(2);
    expect(context.practice.odsCode).toBe('A99999');
    expect(context.roundTrips).toBe(2);
  });

  it('batch refused by the server: each request on its own in the next round', async () => {
    const { requester, calls } = fakeServer({ batchStatus: 405 });
    const context = await loadContext(requester, { ...options, strategy: 'batch' });
    expect(calls.length).toBe(9);
    expect(context.record.notes).toHaveLength(2);
    expect(context.roundTrips).toBe(3);
  });

  it('no NHS number: no-nhs-number by default, loaded read-only when allowed', async () => {
    const withoutNhs = resources.map((r) => (r.resourceType === 'Patient' ? { ...r, identifier: [] } : r));
    const { requester } = fakeServer({ resources: withoutNhs });
    const failure = await failureOf(loadContext(requester, options));
    expect(failure).toEqual({
      kind: 'no-nhs-number',
      detail: expect.stringMatching(/has no NHS number.*Trace and record/),
    });
    const context = await loadContext(requester, { ...options, requireNhsNumber: false });
    expect(context.record.patient.nhsNumber).toBeUndefined();
  });

  it('an NHS number that fails the check: nhs-number-invalid, its own failure', async () => {
    const invalid = resources.map((r) =>
      r.resourceType === 'Patient'
        ? { ...r, identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765918' }] }
        : r,
    );
    const failure = await failureOf(loadContext(fakeServer({ resources: invalid }).requester, options));
    expect(failure).toEqual({
      kind: 'nhs-number-invalid',
      detail: expect.stringMatching(/is not valid.*Check and correct/),
    });
  });

  it('no fhirUser: loads, and says referrals will not name the referrer', async () => {
    const { requester } = fakeServer();
    const { fhirUser: _, ...rest } = options;
    const context = await loadContext(requester, rest);
    expect(context.user).toEqual({ reference: '', display: '' });
    expect(context.problems.join(' ')).toMatch(/did not say who you are/);
  });

  it('keeps the encounter id and reads the Encounter in the same round', async () => {
    const { requester, calls } = fakeServer();
    const context = await loadContext(requester, { ...options, encounterId: 'e1' });
    expect(context.encounterId).toBe('e1');
    expect(calls).toContain('GET Encounter/e1');
    expect(context.problems.join(' ')).toMatch(/consultation could not be read \(the server answered 404\)/i);
    expect(context.roundTrips).toBe(2);
  });
});

describe('fhirContext items and the launch Encounter', () => {
  const fitNote = resources.find((r) => r.id === 'peter-fitnote-2') as Resource & {
    subject?: { reference?: string };
  };
  /** A fit note issued just now, that the code-filtered search does not find yet. */
  const justIssued = { ...fitNote, id: 'just-issued' } as Resource;
  const otherPatients = {
    ...fitNote,
    id: 'someone-else',
    subject: { reference: 'Patient/sarah' },
  } as Resource;
  const encounter = (id: string, patient: string) =>
    ({
      resourceType: 'Encounter',
      id,
      status: 'in-progress',
      class: { code: 'AMB' },
      subject: { reference: `Patient/${patient}` },
    }) as Resource;
  const server = (strategy: 'parallel' | 'batch' = 'parallel') => ({
    strategy,
    ...fakeServer({
      resources: [
        ...resources,
        justIssued,
        otherPatients,
        encounter('e1', 'peter'),
        encounter('e2', 'sarah'),
      ],
      unindexed: ['just-issued', 'someone-else'],
    }),
  });

  it.each(['parallel', 'batch'] as const)(
    '%s: the fit note just issued is read in the first round and joins the record, though the search missed it',
    async (strategy) => {
      const { requester, calls } = server(strategy);
      const without = await loadContext(requester, { ...options, strategy });
      expect(without.record.notes).toHaveLength(2);
      calls.length = 0;
      const context = await loadContext(requester, {
        ...options,
        strategy,
        fhirContext: [{ reference: 'Observation/just-issued' }],
      });
      expect(context.record.notes).toHaveLength(3);
      expect(context.record.notes.map((n) => n.ref)).toContain('Observation/just-issued');
      expect(context.roundTrips).toBe(without.roundTrips);
      if (strategy === 'parallel') expect(calls).toContain('GET Observation/just-issued');
      else expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
    },
  );

  it.each([
    ['a note already found by the search is not counted twice', 'Observation/peter-fitnote-2', 2, true],
    ['an absolute reference on this server', `${BASE}/Observation/just-issued`, 3, true],
    ['another patient’s note is read but ignored', 'Observation/someone-else', 2, true],
    [
      'a reference to another server is not followed',
      'https://elsewhere.example/fhir/Observation/x',
      2,
      false,
    ],
    ['a type the app does not read is not followed', 'MedicationRequest/m1', 2, false],
    ['a Patient reference is not followed', 'Patient/peter', 2, false],
  ])('%s', async (_label, reference, notes, read) => {
    const { requester, calls } = server();
    const context = await loadContext(requester, { ...options, fhirContext: [{ reference }, {}] });
    expect(context.record.notes).toHaveLength(notes);
    expect(calls.some((c) => /^GET [A-Za-z]+\/[^?]+$/.test(c) && !c.includes('Practitioner'))).toBe(read);
  });

  it('an item that cannot be read is reported, and the rest loads', async () => {
    const { requester } = server();
    const context = await loadContext(requester, {
      ...options,
      fhirContext: [{ reference: 'Observation/gone' }],
    });
    expect(context.record.notes).toHaveLength(2);
    expect(context.problems.join(' ')).toMatch(
      /\(Observation\/gone\) could not be read \(the server answered 404\)/,
    );
  });

  it.each([
    ['the patient’s Encounter', 'e1', 'Encounter/e1'],
    ['another patient’s Encounter', 'e2', undefined],
    ['an Encounter that cannot be read', 'missing', undefined],
  ])('encounterRef for %s', async (_label, encounterId, expected) => {
    const { requester } = server();
    const context = await loadContext(requester, { ...options, encounterId });
    expect(context.encounterId).toBe(encounterId);
    expect(context.encounterRef).toBe(expected);
  });

  it('the naive loader reads fhirContext items too', async () => {
    const { requester } = server();
    const context = await loadContextNaive(requester, {
      ...options,
      fhirContext: [{ reference: 'Observation/just-issued' }],
    });
    expect(context.record.notes).toHaveLength(3);
  });
});

describe('loadContextNaive', () => {
  it('reads the same record one request after another', async () => {
    const fast = await loadContext(fakeServer().requester, options);
    const { requester, calls } = fakeServer();
    const naive = await loadContextNaive(requester, options);
    expect(naive.record).toEqual(fast.record);
    expect(naive.practice).toEqual(fast.practice);
    expect(naive.user).toEqual(fast.user);
    expect(naive.roundTrips).toBe(calls.length + 1);
    expect(naive.roundTrips).toBe(12);
    expect(calls.some((c) => c.startsWith('GET Procedure?patient=peter&code='))).toBe(true);
  });
});
