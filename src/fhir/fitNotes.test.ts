import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_SYSTEM, ICD10, ICD10_UK, SNOMED } from '../domain/codes.js';
import type { FitNote } from '../domain/fitnote.js';
import { DEFAULT_FIT_NOTE_CODES, readFitNotes } from './fitNotes.js';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(process.cwd(), 'tests/fixtures/fhir', name), 'utf8')) as Json;
}

/** A copy of a fixture with top-level keys changed (undefined removes a key). */
function variant(base: Json, changes: Json): Json {
  const copy = structuredClone(base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

function readOne(resource: unknown) {
  return readFitNotes([resource]);
}

function onlyNote(resource: unknown): FitNote {
  const { notes, unreadable } = readOne(resource);
  expect(unreadable).toEqual([]);
  expect(notes).toHaveLength(1);
  return notes[0] as FitNote;
}

function onlyReason(resource: unknown): string {
  const { notes, unreadable } = readOne(resource);
  expect(notes).toEqual([]);
  expect(unreadable).toHaveLength(1);
  return unreadable[0]?.reason as string;
}

const FITNOTE = fixture('fitnote-observation.json');
const sct = (code: string) => ({ coding: [{ system: SNOMED, code }] });
const diagnosis = (value: unknown) => ({ code: sct('439401001'), valueCodeableConcept: value });
const adviceComponent = (code: string, extra: Json = {}) => ({
  code: { coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code }] },
  ...extra,
});

