/**
 * The sandbox's example patient records: the four study vignettes (Cathy, Sarah, John, Peter) and
 * obviously synthetic edge cases, each one patient's FHIR R4 Bundle of type `collection`. Every date
 * is computed from "today", so the sandbox can load them on any day and they always tell the same
 * story. `examples/records/<key>.json` holds them as built for 2026-11-21 (a test keeps them equal;
 * `UPDATE_EXAMPLES=1 npx jest src/sandbox/vignettes.test.ts` rewrites them).
 *
 * The small FHIR builders used here (fit notes, employment, occupation, patients, NHS numbers) are
 * exported for the synthetic population generator, so both build exactly the shared shapes.
 */
import type {
  Bundle,
  CodeableConcept,
  Condition,
  Consent,
  DocumentReference,
  HealthcareService,
  Observation,
  ObservationComponent,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Procedure,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import {
  type AdviceCode,
  ASSESS_AGAIN_CODE,
  CODE_SYSTEM,
  type EmploymentStatus,
  FIT_NOTE_CODES,
  ICD10,
  ICD10_UK,
  ID_SYSTEM,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILE,
  type ServiceType,
  type ShareCategory,
  SNOMED,
} from '../domain/codes.js';
import { type CalendarDate, type DayNumber, formatDay, parseCalendarDate, weekday } from '../domain/dates.js';
import type { Fitness } from '../domain/fitnote.js';
import { nhsCheckDigit } from '../domain/nhsNumber.js';
import { stableUuid } from '../domain/stableId.js';

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Base used for the Bundle entries' fullUrls; references inside a record are relative (`Patient/cathy`). */
export const SANDBOX_FHIR_BASE = 'http://127.0.0.1:8080/fhir';

/** The sandbox practice (synthetic ODS code). */
export const SANDBOX_PRACTICE = {
  id: 'practice',
  odsCode: 'A99999',
  name: 'Example Street Surgery',
} as const;

export const GMC_NUMBER_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmc-number';
export const INTERPRETER_REQUIRED_URL = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';
const NHS_VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
const NHS_VERIFICATION_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
const BCP47 = 'urn:ietf:bcp:47';

/** The clinicians who certify the sandbox's fit notes (synthetic names and registration numbers). */
export const SANDBOX_CLINICIANS: Record<
  string,
  { name: [string, string]; prefix?: string; role: string; gmc?: string }
> = {
  'gp-1': { name: ['Alex', 'Testdoctor'], prefix: 'Dr', role: 'General practitioner', gmc: '9999991' },
  'gp-2': { name: ['Sam', 'Testgp'], prefix: 'Dr', role: 'General practitioner', gmc: '9999992' },
  'physio-1': { name: ['Jo', 'Testphysio'], role: 'First contact physiotherapist' },
};

/** A condition as a fit note or problem list codes it: SNOMED CT and ICD-10 with their terms, and text. */
export interface ConditionConcept {
  snomed: string;
  snomedDisplay: string;
  icd10: string;
  icd10Display: string;
  text: string;
}

/** Conditions the examples use (real SNOMED CT and ICD-10 codes). */
export const CONCEPTS = {
  lowBackPain: {
    snomed: '279039007',
    snomedDisplay: 'Low back pain',
    icd10: 'M54.5',
    icd10Display: 'Low back pain',
    text: 'Low back pain',
  },
  backache: {
    snomed: '161891005',
    snomedDisplay: 'Backache',
    icd10: 'M54.9',
    icd10Display: 'Dorsalgia, unspecified',
    text: 'Back pain',
  },
  rheumatoidArthritis: {
    snomed: '69896004',
    snomedDisplay: 'Rheumatoid arthritis',
    icd10: 'M06.9',
    icd10Display: 'Rheumatoid arthritis, unspecified',
    text: 'Rheumatoid arthritis; recovery after knee operation',
  },
  depression: {
    snomed: '35489007',
    snomedDisplay: 'Depressive disorder',
    icd10: 'F32.9',
    icd10Display: 'Depressive episode, unspecified',
    text: 'Depression',
  },
  anxiety: {
    snomed: '197480006',
    snomedDisplay: 'Anxiety disorder',
    icd10: 'F41.9',
    icd10Display: 'Anxiety disorder, unspecified',
    text: 'Anxiety',
  },
  shoulderPain: {
    snomed: '45326000',
    snomedDisplay: 'Shoulder pain',
    icd10: 'M25.5',
    icd10Display: 'Pain in joint',
    text: 'Shoulder pain',
  },
  kneeOsteoarthritis: {
    snomed: '239873007',
    snomedDisplay: 'Osteoarthritis of knee',
    icd10: 'M17.9',
    icd10Display: 'Gonarthrosis, unspecified',
    text: 'Osteoarthritis of the knee',
  },
  sciatica: {
    snomed: '23056005',
    snomedDisplay: 'Sciatica',
    icd10: 'M54.3',
    icd10Display: 'Sciatica',
    text: 'Sciatica',
  },
  acuteBronchitis: {
    snomed: '10509002',
    snomedDisplay: 'Acute bronchitis',
    icd10: 'J20.9',
    icd10Display: 'Acute bronchitis, unspecified',
    text: 'Chest infection (acute bronchitis)',
  },
  adjustmentDisorder: {
    snomed: '17226007',
    snomedDisplay: 'Adjustment disorder',
    icd10: 'F43.2',
    icd10Display: 'Adjustment disorders',
    text: 'Stress reaction (adjustment disorder)',
  },
  ankleSprain: {
    snomed: '44465007',
    snomedDisplay: 'Sprain of ankle',
    icd10: 'S93.4',
    icd10Display: 'Sprain and strain of ankle',
    text: 'Sprained ankle',
  },
} as const satisfies Record<string, ConditionConcept>;

const ADVICE_DISPLAY: Record<AdviceCode, string> = {
  'phased-return': 'Phased return to work',
  'altered-hours': 'Altered hours',
  'amended-duties': 'Amended duties',
  'workplace-adaptations': 'Workplace adaptations',
};

const EMPLOYMENT_DISPLAY: Record<Exclude<EmploymentStatus, 'unknown'>, string> = {
  employed: 'Employed',
  'self-employed': 'Self-employed',
  unemployed: 'Unemployed',
  student: 'Student',
  retired: 'Retired',
  'not-in-work': 'Not in work',
};

const SERVICE_TYPE_DISPLAY: Partial<Record<ServiceType, string>> = {
  'oh-assessment': 'Occupational health assessment',
  physiotherapy: 'Physiotherapy',
};

// ---------------------------------------------------------------------------------------------
// NHS numbers and dates
// ---------------------------------------------------------------------------------------------

export { isValidNhsNumber, nhsCheckDigit } from '../domain/nhsNumber.js';

/**
 * The first valid NHS number at or after a nine-digit base (test numbers live in the 999 range),
 * with the base it used, so that callers can continue from `next`.
 */
export function nextNhsNumber(base: number): { nhsNumber: string; next: number } {
  for (let b = base; b <= 999_999_999; b++) {
    const digits = String(b).padStart(9, '0');
    const check = nhsCheckDigit(digits);
    if (check !== undefined) return { nhsNumber: `${digits}${check}`, next: b + 1 };
  }
  throw new Error(`No valid NHS number at or after ${base}: choose a lower base in the 999 range.`);
}

/** The latest Monday–Friday on or before a day. */
export function weekdayOnOrBefore(day: DayNumber): DayNumber {
  const w = weekday(day);
  return w === 0 ? day - 2 : w === 6 ? day - 1 : day;
}

/** An instant on a calendar date, in UTC at a time that is the same London date all year. */
export function instantOn(date: CalendarDate, time = '10:20'): string {
  return `${date}T${time}:00Z`;
}

/** A birth date giving `age` whole years on `today`, `daysAfterBirthday` days past the birthday. */
export function birthDateFor(today: DayNumber, age: number, daysAfterBirthday: number): CalendarDate {
  const anchor = formatDay(today - daysAfterBirthday);
  const year = Number(anchor.slice(0, 4)) - age;
  const monthDay = anchor.slice(5) === '02-29' ? '02-28' : anchor.slice(5);
  return `${String(year).padStart(4, '0')}-${monthDay}`;
}

// ---------------------------------------------------------------------------------------------
// Builders for the shared shapes
// ---------------------------------------------------------------------------------------------

/** The condition as a CodeableConcept; which codings to include is the caller's choice. */
export function conditionConcept(
  concept: ConditionConcept,
  include: { snomed?: boolean; icd10?: 'uk' | 'who' | false; text?: boolean } = {},
): CodeableConcept {
  const coding: NonNullable<CodeableConcept['coding']> = [];
  if (include.snomed !== false)
    coding.push({ system: SNOMED, code: concept.snomed, display: concept.snomedDisplay });
  const icd = include.icd10 ?? 'uk';
  if (icd !== false)
    coding.push({
      system: icd === 'uk' ? ICD10_UK : ICD10,
      code: concept.icd10,
      display: concept.icd10Display,
    });
  const cc: CodeableConcept = {};
  if (coding.length > 0) cc.coding = coding;
  if (include.text !== false || coding.length === 0) cc.text = concept.text;
  return cc;
}

export interface FitNoteSpec {
  id: string;
  patientId: string;
  /** Instant of issue; its London date is the date of assessment. */
  issued: string;
  start: CalendarDate;
  end?: CalendarDate;
  fitness: Fitness;
  diagnoses: CodeableConcept[];
  advice?: Array<{ code: AdviceCode; text?: string }>;
  assessAgain?: boolean;
  performer?: Reference<Practitioner | PractitionerRole>;
  status?: 'final' | 'amended' | 'corrected';
}

const FIT_NOTE_CODE: CodeableConcept = {
  coding: [
    { system: SNOMED, code: FIT_NOTE_CODES.fitnessForWorkFinding, display: 'Fitness for work - finding' },
  ],
  text: 'Statement of fitness for work (fit note)',
};

/** A FitNote Observation (PROFILE.fitNote). */
export function fitNoteObservation(spec: FitNoteSpec): Observation {
  const component: ObservationComponent[] = [];
  for (const dx of spec.diagnoses) {
    component.push({
      code: { coding: [{ system: SNOMED, code: FIT_NOTE_CODES.diagnosis, display: 'Diagnosis' }] },
      valueCodeableConcept: dx,
    });
  }
  for (const advice of spec.advice ?? []) {
    const c: ObservationComponent = {
      code: {
        coding: [
          { system: CODE_SYSTEM.fitNoteAdvice, code: advice.code, display: ADVICE_DISPLAY[advice.code] },
        ],
      },
    };
    if (advice.text !== undefined) c.valueString = advice.text;
    component.push(c);
  }
  if (spec.assessAgain !== undefined) {
    component.push({
      code: {
        coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: ASSESS_AGAIN_CODE, display: 'Assess again' }],
      },
      valueBoolean: spec.assessAgain,
    });
  }
  const observation: Observation = {
    resourceType: 'Observation',
    id: spec.id,
    meta: { profile: [PROFILE.fitNote] },
    status: spec.status ?? 'final',
    code: FIT_NOTE_CODE,
    subject: { reference: `Patient/${spec.patientId}` },
    effectivePeriod: spec.end === undefined ? { start: spec.start } : { start: spec.start, end: spec.end },
    issued: spec.issued,
    valueCodeableConcept:
      spec.fitness === 'not-fit'
        ? {
            coding: [{ system: SNOMED, code: FIT_NOTE_CODES.unfitForWork, display: 'Unfit for work' }],
            text: 'Not fit for work',
          }
        : {
            coding: [
              {
                system: SNOMED,
                code: FIT_NOTE_CODES.fitWithRestrictions,
                display: 'Fit for work with restrictions',
              },
            ],
            text: 'May be fit for work',
          },
  };
  if (spec.performer !== undefined) observation.performer = [spec.performer];
  if (component.length > 0) observation.component = component;
  return observation;
}

