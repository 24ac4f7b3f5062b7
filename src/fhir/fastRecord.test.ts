/**
 * The fast path of readRecord must agree with the zod-checked reader (readRecordThorough) on every
 * record: the shipped fixtures and examples, a synthetic population, and a few hundred variants with
 * fields removed, wrong types, bad and partial dates, offsets across BST changes, other statuses and
 * unknown codes. Where the fast path accepts a record its result is compared directly; readRecord
 * (fast path, else thorough) is compared on every record, thrown RecordErrors included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_SYSTEM, LOINC, NHS_NUMBER_SYSTEM, SNOMED } from '../domain/codes.js';
import { formatDay, londonDay } from '../domain/dates.js';
import { syntheticPopulation } from '../sandbox/synthetic.js';
import { fastLondonDay, fastReadRecord } from './fastRecord.js';
import { DEFAULT_FIT_NOTE_CODES } from './fitNotes.js';
import { type ReadRecordOptions, readRecord, readRecordThorough } from './record.js';

// biome-ignore lint/suspicious/noExplicitAny: records are mutated freely below
type Json = any;

const root = process.cwd();
const readJson = (path: string): Json => JSON.parse(readFileSync(join(root, path), 'utf8'));
/** A deep copy made in this realm (structuredClone's objects fail the reader's plain-JSON check under jest). */
const clone = (value: Json): Json => JSON.parse(JSON.stringify(value));

function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (error) {
    const e = error as { name?: string; kind?: string; message?: string };
    return { error: { name: e.name, kind: e.kind, message: e.message } };
  }
}

/** Asserts the two paths agree on `input`; returns whether the fast path accepted it. */
function expectSame(label: string, input: unknown, options?: ReadRecordOptions): boolean {
  const thorough = outcome(() => readRecordThorough(input, options));
  expect({ label, result: outcome(() => readRecord(input, options)) }).toStrictEqual({
    label,
    result: thorough,
  });
  const fast = fastReadRecord(input, options);
  if (fast === undefined) return false;
  expect({ label, result: { value: fast } }).toStrictEqual({ label, result: thorough });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const FIXTURES = readdirSync(join(root, 'tests/fixtures/fhir')).filter((f) => f.endsWith('.json'));
const EXAMPLES = readdirSync(join(root, 'examples/records')).filter((f) => f.endsWith('.json'));
const POPULATION: Json[] = readFileSync(join(root, 'examples/population.ndjson'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));
const SYNTHETIC: Json[] = [
  ...syntheticPopulation({
    patients: 60,
    notesPerPatient: 10,
    withNotesShare: 1,
    seed: 11,
    from: '2025-11-22',
    to: '2026-11-21',
  }),
];

const PATIENT = { resourceType: 'Patient', id: 'fixture-person' };

/** A single-resource fixture placed in a record of its own, about the fixture's patient. */
function recordAround(resource: Json): Json {
  const subject = resource.subject?.reference ?? resource.subject?.identifier ?? undefined;
  const patient =
    typeof subject === 'string' && subject.startsWith('Patient/')
      ? { resourceType: 'Patient', id: subject.slice('Patient/'.length) }
      : PATIENT;
  return { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }, { resource }] };
}

