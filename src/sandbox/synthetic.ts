/**
 * A deterministic synthetic practice list for the sandbox, load tests and benchmarks: one FHIR
 * Bundle (type collection) per patient, in the same shapes as the example records. A seeded PRNG
 * (mulberry32, one stream per patient, so patient i is the same whatever the population size)
 * drives a realistic mix: most patients have no fit notes in the window; the others have episodes
 * of plausible length for their condition (MSK, mental health, and others such as respiratory
 * infections, injuries and recovery from operations), mostly employed, aged 18–67.
 *
 * Plain objects only (no per-object validation), so 50,000 patients with 10 notes each build in
 * about a second.
 */
import type { Bundle, BundleEntry, Observation, Resource } from '@medplum/fhirtypes';
import type { AdviceCode, EmploymentStatus } from '../domain/codes.js';
import { type CalendarDate, type DayNumber, formatDay, parseCalendarDate } from '../domain/dates.js';
import type { Fitness } from '../domain/fitnote.js';
import {
  type ConditionConcept,
  clinicianResource,
  conditionConcept,
  employmentObservation,
  type FitNoteSpec,
  fitNoteObservation,
  nextNhsNumber,
  occupationObservation,
  patientResource,
  practiceOrganization,
  SANDBOX_FHIR_BASE,
  weekdayOnOrBefore,
} from './vignettes.js';

export interface PopulationOptions {
  /** Number of patients (Bundles) to generate. */
  patients: number;
  /** Fit notes held by each patient who has any in the window (default 2). */
  notesPerPatient?: number;
  /** PRNG seed (default 1); the same seed gives the same population. */
  seed?: number;
  /** First day of the window (`YYYY-MM-DD`); every date on a note falls inside the window. */
  from: CalendarDate;
  /** Last day of the window, usually "today". */
  to: CalendarDate;
  /** Share of patients with fit notes in the window, spread evenly through the list (default 1/3). */
  withNotesShare?: number;
}

/** The population committed as examples/population.ndjson. */
export const EXAMPLE_POPULATION: PopulationOptions = {
  patients: 500,
  seed: 42,
  from: '2025-11-21',
  to: '2026-11-21',
};

// Built-ins held locally: global lookups are slow inside some sandboxes (e.g. jest's vm contexts).
const { ceil, floor, imul, max, min } = Math;
const MAX_NOTE_DAYS = 91;

