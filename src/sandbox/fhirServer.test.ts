import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { badRequest, getStatus, notFound, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { Bundle, OperationOutcome, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { packageRoot } from '../fhir/profiles.js';
import {
  type AccessTokenInfo,
  checkAuthorization,
  checkBodyForUrl,
  checkPathSegments,
  checkResource,
  checkScopes,
  corsOriginAllowed,
  createFhirServer,
  DEFAULT_PAGE_SIZE,
  ensureFhirDefinitions,
  FhirHttpError,
  MAX_PAGE_SIZE,
  normaliseSearch,
  pagingLinks,
  parseBody,
  plainOutcome,
  type QueryPairs,
  requiredPermissions,
  type SandboxFhirServer,
  SandboxRepository,
} from './fhirServer.js';

// The first $graphql request builds Medplum's GraphQL schema from every definition: seconds on a busy
// two-core machine, longer than jest's 5 s default.
jest.setTimeout(20_000);

const TODAY = '2026-11-21';
const GOOD_TOKEN = 'good-token';
const EXPIRED_TOKEN = 'expired-token';

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FhirHttpError ? err.status : -1;
  }
  return undefined;
}

function messageOf(outcome: OperationOutcome): string {
  return outcome.issue.map((i) => i.details?.text ?? '').join(' ');
}

beforeAll(() => {
  ensureFhirDefinitions();
});

describe('parseBody', () => {
  it.each([
    ['FHIR JSON', 'application/fhir+json', '{"resourceType":"Patient"}', 'POST', { resourceType: 'Patient' }],
    [
      'JSON with a charset',
      'application/json; charset=utf-8',
      '{"resourceType":"Patient"}',
      'PUT',
      { resourceType: 'Patient' },
    ],
    ['no content type', undefined, '{"resourceType":"Patient"}', 'POST', { resourceType: 'Patient' }],
    ['an empty body', 'application/fhir+json', '', 'POST', undefined],
    [
      'a JSON Patch array',
      'application/json-patch+json',
      '[{"op":"remove","path":"/x"}]',
      'PATCH',
      [{ op: 'remove', path: '/x' }],
    ],
    [
      'a search form',
      'application/x-www-form-urlencoded',
      'patient=peter&code=a&code=b',
      'POST',
      { patient: 'peter', code: ['a', 'b'] },
    ],
  ])('reads %s', (_label, type, text, method, expected) => {
    expect(parseBody(type, Buffer.from(text), method)).toEqual(expected);
  });

  it.each([
    ['malformed JSON', 'application/fhir+json', '{"resourceType":', 'POST', 400],
    ['a JSON string', 'application/fhir+json', '"Patient"', 'POST', 400],
    ['null', 'application/fhir+json', 'null', 'POST', 400],
    ['an array for a create', 'application/fhir+json', '[]', 'POST', 400],
    ['an object for a PATCH', 'application/json-patch+json', '{"op":"remove"}', 'PATCH', 400],
    ['XML', 'application/fhir+xml', '<Patient/>', 'POST', 415],
  ])('refuses %s', (_label, type, text, method, status) => {
    expect(statusOf(() => parseBody(type, Buffer.from(text), method))).toBe(status);
  });
});

describe('checkBodyForUrl and checkPathSegments', () => {
  it.each([
    ['POST', ['Patient'], { resourceType: 'Patient' }, undefined],
    ['POST', ['Patient'], { resourceType: 'Observation' }, 400],
    ['POST', ['Patient'], {}, 400],
    ['POST', ['Patient'], undefined, 400],
    ['PUT', ['Patient', 'peter'], { resourceType: 'Patient', id: 'peter' }, undefined],
    ['PUT', ['Patient', 'peter'], { resourceType: 'Patient', id: 'sarah' }, 400],
    ['PUT', ['Patient', 'peter'], { resourceType: 'Patient' }, 400],
    ['POST', ['Patient', '_search'], undefined, undefined],
    ['POST', [], { resourceType: 'Bundle' }, undefined],
    ['GET', ['Patient'], undefined, undefined],
  ])('%s %j with %j → %s', (method, segments, body, status) => {
    expect(statusOf(() => checkBodyForUrl(method, segments, body))).toBe(status);
  });

  it.each([
    [[], undefined],
    [['metadata'], undefined],
    [['Patient', 'peter'], undefined],
    [['Fitnote'], 404],
    [['patient'], 404],
    [['$everything'], 404],
    [['_history'], 404],
  ])('%j → %s', (segments, status) => {
    expect(statusOf(() => checkPathSegments(segments))).toBe(status);
  });
});

