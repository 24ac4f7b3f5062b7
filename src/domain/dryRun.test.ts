import { backPain, note } from '../../tests/fixtures/fitNotes.js';
import { SNOMED } from './codes.js';
import { dayFromCivil, formatDay } from './dates.js';
import { DEFAULT_RULES } from './defaultRules.js';
import type { Directory } from './directory.js';
import { dryRun, EXPECTED_VOLUMES, expectedVolumeFor, monthsOf, windowProblem } from './dryRun.js';
import { parseRules, type RulesFile } from './rules.js';
import { type SimulationPatient, simulate, simulateEach } from './simulate.js';

const national = (() => {
  const r = parseRules(DEFAULT_RULES);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
})();

/** The national rules with the six-week rule brought down to four weeks. */
const fourWeekOh: RulesFile = {
  ...national,
  rules: national.rules.map((r) =>
    r.id === 'six-weeks-oh' ? { ...r, when: { ...r.when, absenceDaysAtLeast: 28 } } : r,
  ),
};

const employed = (id: string) => ({ id, employmentStatus: 'employed' as const, birthDate: '1980-01-01' });

// Hand-counted population, window 2026-09-01 .. 2026-10-31 (61 days, 2.0042 months), 4 patients.
// - a: back pain, three two-week notes from 1 Sep (issued 1, 15, 29 Sep): live fires two weeks (1 Sep),
//   four weeks (15 Sep), six weeks (29 Sep); with six weeks at 28 days, 15 Sep fires six weeks, which
//   supersedes four weeks: two weeks + six weeks.
// - b: back pain, one note 5–30 Oct (26 days): two weeks (5 Oct) both ways.
// - c: unemployed: nothing (the national rules are for employed and self-employed people).
// - d: no notes.
const patients: SimulationPatient[] = [
  {
    patient: employed('a'),
    notes: [
      note('2026-09-01', '2026-09-14'),
      note('2026-09-15', '2026-09-28'),
      note('2026-09-29', '2026-10-12'),
    ],
  },
  { patient: employed('b'), notes: [note('2026-10-05', '2026-10-30')] },
  {
    patient: { id: 'c', employmentStatus: 'unemployed', birthDate: '1980-01-01' },
    notes: [note('2026-09-01', '2026-11-30')],
  },
  { patient: employed('d'), notes: [] },
];

const directory: Pick<Directory, 'providers'> = {
  providers: [
    { id: 'oh', services: ['oh-assessment'] },
    { id: 'coach', services: ['employment-support'] },
    { id: 'physio', services: ['physiotherapy'] },
    { id: 'case', services: ['case-management', 'psychological-therapy'] },
  ] as unknown as Directory['providers'],
};

