import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_SYSTEM, NHS_NUMBER_SYSTEM, SNOMED } from '../domain/codes.js';
import { isValidNhsNumber, RecordError, readRecord } from './record.js';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(process.cwd(), 'tests/fixtures/fhir', name), 'utf8')) as Json;
}

const RECORD = fixture('record-collection.json');
const SEARCHSET = fixture('record-searchset-paged.json');
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';

const patient = (changes: Json = {}): Json => ({ resourceType: 'Patient', id: 'test-person', ...changes });
const bundle = (resources: unknown[], type = 'collection'): Json => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ resource })),
});
const employment = (id: string, coding: Json, changes: Json = {}): Json => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '74165-2' }] },
  subject: { reference: 'Patient/test-person' },
  valueCodeableConcept: { coding: [coding] },
  ...changes,
});
const fitNote = (id: string, changes: Json = {}): Json => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: SNOMED, code: '365524007' }] },
  subject: { reference: 'Patient/test-person' },
  issued: '2026-11-02T09:00:00Z',
  effectivePeriod: { start: '2026-11-02', end: '2026-11-15' },
  valueCodeableConcept: { coding: [{ system: SNOMED, code: '160910001' }] },
  ...changes,
});

function errorOf(input: unknown): RecordError {
  try {
    readRecord(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('readRecord did not throw');
}

describe('isValidNhsNumber', () => {
  it.each(['9990000018', '9990000042', '999 000 0050', '943 476 5919', '4010232137'])('accepts %s', (value) =>
    expect(isValidNhsNumber(value)).toBe(true),
  );
  it.each([
    ['a wrong check digit', '9990000019'],
    ['a number whose check digit would be 10', '9990000009'],
    ['nine digits', '999000001'],
    ['eleven digits', '99900000181'],
    ['letters', '99900000AB'],
    ['empty text', ''],
  ])('rejects %s', (_label, value) => expect(isValidNhsNumber(value)).toBe(false));

  it('rejects every number whose check digit would be 10', () => {
    // 999000000: weights 10..2 give sum 9*10 + 9*9 + 9*8 = 243; 243 % 11 = 1; 11 - 1 = 10 → no valid number.
    for (let digit = 0; digit <= 9; digit++) expect(isValidNhsNumber(`999000000${digit}`)).toBe(false);
  });
});

describe('readRecord on a full collection Bundle', () => {
  const record = readRecord(RECORD);

  it('reads the patient’s facts', () => {
    expect(record.patient).toEqual({
      id: 'john',
      nhsNumber: '9990000042',
      birthDate: '1984-02-29',
      employmentStatus: 'employed',
      employerName: 'Test Parcels Ltd',
      employerSize: 120,
      employerHasOccupationalHealth: false,
      occupation: 'Delivery driver',
      postcode: 'LS6 2AB',
      language: 'pl',
      interpreterNeeded: true,
    });
  });

  it('reads every fit-note shape in it and reports the unreadable one', () => {
    expect(record.notes.map((n) => [n.ref, n.source, n.start])).toEqual([
      ['Observation/john-fitnote-1', 'observation', '2026-11-02'],
      ['Observation/john-fitnote-3', 'observation', '2026-11-16'],
      ['Procedure/gp-med3-procedure-1', 'coded-entry', '2026-01-12'],
      ['DocumentReference/med3-scan-1', 'document-reference', '2026-03-30'],
    ]);
    expect(record.unreadable).toEqual([
      {
        ref: 'Observation/john-fitnote-bad',
        reason: 'the period it covers ends (2026-10-01) before it starts (2026-10-10)',
      },
    ]);
  });

  it('lists the work-and-health referral and its Task, but not other orders', () => {
    const referral = {
      identifier: '0b6f2c1e-1111-5222-8333-444455556666',
      authoredOn: '2026-11-16',
      performer: 'local-oh-service',
      episodeStart: '2026-11-02',
    };
    expect(record.referrals).toEqual([
      { ref: 'ServiceRequest/john-referral', status: 'active', ...referral },
      { ref: 'Task/john-referral-task', status: 'accepted', ...referral },
    ]);
  });

  it('has no problems', () => expect(record.problems).toEqual([]));
});

describe('readRecord on a searchset with paging leftovers', () => {
  const record = readRecord(SEARCHSET);

  it('counts match and include entries, once each', () => {
    expect(record.patient).toMatchObject({
      id: 'test-paged',
      nhsNumber: '9990000050',
      birthDate: '1990-07-15',
    });
    expect(record.notes.map((n) => n.ref)).toEqual(['Observation/paged-note-1', 'Observation/paged-note-2']);
  });

  it('says the record may be incomplete, and passes on the server’s warning', () => {
    expect(record.problems).toEqual([
      'The server reported: Results are limited to 3 per page',
      expect.stringContaining('further pages that were not fetched'),
    ]);
  });

  it('says so when the total is larger than what came back, without a next link', () => {
    const lastPage = { ...structuredClone(SEARCHSET), link: [] };
    expect(readRecord(lastPage).problems).toContain(
      'The search found 5 resources but the Bundle holds 2: the record may be incomplete; fetch every page.',
    );
  });

  it('keeps the most recently updated copy of a resource that appears twice', () => {
    const older = fitNote('dup', { meta: { lastUpdated: '2026-11-01T00:00:00Z' } });
    const newer = fitNote('dup', {
      meta: { lastUpdated: '2026-11-03T00:00:00Z' },
      effectivePeriod: { start: '2026-11-02', end: '2026-11-22' },
    });
    const { notes } = readRecord(bundle([patient(), older, newer], 'searchset'));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.end).toBe('2026-11-22');
  });
});

describe('records that cannot be read at all', () => {
  it.each([
    [
      'a Patient',
      patient(),
      'not-a-bundle',
      'The record is a Patient resource, not a Bundle: wrap it in a Bundle of type collection.',
    ],
    ['an Observation', fitNote('x'), 'not-a-bundle', 'The record is an Observation resource, not a Bundle'],
    ['a list', [patient()], 'not-a-bundle', 'The record is a list (a JSON array), not a FHIR Bundle'],
    [
      'text',
      '{"resourceType":"Bundle"}',
      'not-json',
      'The record is a piece of text, not parsed JSON: parse it (JSON.parse) first',
    ],
    ['null', null, 'not-json', 'The record is null, not a FHIR Bundle'],
    ['nothing', undefined, 'not-json', 'The record is empty (nothing was given), not a FHIR Bundle'],
    ['a number', 7, 'not-json', 'The record is the number 7, not a FHIR Bundle'],
    ['a program object', new Map(), 'not-json', 'The record is a program object, not JSON data'],
    [
      'an object without resourceType',
      { entry: [] },
      'not-a-bundle',
      'The record has no resourceType, so it is not a FHIR resource',
    ],
    [
      'a transaction Bundle',
      bundle([patient()], 'transaction'),
      'unsupported-bundle-type',
      'The record is a Bundle of type transaction; only Bundles of type collection or searchset can be read',
    ],
    [
      'a batch-response Bundle',
      bundle([patient()], 'batch-response'),
      'unsupported-bundle-type',
      'a Bundle of type batch-response',
    ],
    [
      'a Bundle without a type',
      { resourceType: 'Bundle', entry: [] },
      'unsupported-bundle-type',
      'The record is a Bundle with no type',
    ],
    [
      'a Bundle whose entry is not a list',
      { resourceType: 'Bundle', type: 'collection', entry: {} },
      'malformed-bundle',
      'The Bundle cannot be read: entry should be a list but is an object',
    ],
    [
      'a Bundle with no Patient',
      bundle([fitNote('a')]),
      'no-patient',
      'The Bundle holds no Patient resource: add the patient’s Patient resource to the Bundle',
    ],
    [
      'an empty Bundle',
      { resourceType: 'Bundle', type: 'collection' },
      'no-patient',
      'The Bundle holds no Patient resource',
    ],
    [
      'a Bundle with two patients',
      bundle([patient(), patient({ id: 'someone-else' })]),
      'several-patients',
      'The Bundle holds 2 different patients (Patient/test-person, Patient/someone-else): a record must hold one patient’s resources; split it into one Bundle per patient.',
    ],
    [
      'a Patient with neither id nor fullUrl',
      bundle([{ resourceType: 'Patient' }]),
      'malformed-bundle',
      'The Patient resource has no id',
    ],
  ])('%s gives one clear error', (_label, input, kind, message) => {
    const error = errorOf(input);
    expect(error.kind).toBe(kind);
    expect(error.message).toContain(message);
  });

  it('treats the same Patient listed twice as one patient', () => {
    expect(readRecord(bundle([patient(), patient()])).patient.id).toBe('test-person');
  });
});

describe('patient facts', () => {
  const facts = (p: Json, others: unknown[] = []) => readRecord(bundle([p, ...others]));

  it('reports an invalid NHS number as a problem and carries on', () => {
    const record = facts(patient({ identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9990000019' }] }));
    expect(record.patient.nhsNumber).toBeUndefined();
    expect(record.problems).toEqual([
      expect.stringContaining('The NHS number on the Patient (9990000019) is not a valid NHS number'),
    ]);
  });

  it('leaves out an NHS number the record does not have, and ignores other identifiers', () => {
    const record = facts(patient({ identifier: [{ system: 'https://example.org/mrn', value: '12345' }] }));
    expect(record.patient).toEqual({ id: 'test-person', employmentStatus: 'unknown' });
    expect(record.problems).toEqual([]);
  });

  it('reports a malformed identifier list without losing the rest of the patient', () => {
    const record = facts(
      patient({ identifier: [{ system: NHS_NUMBER_SYSTEM, value: 9990000018 }], birthDate: '1990-01-02' }),
    );
    expect(record.patient.birthDate).toBe('1990-01-02');
    expect(record.problems).toEqual([
      "The Patient's identifier could not be read (identifier[0].value should be text but is the number 9990000018): it was ignored; correct it in the clinical record.",
    ]);
  });

  it('reports a partial birth date', () => {
    const record = facts(patient({ birthDate: '1980' }));
    expect(record.patient.birthDate).toBeUndefined();
    expect(record.problems).toEqual([expect.stringContaining('birth date (1980) is not a full date')]);
  });

  it.each([
    [
      'the home address',
      [
        { use: 'work', postalCode: 'M1 1AA' },
        { use: 'home', postalCode: 'LS6 2AB' },
      ],
      'LS6 2AB',
    ],
    [
      'a current address when there is no home one',
      [{ use: 'old', postalCode: 'M1 1AA' }, { postalCode: ' BD1 1AA ' }],
      'BD1 1AA',
    ],
    ['no ended address', [{ use: 'home', postalCode: 'M1 1AA', period: { end: '2020-01-01' } }], undefined],
  ])('takes the postcode from %s', (_label, address, postcode) => {
    expect(facts(patient({ address })).patient.postcode).toBe(postcode);
  });

  it.each([
    [
      'the preferred language',
      [
        { language: { coding: [{ code: 'en' }] } },
        { language: { coding: [{ code: 'ur' }] }, preferred: true },
      ],
      'ur',
    ],
    ['the only language', [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'cy' }] } }], 'cy'],
    ['language text when uncoded', [{ language: { text: 'Polish' } }], 'Polish'],
  ])('reads %s', (_label, communication, language) => {
    expect(facts(patient({ communication })).patient.language).toBe(language);
  });

  it('reads the phone numbers and email addresses, with use, rank and end, in record order', () => {
    const record = facts(
      patient({
        telecom: [
          { system: 'phone', value: '0113 496 0100', use: 'home', rank: 2 },
          { system: 'fax', value: '0113 496 0199' },
          { system: 'email', value: 'test.person@example.org' },
          {
            system: 'phone',
            value: '07700 900001',
            use: 'mobile',
            period: { start: '2019-01-01', end: '2026-12-31' },
          },
          { system: 'phone', value: '  ' },
        ],
      }),
    );
    expect(record.patient.telecom).toEqual([
      { system: 'phone', value: '0113 496 0100', use: 'home', rank: 2 },
      { system: 'email', value: 'test.person@example.org' },
      { system: 'phone', value: '07700 900001', use: 'mobile', end: '2026-12-31' },
    ]);
    expect(record.problems).toEqual([]);
  });

  it('reports a malformed telecom list and carries on without it', () => {
    const record = facts(
      patient({ telecom: [{ system: 'phone', value: 7700900001 }], birthDate: '1990-01-02' }),
    );
    expect(record.patient.telecom).toBeUndefined();
    expect(record.patient.birthDate).toBe('1990-01-02');
    expect(record.problems).toEqual([expect.stringContaining("The Patient's telecom could not be read")]);
  });

  it('reads the interpreter flag from the Patient or from the preferred language', () => {
    const url = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';
    expect(facts(patient({ extension: [{ url, valueBoolean: false }] })).patient.interpreterNeeded).toBe(
      false,
    );
    const onLanguage = [{ language: { coding: [{ code: 'ar' }] }, extension: [{ url, valueBoolean: true }] }];
    expect(facts(patient({ communication: onLanguage })).patient).toMatchObject({
      language: 'ar',
      interpreterNeeded: true,
    });
  });

  it.each<[string, Json, string]>([
    ...['employed', 'self-employed', 'unemployed', 'student', 'retired', 'not-in-work'].map(
      (code): [string, Json, string] => [code, { system: CODE_SYSTEM.employmentStatus, code }, code],
    ),
    ['ODH Employed', { system: V3, code: 'Employed' }, 'employed'],
    ['ODH Unemployed', { system: V3, code: 'Unemployed' }, 'unemployed'],
    ['ODH NotInLaborForce', { system: V3, code: 'NotInLaborForce' }, 'not-in-work'],
  ])('maps employment status %s', (_label, coding, status) => {
    expect(facts(patient(), [employment('e', coding)]).patient.employmentStatus).toBe(status);
  });

  it('takes the latest employment status, and ignores ones entered in error', () => {
    const record = facts(patient(), [
      employment('new', { system: V3, code: 'Unemployed' }, { effectiveDateTime: '2026-06-01' }),
      employment(
        'old',
        { system: CODE_SYSTEM.employmentStatus, code: 'employed' },
        { effectiveDateTime: '2025-01-01' },
      ),
      employment(
        'wrong',
        { system: CODE_SYSTEM.employmentStatus, code: 'retired' },
        {
          effectiveDateTime: '2026-10-01',
          status: 'entered-in-error',
        },
      ),
    ]);
    expect(record.patient.employmentStatus).toBe('unemployed');
  });

  it('reports an employment status it does not know and treats it as unknown', () => {
    const record = facts(patient(), [employment('e', { system: 'http://example.org/x', code: '01' })]);
    expect(record.patient.employmentStatus).toBe('unknown');
    expect(record.problems).toEqual([
      expect.stringContaining(
        'Observation/e records an employment status this app does not know (http://example.org/x|01)',
      ),
    ]);
  });

  it('reports employer details of the wrong kind', () => {
    const detail = (code: string, value: Json) => ({
      code: { coding: [{ system: CODE_SYSTEM.employmentDetail, code }] },
      ...value,
    });
    const record = facts(patient(), [
      employment(
        'e',
        { system: CODE_SYSTEM.employmentStatus, code: 'employed' },
        {
          component: [
            detail('employer-size', { valueQuantity: { value: 12.5 } }),
            detail('employer-occupational-health', {}),
          ],
        },
      ),
    ]);
    expect(record.patient).toEqual({ id: 'test-person', employmentStatus: 'employed' });
    expect(record.problems).toHaveLength(2);
  });

  it('reads the occupation from its coding display when it has no text', () => {
    const occupation = {
      resourceType: 'Observation',
      id: 'o',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '11341-5' }] },
      valueCodeableConcept: { coding: [{ system: SNOMED, code: '159483005', display: 'Clerical worker' }] },
    };
    expect(facts(patient(), [occupation]).patient.occupation).toBe('Clerical worker');
  });
});

