/**
 * The sandbox EHR's "Issue fit note" form: reading and checking what the clinician entered, and the
 * FitNote Observation it becomes (built by vignettes.ts's fitNoteObservation, the shared shape).
 */
import type { Observation, Practitioner, Reference } from '@medplum/fhirtypes';
import { ADVICE_CODES, type AdviceCode } from '../domain/codes.js';
import { formatDay, parseCalendarDate } from '../domain/dates.js';
import type { Fitness } from '../domain/fitnote.js';
import { CONCEPTS, conditionConcept, fitNoteObservation } from './vignettes.js';

export type ConceptKey = keyof typeof CONCEPTS;

/** The conditions offered on the form, in the order shown. */
export const FORM_CONDITIONS: readonly ConceptKey[] = [
  'lowBackPain',
  'backache',
  'sciatica',
  'depression',
  'anxiety',
  'adjustmentDisorder',
  'shoulderPain',
  'kneeOsteoarthritis',
  'rheumatoidArthritis',
  'acuteBronchitis',
  'ankleSprain',
];

export const ADVICE_LABELS: Record<AdviceCode, string> = {
  'phased-return': 'A phased return to work',
  'altered-hours': 'Altered hours',
  'amended-duties': 'Amended duties',
  'workplace-adaptations': 'Workplace adaptations',
};

/** Longest period one sandbox fit note may cover (26 weeks). */
export const MAX_DAYS = 182;
/** How far back a start date may be (backdated notes), and how far ahead. */
export const MAX_DAYS_BEFORE_TODAY = 365;
export const MAX_DAYS_AFTER_TODAY = 31;

/** What the clinician typed, kept as text so that a form with errors shows it again unchanged. */
export interface FitNoteFormInput {
  start: string;
  days: string;
  fitness: string;
  advice: string[];
  condition: string;
  assessAgain: boolean;
}

export interface FitNoteFormValue {
  start: string;
  end: string;
  days: number;
  fitness: Fitness;
  advice: AdviceCode[];
  condition: ConceptKey;
  assessAgain: boolean;
}

/** One problem with the form: the field's id (for the error summary's link) and the message. */
export interface FormError {
  field: 'start' | 'days' | 'fitness' | 'advice' | 'condition';
  message: string;
}

export type FormResult =
  | { ok: true; value: FitNoteFormValue; input: FitNoteFormInput }
  | { ok: false; errors: FormError[]; input: FitNoteFormInput };

/** The empty form: starts today, nothing else chosen. */
export function blankForm(today: string): FitNoteFormInput {
  return { start: today, days: '', fitness: '', advice: [], condition: '', assessAgain: false };
}

/** Reads the form fields (application/x-www-form-urlencoded). */
export function formInput(params: URLSearchParams): FitNoteFormInput {
  return {
    start: (params.get('start') ?? '').trim(),
    days: (params.get('days') ?? '').trim(),
    fitness: params.get('fitness') ?? '',
    advice: params.getAll('advice'),
    condition: params.get('condition') ?? '',
    assessAgain: params.get('assessAgain') === 'yes',
  };
}

/** Checks the form against `today` (YYYY-MM-DD); every problem gets its own message. */
export function checkFitNoteForm(input: FitNoteFormInput, today: string): FormResult {
  const errors: FormError[] = [];
  const todayDay = parseCalendarDate(today);
  if (todayDay === undefined) throw new Error(`"${today}" is not a calendar date (YYYY-MM-DD).`);

  const startDay = /^\d{4}-\d{2}-\d{2}$/.test(input.start) ? parseCalendarDate(input.start) : undefined;
  if (input.start === '') {
    errors.push({ field: 'start', message: 'Enter the date the fit note starts' });
  } else if (startDay === undefined) {
    errors.push({ field: 'start', message: 'The start date must be a real date, for example 21 11 2026' });
  } else if (startDay < todayDay - MAX_DAYS_BEFORE_TODAY) {
    errors.push({ field: 'start', message: 'The start date must be within the last 12 months' });
  } else if (startDay > todayDay + MAX_DAYS_AFTER_TODAY) {
    errors.push({ field: 'start', message: 'The start date must be no more than 31 days from today' });
  }

  const days = /^\d{1,4}$/.test(input.days) ? Number(input.days) : undefined;
  if (input.days === '') {
    errors.push({ field: 'days', message: 'Enter how many days the fit note covers' });
  } else if (days === undefined || days < 1 || days > MAX_DAYS) {
    errors.push({
      field: 'days',
      message: `The number of days must be a whole number from 1 to ${MAX_DAYS}`,
    });
  }

  const fitness = input.fitness === 'not-fit' || input.fitness === 'may-be-fit' ? input.fitness : undefined;
  if (fitness === undefined) {
    errors.push({
      field: 'fitness',
      message: 'Select whether the patient is not fit for work or may be fit',
    });
  }

  const advice = input.advice.filter((a): a is AdviceCode => (ADVICE_CODES as readonly string[]).includes(a));
  if (advice.length !== input.advice.length) {
    errors.push({ field: 'advice', message: 'Select advice from the options shown' });
  } else if (fitness === 'not-fit' && advice.length > 0) {
    errors.push({
      field: 'advice',
      message:
        'Advice about work applies only when the patient may be fit for work: clear it, or select "may be fit"',
    });
  }

  const condition = (FORM_CONDITIONS as readonly string[]).includes(input.condition)
    ? (input.condition as ConceptKey)
    : undefined;
  if (condition === undefined) {
    errors.push({ field: 'condition', message: 'Select the condition the fit note is for' });
  }

  if (errors.length > 0 || startDay === undefined || days === undefined || !fitness || !condition) {
    return { ok: false, errors, input };
  }
  return {
    ok: true,
    input,
    value: {
      start: formatDay(startDay),
      end: formatDay(startDay + days - 1),
      days,
      fitness,
      advice: [...new Set(advice)],
      condition,
      assessAgain: input.assessAgain,
    },
  };
}

/** The FitNote Observation for a checked form. */
export function fitNoteFromForm(
  value: FitNoteFormValue,
  options: { id: string; patientId: string; issued: string; performer?: Reference<Practitioner> },
): Observation {
  return fitNoteObservation({
    id: options.id,
    patientId: options.patientId,
    issued: options.issued,
    start: value.start,
    end: value.end,
    fitness: value.fitness,
    diagnoses: [conditionConcept(CONCEPTS[value.condition])],
    ...(value.advice.length > 0 ? { advice: value.advice.map((code) => ({ code })) } : {}),
    ...(value.assessAgain ? { assessAgain: true } : {}),
    ...(options.performer ? { performer: options.performer } : {}),
  });
}