describe('the FitNote Observation', () => {
  it('reads every field of the shared shape', () => {
    expect(onlyNote(FITNOTE)).toEqual({
      ref: 'Observation/john-fitnote-3',
      source: 'observation',
      issued: '2026-11-16',
      start: '2026-11-16',
      end: '2026-11-29',
      fitness: 'may-be-fit',
      conditions: [
        {
          codings: [
            { system: SNOMED, code: '279039007', display: 'Low back pain' },
            { system: ICD10_UK, code: 'M54.5', display: 'Low back pain' },
          ],
          text: 'Low back pain',
        },
      ],
      advice: ['amended-duties'],
      assessAgain: true,
      performer: 'Practitioner/gp-test-one',
    });
  });

  it('is recognised by its code without meta.profile', () => {
    expect(onlyNote(variant(FITNOTE, { meta: undefined })).ref).toBe('Observation/john-fitnote-3');
  });

  it('reads "not fit", leaves an open-ended note without an end, and leaves out what is not recorded', () => {
    const note = onlyNote(
      variant(FITNOTE, {
        valueCodeableConcept: sct('160910001'),
        effectivePeriod: { start: '2026-11-16' },
        component: undefined,
        performer: undefined,
      }),
    );
    expect(note.fitness).toBe('not-fit');
    expect(note).not.toHaveProperty('end');
    expect(note).not.toHaveProperty('assessAgain');
    expect(note).not.toHaveProperty('performer');
    expect(note.conditions).toEqual([]);
    expect(note.advice).toEqual([]);
  });

  it('takes the period start as the issue date when issued is missing', () => {
    const note = onlyNote(variant(FITNOTE, { issued: undefined, effectivePeriod: { start: '2026-11-18' } }));
    expect(note.issued).toBe('2026-11-18');
  });

  it.each([
    [
      'SNOMED CT only',
      { coding: [{ system: SNOMED, code: '35489007' }] },
      [{ system: SNOMED, code: '35489007' }],
      undefined,
    ],
    [
      'ICD-10',
      { coding: [{ system: ICD10, code: 'F32.9' }], text: 'Depression' },
      [{ system: ICD10, code: 'F32.9' }],
      'Depression',
    ],
    [
      'ICD-10-UK',
      { coding: [{ system: ICD10_UK, code: 'M06.9' }] },
      [{ system: ICD10_UK, code: 'M06.9' }],
      undefined,
    ],
    ['text only', { text: 'Post-operative recovery' }, [], 'Post-operative recovery'],
    [
      'SNOMED CT and ICD-10 with displays',
      {
        coding: [
          { system: SNOMED, code: '197480006', display: 'Anxiety disorder' },
          { system: ICD10, code: 'F41.9', display: 'Anxiety disorder, unspecified' },
        ],
      },
      [
        { system: SNOMED, code: '197480006', display: 'Anxiety disorder' },
        { system: ICD10, code: 'F41.9', display: 'Anxiety disorder, unspecified' },
      ],
      undefined,
    ],
    ['a coding without a code is left out', { coding: [{ system: SNOMED }], text: 'Back' }, [], 'Back'],
  ])('reads a %s condition', (_label, value, codings, text) => {
    const note = onlyNote(variant(FITNOTE, { component: [diagnosis(value)] }));
    expect(note.conditions).toEqual([text === undefined ? { codings } : { codings, text }]);
  });

  it('reads several diagnoses in order and skips empty ones', () => {
    const note = onlyNote(
      variant(FITNOTE, {
        component: [
          diagnosis(sct('35489007')),
          diagnosis({}),
          { code: sct('439401001') },
          diagnosis({ text: '  ' }),
          diagnosis(sct('197480006')),
        ],
      }),
    );
    expect(note.conditions.map((c) => c.codings[0]?.code)).toEqual(['35489007', '197480006']);
  });

  it('shares one frozen object for the same condition on different notes', () => {
    const second = variant(FITNOTE, { id: 'another' });
    const { notes } = readFitNotes([FITNOTE, second]);
    expect(notes[0]?.conditions[0]).toBe(notes[1]?.conditions[0]);
    expect(Object.isFrozen(notes[0]?.conditions[0])).toBe(true);
    // Arrays that belong to one note are its own.
    expect(notes[0]?.conditions).not.toBe(notes[1]?.conditions);
  });

  it('reads all four advice options once each, and "assess again: no"', () => {
    const note = onlyNote(
      variant(FITNOTE, {
        component: [
          adviceComponent('phased-return'),
          adviceComponent('altered-hours', { valueString: 'mornings only' }),
          adviceComponent('amended-duties'),
          adviceComponent('workplace-adaptations'),
          adviceComponent('altered-hours'),
          adviceComponent('assess-again', { valueBoolean: false }),
          { code: { coding: [{ system: 'http://example.org/other', code: 'x' }] }, valueString: 'ignored' },
        ],
      }),
    );
    expect(note.advice).toEqual([
      'phased-return',
      'altered-hours',
      'amended-duties',
      'workplace-adaptations',
    ]);
    expect(note.assessAgain).toBe(false);
  });

  it.each([
    ['status entered-in-error', { status: 'entered-in-error' }, 'marked entered in error: not counted'],
    ['status cancelled', { status: 'cancelled' }, 'marked cancelled: not counted'],
    ['status preliminary', { status: 'preliminary' }, 'has status "preliminary", not final'],
    ['no status', { status: undefined }, 'status is missing'],
    ['a status that is not text', { status: 3 }, 'status should be text but is the number 3'],
    ['no period', { effectivePeriod: undefined }, 'has no period (effectivePeriod)'],
    [
      'a single date instead of a period',
      { effectivePeriod: undefined, effectiveDateTime: '2026-11-16' },
      'has a single date (effectiveDateTime) but no period (effectivePeriod)',
    ],
    [
      'a period that is not an object',
      { effectivePeriod: '2026-11-16' },
      'effectivePeriod should be an object but is the text "2026-11-16"',
    ],
    [
      'a period without a start',
      { effectivePeriod: { end: '2026-11-29' } },
      'has no start date (effectivePeriod.start)',
    ],
    [
      'a start that is not text',
      { effectivePeriod: { start: 20261116 } },
      'effectivePeriod.start should be text but is the number 20261116',
    ],
    [
      'a partial start (year-month)',
      { effectivePeriod: { start: '2026-11' } },
      'effectivePeriod.start is a partial date (2026-11): a full date is needed',
    ],
    [
      'a partial start (year)',
      { effectivePeriod: { start: '2026' } },
      'effectivePeriod.start is a partial date (2026)',
    ],
    [
      'a partial end',
      { effectivePeriod: { start: '2026-11-16', end: '2026-12' } },
      'effectivePeriod.end is a partial date (2026-12)',
    ],
    [
      'an impossible start',
      { effectivePeriod: { start: '2026-02-30' } },
      'effectivePeriod.start is not a valid date ("2026-02-30")',
    ],
    [
      'a start in another format',
      { effectivePeriod: { start: '16/11/2026' } },
      'effectivePeriod.start is not a valid date ("16/11/2026")',
    ],
    [
      'an end before the start',
      { effectivePeriod: { start: '2026-03-05', end: '2026-03-01' } },
      'the period it covers ends (2026-03-01) before it starts (2026-03-05)',
    ],
    [
      'an impossible issued date',
      { issued: '2026-13-01T10:00:00Z' },
      'issued is not a valid date ("2026-13-01T10:00:00Z")',
    ],
    ['a partial issued date', { issued: '2026-11' }, 'issued is a partial date (2026-11)'],
    [
      'no fitness value',
      { valueCodeableConcept: undefined },
      'has no fitness value (valueCodeableConcept): expected SNOMED CT 160910001',
    ],
    [
      'an unknown fitness code',
      { valueCodeableConcept: sct('12345') },
      'unknown fitness value (http://snomed.info/sct|12345)',
    ],
    [
      'fitness as text only',
      { valueCodeableConcept: { text: 'off sick' } },
      'unknown fitness value ("off sick")',
    ],
    [
      'fitness with the right code in the wrong system',
      { valueCodeableConcept: { coding: [{ system: 'http://example.org', code: '160910001' }] } },
      'unknown fitness value (http://example.org|160910001)',
    ],
    [
      'both fitness values',
      {
        valueCodeableConcept: {
          coding: [
            { system: SNOMED, code: '160910001' },
            { system: SNOMED, code: '225891002' },
          ],
        },
      },
      'records both "not fit" and "may be fit"',
    ],
    [
      'an unknown advice code',
      { component: [adviceComponent('job-share')] },
      'unknown advice code "job-share": expected one of phased-return',
    ],
    [
      'assess again without yes/no',
      { component: [adviceComponent('assess-again', { valueString: 'yes' })] },
      '"assess again" component has no yes/no value',
    ],
  ])('reports %s', (_label, changes, reason) => {
    expect(onlyReason(variant(FITNOTE, changes as Json))).toContain(reason);
  });

  it('names the resource in an unreadable entry, by index when it has no id', () => {
    const { unreadable } = readFitNotes([
      { resourceType: 'Patient', id: 'p' },
      variant(FITNOTE, { status: 'cancelled' }),
      variant(FITNOTE, { id: undefined, status: 'cancelled' }),
      variant(FITNOTE, { id: '', status: 'cancelled' }),
    ]);
    expect(unreadable.map((u) => u.ref)).toEqual([
      'Observation/john-fitnote-3',
      'Observation (no id) at index 2',
      'Observation (no id) at index 3',
    ]);
  });
});