export interface EmploymentSpec {
  id: string;
  patientId: string;
  status: Exclude<EmploymentStatus, 'unknown'>;
  effective?: CalendarDate;
  employerName?: string;
  employerSize?: number;
  employerHasOccupationalHealth?: boolean;
}

function detailCode(code: string, display: string): CodeableConcept {
  return { coding: [{ system: CODE_SYSTEM.employmentDetail, code, display }] };
}

/** An EmploymentStatus Observation (PROFILE.employmentStatus). */
export function employmentObservation(spec: EmploymentSpec): Observation {
  const observation: Observation = {
    resourceType: 'Observation',
    id: spec.id,
    meta: { profile: [PROFILE.employmentStatus] },
    status: 'final',
    code: {
      coding: [{ system: LOINC, code: LOINC_EMPLOYMENT_STATUS, display: 'History of employment status' }],
    },
    subject: { reference: `Patient/${spec.patientId}` },
    valueCodeableConcept: {
      coding: [
        { system: CODE_SYSTEM.employmentStatus, code: spec.status, display: EMPLOYMENT_DISPLAY[spec.status] },
      ],
    },
  };
  if (spec.effective !== undefined) observation.effectiveDateTime = spec.effective;
  const component: ObservationComponent[] = [];
  if (spec.employerName !== undefined)
    component.push({ code: detailCode('employer-name', 'Employer name'), valueString: spec.employerName });
  if (spec.employerSize !== undefined)
    component.push({
      code: detailCode('employer-size', 'Employer size (headcount)'),
      valueInteger: spec.employerSize,
    });
  if (spec.employerHasOccupationalHealth !== undefined)
    component.push({
      code: detailCode('employer-occupational-health', 'Employer has an occupational health service'),
      valueBoolean: spec.employerHasOccupationalHealth,
    });
  if (component.length > 0) observation.component = component;
  return observation;
}