describe('dryRun', () => {
  const report = dryRun({
    patients,
    draft: fourWeekOh,
    live: national,
    directory,
    from: '2026-09-01',
    to: '2026-10-31',
  });
  const row = (id: string) => report.rules.find((r) => r.ruleId === id);

  it.each([
    // rule, draft prompts, live prompts
    ['two-weeks-early-advice', 2, 2],
    ['four-weeks-review', 0, 1],
    ['six-weeks-oh', 1, 1],
    ['three-months-case-managed', 0, 0],
  ])('%s: %i prompts in the draft, %i live (hand count)', (id, draft, live) => {
    expect(row(id)?.draft.prompts).toBe(draft);
    expect(row(id)?.live?.prompts).toBe(live);
  });

  it('gives rates per 1,000 patients and per full-time GP per month, assuming GPs from the list size', () => {
    expect(report.patients).toBe(4);
    expect(report.months).toBeCloseTo(61 / 30.436875, 2);
    // 4 patients / 2,000 per GP = 0.002, floored at 0.1 GP; flagged as assumed.
    expect(report).toMatchObject({ fullTimeGps: 0.1, fullTimeGpsAssumed: true });
    const two = row('two-weeks-early-advice')?.draft;
    expect(two?.per1000PatientsPerMonth).toBeCloseTo(((2 / 4) * 1000) / (61 / 30.436875), 1);
    expect(two?.perGpPerMonth).toBeCloseTo(2 / 0.1 / (61 / 30.436875), 1);
    expect(two?.patientsPrompted).toBe(2);
  });

  it('uses the number of full-time GPs the IT lead gives', () => {
    const given = dryRun({ patients, draft: national, from: '2026-09-01', to: '2026-10-31', fullTimeGps: 2 });
    expect(given).toMatchObject({ fullTimeGps: 2, fullTimeGpsAssumed: false });
    expect(given.rules.find((r) => r.ruleId === 'two-weeks-early-advice')?.draft.perGpPerMonth).toBeCloseTo(
      2 / 2 / (61 / 30.436875),
      2,
    );
    // No live rules: no live figures.
    expect(given.rules.every((r) => r.live === undefined)).toBe(true);
  });

  it('assumes one full-time GP per 2,000 patients', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ patient: employed(String(i)), notes: [] }));
    expect(
      dryRun({ patients: many, draft: national, from: '2026-09-01', to: '2026-09-30' }).fullTimeGps,
    ).toBe(2.5);
  });

  it('gives the prompts month by month for the chart', () => {
    expect(report.byMonth.map((m) => m.month)).toEqual(['2026-09', '2026-10']);
    expect(report.byMonth[0]?.draft).toMatchObject({ 'two-weeks-early-advice': 1, 'six-weeks-oh': 1 });
    expect(report.byMonth[0]?.live).toMatchObject({
      'two-weeks-early-advice': 1,
      'four-weeks-review': 1,
      'six-weeks-oh': 1,
    });
    expect(report.byMonth[1]?.draft).toMatchObject({ 'two-weeks-early-advice': 1, 'six-weeks-oh': 0 });
  });

  it('shows a switched-off rule as 0 and what it would give if switched on', () => {
    // Patient a's absence reaches 42 days on 29 Sep (1 Sep - 12 Oct), not more than the 42-day MSK
    // expected duration: the switched-off national rule would not fire either.
    expect(row('longer-than-expected')).toMatchObject({
      enabledInDraft: false,
      draft: { prompts: 0 },
      ifSwitchedOn: { prompts: 0 },
    });
    const ohOff = {
      ...fourWeekOh,
      rules: fourWeekOh.rules.map((r) => (r.id === 'six-weeks-oh' ? { ...r, enabled: false } : r)),
    };
    const r = dryRun({ patients, draft: ohOff, live: national, from: '2026-09-01', to: '2026-10-31' });
    // Off, the four-week rule is no longer superseded on 15 Sep; on, the OH rule would fire then.
    expect(r.rules.find((x) => x.ruleId === 'six-weeks-oh')).toMatchObject({
      enabledInDraft: false,
      draft: { prompts: 0 },
      live: { prompts: 1 },
      ifSwitchedOn: { prompts: 1 },
    });
    expect(r.rules.find((x) => x.ruleId === 'four-weeks-review')?.draft.prompts).toBe(1);
    expect(r.rules.find((x) => x.ruleId === 'four-weeks-review')?.ifSwitchedOn).toBeUndefined();
  });

  it('lists a live rule the draft removed', () => {
    const fewer = { ...national, rules: national.rules.filter((r) => r.id !== 'four-weeks-review') };
    const r = dryRun({ patients, draft: fewer, live: national, from: '2026-09-01', to: '2026-10-31' });
    expect(r.rules.find((x) => x.ruleId === 'four-weeks-review')).toMatchObject({
      removedInDraft: true,
      enabledInDraft: false,
      draft: { prompts: 0 },
      live: { prompts: 1 },
    });
  });

  it.each([
    ['two-weeks-early-advice', 'immediate-advice'],
    ['six-weeks-oh', 'oh-assessment'],
    ['three-months-case-managed', 'case-managed-support'],
  ] as const)('matches the national rule %s to the study option %s', (id, option) => {
    expect(row(id)?.expected).toEqual({
      label: EXPECTED_VOLUMES[option].label,
      min: EXPECTED_VOLUMES[option].min,
      max: EXPECTED_VOLUMES[option].max,
    });
  });
});

