import { readFileSync } from 'node:fs';
import { note } from '../../tests/fixtures/fitNotes.js';
import { ICD10_UK, SNOMED } from './codes.js';
import { DEFAULT_RULES } from './defaultRules.js';
import { parseDirectory } from './directory.js';
import { type Card, type EvaluationInput, evaluate, type PromptFeedback } from './evaluate.js';
import type { FitNote } from './fitnote.js';
import type { PatientFacts } from './patient.js';
import { parseRules, type Rule, type RulesFile } from './rules.js';

const today = '2026-11-21';
const depression = { codings: [{ system: ICD10_UK, code: 'F32.9' }], text: 'Depression' };
const chest = { codings: [{ system: SNOMED, code: '233604007' }], text: 'Pneumonia' };

const employed: PatientFacts = {
  id: 'p1',
  nhsNumber: '9000000009',
  employmentStatus: 'employed',
  birthDate: '1980-05-01',
};

function rules(...list: Array<Partial<Rule> & { id: string }>): RulesFile {
  const result = parseRules({
    schemaVersion: 1,
    expectedDurations: [{ label: 'MSK: 6 weeks', conditionGroup: 'msk', days: 42 }],
    rules: list.map((r) => ({
      title: r.id,
      enabled: true,
      when: { absenceDaysAtLeast: 14 },
      indicator: 'info',
      summary: 'Off work {{absenceWeeks}} weeks ({{condition}})',
      providers: ['local-oh-service'],
      source: { label: 'Test' },
      ...r,
    })),
  });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.value;
}

const defaults = (() => {
  const result = parseRules(DEFAULT_RULES);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.value;
})();

function fired(input: Partial<EvaluationInput> & { notes: FitNote[] }): string[] {
  return evaluate({ patient: employed, rules: defaults, today, ...input }).cards.map(
    (c) => c.extension.ruleId,
  );
}

// Six weeks off (42 days) over three notes ending today.
const sixWeeks = () => [
  note('2026-10-11', '2026-10-24'),
  note('2026-10-25', '2026-11-07'),
  note('2026-11-08', '2026-11-21', { issued: '2026-11-08' }),
];

describe('evaluate: when keys', () => {
  it.each<[string, Partial<Rule>, FitNote[], PatientFacts, boolean]>([
    [
      'absence below threshold',
      { when: { absenceDaysAtLeast: 15 } },
      [note('2026-11-08', '2026-11-21')],
      employed,
      false,
    ],
    [
      'absence at threshold',
      { when: { absenceDaysAtLeast: 14 } },
      [note('2026-11-08', '2026-11-21')],
      employed,
      true,
    ],
    [
      'future days the latest note covers count on the day it is issued',
      { when: { absenceDaysAtLeast: 28 } },
      [note('2026-11-21', '2026-12-18')],
      employed,
      true,
    ],
    ['note count below', { when: { noteCountAtLeast: 4 } }, sixWeeks(), employed, false],
    ['note count at', { when: { noteCountAtLeast: 3 } }, sixWeeks(), employed, true],
    [
      'first note: one note',
      { when: { firstNote: true } },
      [note('2026-11-20', '2026-12-03')],
      employed,
      true,
    ],
    [
      'first note: a second note',
      { when: { firstNote: true } },
      [note('2026-11-01', '2026-11-14'), note('2026-11-15', '2026-11-28')],
      employed,
      false,
    ],
    [
      'third episode in 12 months',
      { when: { episodesIn12MonthsAtLeast: 3 } },
      [note('2026-01-05', '2026-01-18'), note('2026-05-04', '2026-05-17'), note('2026-11-16', '2026-11-29')],
      employed,
      true,
    ],
    [
      'second episode only',
      { when: { episodesIn12MonthsAtLeast: 3 } },
      [note('2026-05-04', '2026-05-17'), note('2026-11-16', '2026-11-29')],
      employed,
      false,
    ],
    [
      'longer than expected for MSK (43 > 42)',
      { when: { exceedsExpectedDuration: true } },
      [note('2026-10-10', '2026-11-21')],
      employed,
      true,
    ],
    [
      'not longer than expected (42)',
      { when: { exceedsExpectedDuration: true } },
      sixWeeks(),
      employed,
      false,
    ],
    [
      'no expectation for the condition',
      { when: { exceedsExpectedDuration: true } },
      [note('2026-09-01', '2026-11-21', { conditions: [chest] })],
      employed,
      false,
    ],
    [
      'all given keys must hold',
      { when: { absenceDaysAtLeast: 14, noteCountAtLeast: 2 } },
      [note('2026-11-01', '2026-11-21')],
      employed,
      false,
    ],
  ])('%s', (_name, rule, notes, patient, expected) => {
    const result = evaluate({ patient, notes, rules: rules({ id: 'r', ...rule }), today });
    expect(result.cards.length).toBe(expected ? 1 : 0);
  });
});