describe('CORS origins', () => {
  it.each([
    ['http://localhost:5173', true],
    ['http://127.0.0.1:8080', true],
    ['http://localhost', true],
    ['https://evil.example', false],
    ['http://localhost.evil.example', false],
    ['http://allowed.example', true],
  ])('%s → %s', (origin, allowed) => {
    expect(corsOriginAllowed(origin, ['http://allowed.example'])).toBe(allowed);
  });
});

describe('plainOutcome', () => {
  it.each([
    [notFound, 'GET', 'Patient/nobody', 404, 'There is no Patient with id "nobody"'],
    [notFound, 'GET', 'Patient/_history', 404, 'does not support GET /fhir/Patient/_history'],
    [preconditionFailed, 'PUT', 'Patient/peter', 412, 'Read it again'],
    [badRequest('Unrecognized bundle type: document'), 'POST', '', 400, '"batch" or "transaction"'],
    [badRequest('Missing bundle entries'), 'POST', '', 400, 'no entries'],
    [badRequest('Something odd'), 'POST', 'Patient', 400, 'Something odd'],
  ])('rewords %#', (outcome, method, path, status, text) => {
    const plain = plainOutcome(outcome, { method, path });
    expect(plain.issue[0]?.severity).toBe('error');
    expect(messageOf(plain)).toContain(text);
    expect(getStatus(plain)).toBe(status);
  });
});

describe('checkAuthorization', () => {
  const verify = (token: string): AccessTokenInfo | undefined => {
    if (token === GOOD_TOKEN) return { active: true, scope: 'patient/*.rs', patient: 'peter', exp: 2e9 };
    if (token === EXPIRED_TOKEN) return { active: true, exp: 1 };
    return undefined;
  };
  const request = (authorization?: string) =>
    ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

  it.each([
    ['no header, closed', undefined, false, 401],
    ['no header, open', undefined, true, undefined],
    ['a good token', `Bearer ${GOOD_TOKEN}`, false, undefined],
    ['a good token, lower-case scheme', `bearer ${GOOD_TOKEN}`, false, undefined],
    ['an expired token, even when open', `Bearer ${EXPIRED_TOKEN}`, true, 401],
    ['an unknown token', 'Bearer nonsense', true, 401],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', true, 401],
  ])('%s', async (_label, header, open, status) => {
    let got: number | undefined;
    try {
      await checkAuthorization(request(header), { open, verifyAccessToken: verify }, 1_000_000);
    } catch (err) {
      got = (err as FhirHttpError).status;
    }
    expect(got).toBe(status);
  });
});