describe('fast path and thorough reader agree', () => {
  it.each(FIXTURES)('fixture %s (as given, and in a record)', (name) => {
    const fixture = readJson(`tests/fixtures/fhir/${name}`);
    expectSame(name, fixture);
    if (fixture.resourceType !== 'Bundle') expectSame(`${name} in a record`, recordAround(fixture));
  });

  it.each(EXAMPLES)('example record %s', (name) => {
    expectSame(name, readJson(`examples/records/${name}`));
  });

  it('every record in examples/population.ndjson, all read by the fast path', () => {
    expect(POPULATION.length).toBeGreaterThan(100);
    let fast = 0;
    POPULATION.forEach((record, i) => {
      if (expectSame(`population line ${i + 1}`, record)) fast++;
    });
    expect(fast).toBe(POPULATION.length);
  });

  it('a synthetic population, all read by the fast path', () => {
    let fast = 0;
    for (const record of SYNTHETIC) if (expectSame(record.id, record)) fast++;
    expect(fast).toBe(SYNTHETIC.length);
  });

  it('the fast path takes the vignette records without referrals', () => {
    for (const name of ['cathy.json', 'john.json', 'sarah.json', 'peter.json']) {
      expect(fastReadRecord(readJson(`examples/records/${name}`))).toBeDefined();
    }
  });

  it.each<[string, unknown, boolean]>([
    [
      'phones and emails',
      [
        { system: 'phone', value: '07700 900001', use: 'mobile', rank: 1 },
        { system: 'email', value: 'a@example.org' },
      ],
      true,
    ],
    [
      'an ended number, a fax and a blank value',
      [
        { system: 'phone', value: '0113 496 0100', period: { end: '2020-01-01' } },
        { system: 'fax', value: '1' },
        { system: 'phone', value: ' ' },
      ],
      true,
    ],
    ['a number given as a number', [{ system: 'phone', value: 7700900001 }], false],
    ['telecom that is not a list', { system: 'phone', value: '07700 900001' }, false],
    ['a rank given as text', [{ system: 'phone', value: '07700 900001', rank: '1' }], false],
  ])('Patient.telecom: %s (fast path: %s)', (label, telecom, fast) => {
    const input = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { ...PATIENT, telecom } }],
    };
    expect(expectSame(label, input)).toBe(fast);
  });
});

// ---------------------------------------------------------------------------------------------
// Mutated variants

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const DATES = [
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '2026-02',
  '2026',
  '',
  '26-02-24',
  '2026-02-24T25:00:00Z',
  '2026-02-24T12:60Z',
  '2026-02-24T12:00:61Z',
  '2026-02-24T12:00:60Z',
  '2026-02-24T12:00:00+0100',
  '2026-02-24T12:00:00.Z',
  '2026-02-24T12:00',
  '2026-02-24T12:00:00.123456+05:30',
  '2026-03-29T00:30:00Z',
  '2026-03-29T00:59:59Z',
  '2026-03-29T01:00:00Z',
  '2026-03-28T23:30:00Z',
  '2026-03-28T23:30:00-01:00',
  '2026-10-25T00:59:59Z',
  '2026-10-25T01:00:00Z',
  '2026-10-24T23:30:00Z',
  '2026-10-24T23:30:00+00:00',
  '2026-10-25T00:30:00+01:00',
  '2025-12-31T23:30:00-01:00',
  '2026-01-01T00:30:00+02:00',
  '2026-06-30T23:00:00Z',
  '2026-06-30T23:00:00+01:00',
  '2024-02-29',
  '2023-02-29',
  '2026-05-01',
  '2026-11-20',
  '2027-01-10',
  '2025-11-01T08:00:00Z',
];
const ODD_VALUES = [3, null, [], {}, 'x', true, '', { reference: 3 }];
const STATUSES = ['entered-in-error', 'cancelled', 'preliminary', 'amended', 'corrected', 'registered', 'x'];

function resources(record: Json, test: (r: Json) => boolean): Json[] {
  return (Array.isArray(record.entry) ? record.entry : [])
    .map((e: Json) => e?.resource)
    .filter((r: Json) => r !== null && typeof r === 'object' && test(r));
}
const codes = (r: Json): unknown[] =>
  Array.isArray(r.code?.coding) ? r.code.coding.map((c: Json) => c?.code) : [];
const fitNotes = (record: Json) => resources(record, (r) => codes(r).includes('365524007'));
const employments = (record: Json) => resources(record, (r) => codes(r).includes('74165-2'));
const occupations = (record: Json) => resources(record, (r) => codes(r).includes('11341-5'));
const patients = (record: Json) => resources(record, (r) => r.resourceType === 'Patient');