/** mulberry32: a small, fast 32-bit PRNG returning numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A well-mixed 32-bit seed for patient `index` of a population seeded `seed`. */
function patientSeed(seed: number, index: number): number {
  let h = (seed ^ imul(index + 1, 0x9e3779b9)) >>> 0;
  h = imul(h ^ (h >>> 16), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// What the population is made of
// ---------------------------------------------------------------------------------------------

type Group = 'msk' | 'mental-health' | 'other';

/** Duration bands in days with their weights: [weight, min, max]. */
type Bands = ReadonlyArray<readonly [number, number, number]>;

interface Kind {
  group: Group;
  concepts: readonly ConditionConcept[];
  bands: Bands;
  weight: number;
}

const c = (snomed: string, snomedDisplay: string, icd10: string, icd10Display: string, text: string) => ({
  snomed,
  snomedDisplay,
  icd10,
  icd10Display,
  text,
});

// Many 1–2 weeks, some 4–12 weeks, a tail to 6 months.
const MSK_BANDS: Bands = [
  [0.45, 7, 14],
  [0.15, 15, 27],
  [0.3, 28, 84],
  [0.1, 85, 182],
];
const MENTAL_HEALTH_BANDS: Bands = [
  [0.3, 7, 14],
  [0.15, 15, 27],
  [0.37, 28, 84],
  [0.18, 85, 182],
];

/** Conditions by kind: real SNOMED CT and ICD-10 codes. Weights: MSK 30%, mental health 35%, others 35%. */
const KINDS: readonly Kind[] = [
  {
    group: 'msk',
    weight: 0.3,
    bands: MSK_BANDS,
    concepts: [
      c('279039007', 'Low back pain', 'M54.5', 'Low back pain', 'Low back pain'),
      c('161891005', 'Backache', 'M54.9', 'Dorsalgia, unspecified', 'Back pain'),
      c('23056005', 'Sciatica', 'M54.3', 'Sciatica', 'Sciatica'),
      c('81680005', 'Neck pain', 'M54.2', 'Cervicalgia', 'Neck pain'),
      c('45326000', 'Shoulder pain', 'M25.5', 'Pain in joint', 'Shoulder pain'),
      c(
        '239873007',
        'Osteoarthritis of knee',
        'M17.9',
        'Gonarthrosis, unspecified',
        'Osteoarthritis of the knee',
      ),
      c('202855006', 'Lateral epicondylitis', 'M77.1', 'Lateral epicondylitis', 'Tennis elbow'),
      c('203082005', 'Fibromyalgia', 'M79.7', 'Fibromyalgia', 'Fibromyalgia'),
    ],
  },
  {
    group: 'mental-health',
    weight: 0.35,
    bands: MENTAL_HEALTH_BANDS,
    concepts: [
      c('35489007', 'Depressive disorder', 'F32.9', 'Depressive episode, unspecified', 'Depression'),
      c('197480006', 'Anxiety disorder', 'F41.9', 'Anxiety disorder, unspecified', 'Anxiety'),
      c(
        '231504006',
        'Mixed anxiety and depressive disorder',
        'F41.2',
        'Mixed anxiety and depressive disorder',
        'Anxiety and depression',
      ),
      c(
        '21897009',
        'Generalized anxiety disorder',
        'F41.1',
        'Generalized anxiety disorder',
        'Generalised anxiety disorder',
      ),
      c('17226007', 'Adjustment disorder', 'F43.2', 'Adjustment disorders', 'Stress reaction'),
    ],
  },
  {
    group: 'other',
    weight: 0.12,
    bands: [
      [0.8, 7, 14],
      [0.2, 15, 28],
    ],
    concepts: [
      c('10509002', 'Acute bronchitis', 'J20.9', 'Acute bronchitis, unspecified', 'Chest infection'),
      c(
        '6142004',
        'Influenza',
        'J11.1',
        'Influenza with other respiratory manifestations, virus not identified',
        'Flu',
      ),
      c('840539006', 'COVID-19', 'U07.1', 'COVID-19, virus identified', 'COVID-19'),
      c(
        '54150009',
        'Upper respiratory infection',
        'J06.9',
        'Acute upper respiratory infection, unspecified',
        'Respiratory infection',
      ),
      c(
        '25374005',
        'Gastroenteritis',
        'A09.9',
        'Gastroenteritis and colitis of unspecified origin',
        'Gastroenteritis',
      ),
      c('37796009', 'Migraine', 'G43.9', 'Migraine, unspecified', 'Migraine'),
    ],
  },
  {
    group: 'other',
    weight: 0.1,
    bands: [
      [0.4, 7, 20],
      [0.5, 21, 56],
      [0.1, 57, 112],
    ],
    concepts: [
      c('44465007', 'Sprain of ankle', 'S93.4', 'Sprain and strain of ankle', 'Sprained ankle'),
      c('16114001', 'Fracture of ankle', 'S82.8', 'Fractures of other parts of lower leg', 'Broken ankle'),
    ],
  },
  {
    group: 'other',
    weight: 0.09,
    bands: [
      [0.3, 10, 20],
      [0.6, 21, 56],
      [0.1, 57, 90],
    ],
    concepts: [
      c(
        '396232000',
        'Inguinal hernia',
        'K40.9',
        'Unilateral or unspecified inguinal hernia, without obstruction or gangrene',
        'Recovery after hernia repair',
      ),
      c(
        '85189001',
        'Acute appendicitis',
        'K35.8',
        'Acute appendicitis, other and unspecified',
        'Recovery after appendicectomy',
      ),
      c(
        '235919008',
        'Gallstone',
        'K80.2',
        'Calculus of gallbladder without cholecystitis',
        'Recovery after gallbladder removal',
      ),
    ],
  },
  {
    group: 'other',
    weight: 0.04,
    bands: [
      [0.4, 28, 84],
      [0.6, 85, 182],
    ],
    concepts: [
      c(
        '254837009',
        'Malignant neoplasm of breast',
        'C50.9',
        'Malignant neoplasm of breast, unspecified',
        'Breast cancer',
      ),
      c(
        '22298006',
        'Myocardial infarction',
        'I21.9',
        'Acute myocardial infarction, unspecified',
        'Heart attack',
      ),
    ],
  },
];

const ADVICE_WEIGHTS: ReadonlyArray<readonly [number, AdviceCode]> = [
  [0.35, 'phased-return'],
  [0.3, 'altered-hours'],
  [0.25, 'amended-duties'],
  [0.1, 'workplace-adaptations'],
];

const GIVEN_FEMALE = ['Amira', 'Beth', 'Chloe', 'Dana', 'Ellie', 'Fatima', 'Grace', 'Hannah', 'Isla', 'Jade'];
const GIVEN_MALE = ['Adam', 'Ben', 'Callum', 'Dev', 'Ethan', 'Farhan', 'George', 'Harry', 'Imran', 'Jack'];
const FAMILY = ['Testford', 'Testley', 'Testwick', 'Testbury', 'Testham', 'Testmoor', 'Testdale', 'Testgate'];
const DISTRICTS = [
  ['LS1', 'Leeds'],
  ['LS6', 'Leeds'],
  ['LS7', 'Leeds'],
  ['LS8', 'Leeds'],
  ['LS9', 'Leeds'],
  ['LS11', 'Leeds'],
  ['LS12', 'Leeds'],
  ['LS13', 'Leeds'],
  ['LS16', 'Leeds'],
  ['LS17', 'Leeds'],
  ['LS27', 'Morley'],
  ['BD3', 'Bradford'],
  ['WF1', 'Wakefield'],
  ['HX1', 'Halifax'],
] as const;
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
const STREETS = ['Example Road', 'Sample Street', 'Specimen Lane', 'Placeholder Avenue', 'Test Terrace'];
const EMPLOYERS = [
  'Example Foodstores Ltd',
  'Example Distribution Ltd',
  'Example Contact Centre Ltd',
  'Example County Council',
  'Example Care Homes Ltd',
  'Example Engineering Ltd',
  'Example Hospital Trust',
  'Example Builders Ltd',
  'Example Cafe',
  'Example Legal LLP',
];
const EMPLOYED_JOBS = [
  'Sales assistant',
  'Delivery driver',
  'Call-centre adviser',
  'Care assistant',
  'Machine operator',
  'Nurse',
  'Teacher',
  'Office administrator',
  'Warehouse operative',
  'Chef',
  'Cleaner',
  'Software developer',
];
const SELF_EMPLOYED_JOBS = [
  'Painter and decorator',
  'Electrician',
  'Hairdresser',
  'Taxi driver',
  'Plumber',
  'Gardener',
];
const CLINICIANS = ['gp-1', 'gp-2'] as const;
/** The first NHS number base for synthetic patients (the vignettes use 999 000 xxx). */
const SYNTHETIC_NHS_BASE = 999_100_000;
const MAX_PATIENTS = 800_000;

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[floor(rand() * items.length)] as T;
}
function intBetween(rand: () => number, lo: number, hi: number): number {
  return lo + floor(rand() * (hi - lo + 1));
}

/** formatDay, remembered: a population reuses the few hundred days of its window over and over. */
function dayTexts(): (day: DayNumber) => CalendarDate {
  const cache = new Map<DayNumber, CalendarDate>();
  return (day) => {
    let text = cache.get(day);
    if (text === undefined) {
      text = formatDay(day);
      cache.set(day, text);
    }
    return text;
  };
}
function weighted<T>(rand: () => number, items: ReadonlyArray<readonly [number, T]>): T {
  let r = rand();
  for (const [w, v] of items) {
    r -= w;
    if (r < 0) return v;
  }
  return (items[items.length - 1] as readonly [number, T])[1];
}
/** Picks from a list ordered most common first (about a third of picks are the first item of eight). */
function pickCommon<T>(rand: () => number, items: readonly T[]): T {
  const r = rand();
  return items[floor(r * r * items.length)] as T;
}
function letter(rand: () => number): string {
  return POSTCODE_LETTERS.charAt(floor(rand() * POSTCODE_LETTERS.length));
}
function pickKind(rand: () => number): Kind {
  let r = rand();
  for (const k of KINDS) {
    r -= k.weight;
    if (r < 0) return k;
  }
  return KINDS[KINDS.length - 1] as Kind;
}
function duration(rand: () => number, bands: Bands): number {
  let r = rand();
  for (const [w, min, max] of bands) {
    r -= w;
    if (r < 0) return intBetween(rand, min, max);
  }
  const last = bands[bands.length - 1] as readonly [number, number, number];
  return intBetween(rand, last[1], last[2]);
}

interface Validated {
  patients: number;
  notesPerPatient: number;
  seed: number;
  from: DayNumber;
  to: DayNumber;
  share: number;
}

function validate(options: PopulationOptions): Validated {
  const { patients, notesPerPatient = 2, seed = 1, withNotesShare = 1 / 3 } = options;
  if (!Number.isInteger(patients) || patients < 0 || patients > MAX_PATIENTS)
    throw new Error(`patients must be a whole number from 0 to ${MAX_PATIENTS}; got ${patients}.`);
  if (!Number.isInteger(notesPerPatient) || notesPerPatient < 1)
    throw new Error(`notesPerPatient must be a whole number of at least 1; got ${notesPerPatient}.`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number; got ${seed}.`);
  if (!(withNotesShare >= 0 && withNotesShare <= 1))
    throw new Error(`withNotesShare must be between 0 and 1; got ${withNotesShare}.`);
  const from = parseCalendarDate(options.from);
  const to = parseCalendarDate(options.to);
  if (from === undefined || to === undefined)
    throw new Error(
      `The window must be two dates as YYYY-MM-DD; got from "${options.from}" to "${options.to}".`,
    );
  if (to < from)
    throw new Error(`The window ends (${options.to}) before it starts (${options.from}): swap the dates.`);
  if (to - from + 1 < notesPerPatient)
    throw new Error(
      `A window of ${to - from + 1} days cannot hold ${notesPerPatient} notes per patient: widen the window or ask for fewer notes.`,
    );
  return { patients, notesPerPatient, seed, from, to, share: withNotesShare };
}

interface NotePlan {
  start: DayNumber;
  end?: DayNumber;
  fitness: Fitness;
  kind: Kind;
  concept: ConditionConcept;
}

/** Splits `total` into `parts` integers from `least` to `most` at random (the caller keeps it possible). */
function split(rand: () => number, total: number, parts: number, least: number, most: number): number[] {
  const out = new Array<number>(parts).fill(least);
  let rest = total - parts * least;
  // Later notes in an episode tend to be longer (2 weeks, then 4-week continuations).
  for (let i = 0; i < parts && rest > 0; i++) {
    const share = i === parts - 1 ? rest : floor(rest * rand() * (i === 0 ? 0.6 : 1.2));
    const add = min(rest, share, most - (out[i] as number));
    out[i] = (out[i] as number) + add;
    rest -= add;
  }
  for (let i = parts - 1; i >= 0 && rest > 0; i--) {
    const add = min(rest, most - (out[i] as number));
    out[i] = (out[i] as number) + add;
    rest -= add;
  }
  return out;
}

/** Plans `count` notes in episodes that fit the window. */
function planNotes(rand: () => number, count: number, from: DayNumber, to: DayNumber): NotePlan[] {
  const windowDays = to - from + 1;
  // Most people with fit notes have one episode in a year; some two or three.
  let episodes: number = weighted(rand, [
    [0.5, 1],
    [0.35, 2],
    [0.15, 3],
  ] as const);
  episodes = min(episodes, count);
  // Each episode needs room for its notes plus a gap of more than 7 days before the next one.
  while (episodes > 1 && floor(windowDays / episodes) - 9 < ceil(count / episodes)) episodes--;
  const slot = floor(windowDays / episodes);
  const room = slot - (episodes > 1 ? 9 : 0);
  // An episode cannot hold more notes than it has days.
  const perEpisode = split(rand, count, episodes, 1, room);
  const plans: NotePlan[] = [];
  const firstKind = pickKind(rand);
  const firstConcept = pickCommon(rand, firstKind.concepts);
  for (let e = 0; e < episodes; e++) {
    const notes = perEpisode[e] as number;
    // Recurrences are often the same condition.
    const kind = e === 0 || rand() < 0.5 ? firstKind : pickKind(rand);
    const concept =
      kind === firstKind && (e === 0 || rand() < 0.8) ? firstConcept : pickCommon(rand, kind.concepts);
    const minLength = min(7, floor(room / notes));
    // No single note runs past about three months (91 days).
    const wanted = min(notes * MAX_NOTE_DAYS, max(duration(rand, kind.bands), notes * 7));
    const length = max(notes * minLength, min(room, wanted));
    const slotStart = from + e * slot;
    let start = slotStart + intBetween(rand, 0, room - length);
    const lengths = split(rand, length, notes, minLength, MAX_NOTE_DAYS);
    const mayBeFitEnd = rand() < (length >= 14 ? 0.22 : 0.06);
    const openEnded = e === episodes - 1 && length >= 60 && rand() < 0.03;
    for (let n = 0; n < notes; n++) {
      const noteLength = lengths[n] as number;
      const last = n === notes - 1;
      const plan: NotePlan = {
        start,
        fitness: (last && mayBeFitEnd) || (!last && rand() < 0.04) ? 'may-be-fit' : 'not-fit',
        kind,
        concept,
      };
      if (!(last && openEnded)) plan.end = start + noteLength - 1;
      plans.push(plan);
      start += noteLength;
    }
  }
  return plans;
}

const ADVICE_TEXT: Record<AdviceCode, string> = {
  'phased-return': 'Build up hours over four weeks.',
  'altered-hours': 'Shorter shifts for now.',
  'amended-duties': 'Lighter duties while recovering.',
  'workplace-adaptations': 'A suitable chair and regular breaks.',
};

function fitNote(
  rand: () => number,
  patientId: string,
  index: number,
  plan: NotePlan,
  from: DayNumber,
  clinician: string,
  text: (day: DayNumber) => CalendarDate,
): Observation {
  let issued = weekdayOnOrBefore(plan.start);
  if (issued < from) issued = plan.start;
  const codingRoll = rand();
  const dx = conditionConcept(
    plan.concept,
    codingRoll < 0.7
      ? {}
      : codingRoll < 0.8
        ? { icd10: 'who' }
        : codingRoll < 0.9
          ? { icd10: false }
          : codingRoll < 0.98
            ? { snomed: false }
            : { snomed: false, icd10: false },
  );
  const hour = 8 + floor(rand() * 9);
  const minute = floor(rand() * 60);
  const spec: FitNoteSpec = {
    id: `${patientId}-fitnote-${index + 1}`,
    patientId,
    issued: `${text(issued)}T${hour < 10 ? '0' : ''}${hour}:${minute < 10 ? '0' : ''}${minute}:00Z`,
    start: text(plan.start),
    fitness: plan.fitness,
    diagnoses: [dx],
    performer: {
      reference: `Practitioner/${plan.kind.group === 'msk' && rand() < 0.1 ? 'physio-1' : clinician}`,
    },
  };
  if (plan.end !== undefined) spec.end = text(plan.end);
  if (plan.fitness === 'may-be-fit') {
    const first = weighted(rand, ADVICE_WEIGHTS);
    const advice: FitNoteSpec['advice'] = [{ code: first, text: ADVICE_TEXT[first] }];
    if (rand() < 0.3) {
      const second = weighted(rand, ADVICE_WEIGHTS);
      if (second !== first) advice.push({ code: second });
    }
    spec.advice = advice;
  }
  const assess = rand();
  if (assess < 0.6) spec.assessAgain = true;
  else if (assess < 0.9) spec.assessAgain = false;
  const status = rand();
  if (status >= 0.97) spec.status = status >= 0.99 ? 'corrected' : 'amended';
  return fitNoteObservation(spec);
}

/** The birth date `age` years before the birthday `anniversary` (29 February becomes 28 February). */
function birthDate(anniversary: CalendarDate, age: number): CalendarDate {
  const monthDay = anniversary.slice(5) === '02-29' ? '02-28' : anniversary.slice(5);
  return `${String(Number(anniversary.slice(0, 4)) - age).padStart(4, '0')}-${monthDay}`;
}

function entry(resource: Resource): BundleEntry {
  return { fullUrl: `${SANDBOX_FHIR_BASE}/${resource.resourceType}/${resource.id}`, resource };
}

/**
 * Generates the population lazily, one Bundle per patient. Exactly
 * `floor(patients × withNotesShare)` patients hold fit notes, each exactly `notesPerPatient`
 * of them, all dated inside [from, to].
 */
export function* syntheticPopulation(options: PopulationOptions): Generator<Bundle, void, undefined> {
  const { patients, notesPerPatient, seed, from, to, share } = validate(options);
  let nhsBase = SYNTHETIC_NHS_BASE;
  const text = dayTexts();
  for (let i = 0; i < patients; i++) {
    const rand = mulberry32(patientSeed(seed, i));
    const id = `syn-${seed}-${i + 1}`;
    const { nhsNumber, next } = nextNhsNumber(nhsBase);
    nhsBase = next;
    const female = rand() < 0.5;
    const [district, city] = pick(rand, DISTRICTS);
    const clinician = pick(rand, CLINICIANS);
    const resources: Resource[] = [
      patientResource({
        id,
        given: pick(rand, female ? GIVEN_FEMALE : GIVEN_MALE),
        family: pick(rand, FAMILY),
        gender: female ? 'female' : 'male',
        birthDate: birthDate(text(to - intBetween(rand, 0, 364)), intBetween(rand, 18, 67)),
        nhsNumber,
        address: {
          line: `${intBetween(rand, 1, 199)} ${pick(rand, STREETS)}`,
          city,
          postalCode: `${district} ${intBetween(rand, 1, 9)}${letter(rand)}${letter(rand)}`,
        },
        phone: `07700 900${String(intBetween(rand, 0, 999)).padStart(3, '0')}`,
        generalPractitioner: clinician,
      }),
    ];
    const status: EmploymentStatus = weighted(rand, [
      [0.74, 'employed'],
      [0.1, 'self-employed'],
      [0.08, 'unemployed'],
      [0.08, 'unknown'],
    ] as const);
    const recorded = text(from + floor(rand() * (to - from + 1)));
    if (status === 'employed') {
      const sizeBand = rand();
      const size =
        sizeBand < 0.25
          ? intBetween(rand, 2, 9)
          : sizeBand < 0.5
            ? intBetween(rand, 10, 49)
            : sizeBand < 0.7
              ? intBetween(rand, 50, 249)
              : intBetween(rand, 250, 20000);
      resources.push(
        employmentObservation({
          id: `${id}-employment`,
          patientId: id,
          status,
          effective: recorded,
          employerName: pick(rand, EMPLOYERS),
          employerSize: size,
          employerHasOccupationalHealth: size >= 250 ? rand() < 0.7 : rand() < 0.05,
        }),
        occupationObservation(`${id}-occupation`, id, pick(rand, EMPLOYED_JOBS), recorded),
      );
    } else if (status === 'self-employed') {
      resources.push(
        employmentObservation({ id: `${id}-employment`, patientId: id, status, effective: recorded }),
        occupationObservation(
          `${id}-occupation`,
          id,
          `${pick(rand, SELF_EMPLOYED_JOBS)} (self-employed)`,
          recorded,
        ),
      );
    } else if (status === 'unemployed') {
      resources.push(
        employmentObservation({ id: `${id}-employment`, patientId: id, status, effective: recorded }),
      );
    }
    const clinicians = new Set<string>([clinician]);
    // Spread the patients with notes evenly: exactly floor(patients × share) of them.
    if (floor((i + 1) * share) > floor(i * share)) {
      const plans = planNotes(rand, notesPerPatient, from, to);
      for (let n = 0; n < plans.length; n++) {
        const note = fitNote(rand, id, n, plans[n] as NotePlan, from, clinician, text);
        const performer = note.performer?.[0]?.reference;
        if (performer !== undefined) clinicians.add(performer.slice('Practitioner/'.length));
        resources.push(note);
      }
    }
    resources.push(practiceOrganization());
    for (const cid of [...clinicians].sort()) resources.push(clinicianResource(cid));
    yield { resourceType: 'Bundle', id: `record-${id}`, type: 'collection', entry: resources.map(entry) };
  }
}

/**
 * Writes Bundles as NDJSON (one compact JSON Bundle per line) to `path`, replacing the file.
 * Returns the number of lines written.
 */
export async function writeNdjson(bundles: Iterable<Bundle>, path: string): Promise<number> {
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'w');
  let lines = 0;
  try {
    let chunk: string[] = [];
    for (const bundle of bundles) {
      chunk.push(JSON.stringify(bundle));
      lines++;
      if (chunk.length === 1000) {
        await file.write(`${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) await file.write(`${chunk.join('\n')}\n`);
  } finally {
    await file.close();
  }
  return lines;
}