/** An Occupation Observation (PROFILE.occupation): the job in the patient's words. */
export function occupationObservation(
  id: string,
  patientId: string,
  text: string,
  effective?: CalendarDate,
): Observation {
  const observation: Observation = {
    resourceType: 'Observation',
    id,
    meta: { profile: [PROFILE.occupation] },
    status: 'final',
    code: { coding: [{ system: LOINC, code: LOINC_OCCUPATION, display: 'History of Occupation' }] },
    subject: { reference: `Patient/${patientId}` },
    valueCodeableConcept: { text },
  };
  if (effective !== undefined) observation.effectiveDateTime = effective;
  return observation;
}

export interface PatientSpec {
  id: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  birthDate: CalendarDate;
  nhsNumber?: string;
  address: { line: string; city: string; postalCode: string };
  phone?: string;
  email?: string;
  language?: { code: string; display: string; interpreterRequired: boolean };
  generalPractitioner?: string;
}

/** A Patient registered at the sandbox practice. */
export function patientResource(spec: PatientSpec): Patient {
  const patient: Patient = { resourceType: 'Patient', id: spec.id };
  if (spec.nhsNumber !== undefined) {
    patient.identifier = [
      {
        extension: [
          {
            url: NHS_VERIFICATION_URL,
            valueCodeableConcept: {
              coding: [
                { system: NHS_VERIFICATION_SYSTEM, code: '01', display: 'Number present and verified' },
              ],
            },
          },
        ],
        system: NHS_NUMBER_SYSTEM,
        value: spec.nhsNumber,
      },
    ];
  }
  if (spec.language?.interpreterRequired) {
    patient.extension = [{ url: INTERPRETER_REQUIRED_URL, valueBoolean: true }];
  }
  patient.active = true;
  patient.name = [{ use: 'official', family: spec.family, given: [spec.given] }];
  const telecom: NonNullable<Patient['telecom']> = [];
  if (spec.phone !== undefined) telecom.push({ system: 'phone', value: spec.phone, use: 'mobile' });
  if (spec.email !== undefined) telecom.push({ system: 'email', value: spec.email, use: 'home' });
  if (telecom.length > 0) patient.telecom = telecom;
  patient.gender = spec.gender;
  patient.birthDate = spec.birthDate;
  patient.address = [
    {
      use: 'home',
      line: [spec.address.line],
      city: spec.address.city,
      postalCode: spec.address.postalCode,
      country: 'GB',
    },
  ];
  if (spec.language !== undefined) {
    patient.communication = [
      {
        language: {
          coding: [{ system: BCP47, code: spec.language.code, display: spec.language.display }],
          text: spec.language.display,
        },
        preferred: true,
      },
    ];
  }
  patient.generalPractitioner = [
    ...(spec.generalPractitioner === undefined
      ? []
      : [{ reference: `Practitioner/${spec.generalPractitioner}` }]),
    { reference: `Organization/${SANDBOX_PRACTICE.id}`, display: SANDBOX_PRACTICE.name },
  ];
  patient.managingOrganization = {
    reference: `Organization/${SANDBOX_PRACTICE.id}`,
    display: SANDBOX_PRACTICE.name,
  };
  return patient;
}

/** The sandbox practice as an Organization with its ODS code. */
export function practiceOrganization(): Organization {
  return {
    resourceType: 'Organization',
    id: SANDBOX_PRACTICE.id,
    identifier: [{ system: ODS_ORGANIZATION_SYSTEM, value: SANDBOX_PRACTICE.odsCode }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: 'prov',
            display: 'Healthcare Provider',
          },
        ],
        text: 'GP practice',
      },
    ],
    name: SANDBOX_PRACTICE.name,
    telecom: [{ system: 'phone', value: '0113 496 0000', use: 'work' }],
    address: [
      { use: 'work', line: ['1 Example Street'], city: 'Leeds', postalCode: 'LS6 2AB', country: 'GB' },
    ],
  };
}

/** One of the sandbox's certifying clinicians. */
export function clinicianResource(id: string): Practitioner {
  const clinician = SANDBOX_CLINICIANS[id];
  if (clinician === undefined)
    throw new Error(`Unknown sandbox clinician "${id}": use one of gp-1, gp-2, physio-1.`);
  const practitioner: Practitioner = { resourceType: 'Practitioner', id };
  if (clinician.gmc !== undefined)
    practitioner.identifier = [{ system: GMC_NUMBER_SYSTEM, value: clinician.gmc }];
  practitioner.active = true;
  practitioner.name = [
    {
      use: 'official',
      family: clinician.name[1],
      given: [clinician.name[0]],
      ...(clinician.prefix === undefined ? {} : { prefix: [clinician.prefix] }),
    },
  ];
  practitioner.qualification = [{ code: { text: clinician.role } }];
  return practitioner;
}

/** A problem-list Condition. */
export function conditionResource(
  id: string,
  patientId: string,
  concept: ConditionConcept,
  opts: { onset: CalendarDate; recorded: CalendarDate; recorder?: string; note?: string; active?: boolean },
): Condition {
  const condition: Condition = {
    resourceType: 'Condition',
    id,
    clinicalStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
          code: opts.active === false ? 'resolved' : 'active',
        },
      ],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-category',
            code: 'problem-list-item',
            display: 'Problem List Item',
          },
        ],
      },
    ],
    code: conditionConcept(concept, { text: true }),
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: opts.onset,
    recordedDate: opts.recorded,
  };
  if (opts.recorder !== undefined) condition.recorder = { reference: `Practitioner/${opts.recorder}` };
  if (opts.note !== undefined) condition.note = [{ text: opts.note }];
  return condition;
}

// ---------------------------------------------------------------------------------------------
// Building one record
// ---------------------------------------------------------------------------------------------

interface NoteInput {
  start: number;
  end?: number;
  /** Day offset of issue (default: the start), moved to the weekday on or before it; 0 means today, even at a weekend. */
  issued?: number;
  fitness: Fitness;
  dx: ConditionConcept[];
  advice?: Array<{ code: AdviceCode; text?: string }>;
  assessAgain?: boolean;
  by?: string;
  time?: string;
}

/** Collects one patient's resources with dates as day offsets from "today". */
class RecordBuilder {
  readonly resources: Resource[] = [];
  private noteCount = 0;

