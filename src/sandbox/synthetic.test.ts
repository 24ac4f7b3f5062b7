import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import {
  ADVICE_CODES,
  CODE_SYSTEM,
  FIT_NOTE_CODES,
  ICD10,
  ICD10_UK,
  LOINC_EMPLOYMENT_STATUS,
  NHS_NUMBER_SYSTEM,
  PROFILE,
  SNOMED,
} from '../domain/codes.js';
import { groupsOfCondition } from '../domain/conditionGroups.js';
import { londonDay, parseCalendarDate } from '../domain/dates.js';
import { ageOn } from '../domain/patient.js';
import {
  EXAMPLE_POPULATION,
  mulberry32,
  type PopulationOptions,
  syntheticPopulation,
  writeNdjson,
} from './synthetic.js';
import { isValidNhsNumber } from './vignettes.js';

const POPULATION_PATH = join(process.cwd(), 'examples', 'population.ndjson');

function resources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}
function fitNotes(bundle: Bundle): Observation[] {
  return resources(bundle).filter(
    (r): r is Observation =>
      r.resourceType === 'Observation' &&
      (r.code.coding?.some((c) => c.code === FIT_NOTE_CODES.fitnessForWorkFinding) ?? false),
  );
}
function patientOf(bundle: Bundle): Patient {
  return resources(bundle).find((r): r is Patient => r.resourceType === 'Patient') as Patient;
}
function ndjson(options: PopulationOptions): string {
  let text = '';
  for (const bundle of syntheticPopulation(options)) text += `${JSON.stringify(bundle)}\n`;
  return text;
}

const WINDOW = { from: '2025-11-21', to: '2026-11-21' };