describe('evaluate: filters', () => {
  const twoWeeks = [note('2026-11-08', '2026-11-21')];
  it.each<[string, Partial<Rule>, FitNote[], Partial<PatientFacts>, boolean]>([
    ['condition group matches', { conditionGroups: ['msk'] }, twoWeeks, {}, true],
    ['condition group does not match', { conditionGroups: ['mental-health'] }, twoWeeks, {}, false],
    [
      'ICD-10 F code is mental health',
      { conditionGroups: ['mental-health'] },
      [note('2026-11-08', '2026-11-21', { conditions: [depression] })],
      {},
      true,
    ],
    [
      'uncoded condition matches no group',
      { conditionGroups: ['msk'] },
      [note('2026-11-08', '2026-11-21', { conditions: [{ codings: [], text: 'bad back' }] })],
      {},
      false,
    ],
    [
      'no conditionGroups matches any condition',
      {},
      [note('2026-11-08', '2026-11-21', { conditions: [chest] })],
      {},
      true,
    ],
    [
      'employment status matches',
      { employmentStatus: ['employed', 'self-employed'] },
      twoWeeks,
      { employmentStatus: 'self-employed' },
      true,
    ],
    [
      'employment status excludes unemployed',
      { employmentStatus: ['employed'] },
      twoWeeks,
      { employmentStatus: 'unemployed' },
      false,
    ],
    [
      'unknown employment still prompts (to confirm)',
      { employmentStatus: ['employed'] },
      twoWeeks,
      { employmentStatus: 'unknown' },
      true,
    ],
    ['age inside range', { ageRange: { min: 18, max: 65 } }, twoWeeks, { birthDate: '1980-05-01' }, true],
    ['age above range', { ageRange: { max: 45 } }, twoWeeks, { birthDate: '1980-05-01' }, false],
    [
      'age below range on the day before a birthday',
      { ageRange: { min: 18 } },
      twoWeeks,
      { birthDate: '2008-11-22' },
      false,
    ],
    ['age reached on the birthday', { ageRange: { min: 18 } }, twoWeeks, { birthDate: '2008-11-21' }, true],
    ['may-be-fit only: not fit', { mayBeFitOnly: true }, twoWeeks, {}, false],
    [
      'may-be-fit only: may be fit',
      { mayBeFitOnly: true },
      [note('2026-11-08', '2026-11-21', { fitness: 'may-be-fit' })],
      {},
      true,
    ],
    ['disabled rule never fires', { enabled: false }, twoWeeks, {}, false],
  ])('%s', (_name, rule, notes, patient, expected) => {
    const result = evaluate({
      patient: { ...employed, ...patient },
      notes,
      rules: rules({ id: 'r', ...rule }),
      today,
    });
    expect(result.cards.length).toBe(expected ? 1 : 0);
  });

  it('asks the GP to confirm facts the record lacks', () => {
    const [card] = evaluate({
      patient: { id: 'x', employmentStatus: 'unknown' },
      notes: [note('2026-11-08', '2026-11-21')],
      rules: rules({ id: 'r', employmentStatus: ['employed'], ageRange: { min: 18 } }),
      today,
    }).cards;
    expect(card?.extension.toConfirm).toEqual([
      'Employment status is not recorded: confirm the patient is in work',
      'Date of birth is not recorded: confirm the patient’s age',
    ]);
  });
});