  constructor(
    readonly key: string,
    readonly today: DayNumber,
  ) {}

  day(offset: number): CalendarDate {
    return formatDay(this.today + offset);
  }

  patient(spec: Omit<PatientSpec, 'id' | 'birthDate'> & { age: number; birthdayDaysAgo: number }): this {
    const { age, birthdayDaysAgo, ...rest } = spec;
    this.resources.push(
      patientResource({ ...rest, id: this.key, birthDate: birthDateFor(this.today, age, birthdayDaysAgo) }),
    );
    return this;
  }

  /** Adds a FitNote Observation and returns its id. */
  note(input: NoteInput): string {
    this.noteCount += 1;
    const id = `${this.key}-fitnote-${this.noteCount}`;
    const issuedDay =
      input.issued === 0 ? this.today : weekdayOnOrBefore(this.today + (input.issued ?? input.start));
    const spec: FitNoteSpec = {
      id,
      patientId: this.key,
      issued: instantOn(formatDay(issuedDay), input.time ?? '10:20'),
      start: this.day(input.start),
      fitness: input.fitness,
      diagnoses: input.dx.map((c) => conditionConcept(c)),
      performer: { reference: `Practitioner/${input.by ?? 'gp-1'}` },
    };
    if (input.end !== undefined) spec.end = this.day(input.end);
    if (input.advice !== undefined) spec.advice = input.advice;
    if (input.assessAgain !== undefined) spec.assessAgain = input.assessAgain;
    this.resources.push(fitNoteObservation(spec));
    return id;
  }

  condition(
    suffix: string,
    concept: ConditionConcept,
    opts: { onset: number; recorded?: number; note?: string; active?: boolean; by?: string },
  ): this {
    const extra: { note?: string; active?: boolean } = {};
    if (opts.note !== undefined) extra.note = opts.note;
    if (opts.active !== undefined) extra.active = opts.active;
    this.resources.push(
      conditionResource(`${this.key}-${suffix}`, this.key, concept, {
        onset: this.day(opts.onset),
        recorded: this.day(opts.recorded ?? opts.onset),
        recorder: opts.by ?? 'gp-1',
        ...extra,
      }),
    );
    return this;
  }

  employment(spec: Omit<EmploymentSpec, 'id' | 'patientId' | 'effective'> & { recorded: number }): this {
    const { recorded, ...rest } = spec;
    this.resources.push(
      employmentObservation({
        ...rest,
        id: `${this.key}-employment`,
        patientId: this.key,
        effective: this.day(recorded),
      }),
    );
    return this;
  }

  occupation(text: string, recorded: number): this {
    this.resources.push(occupationObservation(`${this.key}-occupation`, this.key, text, this.day(recorded)));
    return this;
  }

  add(...resources: Resource[]): this {
    this.resources.push(...resources);
    return this;
  }

