import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  DocumentReference,
  Observation,
  Patient,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { z } from 'zod';
import {
  ADVICE_CODES,
  ASSESS_AGAIN_CODE,
  CODE_SYSTEM,
  EMPLOYMENT_DETAIL_CODES,
  EMPLOYMENT_STATUSES,
  FIT_NOTE_CODES,
  ICD10,
  ICD10_UK,
  ID_SYSTEM,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  NHS_NUMBER_SYSTEM,
  PROFILE,
  SNOMED,
} from '../domain/codes.js';
import { formatDay, londonDay, parseCalendarDate, weekday } from '../domain/dates.js';
import {
  EXAMPLES_TODAY,
  exampleRecordText,
  isValidNhsNumber,
  nextNhsNumber,
  nhsCheckDigit,
  VIGNETTE_INDEX,
  VIGNETTE_KEYS,
  vignetteRecords,
  weekdayOnOrBefore,
  writeExampleRecords,
} from './vignettes.js';

const RECORDS_DIR = join(process.cwd(), 'examples', 'records');
const records = vignetteRecords(EXAMPLES_TODAY);

function resources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}
function ofType<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return resources(bundle).filter((r): r is T => r.resourceType === type);
}
function record(key: string): Bundle {
  const bundle = records[key];
  if (bundle === undefined) throw new Error(`no record ${key}`);
  return bundle;
}
function isFitNote(o: Observation): boolean {
  return (
    o.code.coding?.some((c) => c.system === SNOMED && c.code === FIT_NOTE_CODES.fitnessForWorkFinding) ??
    false
  );
}

// ---- Shapes (the shared FHIR shapes, checked independently of the builders) ----

const codingOf = (system: string, code?: z.ZodType) =>
  z.object({ system: z.literal(system), code: code ?? z.string().min(1), display: z.string().optional() });