describe('requiredPermissions and checkScopes', () => {
  it.each([
    ['GET', 'Patient/peter', undefined, ['Patient.r']],
    ['HEAD', 'Patient/peter/_history/1', undefined, ['Patient.r']],
    ['GET', 'Observation?patient=peter', undefined, ['Observation.s']],
    ['GET', 'ServiceRequest?_revinclude=Task:focus', undefined, ['ServiceRequest.s', 'Task.s']],
    ['POST', 'Observation/_search', undefined, ['Observation.s']],
    ['POST', 'ServiceRequest', {}, ['ServiceRequest.c']],
    ['PUT', 'Task/1', {}, ['Task.u']],
    ['PATCH', 'Task/1', [], ['Task.u']],
    ['DELETE', 'Task/1', undefined, ['Task.d']],
    ['GET', '?_type=Patient,Observation', undefined, ['Patient.s', 'Observation.s']],
    [
      'POST',
      '',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'ServiceRequest' } },
          { request: { method: 'GET', url: 'Patient/peter' } },
          { request: { method: 'POST', url: '' } },
        ],
      },
      ['ServiceRequest.c', 'Patient.r'],
    ],
  ])('%s %s', (method, path, body, expected) => {
    expect(requiredPermissions(method, path, body).map((p) => `${p.resourceType}.${p.perm}`)).toEqual(
      expected,
    );
  });

  it.each([
    ['patient/Observation.rs', [{ resourceType: 'Observation', perm: 's' }], undefined],
    ['patient/Observation.rs', [{ resourceType: 'Observation', perm: 'c' }], 403],
    ['patient/*.cruds', [{ resourceType: 'Task', perm: 'd' }], undefined],
    ['user/Practitioner.read', [{ resourceType: 'Practitioner', perm: 'r' }], undefined],
    ['patient/Observation.crus', [{ resourceType: 'Condition', perm: 'r' }], 403],
    ['launch openid fhirUser', [{ resourceType: 'Patient', perm: 'r' }], 403],
    ['launch openid', [], undefined],
  ] as [string, Parameters<typeof checkScopes>[1], number | undefined][])(
    '%s for %j',
    (scope, needed, status) => {
      expect(statusOf(() => checkScopes(scope, needed))).toBe(status);
    },
  );
});

describe('normaliseSearch', () => {
  const resolve = async (type: string, pairs: QueryPairs): Promise<string[]> =>
    type === 'Patient' && pairs[0]?.[0] === 'identifier' ? ['Patient/peter'] : [];

  it('expands bare ids of single-target reference parameters', async () => {
    const { pairs } = await normaliseSearch('Observation', [['patient', 'peter,sarah']], resolve);
    expect(pairs).toEqual([['patient', 'Patient/peter,Patient/sarah']]);
  });

  it('expands a bare id over every target of a multi-target parameter, or the one in a type modifier', async () => {
    const { pairs } = await normaliseSearch(
      'Observation',
      [
        ['subject', 'peter'],
        ['subject:Patient', 'sarah'],
      ],
      resolve,
    );
    expect(pairs[0]?.[1].split(',')).toEqual(expect.arrayContaining(['Patient/peter', 'Group/peter']));
    expect(pairs[1]).toEqual(['subject', 'Patient/sarah']);
  });

  it('resolves a chained parameter, and matches nothing when the chain finds nothing', async () => {
    const found = await normaliseSearch('Observation', [['subject:Patient.identifier', 'x|1']], resolve);
    expect(found.pairs).toEqual([['subject', 'Patient/peter']]);
    const none = await normaliseSearch('Observation', [['patient.name', 'nobody']], resolve);
    expect(none.pairs[0]?.[1]).toMatch(/^Patient\/~/);
  });

  it('reads _count and _offset, with a default and a cap', async () => {
    expect((await normaliseSearch('Patient', [], resolve)).count).toBe(DEFAULT_PAGE_SIZE);
    const paged = await normaliseSearch(
      'Patient',
      [
        ['_count', '5000'],
        ['_offset', '7'],
      ],
      resolve,
    );
    expect([paged.count, paged.offset]).toEqual([MAX_PAGE_SIZE, 7]);
  });

  it.each([
    [[['_count', '-1']], false, 400],
    [[['_offset', 'x']], false, 400],
    [[['_format', 'xml']], false, 406],
    [[['colour', 'blue']], true, 400],
    [[['code.text', 'x']], false, 400],
  ] as [QueryPairs, boolean, number][])('refuses %j (strict %s) with %s', async (pairs, strict, status) => {
    await expect(normaliseSearch('Observation', pairs, resolve, strict)).rejects.toMatchObject({ status });
  });

  it('ignores unknown parameters unless strict, and leaves them out of the links', async () => {
    const result = await normaliseSearch(
      'Observation',
      [
        ['colour', 'blue'],
        ['code', '365524007'],
      ],
      resolve,
    );
    expect(result.ignored).toEqual(['colour']);
    expect(result.linkPairs).toEqual([['code', '365524007']]);
  });
});