describe('evaluate: the shipped defaults', () => {
  it.each<[string, FitNote[], PatientFacts, string[]]>([
    ['one week off: nothing', [note('2026-11-15', '2026-11-21')], employed, []],
    ['two weeks: early advice', [note('2026-11-08', '2026-11-21')], employed, ['two-weeks-early-advice']],
    [
      'four weeks: the review point replaces early advice',
      [note('2026-10-25', '2026-11-21')],
      employed,
      ['four-weeks-review'],
    ],
    ['six weeks MSK: OH assessment replaces both', sixWeeks(), employed, ['six-weeks-oh']],
    [
      'six weeks of pneumonia: no condition-group rule, four-week prompt stays',
      [note('2026-10-11', '2026-11-21', { conditions: [chest] })],
      employed,
      ['four-weeks-review'],
    ],
    [
      'three months: case-managed support',
      [note('2026-08-20', '2026-11-21')],
      employed,
      ['three-months-case-managed'],
    ],
    ['unemployed: no prompt', sixWeeks(), { ...employed, employmentStatus: 'unemployed' }, []],
    ['an old episode: no prompt', [note('2026-06-01', '2026-08-01')], employed, []],
    [
      'fourth note at six weeks: the six-week prompt replaces the fit-note cycle one',
      [
        note('2026-10-01', '2026-10-14'),
        note('2026-10-15', '2026-10-28'),
        note('2026-10-29', '2026-11-11'),
        note('2026-11-12', '2026-11-25'),
      ],
      employed,
      ['six-weeks-oh'],
    ],
    [
      'fourth note at three weeks: the fit-note cycle prompt replaces early advice',
      [
        note('2026-10-31', '2026-11-05'),
        note('2026-11-06', '2026-11-11'),
        note('2026-11-12', '2026-11-16'),
        note('2026-11-17', '2026-11-21'),
      ],
      employed,
      ['fourth-note-one-episode'],
    ],
  ])('%s', (_name, notes, patient, expected) => {
    expect(fired({ notes, patient }).sort()).toEqual(expected.sort());
  });
});

describe('evaluate: cards', () => {
  const result = evaluate({
    patient: employed,
    notes: sixWeeks(),
    rules: defaults,
    today,
    appLaunchUrl: 'https://app.example/launch',
  });
  const card = result.cards[0] as Card;

  it('is a CDS Hooks 2.0 card with the project extension', () => {
    expect(card).toMatchObject({
      summary: 'Off work 6 weeks (Low back pain): consider an occupational health assessment',
      indicator: 'warning',
      source: { label: expect.stringContaining('Table 4.1'), topic: { code: 'six-weeks-oh' } },
      extension: {
        ruleId: 'six-weeks-oh',
        episodeStart: '2026-10-11',
        reason: 'Off work 6 weeks, 3 fit notes, Low back pain',
      },
      links: [
        {
          type: 'smart',
          url: 'https://app.example/launch',
          appContext: expect.stringContaining('"ruleId":"six-weeks-oh"'),
        },
      ],
    });
    expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(card.summary.length).toBeLessThanOrEqual(140);
    expect(card.overrideReasons.map((r) => r.code)).toEqual([
      'patient-declined',
      'already-receiving-support',
      'employer-oh-in-place',
      'not-clinically-appropriate',
      'other',
    ]);
    expect(card.extension.facts).toEqual([
      'Off work 6 weeks (42 days) since 11 October 2026',
      'Condition: Low back pain (musculoskeletal)',
    ]);
    expect(card.detail).toContain('- Off work 6 weeks (42 days) since 11 October 2026');
  });

  it('keeps the same uuid for the same patient, episode and rule, as the episode grows', () => {
    const later = evaluate({
      patient: employed,
      notes: [...sixWeeks(), note('2026-11-22', '2026-12-05', { issued: '2026-11-21' })],
      rules: defaults,
      today,
    });
    expect(later.cards[0]?.uuid).toBe(card.uuid);
    const otherPatient = evaluate({
      patient: { ...employed, nhsNumber: '9000000017' },
      notes: sixWeeks(),
      rules: defaults,
      today,
    });
    expect(otherPatient.cards[0]?.uuid).not.toBe(card.uuid);
  });

  it('gives a new uuid per note for each-note rules', () => {
    const r = rules({ id: 'r', repeat: 'each-note' });
    const a = evaluate({ patient: employed, notes: [note('2026-11-01', '2026-11-14')], rules: r, today });
    const b = evaluate({
      patient: employed,
      notes: [note('2026-11-01', '2026-11-14'), note('2026-11-15', '2026-11-28', { issued: '2026-11-15' })],
      rules: r,
      today,
    });
    expect(a.cards[0]?.uuid).not.toBe(b.cards[0]?.uuid);
  });

  it('passes unreadable notes through', () => {
    const unreadable = [{ ref: 'Observation/bad', reason: 'The note ends before it starts.' }];
    expect(evaluate({ patient: employed, notes: [], unreadable, rules: defaults, today })).toEqual({
      episodes: [],
      cards: [],
      unreadable,
    });
  });
});

