/**
 * A fit note (Statement of Fitness for Work, Med3) as the domain sees it, whatever FHIR shape it
 * was read from. src/fhir produces these; episodes.ts consumes them.
 */
import type { AdviceCode } from './codes.js';
import type { CalendarDate } from './dates.js';

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** A condition on a fit note: codings (SNOMED CT and/or ICD-10) and/or free text. */
export interface FitNoteCondition {
  codings: Coding[];
  text?: string;
}

export type Fitness = 'not-fit' | 'may-be-fit';

export type FitNoteSource = 'observation' | 'coded-entry' | 'questionnaire-response' | 'document-reference';

export interface FitNote {
  /** Reference to the resource it came from, e.g. `Observation/abc`. */
  ref: string;
  source: FitNoteSource;
  /** Date of assessment / issue (Europe/London calendar date). */
  issued: CalendarDate;
  /** First day covered. */
  start: CalendarDate;
  /** Last day covered; undefined only when the note is open-ended. */
  end?: CalendarDate;
  fitness: Fitness;
  conditions: FitNoteCondition[];
  advice: AdviceCode[];
  assessAgain?: boolean;
  /** Reference to the certifying clinician. */
  performer?: string;
}

/** A resource that looked like a fit note but could not be read, and why. */
export interface UnreadableFitNote {
  ref: string;
  reason: string;
}