describe('pagingLinks', () => {
  const base = 'http://localhost:8080/fhir';
  const relations = (offset: number, count: number, total: number) =>
    pagingLinks(base, 'Observation', { linkPairs: [['patient', 'peter']], count, offset }, total).map(
      (l) => l.relation,
    );

  it.each([
    [0, 2, 5, ['self', 'first', 'next']],
    [2, 2, 5, ['self', 'first', 'previous', 'next']],
    [4, 2, 5, ['self', 'first', 'previous']],
    [0, 10, 5, ['self', 'first']],
    [0, 0, 5, ['self', 'first']],
  ])('offset %s, count %s, total %s', (offset, count, total, expected) => {
    expect(relations(offset, count, total)).toEqual(expected);
  });

  it('makes absolute links that keep the query', () => {
    const [self, , next] = pagingLinks(
      base,
      'Observation',
      { linkPairs: [['patient', 'peter']], count: 2, offset: 0 },
      5,
    );
    expect(self?.url).toBe(`${base}/Observation?patient=peter&_count=2&_offset=0`);
    expect(next?.url).toBe(`${base}/Observation?patient=peter&_count=2&_offset=2`);
  });
});

describe('checkResource and SandboxRepository', () => {
  it.each([
    [{ resourceType: 'Patient', birthDate: '1980-02-30x' }, 'not valid FHIR R4'],
    [{ resourceType: 'Patient', colour: 'blue' }, 'not valid FHIR R4'],
    [{ resourceType: 'Fitnote' }, 'not a FHIR R4 resource type'],
    [{}, 'no resourceType'],
  ])('refuses %j', (resource, text) => {
    expect(() => checkResource(resource as Resource)).toThrow(OperationOutcomeError);
    try {
      checkResource(resource as Resource);
    } catch (err) {
      expect(messageOf((err as OperationOutcomeError).outcome)).toContain(text);
    }
  });

  it('undoes every write of a transaction that fails, including updates and deletes', async () => {
    const repo = new SandboxRepository();
    await repo.createResource<Patient>({ resourceType: 'Patient', id: 'a', gender: 'female' });
    await repo.createResource<Patient>({ resourceType: 'Patient', id: 'b' });
    await expect(
      repo.withTransaction(async () => {
        await repo.updateResource<Patient>({ resourceType: 'Patient', id: 'a', gender: 'male' });
        await repo.deleteResource('Patient', 'b');
        await repo.createResource<Patient>({ resourceType: 'Patient', id: 'c' });
        await repo.createResource<Patient>({ resourceType: 'Patient' });
        throw new Error('entry 5 failed');
      }),
    ).rejects.toThrow('entry 5 failed');
    const ids = (await repo.searchResources({ resourceType: 'Patient' })).map((p) => p.id).sort();
    expect(ids).toEqual(['a', 'b']);
    expect((await repo.readResource<Patient>('Patient', 'a')).gender).toBe('female');
  });
});