describe('syntheticPopulation', () => {
  it('gives the same population for the same seed, and a different one for another seed', () => {
    const a = ndjson({ patients: 200, seed: 7, ...WINDOW });
    expect(ndjson({ patients: 200, seed: 7, ...WINDOW })).toBe(a);
    expect(ndjson({ patients: 200, seed: 8, ...WINDOW })).not.toBe(a);
  });

  it('builds patient i the same way whatever the population size', () => {
    const small = [...syntheticPopulation({ patients: 30, seed: 3, ...WINDOW })];
    const large = [...syntheticPopulation({ patients: 90, seed: 3, ...WINDOW })];
    expect(large.slice(0, 30)).toEqual(small);
  });

  it('is lazy: taking the first bundle does not build the rest', () => {
    const iterator = syntheticPopulation({ patients: 800_000, seed: 1, ...WINDOW });
    const first = iterator.next();
    expect(first.done).toBe(false);
    expect(patientOf(first.value as Bundle).id).toBe('syn-1-1');
  });

  it.each([
    // patients, notesPerPatient, withNotesShare, from, to
    [0, 2, 1 / 3, '2025-11-21', '2026-11-21'],
    [1, 1, 1, '2025-11-21', '2026-11-21'],
    [300, 2, 1 / 3, '2025-11-21', '2026-11-21'],
    [120, 10, 1, '2025-11-21', '2026-11-21'],
    [60, 5, 0.5, '2026-10-22', '2026-11-21'],
    [40, 10, 1, '2026-11-12', '2026-11-21'],
    [40, 3, 0, '2025-11-21', '2026-11-21'],
    [25, 4, 1, '2024-02-01', '2024-03-31'],
  ] as const)(
    '%i patients × %i notes, share %d, %s..%s: requested counts, dates inside the window',
    (patients, notesPerPatient, share, from, to) => {
      const bundles = [
        ...syntheticPopulation({ patients, notesPerPatient, withNotesShare: share, seed: 11, from, to }),
      ];
      expect(bundles).toHaveLength(patients);
      const withNotes = bundles.filter((b) => fitNotes(b).length > 0);
      expect(withNotes).toHaveLength(Math.floor(patients * share));
      for (const b of withNotes) expect(fitNotes(b)).toHaveLength(notesPerPatient);
      const lo = parseCalendarDate(from) as number;
      const hi = parseCalendarDate(to) as number;
      for (const b of bundles) {
        for (const note of fitNotes(b)) {
          const issued = londonDay(note.issued as string) as number;
          const start = parseCalendarDate(note.effectivePeriod?.start as string) as number;
          expect(issued).toBeGreaterThanOrEqual(lo);
          expect(issued).toBeLessThanOrEqual(hi);
          expect(start).toBeGreaterThanOrEqual(lo);
          expect(start).toBeLessThanOrEqual(hi);
          if (note.effectivePeriod?.end !== undefined) {
            const end = parseCalendarDate(note.effectivePeriod.end) as number;
            expect(end).toBeGreaterThanOrEqual(start);
            expect(end).toBeLessThanOrEqual(hi);
          }
        }
        const age = ageOn(patientOf(b).birthDate, to) as number;
        expect(age).toBeGreaterThanOrEqual(18);
        expect(age).toBeLessThanOrEqual(67);
      }
    },
  );

  it('builds every bundle in the shared shapes, with references that resolve and valid NHS numbers', () => {
    const nhsNumbers = new Set<string>();
    for (const bundle of syntheticPopulation({ patients: 400, notesPerPatient: 4, seed: 5, ...WINDOW })) {
      expect(bundle.type).toBe('collection');
      const all = resources(bundle);
      expect(all.filter((r) => r.resourceType === 'Patient')).toHaveLength(1);
      const ids = new Set(all.map((r) => `${r.resourceType}/${r.id}`));
      expect(ids.size).toBe(all.length);
      const refs: string[] = [];
      JSON.stringify(bundle, (k, v) => {
        if (k === 'reference') refs.push(v);
        return v;
      });
      for (const ref of refs) expect(ids).toContain(ref);

      const nhs = patientOf(bundle).identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value as string;
      expect(isValidNhsNumber(nhs)).toBe(true);
      expect(nhsNumbers.has(nhs)).toBe(false);
      nhsNumbers.add(nhs);

      for (const note of fitNotes(bundle)) {
        expect(note.meta?.profile).toEqual([PROFILE.fitNote]);
        expect(['final', 'amended', 'corrected']).toContain(note.status);
        expect(note.subject?.reference).toBe(`Patient/${patientOf(bundle).id}`);
        expect([FIT_NOTE_CODES.unfitForWork, FIT_NOTE_CODES.fitWithRestrictions]).toContain(
          note.valueCodeableConcept?.coding?.[0]?.code,
        );
        const components = note.component ?? [];
        const diagnoses = components.filter((c) => c.code.coding?.[0]?.code === FIT_NOTE_CODES.diagnosis);
        expect(diagnoses).toHaveLength(1);
        const dx = diagnoses[0]?.valueCodeableConcept;
        expect(dx?.text ?? dx?.coding?.length).toBeTruthy();
        for (const coding of dx?.coding ?? []) expect([SNOMED, ICD10, ICD10_UK]).toContain(coding.system);
        for (const c of components) {
          const coding = c.code.coding?.[0];
          if (coding?.system === CODE_SYSTEM.fitNoteAdvice && coding.code !== 'assess-again') {
            expect(ADVICE_CODES).toContain(coding.code);
            expect(note.valueCodeableConcept?.coding?.[0]?.code).toBe(FIT_NOTE_CODES.fitWithRestrictions);
          }
        }
      }
    }
  });

  it('has a realistic mix: most patients without notes, MSK ~30% and mental health ~35%, mostly employed', () => {
    const bundles = [...syntheticPopulation({ patients: 6000, seed: 42, ...WINDOW })];
    const withNotes = bundles.filter((b) => fitNotes(b).length > 0);
    expect(withNotes.length / bundles.length).toBeCloseTo(1 / 3, 2);

    const groups = { msk: 0, 'mental-health': 0, other: 0 };
    for (const b of withNotes) {
      const dx = fitNotes(b)[0]?.component?.[0]?.valueCodeableConcept;
      const group = groupsOfCondition({
        codings: (dx?.coding ?? []).map((c) => ({ system: c.system as string, code: c.code as string })),
        ...(dx?.text === undefined ? {} : { text: dx.text }),
      });
      groups[group.length > 0 ? (group[0] as 'msk' | 'mental-health') : 'other']++;
    }
    const total = withNotes.length;
    expect(groups.msk / total).toBeGreaterThan(0.24);
    expect(groups.msk / total).toBeLessThan(0.36);
    expect(groups['mental-health'] / total).toBeGreaterThan(0.29);
    expect(groups['mental-health'] / total).toBeLessThan(0.41);

    const statuses = new Map<string, number>();
    for (const b of bundles) {
      const obs = resources(b).find(
        (r): r is Observation =>
          r.resourceType === 'Observation' && r.code.coding?.[0]?.code === LOINC_EMPLOYMENT_STATUS,
      );
      const status = obs?.valueCodeableConcept?.coding?.[0]?.code ?? 'unknown';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect((statuses.get('employed') ?? 0) / bundles.length).toBeGreaterThan(0.65);
    for (const s of ['self-employed', 'unemployed', 'unknown'])
      expect(statuses.get(s) ?? 0).toBeGreaterThan(200);
  });

  it('has plausible durations: many notes of 1–2 weeks, some episodes of 4–12 weeks, a tail towards 6 months', () => {
    const lengths: number[] = [];
    let mayBeFit = 0;
    let notes = 0;
    for (const b of syntheticPopulation({ patients: 6000, seed: 9, ...WINDOW })) {
      for (const note of fitNotes(b)) {
        notes++;
        if (note.valueCodeableConcept?.coding?.[0]?.code === FIT_NOTE_CODES.fitWithRestrictions) mayBeFit++;
        const { start, end } = note.effectivePeriod ?? {};
        if (start === undefined || end === undefined) continue;
        lengths.push((parseCalendarDate(end) as number) - (parseCalendarDate(start) as number) + 1);
      }
    }
    const share = (min: number, max: number) =>
      lengths.filter((l) => l >= min && l <= max).length / lengths.length;
    expect(share(7, 14)).toBeGreaterThan(0.35);
    expect(share(28, 91)).toBeGreaterThan(0.1);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(91);
    expect(mayBeFit / notes).toBeGreaterThan(0.05);
    expect(mayBeFit / notes).toBeLessThan(0.25);
  });

  it('generates 50,000 patients × 10 notes in a couple of seconds', () => {
    const started = performance.now();
    let notes = 0;
    for (const bundle of syntheticPopulation({
      patients: 50_000,
      notesPerPatient: 10,
      withNotesShare: 1,
      seed: 1,
      ...WINDOW,
    })) {
      notes += (bundle.entry?.length ?? 0) > 0 ? fitNotesCount(bundle) : 0;
    }
    const seconds = (performance.now() - started) / 1000;
    expect(notes).toBe(500_000);
    expect(seconds).toBeLessThan(4);
  });

  it.each([
    [{ patients: -1 }, 'patients must be a whole number'],
    [{ patients: 1.5 }, 'patients must be a whole number'],
    [{ patients: 1, notesPerPatient: 0 }, 'notesPerPatient must be a whole number of at least 1'],
    [{ patients: 1, withNotesShare: 2 }, 'withNotesShare must be between 0 and 1'],
    [{ patients: 1, from: '2026-13-01' }, 'The window must be two dates as YYYY-MM-DD'],
    [{ patients: 1, from: '2026-12-01' }, 'swap the dates'],
    [{ patients: 1, notesPerPatient: 20, from: '2026-11-10' }, 'widen the window or ask for fewer notes'],
  ] as const)('rejects %j with a message saying what to change', (options, message) => {
    expect(() => [...syntheticPopulation({ ...WINDOW, ...options } as PopulationOptions)]).toThrow(message);
  });
});

function fitNotesCount(bundle: Bundle): number {
  let n = 0;
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Resource;
    if (r.resourceType === 'Observation' && r.meta?.profile?.[0] === PROFILE.fitNote) n++;
  }
  return n;
}

