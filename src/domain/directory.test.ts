import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDPOINT_MISSING, listInWords, type ProviderInput, parseDirectory } from './directory.js';

const example = JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8'));

function provider(overrides: Record<string, unknown> = {}): ProviderInput & Record<string, unknown> {
  return {
    id: 'local-oh-service',
    name: 'Test OH Service',
    description: 'A synthetic occupational health service.',
    services: ['oh-assessment'],
    modalities: ['telephone'],
    eligibility: { employmentStatus: ['employed'] },
    status: 'open',
    lastVerified: '2026-11-01',
    waitingTimeDays: 10,
    contact: { phone: '0113 496 0000' },
    endpoint: { mode: 'hub-inbox' },
    ...overrides,
  };
}

function problemsOf(json: unknown): string[] {
  const result = parseDirectory(json);
  return result.ok ? [] : result.problems;
}

function problemsFor(overrides: Record<string, unknown>): string[] {
  return problemsOf({ schemaVersion: 1, providers: [provider(overrides)] });
}

describe('examples/directory.json', () => {
  it('is a valid directory of six providers with unique ids', () => {
    const result = parseDirectory(example);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.directory.providers).toHaveLength(6);
    expect(new Set(result.directory.providers.map((p) => p.id)).size).toBe(6);
  });

  it('covers each delivery mode, a paused provider and every service type the brief names', () => {
    const result = parseDirectory(example);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const providers = result.directory.providers;
    expect(new Set(providers.map((p) => p.endpoint.mode))).toEqual(
      new Set(['fhir-rest', 'bars-message', 'hub-inbox']),
    );
    expect(providers.filter((p) => p.status === 'paused')).toHaveLength(1);
    const services = new Set(providers.flatMap((p) => p.services));
    for (const s of [
      'oh-assessment',
      'employment-support',
      'physiotherapy',
      'psychological-therapy',
      'case-management',
      'workplace-mediation',
      'debt-benefits-advice',
    ])
      expect(services).toContain(s);
  });

  it('defaults excludeIfEmployerHasOccupationalHealth to false when left out', () => {
    const result = parseDirectory({ schemaVersion: 1, providers: [provider()] });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.directory.providers[0]?.eligibility.excludeIfEmployerHasOccupationalHealth).toBe(false);
  });
});