/** Sets or deletes (value undefined) a key on a random resource from `list`. */
function poke(rand: Rand, list: Json[], path: string[], value: unknown): string {
  const target = list.length === 0 ? undefined : pick(rand, list);
  if (target === undefined) return 'nothing';
  let at = target;
  for (const key of path.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object') at[key] = {};
    at = at[key];
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return `${target.id}.${path.join('.')}=${JSON.stringify(value)}`;
}

const INTERPRETER = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';
const PATIENT_CHANGES: Record<string, unknown[]> = {
  identifier: [
    undefined,
    [{ system: NHS_NUMBER_SYSTEM, value: '943 476 5919' }],
    [{ system: NHS_NUMBER_SYSTEM, value: '9434765918' }],
    [
      { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
      { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
    ],
    [
      { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
      { system: NHS_NUMBER_SYSTEM, value: '9991000003' },
    ],
    [{ system: NHS_NUMBER_SYSTEM }, { system: 'https://example.org/mrn', value: '42' }],
    [null],
    'x',
  ],
  birthDate: [
    undefined,
    '1980-02',
    '1980-02-30',
    '1980-02-03T10:00:00Z',
    19800203,
    '1980-02-29',
    '1984-02-29',
  ],
  address: [
    undefined,
    [{ use: 'old', postalCode: 'LS1 1AA' }, { postalCode: ' LS2 2BB ' }],
    [
      { use: 'work', postalCode: 'LS3 3CC' },
      { use: 'home', postalCode: 'LS4 4DD', period: { end: '2020-01-01' } },
    ],
    [
      { use: 'work', postalCode: 'LS3 3CC' },
      { use: 'home', postalCode: 'LS4 4DD' },
    ],
    [
      { use: 'temp', postalCode: 'LS5 5EE' },
      { use: 'home', postalCode: '' },
    ],
    [{ postalCode: '  ' }],
    [{ postalCode: 7 }],
    {},
  ],
  communication: [
    undefined,
    [
      { language: { coding: [{ code: 'cy' }] } },
      { language: { text: 'Polish' }, preferred: true, extension: [{ url: 'x', valueBoolean: true }] },
    ],
    [
      {
        language: { coding: [{ system: 'urn:ietf:bcp:47' }, { code: 'pl' }] },
        extension: [{ url: INTERPRETER, valueBoolean: true }],
      },
    ],
    [{ language: { text: 'Urdu' }, preferred: 'yes' }],
    [{ language: 'en' }],
    [],
  ],
  extension: [
    undefined,
    [{ url: INTERPRETER, valueBoolean: false }],
    [{ url: INTERPRETER }],
    [{ url: INTERPRETER, valueString: 'yes' }],
    [{ valueBoolean: true }],
  ],
  id: [undefined, '', 'renamed', 5],
};

const MUTATIONS: Array<(record: Json, rand: Rand) => string> = [
  // Fit notes: fields removed or of the wrong type, dates, statuses, codes.
  (r, rand) =>
    poke(
      rand,
      fitNotes(r),
      [
        pick(rand, [
          'status',
          'issued',
          'effectivePeriod',
          'valueCodeableConcept',
          'component',
          'code',
          'subject',
          'id',
          'performer',
        ]),
      ],
      undefined,
    ),
  (r, rand) =>
    poke(
      rand,
      fitNotes(r),
      [
        pick(rand, [
          'status',
          'issued',
          'effectivePeriod',
          'valueCodeableConcept',
          'component',
          'id',
          'performer',
        ]),
      ],
      pick(rand, ODD_VALUES),
    ),
  (r, rand) => poke(rand, fitNotes(r), ['effectivePeriod', pick(rand, ['start', 'end'])], undefined),
  (r, rand) =>
    poke(
      rand,
      fitNotes(r),
      ['effectivePeriod', pick(rand, ['start', 'end'])],
      pick(rand, [...DATES, 5, null]),
    ),
  (r, rand) => poke(rand, fitNotes(r), ['issued'], pick(rand, DATES)),
  (r, rand) => poke(rand, fitNotes(r), ['effectiveDateTime'], pick(rand, [...DATES, 7])),
  (r, rand) => poke(rand, fitNotes(r), ['status'], pick(rand, STATUSES)),
  (r, rand) =>
    poke(
      rand,
      fitNotes(r),
      ['valueCodeableConcept', 'coding'],
      pick(rand, [
        [{ system: SNOMED, code: '999999' }],
        [
          { system: SNOMED, code: '160910001' },
          { system: SNOMED, code: '225891002' },
        ],
        [{ system: 'http://example.org', code: '160910001' }],
        [null, { system: SNOMED, code: '225891002' }],
        'x',
        [],
      ]),
    ),
  (r, rand) => {
    const note = fitNotes(r).length === 0 ? undefined : pick(rand, fitNotes(r));
    if (note === undefined) return 'nothing';
    const component = pick(rand, [
      { code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'juggling' }] } },
      {
        code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'altered-hours' }] },
        valueString: 'Short days',
      },
      { code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'phased-return' }] } },
      {
        code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'assess-again' }] },
        valueBoolean: 'yes',
      },
      {
        code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'assess-again' }] },
        valueBoolean: false,
      },
      { code: { coding: [{ system: SNOMED, code: '439401001' }] }, valueCodeableConcept: { text: '  ' } },
      {
        code: { coding: [{ system: SNOMED, code: '439401001' }] },
        valueCodeableConcept: { text: 'Back pain' },
      },
      {
        code: { coding: [{ system: SNOMED, code: '439401001' }] },
        valueCodeableConcept: {
          coding: [{ code: 'M54.9' }, { system: SNOMED, code: '161891005', display: 7 }],
        },
      },
      {
        code: { coding: [{ system: SNOMED, code: '439401001' }] },
        valueCodeableConcept: {
          coding: [{ system: SNOMED, code: '161891005', display: 'Backache' }],
          text: 'Back pain',
        },
      },
      null,
      { code: { coding: 'x' } },
      { code: { coding: [null, { system: SNOMED, code: '439401001' }] }, valueCodeableConcept: 'x' },
    ]);
    note.component = [...(Array.isArray(note.component) ? note.component : []), component];
    return `${note.id} component + ${JSON.stringify(component)}`;
  },
  // Codes: a fit note that is also an employment record, a coded entry, odd codings.
  (r, rand) => {
    const target = pick(rand, [...fitNotes(r), ...employments(r), ...occupations(r)]);
    if (target === undefined) return 'nothing';
    const coding = pick(rand, [
      { system: LOINC, code: '74165-2' },
      { system: LOINC, code: '11341-5' },
      { system: SNOMED, code: '1331000000103' },
      { system: SNOMED, code: '365524007' },
      null,
      'x',
    ]);
    target.code = { coding: [...(Array.isArray(target.code?.coding) ? target.code.coding : []), coding] };
    return `${target.id} code + ${JSON.stringify(coding)}`;
  },
  // Whose record: other patients, urn:uuid, NHS number only, the fullUrl.
  (r, rand) =>
    poke(
      rand,
      resources(r, (x) => x.resourceType !== 'Patient'),
      ['subject'],
      pick(rand, [
        { reference: 'Patient/someone-else' },
        { reference: 'urn:uuid:0c2a6f3e-1111-4a55-9a1e-2f3b0e7d9c01' },
        { reference: '#contained' },
        { identifier: { system: NHS_NUMBER_SYSTEM, value: '9434765919' } },
        { reference: 3 },
        'Patient/x',
        { display: 'A patient' },
      ]),
    ),
  // Employment status and occupation.
  (r, rand) =>
    poke(
      rand,
      employments(r),
      ['valueCodeableConcept'],
      pick(rand, [
        undefined,
        { coding: [{ system: CODE_SYSTEM.employmentStatus, code: 'astronaut' }] },
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'Employed' }],
        },
        { coding: [{ system: CODE_SYSTEM.employmentStatus, code: 'self-employed' }] },
        {
          coding: [
            { system: CODE_SYSTEM.employmentStatus },
            { system: CODE_SYSTEM.employmentStatus, code: 'unemployed' },
          ],
        },
        { text: 'Working' },
        'employed',
      ]),
    ),
  (r, rand) => {
    const target = employments(r).length === 0 ? undefined : pick(rand, employments(r));
    if (target === undefined) return 'nothing';
    const detail = (code: string, value: Json) => ({
      code: { coding: [{ system: CODE_SYSTEM.employmentDetail, code }] },
      ...value,
    });
    const component = pick(rand, [
      detail('employer-size', { valueInteger: -1 }),
      detail('employer-size', { valueInteger: 2.5 }),
      detail('employer-size', { valueInteger: '12' }),
      detail('employer-size', { valueQuantity: { value: 40 } }),
      detail('employer-size', {}),
      detail('employer-occupational-health', { valueBoolean: 'yes' }),
      detail('employer-occupational-health', { valueBoolean: false }),
      detail('employer-name', { valueString: '  ' }),
      detail('employer-name', { valueString: ' Example Works ' }),
      detail('employer-colour', { valueString: 'blue' }),
      { code: 'x' },
    ]);
    target.component = [...(Array.isArray(target.component) ? target.component : []), component];
    return `${target.id} component + ${JSON.stringify(component)}`;
  },
  (r, rand) =>
    poke(
      rand,
      [...employments(r), ...occupations(r)],
      [pick(rand, ['status', 'effectiveDateTime', 'issued', 'effectivePeriod'])],
      pick(rand, [
        undefined,
        'preliminary',
        'amended',
        'entered-in-error',
        ...DATES,
        { start: '2026-01-01' },
        4,
      ]),
    ),
  (r, rand) => {
    // A second employment status or occupation, earlier, later or the same day.
    const list = [...employments(r), ...occupations(r)];
    const source = list.length === 0 ? undefined : pick(rand, list);
    if (source === undefined) return 'nothing';
    const copy = clone(source);
    copy.id = `${source.id}-again`;
    copy.effectiveDateTime = pick(rand, [
      '2020-01-01',
      '2030-01-01',
      source.effectiveDateTime,
      '2026-07-20T10:00:00Z',
    ]);
    if (codes(copy).includes('74165-2')) {
      copy.valueCodeableConcept = { coding: [{ system: CODE_SYSTEM.employmentStatus, code: 'unemployed' }] };
    } else
      copy.valueCodeableConcept = pick(rand, [{ text: 'Welder' }, { coding: [{ display: 'Baker' }] }, {}]);
    r.entry.push({ resource: copy });
    return `second ${copy.id} ${copy.effectiveDateTime}`;
  },
  (r, rand) =>
    poke(
      rand,
      occupations(r),
      ['valueCodeableConcept'],
      pick(rand, [
        undefined,
        { text: '  ' },
        { coding: [{ system: SNOMED, code: '1', display: 'Nurse' }] },
        { text: 5 },
      ]),
    ),
  // The Patient.
  (r, rand) => {
    const [key, values] = pick(rand, Object.entries(PATIENT_CHANGES));
    return poke(rand, patients(r), [key], pick(rand, values));
  },
  // The Bundle and its entries.
  (r, rand) => {
    const change = pick(rand, [
      'searchset',
      'searchset-next',
      'searchset-total',
      'document',
      'no-entry',
      'null-entry',
      'no-resource',
      'outcome',
      'duplicate',
      'same-id-other-type',
      'second-patient',
      'no-patient',
      'search-match',
      'referral',
      'organisation',
    ]);
    const entries: Json[] = Array.isArray(r.entry) ? r.entry : [];
    const patient = patients(r)[0];
    switch (change) {
      case 'searchset':
        r.type = 'searchset';
        break;
      case 'searchset-next':
        r.type = 'searchset';
        r.link = [{ relation: 'next', url: 'https://ehr.example/fhir/next' }];
        break;
      case 'searchset-total':
        r.type = 'searchset';
        r.total = 99;
        for (const e of entries) e.search = { mode: 'match' };
        break;
      case 'document':
        r.type = 'document';
        break;
      case 'no-entry':
        delete r.entry;
        break;
      case 'null-entry':
        entries.push(null);
        break;
      case 'no-resource':
        entries.push({ fullUrl: 'urn:uuid:nothing' });
        break;
      case 'outcome':
        entries.push({
          resource: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'warning', diagnostics: 'Some results were left out' }],
          },
        });
        break;
      case 'duplicate': {
        const source = entries.length === 0 ? undefined : pick(rand, entries);
        if (source?.resource) {
          const copy = clone(source);
          copy.resource.meta = { lastUpdated: '2030-01-01T00:00:00Z' };
          copy.resource.status = 'entered-in-error';
          entries.push(copy);
        }
        break;
      }
      case 'same-id-other-type':
        entries.push({ resource: { resourceType: 'Organization', id: patient?.id ?? 'x' } });
        break;
      case 'second-patient':
        entries.push({ resource: { resourceType: 'Patient', id: 'another-person' } });
        break;
      case 'no-patient':
        r.entry = entries.filter((e) => e?.resource?.resourceType !== 'Patient');
        break;
      case 'search-match':
        for (const e of entries) e.search = { mode: pick(rand, ['match', 'include']) };
        break;
      case 'referral':
        entries.push({
          resource: {
            resourceType: 'ServiceRequest',
            id: 'earlier-referral',
            identifier: [{ system: 'https://fitnote-prompt.example/fhir/Id/referral', value: 'R-1' }],
            status: 'active',
            intent: 'order',
            authoredOn: '2026-05-01',
            subject: { reference: `Patient/${patient?.id}` },
            reasonReference: fitNotes(r)
              .slice(0, 1)
              .map((n) => ({ reference: `Observation/${n.id}` })),
          },
        });
        break;
      case 'organisation':
        entries.push({ resource: { resourceType: 'Organization', id: 'org-extra', name: 'Extra' } });
        break;
    }
    return `bundle ${change}`;
  },
  // Other fit-note shapes added to the record.
  (r, rand) => {
    const name = pick(
      rand,
      FIXTURES.filter((f) => !f.startsWith('record-')),
    );
    const resource = readJson(`tests/fixtures/fhir/${name}`);
    const patient = patients(r)[0];
    resource.id = `${resource.id ?? 'fixture'}-added`;
    if (patient?.id !== undefined) {
      if (resource.resourceType === 'DocumentReference')
        resource.subject = { reference: `Patient/${patient.id}` };
      else if ('subject' in resource) resource.subject = { reference: `Patient/${patient.id}` };
    }
    if (Array.isArray(r.entry)) r.entry.push({ resource });
    return `added ${name}`;
  },
];