describe('dates become Europe/London calendar dates', () => {
  it.each([
    ['2026-03-29T00:30:00Z', '2026-03-29', 'GMT still, the morning BST starts'],
    ['2026-03-29T00:59:59Z', '2026-03-29', 'a second before BST starts'],
    ['2026-03-29T23:30:00Z', '2026-03-30', 'BST: 00:30 the next day'],
    ['2026-03-28T23:30:00-01:00', '2026-03-29', 'a negative offset crossing midnight UTC'],
    ['2026-10-25T00:30:00+01:00', '2026-10-25', 'the night BST ends, given in BST'],
    ['2026-10-24T23:30:00Z', '2026-10-25', 'BST until 01:00 UTC on 25 October'],
    ['2026-10-25T23:30:00Z', '2026-10-25', 'GMT again after BST ends'],
    ['2026-06-30T23:30:00Z', '2026-07-01', 'midsummer late evening UTC'],
    ['2026-12-31T23:30:00Z', '2026-12-31', 'midwinter: London is UTC'],
    ['2026-07-01T00:30:00+02:00', '2026-06-30', 'a continental offset'],
    ['2026-11-16', '2026-11-16', 'a plain date is taken as written'],
  ])('%s → %s (%s)', (text, expected) => {
    const note = onlyNote(variant(FITNOTE, { issued: text, effectivePeriod: { start: text, end: text } }));
    expect([note.issued, note.start, note.end]).toEqual([expected, expected, expected]);
  });

  it('checks end before start on London dates, not on the text', () => {
    // 23:45 UTC on 31 May is 00:45 BST on 1 June: the same London day as the start.
    const note = onlyNote(
      variant(FITNOTE, {
        effectivePeriod: { start: '2026-06-01T00:30:00+01:00', end: '2026-05-31T23:45:00Z' },
      }),
    );
    expect([note.start, note.end]).toEqual(['2026-06-01', '2026-06-01']);
  });

  it.each([
    ['2028-02-29', '2028-03-13', true],
    ['2024-02-29', '2024-03-01', true],
    ['2027-02-29', '2027-03-13', false],
    ['2100-02-29', '2100-03-13', false],
  ])('leap day %s is %s', (start, end, valid) => {
    const result = readOne(variant(FITNOTE, { issued: undefined, effectivePeriod: { start, end } }));
    if (valid) expect(result.notes[0]).toMatchObject({ start, end, issued: start });
    else expect(result.unreadable[0]?.reason).toBe(`effectivePeriod.start is not a valid date ("${start}")`);
  });
});