  /** The Bundle: the patient's resources, then the practice and every clinician they reference. */
  bundle(): Bundle {
    const clinicians = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) for (const v of value) visit(v);
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'reference' && typeof v === 'string' && v.startsWith('Practitioner/'))
            clinicians.add(v.slice(13));
          else visit(v);
        }
      }
    };
    visit(this.resources);
    const all: Resource[] = [
      ...this.resources,
      practiceOrganization(),
      ...[...clinicians].sort().map((id) => clinicianResource(id)),
    ];
    return {
      resourceType: 'Bundle',
      id: `record-${this.key}`,
      type: 'collection',
      entry: all.map((resource) => ({
        fullUrl: `${SANDBOX_FHIR_BASE}/${resource.resourceType}/${resource.id}`,
        resource,
      })),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The records
// ---------------------------------------------------------------------------------------------

/** The base of the NHS numbers given to the example records (the 999 range is reserved for testing). */
const VIGNETTE_NHS_BASE = 999_000_001;

export interface VignetteIndexEntry {
  key: string;
  name: string;
  /** One line: what a GP should see on "today". */
  summary: string;
}

export const VIGNETTE_INDEX: readonly VignetteIndexEntry[] = [
  {
    key: 'cathy',
    name: 'Cathy Testwell',
    summary:
      'Supermarket worker, low back pain: self-certified last week; first fit note today (2 weeks, may be fit, amended duties, no lifting). Early advice only; no assessment prompt yet.',
  },
  {
    key: 'sarah',
    name: 'Sarah Testwood',
    summary:
      'Solicitor, rheumatoid arthritis after a knee operation: off about 4 months over 5 monthly notes (140 days covered); latest may be fit (altered hours, adaptations); past the 6-week and 3-month marks.',
  },
  {
    key: 'john',
    name: 'John Testfield',
    summary:
      'Delivery driver, back pain: third episode in 12 months (this one 28 days); current note may be fit with amended duties; needs physiotherapy. Recurrence rule.',
  },
  {
    key: 'peter',
    name: 'Peter Testbrook',
    summary:
      'Call-centre worker, depression and anxiety: 28 days off over two notes, the second issued today (4 weeks reached); improving. Sensitive: nothing to the employer without consent.',
  },
  {
    key: 'gap-seven',
    name: 'Test Gapseven',
    summary:
      'Two low-back-pain notes with exactly 7 uncovered days between them: one episode of 42 days (14 + 28), so a 6-week rule fires.',
  },
  {
    key: 'gap-eight',
    name: 'Test Gapeight',
    summary:
      'Two low-back-pain notes with 8 uncovered days between them: two episodes; the current one is 28 days, so a 6-week rule does not fire.',
  },
  {
    key: 'overlap',
    name: 'Test Overlap',
    summary:
      'Two 21-day sciatica notes that overlap by 7 days: one episode of 35 days (not 42), so a 6-week rule does not fire.',
  },
  {
    key: 'open-ended',
    name: 'Test Openended',
    summary:
      'One open-ended fit note (no end date) for knee osteoarthritis, started 50 days ago: absence counted up to today, 51 days.',
  },
  {
    key: 'other-condition',
    name: 'Test Othercondition',
    summary:
      'One 42-day episode of three notes: low back pain, then a chest infection (acute bronchitis) in the middle, then back pain again; both conditions listed.',
  },
  {
    key: 'self-employed',
    name: 'Test Selfemployed',
    summary:
      'Self-employed painter and decorator, shoulder pain: 49 days off over two notes; prefers Polish and needs an interpreter.',
  },
  {
    key: 'unemployed',
    name: 'Test Unemployed',
    summary:
      'Unemployed, adjustment disorder: 56 days over two notes; rules limited to people in work do not fire.',
  },
  {
    key: 'referred',
    name: 'Test Referred',
    summary:
      'Employed, low back pain, 63 days over three notes; already referred this episode to the local OH service (referral accepted): no new prompt.',
  },
  {
    key: 'no-notes',
    name: 'Test Nonotes',
    summary: 'No fit notes and no employment record: no episodes, no prompt.',
  },
  {
    key: 'unreadable',
    name: 'Test Unreadable',
    summary:
      'One good note (28 days, ankle sprain) and one that ends before it starts: the bad one is reported as unreadable, not counted and not dropped silently.',
  },
  {
    key: 'no-nhs-number',
    name: 'Test Nonumber',
    summary:
      'No NHS number on the record (newly registered): 49 days off with low back pain; a referral identifies the patient without one.',
  },
  {
    key: 'other-shapes',
    name: 'Test Othershapes',
    summary:
      'Fit notes in other shapes: a GP-record coded entry (Med3 issued), a scanned Med3 document, and a structured note with a duplicate coded entry; one 71-day episode.',
  },
  {
    key: 'short-absence',
    name: 'Test Shortabsence',
    summary:
      'Employed, ankle sprain: one 10-day fit note started 8 days ago (9 days off so far), under every threshold (the first is 14 days): no prompt, but the GP can still refer.',
  },
];

type RecordFactory = (b: RecordBuilder, nhs: () => string) => void;

const ADDRESS = (line: string, postalCode: string, city = 'Leeds') => ({ line, city, postalCode });

const FACTORIES: Record<string, RecordFactory> = {
  cathy: (b, nhs) => {
    b.patient({
      given: 'Cathy',
      family: 'Testwell',
      gender: 'female',
      age: 44,
      birthdayDaysAgo: 97,
      nhsNumber: nhs(),
      address: ADDRESS('12 Example Road', 'LS11 5AB'),
      phone: '07700 900101',
      email: 'cathy.testwell@example.com',
      generalPractitioner: 'gp-1',
    })
      .employment({
        status: 'employed',
        recorded: 0,
        employerName: 'Example Foodstores Ltd',
        employerSize: 350,
        employerHasOccupationalHealth: false,
      })
      .occupation('Supermarket assistant: some lifting, checkout work and customer service', 0)
      .condition('low-back-pain', CONCEPTS.lowBackPain, {
        onset: -30,
        recorded: 0,
        note: 'Back pain for about a month; does not feel able to lift. Self-certified for the last week.',
      });
    b.note({
      start: 0,
      end: 13,
      issued: 0,
      fitness: 'may-be-fit',
      dx: [CONCEPTS.lowBackPain],
      advice: [{ code: 'amended-duties', text: 'No lifting. Checkout and customer service duties only.' }],
      assessAgain: true,
    });
  },

  sarah: (b, nhs) => {
    b.patient({
      given: 'Sarah',
      family: 'Testwood',
      gender: 'female',
      age: 52,
      birthdayDaysAgo: 210,
      nhsNumber: nhs(),
      address: ADDRESS('4 Sample Avenue', 'LS8 2QT'),
      phone: '07700 900102',
      email: 'sarah.testwood@example.com',
      generalPractitioner: 'gp-2',
    })
      .employment({
        status: 'employed',
        recorded: -120,
        employerName: 'Example Legal LLP',
        employerSize: 40,
        employerHasOccupationalHealth: false,
      })
      .occupation('Solicitor', -120)
      .condition('rheumatoid-arthritis', CONCEPTS.rheumatoidArthritis, {
        onset: -2300,
        recorded: -2290,
        by: 'gp-2',
        note: 'Under rheumatology. Knee operation four months ago; wants to return to work but finds public transport hard to manage.',
      });
    const knee: Procedure = {
      resourceType: 'Procedure',
      id: 'sarah-knee-operation',
      status: 'completed',
      code: { text: 'Knee operation' },
      subject: { reference: 'Patient/sarah' },
      performedDateTime: b.day(-124),
      reasonCode: [conditionConcept(CONCEPTS.rheumatoidArthritis, { text: false })],
    };
    b.add(knee);
    const ra = CONCEPTS.rheumatoidArthritis;
    b.note({ start: -120, end: -93, fitness: 'not-fit', dx: [ra], by: 'gp-2', assessAgain: true });
    b.note({ start: -92, end: -65, fitness: 'not-fit', dx: [ra], by: 'gp-2', assessAgain: true });
    b.note({ start: -64, end: -37, fitness: 'not-fit', dx: [ra], by: 'gp-2', assessAgain: true });
    b.note({ start: -36, end: -9, fitness: 'not-fit', dx: [ra], by: 'gp-2', assessAgain: true });
    b.note({
      start: -8,
      end: 19,
      fitness: 'may-be-fit',
      dx: [ra],
      by: 'gp-2',
      advice: [
        {
          code: 'altered-hours',
          text: 'Start and finish outside the rush hour to avoid crowded public transport.',
        },
        { code: 'workplace-adaptations', text: 'Work from home on some days while mobility improves.' },
      ],
      assessAgain: true,
    });
  },

  john: (b, nhs) => {
    b.patient({
      given: 'John',
      family: 'Testfield',
      gender: 'male',
      age: 38,
      birthdayDaysAgo: 15,
      nhsNumber: nhs(),
      address: ADDRESS('27 Specimen Street', 'LS12 3XY'),
      phone: '07700 900103',
      generalPractitioner: 'gp-1',
    })
      .employment({
        status: 'employed',
        recorded: -320,
        employerName: 'Example Distribution Ltd',
        employerSize: 180,
        employerHasOccupationalHealth: false,
      })
      .occupation(
        'Delivery driver for a distribution company: long periods sitting, lifting heavy loads',
        -320,
      )
      .condition('low-back-pain', CONCEPTS.lowBackPain, {
        onset: -320,
        recorded: -2,
        note: 'Third episode of back pain in 12 months. Needs physiotherapy (NHS wait about 12 weeks). Wants to keep working; could work in the office for a few weeks.',
      });
    b.note({ start: -320, end: -307, fitness: 'not-fit', dx: [CONCEPTS.backache], by: 'gp-2' });
    b.note({ start: -170, end: -157, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
    b.note({ start: -156, end: -143, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain], by: 'physio-1' });
    b.note({
      start: -2,
      end: 25,
      issued: -2,
      fitness: 'may-be-fit',
      dx: [CONCEPTS.lowBackPain],
      advice: [
        {
          code: 'amended-duties',
          text: 'No heavy lifting, twisting or bending. Office-based duties for a few weeks; no long periods driving.',
        },
      ],
      assessAgain: true,
    });
  },

  peter: (b, nhs) => {
    b.patient({
      given: 'Peter',
      family: 'Testbrook',
      gender: 'male',
      age: 31,
      birthdayDaysAgo: 160,
      nhsNumber: nhs(),
      address: ADDRESS('9 Placeholder Lane', 'LS9 7RT'),
      phone: '07700 900104',
      email: 'peter.testbrook@example.com',
      generalPractitioner: 'gp-1',
    })
      .employment({
        status: 'employed',
        recorded: -15,
        employerName: 'Example Contact Centre Ltd',
        employerSize: 600,
        employerHasOccupationalHealth: false,
      })
      .occupation('Call-centre adviser', -15)
      .condition('depression', CONCEPTS.depression, {
        onset: -20,
        recorded: -15,
        note: 'Improving since starting treatment. Reports bullying by his line manager and does not want to go back; drinking more to cope. Not to be shared with the employer.',
      })
      .condition('anxiety', CONCEPTS.anxiety, { onset: -20, recorded: -15 });
    const dx = [CONCEPTS.depression, CONCEPTS.anxiety];
    b.note({ start: -15, end: -2, fitness: 'not-fit', dx, assessAgain: true });
    b.note({ start: -1, end: 12, issued: 0, fitness: 'not-fit', dx, assessAgain: true, time: '09:40' });
  },

  'gap-seven': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Gapseven',
      gender: 'female',
      age: 47,
      birthdayDaysAgo: 12,
      nhsNumber: nhs(),
      address: ADDRESS('1 Test Street', 'LS6 1AA'),
      phone: '07700 900201',
    })
      .employment({
        status: 'employed',
        recorded: -40,
        employerName: 'Example Warehousing Ltd',
        employerSize: 90,
      })
      .occupation('Warehouse picker', -40)
      .condition('low-back-pain', CONCEPTS.lowBackPain, { onset: -42, recorded: -40 });
    b.note({ start: -40, end: -27, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
    // Days -26 … -20 are not covered: exactly 7 days.
    b.note({ start: -19, end: 8, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
  },

  'gap-eight': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Gapeight',
      gender: 'male',
      age: 29,
      birthdayDaysAgo: 300,
      nhsNumber: nhs(),
      address: ADDRESS('2 Test Street', 'LS6 1AB'),
      phone: '07700 900202',
    })
      .employment({
        status: 'employed',
        recorded: -41,
        employerName: 'Example Warehousing Ltd',
        employerSize: 90,
      })
      .occupation('Forklift driver', -41)
      .condition('low-back-pain', CONCEPTS.lowBackPain, { onset: -42, recorded: -41 });
    b.note({ start: -41, end: -28, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
    // Days -27 … -20 are not covered: 8 days.
    b.note({ start: -19, end: 8, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
  },

  overlap: (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Overlap',
      gender: 'female',
      age: 58,
      birthdayDaysAgo: 45,
      nhsNumber: nhs(),
      address: ADDRESS('3 Test Street', 'LS7 4CD'),
      phone: '07700 900203',
    })
      .employment({
        status: 'employed',
        recorded: -30,
        employerName: 'Example County Council',
        employerSize: 8000,
        employerHasOccupationalHealth: true,
      })
      .occupation('School administrator', -30)
      .condition('sciatica', CONCEPTS.sciatica, { onset: -33, recorded: -30 });
    b.note({ start: -30, end: -10, fitness: 'not-fit', dx: [CONCEPTS.sciatica] });
    b.note({ start: -16, end: 4, fitness: 'not-fit', dx: [CONCEPTS.sciatica], by: 'gp-2' });
  },

  'open-ended': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Openended',
      gender: 'male',
      age: 63,
      birthdayDaysAgo: 180,
      nhsNumber: nhs(),
      address: ADDRESS('4 Test Street', 'LS16 5EF'),
      phone: '07700 900204',
    })
      .employment({
        status: 'employed',
        recorded: -50,
        employerName: 'Example Builders Ltd',
        employerSize: 25,
      })
      .occupation('Bricklayer', -50)
      .condition('knee-osteoarthritis', CONCEPTS.kneeOsteoarthritis, { onset: -400, recorded: -390 });
    b.note({ start: -50, fitness: 'not-fit', dx: [CONCEPTS.kneeOsteoarthritis], assessAgain: true });
  },

  'other-condition': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Othercondition',
      gender: 'female',
      age: 36,
      birthdayDaysAgo: 77,
      nhsNumber: nhs(),
      address: ADDRESS('5 Test Street', 'LS17 6GH'),
      phone: '07700 900205',
    })
      .employment({
        status: 'employed',
        recorded: -35,
        employerName: 'Example Care Homes Ltd',
        employerSize: 120,
      })
      .occupation('Care assistant', -35)
      .condition('low-back-pain', CONCEPTS.lowBackPain, { onset: -37, recorded: -35 })
      .condition('acute-bronchitis', CONCEPTS.acuteBronchitis, { onset: -22, recorded: -21, active: false });
    b.note({ start: -35, end: -22, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
    b.note({ start: -21, end: -15, fitness: 'not-fit', dx: [CONCEPTS.acuteBronchitis], by: 'gp-2' });
    b.note({ start: -14, end: 6, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
  },

  'self-employed': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Selfemployed',
      gender: 'male',
      age: 49,
      birthdayDaysAgo: 230,
      nhsNumber: nhs(),
      address: ADDRESS('6 Test Street', 'LS10 2JK'),
      phone: '07700 900206',
      language: { code: 'pl', display: 'Polish', interpreterRequired: true },
    })
      .employment({ status: 'self-employed', recorded: -45 })
      .occupation('Painter and decorator (self-employed)', -45)
      .condition('shoulder-pain', CONCEPTS.shoulderPain, { onset: -50, recorded: -45 });
    b.note({ start: -45, end: -18, fitness: 'not-fit', dx: [CONCEPTS.shoulderPain] });
    b.note({
      start: -17,
      end: 3,
      fitness: 'may-be-fit',
      dx: [CONCEPTS.shoulderPain],
      advice: [{ code: 'amended-duties', text: 'No overhead work and no ladders.' }],
    });
  },

  unemployed: (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Unemployed',
      gender: 'female',
      age: 24,
      birthdayDaysAgo: 140,
      nhsNumber: nhs(),
      address: ADDRESS('7 Test Street', 'LS14 1LM'),
      phone: '07700 900207',
    })
      .employment({ status: 'unemployed', recorded: -55 })
      .occupation('Retail assistant (not currently working)', -55)
      .condition('adjustment-disorder', CONCEPTS.adjustmentDisorder, { onset: -60, recorded: -55 });
    b.note({ start: -55, end: -28, fitness: 'not-fit', dx: [CONCEPTS.adjustmentDisorder] });
    b.note({ start: -27, end: 0, fitness: 'not-fit', dx: [CONCEPTS.adjustmentDisorder] });
  },

  referred: (b, nhs) => {
    const nhsNumber = nhs();
    b.patient({
      given: 'Test',
      family: 'Referred',
      gender: 'male',
      age: 41,
      birthdayDaysAgo: 20,
      nhsNumber,
      address: ADDRESS('8 Test Street', 'LS13 3NP'),
      phone: '07700 900208',
      email: 'test.referred@example.com',
    })
      .employment({
        status: 'employed',
        recorded: -49,
        employerName: 'Example Engineering Ltd',
        employerSize: 60,
        employerHasOccupationalHealth: false,
      })
      .occupation('Machine operator', -49)
      .condition('low-back-pain', CONCEPTS.lowBackPain, { onset: -50, recorded: -49 });
    const dx = [CONCEPTS.lowBackPain];
    const n1 = b.note({ start: -49, end: -36, fitness: 'not-fit', dx });
    // The second note took the absence to six weeks; the GP referred that day.
    const n2 = b.note({ start: -35, end: -8, fitness: 'not-fit', dx });
    b.note({ start: -7, end: 13, fitness: 'not-fit', dx, assessAgain: true });
    b.add(
      ...referralResources(b, { nhsNumber, episodeStart: b.day(-49), fitNotes: [n1, n2], authoredDay: -35 }),
    );
  },

  'short-absence': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Shortabsence',
      gender: 'male',
      age: 36,
      birthdayDaysAgo: 77,
      nhsNumber: nhs(),
      address: ADDRESS('17 Test Street', 'LS7 3QS'),
      phone: '07700 900217',
    })
      .employment({
        status: 'employed',
        recorded: -8,
        employerName: 'Example Parcels Ltd',
        employerSize: 120,
      })
      .occupation('Parcel sorter', -8)
      .condition('ankle-sprain', CONCEPTS.ankleSprain, { onset: -10, recorded: -8 });
    // Days -8 … 1: 10 days in all, 9 of them so far; no rule fires before 14.
    b.note({ start: -8, end: 1, fitness: 'not-fit', dx: [CONCEPTS.ankleSprain] });
  },

  'no-notes': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Nonotes',
      gender: 'female',
      age: 33,
      birthdayDaysAgo: 5,
      nhsNumber: nhs(),
      address: ADDRESS('9 Test Street', 'LS2 8QR'),
      phone: '07700 900209',
    });
  },

  unreadable: (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Unreadable',
      gender: 'male',
      age: 27,
      birthdayDaysAgo: 330,
      nhsNumber: nhs(),
      address: ADDRESS('10 Test Street', 'LS4 2ST'),
      phone: '07700 900210',
    })
      .employment({ status: 'employed', recorded: -20, employerName: 'Example Gyms Ltd', employerSize: 15 })
      .occupation('Fitness instructor', -20)
      .condition('ankle-sprain', CONCEPTS.ankleSprain, { onset: -21, recorded: -20 });
    b.note({ start: -20, end: 7, fitness: 'not-fit', dx: [CONCEPTS.ankleSprain] });
    // Keyed in wrongly: the end date is before the start date.
    b.note({ start: -10, end: -24, issued: -25, fitness: 'not-fit', dx: [CONCEPTS.ankleSprain], by: 'gp-2' });
  },

  'no-nhs-number': (b) => {
    b.patient({
      given: 'Test',
      family: 'Nonumber',
      gender: 'female',
      age: 39,
      birthdayDaysAgo: 60,
      address: ADDRESS('11 Test Street', 'LS5 3UV'),
      phone: '07700 900211',
    })
      .employment({ status: 'employed', recorded: -42, employerName: 'Example Hotels Ltd', employerSize: 70 })
      .occupation('Hotel housekeeper', -42)
      .condition('low-back-pain', CONCEPTS.lowBackPain, { onset: -44, recorded: -42 });
    b.note({ start: -42, end: -29, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
    b.note({ start: -28, end: 6, fitness: 'not-fit', dx: [CONCEPTS.lowBackPain] });
  },

  'other-shapes': (b, nhs) => {
    b.patient({
      given: 'Test',
      family: 'Othershapes',
      gender: 'male',
      age: 55,
      birthdayDaysAgo: 250,
      nhsNumber: nhs(),
      address: ADDRESS('12 Test Street', 'HX1 1AA', 'Halifax'),
      phone: '07700 900212',
    })
      .employment({
        status: 'employed',
        recorded: -70,
        employerName: 'Example Textiles Ltd',
        employerSize: 210,
      })
      .occupation('Textile machinist', -70)
      .condition('knee-osteoarthritis', CONCEPTS.kneeOsteoarthritis, { onset: -72, recorded: -70 });
    // 1. Only a coded entry in the GP record.
    b.add(codedMed3Entry(b, 'other-shapes-med3-coded-1', -70, -57));
    // 2. Only a scanned Med3 document.
    const docStart = -56;
    const docEnd = -29;
    const document: DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'other-shapes-med3-document',
      status: 'current',
      type: {
        coding: [
          { system: SNOMED, code: FIT_NOTE_CODES.sicknessCertificates, display: 'Sickness certificates' },
        ],
        text: 'Med3 fit note (scanned)',
      },
      subject: { reference: 'Patient/other-shapes' },
      date: instantOn(formatDay(weekdayOnOrBefore(b.today + docStart)), '11:05'),
      author: [{ reference: 'Practitioner/gp-2' }],
      description: 'Statement of fitness for work: not fit for work (knee osteoarthritis)',
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            language: 'en-GB',
            title: 'Med3 fit note',
            data: btoa(
              `Statement of fitness for work (synthetic example). Not fit for work from ${b.day(docStart)} to ${b.day(docEnd)}. Condition: osteoarthritis of the knee.`,
            ),
          },
        },
      ],
      context: { period: { start: b.day(docStart), end: b.day(docEnd) } },
    };
    b.add(document);
    // 3. A structured note, and the coded entry the GP system also wrote for it (same period).
    b.note({ start: -28, end: 0, fitness: 'not-fit', dx: [CONCEPTS.kneeOsteoarthritis], assessAgain: true });
    b.add(codedMed3Entry(b, 'other-shapes-med3-coded-2', -28, 0));
  },
};