describe('the HTTP handler', () => {
  let fhir: SandboxFhirServer;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    fhir = await createFhirServer({
      today: TODAY,
      open: true,
      latencyMs: 1,
      verifyAccessToken: (token) =>
        token === GOOD_TOKEN ? { active: true, scope: 'patient/Patient.rs' } : undefined,
    });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      void fhir.handle(req, res, url).then((handled) => {
        if (!handled) {
          res.writeHead(418);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = async <T = Bundle>(path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/${path}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
  const send = async <T = Resource>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: { 'Content-Type': 'application/fhir+json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };

  it('loads every example record once: each sample patient, and each shared resource once', async () => {
    const dir = path.join(packageRoot(), 'examples', 'records');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const patients = (await fhir.repo.searchResources<Patient>({ resourceType: 'Patient', count: 1000 }))
      .map((p) => p.id)
      .sort();
    expect(patients).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
    expect(patients).toHaveLength(17);
    const distinct = new Set(
      files.flatMap((f) =>
        ((JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Bundle).entry ?? []).map(
          (e) => `${e.resource?.resourceType}/${e.resource?.id}`,
        ),
      ),
    );
    expect(fhir.loaded).toBe(distinct.size);
  });

  it('leaves other paths, and the SMART discovery document, to other handlers', async () => {
    expect((await fetch(`${base}/.well-known/smart-configuration`)).status).toBe(418);
    expect((await fetch(base.replace('/fhir', '/fhirish'))).status).toBe(418);
  });

  it('serves requests without a token when open, but still refuses a bad token', async () => {
    expect((await get('Patient/peter')).status).toBe(200);
    expect((await get('Patient/peter', { Authorization: `Bearer ${GOOD_TOKEN}` })).status).toBe(200);
    expect((await get('Patient/peter', { Authorization: 'Bearer stale' })).status).toBe(401);
    expect((await get('Observation?patient=peter', { Authorization: `Bearer ${GOOD_TOKEN}` })).status).toBe(
      403,
    );
  });

  it('gzips the CapabilityStatement when the client accepts it', async () => {
    const res = await fetch(`${base}/metadata`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Resource).resourceType).toBe('CapabilityStatement');
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get: httpGet }) =>
        httpGet(`${base}/metadata`, { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
          r.on('error', reject);
        }),
      );
    });
    expect(JSON.parse(gunzipSync(raw).toString('utf8')).fhirVersion).toBe('4.0.1');
  });

  it('resolves a chained search by NHS number', async () => {
    const patient = (await get<Patient>('Patient/peter')).body;
    const nhs = patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value;
    expect(nhs).toBeDefined();
    const { body } = await get(
      `Observation?subject:Patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhs}`)}&code=365524007`,
    );
    expect(body.total).toBe(2);
  });

  it('counts without entries for _summary=count and _count=0', async () => {
    for (const query of ['_summary=count', '_count=0']) {
      const { body } = await get(`Observation?patient=peter&${query}`);
      expect(body.total).toBeGreaterThan(0);
      expect(body.entry).toBeUndefined();
    }
  });

  it('ignores an unknown parameter with a warning, and refuses it with Prefer: handling=strict', async () => {
    const lenient = await get('Observation?patient=peter&colour=blue');
    expect(lenient.status).toBe(200);
    expect(lenient.body.total).toBeGreaterThan(0);
    const warning = lenient.body.entry?.find((e) => e.search?.mode === 'outcome')
      ?.resource as OperationOutcome;
    expect(messageOf(warning)).toContain('colour');
    const strict = await get<OperationOutcome>('Observation?patient=peter&colour=blue', {
      Prefer: 'handling=strict',
    });
    expect(strict.status).toBe(400);
  });

  it('searches inside a batch, with includes and absolute paging links', async () => {
    const { status, body } = await send<Bundle>('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/peter' } },
        {
          request: {
            method: 'GET',
            url: 'Observation?patient=peter&_count=1&_include=Observation:performer',
          },
        },
        { request: { method: 'GET', url: 'Patient/nobody' } },
      ],
    });
    expect(status).toBe(200);
    expect(body.entry?.map((e) => e.response?.status)).toEqual(['200', '200', '404']);
    const page = body.entry?.[1]?.resource as Bundle;
    expect(page.link?.find((l) => l.relation === 'next')?.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/fhir\/Observation\?/,
    );
  });

  it('updates with If-Match and refuses a stale version with 412', async () => {
    const read = await get<Patient>('Patient/sarah');
    const etag = read.headers.get('etag') ?? '';
    const updated = await send<Patient>(
      'PUT',
      'Patient/sarah',
      { ...read.body, gender: 'female' },
      { 'If-Match': etag },
    );
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).not.toBe(etag);
    const stale = await send<OperationOutcome>('PUT', 'Patient/sarah', read.body, { 'If-Match': etag });
    expect(stale.status).toBe(412);
    expect(messageOf(stale.body)).toContain('Read it again');
  });

  it('creates one resource when the same conditional create arrives twice at once', async () => {
    const referral: ServiceRequest = {
      resourceType: 'ServiceRequest',
      identifier: [{ system: 'urn:example:referral', value: 'twice' }],
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/peter' },
    };
    const headers = { 'If-None-Exist': 'identifier=urn:example:referral|twice' };
    const [a, b] = await Promise.all([
      send<ServiceRequest>('POST', 'ServiceRequest', referral, headers),
      send<ServiceRequest>('POST', 'ServiceRequest', referral, headers),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
  });

  it('answers HEAD with headers and no body, and a 406 to an XML-only Accept', async () => {
    const head = await fetch(`${base}/Patient/peter`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const xml = await get<OperationOutcome>('Patient/peter', { Accept: 'application/fhir+xml' });
    expect(xml.status).toBe(406);
  });

  it.each([
    ['GET', 'Patient/%E0%A4%A', undefined],
    ['GET', '%E0%A4%A', undefined],
    ['GET', 'Observation?date=not-a-date', undefined],
    ['GET', 'Observation?patient=peter&_sort=nonsense', undefined],
    ['GET', 'Observation?_include=Observation:nonsense', undefined],
    ['GET', 'Observation?_revinclude=Nonsense:focus', undefined],
    ['GET', 'Observation?code:below=x', undefined],
    ['GET', 'Observation?patient.nonsense=1', undefined],
    ['GET', '?_type=Nonsense', undefined],
    ['GET', 'Patient/peter/_history/nonsense', undefined],
    ['GET', 'Patient/peter/extra/segments/here', undefined],
    ['POST', '$graphql', '{"query": "{ nonsense }"}'],
    ['POST', '', '{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET"}}]}'],
    [
      'POST',
      '',
      '{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Nonsense"},"resource":{"resourceType":"Nonsense"}}]}',
    ],
    ['POST', '', '{"resourceType":"Bundle","type":"transaction","entry":[null]}'],
    ['POST', '', '{"resourceType":"Patient"}'],
    ['POST', 'Patient', '{"resourceType":"Patient","name":"not an array"}'],
    ['POST', 'Patient', '{"resourceType":"Patient","birthDate":12}'],
    ['PUT', 'Patient', '{"resourceType":"Patient"}'],
    ['PUT', 'Patient/new-one', '{"resourceType":"Patient","id":"new-one","extension":[{}]}'],
    ['PATCH', 'Patient/peter', '[{"op":"replace","path":"/nonsense/deep","value":1}]'],
    ['PATCH', 'Patient/peter', '[{"op":"explode"}]'],
    ['DELETE', 'Patient', undefined],
    ['DELETE', 'Patient/nobody', undefined],
    ['POST', 'Observation/_search', 'patient=peter&date=zzz'],
  ])('answers %s %s without a 500 (errors as OperationOutcomes)', async (method, path, body) => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: {
        'Content-Type': path.endsWith('_search')
          ? 'application/x-www-form-urlencoded'
          : 'application/fhir+json',
      },
      ...(body === undefined ? {} : { body }),
    });
    const json = (await res.json()) as Resource;
    if (res.status >= 400) expect(json.resourceType).toBe('OperationOutcome');
    expect(res.status).toBeLessThan(500);
  });

  it('deletes, then answers 404 for the deleted resource', async () => {
    const created = await send<Resource>('POST', 'Basic', {
      resourceType: 'Basic',
      code: { text: 'temporary' },
    });
    expect(created.status).toBe(201);
    const res = await fetch(`${base}/Basic/${created.body.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect((await get(`Basic/${created.body.id}`)).status).toBe(404);
  });
});