describe('GP-record coded entries', () => {
  const OBSERVATION = fixture('coded-entry-observation.json');
  const PROCEDURE = fixture('coded-entry-procedure.json');

  it('reads an Observation coded "Med3 certificate issued to patient" as "not fit"', () => {
    expect(onlyNote(OBSERVATION)).toEqual({
      ref: 'Observation/gp-med3-entry-1',
      source: 'coded-entry',
      issued: '2026-05-04',
      start: '2026-05-04',
      end: '2026-05-17',
      fitness: 'not-fit',
      conditions: [{ codings: [{ system: ICD10, code: 'M54.5' }], text: 'Back pain' }],
      advice: [],
    });
  });

  it.each(DEFAULT_FIT_NOTE_CODES.map((c) => [c.code, c.display]))(
    'recognises default code %s (%s)',
    (code) => {
      const note = onlyNote(variant(OBSERVATION, { code: sct(code as string) }));
      expect(note.source).toBe('coded-entry');
    },
  );

  it('takes fitness from valueCodeableConcept when there is one', () => {
    expect(onlyNote(variant(OBSERVATION, { valueCodeableConcept: sct('225891002') })).fitness).toBe(
      'may-be-fit',
    );
  });

  it.each([
    [
      'an unknown value',
      { valueCodeableConcept: sct('1') },
      'unknown fitness value (http://snomed.info/sct|1)',
    ],
    ['no period', { effectivePeriod: undefined }, 'has no period (effectivePeriod)'],
    ['entered in error', { status: 'entered-in-error' }, 'marked entered in error: not counted'],
  ])('reports an Observation with %s', (_label, changes, reason) => {
    expect(onlyReason(variant(OBSERVATION, changes))).toContain(reason);
  });

  it('reads a Procedure, its reasons as conditions and its performer', () => {
    expect(onlyNote(PROCEDURE)).toEqual({
      ref: 'Procedure/gp-med3-procedure-1',
      source: 'coded-entry',
      issued: '2026-01-12',
      start: '2026-01-12',
      end: '2026-01-25',
      fitness: 'not-fit',
      conditions: [
        { codings: [{ system: SNOMED, code: '279039007', display: 'Low back pain' }], text: 'Low back pain' },
      ],
      advice: [],
      performer: 'Practitioner/gp-test-one',
    });
  });

  it.each([
    ['entered in error', { status: 'entered-in-error' }, 'marked entered in error: not counted'],
    ['not done', { status: 'not-done' }, 'recorded as not done'],
    ['in progress', { status: 'in-progress' }, 'has status "in-progress", not completed'],
    [
      'a single date',
      { performedPeriod: undefined, performedDateTime: '2026-01-12' },
      'single date (performedDateTime)',
    ],
    ['no period', { performedPeriod: undefined }, 'has no period (performedPeriod)'],
    [
      'end before start',
      { performedPeriod: { start: '2026-01-12', end: '2026-01-11' } },
      'ends (2026-01-11) before it starts (2026-01-12)',
    ],
    ['a partial date', { performedPeriod: { start: '2026-01' } }, 'performedPeriod.start is a partial date'],
  ])('reports a Procedure %s', (_label, changes, reason) => {
    expect(onlyReason(variant(PROCEDURE, changes))).toContain(reason);
  });

  it('uses the practice code list instead of the default one when given', () => {
    const local = { system: 'http://example.org/local-codes', code: 'MED3' };
    const localEntry = variant(OBSERVATION, { id: 'local', code: { coding: [local] } });
    const configured = readFitNotes([OBSERVATION, localEntry], { fitNoteCodes: [local] });
    expect(configured.notes.map((n) => n.ref)).toEqual(['Observation/local']);
    expect(readFitNotes([OBSERVATION, localEntry]).notes.map((n) => n.ref)).toEqual([
      'Observation/gp-med3-entry-1',
    ]);
  });

  it('reads the FitNote shape even when its code is also on the practice list', () => {
    const both = variant(FITNOTE, {
      code: {
        coding: [
          { system: SNOMED, code: '365524007' },
          { system: SNOMED, code: '1331000000103' },
        ],
      },
    });
    expect(onlyNote(both).source).toBe('observation');
  });
});