/** A GP-record coded entry "Med3 certificate issued to patient" with the period the note covers. */
function codedMed3Entry(b: RecordBuilder, id: string, start: number, end: number): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: {
      coding: [
        {
          system: SNOMED,
          code: FIT_NOTE_CODES.med3IssuedToPatient,
          display: 'Med3 certificate issued to patient',
        },
      ],
    },
    subject: { reference: `Patient/${b.key}` },
    effectivePeriod: { start: b.day(start), end: b.day(end) },
    issued: instantOn(formatDay(weekdayOnOrBefore(b.today + start)), '10:25'),
    performer: [{ reference: 'Practitioner/gp-1' }],
  };
}

const LOCAL_OH_PROVIDER = { id: 'local-oh-service', display: 'Local Occupational Health Service (example)' };

/** The ServiceRequest, Consent and Task of a referral already sent for the current episode. */
function referralResources(
  b: RecordBuilder,
  opts: { nhsNumber: string; episodeStart: CalendarDate; fitNotes: string[]; authoredDay: number },
): [ServiceRequest, Consent, Task] {
  const service: ServiceType = 'oh-assessment';
  const identifierValue = stableUuid(
    SANDBOX_PRACTICE.odsCode,
    opts.nhsNumber,
    LOCAL_OH_PROVIDER.id,
    opts.episodeStart,
    service,
  );
  const identifier = { system: ID_SYSTEM.referral, value: identifierValue };
  const provider: Reference<HealthcareService> = {
    type: 'HealthcareService',
    identifier: { system: ID_SYSTEM.provider, value: LOCAL_OH_PROVIDER.id },
    display: LOCAL_OH_PROVIDER.display,
  };
  const practice = {
    identifier: { system: ODS_ORGANIZATION_SYSTEM, value: SANDBOX_PRACTICE.odsCode },
    display: SANDBOX_PRACTICE.name,
  };
  const authoredOn = instantOn(formatDay(weekdayOnOrBefore(b.today + opts.authoredDay)), '11:30');
  const patient = `Patient/${b.key}`;
  const share = (codes: ShareCategory[]): CodeableConcept[] =>
    codes.map((code) => ({ coding: [{ system: CODE_SYSTEM.shareCategory, code }] }));
  const consent: Consent = {
    resourceType: 'Consent',
    id: `${b.key}-referral-consent`,
    meta: { profile: [PROFILE.referralConsent] },
    status: 'active',
    scope: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/consentscope',
          code: 'patient-privacy',
          display: 'Privacy Consent',
        },
      ],
    },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: patient },
    dateTime: authoredOn,
    performer: [{ reference: patient }],
    organization: [practice],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      provision: [
        {
          type: 'permit',
          actor: [
            {
              role: {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                    code: 'IRCP',
                    display: 'information recipient',
                  },
                ],
              },
              // Consent actors cannot be typed HealthcareService in R4: a logical reference by identifier.
              reference: { identifier: provider.identifier, display: LOCAL_OH_PROVIDER.display },
            },
          ],
          code: share([
            'contact-details',
            'fit-note-dates',
            'diagnosis',
            'functional-advice',
            'employment-details',
          ]),
        },
      ],
    },
  };
  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: `${b.key}-referral`,
    meta: { profile: [PROFILE.workHealthReferral] },
    contained: [
      {
        resourceType: 'PractitionerRole',
        id: 'requester',
        practitioner: { reference: 'Practitioner/gp-1', display: 'Dr Alex Testdoctor' },
        organization: practice,
      },
    ],
    identifier: [identifier],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }] }],
    code: {
      coding: [
        { system: CODE_SYSTEM.referralServiceType, code: service, display: SERVICE_TYPE_DISPLAY[service] },
      ],
    },
    orderDetail: [
      { coding: [{ system: CODE_SYSTEM.assessmentModality, code: 'telephone', display: 'Telephone' }] },
    ],
    subject: { reference: patient, identifier: { system: NHS_NUMBER_SYSTEM, value: opts.nhsNumber } },
    authoredOn,
    requester: { reference: '#requester' },
    performer: [provider],
    reasonCode: [conditionConcept(CONCEPTS.lowBackPain)],
    reasonReference: opts.fitNotes.map((id) => ({ reference: `Observation/${id}` })),
    supportingInfo: [
      { reference: `Consent/${consent.id}` },
      { reference: `Observation/${b.key}-employment` },
      { reference: `Observation/${b.key}-occupation` },
    ],
    note: [{ text: 'Off work six weeks with low back pain; wants advice on returning to machine work.' }],
    patientInstruction: 'Prefers a phone call on weekday mornings.',
  };
  const task: Task = {
    resourceType: 'Task',
    id: `${b.key}-referral-task`,
    meta: { profile: [PROFILE.referralTask] },
    identifier: [identifier],
    status: 'accepted',
    businessStatus: { text: 'Assessment booked' },
    intent: 'order',
    code: {
      coding: [
        {
          system: 'http://hl7.org/fhir/CodeSystem/task-code',
          code: 'fulfill',
          display: 'Fulfill the focal request',
        },
      ],
    },
    focus: { reference: `ServiceRequest/${serviceRequest.id}` },
    for: { reference: patient },
    authoredOn,
    lastModified: instantOn(formatDay(weekdayOnOrBefore(b.today + opts.authoredDay + 2)), '15:10'),
    requester: { reference: 'Practitioner/gp-1' },
    owner: provider,
  };
  return [serviceRequest, consent, task];
}