describe('mulberry32', () => {
  it('is deterministic and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('examples/population.ndjson', () => {
  beforeAll(async () => {
    if (process.env.UPDATE_EXAMPLES === '1')
      await writeNdjson(syntheticPopulation(EXAMPLE_POPULATION), POPULATION_PATH);
  });

  it('is 500 patients, seed 42, window 2025-11-21..2026-11-21', () => {
    expect(EXAMPLE_POPULATION).toEqual({ patients: 500, seed: 42, from: '2025-11-21', to: '2026-11-21' });
  });

  it('equals the generator output, one Bundle per line (UPDATE_EXAMPLES=1 rewrites it)', () => {
    const text = readFileSync(POPULATION_PATH, 'utf8');
    expect(text.split('\n')).toHaveLength(501);
    expect(text === ndjson(EXAMPLE_POPULATION)).toBe(true);
  });
});

describe('writeNdjson', () => {
  it('writes one compact Bundle per line, replacing the file, and returns the line count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitnote-ndjson-'));
    try {
      const path = join(dir, 'out.ndjson');
      writeFileSync(path, 'old content that must go\n'.repeat(5000));
      const options = { patients: 2345, seed: 4, ...WINDOW };
      expect(await writeNdjson(syntheticPopulation(options), path)).toBe(2345);
      expect(readFileSync(path, 'utf8')).toBe(ndjson(options));
      expect(await writeNdjson([], path)).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