describe('the fitness-for-work QuestionnaireResponse', () => {
  const FORM = fixture('questionnaire-response.json');
  const item = (linkId: string, answer: unknown[], text?: string) => ({
    linkId,
    ...(text ? { text } : {}),
    answer,
  });
  const withItems = (items: unknown[], changes: Json = {}) => variant(FORM, { item: items, ...changes });
  const fitnessItem = item('Q3', [{ valueCoding: { system: SNOMED, code: '225891002' } }]);
  const fromItem = item('Q4', [{ valueDate: '2026-11-20' }]);

  it('reads assessment date, conditions, fitness, period and assess-again', () => {
    expect(onlyNote(FORM)).toEqual({
      ref: 'QuestionnaireResponse/peter-med3-form-1',
      source: 'questionnaire-response',
      issued: '2026-11-20',
      start: '2026-11-20',
      end: '2026-12-03',
      fitness: 'not-fit',
      conditions: [
        {
          codings: [{ system: SNOMED, code: '35489007', display: 'Depressive disorder' }],
          text: 'Depressive disorder',
        },
        {
          codings: [{ system: SNOMED, code: '197480006', display: 'Anxiety disorder' }],
          text: 'Anxiety disorder',
        },
        { codings: [], text: 'Low mood and anxiety, work-related stress' },
      ],
      advice: [],
      assessAgain: true,
      performer: 'Practitioner/gp-test-two',
    });
  });

  it('reports the UK Core mock-up items alone as having no period', () => {
    expect(onlyReason(fixture('questionnaire-response-ukcore-items-only.json'))).toBe(
      'has no "From" date (linkId Q4) for the period the note covers',
    );
  });

  it('pairs one coded condition with its text, and reads "may be fit" advice by code or by wording', () => {
    const note = onlyNote(
      withItems([
        {
          linkId: 'Q2',
          item: [
            item('Q2g', [{ valueCoding: { system: SNOMED, code: '279039007', display: 'Low back pain' } }]),
            item('Q2t', [{ valueString: 'Back pain after lifting' }]),
          ],
        },
        fitnessItem,
        fromItem,
        item('Q6', [
          { valueCoding: { system: CODE_SYSTEM.fitNoteAdvice, code: 'amended-duties' } },
          { valueString: 'A phased return to work' },
          { valueCoding: { system: 'http://example.org', code: 'x', display: 'Workplace adaptations' } },
        ]),
      ]),
    );
    expect(note.fitness).toBe('may-be-fit');
    expect(note.conditions).toEqual([
      {
        codings: [{ system: SNOMED, code: '279039007', display: 'Low back pain' }],
        text: 'Back pain after lifting',
      },
    ]);
    expect(note.advice).toEqual(['amended-duties', 'phased-return', 'workplace-adaptations']);
    expect(note).not.toHaveProperty('end');
  });

  it('matches items by text when the linkIds differ (the older mock-up used numeric linkIds)', () => {
    const note = onlyNote(
      withItems(
        [
          {
            linkId: '4436092714066',
            text: 'Assessment Date',
            answer: [{ valueDate: '2026-03-28T23:30:00-01:00' }],
          },
          {
            linkId: '3789717378462',
            text: 'Condition(s)',
            item: [
              {
                linkId: '468626616487',
                text: 'Condition (Text)',
                answer: [{ valueString: 'Sprained ankle' }],
              },
            ],
          },
          {
            linkId: 'a3',
            text: 'I find you:',
            answer: [{ valueCoding: { system: SNOMED, code: '160910001' } }],
          },
          { linkId: 'a4', text: 'From', answer: [{ valueDate: '2026-03-30' }] },
          { linkId: 'a5', text: 'Until', answer: [{ valueDate: '2026-04-05' }] },
        ],
        { questionnaire: 'https://example.org/Questionnaire/sick-note-form' },
      ),
    );
    expect(note).toMatchObject({
      issued: '2026-03-29',
      start: '2026-03-30',
      end: '2026-04-05',
      fitness: 'not-fit',
      conditions: [{ codings: [], text: 'Sprained ankle' }],
    });
  });

  it('takes the issue date from authored when there is no assessment date', () => {
    const note = onlyNote(withItems([fitnessItem, fromItem], { authored: '2026-10-25T00:30:00+01:00' }));
    expect(note.issued).toBe('2026-10-25');
  });

  it.each([
    ['entered in error', { status: 'entered-in-error' }, 'marked entered in error: not counted'],
    ['in progress', { status: 'in-progress' }, 'has status "in-progress", not completed'],
    ['no status', { status: undefined }, 'status is missing'],
  ])('reports a form %s', (_label, changes, reason) => {
    expect(onlyReason(variant(FORM, changes))).toContain(reason);
  });

  it.each([
    ['no "I find you" answer', [fromItem], 'has no answer to "I find you" (fitness for work, linkId Q3)'],
    [
      'an unknown assessment code',
      [item('Q3', [{ valueCoding: { system: SNOMED, code: '1234' } }]), fromItem],
      'unknown assessment code for "I find you" (http://snomed.info/sct|1234)',
    ],
    [
      'a text answer to "I find you"',
      [item('Q3', [{ valueString: 'unfit' }]), fromItem],
      'unknown assessment code',
    ],
    ['no "From" date', [fitnessItem], 'has no "From" date (linkId Q4)'],
    [
      'a partial "From" date',
      [fitnessItem, item('Q4', [{ valueDate: '2026-11' }])],
      'the "From" date (Q4) is a partial date (2026-11)',
    ],
    [
      '"To" before "From"',
      [fitnessItem, fromItem, item('Q5', [{ valueDate: '2026-11-19' }])],
      'ends (2026-11-19) before it starts (2026-11-20)',
    ],
    [
      'a bad assessment date',
      [fitnessItem, fromItem, item('Q1', [{ valueDate: '20-11-2026' }])],
      'the assessment date (Q1) is not a valid date',
    ],
    [
      'an unknown "may be fit" option',
      [fitnessItem, fromItem, item('Q6', [{ valueString: 'Work from the moon' }])],
      'unknown "may be fit" option ("Work from the moon")',
    ],
    [
      'assess again that is not yes/no',
      [fitnessItem, fromItem, item('Q7', [{ valueString: 'yes' }])],
      'the "assess again" answer (linkId Q7) is not a yes/no value',
    ],
  ])('reports %s', (_label, items, reason) => {
    expect(onlyReason(withItems(items))).toContain(reason);
  });

  it('ignores questionnaire responses that are not fit notes', () => {
    const other = {
      resourceType: 'QuestionnaireResponse',
      id: 'phq9',
      questionnaire: 'http://example.org/Questionnaire/phq-9',
      status: 'completed',
      item: [{ linkId: 'Q3', text: 'Feeling down?', answer: [{ valueInteger: 2 }] }],
    };
    expect(readOne(other)).toEqual({ notes: [], unreadable: [] });
  });

  it('recognises an unknown questionnaire by its "I find you" item', () => {
    const form = withItems([fitnessItem, fromItem], { questionnaire: undefined });
    expect(onlyNote(form).fitness).toBe('may-be-fit');
  });
});