const FitNoteShape = z.object({
  resourceType: z.literal('Observation'),
  id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/),
  meta: z.object({ profile: z.tuple([z.literal(PROFILE.fitNote)]) }),
  status: z.enum(['final', 'amended', 'corrected']),
  code: z.object({ coding: z.array(z.object({ system: z.string(), code: z.string() })).min(1) }),
  subject: z.object({ reference: z.string().regex(/^Patient\/[A-Za-z0-9\-.]+$/) }),
  issued: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/),
  effectivePeriod: z.object({
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    end: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  }),
  valueCodeableConcept: z.object({
    coding: z.tuple([
      codingOf(SNOMED, z.enum([FIT_NOTE_CODES.unfitForWork, FIT_NOTE_CODES.fitWithRestrictions])),
    ]),
    text: z.string().optional(),
  }),
  performer: z
    .array(z.object({ reference: z.string().regex(/^(Practitioner|PractitionerRole)\//) }))
    .optional(),
  component: z
    .array(
      z.union([
        z.object({
          code: z.object({ coding: z.tuple([codingOf(SNOMED, z.literal(FIT_NOTE_CODES.diagnosis))]) }),
          valueCodeableConcept: z.object({
            coding: z
              .array(
                z.union([
                  codingOf(SNOMED),
                  codingOf(ICD10_UK, z.string().regex(/^[A-Z]\d\d(\.\d{1,2})?$/)),
                  codingOf(ICD10, z.string().regex(/^[A-Z]\d\d(\.\d{1,2})?$/)),
                ]),
              )
              .min(1),
            text: z.string().min(1),
          }),
        }),
        z.object({
          code: z.object({ coding: z.tuple([codingOf(CODE_SYSTEM.fitNoteAdvice, z.enum(ADVICE_CODES))]) }),
          valueString: z.string().min(1).optional(),
        }),
        z.object({
          code: z.object({
            coding: z.tuple([codingOf(CODE_SYSTEM.fitNoteAdvice, z.literal(ASSESS_AGAIN_CODE))]),
          }),
          valueBoolean: z.boolean(),
        }),
      ]),
    )
    .optional(),
});

const EmploymentShape = z.object({
  resourceType: z.literal('Observation'),
  meta: z.object({ profile: z.tuple([z.literal(PROFILE.employmentStatus)]) }),
  status: z.literal('final'),
  code: z.object({ coding: z.tuple([codingOf(LOINC, z.literal(LOINC_EMPLOYMENT_STATUS))]) }),
  subject: z.object({ reference: z.string().startsWith('Patient/') }),
  effectiveDateTime: z.string().optional(),
  valueCodeableConcept: z.object({
    coding: z.tuple([
      codingOf(CODE_SYSTEM.employmentStatus, z.enum(EMPLOYMENT_STATUSES.filter((s) => s !== 'unknown'))),
    ]),
  }),
  component: z
    .array(
      z.object({
        code: z.object({
          coding: z.tuple([codingOf(CODE_SYSTEM.employmentDetail, z.enum(EMPLOYMENT_DETAIL_CODES))]),
        }),
        valueString: z.string().optional(),
        valueInteger: z.number().int().positive().optional(),
        valueBoolean: z.boolean().optional(),
      }),
    )
    .optional(),
});

const OccupationShape = z.object({
  resourceType: z.literal('Observation'),
  meta: z.object({ profile: z.tuple([z.literal(PROFILE.occupation)]) }),
  status: z.literal('final'),
  code: z.object({ coding: z.tuple([codingOf(LOINC, z.literal(LOINC_OCCUPATION))]) }),
  subject: z.object({ reference: z.string().startsWith('Patient/') }),
  valueCodeableConcept: z.object({ text: z.string().min(1) }),
});

/** Every `reference` in a resource, with whether it was inside `contained`. */
function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

// ---- A small, independent reading of the periods, to check each record tells its story ----

interface Period {
  start: number;
  end: number;
}
function periodsOf(bundle: Bundle, today: string): Period[] {
  const t = parseCalendarDate(today) as number;
  const out: Period[] = [];
  const add = (start?: string, end?: string) => {
    const s = parseCalendarDate(start ?? '');
    const e = end === undefined ? t : parseCalendarDate(end);
    if (s === undefined || e === undefined || e < s) return; // unreadable: not counted
    if (!out.some((p) => p.start === s && p.end === e)) out.push({ start: s, end: e });
  };
  for (const r of resources(bundle)) {
    if (r.resourceType === 'Observation') {
      const fit = r.code.coding?.some(
        (c) =>
          c.code === FIT_NOTE_CODES.fitnessForWorkFinding || c.code === FIT_NOTE_CODES.med3IssuedToPatient,
      );
      if (fit) add(r.effectivePeriod?.start, r.effectivePeriod?.end);
    } else if (r.resourceType === 'DocumentReference') {
      add(r.context?.period?.start, r.context?.period?.end);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
function episodesOf(
  bundle: Bundle,
  today: string,
  gap = 7,
): Array<{ start: number; end: number; days: number }> {
  const episodes: Array<{ start: number; end: number; days: number }> = [];
  for (const p of periodsOf(bundle, today)) {
    const last = episodes[episodes.length - 1];
    if (last !== undefined && p.start - last.end - 1 <= gap) {
      last.days += Math.max(0, p.end - Math.max(p.start, last.end + 1) + 1);
      last.end = Math.max(last.end, p.end);
    } else episodes.push({ start: p.start, end: p.end, days: p.end - p.start + 1 });
  }
  return episodes;
}

describe('the example record files', () => {
  beforeAll(async () => {
    if (process.env.UPDATE_EXAMPLES === '1') await writeExampleRecords(RECORDS_DIR);
  });

  it.each(VIGNETTE_KEYS.map((key) => [key]))(
    'examples/records/%s.json equals vignetteRecords(EXAMPLES_TODAY)',
    (key) => {
      const text = readFileSync(join(RECORDS_DIR, `${key}.json`), 'utf8');
      // If this fails, regenerate: UPDATE_EXAMPLES=1 npx jest src/sandbox/vignettes.test.ts
      expect(text).toBe(exampleRecordText(record(key)));
    },
  );

  it('holds exactly one file per example record', () => {
    const files = readdirSync(RECORDS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(VIGNETTE_KEYS.map((k) => `${k}.json`).sort());
  });

  it('is built for Saturday 2026-11-21', () => {
    expect(EXAMPLES_TODAY).toBe('2026-11-21');
    expect(weekday(parseCalendarDate(EXAMPLES_TODAY) as number)).toBe(6);
  });
});

describe('every example record', () => {
  const keyed = VIGNETTE_KEYS.map((key) => [key, record(key)] as const);

  it('has an index entry for every record and a record for every index entry', () => {
    expect(Object.keys(records).sort()).toEqual([...VIGNETTE_KEYS].sort());
    expect(new Set(VIGNETTE_KEYS).size).toBe(VIGNETTE_KEYS.length);
    expect(VIGNETTE_KEYS.slice(0, 4)).toEqual(['cathy', 'sarah', 'john', 'peter']);
  });

  it.each(keyed)(
    '%s is a collection Bundle holding exactly one Patient, named as in the index',
    (key, bundle) => {
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('collection');
      const patients = ofType<Patient>(bundle, 'Patient');
      expect(patients).toHaveLength(1);
      const name = patients[0]?.name?.[0];
      const entry = VIGNETTE_INDEX.find((e) => e.key === key);
      expect(`${name?.given?.[0]} ${name?.family}`).toBe(entry?.name);
      expect(entry?.summary).not.toMatch(/\n/);
      expect(patients[0]?.address?.[0]?.postalCode).toMatch(/^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/);
      expect(patients[0]?.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    },
  );

  it.each(keyed)(
    '%s: every entry has a fullUrl ending Type/id, ids are unique, references resolve',
    (_key, bundle) => {
      const ids = new Set<string>();
      for (const entry of bundle.entry ?? []) {
        const r = entry.resource as Resource;
        expect(entry.fullUrl).toMatch(new RegExp(`/${r.resourceType}/${r.id}$`));
        expect(ids.has(`${r.resourceType}/${r.id}`)).toBe(false);
        ids.add(`${r.resourceType}/${r.id}`);
      }
      for (const r of resources(bundle)) {
        const contained = new Set(((r as { contained?: Resource[] }).contained ?? []).map((c) => `#${c.id}`));
        for (const ref of referencesIn(r)) {
          if (ref.startsWith('#')) expect(contained).toContain(ref);
          else expect(ids).toContain(ref);
        }
      }
    },
  );

  it('gives resources ids that are unique across records, except the shared practice and clinicians', () => {
    const seen = new Map<string, string>();
    for (const [key, bundle] of keyed) {
      for (const r of resources(bundle)) {
        const id = `${r.resourceType}/${r.id}`;
        const text = JSON.stringify(r);
        const before = seen.get(id);
        if (before !== undefined) expect(text).toBe(before);
        else seen.set(id, text);
        if (r.resourceType !== 'Organization' && r.resourceType !== 'Practitioner') expect(r.id).toMatch(key);
      }
    }
  });

  it('gives every patient but one a valid, distinct NHS number from the 999 test range', () => {
    const numbers = keyed.flatMap(([key, bundle]) => {
      const ids = ofType<Patient>(bundle, 'Patient')[0]?.identifier ?? [];
      const nhs = ids.filter((i) => i.system === NHS_NUMBER_SYSTEM).map((i) => i.value as string);
      if (key === 'no-nhs-number') expect(nhs).toEqual([]);
      else expect(nhs).toHaveLength(1);
      return nhs;
    });
    expect(numbers).toHaveLength(VIGNETTE_KEYS.length - 1);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const n of numbers) {
      expect(n).toMatch(/^999\d{7}$/);
      expect(isValidNhsNumber(n)).toBe(true);
    }
  });

  it.each(keyed)(
    '%s: every fit note, employment and occupation Observation has the shared shape',
    (_key, bundle) => {
      for (const o of ofType<Observation>(bundle, 'Observation')) {
        const profile = o.meta?.profile?.[0];
        if (isFitNote(o)) {
          const parsed = FitNoteShape.safeParse(o);
          expect(parsed.error?.issues ?? []).toEqual([]);
          expect(
            o.component?.filter((c) => c.code.coding?.[0]?.code === FIT_NOTE_CODES.diagnosis).length,
          ).toBeGreaterThan(0);
          expect(o.performer).toHaveLength(1);
        } else if (profile === PROFILE.employmentStatus) {
          expect(EmploymentShape.safeParse(o).error?.issues ?? []).toEqual([]);
        } else if (profile === PROFILE.occupation) {
          expect(OccupationShape.safeParse(o).error?.issues ?? []).toEqual([]);
        } else {
          expect(o.code.coding?.[0]?.code).toBe(FIT_NOTE_CODES.med3IssuedToPatient);
        }
      }
    },
  );

  it('has diagnoses coded in SNOMED CT and ICD-10-UK with text on every vignette fit note', () => {
    for (const key of ['cathy', 'sarah', 'john', 'peter']) {
      for (const o of ofType<Observation>(record(key), 'Observation').filter(isFitNote)) {
        for (const c of o.component ?? []) {
          if (c.code.coding?.[0]?.code !== FIT_NOTE_CODES.diagnosis) continue;
          expect(c.valueCodeableConcept?.coding?.map((x) => x.system)).toEqual([SNOMED, ICD10_UK]);
          expect(c.valueCodeableConcept?.text).toBeTruthy();
        }
      }
    }
  });
});

describe('each record tells its story on 2026-11-21', () => {
  const today = EXAMPLES_TODAY;
  const t = parseCalendarDate(today) as number;

  it.each([
    // key, episodes, days in the current (last) episode, notes
    ['cathy', 1, 14, 1],
    ['sarah', 1, 140, 5],
    ['john', 3, 28, 4],
    ['peter', 1, 28, 2],
    ['gap-seven', 1, 42, 2],
    ['gap-eight', 2, 28, 2],
    ['overlap', 1, 35, 2],
    ['open-ended', 1, 51, 1],
    ['other-condition', 1, 42, 3],
    ['self-employed', 1, 49, 2],
    ['unemployed', 1, 56, 2],
    ['referred', 1, 63, 3],
    ['no-notes', 0, 0, 0],
    ['unreadable', 1, 28, 2],
    ['no-nhs-number', 1, 49, 2],
    ['other-shapes', 1, 71, 1],
  ] as const)(
    '%s: %i episode(s), current one %i days, %i FitNote Observation(s)',
    (key, count, days, notes) => {
      const bundle = record(key);
      const episodes = episodesOf(bundle, today);
      expect(episodes).toHaveLength(count);
      expect(episodes[episodes.length - 1]?.days ?? 0).toBe(days);
      expect(ofType<Observation>(bundle, 'Observation').filter(isFitNote)).toHaveLength(notes);
    },
  );

  it('gap-seven and gap-eight have exactly 7 and 8 uncovered days between their notes', () => {
    for (const [key, gap] of [
      ['gap-seven', 7],
      ['gap-eight', 8],
    ] as const) {
      const [a, b] = periodsOf(record(key), today);
      expect((b?.start ?? 0) - (a?.end ?? 0) - 1).toBe(gap);
    }
    // With the gap rule at 8, gap-eight becomes one episode: the record sits on the boundary.
    expect(episodesOf(record('gap-eight'), today, 8)).toHaveLength(1);
  });

  it('overlap: the two notes share 7 days', () => {
    const [a, b] = periodsOf(record('overlap'), today);
    expect((a?.end ?? 0) - (b?.start ?? 0) + 1).toBe(7);
  });

  it('open-ended: the note has no end', () => {
    const notes = ofType<Observation>(record('open-ended'), 'Observation').filter(isFitNote);
    expect(notes[0]?.effectivePeriod?.end).toBeUndefined();
  });

  it('other-condition: the middle note is for a different condition', () => {
    const dx = ofType<Observation>(record('other-condition'), 'Observation')
      .filter(isFitNote)
      .map((o) => o.component?.[0]?.valueCodeableConcept?.coding?.[0]?.code);
    expect(dx).toEqual(['279039007', '10509002', '279039007']);
  });

  it('cathy: one fit note, issued today: 2 weeks, may be fit, amended duties', () => {
    const [note] = ofType<Observation>(record('cathy'), 'Observation').filter(isFitNote);
    expect(londonDay(note?.issued ?? '')).toBe(t);
    expect(note?.effectivePeriod).toEqual({ start: today, end: formatDay(t + 13) });
    expect(note?.valueCodeableConcept?.coding?.[0]?.code).toBe(FIT_NOTE_CODES.fitWithRestrictions);
    expect(note?.component?.map((c) => c.code.coding?.[0]?.code)).toContain('amended-duties');
  });

  it('peter: the second of two notes is issued today; depression and anxiety on both', () => {
    const notes = ofType<Observation>(record('peter'), 'Observation').filter(isFitNote);
    expect(notes.map((n) => londonDay(n.issued ?? '') === t)).toEqual([false, true]);
    for (const n of notes) {
      const codes = n.component?.flatMap((c) => c.valueCodeableConcept?.coding?.map((x) => x.code) ?? []);
      expect(codes).toEqual(expect.arrayContaining(['35489007', 'F32.9', '197480006', 'F41.9']));
    }
  });

  it('john: three episodes all start within the 12 months before the current one, latest may be fit', () => {
    const episodes = episodesOf(record('john'), today);
    const current = episodes[2] as { start: number };
    expect(episodes.every((e) => e.start > current.start - 365)).toBe(true);
    const notes = ofType<Observation>(record('john'), 'Observation').filter(isFitNote);
    expect(notes[notes.length - 1]?.valueCodeableConcept?.coding?.[0]?.code).toBe(
      FIT_NOTE_CODES.fitWithRestrictions,
    );
  });

  it('sarah: about four months of roughly monthly notes, latest may be fit', () => {
    const periods = periodsOf(record('sarah'), today);
    expect(periods).toHaveLength(5);
    expect(t - (periods[0]?.start ?? 0)).toBeGreaterThanOrEqual(110);
    expect(t - (periods[0]?.start ?? 0)).toBeLessThanOrEqual(130);
  });

  it('self-employed and unemployed carry their employment status; no-notes has none', () => {
    const status = (key: string) =>
      ofType<Observation>(record(key), 'Observation')
        .filter((o) => o.meta?.profile?.[0] === PROFILE.employmentStatus)
        .map((o) => o.valueCodeableConcept?.coding?.[0]?.code);
    expect(status('self-employed')).toEqual(['self-employed']);
    expect(status('unemployed')).toEqual(['unemployed']);
    expect(status('no-notes')).toEqual([]);
    expect(status('cathy')).toEqual(['employed']);
  });

  it('self-employed prefers Polish and needs an interpreter', () => {
    const patient = ofType<Patient>(record('self-employed'), 'Patient')[0];
    expect(patient?.communication?.[0]?.language.coding?.[0]?.code).toBe('pl');
    expect(patient?.extension?.[0]).toEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired',
      valueBoolean: true,
    });
  });

  it('referred: an active referral and its Task for the current episode share one identifier', () => {
    const bundle = record('referred');
    const [sr] = ofType<ServiceRequest>(bundle, 'ServiceRequest');
    const [task] = ofType<Task>(bundle, 'Task');
    expect(sr?.status).toBe('active');
    expect(sr?.intent).toBe('order');
    expect(sr?.meta?.profile).toEqual([PROFILE.workHealthReferral]);
    expect(sr?.identifier?.filter((i) => i.system === ID_SYSTEM.referral)).toHaveLength(1);
    expect(task?.identifier).toEqual(sr?.identifier);
    expect(task?.focus?.reference).toBe(`ServiceRequest/${sr?.id}`);
    expect(task?.code?.coding?.[0]).toMatchObject({
      system: 'http://hl7.org/fhir/CodeSystem/task-code',
      code: 'fulfill',
    });
    expect(task?.owner).toEqual(sr?.performer?.[0]);
    const current = episodesOf(bundle, today)[0] as { start: number };
    expect(londonDay(sr?.authoredOn ?? '')).toBeGreaterThanOrEqual(current.start);
    expect(sr?.subject.identifier?.system).toBe(NHS_NUMBER_SYSTEM);
    expect(sr?.supportingInfo?.map((r) => r.reference?.split('/')[0])).toEqual([
      'Consent',
      'Observation',
      'Observation',
    ]);
  });

  it('unreadable: one fit note ends before it starts, next to a good one', () => {
    const notes = ofType<Observation>(record('unreadable'), 'Observation').filter(isFitNote);
    const bad = notes.filter((n) => (n.effectivePeriod?.end ?? '') < (n.effectivePeriod?.start ?? ''));
    expect(bad).toHaveLength(1);
    expect(notes).toHaveLength(2);
  });

  it('other-shapes: a Med3 coded entry with a period and a Med3 DocumentReference with context.period', () => {
    const bundle = record('other-shapes');
    const coded = ofType<Observation>(bundle, 'Observation').filter(
      (o) => o.code.coding?.[0]?.code === FIT_NOTE_CODES.med3IssuedToPatient,
    );
    expect(coded).toHaveLength(2);
    for (const c of coded) expect(c.effectivePeriod?.start).toBeDefined();
    const [doc] = ofType<DocumentReference>(bundle, 'DocumentReference');
    expect(doc?.type?.coding?.[0]).toMatchObject({
      system: SNOMED,
      code: FIT_NOTE_CODES.sicknessCertificates,
    });
    expect(doc?.context?.period?.start).toBeDefined();
    expect(doc?.context?.period?.end).toBeDefined();
    // The second coded entry duplicates the structured note's period (one certificate, two entries).
    const [note] = ofType<Observation>(bundle, 'Observation').filter(isFitNote);
    expect(coded[1]?.effectivePeriod).toEqual(note?.effectivePeriod);
  });
});

describe('dates follow "today"', () => {
  const days = [
    '2026-11-16',
    '2026-11-17',
    '2026-11-18',
    '2026-11-19',
    '2026-11-20',
    '2026-11-21',
    '2026-11-22',
  ];

  it.each(days.map((d) => [d]))(
    'on %s every note is issued on or before today, on a weekday unless today',
    (today) => {
      const t = parseCalendarDate(today) as number;
      for (const bundle of Object.values(vignetteRecords(today))) {
        for (const r of resources(bundle)) {
          const when =
            r.resourceType === 'Observation'
              ? r.issued
              : r.resourceType === 'DocumentReference'
                ? r.date
                : undefined;
          if (when === undefined) continue;
          const d = londonDay(when) as number;
          expect(d).toBeLessThanOrEqual(t);
          if (d !== t) expect([1, 2, 3, 4, 5]).toContain(weekday(d));
        }
      }
    },
  );

  it('moves every period by the same number of days as "today" moves', () => {
    const a = vignetteRecords('2026-11-21');
    const b = vignetteRecords('2027-06-09');
    const shift = (parseCalendarDate('2027-06-09') as number) - (parseCalendarDate('2026-11-21') as number);
    for (const key of VIGNETTE_KEYS) {
      const pa = periodsOf(a[key] as Bundle, '2026-11-21');
      const pb = periodsOf(b[key] as Bundle, '2027-06-09');
      expect(pb).toEqual(pa.map((p) => ({ start: p.start + shift, end: p.end + shift })));
    }
  });

  it('keeps the ages of the patients the same whatever the day', () => {
    const age = (bundle: Bundle, today: string) => {
      const birth = ofType<Patient>(bundle, 'Patient')[0]?.birthDate ?? '';
      const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
      const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
      return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
    };
    const a = vignetteRecords('2026-11-21');
    const b = vignetteRecords('2028-02-29');
    for (const key of VIGNETTE_KEYS)
      expect(age(b[key] as Bundle, '2028-02-29')).toBe(age(a[key] as Bundle, '2026-11-21'));
  });

  it('rejects a "today" that is not a calendar date, saying what to give instead', () => {
    expect(() => vignetteRecords('21/11/2026')).toThrow("give today's date as YYYY-MM-DD");
    expect(() => vignetteRecords('2026-02-30')).toThrow('is not a calendar date');
  });
});

describe('NHS numbers and weekdays', () => {
  it.each([
    ['9434765919', true],
    ['9434765918', false],
    ['943476591', false],
    ['94347659190', false],
    ['943476591X', false],
  ] as const)('isValidNhsNumber(%s) is %s', (value, valid) => {
    expect(isValidNhsNumber(value)).toBe(valid);
  });

  it('has no check digit when the remainder gives 10', () => {
    // 999000001: 9*10+9*9+9*8+1*2 = 245; 245 mod 11 = 3; 11-3 = 8 (valid). Find one that gives 10.
    let found: string | undefined;
    for (let b = 999_000_000; b < 999_000_100 && found === undefined; b++) {
      const digits = String(b);
      let sum = 0;
      for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
      if (11 - (sum % 11) === 10) found = digits;
    }
    expect(found).toBeDefined();
    expect(nhsCheckDigit(found as string)).toBeUndefined();
    expect(nextNhsNumber(Number(found)).nhsNumber.slice(0, 9)).not.toBe(found);
  });

  it.each([
    ['2026-11-21', '2026-11-20'],
    ['2026-11-22', '2026-11-20'],
    ['2026-11-23', '2026-11-23'],
    ['2026-11-20', '2026-11-20'],
  ])('the weekday on or before %s is %s', (day, expected) => {
    expect(formatDay(weekdayOnOrBefore(parseCalendarDate(day) as number))).toBe(expected);
  });
});