describe('expectedVolumeFor', () => {
  it.each([
    [['oh'], 'oh-assessment'],
    [['coach', 'physio'], 'immediate-advice'],
    [['case'], 'case-managed-support'],
    [['coach', 'oh', 'oh'], 'oh-assessment'],
    [['oh', 'coach'], 'oh-assessment'], // a tie: the first-listed provider's option
    [['coach', 'oh'], 'immediate-advice'],
    [['unknown'], undefined],
    [[], undefined],
  ])('a local rule referring to %j expects %s', (providers, option) => {
    expect(expectedVolumeFor({ id: 'local', providers }, directory)?.option).toBe(option);
  });

  it('gives the study figures', () => {
    expect(Object.values(EXPECTED_VOLUMES).map((v) => [v.option, v.min, v.max])).toEqual([
      ['immediate-advice', 10, 15],
      ['oh-assessment', 4, 6],
      ['case-managed-support', 1, 2],
    ]);
  });
});

describe('windowProblem', () => {
  it.each([
    ['2026-01-01', '2026-10-31', undefined],
    ['2021-11-21', '2026-11-21', undefined],
    ['2021-11-20', '2026-11-21', 'longer than 5 years'],
    ['2026-10-01', '2026-09-01', 'before it starts'],
    ['2026-10-01', '2026-11-22', 'after today'],
    ['01/10/2026', '2026-11-01', '"from" must be a date'],
    ['2026-10-01', '2026-02-30', '"to" must be a date'],
  ])('%s to %s: %s', (from, to, problem) => {
    const found = windowProblem(from, to, '2026-11-21');
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('monthsOf', () => {
  it.each([
    ['2026-09-15', '2026-09-20', ['2026-09']],
    ['2025-11-30', '2026-02-01', ['2025-11', '2025-12', '2026-01', '2026-02']],
  ])('%s to %s', (from, to, months) => {
    expect(monthsOf(from, to)).toEqual(months);
  });
});

describe("simulateEach (the dry run's one pass)", () => {
  it('gives exactly what separate simulate runs give, also with another episode gap', () => {
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const anxiety = { codings: [{ system: SNOMED, code: '197480006' }], text: 'Anxiety' };
    const base = dayFromCivil(2025, 1, 1);
    const population: SimulationPatient[] = [];
    for (let p = 0; p < 300; p++) {
      const notes = [];
      let day = base + Math.floor(rand() * 400);
      for (let i = Math.floor(rand() * 8); i > 0; i--) {
        const length = 1 + Math.floor(rand() * 40);
        notes.push(
          note(formatDay(day), rand() < 0.05 ? undefined : formatDay(day + length - 1), {
            fitness: rand() < 0.3 ? 'may-be-fit' : 'not-fit',
            conditions: [rand() < 0.5 ? backPain : anxiety],
          }),
        );
        day += length + Math.floor(rand() * 14);
      }
      population.push({
        patient: {
          id: String(p),
          employmentStatus: rand() < 0.8 ? 'employed' : 'self-employed',
          birthDate: '1980-06-15',
        },
        notes,
      });
    }
    const wideGap: RulesFile = { ...fourWeekOh, episodeGapDays: 14 };
    const window = { from: '2025-03-01', to: '2026-10-31' };
    const runs = [
      { rules: fourWeekOh, includeDisabled: false, ...window },
      { rules: national, includeDisabled: false, ...window },
      { rules: fourWeekOh, ...window },
      { rules: wideGap, includeDisabled: false, ...window },
    ];
    const together = simulateEach(population, runs);
    expect(together).toEqual(runs.map((run) => simulate(population, run)));
    expect(together[0]?.totalPrompts).toBeGreaterThan(50);
    expect(together[0]).not.toEqual(together[1]);
    expect(together[0]).not.toEqual(together[3]);
  });
});