describe('the Med3 DocumentReference', () => {
  const DOCUMENT = fixture('document-reference-med3.json');

  it('reads a "Sickness certificates" document with context.period as "not fit"', () => {
    expect(onlyNote(DOCUMENT)).toEqual({
      ref: 'DocumentReference/med3-scan-1',
      source: 'document-reference',
      issued: '2026-03-30',
      start: '2026-03-30',
      end: '2026-04-12',
      fitness: 'not-fit',
      conditions: [],
      advice: [],
      performer: 'Practitioner/gp-test-one',
    });
  });

  it('recognises a fit-note code from the practice list as its type', () => {
    expect(onlyNote(variant(DOCUMENT, { type: sct('1331000000103') })).source).toBe('document-reference');
  });

  it('reads "may be fit" when a category says so', () => {
    expect(onlyNote(variant(DOCUMENT, { category: [sct('225891002')] })).fitness).toBe('may-be-fit');
  });

  it('takes the period start as the issue date when there is no date', () => {
    expect(onlyNote(variant(DOCUMENT, { date: undefined })).issued).toBe('2026-03-30');
  });

  it.each([
    ['no context.period', { context: {} }, 'has no period (context.period)'],
    ['no context', { context: undefined }, 'has no period (context.period)'],
    ['entered in error', { status: 'entered-in-error' }, 'marked entered in error: not counted'],
    [
      'a document entered in error',
      { docStatus: 'entered-in-error' },
      'marked entered in error: not counted',
    ],
    ['superseded', { status: 'superseded' }, 'superseded by a newer document: not counted'],
    ['a preliminary document', { docStatus: 'preliminary' }, 'preliminary draft'],
    [
      'an end before the start',
      { context: { period: { start: '2026-03-30', end: '2026-03-29' } } },
      'before it starts',
    ],
    ['a bad date', { date: 'yesterday' }, 'date is not a valid date ("yesterday")'],
    [
      'contradictory fitness',
      {
        type: {
          coding: [
            { system: SNOMED, code: '18381000000107' },
            { system: SNOMED, code: '160910001' },
          ],
        },
        category: [sct('225891002')],
      },
      'records both',
    ],
  ])('reports %s', (_label, changes, reason) => {
    expect(onlyReason(variant(DOCUMENT, changes))).toContain(reason);
  });

  it('ignores other documents', () => {
    expect(readOne(variant(DOCUMENT, { type: sct('371530004') }))).toEqual({ notes: [], unreadable: [] });
  });
});