describe('evaluate: suppression', () => {
  const notes = sixWeeks();
  const uuid = (evaluate({ patient: employed, notes, rules: defaults, today }).cards[0] as Card).uuid;
  const noteCount = notes.length;
  const feedback = (f: Partial<PromptFeedback>): PromptFeedback => ({
    card: uuid,
    outcome: 'overridden',
    outcomeTimestamp: '2026-11-21T10:00:00Z',
    ...f,
  });

  it.each<[string, Partial<EvaluationInput>, boolean]>([
    ['nothing recorded', {}, true],
    [
      'an active referral in this episode',
      { referrals: [{ ref: 'ServiceRequest/1', authoredOn: '2026-11-01', active: true }] },
      false,
    ],
    [
      'a closed referral in this episode',
      { referrals: [{ ref: 'ServiceRequest/1', authoredOn: '2026-11-01', active: false }] },
      true,
    ],
    [
      'an active referral from before this episode',
      { referrals: [{ ref: 'ServiceRequest/1', authoredOn: '2026-01-01', active: true }] },
      true,
    ],
    ['declined (overridden)', { feedback: [feedback({})] }, false],
    ['accepted', { feedback: [feedback({ outcome: 'accepted' })] }, false],
    ['feedback on another card', { feedback: [feedback({ card: 'other' })] }, true],
    [
      'snoozed until a later date',
      { feedback: [feedback({ outcome: 'snoozed', snooze: { until: '2026-11-28' } })] },
      false,
    ],
    [
      'snooze date reached',
      { feedback: [feedback({ outcome: 'snoozed', snooze: { until: '2026-11-21' } })] },
      true,
    ],
    [
      'snoozed until the next note: no new note',
      {
        feedback: [
          feedback({ outcome: 'snoozed', snooze: { untilNextNote: true, latestIssued: '2026-11-08' } }),
        ],
      },
      false,
    ],
    [
      'snoozed until the next note: a new note came',
      {
        feedback: [
          feedback({ outcome: 'snoozed', snooze: { untilNextNote: true, latestIssued: '2026-11-01' } }),
        ],
      },
      true,
    ],
    [
      'snoozed until the next note, counted: no new note',
      { feedback: [feedback({ outcome: 'snoozed', snooze: { untilNextNote: true, noteCount } })] },
      false,
    ],
    [
      'snoozed until the next note, counted: a new note the same day as the last',
      {
        feedback: [
          feedback({
            outcome: 'snoozed',
            snooze: { untilNextNote: true, noteCount: noteCount - 1, latestIssued: '2026-11-21' },
          }),
        ],
      },
      true,
    ],
  ])('%s', (_name, extra, shown) => {
    expect(evaluate({ patient: employed, notes, rules: defaults, today, ...extra }).cards.length).toBe(
      shown ? 1 : 0,
    );
  });
});

describe('evaluate: providers from the directory', () => {
  const parsed = parseDirectory(JSON.parse(readFileSync('examples/directory.json', 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const directory = parsed.directory.providers;

  it("ranks the rule's providers for the patient and suggests the eligible ones", () => {
    const [card] = evaluate({
      patient: { ...employed, postcode: 'LS6 2AB' },
      notes: sixWeeks(),
      rules: defaults,
      today,
      directory,
    }).cards;
    const options = card?.extension.providerOptions ?? [];
    expect(options.map((o) => o.id).sort()).toEqual(['local-oh-service', 'msk-physio-fast-track']);
    const eligible = options.filter((o) => o.eligible);
    expect(card?.suggestions?.map((s) => s.label)).toEqual(eligible.map((o) => `Refer to ${o.name}`));
    if (eligible.length > 0) {
      expect(card?.selectionBehavior).toBe('at-most-one');
      expect(card?.suggestions?.[0]).toMatchObject({
        isRecommended: true,
        actions: [{ type: 'create', resource: { resourceType: 'ServiceRequest', status: 'draft' } }],
      });
    }
    for (const o of options.filter((x) => !x.eligible)) expect(o.reasons.length).toBeGreaterThan(0);
  });

  it('explains why an unemployed patient cannot go to an employed-only service', () => {
    const r = rules({ id: 'r', providers: ['local-oh-service'] });
    const [card] = evaluate({
      patient: { ...employed, employmentStatus: 'unemployed' },
      notes: sixWeeks(),
      rules: r,
      today,
      directory,
    }).cards;
    expect(card?.extension.providerOptions?.[0]).toMatchObject({ id: 'local-oh-service', eligible: false });
    expect(card?.extension.providerOptions?.[0]?.reasons.join(' ')).toMatch(/unemployed/);
    expect(card?.suggestions).toBeUndefined();
  });
});
