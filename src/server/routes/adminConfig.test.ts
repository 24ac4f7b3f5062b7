/**
 * The IT-lead console's configuration API through the hub's real app (listening on a free port), a
 * SQLite store in memory, the examples practice (A99999) as the configuration source, and staff
 * tokens from a local stand-in OpenID issuer checked by the real StaffTokenChecker.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { buildHub } from '../app.js';
import { startTestIssuer, type TestIssuer } from '../auth/testSupport.js';
import { examplesConfigSource } from '../config/files.js';
import { PracticeConfigs } from '../config/practices.js';
import type { ConfigSource } from '../config/source.js';
import { SEEDED_FROM_FILE, SEEDED_FROM_NATIONAL, type VersionView } from '../config/versions.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { testProviderConnection } from './adminConfig.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';
const NOW = Date.parse('2026-11-21T12:00:00Z');
const EXAMPLE_RULES = JSON.parse(readFileSync('examples/rules.json', 'utf8'));

let testIssuer: TestIssuer;
let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
let source: ConfigSource;
let itLead: string;
let otherItLead: string;
let providerStaff: string;
let fhirServer: Server;
let fhirUrl = '';
let refusedUrl = '';

type Json = Record<string, unknown>;

async function call(
  method: string,
  path: string,
  options: { token?: string | undefined; body?: unknown; text?: string; type?: string } = {},
): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  const token = 'token' in options ? options.token : itLead;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.text !== undefined) {
    body = options.text;
    headers['content-type'] = options.type ?? 'text/plain';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${hubUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = {};
  }
  return { status: res.status, json, text, headers: res.headers };
}

const problems = (json: Json) =>
  ((json as unknown as OperationOutcome).issue ?? []).map((i) => i.details?.text ?? i.diagnostics ?? '');

const served = async () => new PracticeConfigs(source, store).served('A99999');

function directoryWith(change: (providers: Json[]) => Json[]): Json {
  const directory = structuredClone(EXAMPLE_DIRECTORY) as { providers: Json[] };
  return { ...directory, providers: change(directory.providers) };
}

let EXAMPLE_DIRECTORY: Json;

beforeAll(async () => {
  testIssuer = await startTestIssuer(AUDIENCE);
  itLead = await testIssuer.token({
    sub: 'it-lead-a99999',
    name: 'Ivy Test-Lead (synthetic)',
    fitnote_role: 'it-lead',
    fitnote_practice: 'a99999',
  });
  otherItLead = await testIssuer.token({
    sub: 'it-lead-z11111',
    name: 'Another IT lead',
    fitnote_role: 'it-lead',
    fitnote_practice: 'Z11111',
  });
  providerStaff = await testIssuer.token({
    sub: 'coordinator',
    name: 'Coordinator',
    fitnote_role: 'provider-staff',
    fitnote_provider: 'local-oh-service',
  });
  // A stand-in provider FHIR server: /ok and /bars describe themselves, /old is FHIR 3, /page is HTML.
  fhirServer = createServer((req, res) => {
    const capability = (extra: Json = {}) =>
      JSON.stringify({
        resourceType: 'CapabilityStatement',
        status: 'active',
        fhirVersion: '4.0.1',
        software: { name: 'Stand-in FHIR', version: '1.2' },
        ...extra,
      });
    if (req.url === '/ok/fhir/metadata')
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(capability());
    else if (req.url === '/bars/fhir/metadata')
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(
        capability({
          rest: [
            {
              mode: 'server',
              operation: [
                {
                  name: 'process-message',
                  definition: 'http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message',
                },
              ],
            },
          ],
        }),
      );
    else if (req.url === '/old/fhir/metadata') res.writeHead(200).end(capability({ fhirVersion: '3.0.2' }));
    else if (req.url === '/page/fhir/metadata')
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>');
    else if (req.url === '/slow/fhir/metadata') setTimeout(() => res.writeHead(200).end(capability()), 2000);
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => fhirServer.listen(0, '127.0.0.1', resolve));
  fhirUrl = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/fhir`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  source = examplesConfigSource();
  EXAMPLE_DIRECTORY = (await source.get('A99999'))?.directory as Json;
});

beforeEach(async () => {
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: ['https://ehr.example.test/fhir'],
      corsOrigins: [],
      validateProfiles: false,
      oidc: { issuer: testIssuer.issuer, audience: AUDIENCE },
      publicUrl: 'https://hub.example.test',
    },
    configSource: source,
    now: () => NOW,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  hubUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await app.close();
  await store.close();
});

afterAll(async () => {
  await testIssuer.close();
  await new Promise<void>((resolve) => fhirServer.close(() => resolve()));
});

const sixWeeksAt = (days: number) => {
  const rules = structuredClone(EXAMPLE_RULES);
  rules.rules.find((r: Json) => r.id === 'six-weeks-oh').when.absenceDaysAtLeast = days;
  return rules;
};

describe('sign-in, who, who not', () => {
  it('says where to sign in without a token', async () => {
    const res = await call('GET', '/admin/api/sign-in', { token: undefined });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ issuer: testIssuer.issuer, clientId: 'it-lead-console', resource: AUDIENCE });
  });

  it('names the IT lead and their practice', async () => {
    const res = await call('GET', '/admin/api/me');
    expect(res.json).toEqual({ name: 'Ivy Test-Lead (synthetic)', practiceOds: 'A99999' });
  });

  it.each([
    ['provider staff', () => providerStaff, 403, /Only the practice’s IT lead/],
    ['a GP’s token (not a staff token)', () => 'gp-smart-access-token', 401, /./],
    ['no token', () => undefined, 401, /./],
  ])('refuses %s, storing nothing', async (_label, token, status, message) => {
    for (const [method, path] of [
      ['GET', '/admin/api/rules'],
      ['POST', '/admin/api/rules/versions'],
      ['PUT', '/admin/api/directory'],
    ] as const) {
      const res = await call(method, path, {
        token: token(),
        ...(method === 'GET' ? {} : { body: { rules: EXAMPLE_RULES, basedOn: 1 } }),
      });
      expect(res.status).toBe(status);
      expect(problems(res.json).join(' ')).toMatch(message);
    }
    expect(await store.listConfigVersions('A99999', 'rules')).toEqual([]);
  });
});

describe('seeding', () => {
  it('starts the practice from its configuration file: version 1 of each, published, by the hub', async () => {
    const before = await served();
    const res = await call('GET', '/admin/api/rules');
    expect(res.status).toBe(200);
    const live = res.json.live as VersionView;
    expect(live).toMatchObject({
      version: 1,
      published: true,
      author: 'hub',
      note: SEEDED_FROM_FILE,
      changes: [],
    });
    expect(live.body).toEqual(EXAMPLE_RULES);
    expect(res.json.latest).toEqual(live);
    expect((res.json.national as { rules: unknown[] }).rules.length).toBeGreaterThan(3);
    expect(res.json.providers).toContainEqual({
      id: 'talking-therapies-employment',
      name: expect.any(String),
      status: 'paused',
    });
    expect(res.json.providers).toContainEqual({
      id: 'local-oh-service',
      name: expect.any(String),
      status: 'active',
    });
    const directory = await call('GET', '/admin/api/directory');
    expect(directory.json).toMatchObject({
      live: { version: 1, body: EXAMPLE_DIRECTORY },
      today: '2026-11-21',
    });
    // What GPs get does not change by seeding.
    expect((await served())?.body).toBe(before?.body);
    // Opening it again seeds nothing more.
    await Promise.all([call('GET', '/admin/api/rules'), call('GET', '/admin/api/directory/versions')]);
    expect((await store.listConfigVersions('A99999', 'rules')).length).toBe(1);
    expect((await store.listConfigVersions('A99999', 'directory')).length).toBe(1);
  });

  it('starts a practice without a file from the national defaults and an empty directory', async () => {
    // Two console pages opening at once seed once.
    const [res] = await Promise.all([
      call('GET', '/admin/api/rules/versions', { token: otherItLead }),
      call('GET', '/admin/api/directory', { token: otherItLead }),
    ]);
    expect(res.status).toBe(200);
    expect((res.json.versions as VersionView[]).length).toBe(1);
    const [first] = res.json.versions as VersionView[];
    expect(first).toMatchObject({ version: 1, note: SEEDED_FROM_NATIONAL, published: true });
    expect((first?.body as { rules: unknown[] } | undefined)?.rules.length).toBeGreaterThan(3);
    const directory = await call('GET', '/admin/api/directory', { token: otherItLead });
    expect((directory.json.live as VersionView).body).toEqual({ schemaVersion: 1, providers: [] });
  });
});

describe('rules versions', () => {
  it('saves a draft that GPs do not get; publishing serves it (new ETag), audited with who', async () => {
    const before = await served();
    const saved = await call('POST', '/admin/api/rules/versions', {
      body: { rules: sixWeeksAt(28), basedOn: 1, note: 'Four weeks for OH' },
    });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({
      version: 2,
      published: false,
      author: 'staff:it-lead-a99999',
      authorName: 'Ivy Test-Lead (synthetic)',
      note: 'Four weeks for OH',
      changes: ['Rule "six-weeks-oh": absence threshold 42 days (6 weeks) → 28 days (4 weeks)'],
    });
    expect((await served())?.etag).toBe(before?.etag);
    const rules = await call('GET', '/admin/api/rules');
    expect((rules.json.live as VersionView).version).toBe(1);
    expect((rules.json.latest as VersionView).version).toBe(2);

    const published = await call('POST', '/admin/api/rules/versions/2/publish');
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({
      version: 2,
      published: true,
      publishedBy: 'staff:it-lead-a99999',
      publishedAt: NOW,
    });
    const after = await served();
    expect(after?.etag).not.toBe(before?.etag);
    const doc = JSON.parse(after?.body ?? '{}');
    expect(doc.rules.rules.find((r: Json) => r.id === 'six-weeks-oh').when.absenceDaysAtLeast).toBe(28);
    expect(doc.directory).toEqual(EXAMPLE_DIRECTORY);
    const audit = await store.listAudit({ practiceOds: 'A99999' });
    expect(audit.slice(0, 2).map((a) => [a.action, a.agent])).toEqual([
      ['config-published', 'staff:it-lead-a99999'],
      ['config-saved', 'staff:it-lead-a99999'],
    ]);
    const one = await call('GET', '/admin/api/rules/versions/2');
    expect(one.json).toMatchObject({ version: 2, published: true });
    const list = await call('GET', '/admin/api/rules/versions');
    expect((list.json.versions as VersionView[]).map((v) => [v.version, v.published])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a threshold of zero', sixWeeksAt(0), /Rule "six-weeks-oh".*1 or more/],
    [
      'a provider not in the directory',
      (() => {
        const r = structuredClone(EXAMPLE_RULES);
        r.rules[0].providers = ['nowhere-service'];
        return r;
      })(),
      /provider "nowhere-service" is not in the provider directory/,
    ],
    ['not a rules file', [1, 2], /must be a JSON object/],
  ])('refuses %s with 422, one issue per problem, storing nothing', async (_label, rules, message) => {
    const res = await call('POST', '/admin/api/rules/versions', { body: { rules, basedOn: 1 } });
    expect(res.status).toBe(422);
    const lines = problems(res.json);
    expect(lines[0]).toMatch(/not saved/);
    expect(lines.slice(1).join('\n')).toMatch(message);
    expect((await store.listConfigVersions('A99999', 'rules')).length).toBe(1);
  });

  it('refuses a save based on an older version (someone saved meanwhile) with 409', async () => {
    await call('POST', '/admin/api/rules/versions', { body: { rules: sixWeeksAt(35), basedOn: 1 } });
    const res = await call('POST', '/admin/api/rules/versions', {
      body: { rules: sixWeeksAt(28), basedOn: 1 },
    });
    expect(res.status).toBe(409);
    expect(problems(res.json).join(' ')).toMatch(/Someone saved version 2 .* from version 1/);
    expect((await store.listConfigVersions('A99999', 'rules')).length).toBe(2);
  });

  it.each<[string, unknown, RegExp]>([
    ['no basedOn', { rules: EXAMPLE_RULES }, /basedOn/],
    ['an unknown field', { rules: EXAMPLE_RULES, basedOn: 1, extra: 1 }, /"extra" is not part/],
    ['no rules', { basedOn: 1 }, /"rules" is missing/],
  ])('answers %s with 400', async (_label, body, message) => {
    const res = await call('POST', '/admin/api/rules/versions', { body });
    expect(res.status).toBe(400);
    expect(problems(res.json).join(' ')).toMatch(message);
  });

  it('restores an older version as a new draft, which can be published', async () => {
    await call('POST', '/admin/api/rules/versions', { body: { rules: sixWeeksAt(28), basedOn: 1 } });
    await call('POST', '/admin/api/rules/versions/2/publish');
    const restored = await call('POST', '/admin/api/rules/versions/1/restore');
    expect(restored.status).toBe(201);
    expect(restored.json).toMatchObject({
      version: 3,
      published: false,
      note: 'Restored from version 1',
      body: EXAMPLE_RULES,
      changes: ['Rule "six-weeks-oh": absence threshold 28 days (4 weeks) → 42 days (6 weeks)'],
    });
    await call('POST', '/admin/api/rules/versions/3/publish');
    expect(JSON.parse((await served())?.body ?? '{}').rules).toEqual(EXAMPLE_RULES);
  });

  it.each([
    ['POST', '/admin/api/rules/versions/9/publish', 404, /no version 9/],
    ['POST', '/admin/api/rules/versions/9/restore', 404, /no version 9/],
    ['GET', '/admin/api/rules/versions/9', 404, /no version 9/],
    ['GET', '/admin/api/rules/versions/two', 400, /not a version number/],
    ['DELETE', '/admin/api/rules/versions/1', 405, /use GET/],
  ])('%s %s → %i', async (method, path, status, message) => {
    const res = await call(method, path);
    expect(res.status).toBe(status);
    expect(problems(res.json).join(' ')).toMatch(message);
  });
});

describe('import and export', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['application/json', 'application/json'],
  ])('imports a good file sent as %s as a draft', async (_label, type) => {
    const res = await call('POST', '/admin/api/rules/import', {
      text: JSON.stringify(sixWeeksAt(35), null, 2),
      type,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ version: 2, published: false, note: 'Imported from a file' });
    expect((res.json.body as { rules: Json[] }).rules.length).toBe(EXAMPLE_RULES.rules.length);
  });

  it.each([
    ['not JSON', '{ "schemaVersion": 1, rules: [] }', /line 1/],
    ['an unknown field', JSON.stringify({ ...EXAMPLE_RULES, colour: 'blue' }), /colour/],
    ['a bad threshold', JSON.stringify(sixWeeksAt(-3)), /six-weeks-oh/],
    ['empty', '  ', /empty/],
  ])('refuses a bad file (%s) with the reason, changing nothing', async (_label, text, message) => {
    const before = await served();
    const res = await call('POST', '/admin/api/rules/import', { text });
    expect(res.status).toBe(422);
    expect(problems(res.json).join('\n')).toMatch(message);
    expect(problems(res.json)[0]).toMatch(/nothing/i);
    expect((await store.listConfigVersions('A99999', 'rules')).length).toBe(1);
    expect((await served())?.etag).toBe(before?.etag);
  });

  it('exports the live version by default, or the one asked for, as an attachment', async () => {
    await call('POST', '/admin/api/rules/versions', { body: { rules: sixWeeksAt(28), basedOn: 1 } });
    const live = await call('GET', '/admin/api/rules/export');
    expect(live.status).toBe(200);
    expect(live.headers.get('content-disposition')).toBe('attachment; filename="rules-A99999-v1.json"');
    expect(JSON.parse(live.text)).toEqual(EXAMPLE_RULES);
    const draft = await call('GET', '/admin/api/rules/export?version=2');
    expect(draft.headers.get('content-disposition')).toBe('attachment; filename="rules-A99999-v2.json"');
    expect(JSON.parse(draft.text)).toEqual(sixWeeksAt(28));
    expect((await call('GET', '/admin/api/rules/export?version=7')).status).toBe(404);
  });
});

describe('directory', () => {
  it('publishes a change at once: a paused provider reaches GPs now', async () => {
    const before = await served();
    const directory = directoryWith((ps) =>
      ps.map((p) => (p.id === 'msk-physio-fast-track' ? { ...p, status: 'paused' } : p)),
    );
    const res = await call('PUT', '/admin/api/directory', {
      body: { directory, basedOn: 1, note: 'Physio full' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      version: 2,
      published: true,
      note: 'Physio full',
      changes: ['Provider "msk-physio-fast-track": paused'],
    });
    const after = await served();
    expect(after?.etag).not.toBe(before?.etag);
    expect(JSON.parse(after?.body ?? '{}').directory).toEqual(directory);
    const provider = await new PracticeConfigs(source, store).provider('A99999', 'msk-physio-fast-track');
    expect(provider?.status).toBe('paused');
    const versions = await call('GET', '/admin/api/directory/versions');
    expect((versions.json.versions as VersionView[]).map((v) => v.version)).toEqual([2, 1]);
  });

  it('lets a provider no rule names be removed', async () => {
    const directory = directoryWith((ps) => ps.filter((p) => p.id !== 'debt-benefits-advice'));
    const res = await call('PUT', '/admin/api/directory', { body: { directory, basedOn: 1 } });
    expect(res.status).toBe(200);
    expect(res.json.changes).toEqual(['Provider "debt-benefits-advice" removed']);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'removing a provider the live rules name',
      () => directoryWith((ps) => ps.filter((p) => p.id !== 'case-managed-support')),
      /"case-managed-support" is removed, but the live rules \(version 1\) offer it in rules "three-months-case-managed", "fourth-note-one-episode"/,
    ],
    [
      'a provider without a phone number',
      () => directoryWith((ps) => ps.map((p) => (p.id === 'local-oh-service' ? { ...p, contact: {} } : p))),
      /Provider "local-oh-service".*phone/,
    ],
    ['not a directory', () => ({ providers: 'none' }), /Directory/],
  ])('refuses %s with 422, publishing nothing', async (_label, directory, message) => {
    const before = await served();
    const res = await call('PUT', '/admin/api/directory', { body: { directory: directory(), basedOn: 1 } });
    expect(res.status).toBe(422);
    expect(problems(res.json)[0]).toMatch(/not saved/);
    expect(problems(res.json).slice(1).join('\n')).toMatch(message);
    expect((await store.listConfigVersions('A99999', 'directory')).length).toBe(1);
    expect((await served())?.etag).toBe(before?.etag);
  });

  it('refuses removing a provider the latest rules draft names', async () => {
    const draft = structuredClone(EXAMPLE_RULES);
    draft.rules[0].providers = ['debt-benefits-advice'];
    expect(
      (await call('POST', '/admin/api/rules/versions', { body: { rules: draft, basedOn: 1 } })).status,
    ).toBe(201);
    const directory = directoryWith((ps) => ps.filter((p) => p.id !== 'debt-benefits-advice'));
    const res = await call('PUT', '/admin/api/directory', { body: { directory, basedOn: 1 } });
    expect(res.status).toBe(422);
    expect(problems(res.json).join(' ')).toMatch(
      /latest rules draft \(version 2\) offers it in rule "two-weeks-early-advice"/,
    );
  });

  it('refuses a change based on an older directory version with 409', async () => {
    const paused = directoryWith((ps) =>
      ps.map((p) => (p.id === 'local-oh-service' ? { ...p, status: 'paused' } : p)),
    );
    expect(
      (await call('PUT', '/admin/api/directory', { body: { directory: paused, basedOn: 1 } })).status,
    ).toBe(200);
    const res = await call('PUT', '/admin/api/directory', {
      body: { directory: EXAMPLE_DIRECTORY, basedOn: 1 },
    });
    expect(res.status).toBe(409);
  });
});

describe('test connection', () => {
  const pointing = (id: string, endpoint: Json) =>
    directoryWith((ps) => ps.map((p) => (p.id === id ? { ...p, endpoint } : p)));

  it.each<[string, Json, Partial<Json>, RegExp]>([
    [
      'a FHIR server',
      { mode: 'fhir-rest', baseUrl: 'FHIR/ok/fhir' },
      { ok: true, status: 200, fhirVersion: '4.0.1', software: 'Stand-in FHIR 1.2' },
      /Connected in \d+ ms to a FHIR 4\.0\.1 server \(Stand-in FHIR 1\.2\)/,
    ],
    [
      'a BaRS server that takes messages',
      { mode: 'bars-message', baseUrl: 'FHIR/bars/fhir/' },
      { ok: true, processMessage: true },
      /takes messages \(\$process-message\)/,
    ],
    [
      'a BaRS server that does not say it takes messages',
      { mode: 'bars-message', baseUrl: 'FHIR/ok/fhir' },
      { ok: false, processMessage: false },
      /does not say it takes messages/,
    ],
    [
      'no FHIR server there (404)',
      { mode: 'fhir-rest', baseUrl: 'FHIR/gone/fhir' },
      { ok: false, status: 404 },
      /answered 404.*no FHIR server at this address/,
    ],
    [
      'a web page, not FHIR JSON',
      { mode: 'fhir-rest', baseUrl: 'FHIR/page/fhir' },
      { ok: false, status: 200 },
      /not with a FHIR CapabilityStatement/,
    ],
    [
      'FHIR 3',
      { mode: 'fhir-rest', baseUrl: 'FHIR/old/fhir' },
      { ok: false, fhirVersion: '3.0.2' },
      /FHIR R4/,
    ],
    ['a refused port', { mode: 'fhir-rest', baseUrl: 'REFUSED' }, { ok: false }, /refused the connection/],
    ['the hub inbox', { mode: 'hub-inbox' }, { ok: true }, /receives referrals in this hub's inbox/],
  ])('reports %s in plain English', async (_label, endpoint, expected, summary) => {
    const baseUrl =
      typeof endpoint.baseUrl === 'string'
        ? endpoint.baseUrl.replace('FHIR', fhirUrl).replace('REFUSED', refusedUrl)
        : undefined;
    const directory = pointing('local-oh-service', { ...endpoint, ...(baseUrl ? { baseUrl } : {}) });
    expect((await call('PUT', '/admin/api/directory', { body: { directory, basedOn: 1 } })).status).toBe(200);
    const res = await call('POST', '/admin/api/directory/providers/local-oh-service/test-connection');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject(expected);
    expect(res.json.summary).toMatch(summary);
    expect(typeof res.json.elapsedMs).toBe('number');
    const [audit] = await store.listAudit({ action: 'provider-connection-test' });
    expect(audit).toMatchObject({ providerId: 'local-oh-service', outcome: expected.ok ? '0' : '4' });
  });

  it('says when a provider is not in the directory (404)', async () => {
    const res = await call('POST', '/admin/api/directory/providers/nobody/test-connection');
    expect(res.status).toBe(404);
  });

  it('gives up on a server that does not answer in time', async () => {
    const provider = {
      id: 'slow',
      name: 'Slow service',
      endpoint: { mode: 'fhir-rest' as const, baseUrl: `${fhirUrl}/slow/fhir` },
    } as Parameters<typeof testProviderConnection>[0];
    const result = await testProviderConnection(provider, { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, url: `${fhirUrl}/slow/fhir/metadata` });
    expect(result.summary).toMatch(/did not answer within 200 ms/);
    expect(result.elapsedMs).toBeLessThan(1500);
  });
});