describe('robustness', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'Observation'],
    ['a list', [FITNOTE]],
    ['a Patient', { resourceType: 'Patient', id: 'p' }],
    ['a Condition', { resourceType: 'Condition', code: sct('279039007') }],
    [
      'an Observation about something else',
      { resourceType: 'Observation', status: 'final', code: sct('271649006') },
    ],
    ['an Observation without a code', { resourceType: 'Observation', status: 'final' }],
    [
      'a Procedure about something else',
      { resourceType: 'Procedure', status: 'completed', code: sct('80146002') },
    ],
    ['a DocumentReference without a type', { resourceType: 'DocumentReference', status: 'current' }],
    ['a QuestionnaireResponse without items', { resourceType: 'QuestionnaireResponse', status: 'completed' }],
  ])('ignores %s', (_label, resource) => {
    expect(readOne(resource)).toEqual({ notes: [], unreadable: [] });
  });

  it.each([
    ['coding that is not a list', { code: { coding: 'x' } }],
    ['components that are not a list', { component: { code: 'x' } }],
    [
      'components that are odd values',
      { component: [null, 3, 'x', [], { code: null }, { code: { coding: [null] } }] },
    ],
    ['a value that is a list', { valueCodeableConcept: [] }],
    ['performers that are odd values', { performer: [null, { reference: 3 }, 'Practitioner/x'] }],
    [
      'items of odd shape',
      {
        resourceType: 'QuestionnaireResponse',
        questionnaire: 'fit-note',
        item: [null, { item: 'x', answer: 3 }],
      },
    ],
    [
      'a DocumentReference of odd shape',
      { resourceType: 'DocumentReference', type: sct('18381000000107'), category: 'x' },
    ],
  ])('never throws on %s', (_label, changes) => {
    expect(() => readOne(variant(FITNOTE, changes))).not.toThrow();
    const { notes, unreadable } = readOne(variant(FITNOTE, changes));
    expect(notes.length + unreadable.length).toBeLessThanOrEqual(1);
  });

  it('returns nothing for input that is not a list', () => {
    expect(readFitNotes(undefined as never)).toEqual({ notes: [], unreadable: [] });
  });

  it('reads a mixed list in order, counting every fit note once', () => {
    const resources = [
      FITNOTE,
      { resourceType: 'Patient', id: 'john' },
      fixture('coded-entry-procedure.json'),
      variant(FITNOTE, { id: 'bad', effectivePeriod: { start: '2026-11-10', end: '2026-11-01' } }),
      fixture('questionnaire-response.json'),
      fixture('document-reference-med3.json'),
    ];
    const { notes, unreadable } = readFitNotes(resources);
    expect(notes.map((n) => n.source)).toEqual([
      'observation',
      'coded-entry',
      'questionnaire-response',
      'document-reference',
    ]);
    expect(unreadable).toEqual([
      {
        ref: 'Observation/bad',
        reason: 'the period it covers ends (2026-11-01) before it starts (2026-11-10)',
      },
    ]);
  });
});
