import { backPain, note as makeNote } from '../../tests/fixtures/fitNotes.js';
import { SNOMED } from './codes.js';
import { dayFromCivil, formatDay } from './dates.js';
import { DEFAULT_RULES } from './defaultRules.js';
import type { FitNote } from './fitnote.js';
import { parseRules, type RulesFile } from './rules.js';
import { type SimulationPatient, simulate } from './simulate.js';

const rules = (() => {
  const r = parseRules(DEFAULT_RULES);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
})();

const anxiety = { codings: [{ system: SNOMED, code: '197480006' }], text: 'Anxiety' };

function note(ref: string, start: string, end: string | undefined, extra: Partial<FitNote> = {}): FitNote {
  return makeNote(start, end, { ref, ...extra });
}

const employed = (id: string) => ({ id, employmentStatus: 'employed' as const, birthDate: '1980-01-01' });

describe('simulate', () => {
  it('counts each prompt once per episode and rule, on the day it first fires', () => {
    // Six weeks over three notes, all issued inside the window.
    const patients: SimulationPatient[] = [
      {
        patient: employed('a'),
        notes: [
          note('1', '2026-09-01', '2026-09-14'),
          note('2', '2026-09-15', '2026-09-28'),
          note('3', '2026-09-29', '2026-10-12'),
        ],
      },
      { patient: employed('b'), notes: [] },
    ];
    const result = simulate(patients, { rules, from: '2026-09-01', to: '2026-11-30' });
    const byId = Object.fromEntries(result.rules.map((r) => [r.ruleId, r.prompts]));
    expect(byId).toMatchObject({
      'two-weeks-early-advice': 1,
      'four-weeks-review': 1,
      'six-weeks-oh': 1,
      'three-months-case-managed': 0,
    });
    expect(result.patients).toBe(2);
    expect(result.days).toBe(91);
    // 3 prompts over 2 patients in 91 days.
    expect(result.totalPrompts).toBe(3);
    const six = result.rules.find((r) => r.ruleId === 'six-weeks-oh');
    expect(six?.per1000PatientsPerMonth).toBeCloseTo(((1 / 2) * 1000) / (91 / 30.436875), 1);
  });

  it('does not count a prompt that had already fired before the window', () => {
    const patients = [
      {
        patient: employed('a'),
        notes: [note('1', '2026-08-01', '2026-09-30'), note('2', '2026-10-01', '2026-10-14')],
      },
    ];
    const result = simulate(patients, { rules, from: '2026-09-15', to: '2026-10-31' });
    const byId = Object.fromEntries(result.rules.map((r) => [r.ruleId, r.prompts]));
    // By 14 September the first note already covered 61 days, so six weeks had fired before the window.
    expect(byId['six-weeks-oh']).toBe(0);
    expect(byId['three-months-case-managed']).toBe(0);
    expect(result.totalPrompts).toBe(0);
  });

  it('counts disabled rules too unless told not to (the point of a dry run)', () => {
    const off: RulesFile = {
      ...rules,
      rules: rules.rules.map((r) => ({ ...r, enabled: r.id !== 'six-weeks-oh' })),
    };
    const patients = [{ patient: employed('a'), notes: [note('1', '2026-09-01', '2026-10-20')] }];
    const dry = simulate(patients, { rules: off, from: '2026-09-01', to: '2026-10-31' });
    expect(dry.rules.find((r) => r.ruleId === 'six-weeks-oh')).toMatchObject({ prompts: 1, enabled: false });
    const live = simulate(patients, {
      rules: off,
      from: '2026-09-01',
      to: '2026-10-31',
      includeDisabled: false,
    });
    expect(live.rules.find((r) => r.ruleId === 'six-weeks-oh')?.prompts).toBe(0);
  });

  it('fires an age-range rule on the birthday that brings the patient into range', () => {
    const forty: RulesFile = {
      ...rules,
      rules: [
        {
          ...(rules.rules[0] as RulesFile['rules'][number]),
          id: 'forty-plus',
          ageRange: { min: 40 },
          supersedes: [],
        },
      ],
    };
    const patients = [
      {
        patient: { id: 'a', employmentStatus: 'employed' as const, birthDate: '1986-06-15' },
        notes: [note('1', '2026-06-01', '2026-07-31')],
      },
    ];
    const options = { rules: forty, from: '2026-06-01', to: '2026-07-31' };
    expect(simulate(patients, options).totalPrompts).toBe(1);
    expect(simulate(patients, options)).toEqual(simulate(patients, { ...options, everyDay: true }));
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => simulate([], { rules, from: '2026-10-01', to: '2026-09-01' })).toThrow(
      'The window ends (2026-09-01) before it starts (2026-10-01).',
    );
  });

  it('gives exactly what a naive day-by-day replay gives, on a varied population', () => {
    // Deterministic pseudo-random population with open-ended notes, gaps, birthdays and mixed conditions.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const base = dayFromCivil(2026, 1, 1);
    const patients: SimulationPatient[] = [];
    for (let p = 0; p < 400; p++) {
      const notes: FitNote[] = [];
      let day = base + Math.floor(rand() * 200);
      const count = Math.floor(rand() * 7);
      for (let i = 0; i < count; i++) {
        const length = 1 + Math.floor(rand() * 35);
        const open = rand() < 0.05;
        notes.push(
          note(`${p}-${i}`, formatDay(day), open ? undefined : formatDay(day + length - 1), {
            issued: formatDay(day - Math.floor(rand() * 3)),
            fitness: rand() < 0.3 ? 'may-be-fit' : 'not-fit',
            conditions: [rand() < 0.5 ? backPain : anxiety],
          }),
        );
        day += length + Math.floor(rand() * 12);
      }
      const birth = formatDay(base - 365 * (17 + Math.floor(rand() * 50)) + Math.floor(rand() * 365));
      patients.push({
        patient: {
          id: String(p),
          employmentStatus: rand() < 0.8 ? 'employed' : 'unemployed',
          birthDate: birth,
        },
        notes,
      });
    }
    const withAges: RulesFile = {
      ...rules,
      rules: [
        ...rules.rules,
        {
          ...(rules.rules[0] as RulesFile['rules'][number]),
          id: 'forty-plus',
          ageRange: { min: 40 },
          supersedes: [],
        },
      ],
    };
    const options = { rules: withAges, from: '2026-03-01', to: '2026-08-31' };
    const fast = simulate(patients, options);
    const naive = simulate(patients, { ...options, everyDay: true });
    expect(fast).toEqual(naive);
    expect(fast.totalPrompts).toBeGreaterThan(20);
  });
});
