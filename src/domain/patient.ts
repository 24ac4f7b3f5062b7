/**
 * What the domain needs to know about a patient to evaluate rules and provider eligibility. Built
 * by src/fhir from the record (Patient, EmploymentStatus and Occupation observations).
 */
import type { EmploymentStatus } from './codes.js';
import type { CalendarDate } from './dates.js';

export interface PatientFacts {
  /** Logical id of the Patient resource. */
  id: string;
  /** NHS number, 10 digits, check digit verified; absent when the record has none. */
  nhsNumber?: string;
  birthDate?: CalendarDate;
  /** `unknown` when the record holds no employment status. */
  employmentStatus: EmploymentStatus;
  occupation?: string;
  employerName?: string;
  /** Employer headcount, when recorded. */
  employerSize?: number;
  /** Whether the employer has its own occupational health service, when recorded. */
  employerHasOccupationalHealth?: boolean;
  /** Full postcode as recorded, e.g. `LS6 2AB`. */
  postcode?: string;
  /** Preferred language (BCP 47 / the Patient.communication coding), and whether an interpreter is needed. */
  language?: string;
  interpreterNeeded?: boolean;
  /**
   * The Patient's phone numbers and email addresses (`Patient.telecom` with system phone or email and
   * a value), in record order; which to use is the reader's choice (it knows today).
   */
  telecom?: PatientContactPoint[];
}

/** One phone number or email address from `Patient.telecom`. */
export interface PatientContactPoint {
  system: 'phone' | 'email';
  value: string;
  /** home | work | temp | old | mobile, as recorded. */
  use?: string;
  /** ContactPoint.rank: 1 is the most preferred. */
  rank?: number;
  /** `period.end` as recorded (a date or dateTime): after it, the number or address is no longer in use. */
  end?: string;
}

/** Whole years of age on a date, or undefined without a birth date. */
export function ageOn(birthDate: CalendarDate | undefined, today: CalendarDate): number | undefined {
  if (birthDate === undefined) return undefined;
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