const BASES: Array<{ label: string; record: Json }> = [
  ...SYNTHETIC.slice(0, 12).map((record) => ({ label: record.id as string, record })),
  ...['cathy.json', 'john.json', 'sarah.json', 'peter.json', 'open-ended.json', 'self-employed.json'].map(
    (name) => ({ label: name, record: readJson(`examples/records/${name}`) }),
  ),
  ...POPULATION.slice(0, 6).map((record) => ({ label: record.id as string, record })),
];

const WITH_LOINC_CODE: ReadRecordOptions = {
  fitNoteCodes: [...DEFAULT_FIT_NOTE_CODES, { system: LOINC, code: '74165-2' }],
};

describe('fast path and thorough reader agree on mutated records', () => {
  const VARIANTS = 480;

  it(`${VARIANTS} seeded variants (1 to 3 changes each), both paths exercised`, () => {
    const rand = mulberry32(20261121);
    let fast = 0;
    let thorough = 0;
    for (let i = 0; i < VARIANTS; i++) {
      const base = BASES[i % BASES.length] as { label: string; record: Json };
      const record = clone(base.record);
      const changes: string[] = [];
      const count = 1 + Math.floor(rand() * 3);
      for (let c = 0; c < count; c++) changes.push(pick(rand, MUTATIONS)(record, rand));
      const options = i % 17 === 0 ? WITH_LOINC_CODE : undefined;
      const label = `variant ${i} of ${base.label}: ${changes.join('; ')}`;
      if (expectSame(label, record, options)) fast++;
      else thorough++;
    }
    // Both paths must have been taken often, or the comparison proves little.
    expect(fast).toBeGreaterThan(VARIANTS / 5);
    expect(thorough).toBeGreaterThan(VARIANTS / 5);
  });

  it('declined fit notes are read, with their reasons, by the thorough reader inside a fast record', () => {
    const record = clone(SYNTHETIC[0]);
    const [first, second] = fitNotes(record);
    first.effectivePeriod.start = '2026-02';
    second.status = 'entered-in-error';
    const fast = fastReadRecord(record);
    expect(fast).toBeDefined();
    expect(fast?.unreadable).toStrictEqual([
      {
        ref: `Observation/${first.id}`,
        reason: 'effectivePeriod.start is a partial date (2026-02): a full date is needed',
      },
      { ref: `Observation/${second.id}`, reason: 'marked entered in error: not counted' },
    ]);
    expectSame('two unreadable notes', record);
  });

  it('records with anything to report are left to the thorough reader', () => {
    const record = clone(SYNTHETIC[1]);
    patients(record)[0].birthDate = '1980';
    expect(fastReadRecord(record)).toBeUndefined();
    expect(readRecord(record).problems).toHaveLength(1);
  });
});