describe('parseDirectory problems', () => {
  it('gives ONE clear message for a provider without an endpoint', () => {
    const { endpoint: _omit, ...withoutEndpoint } = provider();
    expect(problemsOf({ schemaVersion: 1, providers: [withoutEndpoint] })).toEqual([
      `Provider "local-oh-service": ${ENDPOINT_MISSING}`,
    ]);
    expect(ENDPOINT_MISSING).toBe(
      'delivery endpoint is missing — add "endpoint": { "mode": "fhir-rest", "baseUrl": "https://…" }',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'unknown endpoint mode',
      { endpoint: { mode: 'email', address: 'x@example.org' } },
      'Provider "local-oh-service": delivery endpoint "mode" must be one of fhir-rest, bars-message or hub-inbox',
    ],
    [
      'fhir-rest endpoint without a base URL',
      { endpoint: { mode: 'fhir-rest' } },
      'Provider "local-oh-service": "endpoint.baseUrl" is missing',
    ],
    [
      'base URL that is not a web address',
      { endpoint: { mode: 'bars-message', baseUrl: 'ftp://example.org/x' } },
      'Provider "local-oh-service": "endpoint.baseUrl" must be a web address starting http:// or https://',
    ],
    [
      'hub-inbox endpoint with a stray key',
      { endpoint: { mode: 'hub-inbox', baseUrl: 'https://example.org' } },
      'Provider "local-oh-service": unknown field "baseUrl" in "endpoint" — remove it or check the spelling',
    ],
    [
      'an unknown key in eligibility',
      { eligibility: { employmentStatus: ['employed'], postcodes: ['LS'] } },
      'Provider "local-oh-service": unknown field "postcodes" in "eligibility" — remove it or check the spelling',
    ],
    [
      'unknown employment status',
      { eligibility: { employmentStatus: ['unknown'] } },
      'Provider "local-oh-service": "eligibility.employmentStatus[0]" must be one of employed, self-employed, unemployed, student, retired, not-in-work, not "unknown"',
    ],
    [
      'no employment statuses',
      { eligibility: { employmentStatus: [] } },
      'Provider "local-oh-service": "eligibility.employmentStatus" needs at least 1 entry',
    ],
    [
      'an unknown condition group',
      { eligibility: { employmentStatus: ['employed'], conditionGroups: ['cardiac'] } },
      'Provider "local-oh-service": "eligibility.conditionGroups[0]" must be one of msk, mental-health, not "cardiac"',
    ],
    [
      'a lower-case postcode area',
      { eligibility: { employmentStatus: ['employed'], areaCodes: ['ls6'] } },
      'Provider "local-oh-service": "eligibility.areaCodes[0]" must be a postcode area or district in capitals, such as "LS" or "LS6"',
    ],
    [
      'a full postcode instead of an area',
      { eligibility: { employmentStatus: ['employed'], areaCodes: ['LS6 2AB'] } },
      'Provider "local-oh-service": "eligibility.areaCodes[0]" must be a postcode area or district in capitals, such as "LS" or "LS6"',
    ],
    [
      'an age range upside down',
      { eligibility: { employmentStatus: ['employed'], ageRange: { min: 65, max: 18 } } },
      'Provider "local-oh-service": "eligibility.ageRange" has "min" above "max"',
    ],
    [
      'a negative employer size',
      { eligibility: { employmentStatus: ['employed'], employerSize: { max: -1 } } },
      'Provider "local-oh-service": "eligibility.employerSize.max" must be at least 0',
    ],
    [
      'an impossible date',
      { lastVerified: '2026-02-30' },
      'Provider "local-oh-service": "lastVerified" must be a real date written YYYY-MM-DD',
    ],
    [
      'a date in another format',
      { activeFrom: '01/04/2026' },
      'Provider "local-oh-service": "activeFrom" must be a real date written YYYY-MM-DD',
    ],
    [
      'activeTo before activeFrom',
      { activeFrom: '2026-04-01', activeTo: '2026-03-31' },
      'Provider "local-oh-service": "activeTo" must be after "activeFrom"',
    ],
    [
      'an unknown status',
      { status: 'suspended' },
      'Provider "local-oh-service": "status" must be one of open, paused, closed, not "suspended"',
    ],
    [
      'a missing status',
      { status: undefined },
      'Provider "local-oh-service": "status" is missing (it must be open, paused or closed)',
    ],
    [
      'waiting time as text',
      { waitingTimeDays: '2 weeks' },
      'Provider "local-oh-service": "waitingTimeDays" should be a number, not "2 weeks"',
    ],
    [
      'a fractional waiting time',
      { waitingTimeDays: 1.5 },
      'Provider "local-oh-service": "waitingTimeDays" should be a whole number, not 1.5',
    ],
    [
      'a bad email address',
      { contact: { phone: '0113 496 0000', email: 'referrals at example' } },
      'Provider "local-oh-service": "contact.email" must be an email address',
    ],
    [
      'no contact phone',
      { contact: { email: 'x@example.org' } },
      'Provider "local-oh-service": "contact.phone" is missing',
    ],
    [
      'an unknown service type',
      { services: ['physio'] },
      'Provider "local-oh-service": "services[0]" must be one of oh-assessment, employment-support, physiotherapy, psychological-therapy, case-management, workplace-mediation, debt-benefits-advice, not "physio"',
    ],
    [
      'an unknown modality',
      { modalities: ['carrier-pigeon'] },
      'Provider "local-oh-service": "modalities[0]" must be one of telephone, video, face-to-face, not "carrier-pigeon"',
    ],
    [
      'an id that is not a slug',
      { id: 'Local OH' },
      'Provider "Local OH": "id" must be lower-case letters, digits and single hyphens',
    ],
    [
      'a self-referral without instructions',
      { selfReferral: { phone: '0113 496 0000' } },
      'Provider "local-oh-service": "selfReferral.instructions" is missing',
    ],
    [
      'an unknown top-level provider key',
      { colour: 'blue' },
      'Provider "local-oh-service": unknown field "colour" — remove it or check the spelling',
    ],
  ])('reports %s', (_name, overrides, message) => {
    expect(problemsFor(overrides)).toEqual([message]);
  });

  it('names a provider without an id by its position', () => {
    const { id: _omit, ...noId } = provider();
    expect(problemsOf({ schemaVersion: 1, providers: [provider({ id: 'first' }), noId] })).toEqual([
      'Provider #2: "id" is missing',
    ]);
  });

  it('rejects duplicate provider ids, naming both positions', () => {
    expect(problemsOf({ schemaVersion: 1, providers: [provider(), provider({ name: 'Other' })] })).toEqual([
      'Provider "local-oh-service": the id is used twice (providers #1 and #2) — give each provider its own id',
    ]);
  });

  it('tells apart two providers with the same id when both have problems', () => {
    const problems = problemsOf({
      schemaVersion: 1,
      providers: [provider({ waitingTimeDays: -1 }), provider({ waitingTimeDays: -2 })],
    });
    expect(problems).toContain('Provider "local-oh-service": "waitingTimeDays" must be at least 0');
    expect(problems).toContain('Provider "local-oh-service" (#2): "waitingTimeDays" must be at least 0');
  });

  it.each<[string, unknown, string]>([
    [
      'a wrong schema version',
      { schemaVersion: 2, providers: [] },
      'Directory: "schemaVersion" must be 1, not 2',
    ],
    ['no providers list', { schemaVersion: 1 }, 'Directory: "providers" is missing'],
    [
      'an unknown top-level key',
      { schemaVersion: 1, providers: [], rules: [] },
      'Directory: unknown field "rules" — remove it or check the spelling',
    ],
    ['not an object', 'providers', 'Directory: the value should be an object, not "providers"'],
  ])('reports %s', (_name, json, message) => {
    expect(problemsOf(json)).toEqual([message]);
  });

  it('reports every problem at once, not just the first', () => {
    expect(problemsFor({ status: 'x', waitingTimeDays: -1, lastVerified: 'yesterday' })).toHaveLength(3);
  });

  it('accepts an empty directory', () => {
    expect(parseDirectory({ schemaVersion: 1, providers: [] })).toEqual({
      ok: true,
      directory: { schemaVersion: 1, providers: [] },
    });
  });
});

describe('listInWords', () => {
  it.each<[string[], 'and' | 'or', string]>([
    [[], 'and', ''],
    [['LS'], 'and', 'LS'],
    [['LS', 'BD'], 'and', 'LS and BD'],
    [['LS', 'BD', 'HX'], 'or', 'LS, BD or HX'],
  ])('%j with %s → %j', (items, conjunction, expected) => {
    expect(listInWords(items, conjunction)).toBe(expected);
  });
});