describe('what counts as the patient’s', () => {
  it('does not count resources about another patient, and says so', () => {
    const record = readRecord(
      bundle([
        patient({ identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9990000018' }] }),
        fitNote('mine'),
        fitNote('theirs', { subject: { reference: 'Patient/someone-else' } }),
        fitNote('by-nhs', { subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9990000026' } } }),
        fitNote('absolute', { subject: { reference: 'https://ehr.example/fhir/Patient/test-person' } }),
      ]),
    );
    expect(record.notes.map((n) => n.ref)).toEqual(['Observation/mine', 'Observation/absolute']);
    expect(record.problems).toEqual([
      'Observation/theirs is about a different patient (Patient/someone-else): it was not counted.',
      'Observation/by-nhs is about a different patient (NHS number 9990000026): it was not counted.',
    ]);
  });

  it('follows urn:uuid references to the Patient entry', () => {
    const input = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:0b8c3f4e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient' } },
        {
          resource: fitNote('a', { subject: { reference: 'urn:uuid:0b8c3f4e-0000-4000-8000-000000000001' } }),
        },
        {
          resource: fitNote('b', { subject: { reference: 'urn:uuid:0b8c3f4e-0000-4000-8000-000000000002' } }),
        },
      ],
    };
    const record = readRecord(input);
    expect(record.patient.id).toBe('urn:uuid:0b8c3f4e-0000-4000-8000-000000000001');
    expect(record.notes.map((n) => n.ref)).toEqual(['Observation/a']);
    expect(record.problems).toHaveLength(1);
  });

  it('reports entries without a resource and names id-less fit notes by their entry index', () => {
    const input = bundle([patient(), fitNote('a'), fitNote('', { status: 'entered-in-error' })]);
    (input.entry as unknown[]).splice(1, 0, { fullUrl: 'urn:uuid:x' }, 'junk');
    const record = readRecord(input);
    expect(record.problems).toEqual([
      'Entry 1 of the Bundle holds no FHIR resource: it was skipped.',
      'Entry 2 of the Bundle could not be read (the resource should be an object but is the text "junk"): it was skipped.',
    ]);
    expect(record.unreadable).toEqual([
      { ref: 'Observation (no id) at index 4', reason: 'marked entered in error: not counted' },
    ]);
  });

  it('passes the practice’s fit-note codes on to the reader', () => {
    const local = { system: 'http://example.org/local', code: 'MED3' };
    const entry = {
      resourceType: 'Observation',
      id: 'local',
      status: 'final',
      code: { coding: [local] },
      effectivePeriod: { start: '2026-11-02', end: '2026-11-08' },
    };
    expect(readRecord(bundle([patient(), entry])).notes).toEqual([]);
    expect(readRecord(bundle([patient(), entry]), { fitNoteCodes: [local] }).notes.map((n) => n.ref)).toEqual(
      ['Observation/local'],
    );
  });
});