describe('fastLondonDay', () => {
  it('agrees with londonDay on every calendar date from 1600 to 2400', () => {
    let mismatches = 0;
    for (let day = -135140; day < 157000; day++) {
      const text = formatDay(day);
      if (fastLondonDay(text) !== londonDay(text)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  const TIMES = [
    'T00:00Z',
    'T00:59:59Z',
    'T01:00Z',
    'T00:30+01:00',
    'T23:30-01:00',
    'T12:00',
    'T23:59:59.5+14:00',
  ];
  it('agrees with londonDay on times around every BST change from 1990 to 2060', () => {
    let checked = 0;
    for (let year = 1990; year <= 2060; year++) {
      for (const month of ['03', '10', '12', '01']) {
        for (let dayOfMonth = 20; dayOfMonth <= 31; dayOfMonth++) {
          for (const time of TIMES) {
            const text = `${year}-${month}-${dayOfMonth}${time}`;
            const fast = fastLondonDay(text);
            if (!Number.isNaN(fast)) {
              checked++;
              expect([text, fast]).toEqual([text, londonDay(text)]);
            } else expect([text, londonDay(text)]).toEqual([text, undefined]);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it.each(DATES)('%s: read the same, or left to londonDay', (text) => {
    const fast = fastLondonDay(text);
    if (Number.isNaN(fast)) return;
    expect(fast).toBe(londonDay(text));
  });

  it.each(['2026-02', '2026', '2026-02-30', '2026-02-24T25:00Z', '2026-02-24 12:00', ''])(
    '%s is not read (NaN)',
    (text) => expect(fastLondonDay(text)).toBeNaN(),
  );
});