/** The keys of the example records, in index order. */
export const VIGNETTE_KEYS: readonly string[] = VIGNETTE_INDEX.map((entry) => entry.key);

/**
 * Builds every example record for a given "today" (`YYYY-MM-DD`), keyed as in VIGNETTE_INDEX.
 * Notes issued "today" are issued today even at a weekend; the others on the weekday on or before
 * the day they start.
 */
export function vignetteRecords(today: CalendarDate): Record<string, Bundle> {
  const day = parseCalendarDate(today);
  if (day === undefined) {
    throw new Error(`"${today}" is not a calendar date: give today's date as YYYY-MM-DD, e.g. 2026-11-21.`);
  }
  let nhsBase = VIGNETTE_NHS_BASE;
  const nhs = (): string => {
    const { nhsNumber, next } = nextNhsNumber(nhsBase);
    nhsBase = next;
    return nhsNumber;
  };
  const records: Record<string, Bundle> = {};
  for (const key of VIGNETTE_KEYS) {
    const factory = FACTORIES[key];
    if (factory === undefined) throw new Error(`No record is defined for the example "${key}".`);
    const builder = new RecordBuilder(key, day);
    factory(builder, nhs);
    records[key] = builder.bundle();
  }
  return records;
}

/** The date the committed example files are built for. */
export const EXAMPLES_TODAY: CalendarDate = '2026-11-21';

/** The JSON text of one example record as written to disk. */
export function exampleRecordText(bundle: Bundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

/** Writes `<dir>/<key>.json` for every example record built for EXAMPLES_TODAY; returns the paths. */
export async function writeExampleRecords(
  dir: string,
  today: CalendarDate = EXAMPLES_TODAY,
): Promise<string[]> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [key, bundle] of Object.entries(vignetteRecords(today))) {
    const path = join(dir, `${key}.json`);
    await writeFile(path, exampleRecordText(bundle), 'utf8');
    written.push(path);
  }
  return written;
}
